"""Settled funding history for the markets that matter, fetched once each, behind the predictor.

The funding book charts only what it has observed since start-up, an hourly point at a time;
the predictor wants the lookback (a week by default). This service asks a venue for a market's
settled funding once, for the lookback, for the markets it is told matter (the legs of the
opportunities a scan lists, best first, and any market asked for by name), and hands the rows to
the book (`FundingBook.backfill`: history only, never the rate shown).

Traffic stays small and polite. A pass asks at most `max_requests` markets, at most `per_venue`
of them on one venue, one request at a time per venue, through the venue port, so a real venue's
guard and rate budget apply as to every other request. A failure backs off instead of being
asked again every pass: an unreachable venue waits `retry_s`, doubling up to `max_retry_s`, and
says so in one log line when it starts failing and one when it answers again; a malformed answer
backs off that market alone; a venue that offers no history is not asked again.

The book keeps backfilled rows older than its live points (SeriesHistory.merge), so the chart
and the predictor read one history: the book's.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import MalformedResponse, NotSupportedByVenue, UnknownSymbol
from nexus_tui.core.models import FundingRate
from nexus_tui.market.anomaly import screen
from nexus_tui.venues.health import backoff_s
from nexus_tui.venues.port import Venue

if TYPE_CHECKING:
    from nexus_tui.market.funding_book import FundingBook

log = logging.getLogger(__name__)

MarketKey = tuple[str, str]  # (venue, symbol)

# One request covers the lookback: a week of hourly settlements is 168 rows; no venue is asked
# for more than this in one answer.
MAX_ROWS_PER_REQUEST = 1000


@dataclass(slots=True)
class Backoff:
    """Consecutive failures of a venue or a market, and when it may be asked again."""

    failures: int = 0
    retry_at: datetime | None = None

    def waiting(self, now: datetime) -> bool:
        return self.retry_at is not None and now < self.retry_at


class HistoryBackfill:
    def __init__(
        self,
        book: FundingBook,
        venues: Mapping[str, Venue],
        clock: Clock,
        *,
        lookback_hours: float = 7 * 24.0,
        max_requests: int = 16,
        per_venue: int = 4,
        retry_s: float = 30.0,
        max_retry_s: float = 1800.0,
        on_loaded: Callable[[list[MarketKey]], None] | None = None,
    ) -> None:
        if max_requests < 1 or per_venue < 1:
            raise ValueError("max_requests and per_venue must be at least 1")
        self._book = book
        self._venues = venues  # the engine's own mapping: venues added later are seen
        self._clock = clock
        self.lookback_hours = float(lookback_hours)
        self.max_requests = max_requests
        self.per_venue = per_venue
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self._on_loaded = on_loaded
        self._wanted: tuple[MarketKey, ...] = ()
        self._requested: dict[MarketKey, None] = {}  # asked for by name: served first
        self._done: set[MarketKey] = set()
        self._in_flight: set[MarketKey] = set()
        self._venue_backoff: dict[str, Backoff] = {}
        self._market_backoff: dict[MarketKey, Backoff] = {}
        self._no_history: set[str] = set()  # venues that offer no funding history
        self.requests = 0  # history requests sent, ever

    # -- what matters --------------------------------------------------------------------------
    def want(self, keys: Iterable[MarketKey]) -> None:
        """The markets that matter now, most important first (replaces the previous list)."""
        self._wanted = tuple(dict.fromkeys(keys))

    def request(self, venue: str, symbol: str) -> None:
        """One market asked for by name (a market the trader opened): served before the others,
        the latest asked for first (what the trader is looking at now)."""
        key = (venue, symbol)
        if key not in self._done:
            self._requested.pop(key, None)
            self._requested[key] = None

    def set_lookback(self, hours: float) -> None:
        """A new lookback; a longer one fetches every market again (its older part is missing)."""
        if hours > self.lookback_hours:
            self._done.clear()
        self.lookback_hours = float(hours)

    def loaded(self, venue: str, symbol: str) -> bool:
        return (venue, symbol) in self._done

    def due(
        self, now: datetime | None = None, max_requests: int | None = None, per_venue: int | None = None
    ) -> list[MarketKey]:
        """The markets a pass would ask for now, in order: asked-for first (the latest first), then
        the wanted ones; none already fetched, in flight, backing off, or on a venue that is down
        or offers none."""
        now = self._clock.now() if now is None else now
        budget = self.max_requests if max_requests is None else max_requests
        cap = self.per_venue if per_venue is None else per_venue
        chosen: list[MarketKey] = []
        per: dict[str, int] = {}
        for key in (*reversed(self._requested), *self._wanted):
            if len(chosen) >= budget:
                break
            if key in self._done or key in self._in_flight or key in chosen:
                continue
            venue = key[0]
            count = per.get(venue, 0)
            if count >= cap or not self._may_ask(venue, now):
                continue
            backoff = self._market_backoff.get(key)
            if backoff is not None and backoff.waiting(now):
                continue
            chosen.append(key)
            per[venue] = count + 1
        return chosen

    def _may_ask(self, venue: str, now: datetime) -> bool:
        if venue not in self._venues or venue in self._no_history or self._book.is_venue_down(venue):
            return False
        backoff = self._venue_backoff.get(venue)
        return backoff is None or not backoff.waiting(now)

    # -- a pass --------------------------------------------------------------------------------
    async def run_pass(
        self, max_requests: int | None = None, *, per_venue: int | None = None, parallel: int = 1
    ) -> list[MarketKey]:
        """Ask for the markets that are due (see `due`); returns those whose history arrived.

        `parallel` requests at a time per venue (1 while the desk runs: history waits behind
        nothing else on the venue; the headless scan, which has nothing else to send, asks more)."""
        chosen = self.due(self._clock.now(), max_requests, per_venue)
        if not chosen:
            return []
        by_venue: dict[str, list[MarketKey]] = {}
        for key in chosen:
            by_venue.setdefault(key[0], []).append(key)
        self._in_flight.update(chosen)
        try:
            turns = await asyncio.gather(
                *(self._venue_turn(venue, keys, parallel) for venue, keys in by_venue.items())
            )
        finally:
            self._in_flight.difference_update(chosen)
        loaded = [key for turn in turns for key in turn]
        if loaded and self._on_loaded is not None:
            self._on_loaded(loaded)
        return loaded

    async def _venue_turn(self, venue_id: str, keys: list[MarketKey], parallel: int) -> list[MarketKey]:
        """One venue's share of a pass; a venue that fails stops being asked for the rest of it."""
        queue = deque(keys)
        loaded: list[MarketKey] = []

        async def worker() -> None:
            while queue and self._may_ask(venue_id, self._clock.now()):
                key = queue.popleft()
                if await self._fetch(key):
                    loaded.append(key)

        await asyncio.gather(*(worker() for _ in range(max(1, min(parallel, len(keys))))))
        return loaded

    async def _fetch(self, key: MarketKey) -> bool:
        """Ask for one market's settled funding and keep it; True when history arrived."""
        venue_id, symbol = key
        venue = self._venues.get(venue_id)
        if venue is None:
            return False
        self._requested.pop(key, None)
        now = self._clock.now()
        since = now - timedelta(hours=self.lookback_hours)
        limit = min(MAX_ROWS_PER_REQUEST, max(1, math.ceil(self.lookback_hours)))
        self.requests += 1
        try:
            answer = await venue.fetch_funding_history(symbol, since=since, limit=limit)
        except asyncio.CancelledError:
            raise
        except NotSupportedByVenue as exc:
            self._no_history.add(venue_id)
            log.info("%s offers no funding history (%s): its markets are not backfilled", venue_id, exc)
            return False
        except UnknownSymbol as exc:
            self._done.add(key)  # the venue answered: there is nothing to fetch
            log.info("funding history %s %s: %s", venue_id, symbol, exc)
            return False
        except MalformedResponse as exc:
            self._market_failed(key, str(exc))
            return False
        except Exception as exc:  # unreachable, or a venue that broke its port: back off, never crash
            self._venue_failed(venue_id, f"{type(exc).__name__}: {exc}")
            return False
        self._venue_answered(venue_id)
        rows = self._usable(key, answer, since)
        if rows is None:
            self._market_failed(key, "no usable row in the answer")
            return False
        self._market_backoff.pop(key, None)
        self._done.add(key)
        if not rows:
            return False  # nothing settled yet (a new listing): the book's own points will come
        self._book.backfill(rows)
        return True

    def _usable(self, key: MarketKey, answer: Any, since: datetime) -> list[FundingRate] | None:
        """The answer's rows for this market that pass the book's guard, oldest first, within
        the lookback; None when a non-empty answer has none (it is malformed)."""
        if not isinstance(answer, list):
            return None
        if not answer:
            return []
        now_s = self._clock.now().timestamp()
        rows: list[FundingRate] = []
        for raw in answer:
            if not isinstance(raw, FundingRate) or (raw.venue, raw.symbol) != key:
                continue
            screened = screen(raw, self._book.limits, now_s)
            if isinstance(screened, str):
                continue
            row = screened[0]
            if row.ts >= since:
                rows.append(row)
        if not rows and not any(isinstance(raw, FundingRate) and raw.ts < since for raw in answer):
            return None
        rows.sort(key=lambda row: row.ts)
        return rows

    # -- failures ------------------------------------------------------------------------------
    def _venue_failed(self, venue_id: str, reason: str) -> None:
        backoff = self._venue_backoff.setdefault(venue_id, Backoff())
        backoff.failures += 1
        wait = self._wait_s(backoff.failures)
        backoff.retry_at = self._clock.now() + timedelta(seconds=wait)
        if backoff.failures == 1:  # one line per outage, not one per market or per retry
            log.warning("funding history from %s unavailable (%s); retrying with backoff", venue_id, reason)
        else:
            log.debug("funding history from %s still unavailable; next try in %.0f s", venue_id, wait)

    def _venue_answered(self, venue_id: str) -> None:
        backoff = self._venue_backoff.pop(venue_id, None)
        if backoff is not None and backoff.failures:
            log.info("funding history from %s answers again", venue_id)

    def _market_failed(self, key: MarketKey, reason: str) -> None:
        backoff = self._market_backoff.setdefault(key, Backoff())
        backoff.failures += 1
        backoff.retry_at = self._clock.now() + timedelta(seconds=self._wait_s(backoff.failures))
        if backoff.failures == 1:
            log.warning("funding history %s %s malformed (%s); retrying with backoff", *key, reason)

    def _wait_s(self, failures: int) -> float:
        return backoff_s(self.retry_s, failures - 1, self.max_retry_s)

    def backing_off(self, venue: str) -> datetime | None:
        """When a failing venue is asked again (None: it is not backing off)."""
        backoff = self._venue_backoff.get(venue)
        return None if backoff is None else backoff.retry_at

    # -- reading -------------------------------------------------------------------------------
    def history(self, venue: str, symbol: str) -> list[tuple[datetime, float]]:
        """The market's history, oldest first (the predictor's history source): the book's, which
        holds the fetched settlements too."""
        return self._book.history(venue, symbol)
