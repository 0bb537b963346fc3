"""Benches of the simulated market: how much it costs to keep it moving and to read it.

The default market: 8 venues, 240 coins (1,534 perpetuals and their spot markets), no latency, on a
manual clock. The UI refreshes about once a second; at `--speed 60` that is one simulated minute of
advance per refresh, at `--speed 3600` one simulated hour.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from nexus_tui.bench.registry import BenchResult, bench, summarize, timed
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import OrderRequest, OrderType, Side
from nexus_tui.venues.sim import SimMarket, build_sim_market

START = datetime(2026, 1, 1, tzinfo=UTC)


def _market() -> tuple[SimMarket, ManualClock]:
    clock = ManualClock(START)
    return build_sim_market(seed=7, clock=clock, latency_scale=0), clock


@bench("sim.build", goal_ms=None, description="Build the default simulated market (8 venues x 240 coins)")
def build() -> BenchResult:
    samples = timed(_market, repeat=5, warmup=1)
    market, _ = _market()
    return summarize(
        samples,
        None,
        perpetuals=float(len(market.funding.series)),
        markets=float(sum(len(v) for v in market.listings)),
    )


@bench("sim.advance_1h", goal_ms=100.0, description="Advance the default market by one simulated hour")
def advance_hour() -> BenchResult:
    market, clock = _market()

    def hour() -> None:
        clock.advance(3600)
        market.advance_to(clock.now())

    samples = timed(hour, repeat=8, warmup=1)
    return summarize(samples, 100.0, steps_per_hour=360.0, note="speed 3600 costs this much per real second")


@bench("sim.advance_1min", goal_ms=5.0, description="Advance one sim minute (a UI second at --speed 60)")
def advance_minute() -> BenchResult:
    market, clock = _market()

    def minute() -> None:
        clock.advance(60)
        market.advance_to(clock.now())

    return summarize(timed(minute, repeat=60, warmup=5), 5.0)


@bench(
    "sim.fetch_funding_rates_all",
    goal_ms=25.0,
    description="fetch_funding_rates of every symbol on all 8 venues after a price step",
)
def fetch_all_rates() -> BenchResult:
    market, clock = _market()
    loop = asyncio.new_event_loop()
    counted = {"rows": 0}

    async def fetch_all() -> None:
        rows = 0
        for venue in market.venues():
            rows += len(await venue.fetch_funding_rates())
        counted["rows"] = rows

    def next_step() -> None:
        clock.advance(10)
        market.advance_to(clock.now())

    try:
        samples = timed(lambda: loop.run_until_complete(fetch_all()), repeat=20, warmup=2, setup=next_step)
    finally:
        loop.close()
    return summarize(samples, 25.0, rows=float(counted["rows"]))


@bench("sim.market_order", goal_ms=2.0, description="One market order on sim:binance BTC, matched and booked")
def market_order() -> BenchResult:
    market, clock = _market()
    venue = market.venue("sim:binance")
    loop = asyncio.new_event_loop()
    seq = {"n": 0}

    async def one() -> None:
        seq["n"] += 1
        side = Side.BUY if seq["n"] % 2 else Side.SELL
        await venue.create_order(
            OrderRequest(f"b{seq['n']}", venue.id, "BTC/USDT:USDT", side, OrderType.MARKET, Decimal("0.01"))
        )

    def tick() -> None:
        clock.advance(1)

    try:
        samples = timed(lambda: loop.run_until_complete(one()), repeat=50, warmup=5, setup=tick)
    finally:
        loop.close()
    return summarize(samples, 2.0)
