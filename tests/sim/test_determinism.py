"""Same seed, same tape: the simulated market is a pure function of the seed and the times it reached."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate
from nexus_tui.venues.sim import SimMarket, SimVenue, build_sim_market
from tests.sim.conftest import START


def fresh(seed: int = 7, n_symbols: int = 30) -> tuple[SimMarket, ManualClock]:
    clock = ManualClock(START)
    return build_sim_market(seed=seed, clock=clock, n_symbols=n_symbols, latency_scale=0), clock


async def tape(
    market: SimMarket, clock: ManualClock, steps: int = 16, every_minutes: int = 47
) -> list[FundingRate]:
    rows: list[FundingRate] = []
    for _ in range(steps):
        clock.advance(every_minutes * 60)
        for venue in market.venues():
            rows.extend(await venue.fetch_funding_rates())
    return rows


async def test_the_same_seed_gives_the_same_tape() -> None:
    first = await tape(*fresh())
    second = await tape(*fresh())
    assert len(first) > 1000
    assert first == second


async def test_another_seed_gives_another_tape() -> None:
    first = await tape(*fresh(seed=7), steps=3)
    other = await tape(*fresh(seed=8), steps=3)
    assert [r.symbol for r in first] == [r.symbol for r in other]  # same markets...
    assert [r.rate for r in first] != [r.rate for r in other]  # ...different weather


def perp(venue: SimVenue, base: str) -> str:
    ccy = venue.profile.margin_currency
    return f"{base}/{ccy}:{ccy}"


async def test_the_state_at_an_instant_does_not_depend_on_how_time_got_there() -> None:
    stepwise, clock_a = fresh()
    for _ in range(6 * 60):
        clock_a.advance(61)  # odd increments that straddle the 10 s and 5 min grid
        stepwise.advance_to(clock_a.now())
    at_once, clock_b = fresh()
    clock_b.set(clock_a.now())
    for a, b in zip(stepwise.venues(), at_once.venues(), strict=True):
        assert await a.fetch_funding_rates() == await b.fetch_funding_rates()
        assert await a.fetch_order_book(perp(a, "BTC")) == await b.fetch_order_book(perp(b, "BTC"))
        assert await a.fetch_funding_history(perp(a, "ETH")) == await b.fetch_funding_history(perp(b, "ETH"))


async def test_a_coin_moves_the_same_whatever_the_size_of_the_universe() -> None:
    small, clock_small = fresh(n_symbols=5)
    large, clock_large = fresh(n_symbols=60)
    clock_small.advance(9 * 3600)
    clock_large.advance(9 * 3600)
    for name in ("sim:binance", "sim:hyperliquid"):
        a, b = small.venue(name), large.venue(name)
        assert await a.fetch_funding_rates([perp(a, "ETH")]) == await b.fetch_funding_rates([perp(b, "ETH")])


async def test_orders_replay_identically() -> None:
    from decimal import Decimal

    from nexus_tui.core.models import OrderRequest, OrderType, Side

    async def session(market: SimMarket, clock: ManualClock) -> list[object]:
        venue = market.venue("sim:okx")
        seen: list[object] = []
        for i in range(5):
            clock.advance(300)
            book = await venue.fetch_order_book("ETH/USDT:USDT", 3)
            assert book.best_bid is not None
            seen.append(
                await venue.create_order(
                    OrderRequest(
                        f"m{i}", venue.id, "ETH/USDT:USDT", Side.BUY, OrderType.MARKET, Decimal("0.5")
                    )
                )
            )
            seen.append(
                await venue.create_order(
                    OrderRequest(
                        f"l{i}",
                        venue.id,
                        "ETH/USDT:USDT",
                        Side.SELL,
                        OrderType.LIMIT,
                        Decimal("0.2"),
                        book.best_bid + 1,
                    )
                )
            )
        clock.advance(3 * 3600)
        seen.extend(await venue.fetch_open_orders())
        seen.extend(await venue.fetch_positions())
        seen.extend(await venue.fetch_balances())
        return seen

    assert await session(*fresh()) == await session(*fresh())


_DIGEST_SCRIPT = """
import asyncio, hashlib
from datetime import datetime, UTC
from nexus_tui.core.clock import ManualClock
from nexus_tui.venues.sim import build_sim_market
async def main():
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    market = build_sim_market(seed=11, clock=clock, n_symbols=8, latency_scale=0)
    clock.advance(5 * 3600)
    rows = [r for v in market.venues() for r in await v.fetch_funding_rates()]
    print(hashlib.sha256(repr(rows).encode()).hexdigest())
asyncio.run(main())
"""


def test_the_tape_is_the_same_in_another_process_with_another_hash_seed() -> None:
    """Python randomises str hashes per process; the market must not depend on them."""
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1
    assert len(digests.pop()) == len(hashlib.sha256().hexdigest())
