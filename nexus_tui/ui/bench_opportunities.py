"""Bench: how long screen 2 takes to show a new scan of 500 opportunities (headless).

- ui.opportunities_scan_500: a scan of 500 real opportunities replaces the one on screen; every
  row's figures moved and the ranking reshuffled (the worst a scan can do short of every id
  changing). Timed from the call until the screen is painted. Goal: under the screen's own pace
  (ui.repaint_interval_ms, 250 ms by default). Most of it is Textual's DataTable
  drawing every visible cell again (any changed cell invalidates its whole render cache); the
  updates themselves are one DataTable.update_cell per changed cell, with a single refresh.

The opportunities come from the simulated market (seed 7), scanned at two times an hour apart,
then copied under distinct ids up to 500 rows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.strategy.models import Opportunity, ScanResult
from nexus_tui.ui.bench_common import SIZE, START, unlocked_desk
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen

ROWS = 500
REPAINTS = 20


async def _two_sim_scans(clock: ManualClock) -> tuple[ScanResult, ScanResult]:
    from nexus_tui.bootstrap import build_engine
    from nexus_tui.market.commands import refresh_once

    engine = build_engine(None, clock=clock, seed=7)
    service = engine.opportunities
    assert service is not None
    try:
        await refresh_once(engine)
        first = await service.scan_once()
        clock.advance(3600)
        await refresh_once(engine)
        second = await service.scan_once()
    finally:
        await engine.stop()
    return first, second


def _widen(scan: ScanResult, ids: list[str]) -> ScanResult:
    """`scan`'s opportunities copied under the ids given (same ids in both scans), best first."""
    originals = sorted(scan.opportunities, key=lambda o: o.base)
    copies: list[Opportunity] = []
    for n, new_id in enumerate(ids):
        opp = originals[n % len(originals)]
        copies.append(replace(opp, id=new_id, uos=round(opp.uos - (n // len(originals)) * 0.01, 2)))
    copies.sort(key=lambda o: (-o.uos, -o.net_apr, o.id))
    return ScanResult(scan.as_of, tuple(copies))


def _scans() -> tuple[ScanResult, ScanResult]:
    first, second = asyncio.run(_two_sim_scans(ManualClock(START)))
    ids = [f"bench-{n:04d}" for n in range(ROWS)]
    return _widen(first, ids), _widen(second, ids)


def _repaint_samples() -> list[float]:
    scans = _scans()
    clock = ManualClock(START)
    with unlocked_desk(clock, NexusConfig(ui=UIConfig(max_table_rows=ROWS))) as app:

        async def run() -> list[float]:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("2")
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, OpportunitiesScreen)
                screen.show_scan(scans[1])
                await pilot.pause()
                samples = []
                for n in range(REPAINTS):
                    t0 = time.perf_counter()
                    screen.show_scan(scans[n % 2])
                    await pilot.pause()
                    samples.append((time.perf_counter() - t0) * 1000)
                return samples

        return asyncio.run(run())


GOAL_MS = 250.0  # the default ui.repaint_interval_ms: it keeps up with its own pace


@bench(
    "ui.opportunities_scan_500", goal_ms=GOAL_MS, description="A new scan of 500 rows on screen 2, painted"
)
def opportunities_scan() -> BenchResult:
    return summarize(_repaint_samples(), GOAL_MS, rows=ROWS, repaints=REPAINTS)
