"""The read-only view one scan works from, with the per-market caches a Scanner keeps between scans.

Costs at size depend only on a market's book, ticker, fees and the size, so they are worked out
once per market and reused by every pair the market appears in, and by later scans until that
market's book or ticker changes (the Scanner drops the entry then). Schedules and leg gates
depend on `now`, so they live for one scan only.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from nexus_tui.core.models import MarketInfo, MarketKind, OrderBook, Ticker, VenueHealth
from nexus_tui.strategy.constraints import (
    blacklist_failure,
    leg_hard_failures,
    liquidity_eligibility_failures,
    venue_failures,
)
from nexus_tui.strategy.costs import (
    ROUND_TRIPS,
    Fees,
    MarketCosts,
    market_costs,
    per_fill_fee,
    resolve_fees,
    round_trip_bound,
)
from nexus_tui.strategy.models import History, LegRow, Prediction
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.predictor import FundingModel, fit, predict_from
from nexus_tui.strategy.schedule import Schedule, epoch_ms, hours_to_ms, schedule_from_ms, settlement_schedule

MarketKey = tuple[str, str]
_MAKER = attrgetter("maker_fee")
_TAKER = attrgetter("taker_fee")
_AT = itemgetter(0)  # a history point's time
_RATE = itemgetter(1)  # its rate
HistorySource = Callable[[str, str], History]


class LegGate(NamedTuple):
    """What is true of one market whatever it is paired with."""

    hard: tuple[str, ...]  # hard-constraint failures (stale, slow venue)
    ineligible: tuple[str, ...]  # eligibility failures (venue down, volume, open interest)
    blacklisted: str | None

    @property
    def passes(self) -> bool:
        return not (self.hard or self.ineligible or self.blacklisted)


PASS = LegGate((), (), None)
ELIGIBLE: tuple[tuple[str, ...], str | None] = ((), None)
BLOCKING_FLAGS = frozenset({"stale", "venue_down"})  # a row carrying one never passes its gate


class PredictionEntry(NamedTuple):
    signature: tuple[int, datetime | None] | None  # None: a live source, refitted on a timer
    model: FundingModel | None
    fitted_at: datetime


@dataclass
class MarketCaches:
    """Survives between scans; entries are dropped by the Scanner when their inputs change."""

    costs: dict[MarketKey, MarketCosts] = field(default_factory=dict)
    fees: dict[MarketKey, Fees] = field(default_factory=dict)
    fee_bound: dict[MarketKey, float] = field(default_factory=dict)
    cost_floor: dict[MarketKey, float] = field(default_factory=dict)
    predictions: dict[MarketKey, PredictionEntry] = field(default_factory=dict)
    eligibility: dict[MarketKey, tuple[tuple[str, ...], str | None]] = field(default_factory=dict)
    market_ok: dict[MarketKey, bool] = field(default_factory=dict)  # eligibility and blacklist pass
    spots: dict[MarketKey, object] = field(default_factory=dict)  # perp -> its spot market (or None)
    spot_venues: frozenset[str] | None = None  # venues listing any spot market; None: not yet known
    least_spot_fee: float | None = None  # the cheapest spot round trip (fees); None: not yet known
    ids: dict[tuple[object, ...], str] = field(default_factory=dict)

    def forget(self, key: MarketKey) -> None:
        """A book or ticker changed."""
        self.costs.pop(key, None)
        self.cost_floor.pop(key, None)
        self.eligibility.pop(key, None)
        self.market_ok.pop(key, None)

    def forget_market(self, key: MarketKey) -> None:
        """A market's listing or fee data changed."""
        self.forget(key)
        self.fees.pop(key, None)
        self.fee_bound.pop(key, None)
        self.forget_spots()

    def forget_spots(self) -> None:
        """Spot listings may have changed: cheap to rebuild, and they affect their perps' entries."""
        self.spots.clear()
        self.spot_venues = None
        self.least_spot_fee = None


# Subtracted from every cost floor, so a bound made of floors exceeds the pair's net APR by
# 2 x FLOOR_MARGIN x 8760 / horizon (over 1e-10 at 30 days) on top of any float rounding: a pair
# skipped because that bound (plus the searches' tie slack EPS) is below the best so far is
# strictly worse than the best, and one below the minimum APR fails it.
FLOOR_MARGIN = 1e-11


