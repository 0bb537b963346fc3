"""A DataTable that paints again only the cells whose value changed.

DataTable forgets every rendered cell as soon as any cell changes (its caches are keyed on a
table-wide update count), so one venue's update re-rendered every visible cell of the funding
matrix, and a rate ageing by a second every cell of the detail panel. Here a cell keeps its
rendered lines while its value is the very same object: `update_cell` puts a new one for a new
value (values are never changed in place). A row that a re-sort moved keeps them too, re-pointed
at its new row. Measured: `nexus-tui bench --only ui.funding_incremental`.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

RENDERED_CELLS_KEPT = 4096  # a few screens' worth of rendered cells

Lines = list[list[Segment]]


def _moved_to(lines: Lines, row_index: int, column_index: int) -> Lines:
    """A rendered cell's lines, its segments pointing at another row: the same meta DataTable
    gives a cell it renders (merged last, so only `row` and `column` change)."""
    meta = Style.from_meta({"row": row_index, "column": column_index})
    return [
        [
            segment if segment.control else Segment(segment.text, (segment.style or Style()) + meta)
            for segment in line
        ]
        for line in lines
    ]


class KeptCellsTable(DataTable[Any]):
    """A DataTable whose cells are rendered again only when their value changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rendered: dict[tuple[object, ...], tuple[object, Lines]] = {}
        self._rendered_by_value: dict[tuple[object, ...], tuple[object, Lines]] = {}
        self._paint_style: Style | None = None
        self._row_styles: dict[tuple[int, Style], Style] = {}

    def notify_style_update(self) -> None:
        super().notify_style_update()  # DataTable drops its own caches here (a theme, a class)
        self._rendered.clear()
        self._rendered_by_value.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # DataTable asks for its style, and each row for its stripe's, once per line, walking
        # every ancestor's styles each time: within one paint they cannot change.
        self._paint_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None
            self._row_styles.clear()

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        if self._paint_style is None:
            return super()._get_row_style(row_index, base_style)
        # What DataTable's answer depends on: header, fixed row, or the stripe (odd/even).
        kind = -1 if row_index < 0 else -2 if row_index < self.fixed_rows else row_index % 2
        key = (kind, base_style)
        style = self._row_styles.get(key)
        if style is None:
            style = self._row_styles[key] = super()._get_row_style(row_index, base_style)
        return style

    @property
    def rich_style(self) -> Style:
        """The table's style; within one paint, the one taken at its start."""
        return self._paint_style if self._paint_style is not None else super().rich_style

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Lines:
        """Rendered lines kept for the same value, place and look (see the module note)."""
        if row_index < 0 or column_index < 0:  # header and row labels: rare, leave them be
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        value = self.get_cell_at(Coordinate(row_index, column_index))
        key = (
            row_index,
            column_index,
            base_style,
            width,
            cursor,
            hover,
            self._show_hover_cursor,
            self._pseudo_class_state,
        )
        kept = self._rendered.get(key)
        if kept is not None and kept[0] is value:  # the entry holds `value`: its id is not reused
            return kept[1]
        # A row the re-sort moved shows the same value with the same stripe elsewhere: its
        # rendered lines differ only in the row its click lands on (the segments' meta).
        look = (id(value), *key[1:])
        moved = self._rendered_by_value.get(look)
        if moved is not None and moved[0] is value:
            lines = _moved_to(moved[1], row_index, column_index)
        else:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if len(self._rendered) >= RENDERED_CELLS_KEPT:
            self._rendered.clear()
            self._rendered_by_value.clear()
        self._rendered[key] = (value, lines)
        self._rendered_by_value[look] = (value, lines)
        return lines
