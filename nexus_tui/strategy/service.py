"""The opportunity service: keeps the engine's ranked opportunities current as funding moves.

On "funding.updated" from the book it rescans (at most once per `min_interval_s`); every scan
also re-costs what went out of date with time. It loads markets (fees, spot listings) and
tickers (volume, open interest) on their own slower timers, and fetches order books only for
the legs of the best opportunities, so those are costed at size (SCORED) while the rest are
costed on fees and quoted spreads (DETECTED). Each scan is kept on `latest` and announced as
"opportunities.updated" (coalesced: a slow screen only ever sees the newest).

Book freshness and a steady state. A book older than `book_max_age_s` (on the engine's clock, the
clock the market moves on) is dropped: it no longer says what a fill costs. Each cycle re-fetches
the books it holds for the best opportunities once they are `book_refresh_after_s` old, and it
does so *before* the scan that would drop them. So however far the clock moves between two
cycles (at `--speed 100` a cycle can span more than the max age), a book still wanted is replaced
before it can age out, and a row never reads DETECTED between two SCORED scans. A scan that falls
inside a fetch (not the cycle's own) keeps the old book until the new one lands or the fetch fails.
Hysteresis keeps the state from following every small move of the ranking (see `books_wanted`).
What still turns a row DETECTED is real: its book fetch failed past the max age, or it left the
best for good (below `books_keep_top`, or gone for longer than the scanner remembers it).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from nexus_tui.core.errors import NexusError
from nexus_tui.core.models import MarketInfo, MarketKind, OrderBook, split_symbol
from nexus_tui.market.history_backfill import HistoryBackfill
from nexus_tui.strategy.models import LegRow, Opportunity, ScanResult
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner

if TYPE_CHECKING:
    from nexus_tui.engine import Engine
    from nexus_tui.venues.port import Venue

log = logging.getLogger(__name__)

EVENT = "opportunities.updated"

MarketKey = tuple[str, str]  # (venue, symbol)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AssetExplanation:
    """What the engine makes of one base asset now: its listed trades and the obvious ones it does
    not list, each with the reasons (the trader's "why not?")."""

    asset: str  # the base asset (what was asked, upper-cased, a symbol reduced to its base)
    as_of: datetime
    venues: tuple[str, ...]  # venues with a perp of it in the scanner (empty: not known)
    listed: tuple[Opportunity, ...]  # its viable trades in the latest scan, best first
    rejected: tuple[Opportunity, ...]  # the obvious trades that are not viable; `.reasons` says why

    @property
    def known(self) -> bool:
        return bool(self.venues)


def asset_of(text: str) -> str:
    """`btc`, `BTC`, `BTC/USDT:USDT` -> `BTC` (the scanner keys assets by their base, upper case)."""
    text = text.strip().upper()
    return split_symbol(text)[0] if "/" in text else text


class OpportunityService:
    def __init__(
        self,
        engine: Engine,
        params: StrategyParams | None = None,
        *,
        min_interval_s: float = 1.0,
        idle_rescan_s: float = 5.0,
        books_for_top: int = 20,
        books_keep_top: int | None = None,
        book_depth: int = 20,
        book_max_age_s: float = 30.0,
        book_refresh_after_s: float | None = None,
        markets_every_s: float = 3600.0,
        tickers_every_s: float = 60.0,
        concurrency: int = 4,
    ) -> None:
        self.engine = engine
        self.scanner = Scanner(params)
        # Settled funding for the listed legs, fetched once each, so the predictor has the
        # lookback to go on from the first minutes (the book alone only has what it saw since
        # start-up); its `history` is the book's, preceded by what was fetched.
        self.history = HistoryBackfill(
            engine.funding_book,
            engine.venues,
            engine.clock,
            lookback_hours=self.scanner.params.history_lookback_hours,
            on_loaded=self._history_arrived,
        )
        self.scanner.set_histories(self.history.history)
        self.min_interval_s = min_interval_s
        self.idle_rescan_s = idle_rescan_s
        self.books_for_top = books_for_top
        # Hysteresis on rank: a book is first fetched for an opportunity in the best
        # `books_for_top`, and kept fresh while it stays in the best `books_keep_top`. With one
        # edge, a row walked at rank 20 that the book's true cost pushed to 21 would age back
        # to DETECTED, look cheaper, climb back to 20 and be fetched again, over and over.
        self.books_keep_top = 2 * books_for_top if books_keep_top is None else books_keep_top
        self.book_depth = book_depth
        self.book_max_age_s = book_max_age_s
        # Half the max age: a book is replaced with a whole half-life to spare, so even a fetch
        # that is slow (or a cycle that comes late) lands before the old book would be dropped.
        self.book_refresh_after_s = (
            book_max_age_s / 2 if book_refresh_after_s is None else book_refresh_after_s
        )
        self.markets_every_s = markets_every_s
        self.tickers_every_s = tickers_every_s
        self._limit = asyncio.Semaphore(concurrency)
        # The scan may run in a worker thread; every use of the scanner holds this.
        self._lock = threading.Lock()
        self.latest: ScanResult | None = None
        self.scans = 0
        self._book_version = -1
        self._book_fetched: dict[MarketKey, datetime] = {}  # when each held book arrived
        self._book_asked: dict[MarketKey, datetime] = {}  # when it was last asked for (even if it failed)
        self._books_in_flight: set[MarketKey] = set()
        self._markets_at: datetime | None = None
        self._tickers_at: datetime | None = None

    @property
    def params(self) -> StrategyParams:
        return self.scanner.params

    def set_params(self, params: StrategyParams) -> None:
        """A config change: everything is re-costed on the next scan."""
        with self._lock:
            self.scanner.set_params(params)
        self.history.set_lookback(params.history_lookback_hours)

    # -- inputs ----------------------------------------------------------------------------
    async def refresh_markets(self) -> None:
        """Fees, precision and spot listings of every venue (slow-changing: hourly)."""
        markets: dict[tuple[str, str], MarketInfo] = {}
        async for venue, listed in self._from_each_venue("markets", lambda v: v.load_markets()):
            for symbol, market in listed.items():
                markets[(venue.id, symbol)] = market
        with self._lock:
            self.scanner.update_markets(markets)
        self._markets_at = self.engine.clock.now()

    async def refresh_tickers(self) -> None:
        """24 h volume and open interest for eligibility."""
        async for _, tickers in self._from_each_venue("tickers", lambda v: v.fetch_tickers()):
            with self._lock:
                self.scanner.update_tickers(tickers)
        self._tickers_at = self.engine.clock.now()

    async def _from_each_venue(
        self, what: str, fetch: Callable[[Venue], Awaitable[T]]
    ) -> AsyncIterator[tuple[Venue, T]]:
        """`fetch` of every venue in turn, within the request limit; a venue that fails is skipped
        (logged) so the others still arrive."""
        for venue in list(self.engine.venues.values()):
            try:
                async with self._limit:
                    got = await fetch(venue)
            except NexusError as exc:
                # The venue is the first argument: the headless commands tell sources apart by it.
                log.warning(what + " of %s unavailable: %s", venue.id, exc)
                continue
            yield venue, got

    async def refresh_books(self, opportunities: Iterable[Opportunity] | None = None) -> int:
        """Order books for the legs of `opportunities` (the best `books_for_top` by default), all
        of them now; returns how many were fetched."""
        if opportunities is None:
            opportunities = self.latest.opportunities[: self.books_for_top] if self.latest else ()
        wanted: dict[MarketKey, None] = {}
        for opp in opportunities:
            wanted.setdefault((opp.long.venue, opp.long.symbol))
            wanted.setdefault((opp.short.venue, opp.short.symbol))
        return await self._fetch_books(list(wanted))

    def books_wanted(self) -> list[MarketKey]:
        """The markets whose books the latest ranking wants walked, best first: both legs of each
        of the best `books_for_top`; of those down to `books_keep_top` that hold a book; and of
        those that went lately (still in `expired`) holding a book.

        The last is hysteresis too: a trade that passes on fees and quoted spreads but fails once
        its books are walked (the fill's price impact, the gap between the entry prices) goes; if
        its books then aged out, the next scan would list it again on fees, fetch, and drop it,
        every max age. Kept walked while it is remembered as gone, it stays gone."""
        latest = self.latest
        if latest is None:
            return []
        held = self._book_fetched
        wanted: dict[MarketKey, None] = {}
        for rank, opp in enumerate(latest.opportunities[: self.books_keep_top]):
            legs = ((opp.long.venue, opp.long.symbol), (opp.short.venue, opp.short.symbol))
            if rank < self.books_for_top or legs[0] in held or legs[1] in held:
                wanted.setdefault(legs[0])
                wanted.setdefault(legs[1])
        kept_gone = 0
        for gone in latest.expired:
            if kept_gone >= self.books_for_top:
                break
            opp = gone.opportunity
            legs = ((opp.long.venue, opp.long.symbol), (opp.short.venue, opp.short.symbol))
            if legs[0] in held or legs[1] in held:
                kept_gone += 1
                wanted.setdefault(legs[0])
                wanted.setdefault(legs[1])
        return list(wanted)

    def books_due(self, now: datetime) -> list[MarketKey]:
        """Wanted books never asked for, or last asked for `book_refresh_after_s` ago or more (a
        failed fetch waits as long before it is tried again)."""
        due = []
        for key in self.books_wanted():
            if key in self._books_in_flight:
                continue
            asked = self._book_asked.get(key)
            if asked is None or (now - asked).total_seconds() >= self.book_refresh_after_s:
                due.append(key)
        return due

    async def refresh_due_books(self) -> int:
        """Fetch the books that are due (see `books_due`); returns how many arrived."""
        due = self.books_due(self.engine.clock.now())
        return await self._fetch_books(due) if due else 0

    async def _fetch_books(self, keys: list[MarketKey]) -> int:
        asked = self.engine.clock.now()
        for key in keys:
            self._book_asked[key] = asked
        self._books_in_flight.update(keys)
        try:
            books = await asyncio.gather(*(self._fetch_book(venue, symbol) for venue, symbol in keys))
        finally:
            self._books_in_flight.difference_update(keys)
        fetched = [book for book in books if book is not None]
        with self._lock:
            self.scanner.update_order_books(fetched)
        now = self.engine.clock.now()
        for book in fetched:
            self._book_fetched[(book.venue, book.symbol)] = now
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
        """A book older than book_max_age_s no longer says what a fill would cost.

        Except while its replacement is in flight (a scan that does not come from `cycle`, which
        fetches first, can fall inside a fetch): the row keeps SCORED until the new book lands
        or the fetch fails, which the venue's request timeout bounds."""
        max_age = self.book_max_age_s
        in_flight = self._books_in_flight
        old = [
            key
            for key, at in self._book_fetched.items()
            if (now - at).total_seconds() > max_age and key not in in_flight
        ]
        for key in old:
            del self._book_fetched[key]
        self.scanner.drop_order_books(old)
        # Forget old attempts at books nobody held or wants now (the map would only grow).
        forgotten = [
            key
            for key, at in self._book_asked.items()
            if key not in self._book_fetched and key not in in_flight and (now - at).total_seconds() > max_age
        ]
        for key in forgotten:
            del self._book_asked[key]

    # -- funding history -----------------------------------------------------------------------
    async def backfill_history(
        self, max_requests: int | None = None, *, per_venue: int | None = None, parallel: int = 1
    ) -> int:
        """One bounded pass of settled funding for the legs of the listed opportunities (best
        first) not fetched yet (see HistoryBackfill); returns how many markets' history arrived."""
        loaded = await self.history.run_pass(max_requests, per_venue=per_venue, parallel=parallel)
        return len(loaded)

    async def backfill_listed(self, max_requests: int = 200) -> int:
        """Settled funding for every listed opportunity's legs now, in passes, at most
        `max_requests` requests (the headless scan: it answers once, so it waits for them)."""
        history = self.history
        start = history.requests
        loaded = 0
        while (left := max_requests - (history.requests - start)) > 0:
            if not history.due(max_requests=left, per_venue=left):
                break
            loaded += len(await history.run_pass(left, per_venue=left, parallel=4))
        return loaded

    def want_history_of(self, markets: Iterable[MarketKey]) -> None:
        """Markets the trader opened (the Funding screen's detail panel): their settled funding
        is fetched into the book on the next pass, before the listed legs', so the book (and a
        trade on them later) has their lookback too, not only what the desk saw since start-up."""
        for venue, symbol in markets:
            self.history.request(venue, symbol)

    def _history_arrived(self, keys: list[MarketKey]) -> None:
        with self._lock:
            self.scanner.history_changed(keys)

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
                self.scanner.update_book_rows(book.scan_rows())
            self.scanner.update_health([venue.health() for venue in engine.venues.values()])
            self._drop_old_books(now)
        return now

    def _publish(self, result: ScanResult) -> ScanResult:
        self.latest = result
        # The history that matters follows the ranking shown: the listed legs, best first.
        self.history.want(leg for opp in result.opportunities for leg in _legs(opp))
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

    async def scan_once(self, fetch_books: bool = True, history_requests: int = 0) -> ScanResult:
        """One complete pass: markets, tickers, scan, then books for the best and settled funding
        history for the listed legs (at most `history_requests` requests; 0: none), rescan.

        History can move the ranking (a row's outlook and score change, not whether it is
        viable, mostly): a newly listed trade has its legs fetched too, within the same budget."""
        await self.refresh_markets()
        await self.refresh_tickers()
        result = await self.rescan_async()
        if not result.opportunities:
            return result
        jobs = [self.refresh_books()] if fetch_books else []
        if history_requests > 0:
            jobs.append(self.backfill_listed(history_requests))
        if not jobs:
            return result
        await asyncio.gather(*jobs)
        result = await self.rescan_async()
        if history_requests > 0 and await self.backfill_listed(history_requests):
            result = await self.rescan_async()
        return result

    def explain(self, asset: str) -> tuple[Opportunity, ...]:
        """Why the obvious trades on `asset` (a base asset or symbol) are not listed, now."""
        with self._lock:
            return self.scanner.explain(asset, self.engine.clock.now())

    def explain_asset(self, asset: str) -> AssetExplanation:
        """`explain`, with what a reader needs around it: the asset's venues and listed trades.

        Costs well under a millisecond (two trades costed in full), but it waits for the scanner
        while a scan runs in its worker thread: call it off the UI thread (`explain_asset_async`).
        """
        base = asset_of(asset)
        now = self.engine.clock.now()
        with self._lock:
            rows: list[LegRow] = [row for row in self.scanner.rows() if row.base == base]
            rejected = self.scanner.explain(base, now) if rows else ()
        latest = self.latest
        listed = tuple(o for o in latest.opportunities if o.base == base) if latest else ()
        return AssetExplanation(
            asset=base,
            as_of=now,
            venues=tuple(sorted({row.venue for row in rows})),
            listed=listed,
            rejected=rejected,
        )

    async def explain_asset_async(self, asset: str) -> AssetExplanation:
        """`explain_asset` in a worker thread, so the screens never wait for a scan."""
        return await asyncio.to_thread(self.explain_asset, asset)

    # -- the engine service --------------------------------------------------------------------
    async def run(self, engine: Engine) -> None:
        clock = engine.clock
        events = engine.funding_book.subscribe()
        try:
            await self.scan_once()
            if await self.backfill_history():
                await self.rescan_async()  # the first history shown at once, not a cycle later
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
                await self.cycle()
                last = clock.now()
        finally:
            events.close()

    async def cycle(self) -> ScanResult:
        """One turn of the running service: the markets and tickers that are due, then the books
        that are due with one bounded pass of funding history for the listed legs, then the scan
        (books first: see the module's note on a steady state; history first, so what arrived
        is fitted by this scan)."""
        await self._refresh_due()
        await asyncio.gather(self.refresh_due_books(), self.backfill_history())
        return await self.rescan_async()

    async def _refresh_due(self) -> None:
        if self._due(self._markets_at, self.markets_every_s):
            await self.refresh_markets()
        if self._due(self._tickers_at, self.tickers_every_s):
            await self.refresh_tickers()

    def _due(self, last: datetime | None, every_s: float) -> bool:
        return last is None or (self.engine.clock.now() - last).total_seconds() >= every_s


def _legs(opp: Opportunity) -> tuple[MarketKey, ...]:
    """The opportunity's perps (a spot leg has no funding history to fetch)."""
    return tuple((leg.venue, leg.symbol) for leg in (opp.long, opp.short) if leg.kind is not MarketKind.SPOT)
