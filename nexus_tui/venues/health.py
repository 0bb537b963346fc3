"""VenueGuard: every call to one venue goes through here (budget, timeout, circuit breaker, latency).

The circuit breaker follows seed 003 §2.4 ("after 5 consecutive API failures, pause operations on
that exchange and alert") and the exchange-failure protocol of seed 000 §3.5 (mark the venue
degraded, stop new positions on it, keep existing ones):

    CLOSED --5 consecutive failures--> OPEN  (health DEGRADED, calls refused without I/O)
    OPEN --open period over--> HALF_OPEN     (the next call goes through as the one probe)
    HALF_OPEN --probe succeeds--> CLOSED     (health OK, a RESTORED event)
    HALF_OPEN --probe fails--> OPEN          (the open period doubles, up to `max_open_for_s`)

Health states (core.models.HealthState):
- UNKNOWN before anything was heard from the venue;
- OK while the circuit is closed (a few failures below the threshold do not change it);
- DEGRADED while the circuit is open or half-open, or when the venue is slow: the average one-way
  latency from server-time probes over the last `latency_window_s` is above `slow_one_way_ms`
  (seed 002 §2: 200 ms, beyond which no confidence is placed in the venue's prices);
- DOWN when the circuit is open and nothing has succeeded for `down_after_s` (5 minutes by
  default): long enough that it is an outage rather than a blip, so the header says so plainly.
  DEGRADED and DOWN both mean "no new positions" (VenueHealth.tradable); positions already
  open are kept, as seed 003 §4.5 asks.

Requests are not the only way a venue is heard from: its websocket streams report too, through
record_success / record_failure (no rate token spent, nothing refused). Consecutive failures are
counted per path ("rest" for requests, e.g. "websocket"); the circuit opens when their sum reaches
the threshold, so a venue whose stream and requests both fail turns DEGRADED. A path's success
resets its own count only. A stream delivering rows proves the venue reachable: it closes an open
circuit (RESTORED) unless the requests themselves are what keeps failing, which only their
half-open probe can clear. The health message and `details["failed_via"]` say which path failed.

Each change of health state is published on the bus as a `venue.health` event coalesced per
venue, so a slow subscriber sees the latest state, never a backlog.

Timing: every decision (open period, backoff, DOWN, the latency window) uses the injected clock.
The one exception is the duration of a call, measured with time.monotonic: a ManualClock does
not move while a request is in flight and an AcceleratedClock would multiply it by its speed,
but a network round trip takes real time whatever clock drives the desk. For the same reason
the timeout (`asyncio.wait_for`) is in real seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, TypeVar

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import VenueAnswered, VenueError, VenueUnavailable
from nexus_tui.core.events import Event, EventBus
from nexus_tui.core.models import HealthState, VenueHealth
from nexus_tui.venues.rate_budget import RateBudget

T = TypeVar("T")

HEALTH_EVENT = "venue.health"
REST = "rest"  # the path of every request made through VenueGuard.call

# How long one venue request may take before the guard gives up on it and counts a failure
# (config: data.request_timeout_seconds). Whoever waits on a guarded venue from outside derives
# its own, longer deadline from this (market/refresh.py feed_timeout_s): a shorter outer deadline
# would cancel the request first, and a cancellation tells the guard nothing.
REQUEST_TIMEOUT_S = 10.0


def backoff_s(base_s: float, failures: int, cap_s: float) -> float:
    """The wait after `failures` consecutive failures: `base_s` doubled for each, at most `cap_s`
    (never less than `base_s`). The doubling count is bounded: a feed dead for days must not
    overflow the float (2**1024) and stop being retried."""
    return min(base_s * 2.0 ** min(failures, 64), max(cap_s, base_s))


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def _strip_venue(venue: str, message: str) -> str:
    """VenueError messages start with "<venue>: "; the reason alone reads better after "circuit open:"."""
    prefix = f"{venue}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _seconds(value: float) -> str:
    return f"{value:g}s"


class VenueGuard:
    """Budget, timeout, circuit breaker and latency/skew bookkeeping for one venue."""

    def __init__(
        self,
        venue_id: str,
        clock: Clock,
        *,
        failure_threshold: int = 5,
        open_for_s: float = 30.0,
        timeout_s: float = REQUEST_TIMEOUT_S,
        budget: RateBudget | None = None,
        bus: EventBus | None = None,
        max_open_for_s: float = 600.0,
        down_after_s: float = 300.0,
        slow_one_way_ms: float = 200.0,
        latency_window_s: float = 10.0,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if open_for_s <= 0 or timeout_s <= 0:
            raise ValueError("open_for_s and timeout_s must be positive")
        self.venue_id = venue_id
        self.failure_threshold = failure_threshold
        self.open_for_s = open_for_s
        self.max_open_for_s = max(max_open_for_s, open_for_s)
        self.timeout_s = timeout_s
        self.down_after_s = down_after_s
        self.slow_one_way_ms = slow_one_way_ms
        self.latency_window_s = latency_window_s
        self.budget = budget
        self._clock = clock
        self._bus = bus

        self._circuit = CircuitState.CLOSED
        self._consecutive_failures = 0  # the sum over paths of _failures_by_path
        self._failures_by_path: dict[str, int] = {}
        self._last_failed_via = ""
        self._last_ok_via = ""
        self._failed_probes = 0  # drives the backoff: open period = open_for_s * 2**failed_probes
        self._open_until: datetime | None = None
        self._probe_in_flight = False
        self._failing_since: datetime | None = None
        self._last_reason = ""
        self._last_ok: datetime | None = None
        self._heard_from = False

        self._server_samples: deque[tuple[datetime, float, float]] = deque()  # (at, rtt_ms, skew_ms)
        self._last_call: tuple[str, float] | None = None  # (op, round trip ms)
        self._published_state: HealthState = HealthState.UNKNOWN
        self.restored_count = 0

    # -- the call path -----------------------------------------------------------------
    async def call(
        self, op: str, factory: Callable[[], Awaitable[T]], *, kind: Literal["data", "order"] = "data"
    ) -> T:
        """Run one venue request under the budget, the timeout and the circuit breaker.

        Raises VenueUnavailable without calling when the circuit is open. VenueErrors from the
        request count as failures and are re-raised, except VenueAnswered (an order refused, an
        unknown symbol, an unsupported call): the venue answered, which is all its health asks.
        """
        self._refuse_if_open()  # before the budget: a refused call must not spend a token
        if self.budget is not None:
            await self.budget.acquire(kind)
        is_probe = self._admit()
        started = time.monotonic()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands in the
            # same turn as the result, and a lost cancel leaves engine.stop() waiting forever
            async with asyncio.timeout(self.timeout_s):
                result = await factory()
        except TimeoutError:
            error = VenueUnavailable(self.venue_id, f"timeout after {_seconds(self.timeout_s)}")
            self._on_failure(op, str(error), is_probe)
            raise error from None
        except VenueAnswered:
            self._on_success(op, started, is_probe)
            raise
        except VenueError as exc:
            self._on_failure(op, str(exc), is_probe)
            raise
        except OSError as exc:  # an adapter that let a socket error through: still the venue's failure
            error = VenueUnavailable(self.venue_id, f"network error: {exc}")
            self._on_failure(op, str(error), is_probe)
            raise error from exc
        except asyncio.CancelledError:
            if time.monotonic() - started >= self.timeout_s:
                # our timeout and a caller's deadline fell due together and the caller's won the
                # race: the request did run out of time, and the venue must be charged for it
                timed_out = VenueUnavailable(self.venue_id, f"timeout after {_seconds(self.timeout_s)}")
                self._on_failure(op, str(timed_out), is_probe)
            elif is_probe:
                self._probe_in_flight = False
            raise
        except BaseException:
            # a bug on our side (or an interrupt) says nothing about the venue; free the probe slot
            if is_probe:
                self._probe_in_flight = False
            raise
        self._on_success(op, started, is_probe)
        return result

    def _refuse_if_open(self) -> None:
        now = self._clock.now()
        if self._circuit is CircuitState.OPEN and self._open_until is not None and now < self._open_until:
            self._publish_if_changed()
            raise VenueUnavailable(self.venue_id, f"circuit open: {self._last_reason}")
        if self._circuit is not CircuitState.CLOSED and self._probe_in_flight:
            raise VenueUnavailable(self.venue_id, f"circuit open: {self._last_reason}")

    def _admit(self) -> bool:
        """True when this call is the half-open probe. Re-checks: the circuit may have opened
        while the call waited for a budget token."""
        self._refuse_if_open()
        if self._circuit is CircuitState.CLOSED:
            return False
        self._circuit = CircuitState.HALF_OPEN
        self._probe_in_flight = True
        return True

    def _on_success(self, op: str, started: float, is_probe: bool) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000.0
        self._last_call = (op, elapsed_ms)
        self._heard(REST)
        if is_probe:
            self._probe_in_flight = False
            self._close(restored=True)
        elif self._circuit is CircuitState.CLOSED:
            self._reset_path(REST)
        # a call admitted before the circuit opened proves little; only the probe restores
        self._publish_if_changed()

    def _on_failure(self, op: str, reason: str, is_probe: bool) -> None:
        # another path may have restored the venue while the probe was out: then its failure
        # is an ordinary one, counted toward the threshold
        probe_decides = is_probe and self._circuit is not CircuitState.CLOSED
        if is_probe:
            self._probe_in_flight = False
        self._count_failure(REST, f"{op}: {_strip_venue(self.venue_id, reason)}", probe_decides)

    # -- other paths (websocket streams) ------------------------------------------------
    def record_success(self, *, source: str) -> None:
        """The venue answered on `source` (e.g. "websocket") outside call(): no rate token is
        spent. Resets that path's failures; closes an open circuit (RESTORED) unless requests
        are what keeps failing (their count at the threshold): only their probe clears that."""
        self._heard(source)
        if self._circuit is CircuitState.CLOSED:
            if self._failures_by_path.get(source):
                self._reset_path(source)
                self._publish_if_changed()
            elif self._published_state is HealthState.UNKNOWN:
                self._publish_if_changed()
            return  # the steady state of a live stream: nothing changed, nothing to publish
        self._reset_path(source)
        if self._failures_by_path.get(REST, 0) < self.failure_threshold:
            self._close(restored=True)
        self._publish_if_changed()

    def record_failure(self, error: BaseException | str, *, source: str, op: str = "") -> None:
        """The venue failed on `source` outside call() (a stream dropped or fell silent): counts
        toward DEGRADED like a failed request, spends no rate token, never raises."""
        label = f"{source} {op}" if op else source
        self._count_failure(source, f"{label}: {_strip_venue(self.venue_id, str(error))}", False)

    def _heard(self, source: str) -> None:
        self._last_ok = self._clock.now()
        self._last_ok_via = source
        self._heard_from = True

    def _reset_path(self, source: str) -> None:
        self._consecutive_failures -= self._failures_by_path.pop(source, 0)
        if not self._consecutive_failures:
            self._failing_since = None

    def _count_failure(self, source: str, reason: str, probe_failed: bool) -> None:
        now = self._clock.now()
        self._heard_from = True
        self._consecutive_failures += 1
        self._failures_by_path[source] = self._failures_by_path.get(source, 0) + 1
        self._last_reason = reason
        self._last_failed_via = source
        if self._failing_since is None:
            self._failing_since = now
        if probe_failed:
            self._failed_probes += 1
            self._open(now)
        elif self._circuit is CircuitState.CLOSED and self._consecutive_failures >= self.failure_threshold:
            self._open(now)
        self._publish_if_changed()

    def _open(self, now: datetime) -> None:
        self._circuit = CircuitState.OPEN
        self._open_until = now + timedelta(seconds=self.current_open_for_s())

    def _close(self, *, restored: bool) -> None:
        was_open = self._circuit is not CircuitState.CLOSED
        self._circuit = CircuitState.CLOSED
        self._open_until = None
        self._failures_by_path = {}
        self._consecutive_failures = 0
        self._failed_probes = 0
        self._failing_since = None
        if restored and was_open:
            self.restored_count += 1

    def current_open_for_s(self) -> float:
        """How long the circuit stays open after the latest failure (exponential backoff)."""
        return backoff_s(self.open_for_s, self._failed_probes, self.max_open_for_s)

    def retry_in_s(self) -> float:
        """Seconds (clock time) until a call would be let through; 0 when it would be now."""
        if self._circuit is not CircuitState.OPEN or self._open_until is None:
            return 0.0
        return max(0.0, (self._open_until - self._clock.now()).total_seconds())

    @property
    def circuit(self) -> CircuitState:
        return self._circuit

    # -- latency and clock skew ----------------------------------------------------------
    def record_server_time(self, server_ts: datetime, sent: datetime, received: datetime) -> None:
        """One server-time probe: `sent`/`received` are our clock around the request.

        Cristian's method: the server stamped its time about half way through the round trip, so
        skew = server_ts - (sent + rtt/2) and the one-way latency is rtt/2. Seed 002 §2 writes
        latency as local_time - server_time, which is the same one-way delay with the skew
        folded in; we keep the two apart so a slow clock is not mistaken for a slow venue.
        """
        rtt_ms = max(0.0, (received - sent).total_seconds() * 1000.0)
        midpoint = sent + timedelta(milliseconds=rtt_ms / 2)
        skew_ms = (server_ts - midpoint).total_seconds() * 1000.0
        self._server_samples.append((received, rtt_ms, skew_ms))
        self._heard_from = True
        self._trim_samples(received)
        self._publish_if_changed()

    def _trim_samples(self, now: datetime) -> None:
        horizon = now - timedelta(seconds=self.latency_window_s)
        while len(self._server_samples) > 1 and self._server_samples[0][0] < horizon:
            self._server_samples.popleft()  # the latest sample stays, however old

    def _server_rtt_ms(self) -> float | None:
        self._trim_samples(self._clock.now())
        if not self._server_samples:
            return None
        return sum(rtt for _, rtt, _ in self._server_samples) / len(self._server_samples)

    def _clock_skew_ms(self) -> float | None:
        return self._server_samples[-1][2] if self._server_samples else None

    # -- health ------------------------------------------------------------------------
    def health(self) -> VenueHealth:
        """The venue's health now (no I/O). Publishes a `venue.health` event if it changed."""
        self._publish_if_changed()
        return self._health()

    def _health(self) -> VenueHealth:
        now = self._clock.now()
        server_rtt = self._server_rtt_ms()
        latency = server_rtt if server_rtt is not None else (self._last_call[1] if self._last_call else None)
        state, message = self._state(now, server_rtt)
        details: dict[str, str] = {"circuit": self._circuit.value}
        if server_rtt is not None:
            details["server_rtt_ms"] = f"{server_rtt:.1f}"
        if self._last_call is not None:
            details["last_call"] = f"{self._last_call[0]} {self._last_call[1]:.1f} ms"
        if self._circuit is CircuitState.OPEN:
            details["retry_in_s"] = f"{self.retry_in_s():.1f}"
        if self._last_reason:
            details["last_failure"] = self._last_reason
            details["failed_via"] = self._last_failed_via
        if self._last_ok_via:
            details["last_ok_via"] = self._last_ok_via
        return VenueHealth(
            venue=self.venue_id,
            state=state,
            latency_ms=latency,
            clock_skew_ms=self._clock_skew_ms(),
            last_ok=self._last_ok,
            consecutive_failures=self._consecutive_failures,
            message=message,
            details=details,
        )

    def _state(self, now: datetime, server_rtt: float | None) -> tuple[HealthState, str]:
        if self._circuit is not CircuitState.CLOSED:
            if self._failing_since is not None and (now - self._failing_since).total_seconds() >= (
                self.down_after_s
            ):
                minutes = (now - self._failing_since).total_seconds() / 60
                return HealthState.DOWN, f"unreachable for {minutes:.0f} min: {self._last_reason}"
            return HealthState.DEGRADED, f"circuit open: {self._last_reason}"
        if not self._heard_from:
            return HealthState.UNKNOWN, "not yet contacted"
        if server_rtt is not None and server_rtt / 2 > self.slow_one_way_ms:
            return HealthState.DEGRADED, f"slow: {server_rtt / 2:.0f} ms one way (> {self.slow_one_way_ms:g})"
        if self._consecutive_failures:
            return HealthState.OK, f"{self._consecutive_failures} recent failure(s): {self._last_reason}"
        return HealthState.OK, ""

    def _publish_if_changed(self) -> None:
        health = self._health()
        previous = self._published_state
        if health.state is previous:
            return
        self._published_state = health.state
        if self._bus is None:
            return
        restored = health.state is HealthState.OK and previous in (HealthState.DEGRADED, HealthState.DOWN)
        label = "RESTORED" if restored else health.state.value.upper()
        text = f"{self.venue_id} {label}" + (f": {health.message}" if health.message else "")
        self._bus.publish(
            Event(
                kind=HEALTH_EVENT,
                ts=self._clock.now(),
                data={
                    "venue": self.venue_id,
                    "state": health.state.value,
                    "previous": previous.value,
                    "restored": restored,
                    "consecutive_failures": health.consecutive_failures,
                    "latency_ms": health.latency_ms,
                    "message": health.message,
                },
                coalesce_key=f"{HEALTH_EVENT}:{self.venue_id}",
                message=text,
            )
        )
