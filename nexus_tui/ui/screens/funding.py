"""Screen 1: funding rates across venues."""

from __future__ import annotations

from textual.app import ComposeResult

from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.widgets.coming_later import ComingLater


class FundingScreen(DeskScreen):
    SUB_TITLE = "1 Funding"

    def compose_body(self) -> ComposeResult:
        yield ComingLater(
            "Funding rates across venues: rate per interval and per hour, APR, next settlement, "
            "mark price, source and staleness.",
            "Not here yet: this table arrives with the funding book (a later issue).",
        )
