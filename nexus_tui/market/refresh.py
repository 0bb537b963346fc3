"""The engine's funding refresh service: polls every funding feed on its own interval into the book.

A feed is a venue's own API (primary: its failures decide whether the venue is marked down, and
then ArbitrageScanner's rates stand in) or the secondary aggregator (ArbitrageScanner: its
failures only make its rows age).

Each feed keeps its own schedule: its interval, its deadline, its failure count and back-off.
One scheduler sleeps on the injected clock until the next feed is due and starts every due feed
as a task of its own without waiting for it, so a slow or hanging venue is refreshed at its own
pace while the others carry on at theirs; a feed still in flight is not started again. The
scheduler is one loop, not one per feed, because a simulated clock (ManualClock) moves when
someone sleeps on it: several sleepers would each push the shared time forward.

Two timeouts meet here. Each request a venue sends is timed out by its VenueGuard
(data.request_timeout_seconds), which counts the timeout towards opening the venue's circuit.
The refresher's own deadline for a whole feed is only a backstop, and it is derived from the
request timeout to be strictly longer (feed_timeout_s): were it the same or shorter, it would
cancel the hanging request first, a cancellation tells the guard nothing, and a venue that hangs
would never turn DEGRADED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import VenueError
from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import FundingBook, IngestReport
from nexus_tui.venues.health import REQUEST_TIMEOUT_S, backoff_s
from nexus_tui.venues.port import Venue

log = logging.getLogger(__name__)

FetchRates = Callable[[], Awaitable[Sequence[FundingRate]]]

# A feed's deadline = request timeout x FEED_TIMEOUT_FACTOR + FEED_SLACK_S. The factor is above 1
# so the guard's timeout fires (and is counted) first; the slack covers our own work before the
# request leaves (loading and parsing markets, the interval listing, the rate budget's wait),
# which is not on the guard's clock. Both are kept low because an on-demand pass (refresh_all, the
# `funding` command) waits for its slowest feed: 16 s by default, inside data.stale_after_seconds.
FEED_TIMEOUT_FACTOR = 1.5
FEED_SLACK_S = 1.0


def feed_timeout_s(request_timeout_s: float) -> float:
    """The refresher's deadline for one feed whose requests time out after `request_timeout_s`."""
    if request_timeout_s <= 0:
        raise ValueError("request_timeout_s must be positive")
    return request_timeout_s * FEED_TIMEOUT_FACTOR + FEED_SLACK_S


@dataclass(slots=True)
class FeedState:
    name: str
    fetch: FetchRates
    interval_s: float
    venue: str | None  # the venue whose health this feed decides; None for the secondary source
    timeout_s: float  # the backstop deadline of one fetch (real seconds)
    failures: int = 0
    next_due_s: float = float("-inf")  # epoch seconds on the book's clock
    # After a failure the feed is asked again `retry_delay_s` later, up to `retry_attempts` times
    # in a row, before it backs off (the secondary source's data.arbitragescanner.retry_*).
    retry_attempts: int = 0
    retry_delay_s: float = 0.0
    last_error: str = ""
    last_report: IngestReport | None = None


