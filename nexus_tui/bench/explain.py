"""Bench: the Opportunities screen's "why not the others?" for one asset, on the default simulated
market (8 venues, 240 coins, seed 7), after a complete scan with books for the best.

- strategy.explain_asset: OpportunityService.explain_asset for one asset (its rows, the widest
  pair and the largest-rate spot-perp costed in full, its listed trades), every asset in turn.
  The screen asks it once per scan shown, in a worker thread; the goal keeps it far below a
  repaint (250 ms) so that thread never queues behind itself.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.core.clock import ManualClock
from nexus_tui.strategy.service import OpportunityService

START = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
GOAL_MS = 5.0


async def _scanned() -> tuple[OpportunityService, list[str]]:
    from nexus_tui.bootstrap import build_engine

    engine = build_engine(None, clock=ManualClock(START), seed=7)
    service = engine.opportunities
    assert service is not None and engine.funding_refresher is not None
    await engine.funding_refresher.refresh_all()
    await service.scan_once()
    return service, sorted(engine.funding_book.by_base())


@bench("strategy.explain_asset", goal_ms=GOAL_MS, description="Why not the others, for one asset (240 coins)")
def explain_asset() -> BenchResult:
    service, assets = asyncio.run(_scanned())
    for asset in assets[:10]:  # warm-up
        service.explain_asset(asset)
    wall: list[float] = []
    cpu: list[float] = []
    rejected = 0
    for asset in assets:
        w0, c0 = time.perf_counter(), time.process_time()
        answer = service.explain_asset(asset)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        rejected += len(answer.rejected)
    return summarize(
        wall,
        GOAL_MS,
        "ms",
        cpu_median_ms=round(statistics.median(cpu), 3),
        assets=float(len(assets)),
        rejected_trades=float(rejected),
    )
