"""The config as a two-column table of dotted keys (the same keys `config get/set` takes)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel
from textual.widgets import DataTable

from nexus_tui.config.render import MASK_UNSET, masked, scalar_text
from nexus_tui.ui.widgets.filter_bar import matches


def config_rows(config: BaseModel) -> list[tuple[str, str]]:
    """(dotted key, shown value), credentials masked exactly as `nexus-tui config show` masks them."""
    return list(_flatten(masked(config), ""))


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, _shown(value)


def _shown(value: Any) -> str:
    if value is None:
        return MASK_UNSET
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) if value else "(none)"
    if isinstance(value, Mapping):
        return "(none)"
    return scalar_text(value)


class ConfigTable(DataTable[str]):
    """Read-only; editing arrives with `config set` on this screen (a later issue)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.filter_text = ""
        self._rows: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.add_column("Key", key="key")
        self.add_column("Value", key="value")

    @property
    def total(self) -> int:
        return len(self._rows)

    def show_config(self, config: BaseModel) -> None:
        self._rows = config_rows(config)
        self.set_filter(self.filter_text)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        with self.app.batch_update():
            self.clear()
            for key, value in self._rows:
                if matches(f"{key} {value}", text):
                    self.add_row(key, value, key=key)
