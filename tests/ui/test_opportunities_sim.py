"""On the simulator: screen 2 fills with ranked, explained opportunities that move as funding moves.

The whole desk runs as in production (bootstrap's engine, its funding refresher and opportunity
service, the bridge, the App), on a simulated market whose clock moves only when the test moves
it: each service sleeps until the test advances time past its wake-up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

from nexus_tui.bootstrap import build_engine
from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import SteppedClock
from nexus_tui.engine import Engine
from nexus_tui.strategy.models import OpportunityState
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen
from nexus_tui.ui.widgets.opportunity_cells import COLUMNS, Cells
from nexus_tui.ui.widgets.opportunity_table import OpportunityTable
from nexus_tui.venues.sim import build_sim_market
from tests.ui.conftest import DESK_TIME, SIZE, settle
from tests.ui.opportunity_desk import detail_of

SEED = 7
SYMBOLS = 40
REFRESH_S = 5.0  # the funding refresher's default interval


def sim_desk(nexus_home: Path, vault: Vault) -> tuple[NexusApp, SteppedClock]:
    """The desk as in production (bootstrap's engine) on the seeded simulator, and its clock."""
    clock = SteppedClock(DESK_TIME)

    def sim_engine(config: NexusConfig) -> Engine:
        market = build_sim_market(seed=SEED, clock=clock, n_symbols=SYMBOLS, latency_scale=0)
        return build_engine(config, clock=clock, venues=list(market.venues()))

    return NexusApp(nexus_home, clock=clock, engine_factory=sim_engine, vault=vault), clock


async def time_passes(
    pilot: Pilot[None], clock: SteppedClock, condition: Callable[[], bool], what: str
) -> None:
    """Simulated time moves on, a refresh interval at a time, until `condition` holds (the services
    wake when their time comes; a scan runs in a worker thread, so real time passes too)."""
    for _ in range(60):
        for _ in range(50):
            if condition():
                return
            await pilot.pause(0.01)
        clock.advance(REFRESH_S)
    raise AssertionError(f"never happened: {what}")


async def test_on_the_simulator_the_screen_fills_and_moves_with_funding(
    nexus_home: Path, vault: Vault
) -> None:
    app, clock = sim_desk(nexus_home, vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        table = screen.query_one(OpportunityTable)

        def costed_at_size(after: datetime) -> bool:
            """A scan later than `after` is on screen, its best costed on the order books."""
            scan = screen.scan
            return (
                scan is not None
                and scan.as_of > after
                and len(scan.opportunities) >= 5
                and scan.opportunities[0].state is OpportunityState.SCORED
            )

        await time_passes(
            pilot, clock, lambda: costed_at_size(DESK_TIME - timedelta(1)), "ranked opportunities"
        )
        first = screen.scan
        assert first is not None
        assert table.shown_ids == [o.id for o in first.opportunities]
        best = first.opportunities[0]
        explained = detail_of(screen)
        assert best.id in explained and f"UOS {best.uos:.1f} = return" in explained
        before = {key: table.cells_of(key) for key in table.shown_ids}

        clock.advance(1800)  # half an hour of simulated funding
        await time_passes(pilot, clock, lambda: costed_at_size(first.as_of), "a later scan")
        later = screen.scan
        assert later is not None
        assert table.shown_ids == [o.id for o in later.opportunities]
        kept = [key for key in table.shown_ids if key in before]
        assert kept, "some trades are still listed, under the same id"
        moved = [key for key in kept if _figures(table.cells_of(key)) != _figures(before[key])]
        assert moved, "and their rates and returns moved"


def _figures(cells: Cells | None) -> Cells:
    """The columns funding moves: both rates, net APR, break-even, UOS."""
    assert cells is not None
    wanted = ("long_rate", "short_rate", "net_apr", "break_even", "uos")
    return tuple(text for spec, text in zip(COLUMNS, cells, strict=True) if spec.key in wanted)
