"""The refresh service's schedule: every feed refreshes at its own pace, whatever the others do.

A venue that is slow or hangs must not hold up the others (issue 4: "a venue that goes down turns
DEGRADED while the others carry on"). Most tests here drive time with a SteppedClock, which moves
only when the test says so, so each feed's refresh times can be asserted exactly.
"""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from nexus_tui.core.clock import ManualClock, SteppedClock
from nexus_tui.core.models import FundingRate, HealthState
from nexus_tui.engine import Engine
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FundingRefresher
from nexus_tui.venues.health import CircuitState
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT

from .helpers import T0, FakeVenue, rate
from .test_refresh_timeouts import REQUEST_TIMEOUT, HangingBinance

INTERVAL = 5.0


class TimedVenue(FakeVenue):
    """A FakeVenue that records when (clock time) each fetch started, whose answers take
    `takes_s` of clock time, and that notes a fetch cancelled while it waited."""

    def __init__(self, venue_id: str, clock: SteppedClock | ManualClock, takes_s: float = 0.0) -> None:
        super().__init__(venue_id, [rate("0.0001", venue=venue_id)], clock)
        self.takes_s = takes_s
        self.started: list[float] = []
        self.cancelled = 0

    async def fetch_funding_rates(self, symbols: object = None) -> list[FundingRate]:
        assert self.clock is not None
        start = self.clock.now()
        self.started.append((start - T0).total_seconds())
        try:
            if self.takes_s:
                await self.clock.sleep(self.takes_s)
            return await super().fetch_funding_rates()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


