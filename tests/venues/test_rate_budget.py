"""RateBudget: a token bucket per venue in which orders always go ahead of data (ManualClock)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.venues.rate_budget import RateBudget


def seconds_since(clock: ManualClock, start: datetime) -> float:
    return (clock.now() - start).total_seconds()


async def test_burst_is_served_at_once_but_data_leaves_the_reserve() -> None:
    clock = ManualClock()
    start = clock.now()
    budget = RateBudget(clock, rate_per_s=1, burst=5, order_reserve=1)
    for _ in range(4):
        await budget.acquire("data")
    assert seconds_since(clock, start) == 0
    assert budget.available() == pytest.approx(1)

    await budget.acquire("order")  # the reserved token: an order never waits behind data's burst
    assert seconds_since(clock, start) == 0

    await budget.acquire("data")  # now data must wait for the bucket to hold reserve + 1
    assert seconds_since(clock, start) == pytest.approx(2)


async def test_waiting_orders_are_served_before_waiting_data() -> None:
    clock = ManualClock()
    # no reserve: data and orders need the same one token, so only the queue priority decides
    budget = RateBudget(clock, rate_per_s=2, burst=2, order_reserve=0)
    await budget.acquire("order")
    await budget.acquire("order")  # bucket empty
    served: list[str] = []

    async def request(name: str, kind: str) -> None:
        await budget.acquire(kind)  # type: ignore[arg-type]
        served.append(name)

    tasks = [
        asyncio.create_task(request("funding-1", "data")),
        asyncio.create_task(request("funding-2", "data")),
        asyncio.create_task(request("book-1", "data")),
        asyncio.create_task(request("hedge", "order")),
        asyncio.create_task(request("close", "order")),
    ]
    await asyncio.gather(*tasks)
    assert served[:2] == ["hedge", "close"]
    assert served[2:] == ["funding-1", "funding-2", "book-1"]  # data keeps its own order
    assert budget.queued == {"data": 3, "order": 2}


async def test_an_order_arriving_during_a_data_wait_goes_first() -> None:
    clock = ManualClock()
    budget = RateBudget(clock, rate_per_s=1, burst=3, order_reserve=2)
    await budget.acquire("data")  # 2 left: exactly the reserve
    served: list[str] = []

    async def request(name: str, kind: str) -> None:
        await budget.acquire(kind)  # type: ignore[arg-type]
        served.append(name)

    data = asyncio.create_task(request("tickers", "data"))
    await asyncio.sleep(0)
    assert served == []  # data is waiting for a token above the reserve
    await request("stop-loss", "order")  # takes a reserved token at once
    await data
    assert served == ["stop-loss", "tickers"]


async def test_data_never_starves_orders_under_constant_data_pressure() -> None:
    clock = ManualClock()
    start = clock.now()
    budget = RateBudget(clock, rate_per_s=10, burst=10, order_reserve=1)
    order_waits: list[float] = []

    async def data_flood() -> None:
        for _ in range(200):
            await budget.acquire("data")

    async def orders() -> None:
        for _ in range(10):
            await clock.sleep(0.5)
            asked = seconds_since(clock, start)
            await budget.acquire("order")
            order_waits.append(seconds_since(clock, start) - asked)

    await asyncio.gather(data_flood(), data_flood(), orders())
    # each order waits at most for the one next token (0.1 s at 10/s), never behind the flood
    assert max(order_waits) <= 0.1 + 1e-9
    assert budget.granted == {"data": 400, "order": 10}


async def test_long_run_rate_is_respected() -> None:
    clock = ManualClock()
    start = clock.now()
    budget = RateBudget(clock, rate_per_s=5, burst=5, order_reserve=0)
    await asyncio.gather(*(budget.acquire("data") for _ in range(55)))
    # 5 from the full bucket, then 50 at 5 per second
    assert seconds_since(clock, start) == pytest.approx(10)


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    clock = ManualClock()
    budget = RateBudget(clock, rate_per_s=1, burst=1, order_reserve=0)
    await budget.acquire("order")
    first = asyncio.create_task(budget.acquire("order"))
    second = asyncio.create_task(budget.acquire("order"))
    await asyncio.sleep(0)
    first.cancel()
    await second
    assert first.cancelled()
    assert budget.granted["order"] == 2


async def test_heavy_requests_cost_more() -> None:
    clock = ManualClock()
    start = clock.now()
    budget = RateBudget(clock, rate_per_s=10, burst=20, order_reserve=0)
    await budget.acquire("data", cost=20)
    await budget.acquire("data", cost=5)
    assert seconds_since(clock, start) == pytest.approx(0.5)


def test_from_ccxt_rate_limit() -> None:
    budget = RateBudget.from_interval_ms(ManualClock(), 50)  # ccxt's rateLimit for bybit-like venues
    assert budget.rate_per_s == pytest.approx(20)
    assert budget.burst == pytest.approx(20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate_per_s": 0}, "rate_per_s"),
        ({"rate_per_s": 1, "order_reserve": -1}, "order_reserve"),
        ({"rate_per_s": 1, "burst": 1, "order_reserve": 1}, "burst"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateBudget(ManualClock(), **kwargs)


async def test_unknown_kind_is_refused() -> None:
    budget = RateBudget(ManualClock(), rate_per_s=1)
    with pytest.raises(ValueError, match="kind"):
        await budget.acquire("withdrawal")  # type: ignore[arg-type]


arrivals = st.lists(
    st.tuples(st.sampled_from(["data", "order"]), st.floats(min_value=0, max_value=2)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    script=arrivals,
    rate=st.sampled_from([1.0, 2.5, 10.0]),
    burst=st.integers(min_value=2, max_value=8),
    reserve=st.integers(min_value=0, max_value=1),
)
def test_budget_invariants(script: list[tuple[str, float]], rate: float, burst: int, reserve: int) -> None:
    """Never more than burst + rate * t grants in any span t; no data goes out while an order waits."""

    async def run() -> None:
        clock = ManualClock()
        start = clock.now()
        budget = RateBudget(clock, rate_per_s=rate, burst=burst, order_reserve=reserve)
        grants: list[tuple[float, float, str]] = []  # (asked at, granted at, kind)

        async def request(kind: str, delay: float) -> None:
            await clock.sleep(delay)
            asked = seconds_since(clock, start)
            await budget.acquire(kind)  # type: ignore[arg-type]
            grants.append((asked, seconds_since(clock, start), kind))

        await asyncio.gather(*(request(kind, delay) for kind, delay in script))
        assert len(grants) == len(script)
        times = [granted for _, granted, _ in grants]
        for i, t0 in enumerate(times):
            for t1 in times[i:]:
                in_span = sum(1 for t in times if t0 <= t <= t1)
                assert in_span <= burst + rate * (t1 - t0) + 1e-6
        orders = [(asked, granted) for asked, granted, kind in grants if kind == "order"]
        for _, data_granted, kind in grants:
            if kind == "data":  # no order was already waiting when this data request went out
                assert not any(asked < data_granted < granted for asked, granted in orders)

    asyncio.run(run())
