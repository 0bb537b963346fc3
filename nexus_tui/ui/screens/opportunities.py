"""Screen 2: ranked arbitrage opportunities."""

from __future__ import annotations

from textual.app import ComposeResult

from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.widgets.coming_later import ComingLater


class OpportunitiesScreen(DeskScreen):
    SUB_TITLE = "2 Opportunities"

    def compose_body(self) -> ComposeResult:
        yield ComingLater(
            "Ranked opportunities: long and short venue, net APR after costs at size, "
            "break-even hours, UOS score, and proposals waiting for approval.",
            "Not here yet: this list arrives with the strategy layer (a later issue).",
        )
