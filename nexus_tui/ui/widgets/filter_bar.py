"""The `/` filter line under a table: type to narrow, enter to keep, escape to clear."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Hidden until opened. The owning screen reacts to `Input.Changed` and to `FilterBar.Closed`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_and_close", "Clear filter", tooltip="Clear the filter and close it")
    ]

    @dataclass
    class Closed(Message):
        """The user is done with the filter line (enter keeps the filter, escape clears it)."""

        filter_bar: FilterBar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter: type to narrow, enter keeps, escape clears", id=id)
        self.display = False

    def open(self) -> None:
        self.display = True
        self.focus()

    def action_clear_and_close(self) -> None:
        self.value = ""
        self._close()

    def _on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close()

    def _close(self) -> None:
        if not self.value:
            self.display = False
        self.post_message(self.Closed(self))


def matches(text: str, needle: str) -> bool:
    """Case-insensitive substring match; every space-separated word must appear."""
    haystack = text.casefold()
    return all(word in haystack for word in needle.casefold().split())
