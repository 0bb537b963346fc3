"""Benches of the Funding screen (headless, 140x45 cells, on a fixed clock).

- ui.funding_full_repaint: the whole matrix rebuilt and painted (what `u` costs: every cell of
  480 assets x 8 venues changes text), from the book's snapshot to the painted screen.
- ui.funding_filter_cleared: the filter is cleared and all 480 rows come back (added by key).
- ui.funding_incremental: one venue delivers new rates (a tenth of its cells move) and the
  screen repaints: one snapshot of the book, only the changed cells updated, rows re-sorted
  by best spread, painted. Re-sorting moves rows, and a moved row is painted anew (its stripe
  and position changed), so this costs more than the number of changed cells suggests.

480 synthetic assets, more than any simulated or real desk lists today; half the venues settle
every 8 h, the others every hour, so the per-interval and per-hour columns differ.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from textual.pilot import Pilot

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.bench_common import START, Stopwatch, on_desk
from nexus_tui.ui.screens.funding import FundingScreen
from nexus_tui.ui.widgets.funding_table import FundingTable

ASSETS = 480
VENUES = ("binance", "bybit", "okx", "gate", "bitget", "kucoin", "hyperliquid", "dydx")
HOURLY = {"hyperliquid", "dydx"}
REPAINTS = 12


class SyntheticVenues:
    """Rates for ASSETS x VENUES that move a little at each delivery, like a live feed."""

    def __init__(self, clock: ManualClock, seed: int = 7) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        # Per 8 h: a third at the sticky 0.01 % (like real books), the rest spread around it.
        self.rates = {
            (venue, n): Decimal("0.0001") if n % 3 == 0 else self._draw()
            for venue in VENUES
            for n in range(ASSETS)
        }

    def _draw(self) -> Decimal:
        return Decimal(self.rng.randint(-300, 600)) / Decimal(1_000_000)

    def deliver(self, venue: str, moved: float = 0.0) -> list[FundingRate]:
        """`venue`'s rates for every asset, a share `moved` of them changed since the last time."""
        hours = 1 if venue in HOURLY else 8
        settle = "USDC" if venue in HOURLY else "USDT"
        now = self.clock.now()
        next_ts = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        rows = []
        for n in range(ASSETS):
            if self.rng.random() < moved:
                self.rates[(venue, n)] = self._draw()
            rows.append(
                FundingRate(
                    venue=f"sim:{venue}",
                    symbol=f"A{n:03d}/{settle}:{settle}",
                    rate=self.rates[(venue, n)] * hours / 8,
                    interval_hours=hours,
                    ts=now,
                    next_funding_ts=next_ts,
                    mark_price=Decimal(100 + n),
                    source=FundingSource.SIM,
                )
            )
        return rows


Measured = tuple[list[float], dict[str, float]]  # samples in ms, extra figures
Scenario = Callable[[Pilot[None], FundingScreen, SyntheticVenues, FundingBook], Awaitable[Measured]]


def _on_funding(scenario: Scenario) -> Measured:
    """Run `scenario` on the Funding screen of an unlocked desk whose book holds 480 x 8 rates."""
    clock = ManualClock(START)
    book = FundingBook(clock, stale_after_s=3600)
    feed = SyntheticVenues(clock)
    for venue in VENUES:
        book.ingest(feed.deliver(venue))
    # The steady repaint is slowed down so the only repaints timed are the bench's own.
    config = NexusConfig(ui=UIConfig(repaint_interval_ms=5000, max_table_rows=ASSETS))

    async def on_funding(app: NexusApp, pilot: Pilot[None]) -> Measured:
        screen = app.screen
        assert isinstance(screen, FundingScreen)
        assert screen.query_one(FundingTable).row_count == ASSETS
        return await scenario(pilot, screen, feed, book)

    return on_desk(clock, config, on_funding, funding_book=book)


def _summarized(scenario: Scenario, goal_ms: float) -> BenchResult:
    samples, extra = _on_funding(scenario)
    result = summarize(samples, goal_ms, assets=ASSETS, venues=len(VENUES))
    return replace(result, extra={**result.extra, **extra})


async def _full_repaints(
    pilot: Pilot[None], screen: FundingScreen, feed: SyntheticVenues, book: FundingBook
) -> Measured:
    table = screen.query_one(FundingTable)
    watch = Stopwatch()
    for _ in range(REPAINTS):
        with watch:
            screen.action_cycle_unit()  # every rate cell's text changes
            await pilot.pause()
    return watch.wall_ms, {"cells": float(table.cells_updated), "cpu_median_ms": watch.cpu_median_ms}


async def _incremental(
    pilot: Pilot[None], screen: FundingScreen, feed: SyntheticVenues, book: FundingBook
) -> Measured:
    table = screen.query_one(FundingTable)
    watch = Stopwatch()
    updated = []
    for n in range(REPAINTS):
        feed.clock.advance(5)
        book.ingest(feed.deliver(VENUES[n % len(VENUES)], moved=0.1))
        with watch:
            screen.repaint()
            await pilot.pause()
        updated.append(table.cells_updated)
    return watch.wall_ms, {"cells_updated": sum(updated) / len(updated), "cpu_median_ms": watch.cpu_median_ms}


async def _filter_cleared(
    pilot: Pilot[None], screen: FundingScreen, feed: SyntheticVenues, book: FundingBook
) -> Measured:
    table = screen.query_one(FundingTable)
    watch = Stopwatch()
    for _ in range(REPAINTS // 2):
        screen.filter_text = "no such asset"
        screen.repaint()
        await pilot.pause()
        with watch:
            screen.filter_text = ""  # every row comes back: added by key, each cell measured once
            screen.repaint()
            await pilot.pause()
    return watch.wall_ms, {"rows": float(table.row_count), "cpu_median_ms": watch.cpu_median_ms}


@bench("ui.funding_full_repaint", goal_ms=250.0, description="Funding matrix, 480 assets x 8 venues, rebuilt")
def full_repaint() -> BenchResult:
    return _summarized(_full_repaints, 250.0)


@bench("ui.funding_incremental", goal_ms=125.0, description="Funding matrix: one venue's update, painted")
def incremental() -> BenchResult:
    """Goal: half the default repaint interval (250 ms), so keys still get through between two."""
    return _summarized(_incremental, 125.0)


@bench("ui.funding_filter_cleared", goal_ms=500.0, description="Funding matrix: 480 rows back after a filter")
def filter_cleared() -> BenchResult:
    return _summarized(_filter_cleared, 500.0)
