"""The Scanner: keeps the latest inputs and results between scans and re-costs only what changed.

Feed it with the update_* methods (each returns quickly and marks the base assets whose figures
the change can move), then call `scan(now)`. A base asset is re-costed when one of its funding
rows changed (rate, interval, next settlement or flags), when a book, ticker, market or venue
health it uses changed, and otherwise when its figures go out of date: at its next settlement,
when one of its rows would age out, and at least every `recost_after_s`.

`scan_inputs(inputs)` is the pure one-shot form used by the CLI, the backtester and tests; a
Scanner fed the same inputs returns the same ranking as a fresh one (tests check this).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

from nexus_tui.core.leg_row import NO_FLAGS, base_settle, to_leg_row
from nexus_tui.core.models import (
    FundingRate,
    MarketInfo,
    MarketKind,
    OrderBook,
    Ticker,
    VenueHealth,
)
from nexus_tui.strategy.candidates import SpotRow, cost_cross, cost_spot_perp
from nexus_tui.strategy.context import HistorySource, MarketCaches, MarketKey, ScanContext
from nexus_tui.strategy.lifecycle import Lifecycle
from nexus_tui.strategy.models import (
    History,
    LegRow,
    Opportunity,
    OpportunityType,
    ScanInputs,
    ScanResult,
    ScanStats,
)
from nexus_tui.strategy.opportunities import (
    NEVER,
    BaseResult,
    Kinds,
    brute_force_base,
    evaluate_base,
    explain_base,
    nothing_possible,
)
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.screen import Layout, ScreenConstants, constants, lay_out, screen


def _same_funding(row: LegRow, quote: Any) -> bool:
    """Whether `quote` says what `row` says about funding: rate, interval, next settlement, flags.

    These move an opportunity's figures; a moved mark price waits for the periodic re-cost."""
    if quote.rate != row.rate or quote.interval_hours != row.interval_hours:
        return False
    if quote.next_funding_ts != row.next_funding_ts:
        return False
    flags = quote.flags
    if type(flags) is not frozenset:
        flags = frozenset(flags) if flags else NO_FLAGS
    if flags != row.flags:
        return False
    if type(quote) is FundingRate:  # no base of its own (a missing attribute is slow to ask for)
        return True
    base = getattr(quote, "base", None)
    return base is None or base == row.base


# The eight screen answers, each kept once: a scan screens every asset whose rows moved.
_KINDS: dict[Kinds, Kinds] = {
    (b, a, e): (b, a, e) for b in (False, True) for a in (False, True) for e in (False, True)
}


class _Places(NamedTuple):
    """Per place in the funding book's set of rows: the market there (the key object the
    scanner's dicts hold), its asset and the asset's rows (Scanner._by_base[asset]), as the
    scanner last took them."""

    keys: list[MarketKey]
    bases: list[str]
    legs: list[dict[MarketKey, LegRow]]


def _observed(quote: Any) -> datetime:
    """When the row was observed: a FundingRate's `ts`, a LegRow's or BookQuote's `observed_at`."""
    observed: datetime = quote.ts if type(quote) is FundingRate else quote.observed_at
    return observed


