"""Screen 5: the current configuration, read-only, secrets masked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from nexus_tui.ui.screens.base import FilteredTableScreen
from nexus_tui.ui.widgets.config_table import ConfigTable
from nexus_tui.ui.widgets.filter_bar import FilterBar


class ConfigScreen(FilteredTableScreen):
    SUB_TITLE = "5 Config"
    AUTO_FOCUS = "ConfigTable"

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Read-only for now: change a value with [b]nexus-tui config set KEY VALUE[/b] "
            "(editing on this screen arrives later). Secrets are always masked.",
            classes="screen-note",
        )
        yield ConfigTable(id="config-table")
        yield FilterBar(id="filter")
        yield Static(id="config-count", classes="table-status")

    def on_mount(self) -> None:
        if self.desk.config is not None:
            self.query_one(ConfigTable).show_config(self.desk.config)
        self._show_count()

    def apply_filter(self, text: str) -> None:
        self.query_one(ConfigTable).set_filter(text)
        self._show_count()

    def _show_count(self) -> None:
        table = self.query_one(ConfigTable)
        text = f"{table.total} settings"
        if table.filter_text:
            text = f"{table.row_count} of {text} · filter: {table.filter_text}"
        self.query_one("#config-count", Static).update(text)
