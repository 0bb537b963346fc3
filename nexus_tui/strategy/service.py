"""The opportunity service: keeps the engine's ranked opportunities current as funding moves.

On "funding.updated" from the book it rescans (at most once per `min_interval_s`); every scan
also re-costs what went out of date with time. It loads markets (fees, spot listings) and
tickers (volume, open interest) on their own slower timers, and fetches order books only for
the legs of the best opportunities, so those are costed at size (SCORED) while the rest are
costed on fees and quoted spreads (DETECTED). Each scan is kept on `latest` and announced as
"opportunities.updated" (coalesced: a slow screen only ever sees the newest).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from nexus_tui.core.errors import NexusError
from nexus_tui.core.models import MarketInfo, OrderBook
from nexus_tui.strategy.models import Opportunity, ScanResult
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner

if TYPE_CHECKING:
    from nexus_tui.engine import Engine

log = logging.getLogger(__name__)

EVENT = "opportunities.updated"


class OpportunityService:
    def __init__(
        self,
        engine: Engine,
        params: StrategyParams | None = None,
        *,
        min_interval_s: float = 1.0,
        idle_rescan_s: float = 5.0,
        books_for_top: int = 20,
        book_depth: int = 20,
        book_max_age_s: float = 30.0,
        markets_every_s: float = 3600.0,
        tickers_every_s: float = 60.0,
        concurrency: int = 4,
    ) -> None:
        self.engine = engine
        self.scanner = Scanner(params)
        self.scanner.set_histories(engine.funding_book.history)
        self.min_interval_s = min_interval_s
        self.idle_rescan_s = idle_rescan_s
        self.books_for_top = books_for_top
        self.book_depth = book_depth
        self.book_max_age_s = book_max_age_s
        self.markets_every_s = markets_every_s
        self.tickers_every_s = tickers_every_s
        self._limit = asyncio.Semaphore(concurrency)
        # The scan may run in a worker thread; every use of the scanner holds this.
        self._lock = threading.Lock()
        self.latest: ScanResult | None = None
        self.scans = 0
        self._book_version = -1
        self._book_fetched: dict[tuple[str, str], datetime] = {}
        self._markets_at: datetime | None = None
        self._tickers_at: datetime | None = None
        self._books_at: datetime | None = None

    @property
    def params(self) -> StrategyParams:
        return self.scanner.params

    def set_params(self, params: StrategyParams) -> None:
        """A config change: everything is re-costed on the next scan."""
        with self._lock:
            self.scanner.set_params(params)

    # -- inputs ----------------------------------------------------------------------------
    async def refresh_markets(self) -> None:
        """Fees, precision and spot listings of every venue (slow-changing: hourly)."""
        markets: dict[tuple[str, str], MarketInfo] = {}
        for venue in list(self.engine.venues.values()):
            try:
                async with self._limit:
                    listed = await venue.load_markets()
            except NexusError as exc:
                log.warning("markets of %s unavailable: %s", venue.id, exc)
                continue
            for symbol, market in listed.items():
                markets[(venue.id, symbol)] = market
        with self._lock:
            self.scanner.update_markets(markets)
        self._markets_at = self.engine.clock.now()

    async def refresh_tickers(self) -> None:
        """24 h volume and open interest for eligibility."""
        for venue in list(self.engine.venues.values()):
            try:
                async with self._limit:
                    tickers = await venue.fetch_tickers()
            except NexusError as exc:
                log.warning("tickers of %s unavailable: %s", venue.id, exc)
                continue
            with self._lock:
                self.scanner.update_tickers(tickers)
        self._tickers_at = self.engine.clock.now()

    async def refresh_books(self, opportunities: Iterable[Opportunity] | None = None) -> int:
        """Order books for the legs of the best opportunities; returns how many were fetched."""
        if opportunities is None:
            opportunities = self.latest.opportunities[: self.books_for_top] if self.latest else ()
        wanted: list[tuple[str, str]] = []
        for opp in opportunities:
            for leg in (opp.long, opp.short):
                key = (leg.venue, leg.symbol)
                if key not in wanted:
                    wanted.append(key)
        books = await asyncio.gather(*(self._fetch_book(venue, symbol) for venue, symbol in wanted))
        fetched = [book for book in books if book is not None]
        with self._lock:
            self.scanner.update_order_books(fetched)
        now = self.engine.clock.now()
        for book in fetched:
            self._book_fetched[(book.venue, book.symbol)] = now
        self._books_at = now
        return len(fetched)

    async def _fetch_book(self, venue_id: str, symbol: str) -> OrderBook | None:
        venue = self.engine.venues.get(venue_id)
        if venue is None:
            return None
        try:
            async with self._limit:
                return await venue.fetch_order_book(symbol, self.book_depth)
        except NexusError as exc:
            log.info("order book %s %s unavailable: %s", venue_id, symbol, exc)
            return None

    def _drop_old_books(self, now: datetime) -> None:
        """A book older than book_max_age_s no longer says what a fill would cost."""
        old = [k for k, at in self._book_fetched.items() if (now - at).total_seconds() > self.book_max_age_s]
        for key in old:
            del self._book_fetched[key]
        self.scanner.drop_order_books(old)

    # -- scanning ----------------------------------------------------------------------------
    def rescan(self) -> ScanResult:
        """Fold in what changed in the funding book and venue health, scan, and announce it."""
        now = self._fold_in()
        with self._lock:
            result = self.scanner.scan(now)
        return self._publish(result)

    async def rescan_async(self) -> ScanResult:
        """`rescan`, with the scan itself in a worker thread so the event loop (and the screens
        sharing it) keeps running while a large scan is costed."""
        now = self._fold_in()
        result = await asyncio.to_thread(self._scan_locked, now)
        return self._publish(result)

    def _scan_locked(self, now: datetime) -> ScanResult:
        with self._lock:
            return self.scanner.scan(now)

    def _fold_in(self) -> datetime:
        """Read the book and the venues' health (on the event loop, where they are written)."""
        engine = self.engine
        book = engine.funding_book
        now = engine.clock.now()
        with self._lock:
            if book.version != self._book_version:
                self._book_version = book.version
                self.scanner.update_quotes(book.quotes())
            self.scanner.update_health([venue.health() for venue in engine.venues.values()])
            self._drop_old_books(now)
        return now

    def _publish(self, result: ScanResult) -> ScanResult:
        self.latest = result
        self.scans += 1
        top = result.opportunities[0] if result.opportunities else None
        message = f"{len(result.opportunities)} opportunities"
        if top is not None:
            message += f"; best {top.symbol} long {top.long.venue} short {top.short.venue} UOS {top.uos:.0f}"
        self.engine.emit(
            EVENT,
            message,
            coalesce_key=EVENT,
            count=len(result.opportunities),
            as_of=result.as_of,
            top=[o.id for o in result.opportunities[:10]],
            expired=[e.id for e in result.expired if e.expired_at == result.as_of],
        )
        return result

    async def scan_once(self, fetch_books: bool = True) -> ScanResult:
        """One complete pass for headless use: markets, tickers, scan, books for the best, rescan."""
        await self.refresh_markets()
        await self.refresh_tickers()
        result = await self.rescan_async()
        if fetch_books and result.opportunities:
            await self.refresh_books()
            result = await self.rescan_async()
        return result

    def explain(self, asset: str) -> tuple[Opportunity, ...]:
        """Why the obvious trades on `asset` (a base asset or symbol) are not listed, now."""
        with self._lock:
            return self.scanner.explain(asset, self.engine.clock.now())

    # -- the engine service --------------------------------------------------------------------
    async def run(self, engine: Engine) -> None:
        clock = engine.clock
        events = engine.funding_book.subscribe()
        try:
            await self.scan_once()
            last = clock.now()
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns the event and
                # drops a cancellation that arrives with it, and this loop would then outlive
                # engine.stop() (which waits for it) by running on in idle_rescan_s naps.
                try:
                    async with asyncio.timeout(self.idle_rescan_s):
                        await events.get()
                except TimeoutError:
                    pass
                events.drain()  # however many arrived, one rescan covers them
                wait = self.min_interval_s - (clock.now() - last).total_seconds()
                if wait > 0:
                    await clock.sleep(wait)
                    events.drain()
                await self._refresh_due()
                await self.rescan_async()
                if self._due(self._books_at, self.book_max_age_s / 2):
                    await self.refresh_books()
                    await self.rescan_async()
                last = clock.now()
        finally:
            events.close()

    async def _refresh_due(self) -> None:
        if self._due(self._markets_at, self.markets_every_s):
            await self.refresh_markets()
        if self._due(self._tickers_at, self.tickers_every_s):
            await self.refresh_tickers()

    def _due(self, last: datetime | None, every_s: float) -> bool:
        return last is None or (self.engine.clock.now() - last).total_seconds() >= every_s
