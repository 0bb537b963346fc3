"""The engine's funding refresh service: polls every funding feed on its own interval into the book.

A feed is a venue's own API (primary: its failures decide whether the venue is marked down, and
then ArbitrageScanner's rates stand in) or the secondary aggregator (ArbitrageScanner: its
failures only make its rows age). One scheduler loop sleeps on the injected clock until the
next feed is due, so a simulated or accelerated clock drives it exactly, and a slow or hanging
venue never holds up the others (each fetch runs concurrently under a timeout).
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
from nexus_tui.venues.port import Venue

log = logging.getLogger(__name__)

FetchRates = Callable[[], Awaitable[Sequence[FundingRate]]]


@dataclass(slots=True)
class FeedState:
    name: str
    fetch: FetchRates
    interval_s: float
    venue: str | None  # the venue whose health this feed decides; None for the secondary source
    failures: int = 0
    next_due_s: float = float("-inf")  # epoch seconds on the book's clock
    last_error: str = ""
    last_report: IngestReport | None = None


class FundingRefresher:
    def __init__(
        self,
        book: FundingBook,
        clock: Clock,
        *,
        interval_s: float = 5.0,
        timeout_s: float = 10.0,
        down_after_failures: int = 2,
        max_backoff_s: float = 60.0,
        stale_check_s: float = 5.0,
        before_refresh: Callable[[], object] | None = None,
    ) -> None:
        """`before_refresh` runs before each pass: it brings a simulated market up to the clock."""
        if interval_s <= 0 or timeout_s <= 0 or down_after_failures < 1:
            raise ValueError("refresh interval and timeout must be positive, failures at least 1")
        self.book = book
        self.clock = clock
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.down_after_failures = down_after_failures
        self.max_backoff_s = max_backoff_s
        self.stale_check_s = stale_check_s
        self.before_refresh = before_refresh
        self.feeds: dict[str, FeedState] = {}

    def add_venue(self, venue: Venue, interval_s: float | None = None) -> None:
        """Poll `venue.fetch_funding_rates()` as the authoritative source for that venue."""
        self._add(FeedState(venue.id, venue.fetch_funding_rates, interval_s or self.interval_s, venue.id))

    def add_secondary(self, name: str, fetch: FetchRates, interval_s: float | None = None) -> None:
        """Poll a secondary source (ArbitrageScanner); its rows must carry source=SECONDARY."""
        self._add(FeedState(name, fetch, interval_s or self.interval_s, None))

    def _add(self, feed: FeedState) -> None:
        if feed.name in self.feeds:
            raise ValueError(f"funding feed {feed.name!r} already added")
        self.feeds[feed.name] = feed

    # -- one pass ------------------------------------------------------------------------
    async def refresh_all(self) -> dict[str, IngestReport | None]:
        """Fetch every feed once, concurrently (the headless `funding` command uses this)."""
        return await self._refresh(list(self.feeds.values()))

    async def _refresh(self, feeds: list[FeedState]) -> dict[str, IngestReport | None]:
        if self.before_refresh is not None:
            self.before_refresh()
        reports = await asyncio.gather(*(self._refresh_one(feed) for feed in feeds))
        self.book.check_stale()
        return {feed.name: report for feed, report in zip(feeds, reports, strict=True)}

    async def _refresh_one(self, feed: FeedState) -> IngestReport | None:
        try:
            rows = await asyncio.wait_for(feed.fetch(), self.timeout_s)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self._failed(feed, f"no answer within {self.timeout_s:g} s")
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
        feed.next_due_s = self._now_s() + feed.interval_s
        if feed.venue is not None:
            self.book.mark_venue_down(feed.venue, False)
        report = self.book.ingest(rows)
        feed.last_report = report
        return report

    def _failed(self, feed: FeedState, reason: str) -> None:
        feed.failures += 1
        feed.last_error = reason
        backoff = min(feed.interval_s * 2 ** (feed.failures - 1), max(self.max_backoff_s, feed.interval_s))
        feed.next_due_s = self._now_s() + backoff
        if feed.failures == 1:
            log.warning("funding feed %s failed: %s", feed.name, reason)
        if feed.venue is not None and feed.failures >= self.down_after_failures:
            self.book.mark_venue_down(feed.venue, True)

    # -- the service ---------------------------------------------------------------------
    async def run(self, engine: object = None) -> None:
        """Refresh each feed when it is due, for ever (an Engine service; cancel to stop)."""
        while True:
            now_s = self._now_s()
            due = [feed for feed in self.feeds.values() if feed.next_due_s <= now_s]
            if due:
                await self._refresh(due)
            else:
                self.book.check_stale()
            await self.clock.sleep(self._seconds_to_next())

    def _seconds_to_next(self) -> float:
        now_s = self._now_s()
        next_due = min((feed.next_due_s for feed in self.feeds.values()), default=now_s + self.stale_check_s)
        # Wake at least every stale_check_s so a venue that went quiet is reported stale.
        return max(0.0, min(next_due - now_s, self.stale_check_s))

    def _now_s(self) -> float:
        return self.clock.now().timestamp()


__all__ = ["FeedState", "FetchRates", "FundingRefresher"]