class Scanner:
    def __init__(self, params: StrategyParams | None = None) -> None:
        self.params = params or StrategyParams()
        self._rows: dict[MarketKey, LegRow] = {}
        # The fold-in stores a new rate in the asset's rows only (Scanner._by_base); _rows is
        # brought up to date when a row is next read from it (`_catch_up`). Its keys and each
        # row's asset are always current: the fold-in changes neither.
        self._rows_behind = False
        self._book_rows: list[LegRow] = []  # the set update_book_rows was last handed
        self._book_layout: object = None  # that set's layout (BookRows.layout)
        self._places: _Places | None = None  # what is at each place of that set
        self._by_base: dict[str, dict[MarketKey, LegRow]] = {}
        self._markets: dict[MarketKey, MarketInfo] = {}
        self._books: dict[MarketKey, OrderBook] = {}
        self._tickers: dict[MarketKey, Ticker] = {}
        self._ticker_sigs: dict[MarketKey, tuple[object, ...]] = {}
        self._health: dict[str, VenueHealth] = {}
        self._health_sigs: dict[str, tuple[object, ...]] = {}
        self._histories: Mapping[MarketKey, History] | HistorySource = {}
        self._caches = MarketCaches()
        self._results: dict[str, BaseResult] = {}
        # No result falls due for a re-cost before this (a lower bound: lowered as results are
        # made, made exact whenever a scan looks through them all), so a scan before it need not.
        self._recost_due: datetime = NEVER
        # The viable opportunities of every result, with their rank keys, best first; a scan
        # replaces only the entries of the assets it re-costed.
        self._ranked: list[tuple[tuple[float, float, str], Opportunity]] = []
        # Per asset, what the screen said it could offer, kept while its rows, fees, spot
        # listings, books and tickers stay as they were (its result then stands too, if nothing).
        self._kinds: dict[str, Kinds] = {}
        # Per asset, what its screen reads of its markets (screen.Layout), kept while the asset's
        # markets, their fees and the spot listings stay as they are.
        self._layouts: dict[str, Layout] = {}
        self._dirty: set[str] = set()
        self._lifecycle = Lifecycle(self.params.expired_retention_s)
        self._last_scan: datetime | None = None
        self.last_result: ScanResult | None = None

    # -- inputs ----------------------------------------------------------------------------
    def set_params(self, params: StrategyParams) -> None:
        """New parameters (a config change, a new size): every cached figure is redone."""
        self.params = params
        self._caches = MarketCaches()
        self._kinds.clear()
        self._layouts.clear()
        self._lifecycle.retention_s = params.expired_retention_s
        self._dirty.update(self._by_base)

    def update_quotes(self, quotes: Iterable[Any]) -> int:
        """New funding rows (any subset): LegRows as the funding book keeps them (taken as they
        are, and an unchanged one recognised by identity), or FundingRates and BookQuotes
        (converted). Returns how many changed something."""
        self._book_rows = []  # the next book set is looked at whole: it was not the last word
        self._book_layout = None
        self._places = None
        return self._take(quotes)

    def _take(self, quotes: Iterable[Any]) -> int:
        if self._rows_behind:
            self._catch_up()
        return self._take_current(quotes)

    def _take_current(self, quotes: Iterable[Any]) -> int:
        """`_take` once _rows holds the current row of each market in `quotes`."""
        changed = 0
        stale_before = None
        if self._last_scan is not None:
            stale_before = self._last_scan - timedelta(seconds=self.params.max_quote_age_s)
        rows, by_base, dirty, layouts = self._rows, self._by_base, self._dirty, self._layouts
        get = rows.get
        touched: set[str] = set()  # bases whose rows moved: their screen is forgotten once, after
        for quote in quotes:
            key = (quote.venue, quote.symbol)
            old = get(key)
            if old is quote:
                continue  # the funding book's kept row: nothing it shows has changed
            # A moved rate (the usual change) is told apart without a call.
            if old is not None and quote.rate == old.rate and _same_funding(old, quote):
                # Unchanged: the row is only seen again (and its mark may have moved).
                observed = _observed(quote)
                mark = quote.mark_price
                if observed != old.observed_at or mark != old.mark_price:
                    row = quote if type(quote) is LegRow else old.seen_again(mark, observed)
                    rows[key] = row
                    by_base[row.base][key] = row
                # A row that had aged out comes back: the base must see it again.
                if stale_before is not None and old.observed_at < stale_before:
                    dirty.add(old.base)
                    changed += 1
                continue
            row = quote if type(quote) is LegRow else to_leg_row(quote)
            base = row.base
            if layouts and (old is None or old.base != base):  # the asset gains a market
                layouts.pop(base, None)
            if old is not None and old.base != base:
                by_base[old.base].pop(key, None)
                layouts.pop(old.base, None)
                touched.add(old.base)
            rows[key] = row
            legs = by_base.get(base)
            if legs is None:
                legs = by_base[base] = {}
            legs[key] = row
            touched.add(base)
            changed += 1
        if touched:
            self._moved(touched)
        return changed

    def update_book_rows(self, rows: list[LegRow]) -> int:
        """The funding book's whole set of rows (FundingBook.scan_rows), as the service folds the
        book in. The book keeps its pairs in a stable order and hands an unchanged pair's row out
        again, so a row that is the same object at the same place as in the previous set is
        passed over without a look. While the set's layout is the previous set's (the same
        market at every place: BookRows.layout), new rows are taken in place
        (`_take_in_place`); otherwise the new rows are taken one by one as update_quotes takes
        them."""
        previous = self._book_rows
        layout = getattr(rows, "layout", None)
        same_places = layout is not None and layout is self._book_layout
        self._book_rows = rows
        self._book_layout = layout
        if same_places and len(rows) == len(previous):
            places = self._places
            if places is None:  # worked out when a set of the same layout first follows one
                places = self._places = self._places_of(previous)
            if places is not None:
                return self._take_in_place(rows, previous, places)
        self._places = None
        if not previous:
            return self._take(rows)
        changed = [row for row, before in zip(rows, previous, strict=False) if row is not before]
        if len(rows) > len(previous):
            changed += rows[len(previous) :]
        return self._take(changed) if changed else 0

    def _take_in_place(self, rows: list[LegRow], previous: list[LegRow], places: _Places) -> int:
        """update_book_rows when each place of `rows` holds the market it held in `previous` (the
        book's layout says so). A new row with a new rate (the usual change) is taken without a
        look at the scanner's own row for it: the previous set's row said what the scanner has
        (update_quotes between two sets makes the next one go the long way), so its funding
        moved. Any other new row goes through `_take_current`."""
        keys, bases, legs = places
        taken = self._rows
        other: list[LegRow] = []
        moved: list[int] = []  # the places taken in place
        for i, (row, before) in enumerate(zip(rows, previous, strict=True)):
            if row is before:
                continue
            # Floats that differ come from rates that differ (the usual case, told without
            # comparing Decimals); equal floats leave it to the Decimals.
            if row.rate_f == before.rate_f and row.rate == before.rate:
                key = keys[i]
                other.append(row)  # the same rate: what else moved is for _take_current to tell
                taken[key] = legs[i][key]  # from the asset's rows, which are current
                continue
            legs[i][keys[i]] = row
            moved.append(i)
        if moved:
            self._rows_behind = True
            self._moved(set(map(bases.__getitem__, moved)))
        return len(moved) + self._take_current(other) if other else len(moved)

    def _places_of(self, rows: list[LegRow]) -> _Places | None:
        """What is at each place of `rows`, a set the scanner has taken in full (None when a
        market in it is not held under the row's asset)."""
        keys: list[MarketKey] = []
        bases: list[str] = []
        legs: list[dict[MarketKey, LegRow]] = []
        # The very key objects the scanner's dicts hold: a store under one is found by identity.
        held = {key: key for key in self._rows}
        for row in rows:
            key = held.get((row.venue, row.symbol))
            if key is None:
                return None
            taken = self._rows[key]
            if taken.base != row.base:
                return None
            keys.append(key)
            bases.append(taken.base)
            legs.append(self._by_base[taken.base])
        return _Places(keys, bases, legs)

    def remove_quotes(self, keys: Iterable[MarketKey]) -> None:
        """Markets no longer listed (delisted, venue removed)."""
        self._book_rows = []  # the next book set is looked at whole: a removed row may be in it
        self._book_layout = None
        self._places = None
        for key in keys:
            row = self._rows.pop(key, None)
            if row is not None:
                self._by_base.get(row.base, {}).pop(key, None)
                self._layouts.pop(row.base, None)
                self._changed(row.base)

    def update_markets(self, markets: Mapping[MarketKey, MarketInfo]) -> None:
        if not self._results and not self._caches.fee_bound:
            # Nothing costed or resolved yet: every base with rows is dirty already.
            self._markets.update(markets)
            self._caches.forget_spots()
            self._layouts.clear()
            return
        for key, market in markets.items():
            old = self._markets.get(key)
            if old is not market and old != market:
                self._markets[key] = market
                self._caches.forget_market(key)
                base = self._base_of(key)
                self._changed(base)
                self._layouts.pop(base, None)  # its fee bound
                if market.kind is MarketKind.SPOT or (old is not None and old.kind is MarketKind.SPOT):
                    # The cheapest spot fee and the spot venues screen every asset.
                    self._kinds.clear()
                    self._layouts.clear()

    def update_order_books(self, books: Iterable[OrderBook] | Mapping[MarketKey, OrderBook]) -> None:
        if not self._results and isinstance(books, Mapping):
            self._books.update(books)
            return
        values = books.values() if isinstance(books, Mapping) else books
        for book in values:
            key = (book.venue, book.symbol)
            if self._books.get(key) is not book:
                self._books[key] = book
                self._forget(key)

    def drop_order_books(self, keys: Iterable[MarketKey]) -> None:
        """Books too old to trust: their markets fall back to fees (and quoted spread)."""
        for key in keys:
            if self._books.pop(key, None) is not None:
                self._forget(key)

    def update_tickers(self, tickers: Iterable[Ticker] | Mapping[MarketKey, Ticker]) -> None:
        if not self._results and isinstance(tickers, Mapping):
            self._tickers.update(tickers)
            self._ticker_sigs.clear()
            return
        values = tickers.values() if isinstance(tickers, Mapping) else tickers
        for ticker in values:
            key = (ticker.venue, ticker.symbol)
            old_ticker = self._tickers.get(key)
            if old_ticker is ticker:
                continue
            self._tickers[key] = ticker
            old = self._ticker_sigs.get(key)
            if old is None and old_ticker is not None:
                old = self._ticker_signature(old_ticker)
            signature = self._ticker_signature(ticker)
            self._ticker_sigs[key] = signature
            if old_ticker is None or old != signature:
                self._forget(key)
            else:
                # Figures stay as they were costed, but a cost floor not yet backed by costs
                # must come from the ticker the costs will be worked out from.
                self._caches.cost_floor.pop(key, None)
                base = self._base_of(key)
                self._kinds.pop(base, None)
                self._floors_moved(base)

    def _ticker_signature(self, ticker: Ticker) -> tuple[object, ...]:
        """Only what a ticker changes in the figures: the eligibility verdicts, and the quoted
        spread (to the basis point) for a market costed without a book."""
        p = self.params
        volume, oi = ticker.volume_24h_usd, ticker.open_interest_usd
        spread = None
        if ticker.bid and ticker.ask:
            spread = round(float((ticker.ask - ticker.bid) / ((ticker.ask + ticker.bid) / 2)), 4)
        return (
            None if volume is None else volume >= p.min_volume_24h_usd,
            None if oi is None else oi >= p.min_open_interest_usd,
            spread,
        )

    def update_health(self, health: Mapping[str, VenueHealth] | Iterable[VenueHealth]) -> None:
        values = health.values() if isinstance(health, Mapping) else health
        p = self.params
        changed: list[str] = []
        for h in values:
            self._health[h.venue] = h
            latency = h.latency_ms
            signature = (
                h.state,
                h.message,
                None if latency is None else (latency > p.max_latency_ms, latency > p.max_latency_ms / 2),
            )
            if self._health_sigs.get(h.venue) != signature:
                self._health_sigs[h.venue] = signature
                changed.append(h.venue)
        if changed and self._results:  # before the first scan every asset is to be costed anyway
            venues = set(changed)
            self._dirty.update(row.base for (venue, _), row in self._rows.items() if venue in venues)

    def recost_all(self) -> None:
        """Re-cost every asset on the next scan (a new day's fees, a forced refresh, a bench)."""
        self._dirty.update(self._by_base)

    def set_histories(self, histories: Mapping[MarketKey, History] | HistorySource) -> None:
        """Funding history per market, or a function (venue, symbol) -> history (the funding book's)."""
        self._histories = histories

    def history_changed(self, keys: Iterable[MarketKey]) -> None:
        """These markets' funding history grew (a backfill arrived): their predictions are
        refitted and their assets re-costed on the next scan, not after `history_refit_s`."""
        predictions = self._caches.predictions
        for key in keys:
            predictions.pop(key, None)
            self._changed(self._base_of(key))

    def load(self, inputs: ScanInputs) -> None:
        self.update_markets(inputs.markets)
        self.update_health(inputs.health)
        self.update_tickers(inputs.tickers)
        self.update_order_books(inputs.order_books)
        self.set_histories(inputs.histories)
        self.update_quotes(inputs.quotes)

    def _forget(self, key: MarketKey) -> None:
        """A market's book or ticker changed: its costs and cost floor are worked out again."""
        self._caches.forget(key)
        base = self._base_of(key)
        self._changed(base)
        self._floors_moved(base)

    def _floors_moved(self, base: str) -> None:
        """A cost floor of the asset's markets was dropped: its screen asks for them again."""
        shape = self._layouts.get(base)
        if shape is not None:
            shape.floor_aprs = None

    def _changed(self, base: str) -> None:
        """Something the screen reads changed for `base`: screen and cost it again."""
        self._dirty.add(base)
        self._kinds.pop(base, None)

    def _moved(self, bases: set[str]) -> None:
        """`_changed` for many assets at once (their funding rows moved)."""
        self._dirty |= bases
        kinds = self._kinds
        if kinds:
            for base in bases:
                kinds.pop(base, None)

    def _base_of(self, key: MarketKey) -> str:
        row = self._rows.get(key)
        return row.base if row is not None else base_settle(key[1])[0]

    # -- views -------------------------------------------------------------------------------
    @property
    def order_books(self) -> Mapping[MarketKey, OrderBook]:
        return self._books

    @property
    def markets(self) -> Mapping[MarketKey, MarketInfo]:
        return self._markets

    def rows(self) -> list[LegRow]:
        if self._rows_behind:
            self._catch_up()
        return list(self._rows.values())

    def _catch_up(self) -> None:
        """_rows as the asset's rows have it (after fold-ins that took rows in place)."""
        rows = self._rows
        for legs in self._by_base.values():
            rows.update(legs)
        self._rows_behind = False

    def _row(self, key: MarketKey) -> LegRow | None:
        """The row held for a market now, read from its asset's rows (current after a fold-in)."""
        row = self._rows.get(key)
        return None if row is None else self._by_base[row.base].get(key)

    def context(self, now: datetime) -> ScanContext:
        return ScanContext(
            params=self.params,
            now=now,
            markets=self._markets,
            order_books=self._books,
            tickers=self._tickers,
            health=self._health,
            histories=self._histories,
            caches=self._caches,
            first_seen=self._lifecycle.first_seen,
        )

    # -- scanning ----------------------------------------------------------------------------
    def scan(self, now: datetime, *, explain: bool = False, brute_force: bool = False) -> ScanResult:
        """Re-cost what changed or went out of date, then rank everything.

        `explain` also costs, for every base asset, the obvious trades that are not viable and
        says why (ScanResult.rejected); `brute_force` costs every pair of every base (the
        baseline for benches and tests)."""
        ctx = self.context(now)
        todo = set(self._by_base) if brute_force else self._dirty
        if self._recost_due <= now:
            due = NEVER
            for base, result in self._results.items():
                at = result.recost_at
                if at <= now:
                    todo.add(base)
                elif at < due:
                    due = at
            self._recost_due = due
        costed = 0
        possible = 0
        limits = constants(ctx)
        for base in todo.difference(self._by_base):
            self._results.pop(base, None)
            self._kinds.pop(base, None)
        # In the order the assets were first seen, not the set's hash order: the book builds its
        # rows in a stable order, so their rows are then read from memory in about the order
        # they were laid down (a full rescan measured 5-10 % faster for it).
        for base in [base for base in self._by_base if base in todo]:
            legs = self._by_base[base]
            if not legs:
                self._results.pop(base, None)
                self._kinds.pop(base, None)
                continue
            if brute_force:
                self._kinds.pop(base, None)
                result = brute_force_base(ctx, list(legs.values()))
            else:
                result = self._assess(ctx, limits, base, legs)
            self._results[base] = result
            if result.recost_at < self._recost_due:
                self._recost_due = result.recost_at
            costed += result.pairs_costed
            possible += result.pairs_possible
        evaluated = len(todo)
        self._dirty = set()
        viable = self._rank(todo)
        rejected: list[Opportunity] = []
        if explain:
            for base, legs in self._by_base.items():
                done = self._results.get(base)
                rejected.extend(explain_base(ctx, list(legs.values()), done.viable if done else ()))
            rejected.sort(key=lambda o: (-o.net_apr, o.id))
        expired = self._lifecycle.observe(now, viable, lambda gone: self._why_gone(ctx, gone))
        self._last_scan = now
        scan_result = ScanResult(
            as_of=now,
            opportunities=tuple(viable),
            rejected=tuple(rejected),
            expired=expired,
            stats=ScanStats(
                symbols=len(self._by_base),
                quotes=len(self._rows),
                symbols_costed=evaluated,
                pairs_costed=costed,
                pairs_possible=possible,
            ),
        )
        self.last_result = scan_result
        return scan_result

    def _rank(self, redone: set[str]) -> list[Opportunity]:
        """Every result's viable opportunities, best first, once the assets in `redone` have new
        results (or none): their entries are replaced, the others' kept with their keys."""
        results = self._results
        ranked = [entry for entry in self._ranked if entry[1].base not in redone]
        for base in redone:
            result = results.get(base)
            if result is not None:
                ranked.extend([(_rank_key(opp), opp) for opp in result.viable])
        ranked.sort(key=_FIRST)  # keys end with the unique id: never a tie
        self._ranked = ranked
        return [opp for _, opp in ranked]

    def _assess(
        self, ctx: ScanContext, limits: ScreenConstants, base: str, legs: Mapping[MarketKey, LegRow]
    ) -> BaseResult:
        """Screen the asset (or recall its screen), then cost only the kinds it could offer."""
        shape = self._layouts.get(base)
        if shape is None or shape.k != limits.k:
            shape = self._layouts[base] = lay_out(ctx, limits, legs)
            kinds = None
        else:
            kinds = self._kinds.get(base)
        if kinds is None:
            verdict = screen(ctx, limits, legs, shape)
            kinds = self._kinds[base] = _KINDS[verdict.cross, verdict.spot_perp, verdict.temporal]
            linear = verdict.linear
        else:
            known = self._results.get(base)
            if known is not None and not any(kinds):
                return known  # screened out on the same data: still nothing, whatever the time
            linear = shape.linear(legs)
        if any(kinds):
            return evaluate_base(ctx, linear, kinds, linear=True, pairs=shape.pairs, fees=shape.fees)
        known = self._results.get(base)
        if known is not None and known.recost_at is NEVER and known.pairs_possible == shape.pairs:
            return known  # the same nothing: kept, not made again for every asset on every scan
        return nothing_possible(shape.pairs)

    def explain(self, asset: str, now: datetime) -> tuple[Opportunity, ...]:
        """For one base asset (or a symbol of it): the obvious trades that are not viable, and why."""
        base = asset if asset in self._by_base else base_settle(asset)[0]
        legs = self._by_base.get(base)
        if not legs:
            return ()
        done = self._results.get(base)
        return explain_base(self.context(now), list(legs.values()), done.viable if done else ())

    def _why_gone(self, ctx: ScanContext, gone: Opportunity) -> str:
        """Why an opportunity stopped being viable, in words."""
        if gone.capture_ts is not None and gone.capture_ts <= ctx.now:
            return "its settlement has passed"
        result = self._results.get(gone.base)
        group = _group(gone.type)
        if result is not None:
            for opp in result.viable:
                if _group(opp.type) == group:
                    legs = f"long {opp.long.venue}, short {opp.short.venue}"
                    return f"replaced by {opp.id} ({legs}): higher net APR"
        long_row = self._row((gone.long.venue, gone.long.symbol))
        short_row = self._row((gone.short.venue, gone.short.symbol))
        if gone.type in (OpportunityType.CROSS_PERP, OpportunityType.CEX_DEX):
            if long_row is None or short_row is None:
                return "a leg's funding is no longer reported"
            cand = cost_cross(ctx, long_row, short_row)
        elif gone.type is OpportunityType.SPOT_PERP:
            perp = long_row if long_row is not None else short_row
            if perp is None:
                return "the perp's funding is no longer reported"
            spot_leg = (
                gone.short if gone.long.venue == perp.venue and gone.long.symbol == perp.symbol else gone.long
            )
            cand = cost_spot_perp(
                ctx, perp, SpotRow(spot_leg.venue, spot_leg.symbol, gone.base, spot_leg.settle)
            )
        else:
            return "no longer viable"
        if cand.reasons:
            return cand.reasons[0]
        return "no longer the best pair for its asset"


def _group(kind: OpportunityType) -> str:
    return "cross" if kind in (OpportunityType.CROSS_PERP, OpportunityType.CEX_DEX) else kind.value


_FIRST = itemgetter(0)


def _rank_key(opp: Opportunity) -> tuple[float, float, str]:
    return (-opp.uos, -float(opp.net_apr), opp.id)


def scan_inputs(
    inputs: ScanInputs,
    params: StrategyParams | None = None,
    *,
    explain: bool = False,
    brute_force: bool = False,
) -> ScanResult:
    """One scan of `inputs` from scratch: the pure form of the Scanner."""
    scanner = Scanner(params)
    scanner.load(inputs)
    return scanner.scan(inputs.now, explain=explain, brute_force=brute_force)
