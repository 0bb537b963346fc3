"""The read-only view one scan works from, with the per-market caches a Scanner keeps between scans.

Costs at size depend only on a market's book, ticker, fees and the size, so they are worked out
once per market and reused by every pair the market appears in, and by later scans until that
market's book or ticker changes (the Scanner drops the entry then). Schedules and leg gates
depend on `now`, so they live for one scan only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from nexus_tui.core.models import MarketInfo, OrderBook, Ticker, VenueHealth
from nexus_tui.strategy.constraints import (
    blacklist_failure,
    leg_hard_failures,
    liquidity_eligibility_failures,
    venue_failures,
)
from nexus_tui.strategy.costs import Fees, MarketCosts, market_costs, resolve_fees
from nexus_tui.strategy.models import History, LegRow, Prediction
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.predictor import FundingModel, fit, predict_from
from nexus_tui.strategy.schedule import Schedule, hours_to_ms, settlement_schedule

MarketKey = tuple[str, str]
HistorySource = Callable[[str, str], History]


class LegGate(NamedTuple):
    """What is true of one market whatever it is paired with."""

    hard: tuple[str, ...]  # hard-constraint failures (stale, slow venue)
    ineligible: tuple[str, ...]  # eligibility failures (venue down, volume, open interest)
    blacklisted: str | None

    @property
    def passes(self) -> bool:
        return not (self.hard or self.ineligible or self.blacklisted)


class PredictionEntry(NamedTuple):
    signature: tuple[int, datetime | None]
    model: FundingModel | None


@dataclass
class MarketCaches:
    """Survives between scans; entries are dropped by the Scanner when their inputs change."""

    costs: dict[MarketKey, MarketCosts] = field(default_factory=dict)
    fees: dict[MarketKey, Fees] = field(default_factory=dict)
    fee_bound: dict[MarketKey, float] = field(default_factory=dict)
    predictions: dict[MarketKey, PredictionEntry] = field(default_factory=dict)
    ids: dict[tuple[object, ...], str] = field(default_factory=dict)

    def forget(self, key: MarketKey) -> None:
        self.costs.pop(key, None)

    def forget_fees(self, key: MarketKey) -> None:
        self.costs.pop(key, None)
        self.fees.pop(key, None)
        self.fee_bound.pop(key, None)


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
        self.min_net_apr_f = float(params.min_net_apr)
        self.depth_cap = max(params.min_depth_multiple, params.min_liquidity_multiple) * params.size_usd
        self.max_age = timedelta(seconds=params.max_quote_age_s)
        self._schedules: dict[MarketKey, Schedule] = {}
        self._gates: dict[MarketKey, LegGate] = {}

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
            bound = float(self.fees(venue, symbol).per_fill(self.params.use_maker_fees)) * 2.0
            self.caches.fee_bound[key] = bound
        return bound

    def costs(self, venue: str, symbol: str) -> MarketCosts:
        key = (venue, symbol)
        costs = self.caches.costs.get(key)
        if costs is None:
            costs = market_costs(
                self.fees(venue, symbol),
                self.order_books.get(key),
                self.tickers.get(key),
                self.params.size_usd,
                self.depth_cap,
                self.params.use_maker_fees,
            )
            self.caches.costs[key] = costs
        return costs

    # -- time ----------------------------------------------------------------------------
    def schedule(self, row: LegRow) -> Schedule:
        key = (row.venue, row.symbol)
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = settlement_schedule(row.next_funding_ts, row.interval_hours, self.now)
            self._schedules[key] = schedule
        return schedule

    # -- gates ---------------------------------------------------------------------------
    def gate(self, row: LegRow) -> LegGate:
        key = (row.venue, row.symbol)
        gate = self._gates.get(key)
        if gate is None:
            health = self.health.get(row.venue)
            gate = LegGate(
                tuple(
                    leg_hard_failures(row.venue, row.symbol, row.observed_at, row.flags, health, self.now, self.params)
                ),
                tuple(
                    venue_failures(row.venue, health)
                    + liquidity_eligibility_failures(row.venue, row.symbol, self.tickers.get(key), True, self.params)
                ),
                blacklist_failure(row.venue, row.symbol, row.base, self.params),
            )
            self._gates[key] = gate
        return gate

    def spot_gate(self, venue: str, symbol: str, base: str) -> LegGate:
        key = (venue, symbol)
        gate = self._gates.get(key)
        if gate is None:
            health = self.health.get(venue)
            hard = ()
            if health is not None and health.latency_ms is not None and health.latency_ms > self.params.max_latency_ms:
                hard = (f"latency: {venue} {health.latency_ms:.0f} ms (limit {self.params.max_latency_ms:.0f} ms)",)
            gate = LegGate(
                hard,
                tuple(
                    venue_failures(venue, health)
                    + liquidity_eligibility_failures(venue, symbol, self.tickers.get(key), False, self.params)
                ),
                blacklist_failure(venue, symbol, base, self.params),
            )
            self._gates[key] = gate
        return gate

    # -- prediction ----------------------------------------------------------------------
    def history(self, venue: str, symbol: str) -> History:
        source = self._histories
        if callable(source):
            return source(venue, symbol)
        return source.get((venue, symbol), ())

    def prediction(self, row: LegRow) -> Prediction:
        """The predictor fitted on this market's history within the lookback, then the current rate."""
        key = (row.venue, row.symbol)
        history = self.history(row.venue, row.symbol)
        last_ts = history[-1][0] if history else None
        signature = (len(history), last_ts)
        entry = self.caches.predictions.get(key)
        if entry is None or entry.signature != signature:
            since = self.now - timedelta(hours=self.params.history_lookback_hours)
            # A history that already ends with the current observation must not count it twice.
            until = row.observed_at if last_ts is not None and last_ts >= row.observed_at else None
            rates = [rate for ts, rate in history if ts >= since and (until is None or ts < until)]
            entry = PredictionEntry(signature, fit(rates, self.params.ema_span, self.params.min_history_points))
            self.caches.predictions[key] = entry
        return predict_from(entry.model, float(row.rate), self.params.ema_span)
