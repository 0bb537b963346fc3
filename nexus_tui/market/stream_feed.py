"""One venue's funding pushed live into the FundingBook, with REST polling as fallback and safety net.

While the venue's websocket stream is live, its rows go straight into the book and the REST poll
(still run by FundingRefresher) slows to a safety net: it keeps the venue's interval discovery
and market list current and fills the symbols the stream has not delivered lately, while rows
for symbols the stream covers are left out, so nothing reaches the book twice. When the stream
fails, times out or falls silent, the REST poll returns to its normal pace at once, and the
stream is retried with exponential backoff until it answers again.

Streams push far more often than a quote changes (Bybit on every ticker change): a row whose
rate and next settlement are unchanged is published at most once per `republish_s`, so the book
sees what REST polling would have shown, only sooner when something moved. A stream that does
not say when the next settlement is (Gate's tickers, Paradex) keeps the one the REST poll last
reported, while it is still ahead.

Health is the stream's own business: venues/ccxt_stream.py reports its failures and its rows to
the venue's guard on the websocket path (VenueGuard.record_failure / record_success, which spend
no REST rate token), so a stream that delivers again restores a venue its failures degraded.
Marking the venue's funding API down in the book stays with the REST poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import VenueError
from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FetchRates
from nexus_tui.venues.health import backoff_s

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class FundingStream(Protocol):
    """A venue's live funding (CcxtFundingStream): open, read until it fails, close."""

    @property
    def venue_id(self) -> str: ...

    async def open(self) -> None: ...

    async def next_rows(self) -> Sequence[FundingRate]:
        """Rows that arrived since the last call; raises VenueError when the stream failed."""
        ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class StreamStats:
    batches: int = 0  # answers read from the stream
    published: int = 0  # stream rows ingested into the book
    coalesced: int = 0  # stream rows held back: nothing changed since the last one published
    rest_rows_left_out: int = 0  # REST rows dropped because the stream covers their symbol
    failures: int = 0
    connects: int = 0  # times the stream went live


class StreamedFunding:
    """Runs one venue's funding stream into `book`; `fetch_rest` is the venue's feed for the
    FundingRefresher. `on_live(True/False)` is told when the stream goes live or drops (the
    refresher's poll interval follows it)."""

    def __init__(
        self,
        stream: FundingStream,
        book: FundingBook,
        clock: Clock,
        rest_fetch: FetchRates,
        *,
        republish_s: float = 5.0,
        covered_s: float = 15.0,
        retry_s: float = 2.0,
        max_retry_s: float = 120.0,
        on_live: Callable[[bool], object] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if republish_s <= 0 or covered_s <= 0 or retry_s <= 0 or max_retry_s < retry_s:
            raise ValueError("stream timings must be positive, max_retry_s at least retry_s")
        self.stream = stream
        self.book = book
        self.clock = clock
        self.rest_fetch = rest_fetch
        self.republish_s = republish_s
        self.covered_s = covered_s
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.on_live = on_live
        # Backoff between attempts is real time: it paces reconnections to a real server,
        # whatever clock (simulated, accelerated) drives the desk.
        self._sleep = sleep
        self.live = False
        self.last_error = ""
        self.stats = StreamStats()
        # symbol -> (rate, next settlement, clock seconds it was published) of the last row
        self._published: dict[str, tuple[Decimal, datetime | None, float]] = {}
        self._streamed_at: dict[str, float] = {}  # symbol -> clock seconds the stream last had it
        self._next_from_rest: dict[str, datetime] = {}

    @property
    def venue_id(self) -> str:
        return self.stream.venue_id

    # -- the service ---------------------------------------------------------------------
    async def run(self, engine: object = None) -> None:
        """Keep the stream live for ever, falling back to REST while it is not (an Engine
        service; cancel to stop: the stream is closed)."""
        attempt = 0
        try:
            while True:
                try:
                    await self.stream.open()
                    while True:
                        rows = await self.stream.next_rows()
                        if not self.live:
                            attempt = 0
                            self._went_live()
                        self.stats.batches += 1
                        self._publish(rows)
                except asyncio.CancelledError:
                    raise
                except VenueError as exc:
                    self._dropped(str(exc))
                except Exception as exc:  # an adapter bug must not end the venue's stream for good
                    log.exception("%s: funding stream failed unexpectedly", self.venue_id)
                    self._dropped(f"unexpected {type(exc).__name__}: {exc}")
                delay = backoff_s(self.retry_s, attempt, self.max_retry_s)
                attempt += 1
                await self._sleep(delay)
        finally:
            await self.stream.close()

    def _went_live(self) -> None:
        self.live = True
        self.stats.connects += 1
        if self.last_error:
            log.info("%s: funding stream live again", self.venue_id)
        self.last_error = ""
        if self.on_live is not None:
            self.on_live(True)

    def _dropped(self, reason: str) -> None:
        self.stats.failures += 1
        was_live, self.live = self.live, False
        if reason != self.last_error:
            log.warning("%s: funding stream down, polling REST: %s", self.venue_id, reason)
        self.last_error = reason
        if was_live and self.on_live is not None:
            self.on_live(False)

    # -- publishing ----------------------------------------------------------------------
    def _publish(self, rows: Sequence[FundingRate]) -> None:
        now_s = self.clock.now().timestamp()
        fresh: list[FundingRate] = []
        published = self._published
        for row in rows:
            symbol = row.symbol
            self._streamed_at[symbol] = now_s
            if row.next_funding_ts is None:
                kept = self._next_from_rest.get(symbol)
                if kept is not None and kept.timestamp() > now_s:
                    row = replace(row, next_funding_ts=kept)
            last = published.get(symbol)
            if (
                last is not None
                and last[0] == row.rate
                and last[1] == row.next_funding_ts
                and now_s - last[2] < self.republish_s
            ):
                self.stats.coalesced += 1
                continue
            published[symbol] = (row.rate, row.next_funding_ts, now_s)
            fresh.append(row)
        if fresh:
            self.book.ingest(fresh)
            self.stats.published += len(fresh)

    async def fetch_rest(self) -> list[FundingRate]:
        """The venue's REST poll: every row while the stream is down; while it is live, only
        the symbols the stream has not delivered within `covered_s`."""
        rows = await self.rest_fetch()
        next_from_rest = self._next_from_rest
        for row in rows:
            if row.next_funding_ts is not None:
                next_from_rest[row.symbol] = row.next_funding_ts
        now_s = self.clock.now().timestamp()
        if not self.live:
            published = self._published
            for row in rows:
                published[row.symbol] = (row.rate, row.next_funding_ts, now_s)
            return list(rows)
        horizon = now_s - self.covered_s
        streamed_at = self._streamed_at
        gaps = [row for row in rows if streamed_at.get(row.symbol, float("-inf")) < horizon]
        self.stats.rest_rows_left_out += len(rows) - len(gaps)
        return gaps


__all__ = ["FundingStream", "StreamStats", "StreamedFunding"]
