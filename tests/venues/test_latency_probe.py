"""The latency probe on a ManualClock: server time through each venue's guard, every 30 s, into
the guard's latency and clock skew; failures counted, unguarded venues left alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock, to_ms
from nexus_tui.core.models import HealthState
from nexus_tui.engine import Engine
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import CircuitState
from nexus_tui.venues.latency_probe import DEFAULT_INTERVAL_S, LatencyProbe
from tests.market.helpers import FakeVenue, rate
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT, PREMIUM_INDEX, binance_markets
from tests.venues.recorded import RecordedHttp, load_json, preload_markets

# Real seconds engine.stop() may take before the test fails rather than hangs.
STOP_GUARD_S = 30.0


class TimedBinance:
    """A binanceusdm CcxtVenue built as the desk builds it, whose GET /fapi/v1/time takes
    `rtt_ms` of the manual clock and answers a server clock `skew_ms` ahead of ours; `down`
    makes it answer 503 (Binance's -1001) instead, `unsupported` makes ccxt say it has no
    server time."""

    def __init__(self, clock: ManualClock, *, rtt_ms: float = 80, skew_ms: float = 0) -> None:
        self.clock = clock
        self.rtt_ms = rtt_ms
        self.skew_ms = skew_ms
        self.down = False
        self.venue = CcxtVenue("binanceusdm", clock)
        self.venue.exchange.enableRateLimit = False
        capture = load_json(PREMIUM_INDEX)
        preload_markets(self.venue.exchange, binance_markets(capture))
        self.http = RecordedHttp(self.venue.exchange)
        self.http.answer("GET", "/fapi/v1/premiumIndex", capture).answer("GET", "/fapi/v1/fundingInfo", [])
        self.http.answer(
            "GET", "/fapi/v1/time", '{"code": -1001, "msg": "busy"}', status=503, when={"down": 1}
        )
        self.time_requests = 0
        recorded = self.venue.exchange.fetch

        async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
            if not url.endswith("/fapi/v1/time"):
                return await recorded(url, method, headers, body)
            self.time_requests += 1
            if self.down:
                return await recorded(url + "?down=1", method, headers, body)
            self.clock.advance(self.rtt_ms / 2000)  # the request travels ...
            server_ms = to_ms(self.clock.now()) + int(self.skew_ms)
            self.clock.advance(self.rtt_ms / 2000)  # ... and the answer comes back
            return {"serverTime": server_ms}

        self.venue.exchange.fetch = fetch


async def until(condition: Callable[[], bool], turns: int = 10_000) -> None:
    """Let the event loop run until `condition` holds (a bounded wait: a bug fails, never hangs)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BINANCE_CAPTURE_AT)


async def test_a_probe_feeds_latency_and_clock_skew_into_the_guard(clock: ManualClock) -> None:
    binance = TimedBinance(clock, rtt_ms=80, skew_ms=250)
    sim_like = FakeVenue("sim:okx")  # no guard: its own calls set its latency
    probe = LatencyProbe([binance.venue, sim_like], clock)
    assert [v.id for v in probe.targets] == ["binanceusdm"]

    (result,) = await probe.probe_once()
    assert result.ok and result.venue == "binanceusdm"
    health = binance.venue.health()
    assert health.state is HealthState.OK
    assert health.latency_ms == pytest.approx(80)
    assert health.clock_skew_ms == pytest.approx(250)
    assert health.details["server_rtt_ms"] == "80.0"
    assert sim_like.calls == 0


async def test_a_slow_venue_turns_degraded_and_the_next_quick_probe_restores_it(clock: ManualClock) -> None:
    binance = TimedBinance(clock, rtt_ms=600)
    probe = LatencyProbe([binance.venue], clock)
    await probe.probe_once()
    health = binance.venue.health()
    assert health.state is HealthState.DEGRADED and not health.tradable
    assert health.message.startswith("slow: 300 ms one way")

    clock.advance(DEFAULT_INTERVAL_S)
    binance.rtt_ms = 60
    await probe.probe_once()
    assert binance.venue.health().state is HealthState.OK


async def test_the_service_probes_every_interval_and_counts_failures(clock: ManualClock) -> None:
    binance = TimedBinance(clock)
    probe = LatencyProbe([binance.venue], clock)
    start = clock.now()
    task = asyncio.create_task(probe.run())
    await until(lambda: (clock.now() - start).total_seconds() >= 95)
    assert binance.time_requests == 4  # at 0, 30, 60 and 90 s

    binance.down = True
    guard = binance.venue.guard
    await until(lambda: guard.circuit is CircuitState.OPEN)
    assert binance.time_requests == 9  # 5 failed probes in a row
    assert binance.venue.health().state is HealthState.DEGRADED
    assert probe.last["binanceusdm"].error.startswith("binanceusdm: temporarily failed")

    binance.down = False  # once the open period is over, a probe is the half-open call
    await until(lambda: binance.venue.health().state is HealthState.OK)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert guard.restored_count == 1 and binance.time_requests == 10


async def test_a_venue_without_server_time_is_dropped_after_saying_so(clock: ManualClock) -> None:
    from ccxt.async_support.base.exchange import Exchange

    binance = TimedBinance(clock)
    exchange = binance.venue.exchange

    async def no_server_time(params: object = None) -> int:
        return await Exchange.fetch_time(exchange, {})

    exchange.fetch_time = no_server_time
    probe = LatencyProbe([binance.venue], clock)
    (result,) = await probe.probe_once()
    assert not result.ok and "not supported" in result.error
    assert probe.targets == []
    assert binance.venue.health().consecutive_failures == 0  # the venue answered
    await probe.run()  # nothing left to probe: returns at once


async def test_bootstrap_runs_the_probe_for_guarded_venues_only(clock: ManualClock) -> None:
    binance = TimedBinance(clock)
    engine = build_engine(None, clock=clock, venues=[binance.venue])
    await engine.start()
    assert "venues.latency" in engine.snapshot().services
    # Counted in probes, not in clock time: every service sleeping on the shared ManualClock
    # moves it on (the refresher's naps, the opportunity service's pauses), so 65 s of it need
    # not hold three 30 s probe intervals.
    await until(lambda: binance.time_requests >= 3)
    await stopped(engine)
    assert binance.venue.guard.health().details.get("server_rtt_ms") == "80.0"

    sim_only = build_engine(None, clock=clock, venues=[FakeVenue("sim:okx", [rate("0.0001")], clock)])  # type: ignore[list-item]
    await sim_only.start()
    assert "venues.latency" not in sim_only.snapshot().services
    await stopped(sim_only)


async def stopped(engine: Engine) -> None:
    """`engine.stop()`, failing instead of hanging should a service outlive its cancellation
    (the wait is only a guard against a hang: a stop takes milliseconds)."""
    try:
        async with asyncio.timeout(STOP_GUARD_S):
            await engine.stop()
    except TimeoutError:
        raise AssertionError(f"engine.stop() still waiting after {STOP_GUARD_S:g} s") from None


def test_the_interval_must_be_positive(clock: ManualClock) -> None:
    with pytest.raises(ValueError):
        LatencyProbe([], clock, interval_s=0)
