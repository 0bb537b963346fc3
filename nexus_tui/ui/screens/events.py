"""Screen 6: the engine's event log, live."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.screens.base import FilteredTableScreen
from nexus_tui.ui.widgets.event_table import EventTable
from nexus_tui.ui.widgets.filter_bar import FilterBar


class EventsScreen(FilteredTableScreen):
    SUB_TITLE = "6 Events"
    AUTO_FOCUS = "EventTable"

    def compose_body(self) -> ComposeResult:
        config = self.desk.config
        yield EventTable(max_rows=config.ui.max_table_rows if config else 2000, id="event-table")
        yield FilterBar(id="filter")
        yield Static(id="event-count", classes="table-status")

    def on_mount(self) -> None:
        # The App keeps the log since unlock; this screen may open long after the first events.
        self.query_one(EventTable).add_events(self.desk.event_log)
        self.desk.engine_events.subscribe(self, self._on_engine_events)
        self._show_count()

    def _on_engine_events(self, batch: EngineEvents) -> None:
        self.query_one(EventTable).add_events(batch.events)
        self._show_count()

    def apply_filter(self, text: str) -> None:
        self.query_one(EventTable).set_filter(text)
        self._show_count()

    def _show_count(self) -> None:
        table = self.query_one(EventTable)
        shown = f"{table.row_count} of {table.total} events" if table.filter_text else f"{table.total} events"
        dropped = self.desk.events_dropped
        lost = f" · {dropped} dropped while the screen was busy" if dropped else ""
        filtered = f" · filter: {table.filter_text}" if table.filter_text else ""
        self.query_one("#event-count", Static).update(f"{shown}{filtered}{lost}")