def _touch(book: OrderBook | None, ticker: Ticker | None) -> float:
    """The least the book (or quoted spread) adds to a round trip, less FLOOR_MARGIN.

    market_costs: buy slippage (VWAP_buy - mid) / mid, sell slippage (mid - VWAP_sell) / mid, mid
    from the first levels. Levels come best first (OrderBook's contract), so buying fills at the
    best ask or worse and selling at the best bid or worse: the two slippages add up to at least
    the touch spread (best ask - best bid) / mid, which is also the round trip from a ticker.
    In floats: the touch spread's rounding error (a few 1e-16) is far inside FLOOR_MARGIN."""
    if book is not None and book.bids and book.asks:
        bid, ask = float(book.bids[0][0]), float(book.asks[0][0])
        mid = (bid + ask) / 2.0
        if not mid > 0.0:
            return -math.inf
        return (ask - bid) / mid - FLOOR_MARGIN
    if ticker is not None and ticker.bid is not None and ticker.ask is not None:
        bid = float(ticker.bid)
        if bid > 0.0:  # as market_costs; a quoted bid too small for a float only lowers the floor
            ask = float(ticker.ask)
            return (ask - bid) / ((bid + ask) / 2.0) - FLOOR_MARGIN
    return -FLOOR_MARGIN