class FundingRefresher:
    def __init__(
        self,
        book: FundingBook,
        clock: Clock,
        *,
        interval_s: float = 5.0,
        timeout_s: float | None = None,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        down_after_failures: int = 2,
        max_backoff_s: float = 60.0,
        stale_check_s: float = 5.0,
        before_refresh: Callable[[], object] | None = None,
    ) -> None:
        """`request_timeout_s` is the timeout of one venue request (the venues' guards use it);
        each feed's deadline is derived from it, or from the feed's own guard when it has one.
        `timeout_s` fixes one deadline for every feed instead (it must still exceed each
        guard's). `before_refresh` runs before feeds are fetched: it brings a simulated market up to
        the clock."""
        timeouts = (request_timeout_s,) if timeout_s is None else (request_timeout_s, timeout_s)
        if interval_s <= 0 or min(timeouts) <= 0 or down_after_failures < 1:
            raise ValueError("refresh interval and timeouts must be positive, failures at least 1")
        self.book = book
        self.clock = clock
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.request_timeout_s = request_timeout_s
        self.down_after_failures = down_after_failures
        self.max_backoff_s = max_backoff_s
        self.stale_check_s = stale_check_s
        self.before_refresh = before_refresh
        self.feeds: dict[str, FeedState] = {}
        # Each feed's fetch while it runs; a feed in here is not started again.
        self._in_flight: dict[str, asyncio.Task[IngestReport | None]] = {}
        # Set while the scheduler sleeps: a fetch that lands wakes it to reschedule.
        self._wake: asyncio.Future[None] | None = None

    def add_venue(
        self, venue: Venue, interval_s: float | None = None, fetch: FetchRates | None = None
    ) -> None:
        """Poll `venue.fetch_funding_rates()` as the authoritative source for that venue.
        `fetch` polls that instead (a streamed venue's REST side: market/stream_feed.py)."""
        guard = getattr(venue, "guard", None)  # CcxtVenue's VenueGuard; a simulated venue has none
        request_timeout_s = getattr(guard, "timeout_s", None)
        timeout_s = self._deadline(venue.id, request_timeout_s)
        interval = interval_s or self.interval_s
        self._add(FeedState(venue.id, fetch or venue.fetch_funding_rates, interval, venue.id, timeout_s))

    def set_interval(self, name: str, interval_s: float, *, due_now: bool = False) -> None:
        """Poll feed `name` every `interval_s` from now on (a streamed venue's REST poll slows
        while its stream is live); `due_now` polls it at once (the stream just dropped), unless
        it is backing off after failures."""
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        feed = self.feeds[name]
        feed.interval_s = interval_s
        if due_now and not feed.failures:
            feed.next_due_s = min(feed.next_due_s, self._now_s())
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def add_secondary(
        self,
        name: str,
        fetch: FetchRates,
        interval_s: float | None = None,
        request_timeout_s: float | None = None,
        *,
        retry_attempts: int = 0,
        retry_delay_s: float = 1.0,
    ) -> None:
        """Poll a secondary source (ArbitrageScanner); its rows must carry source=SECONDARY.
        `request_timeout_s`: the timeout of the source's own guard, when not the refresher's.
        A failed fetch is asked again `retry_delay_s` later, up to `retry_attempts` times in a
        row; after that the feed backs off as any other does."""
        if retry_attempts < 0 or retry_delay_s <= 0:
            raise ValueError("retry_attempts must be at least 0 and retry_delay_s positive")
        timeout_s = self._deadline(name, request_timeout_s)
        feed = FeedState(
            name,
            fetch,
            interval_s or self.interval_s,
            None,
            timeout_s,
            retry_attempts=retry_attempts,
            retry_delay_s=retry_delay_s,
        )
        self._add(feed)

    def _deadline(self, name: str, request_timeout_s: float | None) -> float:
        if self.timeout_s is None:
            return feed_timeout_s(request_timeout_s or self.request_timeout_s)
        if request_timeout_s is not None and self.timeout_s <= request_timeout_s:
            raise ValueError(
                f"funding feed {name!r}: a deadline of {self.timeout_s:g} s would cancel requests "
                f"its guard times out after {request_timeout_s:g} s; it must be longer"
            )
        return self.timeout_s

    def _add(self, feed: FeedState) -> None:
        if feed.name in self.feeds:
            raise ValueError(f"funding feed {feed.name!r} already added")
        self.feeds[feed.name] = feed

    # -- one pass ------------------------------------------------------------------------
    async def refresh_all(self) -> dict[str, IngestReport | None]:
        """Fetch every feed once, concurrently, and return when each has answered or timed out
        (the headless `funding` and `record` commands use this). A feed the running service
        already has in flight is waited for, not asked twice."""
        if self.before_refresh is not None:
            self.before_refresh()
        feeds = list(self.feeds.values())
        ours = [self._launch(feed) for feed in feeds if feed.name not in self._in_flight]
        fetches = [self._in_flight[feed.name] for feed in feeds]
        if fetches:
            try:
                await asyncio.wait(fetches)
            except asyncio.CancelledError:
                for fetch in ours:
                    fetch.cancel()
                if ours:
                    await asyncio.wait(ours)
                raise
        self.book.check_stale()
        return {feed.name: _report(fetch) for feed, fetch in zip(feeds, fetches, strict=True)}

    def _launch(self, feed: FeedState) -> asyncio.Task[IngestReport | None]:
        """Start one fetch of `feed` as a task of its own; the scheduler does not wait for it."""
        fetch = asyncio.create_task(
            self._refresh_one(feed, self._now_s()), name=f"funding.refresh:{feed.name}"
        )
        self._in_flight[feed.name] = fetch
        fetch.add_done_callback(lambda done: self._landed(feed.name, done))
        return fetch

    def _landed(self, name: str, fetch: asyncio.Task[IngestReport | None]) -> None:
        if self._in_flight.get(name) is fetch:
            del self._in_flight[name]
        if not fetch.cancelled() and fetch.exception() is not None:
            log.error("funding feed %s stopped", name, exc_info=fetch.exception())
        # The feed's next due time moved: the scheduler recomputes its wake-up.
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _refresh_one(self, feed: FeedState, started_s: float) -> IngestReport | None:
        try:
            # asyncio.timeout runs the fetch inside this task (wait_for would start another), so
            # the request leaves before the scheduler's next sleep moves a simulated clock on.
            async with asyncio.timeout(feed.timeout_s):
                rows = await feed.fetch()
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self._failed(feed, f"no answer within {feed.timeout_s:g} s")
            return None
        except VenueError as exc:
            self._failed(feed, str(exc))
            return None
        except Exception as exc:  # an adapter bug must not stop the other venues' refresh
            log.exception("funding feed %s failed unexpectedly", feed.name)
            self._failed(feed, f"unexpected {type(exc).__name__}: {exc}")
            return None
        if feed.failures:
            log.info("funding feed %s answered again after %d failure(s)", feed.name, feed.failures)
        feed.failures = 0
        feed.last_error = ""
        # Start to start, so a feed's refreshes keep to its interval however long each takes; one
        # slower than its interval is simply due again as soon as it lands.
        feed.next_due_s = started_s + feed.interval_s
        if feed.venue is not None:
            self.book.mark_venue_down(feed.venue, False)
        report = self.book.ingest(rows)
        feed.last_report = report
        return report

    def _failed(self, feed: FeedState, reason: str) -> None:
        feed.failures += 1
        feed.last_error = reason
        # Backing off is counted from the failure, so a hang's own wait is not part of the pause.
        if feed.failures <= feed.retry_attempts:
            feed.next_due_s = self._now_s() + feed.retry_delay_s
        else:
            backoffs = feed.failures - feed.retry_attempts - 1
            feed.next_due_s = self._now_s() + backoff_s(feed.interval_s, backoffs, self.max_backoff_s)
        if feed.failures == 1:
            log.warning("funding feed %s failed: %s", feed.name, reason)
        if feed.venue is not None and feed.failures >= self.down_after_failures:
            self.book.mark_venue_down(feed.venue, True)

    # -- the service ---------------------------------------------------------------------
    async def run(self, engine: object = None) -> None:
        """Start each feed's fetch when it is due, for ever (an Engine service; cancel to stop:
        the fetches in flight are cancelled with it)."""
        try:
            while True:
                due = [feed for feed in self._idle() if feed.next_due_s <= self._now_s()]
                if due:
                    if self.before_refresh is not None:
                        self.before_refresh()
                    for feed in due:
                        self._launch(feed)
                    # Let the fetches send their requests (and a quick one land) before the
                    # clock moves on.
                    await asyncio.sleep(0)
                self.book.check_stale()
                await self._nap(self._seconds_to_next())
        finally:
            await self._cancel_in_flight()

    def _idle(self) -> list[FeedState]:
        return [feed for feed in self.feeds.values() if feed.name not in self._in_flight]

    def _seconds_to_next(self) -> float:
        now_s = self._now_s()
        next_due = min((feed.next_due_s for feed in self._idle()), default=now_s + self.stale_check_s)
        # Wake at least every stale_check_s so a venue that went quiet is reported stale.
        return max(0.0, min(next_due - now_s, self.stale_check_s))

    async def _nap(self, seconds: float) -> None:
        """Sleep `seconds` of clock time, or less if a fetch lands first (its feed's next due
        time may be sooner than the planned wake-up)."""
        self._wake = asyncio.get_running_loop().create_future()
        sleep = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait((sleep, self._wake), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._wake = None
            if not sleep.done():
                sleep.cancel()
                await asyncio.wait((sleep,))

    async def _cancel_in_flight(self) -> None:
        fetches = list(self._in_flight.values())
        for fetch in fetches:
            fetch.cancel()
        if fetches:
            await asyncio.wait(fetches)

    def _now_s(self) -> float:
        return self.clock.now().timestamp()


def _report(fetch: asyncio.Task[IngestReport | None]) -> IngestReport | None:
    """A fetch's report; None for one cancelled under us (the engine stopping mid-fetch)."""
    return None if fetch.cancelled() else fetch.result()


__all__ = [
    "FEED_SLACK_S",
    "FEED_TIMEOUT_FACTOR",
    "FeedState",
    "FetchRates",
    "FundingRefresher",
    "feed_timeout_s",
]
