"""VenueGuard: the circuit breaker under scripted failures, on a ManualClock (nothing sleeps)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import (
    MalformedResponse,
    NotSupportedByVenue,
    OrderRejected,
    UnknownOrder,
    UnknownSymbol,
    VenueAnswered,
    VenueError,
    VenueUnavailable,
)
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import HealthState
from nexus_tui.venues.health import CircuitState, VenueGuard
from nexus_tui.venues.rate_budget import RateBudget

VENUE = "bybit"


class ScriptedVenue:
    """Answers each call with the next scripted outcome: a value, or an exception to raise."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def request(self) -> object:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def down(reason: str = "connection refused") -> VenueUnavailable:
    return VenueUnavailable(VENUE, reason)


async def fail_times(guard: VenueGuard, venue: ScriptedVenue, n: int) -> None:
    for _ in range(n):
        with pytest.raises(VenueUnavailable):
            await guard.call("fetch_funding_rates", venue.request)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


def health_events(sub: object) -> list[dict[str, object]]:
    return [e.data for e in sub.drain() if e.kind == "venue.health"]  # type: ignore[attr-defined]


async def test_unknown_until_first_contact_then_ok(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    assert guard.health().state is HealthState.UNKNOWN
    assert await guard.call("fetch_time", ScriptedVenue(42).request) == 42
    health = guard.health()
    assert health.state is HealthState.OK
    assert health.tradable
    assert health.last_ok == clock.now()
    assert health.latency_ms is not None


async def test_five_consecutive_failures_open_the_circuit(clock: ManualClock, bus: EventBus) -> None:
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, bus=bus)
    venue = ScriptedVenue(*[down()] * 5)

    await fail_times(guard, venue, 4)
    assert guard.circuit is CircuitState.CLOSED
    assert guard.health().state is HealthState.OK  # below the threshold: still trading
    assert guard.health().consecutive_failures == 4

    await fail_times(guard, venue, 1)
    health = guard.health()
    assert guard.circuit is CircuitState.OPEN
    assert health.state is HealthState.DEGRADED
    assert not health.tradable
    assert health.consecutive_failures == 5
    assert "connection refused" in health.message

    events = [e for e in sub.drain() if e.kind == "venue.health"]
    assert [e.data["state"] for e in events][-1] == "degraded"
    assert events[-1].coalesce_key == f"venue.health:{VENUE}"
    assert events[-1].message.startswith(f"{VENUE} DEGRADED")


