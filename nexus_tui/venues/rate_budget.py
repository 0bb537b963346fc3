"""A per-venue request budget in which order traffic always goes ahead of data traffic.

ccxt's own limiter (`enableRateLimit`) spaces requests to stay under the exchange's published
limit, but it is first-come-first-served: a burst of funding and order-book refreshes can sit in
front of a hedge order. Seed 003 §2.4 asks us to "prioritize critical operations (position
open/close) over data fetching", so every venue call first takes a token from this budget:

- a token bucket refilled at `rate_per_s` up to `burst` tokens, timed by the injected clock;
- data requests may not take the last `order_reserve` tokens, so an order arriving after a data
  burst usually finds a token at once;
- when both kinds wait, every waiting order is served before any waiting data request.

One pump task does all the waiting (and so all the clock sleeping): with a ManualClock the clock
moves by exactly the time the next token needs, never by the sum of every waiter's sleep.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime
from typing import Literal

from nexus_tui.core.clock import Clock

RequestKind = Literal["data", "order"]

_MIN_WAIT_S = 1e-6  # never sleep 0: a zero wait with a deficit would spin the loop


class RateBudget:
    """Token bucket for one venue; `await acquire(kind)` before each request."""

    def __init__(
        self,
        clock: Clock,
        *,
        rate_per_s: float,
        burst: float | None = None,
        order_reserve: float = 1.0,
        venue_id: str = "",
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if order_reserve < 0:
            raise ValueError("order_reserve must not be negative")
        capacity = burst if burst is not None else max(rate_per_s, order_reserve + 1.0)
        if capacity < order_reserve + 1.0:
            # data could never get a token: it would starve forever, which is a config bug
            raise ValueError("burst must be at least order_reserve + 1")
        self.venue_id = venue_id
        self.rate_per_s = rate_per_s
        self.burst = capacity
        self.order_reserve = order_reserve
        self._clock = clock
        self._tokens = capacity
        self._last_refill: datetime = clock.now()
        self._orders: deque[tuple[asyncio.Future[None], float]] = deque()
        self._data: deque[tuple[asyncio.Future[None], float]] = deque()
        self._pump_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.granted: dict[str, int] = {"data": 0, "order": 0}
        self.queued: dict[str, int] = {"data": 0, "order": 0}  # requests that had to wait

    @classmethod
    def from_interval_ms(
        cls, clock: Clock, interval_ms: float, *, burst: float | None = None, venue_id: str = ""
    ) -> RateBudget:
        """A budget matching ccxt's `rateLimit` (milliseconds between requests)."""
        if interval_ms <= 0:
            raise ValueError("interval_ms must be positive")
        return cls(clock, rate_per_s=1000.0 / interval_ms, burst=burst, venue_id=venue_id)

    # -- public ------------------------------------------------------------------------
    async def acquire(self, kind: RequestKind = "data", cost: float = 1.0) -> None:
        """Wait until this request may be sent. `cost` is the request's weight in tokens."""
        if kind not in ("data", "order"):
            raise ValueError(f"unknown request kind {kind!r}")
        if cost <= 0:
            raise ValueError("cost must be positive")
        cost = min(cost, self.burst - (self.order_reserve if kind == "data" else 0.0))
        self._refill()
        if self._may_take_now(kind, cost):
            self._take(kind, cost)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._orders if kind == "order" else self._data).append((future, cost))
        self.queued[kind] += 1
        self._ensure_pump()
        self._wake.set()  # an order may need less than the pump is sleeping for
        await future

    def available(self) -> float:
        """Tokens in the bucket now (after refill)."""
        self._refill()
        return self._tokens

    @property
    def waiting(self) -> dict[str, int]:
        return {
            "order": sum(1 for f, _ in self._orders if not f.done()),
            "data": sum(1 for f, _ in self._data if not f.done()),
        }

    # -- internals ---------------------------------------------------------------------
    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = (now - self._last_refill).total_seconds()
        self._last_refill = now
        if elapsed > 0:  # a clock set backwards refills nothing rather than draining
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate_per_s)

    def _may_take_now(self, kind: RequestKind, cost: float) -> bool:
        if self._has_waiting(self._orders):
            return False  # waiting orders go first, whatever arrives
        if kind == "order":
            return self._tokens >= cost
        return not self._has_waiting(self._data) and self._tokens >= cost + self.order_reserve

    def _take(self, kind: RequestKind, cost: float) -> None:
        self._tokens -= cost
        self.granted[kind] += 1

    @staticmethod
    def _has_waiting(queue: deque[tuple[asyncio.Future[None], float]]) -> bool:
        while queue and queue[0][0].done():  # cancelled waiters give their place up
            queue.popleft()
        return bool(queue)

    def _grant_ready(self) -> None:
        while self._has_waiting(self._orders) and self._tokens >= self._orders[0][1]:
            future, cost = self._orders.popleft()
            self._take("order", cost)
            future.set_result(None)
        if self._has_waiting(self._orders):
            return
        while self._has_waiting(self._data) and self._tokens >= self._data[0][1] + self.order_reserve:
            future, cost = self._data.popleft()
            self._take("data", cost)
            future.set_result(None)

    def _seconds_to_next_grant(self) -> float:
        if self._has_waiting(self._orders):
            needed = self._orders[0][1]
        else:
            needed = self._data[0][1] + self.order_reserve
        return max(_MIN_WAIT_S, (needed - self._tokens) / self.rate_per_s)

    def _ensure_pump(self) -> None:
        if self._pump_task is None or self._pump_task.done():
            self._pump_task = asyncio.create_task(self._pump(), name=f"rate-budget:{self.venue_id}")

    async def _pump(self) -> None:
        while True:
            self._refill()
            self._grant_ready()
            if not self._has_waiting(self._orders) and not self._has_waiting(self._data):
                return
            self._wake.clear()
            sleeper = asyncio.ensure_future(self._clock.sleep(self._seconds_to_next_grant()))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waker):
                    if not task.done():
                        task.cancel()
