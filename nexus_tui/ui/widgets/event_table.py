"""The engine's event log as a table: time, kind, message; newest at the bottom, follows the tail.

An event with a coalesce key (a state: a venue's funding updated, its health) replaces the
previous line with the same key; every other event (a fault, a halt, a failure) keeps its line.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from nexus_tui.core.clock import utc
from nexus_tui.core.events import Event
from nexus_tui.ui.widgets.filter_bar import matches

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# An event's data["severity"] (info, warning, error; none = info) sets its message's colour.
SEVERITY_STYLES = {"warning": "yellow", "error": "bold red"}


def event_text(event: Event) -> str:
    """What the filter searches: kind and message."""
    return f"{event.kind} {event.message}"


class EventTable(DataTable[str | Text]):
    """Rows are added by key, oldest removed by key once `max_rows` is reached (STYLE.md habit 5),
    a line replaced by key when a newer event with its coalesce key arrives."""

    def __init__(self, *, max_rows: int = 2000, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.max_rows = max_rows
        self.filter_text = ""
        self._held: OrderedDict[str, Event] = OrderedDict()  # row key -> event, oldest first
        self._latest: dict[str, str] = {}  # coalesce key -> row key of its newest event
        self._next_key = 0

    def on_mount(self) -> None:
        self.add_column("Time (UTC)", key="ts", width=19)
        self.add_column("Kind", key="kind", width=24)
        self.add_column("Message", key="message")

    @property
    def total(self) -> int:
        """Events held (shown or filtered out)."""
        return len(self._held)

    @property
    def received(self) -> int:
        """Events ever added, including those since dropped for the row limit."""
        return self._next_key

    def add_events(self, events: Iterable[Event]) -> None:
        arriving: OrderedDict[str, Event] = OrderedDict()
        gone: list[str] = []  # shown rows to remove: replaced by a newer line, or past max_rows
        for event in events:
            key = self._new_key()
            if event.coalesce_key is not None:
                # A state line (a venue's funding updated, its health, its settlement) replaces
                # its previous line, as on the bus: routine updates never push a fault off the log.
                previous = self._latest.pop(event.coalesce_key, None)
                if previous is not None and arriving.pop(previous, None) is None:
                    if self._held.pop(previous, None) is not None:
                        gone.append(previous)
                self._latest[event.coalesce_key] = key
            arriving[key] = event
        if not arriving:
            return
        following = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        reading = None if following else self._key_at_cursor()
        self._held.update(arriving)
        while len(self._held) > self.max_rows:
            key, event = self._held.popitem(last=False)
            if key not in arriving:
                gone.append(key)
            if event.coalesce_key is not None and self._latest.get(event.coalesce_key) == key:
                del self._latest[event.coalesce_key]
        with self.app.batch_update():
            if len(gone) > max(20, self.max_rows // 20):
                # DataTable.remove_row costs O(rows) each: past a few, rebuilding is cheaper.
                self._show_held()
            else:
                for key in gone:
                    if key in self.rows:
                        self.remove_row(key)
                for key, event in arriving.items():
                    if key in self._held and matches(event_text(event), self.filter_text):
                        self._add_row(key, event)
        if following and self.row_count:
            self.move_cursor(row=self.row_count - 1)
        elif reading is not None and reading in self.rows:
            # Rows above may have gone: keep the cursor on the line being read, found by its key.
            self.move_cursor(row=self.get_row_index(reading))

    def _key_at_cursor(self) -> str | None:
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        with self.app.batch_update():
            self._show_held()
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def _show_held(self) -> None:
        self.clear()
        for key, event in self._held.items():
            if matches(event_text(event), self.filter_text):
                self._add_row(key, event)

    def _new_key(self) -> str:
        self._next_key += 1
        return str(self._next_key)

    def _add_row(self, key: str, event: Event) -> None:
        message: str | Text = event.message or ""
        style = SEVERITY_STYLES.get(str(event.data.get("severity", "")))
        if style is not None:  # a fault or a failure stands out; routine lines stay plain
            message = Text(str(message), style=style)
        self.add_row(utc(event.ts).strftime(TIME_FORMAT), event.kind, message, key=key)