class ScanContext:
    def __init__(
        self,
        *,
        params: StrategyParams,
        now: datetime,
        markets: Mapping[MarketKey, MarketInfo],
        order_books: Mapping[MarketKey, OrderBook],
        tickers: Mapping[MarketKey, Ticker],
        health: Mapping[str, VenueHealth],
        histories: Mapping[MarketKey, History] | HistorySource,
        caches: MarketCaches | None = None,
        first_seen: Callable[[str], datetime | None] | None = None,
    ) -> None:
        self.params = params
        self.now = now
        self.markets = markets
        self.order_books = order_books
        self.tickers = tickers
        self.health = health
        self._histories = histories
        self.caches = caches or MarketCaches()
        self.first_seen = first_seen or (lambda _id: None)
        self.horizon_f = float(params.horizon_hours)
        self.horizon_ms = hours_to_ms(params.horizon_hours)
        self.apr_per_cost = 8760.0 / self.horizon_f  # a round-trip cost fraction, as APR over the horizon
        # Floats of the thresholds the screens compare with, converted once per scan.
        self.min_net_apr_f = float(params.min_net_apr)
        self.min_delta_hourly_f = float(params.min_funding_delta_hourly)
        self.size_f = float(params.size_usd)
        self.min_ev_f = float(params.min_expected_value_usd)
        self.max_break_even_hours_f = float(params.max_break_even_hours)
        self.depth_cap = max(params.min_depth_multiple, params.min_liquidity_multiple) * params.size_usd
        self.max_age = timedelta(seconds=params.max_quote_age_s)
        self.stale_before = now - self.max_age
        self.history_since = now - timedelta(hours=params.history_lookback_hours)
        self.now_ms = epoch_ms(now)
        self.recost_after_ms = int(params.recost_after_s * 1000)
        self.lead_ms = hours_to_ms(params.min_entry_lead_hours)
        self.max_wait_ms = hours_to_ms(params.temporal_max_wait_hours)
        self.delay_ms = hours_to_ms(params.temporal_exit_delay_hours)
        self._schedules: dict[MarketKey, Schedule] = {}
        self._gates: dict[MarketKey, LegGate] = {}
        self._venue_gates: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.venue_ok: dict[str, bool] = {}  # venue -> venue_passes, this scan

    # -- fees and costs ------------------------------------------------------------------
    def fees(self, venue: str, symbol: str) -> Fees:
        key = (venue, symbol)
        fees = self.caches.fees.get(key)
        if fees is None:
            fees = resolve_fees(venue, self.markets.get(key), self.params)
            self.caches.fees[key] = fees
        return fees

    def fee_bound(self, venue: str, symbol: str) -> float:
        """The least a round trip in this market can cost (fees only), as a float fraction."""
        key = (venue, symbol)
        bound = self.caches.fee_bound.get(key)
        if bound is None:
            fee = per_fill_fee(venue, self.markets.get(key), self.params)
            bound = self.caches.fee_bound[key] = round_trip_bound(fee)
        return bound

    def cost_floor(self, venue: str, symbol: str) -> float:
        """A float lower bound on this market's round trip (`costs(...).round_trip_f`), without
        walking its book: fees plus its book's touch spread (a fill cannot beat the best price on
        the side it takes) or its ticker's quoted spread, less a margin (FLOOR_MARGIN) far above
        any rounding. -inf when the book makes no sense (no positive mid)."""
        key = (venue, symbol)
        floor = self.caches.cost_floor.get(key)
        if floor is None:
            floor = self.new_cost_floor(key)
        return floor

    def new_cost_floor(self, key: MarketKey) -> float:
        """cost_floor of a market not in caches.cost_floor, which it is then (the screen asks
        this of every market of an asset it may cross, with the key in hand)."""
        caches = self.caches
        known = caches.costs.get(key)
        if known is not None:
            floor = known.round_trip_f - FLOOR_MARGIN
        else:
            floor = self.fee_bound(key[0], key[1]) + _touch(self.order_books.get(key), self.tickers.get(key))
        caches.cost_floor[key] = floor
        return floor

    def costs(self, venue: str, symbol: str) -> MarketCosts:
        key = (venue, symbol)
        costs = self.caches.costs.get(key)
        if costs is None:
            costs = market_costs(
                self.fees(venue, symbol), self.order_books.get(key), self.tickers.get(key), self.params
            )
            self.caches.costs[key] = costs
        return costs

    def price(self, row: LegRow | Any) -> Decimal | None:
        """A market's price: the perp's mark, else its book's mid, else its ticker's mid."""
        mark = getattr(row, "mark_price", None)
        if mark is not None:
            return Decimal(mark)
        key = (row.venue, row.symbol)
        book = self.order_books.get(key)
        if book is not None and book.mid is not None:
            return book.mid
        ticker = self.tickers.get(key)
        return ticker.mid if ticker is not None else None

    def spot_venues(self) -> frozenset[str]:
        """Venues that list at least one spot market (type A and spot hedges are only looked
        for there)."""
        found = self.caches.spot_venues
        if found is None:
            self._survey_spots()
            found = self.caches.spot_venues
            assert found is not None
        return found

    def least_spot_fee(self) -> float:
        """The cheapest round trip (fees alone) of any spot market listed; inf without one."""
        found = self.caches.least_spot_fee
        if found is None:
            self._survey_spots()
            found = self.caches.least_spot_fee
            assert found is not None
        return found

    def _survey_spots(self) -> None:
        """Spot venues and the cheapest spot fee; on the way, every listed market's fee bound
        (the screen reads one per perp), so it runs again whenever a listing changes."""
        self._fee_bounds()
        bounds = self.caches.fee_bound
        spot = MarketKind.SPOT
        spots = [key for key, market in self.markets.items() if market.kind is spot]
        self.caches.spot_venues = frozenset([key[0] for key in spots])
        self.caches.least_spot_fee = min([math.inf, *map(bounds.__getitem__, spots)])

    def _fee_bounds(self) -> None:
        """fee_bound of every listed market not yet known. Without fee overrides a market's fee
        is its own (per_fill_fee): those are resolved by builtins, each distinct value converted
        once (ROUND_TRIPS)."""
        bounds = self.caches.fee_bound
        markets = self.markets
        if self.params.fee_overrides:
            fee_bound = self.fee_bound
            for key in markets:
                if key not in bounds:
                    fee_bound(key[0], key[1])
            return
        if bounds:
            keys = [key for key in markets if key not in bounds]
            listed: Iterable[MarketInfo] = map(markets.__getitem__, keys)
        else:  # a first survey: every market, in order, without a lookup
            keys = list(markets)
            listed = markets.values()
        per_fill = list(map(_MAKER if self.params.use_maker_fees else _TAKER, listed))
        try:
            found = list(map(ROUND_TRIPS.__getitem__, per_fill))
        except KeyError:  # a fee not converted yet
            found = list(map(round_trip_bound, per_fill))
        bounds.update(zip(keys, found, strict=True))

    # -- time ----------------------------------------------------------------------------
    def schedule(self, row: LegRow) -> Schedule:
        key = (row.venue, row.symbol)
        schedule = self._schedules.get(key)
        if schedule is None:
            if row.next_ms is None and row.next_funding_ts is not None:
                schedule = settlement_schedule(row.next_funding_ts, row.interval_hours, self.now)
            else:
                schedule = schedule_from_ms(row.next_ms, row.interval_hours, self.now_ms)
            self._schedules[key] = schedule
        return schedule

    # -- gates ---------------------------------------------------------------------------
    def gate(self, row: LegRow) -> LegGate:
        """Freshness and venue latency (hard), venue health, volume and open interest
        (eligibility), blacklist: what is true of a perp whatever it is paired with."""
        key = (row.venue, row.symbol)
        gate = self._gates.get(key)
        if gate is None:
            venue_hard, venue_ineligible = self._venue_gate(row.venue)
            market_ineligible, blacklisted = self._market_gate(key, row.base, True)
            hard = venue_hard
            if "venue_down" in row.flags:
                venue_ineligible = (
                    *venue_ineligible,
                    f"venue down: {row.venue} (funding API unreachable; the rate is the secondary source's)",
                )
            if row.observed_at < self.stale_before or "stale" in row.flags:
                hard = (
                    *leg_hard_failures(
                        row.venue, row.symbol, row.observed_at, row.flags, None, self.now, self.params
                    ),
                    *hard,
                )
            if hard or venue_ineligible or market_ineligible or blacklisted:
                gate = LegGate(hard, venue_ineligible + market_ineligible, blacklisted)
            else:
                gate = PASS
            self._gates[key] = gate
        return gate

    def passes(self, row: LegRow) -> bool:
        """`gate(row) is PASS`, answered without building the gate (the scan's hot path)."""
        if row.observed_at < self.stale_before or (row.flags and not BLOCKING_FLAGS.isdisjoint(row.flags)):
            return False
        venue_ok = self.venue_ok.get(row.venue)
        if venue_ok is None:
            venue_ok = self.venue_passes(row.venue)
        if not venue_ok:
            return False
        key = (row.venue, row.symbol)
        market_ok = self.caches.market_ok.get(key)
        if market_ok is None:
            market_ok = self.market_passes(key, row.base)
        return market_ok

    def venue_passes(self, venue: str) -> bool:
        """No hard-constraint or eligibility failure for the venue (cached for the scan in venue_ok)."""
        hard, ineligible = self._venue_gate(venue)
        ok = self.venue_ok[venue] = not (hard or ineligible)
        return ok

    def market_passes(self, key: MarketKey, base: str) -> bool:
        """The perp market is eligible and not blacklisted (cached in caches.market_ok)."""
        ineligible, blacklisted = self._market_gate(key, base, True)
        ok = self.caches.market_ok[key] = not ineligible and blacklisted is None
        return ok

    def spot_gate(self, venue: str, symbol: str, base: str) -> LegGate:
        key = (venue, symbol)
        gate = self._gates.get(key)
        if gate is None:
            venue_hard, venue_ineligible = self._venue_gate(venue)
            market_ineligible, blacklisted = self._market_gate(key, base, False)
            if venue_hard or venue_ineligible or market_ineligible or blacklisted:
                gate = LegGate(venue_hard, venue_ineligible + market_ineligible, blacklisted)
            else:
                gate = PASS
            self._gates[key] = gate
        return gate

    def _venue_gate(self, venue: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self._venue_gates.get(venue)
        if found is None:
            health = self.health.get(venue)
            hard: tuple[str, ...] = ()
            limit = self.params.max_latency_ms
            if health is not None and health.latency_ms is not None and health.latency_ms > limit:
                hard = (f"latency: {venue} {health.latency_ms:.0f} ms (limit {limit:.0f} ms)",)
            found = (hard, tuple(venue_failures(venue, health)))
            self._venue_gates[venue] = found
        return found

    def _market_gate(self, key: MarketKey, base: str, perp: bool) -> tuple[tuple[str, ...], str | None]:
        found = self.caches.eligibility.get(key)
        if found is None:
            venue, symbol = key
            p = self.params
            ticker = self.tickers.get(key)
            if (
                ticker is None
                or (
                    (ticker.volume_24h_usd is None or ticker.volume_24h_usd >= p.min_volume_24h_usd)
                    and (
                        not perp
                        or ticker.open_interest_usd is None
                        or ticker.open_interest_usd >= p.min_open_interest_usd
                    )
                )
            ) and not (p.blacklist or p.venue_blacklist):
                self.caches.eligibility[key] = ELIGIBLE  # the common case, without building reasons
                return ELIGIBLE
            found = (
                tuple(
                    liquidity_eligibility_failures(venue, symbol, self.tickers.get(key), perp, self.params)
                ),
                blacklist_failure(venue, symbol, base, self.params),
            )
            self.caches.eligibility[key] = found
        return found

    # -- prediction ----------------------------------------------------------------------
    def prediction(self, row: LegRow) -> Prediction:
        """The predictor fitted on this market's history within the lookback, then the current rate.

        A fitted model is reused until its history grows (a mapping of histories) or, for a live
        source such as the funding book (hourly points), for `history_refit_s`.
        """
        key = (row.venue, row.symbol)
        entry = self.caches.predictions.get(key)
        source = self._histories
        if callable(source):
            if entry is None or (self.now - entry.fitted_at).total_seconds() >= self.params.history_refit_s:
                entry = self._fit(row, source(row.venue, row.symbol), None)
        else:
            history = source.get(key, ())
            signature = (len(history), history[-1][0] if history else None)
            if entry is None or entry.signature != signature:
                entry = self._fit(row, history, signature)
        return predict_from(entry.model, row.rate_f, self.params.ema_span)

    def _fit(
        self, row: LegRow, history: History, signature: tuple[int, datetime | None] | None
    ) -> PredictionEntry:
        # History is oldest first (models.History): the lookback is a slice, found by bisection.
        start = bisect_left(history, self.history_since, key=_AT) if history else 0
        end = len(history)
        # A history that already ends with the current observation must not count it twice.
        if end and history[-1][0] >= row.observed_at:
            end = bisect_left(history, row.observed_at, start, end, key=_AT)
        rates = list(map(_RATE, history[start:end]))
        entry = PredictionEntry(
            signature, fit(rates, self.params.ema_span, self.params.min_history_points), self.now
        )
        self.caches.predictions[(row.venue, row.symbol)] = entry
        return entry
