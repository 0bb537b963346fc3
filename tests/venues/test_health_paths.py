"""VenueGuard hears from a venue on more than one path: its requests (call) and its websocket
streams (record_success / record_failure, which spend no rate token). Stream failures count
toward DEGRADED like request failures; a stream delivering again restores the venue unless its
requests are what keeps failing; the health says which path failed."""

from __future__ import annotations

import asyncio

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import HealthState
from nexus_tui.venues.health import CircuitState, VenueGuard
from nexus_tui.venues.rate_budget import RateBudget
from tests.venues.test_health import VENUE, ScriptedVenue, down, fail_times, health_events

WS = "websocket"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def silent() -> VenueUnavailable:
    return VenueUnavailable(VENUE, "websocket silent for 30 s")


def test_stream_failures_count_toward_degraded_and_spend_no_rate_token(clock: ManualClock) -> None:
    budget = RateBudget(clock, rate_per_s=1, burst=10, order_reserve=0)
    guard = VenueGuard(VENUE, clock, budget=budget)
    for _ in range(4):
        guard.record_failure(silent(), source=WS, op="watch_funding")
    assert guard.health().state is HealthState.OK and guard.health().consecutive_failures == 4
    guard.record_failure(silent(), source=WS, op="watch_funding")
    health = guard.health()
    assert health.state is HealthState.DEGRADED and guard.circuit is CircuitState.OPEN
    assert health.message == "circuit open: websocket watch_funding: websocket silent for 30 s"
    assert health.details["failed_via"] == WS
    assert budget.available() == pytest.approx(10) and budget.granted["data"] == 0


async def test_stream_and_request_failures_add_up(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    for _ in range(3):
        guard.record_failure(silent(), source=WS)
    await fail_times(guard, ScriptedVenue(down(), down()), 2)
    health = guard.health()
    assert health.state is HealthState.DEGRADED and health.consecutive_failures == 5
    assert health.details["failed_via"] == "rest"
    assert health.message == "circuit open: fetch_funding_rates: connection refused"


async def test_a_stream_delivering_again_restores_a_venue_its_failures_degraded(
    clock: ManualClock,
) -> None:
    bus = EventBus()
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, bus=bus)
    await guard.call("fetch_funding_rates", ScriptedVenue().request)
    for _ in range(5):
        guard.record_failure(silent(), source=WS)
    assert guard.health().state is HealthState.DEGRADED
    assert [e["state"] for e in health_events(sub)] == ["degraded"]  # coalesced per venue
    guard.record_success(source=WS)  # inside the open period: no probe needed
    health = guard.health()
    assert health.state is HealthState.OK and health.consecutive_failures == 0
    assert guard.circuit is CircuitState.CLOSED and guard.restored_count == 1
    assert health.details["last_ok_via"] == WS
    events = health_events(sub)
    assert [(e["state"], e["restored"]) for e in events] == [("ok", True)]
    # requests are let through again at once
    assert await guard.call("fetch_funding_rates", ScriptedVenue("rows").request) == "rows"


async def test_requests_failing_keep_the_venue_degraded_until_their_probe_passes(
    clock: ManualClock,
) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=30)
    await fail_times(guard, ScriptedVenue(*[down()] * 5), 5)
    guard.record_success(source=WS)  # the stream is fine, but orders go through REST
    assert guard.health().state is HealthState.DEGRADED and guard.restored_count == 0
    with pytest.raises(VenueUnavailable, match="circuit open"):
        await guard.call("fetch_funding_rates", ScriptedVenue().request)
    clock.advance(31)
    await guard.call("fetch_funding_rates", ScriptedVenue().request)  # the probe
    assert guard.health().state is HealthState.OK and guard.restored_count == 1


async def test_a_path_success_resets_only_its_own_failures(clock: ManualClock) -> None:
    guard = VenueGuard(VENUE, clock)
    await fail_times(guard, ScriptedVenue(*[down()] * 3), 3)
    guard.record_failure(silent(), source=WS)
    guard.record_success(source=WS)
    assert guard.health().consecutive_failures == 3  # the requests' failures still stand
    await fail_times(guard, ScriptedVenue(down(), down()), 2)
    assert guard.health().state is HealthState.DEGRADED
    guard.record_failure(silent(), source=WS)  # on an open circuit: counted, never raised
    assert guard.health().consecutive_failures == 6


async def test_a_probe_failing_after_the_stream_restored_is_an_ordinary_failure(
    clock: ManualClock,
) -> None:
    guard = VenueGuard(VENUE, clock, open_for_s=30)
    for _ in range(5):
        guard.record_failure(silent(), source=WS)
    clock.advance(31)
    answer = asyncio.Event()

    async def slow_refusal() -> None:
        await answer.wait()
        raise down()

    probe = asyncio.ensure_future(guard.call("fetch_funding_rates", slow_refusal))
    await asyncio.sleep(0)  # the probe is out when the stream answers
    assert guard.circuit is CircuitState.HALF_OPEN
    guard.record_success(source=WS)
    answer.set()
    with pytest.raises(VenueUnavailable):
        await probe
    health = guard.health()
    assert guard.circuit is CircuitState.CLOSED and health.state is HealthState.OK
    assert health.consecutive_failures == 1 and guard.restored_count == 1


def test_a_live_stream_reporting_every_batch_publishes_nothing_new(clock: ManualClock) -> None:
    bus = EventBus()
    sub = bus.subscribe()
    guard = VenueGuard(VENUE, clock, bus=bus)
    for _ in range(100):
        guard.record_success(source=WS)
    assert [e["state"] for e in health_events(sub)] == ["ok"]
