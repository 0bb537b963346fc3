"""The row under a DataTable's cursor, by key: what the desk's tables keep selected across updates."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def key_under_cursor(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor (None when the table is empty)."""
    if not table.row_count:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:
        return None
