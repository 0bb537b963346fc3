"""The ranked opportunities as a table, updated by key (STYLE.md habit 5).

Rows are keyed by opportunity id, which the engine keeps stable from scan to scan. A new scan
removes the ids that left, adds the new ones, changes only the cells whose text changed, and
sorts only when the ranking changed, all in one batch. The cursor stays on the opportunity being
read (found by its key) however its rank moves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Self

from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable

from nexus_tui.ui.widgets.opportunity_cells import COLUMNS, PINNED_COLUMNS, Cells
from nexus_tui.ui.widgets.table_cursor import key_under_cursor

# DataTable.remove_row costs O(rows) each: past this many at once, rebuilding is cheaper.
REBUILD_AFTER = 20

_RATE_COLUMNS = frozenset({"long_rate", "short_rate"})
# The venue columns (width None) are as wide as their widest name, at least FITTED_MIN_WIDTH (every
# short name fits): the table is rebuilt when that changes, which only a clash of short names does.
# (DataTable's own update_width measures the whole column again whenever a cell narrows: with
# 500 rows a scan took seconds.)
_FITTED = tuple(i for i, spec in enumerate(COLUMNS) if spec.width is None)
FITTED_MIN_WIDTH = 5
_STYLES = {"rank": "dim", "type": "bold", "uos": "bold", "net_apr": "bold", "flags": "yellow", "age": "dim"}


def _cell(column: int, text: str) -> Text:
    spec = COLUMNS[column]
    style = _STYLES.get(spec.key, "")
    if spec.key in _RATE_COLUMNS:
        style = "red" if text.startswith("-") else "dim" if text == "spot" else "green"
    return Text(text, style=style, justify="right" if spec.right else "left", no_wrap=True)


class OpportunityTable(DataTable[Text]):
    # Class defaults: DataTable refreshes from its own __init__, before ours has run.
    _holding_refresh = False
    _refresh_held = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=PINNED_COLUMNS)
        self._shown: dict[str, Cells] = {}
        self.fitted_width = FITTED_MIN_WIDTH

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for spec in COLUMNS:
            label = Text(spec.label, justify="right" if spec.right else "left")
            self.add_column(label, width=spec.width or self.fitted_width, key=spec.key)

    @property
    def shown_ids(self) -> list[str]:
        """The ids on screen, top to bottom."""
        return [str(row.key.value) for row in self.ordered_rows]

    def cells_of(self, opportunity_id: str) -> Cells | None:
        """The text of a row as shown (for tests and the status line)."""
        return self._shown.get(opportunity_id)

    @property
    def selected_id(self) -> str | None:
        return key_under_cursor(self)

    def show(self, rows: Sequence[tuple[str, Cells]], *, instead: str | None = None) -> None:
        """Make the table show `rows` (id and cells, best first), changing only what changed.

        The cursor stays on its opportunity; if that one left, it goes to `instead` when given
        and shown, else to the row that took its place."""
        selected, cursor = self.selected_id, self.cursor_row
        wanted = dict(rows)
        width = max([FITTED_MIN_WIDTH, *(len(cells[i]) for _, cells in rows for i in _FITTED)])
        with self.app.batch_update(), self._one_refresh():
            gone = [key for key in self._shown if key not in wanted]
            if width != self.fitted_width:
                self.fitted_width = width
                self.clear(columns=True)
                self._add_columns()
                self._rebuild(rows)
            elif len(gone) > REBUILD_AFTER:
                self._rebuild(rows)
            else:
                for key in gone:
                    self.remove_row(key)
                    del self._shown[key]
                for key, cells in rows:
                    self._put(key, cells)
                if self.shown_ids != [key for key, _ in rows]:
                    # Ranks are unique, so sorting on them gives exactly the engine's order.
                    self.sort("rank", key=lambda cell: int(cell.plain))
            self._restore_cursor(selected if selected in self._shown else instead, cursor)

    def update_column_text(self, column: int, values: Mapping[str, str]) -> None:
        """New text for one column (the ages, as the clock moves); unchanged cells are left alone."""
        key = COLUMNS[column].key
        with self.app.batch_update(), self._one_refresh():
            for row_key, text in values.items():
                shown = self._shown.get(row_key)
                if shown is not None and shown[column] != text:
                    self.update_cell(row_key, key, _cell(column, text))
                    self._shown[row_key] = (*shown[:column], text, *shown[column + 1 :])

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if self._holding_refresh and not (regions or layout or recompose):
            self._refresh_held = True
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    @contextmanager
    def _one_refresh(self) -> Iterator[None]:
        """Every update_cell asks for a whole-table repaint, and the asking alone costs tens of
        microseconds: a scan that moves every figure of 500 rows asked 6,000 times. Ask once."""
        self._holding_refresh, self._refresh_held = True, False
        try:
            yield
        finally:
            self._holding_refresh = False
            if self._refresh_held:
                super().refresh()

    def _put(self, key: str, cells: Cells) -> None:
        shown = self._shown.get(key)
        if shown is None:
            self.add_row(*(_cell(i, text) for i, text in enumerate(cells)), key=key)
        elif shown != cells:
            for i, (before, after) in enumerate(zip(shown, cells, strict=True)):
                if before != after:
                    self.update_cell(key, COLUMNS[i].key, _cell(i, after))
        self._shown[key] = cells

    def _rebuild(self, rows: Sequence[tuple[str, Cells]]) -> None:
        self.clear()
        self._shown.clear()
        for key, cells in rows:
            self._put(key, cells)

    def _restore_cursor(self, selected: str | None, cursor: int) -> None:
        """On `selected` if it is shown, else on the row now at the cursor's line."""
        if not self.row_count:
            return
        if selected is not None and selected in self._shown:
            row = self.get_row_index(selected)
        else:
            row = min(cursor, self.row_count - 1)
        if row != self.cursor_row:
            self.move_cursor(row=row)
