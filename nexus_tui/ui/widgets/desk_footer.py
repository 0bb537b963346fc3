"""Textual's Footer, rebuilt only when what it shows has changed.

The stock Footer rebuilds all its keys whenever its screen's bindings are recomputed, which
happens on every screen switch even when the keys are the same: measured with `nexus-tui bench
--only ui.screen_switch`, that rebuild was about two thirds of the time a key like `2` took.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[str, str, bool, str], ...]


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__()
        self._keys_shown: Shown | None = None

    def _keys_to_show(self, screen: Screen[Any]) -> Shown:
        return tuple(
            (binding.key, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def keys_stale(self, screen: Screen[Any]) -> bool:
        """Whether the keys shown are no longer `screen`'s (their states moved while it was hidden)."""
        return self._keys_shown is not None and self._keys_to_show(screen) != self._keys_shown

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = self._keys_to_show(screen)
            if self._bindings_ready and keys == self._keys_shown:
                return  # same keys, same states: nothing to rebuild
            self._keys_shown = keys
        super().bindings_changed(screen)
