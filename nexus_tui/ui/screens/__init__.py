"""The six desk screens, one module each, so a later issue can replace one without touching the rest.

`DESK_SCREENS` maps each mode name of `keys.DESK_SCREEN_KEYS` to its screen class; the App
installs them as Textual modes, so every screen keeps its own state (cursor, filter, scroll)
while another one is shown.
"""

from __future__ import annotations

from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.screens.config import ConfigScreen
from nexus_tui.ui.screens.events import EventsScreen
from nexus_tui.ui.screens.funding import FundingScreen
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen
from nexus_tui.ui.screens.positions import PositionsScreen
from nexus_tui.ui.screens.risk import RiskScreen

DESK_SCREENS: dict[str, type[DeskScreen]] = {
    "funding": FundingScreen,
    "opportunities": OpportunitiesScreen,
    "positions": PositionsScreen,
    "risk": RiskScreen,
    "config": ConfigScreen,
    "events": EventsScreen,
}

__all__ = ["DESK_SCREENS", "DeskScreen"]
