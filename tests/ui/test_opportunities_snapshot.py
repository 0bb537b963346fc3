"""Screen 2 pinned as a picture: the fixture book's ranked opportunities a minute after a first
scan (updated in place, one climbed), the second one explained, with why not the others on its asset.

On a deliberate change, review the new picture and accept it with
`pytest tests/ui/test_opportunities_snapshot.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen
from nexus_tui.ui.widgets.desk_header import UtcClock
from nexus_tui.ui.widgets.opportunity_why_not import COSTING
from tests.ui.conftest import SIZE, MakeApp, settle, wait_until
from tests.ui.opportunity_desk import OpportunityDesk, detail_of

SnapCompare = Callable[..., bool]


def test_opportunities_screen(
    snap_compare: SnapCompare, make_app: MakeApp, vault: Vault, desk_clock: ManualClock
) -> None:
    desk = OpportunityDesk(desk_clock)

    async def scanned(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        screen = pilot.app.screen
        assert isinstance(screen, OpportunitiesScreen)
        first = desk.scan()
        await wait_until(pilot, lambda: screen.scan is first, "the first scan is on screen")
        await pilot.press("down")
        # A minute later SOL pays more and climbs: the picture shows the rows updated in place.
        scan = desk.set_rates({("SOL", "bybit"): "0.0030"})
        await wait_until(pilot, lambda: screen.scan is scan, "the later scan is on screen")
        # The header's venue strip repaints on its own timer: wait until it shows the book's venues.
        await wait_until(pilot, lambda: _venues_shown(screen), "the header shows the venues")
        # The engine's "why not the others" for the selected asset arrives from a worker thread.
        await wait_until(pilot, lambda: _why_not_answered(screen), "the panel says why not the others")
        # The header clock repaints every real second: paint it now, so the picture never depends
        # on whether its timer ticked since the clock moved.
        screen.query_one(UtcClock).show_time()
        await pilot.pause()

    app = make_app(vault=vault, engine_factory=desk.build)
    assert snap_compare(app, run_before=scanned, terminal_size=SIZE)


def _why_not_answered(screen: OpportunitiesScreen) -> bool:
    text = detail_of(screen)
    return "Why not the others on" in text and COSTING not in text


def _venues_shown(screen: OpportunitiesScreen) -> bool:
    strips = screen.query("#venue-health")
    return not strips or bool(str(strips.first().render()))