async def settle() -> None:
    """Let every task that can run, run (nothing here waits on real time)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def step_until(clock: SteppedClock, seconds: float) -> None:
    """Move the clock on a second at a time up to T0 + `seconds`, letting the services run."""
    while (clock.now() - T0).total_seconds() < seconds:
        clock.advance(1)
        await settle()


def grid(until_s: float, every_s: float, start_s: float = 0.0) -> list[float]:
    count = int((until_s - start_s) // every_s) + 1
    return [start_s + i * every_s for i in range(count)]


async def stop(service: asyncio.Task[None]) -> None:
    service.cancel()
    with pytest.raises(asyncio.CancelledError):
        await service


async def test_a_slow_venue_does_not_delay_the_others_refreshes() -> None:
    clock = SteppedClock(T0)
    book = FundingBook(clock, stale_after_s=30)
    slow = TimedVenue("sim:okx", clock, takes_s=30)  # each answer takes six intervals
    fine = TimedVenue("sim:bybit", clock)
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL)
    refresher.add_venue(slow)  # type: ignore[arg-type]
    refresher.add_venue(fine)  # type: ignore[arg-type]
    service = asyncio.create_task(refresher.run())
    await settle()
    await step_until(clock, 60)
    await stop(service)

    assert fine.started == grid(60, INTERVAL)  # every 5 s on the dot: 13 refreshes in 60 s
    # the slow one is never asked twice at once, and is asked again as soon as it lands
    assert slow.started == [0, 30, 60]
    assert slow.cancelled == 1  # the fetch in flight when the service stopped
    assert refresher.feeds["sim:okx"].failures == 0 and not book.is_venue_down("sim:okx")


async def test_each_venue_keeps_its_own_interval() -> None:
    clock = SteppedClock(T0)
    book = FundingBook(clock, stale_after_s=30)
    venues = {3.0: TimedVenue("sim:binance", clock), 7.0: TimedVenue("sim:okx", clock)}
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL)
    for interval_s, venue in venues.items():
        refresher.add_venue(venue, interval_s=interval_s)  # type: ignore[arg-type]
    service = asyncio.create_task(refresher.run())
    await settle()
    await step_until(clock, 42)
    await stop(service)
    for interval_s, venue in venues.items():
        assert venue.started == grid(42, interval_s)


async def test_a_fetch_that_lands_late_is_due_again_at_once_not_at_the_next_wake_up() -> None:
    clock = SteppedClock(T0)
    book = FundingBook(clock, stale_after_s=300)
    late = TimedVenue("sim:gate", clock, takes_s=7)  # longer than its 5 s interval
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL, stale_check_s=60)
    refresher.add_venue(late)  # type: ignore[arg-type]
    service = asyncio.create_task(refresher.run())
    await settle()
    await step_until(clock, 28)
    await stop(service)
    # without being woken by the landing, the scheduler would sleep its 60 s stale-check period
    assert late.started == grid(28, 7)


async def test_failing_venues_back_off_each_on_its_own() -> None:
    clock = SteppedClock(T0)
    book = FundingBook(clock, stale_after_s=30)
    failing, fine = TimedVenue("sim:okx", clock), TimedVenue("sim:bybit", clock)
    failing.fail = True
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL, max_backoff_s=20)
    refresher.add_venue(failing)  # type: ignore[arg-type]
    refresher.add_venue(fine)  # type: ignore[arg-type]
    events = book.subscribe()
    service = asyncio.create_task(refresher.run())
    await settle()
    await step_until(clock, 60)
    await stop(service)
    assert failing.started == [0, 5, 15, 35, 55]  # 5, 10, 20, then capped at 20
    assert fine.started == grid(60, INTERVAL)
    assert refresher.feeds["sim:okx"].failures == 5 and refresher.feeds["sim:bybit"].failures == 0
    assert book.is_venue_down("sim:okx") and not book.is_venue_down("sim:bybit")
    downs = [e for e in events.drain() if e.kind == "funding.venue_down"]
    assert [e.data["venue"] for e in downs] == ["sim:okx"]  # once, at the second failure


async def test_a_hanging_venue_turns_degraded_after_five_hangs_while_the_other_keeps_its_pace() -> None:
    start = BINANCE_CAPTURE_AT
    clock = SteppedClock(start)
    book = FundingBook(clock, stale_after_s=30)
    hanging = HangingBinance(clock, timeout_s=REQUEST_TIMEOUT)  # type: ignore[arg-type]
    fine = FakeVenue("bybit", [rate("0.0001", venue="bybit")], clock)
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL, request_timeout_s=REQUEST_TIMEOUT)
    refresher.add_venue(hanging.venue)
    refresher.add_venue(fine)  # type: ignore[arg-type]
    guard = hanging.venue.guard
    service = asyncio.create_task(refresher.run())
    await settle()
    # The guard times a request out in real seconds: let real time pass while the clock steps on,
    # so each hang spans several of the other venue's intervals.
    for _ in range(2000):
        if guard.circuit is CircuitState.OPEN:
            break
        clock.advance(1)
        await settle()
        await asyncio.sleep(0.002)
    await settle()  # the last hang's failure reaches the refresher
    elapsed = (clock.now() - start).total_seconds()
    try:
        assert guard.circuit is CircuitState.OPEN, f"the circuit never opened in {elapsed:g} s"
        assert hanging.hangs == 5
        health = hanging.venue.health()
        assert health.state is HealthState.DEGRADED and not health.tradable
        assert book.is_venue_down("binanceusdm") and not book.is_venue_down("bybit")
        assert refresher.feeds["binanceusdm"].failures == 5
        assert f"timeout after {REQUEST_TIMEOUT:g}s" in refresher.feeds["binanceusdm"].last_error
        # the other venue carried on at its interval the whole time, not once per hang
        assert fine.calls == int(elapsed // INTERVAL) + 1
        assert elapsed > 5 * INTERVAL and refresher.feeds["bybit"].failures == 0
    finally:
        await stop(service)


async def test_stopping_the_engine_cancels_every_fetch_and_leaves_no_task_behind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(T0)
    stuck, fine = TimedVenue("sim:okx", clock), TimedVenue("sim:bybit", clock)
    stuck.hang = True  # never answers; its 16 s (real) deadline is far off
    # the refresher wired into an engine as bootstrap wires it (the other services left out)
    engine = Engine(clock=clock, venues=[stuck, fine])  # type: ignore[list-item]
    refresher = FundingRefresher(engine.funding_book, clock)
    for venue in (stuck, fine):
        refresher.add_venue(venue)  # type: ignore[arg-type]
    engine.add_service("funding.refresh", refresher.run)
    events = engine.events()
    before = asyncio.all_tasks()
    await engine.start()
    while len(fine.started) < 5:
        await asyncio.sleep(0)
    assert len(stuck.started) == 1  # still in flight, so never started again
    with caplog.at_level(logging.ERROR):
        await engine.stop()
        assert asyncio.all_tasks() == before
        gc.collect()
    assert stuck.cancelled == 1
    assert caplog.text == ""  # no "Task was destroyed but it is pending!", no service failure
    assert "engine.service_failed" not in {e.kind for e in events.drain()}


async def test_refresh_all_waits_for_a_fetch_the_service_has_in_flight_instead_of_asking_twice() -> None:
    clock = SteppedClock(T0)
    book = FundingBook(clock, stale_after_s=60)
    slow, fine = TimedVenue("sim:okx", clock, takes_s=10), TimedVenue("sim:bybit", clock)
    refresher = FundingRefresher(book, clock, interval_s=INTERVAL)
    refresher.add_venue(slow)  # type: ignore[arg-type]
    refresher.add_venue(fine)  # type: ignore[arg-type]
    service = asyncio.create_task(refresher.run())
    await settle()
    await step_until(clock, 2)
    on_demand = asyncio.create_task(refresher.refresh_all())
    await settle()
    assert not on_demand.done() and slow.started == [0] and fine.started == [0, 2]
    await step_until(clock, 10)
    reports = await on_demand
    await stop(service)
    assert set(reports) == {"sim:okx", "sim:bybit"}
    assert all(report is not None and report.accepted == 1 for report in reports.values())
    assert slow.started == [0, 10]  # the service's fetch answered both; the next on its own time


async def test_cancelling_refresh_all_cancels_the_fetches_it_started() -> None:
    clock = ManualClock(T0)
    stuck = TimedVenue("sim:okx", clock)
    stuck.hang = True
    refresher = FundingRefresher(FundingBook(clock), clock)
    refresher.add_venue(stuck)  # type: ignore[arg-type]
    before = asyncio.all_tasks()
    on_demand = asyncio.create_task(refresher.refresh_all())
    await settle()
    on_demand.cancel()
    with pytest.raises(asyncio.CancelledError):
        await on_demand
    assert stuck.cancelled == 1 and asyncio.all_tasks() == before
    assert refresher.feeds["sim:okx"].failures == 0  # a cancellation is not the venue's failure


async def test_refresh_all_with_no_feeds_returns_nothing() -> None:
    clock = ManualClock(T0)
    assert await FundingRefresher(FundingBook(clock), clock).refresh_all() == {}
