"""The funding matrix widget: a DataTable updated by key, only where something changed.

STYLE.md habit 5: stale row keys are removed, `update_cell` runs only for cells whose
`(text, style)` changed (never with `update_width`), new rows are added by key, the rows are
sorted only when their order changed, all inside one `app.batch_update()`. The selected row is
found by its key, so it stays selected while rows re-sort under it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets.data_table import ColumnKey

from nexus_tui.ui.keys import FUNDING_TABLE_BINDINGS
from nexus_tui.ui.widgets.funding_cells import Cell
from nexus_tui.ui.widgets.funding_matrix import ASSET, NEXT, SPREAD, MatrixView, SortOrder
from nexus_tui.ui.widgets.kept_cells import KeptCellsTable
from nexus_tui.ui.widgets.table_cursor import key_under_cursor
from nexus_tui.ui.widgets.venue_names import short_names

ASSET_WIDTH = 10
RATE_WIDTH = 11  # "+0.0100%·8h": fits 8 venues in 140 columns
SPREAD_WIDTH = 8
NEXT_WIDTH = 6

# remove_row costs O(rows) each, add_row measures every cell: past this many rows leaving, and
# more rows leaving than staying (a filter typed), one rebuild is cheaper.
REBUILD_AFTER_REMOVALS = 20

Header = tuple[tuple[str, str, int], ...]  # (column key, label, width) per column


def _columns(header: Header) -> tuple[tuple[str, int], ...]:
    return tuple((key, width) for key, _, width in header)


def _label(key: str, label: str) -> Text:
    return Text(label, justify="left" if key == ASSET else "right")


def render(cell: Cell, *, left: bool = False) -> Text:
    text, style = cell
    # The style spans the text only: the padding that right-aligns it stays unstyled (an
    # underlined best-spread leg must not drag its underline across the empty cell).
    return Text.assemble((text, style), justify="left" if left else "right", no_wrap=True)


class FundingTable(KeptCellsTable):
    BINDINGS: ClassVar[list[BindingType]] = [*FUNDING_TABLE_BINDINGS]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, header_height=2)
        self.fixed_columns = 1  # the asset stays in view when a narrow terminal scrolls sideways
        self._header: Header = ()
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._order: list[str] = []
        self.repaints = 0
        self.cells_updated = 0  # cells repainted by the last `show` (for tests and benches)

    # -- reading ---------------------------------------------------------------------------
    @property
    def selected_base(self) -> str | None:
        """The base asset under the cursor, by key (None when the table is empty)."""
        return key_under_cursor(self)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self._order)

    def cell_text(self, base: str, column: str) -> str:
        """What one cell shows (tests compare the screen with the book through this)."""
        return str(self.get_cell(base, column))

    # -- writing ---------------------------------------------------------------------------
    def show(self, view: MatrixView, sort: SortOrder) -> None:
        selected = self.selected_base
        header = self._header_for(view, sort)
        self.repaints += 1
        self.cells_updated = 0
        with self.app.batch_update():
            if _columns(header) != _columns(self._header) or not self._order:
                self._rebuild(view, header)  # new venues (rare), or nothing to keep
            else:
                relabelled = header != self._header
                if relabelled:
                    self._relabel(header)  # a new unit or sort: cells are updated, not re-added
                self._update(view, resort=relabelled)
            if selected is not None and selected in self._shown:
                self._select(selected)

    def _header_for(self, view: MatrixView, sort: SortOrder) -> Header:
        arrow = "▼" if sort.descending else "▲"
        names = short_names(view.venues)

        def label(key: str, top: str, bottom: str) -> str:
            return f"{top} {arrow}\n{bottom}" if sort.key == key else f"{top}\n{bottom}"

        columns = [(ASSET, label(ASSET, "Asset", "USDT+USDC"), ASSET_WIDTH)]
        for venue in view.venues:
            hours = " ".join(f"{h}h" for h in view.intervals.get(venue, ()))
            columns.append((venue, label(venue, names[venue], hours), RATE_WIDTH))
        columns.append((SPREAD, label(SPREAD, "Spread", "APR"), SPREAD_WIDTH))
        columns.append((NEXT, label(NEXT, "Next", "settle"), NEXT_WIDTH))
        return tuple(columns)

    def _relabel(self, header: Header) -> None:
        for key, label, _ in header:
            self.columns[ColumnKey(key)].label = _label(key, label)
        self._header = header

    def _rebuild(self, view: MatrixView, header: Header) -> None:
        self.clear(columns=True)
        for key, label, width in header:
            self.add_column(_label(key, label), key=key, width=width)
        self._header = header
        self._shown = {}
        self._order = []
        self._add_rows(view)

    def _add_rows(self, view: MatrixView) -> None:
        for base in view.order:
            cells = view.cells[base]
            self.add_row(*self._render_row(cells), key=base)
            self._shown[base] = cells
            self.cells_updated += len(cells)
        self._order = list(view.order)

    @staticmethod
    def _render_row(cells: tuple[Cell, ...]) -> list[Text]:
        return [render(cell, left=i == 0) for i, cell in enumerate(cells)]

    def _update(self, view: MatrixView, *, resort: bool = False) -> None:
        """`resort`: sort even if the order is the same (DataTable repaints its header only then)."""
        wanted = set(view.order)
        leaving = [base for base in self._order if base not in wanted]
        if len(leaving) > max(REBUILD_AFTER_REMOVALS, len(view.order)):
            self.clear()
            self._shown = {}
            self._add_rows(view)
            return
        for base in leaving:
            self.remove_row(base)
            del self._shown[base]
        order = [base for base in self._order if base in wanted]
        columns = [key for key, _, _ in self._header]
        for base in view.order:
            cells = view.cells[base]
            before = self._shown.get(base)
            if before is None:
                self.add_row(*self._render_row(cells), key=base)
                order.append(base)
                self.cells_updated += len(cells)
            elif before != cells:
                for i, (old, new) in enumerate(zip(before, cells, strict=True)):
                    if old != new:
                        self.update_cell(base, columns[i], render(new, left=i == 0))
                        self.cells_updated += 1
            self._shown[base] = cells
        if resort or order != list(view.order):
            rank = {base: i for i, base in enumerate(view.order)}
            self.sort(ASSET, key=lambda asset: rank[str(asset)])
        self._order = list(view.order)

    def _select(self, base: str) -> None:
        row = self.get_row_index(base)
        if row != self.cursor_row:
            self.move_cursor(row=row, animate=False)
