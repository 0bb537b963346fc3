"""`?`: every key of the desk, built from the bindings themselves so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from nexus_tui.ui.keys import ACTION_BINDINGS, SCREEN_BINDINGS

ALWAYS = (
    ("ctrl+p", "Command palette: every command by name"),
    ("ctrl+q", "Quit (asks first once the desk is open)"),
    ("tab", "Move focus to the next widget"),
)


class HelpModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="nexus.help.close")
    ]

    def __init__(self, screen_bindings: Iterable[Binding] = ()) -> None:
        super().__init__()
        self.screen_bindings = [b for b in screen_bindings if b.show]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="dialog help"):
            yield Static(self._text(), id="help-text")

    def _section(self, title: str, rows: Iterable[tuple[str, str]]) -> list[str]:
        return [f"[b]{title}[/b]", *(f"  [b]{key:>6}[/b]  {text}" for key, text in rows), ""]

    def _rows(self, bindings: Iterable[Binding]) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for binding in bindings:
            what = f"{binding.description:<14}{binding.tooltip}" if binding.tooltip else binding.description
            row = (escape(self.app.get_key_display(binding)), escape(what))
            if row not in rows:
                rows.append(row)
        return rows

    def _text(self) -> str:
        lines = [
            *self._section("Screens", self._rows(SCREEN_BINDINGS)),
            *self._section("Desk", self._rows(ACTION_BINDINGS)),
        ]
        if self.screen_bindings:
            lines += self._section("This screen", self._rows(self.screen_bindings))
        lines += self._section("Everywhere", [(key, f"{'':<14}{text}") for key, text in ALWAYS])
        lines.append("[dim]escape, ? or q closes this help[/dim]")
        return "\n".join(lines)
