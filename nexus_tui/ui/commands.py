"""The desk's commands in the command palette (ctrl+p), built from the same bindings as the footer."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from nexus_tui.ui.keys import DESK_BINDINGS, SCREEN_BINDINGS


def command_title(binding: Binding) -> str:
    if binding in SCREEN_BINDINGS:
        return f"Show {binding.description} ({binding.key})"
    return binding.tooltip or binding.description


class DeskCommands(Provider):
    """Only commands that do something right now: a greyed-out key is not offered either."""

    def _available(self) -> Iterator[tuple[str, str, str]]:
        seen: set[str] = set()
        for binding in DESK_BINDINGS:
            _, name, parameters = parse(binding.action)
            if not self.app.check_action(name, parameters):
                continue
            title = command_title(binding)
            if title in seen:
                continue
            seen.add(title)
            yield title, binding.action, f"key: {self.app.get_key_display(binding)}"

    async def discover(self) -> Hits:
        for title, action, help_text in self._available():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text
                )
