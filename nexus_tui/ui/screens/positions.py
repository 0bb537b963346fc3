"""Screen 3: open positions."""

from __future__ import annotations

from textual.app import ComposeResult

from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.widgets.coming_later import ComingLater


class PositionsScreen(DeskScreen):
    SUB_TITLE = "3 Positions"

    def compose_body(self) -> ComposeResult:
        yield ComingLater(
            "Open positions: both legs, size, entry, funding collected, fees, P&L and health.",
            "Not here yet: positions arrive with trading (a later issue).",
        )
