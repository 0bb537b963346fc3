"""`--speed N`: the market runs on the clock it is given; an accelerated clock makes it run N times faster."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from nexus_tui.core.clock import AcceleratedClock, ManualClock
from nexus_tui.venues.sim import build_sim_market
from tests.sim.conftest import START


def test_an_accelerated_clock_settles_an_hour_of_funding_in_a_minute() -> None:
    clock = AcceleratedClock(speed=60, start=START)
    market = build_sim_market(clock=clock, n_symbols=5, latency_scale=0)
    clock._t0 -= 60  # as if one real minute had passed since the start
    market.advance_to(clock.now())
    assert START + timedelta(hours=1) <= market.now < START + timedelta(hours=1, seconds=20)
    rows = asyncio.run(market.venue("sim:hyperliquid").fetch_funding_history("BTC/USDC:USDC"))
    assert [r.ts for r in rows] == [START + timedelta(hours=1)]


def test_the_accelerated_market_is_the_same_market() -> None:
    """Speed changes when things happen in real time, not what happens."""
    fast_clock = AcceleratedClock(speed=600, start=START)
    fast = build_sim_market(seed=5, clock=fast_clock, n_symbols=5, latency_scale=0)
    fast_clock._t0 -= 30  # five simulated hours
    fast.advance_to(fast_clock.now())
    manual = ManualClock(START)
    slow = build_sim_market(seed=5, clock=manual, n_symbols=5, latency_scale=0)
    slow.advance_to(fast.now)
    assert slow.now == fast.now
    assert fast.funding.premium == slow.funding.premium
    assert fast.prices.log_price == slow.prices.log_price


async def test_run_keeps_the_market_moving_on_its_own() -> None:
    clock = ManualClock(START)
    market = build_sim_market(clock=clock, n_symbols=5, latency_scale=0)
    runner = asyncio.create_task(market.run(period_seconds=60))
    for _ in range(200):
        await asyncio.sleep(0)
        if market.now >= START + timedelta(hours=2):
            break
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert market.now >= START + timedelta(hours=2)  # ManualClock.sleep moved time and the market followed
