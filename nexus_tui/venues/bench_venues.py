"""Benchmarks of the venue plumbing: ArbitrageScanner table parsing and the per-call guard overhead."""

from __future__ import annotations

import asyncio
import json
import random

from nexus_tui.bench.registry import BenchResult, bench, summarize, timed
from nexus_tui.core.clock import ManualClock
from nexus_tui.venues.arbitragescanner import parse_funding_table
from nexus_tui.venues.health import VenueGuard
from nexus_tui.venues.rate_budget import RateBudget

_SLUGS = (
    "binance_futures",
    "bybit_futures",
    "okex_futures",
    "gate_futures",
    "kucoin_futures",
    "bitget_futures",
    "mexc_futures",
    "bingx_futures",
    "hyperliquid",
    "dydx",
    "paradex",
    "lighter",
    "extended",
    "htx_futures",
    "coinex_futures",
)


def _table(tokens: int, seed: int = 7) -> bytes:
    """A funding table the size of the real one (hundreds of tokens, ~15 exchanges each)."""
    rng = random.Random(seed)
    rows = []
    for i in range(tokens):
        ticker = f"T{i:04d}"
        rates = [
            {
                "exchange": slug,
                "rate": round(rng.gauss(0.005, 0.02), 6),
                "nextFundingTime": 1765929600000,
                "ticker": ticker,
                "symbol": f"{ticker}USDT",
            }
            for slug in _SLUGS
        ]
        rows.append(
            {
                "slug": ticker.lower(),
                "symbol": f"{ticker}USDT",
                "ticker": ticker,
                "maxSpread": 0.01,
                "rates": rates,
            }
        )
    return json.dumps(rows).encode()


@bench(
    "arbitragescanner.parse_table",
    goal_ms=150,
    unit="ms per table",
    description="Decode and parse a 600-token x 15-exchange funding table (9,000 rows); refreshed every 5 s",
)
def parse_table() -> BenchResult:
    body = _table(600)
    clock = ManualClock()
    samples = timed(lambda: parse_funding_table(json.loads(body), clock.now()), repeat=10, warmup=2)
    return summarize(samples, 150, "ms per table", rows=9000)


@bench(
    "venue.guard_call",
    goal_ms=50,
    unit="ms per 1,000 calls",
    description="1,000 venue calls through VenueGuard + RateBudget around an instant answer",
)
def guard_call() -> BenchResult:
    async def thousand_calls() -> None:
        clock = ManualClock()
        guard = VenueGuard("bench", clock, budget=RateBudget(clock, rate_per_s=1e9, burst=1e9))

        async def answer() -> int:
            return 1

        for _ in range(1000):
            await guard.call("fetch_time", answer)

    samples = timed(lambda: asyncio.run(thousand_calls()), repeat=10, warmup=1)
    return summarize(samples, 50, "ms per 1,000 calls")