async def test_open_circuit_refuses_without_calling(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    venue = ScriptedVenue(*[down("HTTP 502")] * 5)
    await fail_times(guard, venue, 5)
    assert venue.calls == 5

    with pytest.raises(VenueUnavailable) as refused:
        await guard.call("fetch_order_book", venue.request)
    assert venue.calls == 5  # the venue was not asked
    assert str(refused.value) == f"{VENUE}: circuit open: fetch_funding_rates: HTTP 502"


async def test_a_success_resets_the_count(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    venue = ScriptedVenue(down(), down(), down(), down(), "ok", down(), down(), down(), down())
    await fail_times(guard, venue, 4)
    await guard.call("fetch_time", venue.request)
    assert guard.health().consecutive_failures == 0
    await fail_times(guard, venue, 4)
    assert guard.circuit is CircuitState.CLOSED


async def test_half_open_probe_success_restores(clock: ManualClock, bus: EventBus) -> None:
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, open_for_s=30, bus=bus)
    venue = ScriptedVenue(*[down()] * 5, "pong")
    await fail_times(guard, venue, 5)
    sub.drain()

    clock.advance(29.9)
    with pytest.raises(VenueUnavailable):
        await guard.call("fetch_time", venue.request)
    assert venue.calls == 5

    clock.advance(0.1)
    assert guard.retry_in_s() == 0
    assert await guard.call("fetch_time", venue.request) == "pong"  # the probe
    health = guard.health()
    assert health.state is HealthState.OK
    assert health.consecutive_failures == 0
    assert guard.circuit is CircuitState.CLOSED
    assert guard.restored_count == 1

    (event,) = [e for e in sub.drain() if e.kind == "venue.health"]
    assert event.data["restored"] is True
    assert event.data["previous"] == "degraded"
    assert event.message.startswith(f"{VENUE} RESTORED")


async def test_failed_probe_reopens_with_growing_backoff(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=30, max_open_for_s=100)
    venue = ScriptedVenue(*[down()] * 8)
    await fail_times(guard, venue, 5)
    expected_open = [60.0, 100.0, 100.0]  # 30 * 2, 30 * 4 capped at 100, stays capped
    for open_for in expected_open:
        clock.advance(guard.retry_in_s())
        await fail_times(guard, venue, 1)  # the probe fails
        assert guard.circuit is CircuitState.OPEN
        assert guard.retry_in_s() == pytest.approx(open_for)
        calls = venue.calls
        clock.advance(open_for - 1)
        with pytest.raises(VenueUnavailable, match="circuit open"):
            await guard.call("fetch_time", venue.request)
        assert venue.calls == calls
        clock.advance(1)

    # and the backoff starts again from open_for_s after a restore
    assert await guard.call("fetch_time", venue.request) == "ok"
    assert guard.current_open_for_s() == 30


async def test_only_one_probe_at_a_time(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=10)
    await fail_times(guard, ScriptedVenue(*[down()] * 5), 5)
    clock.advance(10)

    release, started = asyncio.Event(), asyncio.Event()
    probe_calls = 0

    async def slow_probe() -> str:
        nonlocal probe_calls
        probe_calls += 1
        started.set()
        await release.wait()
        return "pong"

    probe = asyncio.create_task(guard.call("fetch_time", slow_probe))
    await started.wait()
    assert guard.circuit is CircuitState.HALF_OPEN
    with pytest.raises(VenueUnavailable, match="circuit open"):
        await guard.call("fetch_tickers", slow_probe)
    assert probe_calls == 1
    assert guard.health().state is HealthState.DEGRADED  # still no new positions while probing

    release.set()
    assert await probe == "pong"
    assert guard.health().state is HealthState.OK


async def test_cancelled_probe_frees_the_slot(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=10)
    await fail_times(guard, ScriptedVenue(*[down()] * 5), 5)
    clock.advance(10)

    never, started = asyncio.Event(), asyncio.Event()

    async def hang() -> None:
        started.set()
        await never.wait()

    probe = asyncio.create_task(guard.call("fetch_time", hang))
    await started.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert guard.health().consecutive_failures == 5  # a cancel says nothing about the venue
    assert await guard.call("fetch_time", ScriptedVenue("pong").request) == "pong"
    assert guard.health().state is HealthState.OK


async def test_order_rejected_is_not_a_venue_failure(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    venue = ScriptedVenue(down(), down(), down(), down(), OrderRejected(VENUE, "insufficient margin"), down())
    await fail_times(guard, venue, 4)
    with pytest.raises(OrderRejected):
        await guard.call("create_order", venue.request, kind="order")
    assert guard.health().consecutive_failures == 0  # the venue answered
    await fail_times(guard, venue, 1)
    assert guard.circuit is CircuitState.CLOSED


def test_answered_errors_are_still_venue_errors() -> None:
    for kind in (OrderRejected, UnknownSymbol, NotSupportedByVenue, UnknownOrder):
        error = kind(VENUE, "no")
        assert isinstance(error, VenueAnswered) and isinstance(error, VenueError)
        assert str(error) == f"{VENUE}: no" and error.venue == VENUE
    assert not issubclass(VenueUnavailable, VenueAnswered)
    assert not issubclass(MalformedResponse, VenueAnswered)


async def test_ten_unknown_symbol_answers_leave_the_venue_ok(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    venue = ScriptedVenue(*[UnknownSymbol(VENUE, "unknown symbol (fetch_order_book): NOPE")] * 10)
    for _ in range(10):
        with pytest.raises(UnknownSymbol):
            await guard.call("fetch_order_book", venue.request)
    assert venue.calls == 10
    assert guard.circuit is CircuitState.CLOSED
    health = guard.health()
    assert health.state is HealthState.OK and health.consecutive_failures == 0


async def test_answers_that_say_no_reset_the_failure_count_and_restore_a_probe(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=10)
    venue = ScriptedVenue(
        *[down()] * 4,
        NotSupportedByVenue(VENUE, "fetch_time is not supported by this venue"),
        *[down()] * 5,
        UnknownOrder(VENUE, "order not found (fetch_order): 42"),
    )
    await fail_times(guard, venue, 4)
    with pytest.raises(NotSupportedByVenue):
        await guard.call("fetch_time", venue.request)
    assert guard.health().consecutive_failures == 0  # the venue answered
    await fail_times(guard, venue, 5)
    assert guard.circuit is CircuitState.OPEN
    clock.advance(10)
    with pytest.raises(UnknownOrder):  # the half-open probe got an answer: the venue is back
        await guard.call("fetch_order", venue.request)
    assert guard.circuit is CircuitState.CLOSED
    assert guard.health().state is HealthState.OK and guard.restored_count == 1


async def test_a_cancel_after_our_timeout_fell_due_still_counts(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our timeout and a caller's deadline due in the same loop turn: the caller's cancel may win,
    but the request had used up its time and the venue is charged for it."""
    from types import SimpleNamespace

    from nexus_tui.venues import health as health_module

    readings = iter([0.0, 10.0])  # when the request started, then when the cancel arrives
    monkeypatch.setattr(health_module, "time", SimpleNamespace(monotonic=lambda: next(readings)))
    guard = VenueGuard(VENUE, clock, timeout_s=10, failure_threshold=1)
    started, never = asyncio.Event(), asyncio.Event()

    async def hang() -> None:
        started.set()
        await never.wait()

    call = asyncio.create_task(guard.call("fetch_funding_rates", hang))
    await started.wait()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert guard.circuit is CircuitState.OPEN
    assert "timeout after 10s" in guard.health().message


async def test_malformed_responses_count_as_failures(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, failure_threshold=2)
    venue = ScriptedVenue(MalformedResponse(VENUE, "not JSON"), MalformedResponse(VENUE, "not JSON"))
    for _ in range(2):
        with pytest.raises(MalformedResponse):
            await guard.call("fetch_funding_rates", venue.request)
    assert guard.circuit is CircuitState.OPEN


async def test_timeout_becomes_venue_unavailable(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, timeout_s=0.001, failure_threshold=1)
    never = asyncio.Event()

    async def hang() -> None:
        await never.wait()

    with pytest.raises(VenueUnavailable) as err:
        await guard.call("fetch_funding_rates", hang)
    assert str(err.value) == f"{VENUE}: timeout after 0.001s"
    assert guard.circuit is CircuitState.OPEN
    assert "timeout after 0.001s" in guard.health().message


async def test_socket_errors_are_venue_failures_and_bugs_are_not(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    venue = ScriptedVenue(ConnectionResetError("reset by peer"), KeyError("ours"))
    with pytest.raises(VenueUnavailable, match="network error: reset by peer"):
        await guard.call("fetch_time", venue.request)
    with pytest.raises(KeyError):
        await guard.call("fetch_time", venue.request)
    assert guard.health().consecutive_failures == 1


async def test_down_after_a_long_outage(clock: ManualClock, bus: EventBus) -> None:
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, open_for_s=30, down_after_s=300, bus=bus)
    venue = ScriptedVenue(*[down()] * 50)
    await fail_times(guard, venue, 5)
    assert guard.health().state is HealthState.DEGRADED

    for _ in range(20):  # keep probing and failing for a while
        clock.advance(guard.retry_in_s())
        await fail_times(guard, venue, 1)
        if guard.health().state is HealthState.DOWN:
            break
    health = guard.health()
    assert health.state is HealthState.DOWN
    assert health.message.startswith("unreachable for")
    # events coalesce per venue: a subscriber that did not keep up sees the latest state only
    assert [e["state"] for e in health_events(sub)] == ["down"]


async def test_down_is_reported_even_without_new_calls(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, down_after_s=300)
    await fail_times(guard, ScriptedVenue(*[down()] * 5), 5)
    clock.advance(299)
    assert guard.health().state is HealthState.DEGRADED
    clock.advance(1)
    assert guard.health().state is HealthState.DOWN


async def test_server_time_gives_latency_and_skew(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    sent = clock.now()
    received = sent + timedelta(milliseconds=80)
    server = sent + timedelta(milliseconds=40 + 250)  # the venue's clock runs 250 ms ahead
    guard.record_server_time(server, sent, received)
    health = guard.health()
    assert health.latency_ms == pytest.approx(80)
    assert health.clock_skew_ms == pytest.approx(250)
    assert health.state is HealthState.OK


async def test_slow_venue_is_degraded_then_restored(clock: ManualClock, bus: EventBus) -> None:
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, slow_one_way_ms=200, latency_window_s=10, bus=bus)
    t = clock.now()
    guard.record_server_time(t + timedelta(milliseconds=250), t, t + timedelta(milliseconds=500))
    health = guard.health()
    assert health.state is HealthState.DEGRADED
    assert health.message.startswith("slow: 250 ms one way")
    assert [e["state"] for e in health_events(sub)] == ["degraded"]

    clock.advance(11)  # the slow sample leaves the 10 s window once a fresh one arrives
    t = clock.now()
    guard.record_server_time(t + timedelta(milliseconds=20), t, t + timedelta(milliseconds=40))
    assert guard.health().state is HealthState.OK
    assert [e["state"] for e in health_events(sub)] == ["ok"]


async def test_latency_is_a_rolling_average(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock, latency_window_s=10)
    for rtt in (100, 200, 300):
        t = clock.now()
        guard.record_server_time(t, t, t + timedelta(milliseconds=rtt))
        clock.advance(1)
    assert guard.health().latency_ms == pytest.approx(200)


async def test_refused_calls_spend_no_budget(clock: ManualClock) -> None:
    budget = RateBudget(clock, rate_per_s=1, burst=10, order_reserve=0)
    guard = VenueGuard(VENUE, clock, budget=budget)
    await fail_times(guard, ScriptedVenue(*[down()] * 5), 5)
    assert budget.available() == pytest.approx(5)
    for _ in range(3):
        with pytest.raises(VenueUnavailable):
            await guard.call("fetch_time", ScriptedVenue().request)
    assert budget.available() == pytest.approx(5)
    assert budget.granted["data"] == 5


# -- the breaker against a reference model, over random scripts ------------------------------

Step = tuple[str, float]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("fail"), st.just(0.0)),
        st.tuples(st.just("ok"), st.just(0.0)),
        st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=120.0)),
    ),
    max_size=60,
)


class BreakerModel:
    """What the breaker should do, written the plain way."""

    def __init__(self, threshold: int, open_for: float, cap: float) -> None:
        self.threshold, self.open_for, self.cap = threshold, open_for, cap
        self.open = False
        self.failures = 0
        self.failed_probes = 0
        self.open_until = 0.0

    def call(self, now: float, fails: bool) -> bool:
        """Returns whether the venue is asked."""
        if self.open and now < self.open_until:
            return False
        probing = self.open
        if fails:
            self.failures += 1
            if probing:
                self.failed_probes += 1
            if probing or self.failures >= self.threshold:
                self.open = True
                self.open_until = now + min(self.cap, self.open_for * 2**self.failed_probes)
        else:
            self.open = False
            self.failures = 0
            self.failed_probes = 0
        return True


@settings(max_examples=60, deadline=None)
@given(script=steps, threshold=st.integers(min_value=1, max_value=6))
def test_breaker_matches_the_model(script: list[Step], threshold: int) -> None:
    async def run() -> None:
        clock = ManualClock()
        start = clock.now()
        guard = VenueGuard(VENUE, clock, failure_threshold=threshold, open_for_s=30, max_open_for_s=200)
        model = BreakerModel(threshold, 30, 200)
        for action, seconds in script:
            if action == "wait":
                clock.advance(seconds)
                continue
            now = (clock.now() - start).total_seconds()
            venue = ScriptedVenue(down() if action == "fail" else "ok")
            asked = model.call(now, action == "fail")
            try:
                await guard.call("op", venue.request)
            except VenueUnavailable:
                pass
            assert venue.calls == (1 if asked else 0)
            assert (guard.circuit is not CircuitState.CLOSED) == model.open
            state = guard.health().state
            if model.open:
                assert state in (HealthState.DEGRADED, HealthState.DOWN)
            else:
                assert state is HealthState.OK
                assert guard.health().consecutive_failures == model.failures

    asyncio.run(run())


def test_backoff_doubles_to_its_cap_and_survives_a_feed_dead_for_days() -> None:
    from nexus_tui.venues.health import backoff_s

    assert [backoff_s(5.0, n, 30.0) for n in range(5)] == [5.0, 10.0, 20.0, 30.0, 30.0]
    assert backoff_s(60.0, 0, 30.0) == 60.0  # a cap below the base never shortens the wait
    # ~1,024 failures in a row (17 h at a 60 s cap) once overflowed 2**n; it stays at the cap
    assert backoff_s(5.0, 1_024, 60.0) == 60.0
    assert backoff_s(5.0, 10**9, 60.0) == 60.0
