"""Screen 4: trading state, limits and exposure."""

from __future__ import annotations

from textual.app import ComposeResult

from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.widgets.coming_later import ComingLater
from nexus_tui.ui.widgets.desk_status import DeskStatus


class RiskScreen(DeskScreen):
    SUB_TITLE = "4 Risk"

    def compose_body(self) -> ComposeResult:
        yield DeskStatus(id="desk-status")
        yield ComingLater(
            "Risk limits, exposure per venue and asset, margin headroom and VaR.",
            "Not here yet: limits and exposure arrive with risk management (a later issue).",
        )
