"""The strategy's values: what goes into a scan and the ranked, explained opportunities that come out.

Money (rates, fees, costs, sizes, expected value) is Decimal; the UOS score and its parts are
floats. Rates are fractions: 0.0001 = 0.01 %. `*_hourly` rates are per hour; `rate` is per the
venue's own funding interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from nexus_tui.core.leg_row import LegRow as LegRow  # built by the funding book: it lives in core
from nexus_tui.core.models import MarketInfo, MarketKind, OrderBook, PositionSide, Ticker, VenueHealth


class OpportunityType(StrEnum):
    """Seed 001 §2.2. D (triangular) is not built."""

    SPOT_PERP = "spot_perp"  # A: spot long / perp short (or the reverse) on one venue
    CROSS_PERP = "cross_perp"  # B: perp long where funding is low, perp short where it is high
    CEX_DEX = "cex_dex"  # C: a B with a leg on a DEX
    TEMPORAL = "temporal"  # E: in before one settlement, out after it

    @property
    def letter(self) -> str:
        return _LETTERS[self]


_LETTERS = {
    OpportunityType.SPOT_PERP: "A",
    OpportunityType.CROSS_PERP: "B",
    OpportunityType.CEX_DEX: "C",
    OpportunityType.TEMPORAL: "E",
}


class OpportunityState(StrEnum):
    DETECTED = "detected"  # built from funding rates; costed on fees (and tickers) only, no book yet
    SCORED = "scored"  # costed by walking both legs' order books at the target size, and scored
    EXPIRED = "expired"  # its data aged out, the spread collapsed, or a better pair replaced it


class FundingQuote(Protocol):
    """What the scanner reads from a funding row: a core FundingRate or the book's BookQuote."""

    @property
    def venue(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def rate(self) -> Decimal: ...
    @property
    def interval_hours(self) -> int: ...
    @property
    def next_funding_ts(self) -> datetime | None: ...
    @property
    def mark_price(self) -> Decimal | None: ...


History = Sequence[tuple[datetime, float]]  # (time, funding rate per interval), oldest first


@dataclass(frozen=True, slots=True)
class ScanInputs:
    """Everything one scan looks at. Missing data narrows what can be verified, never crashes."""

    now: datetime
    quotes: Sequence[Any]  # FundingQuote rows (core FundingRate or market BookQuote)
    markets: Mapping[tuple[str, str], MarketInfo] = field(default_factory=dict)
    order_books: Mapping[tuple[str, str], OrderBook] = field(default_factory=dict)
    health: Mapping[str, VenueHealth] = field(default_factory=dict)
    tickers: Mapping[tuple[str, str], Ticker] = field(default_factory=dict)
    histories: Mapping[tuple[str, str], History] = field(default_factory=dict)


class Leg(NamedTuple):
    """One side of an opportunity."""

    venue: str
    symbol: str
    kind: MarketKind
    side: PositionSide
    settle: str
    rate: Decimal  # per interval; zero for a spot leg
    interval_hours: int | None  # None for spot
    rate_hourly: Decimal
    next_funding_ts: datetime | None
    mark_price: Decimal | None
    dex: bool
    taker_fee: Decimal
    maker_fee: Decimal
    fee_source: str  # "override", "market" or "tier"
    observed_at: datetime | None = None

    @property
    def receives_funding(self) -> bool:
        """A short receives a positive rate; a long receives a negative one."""
        if self.kind is MarketKind.SPOT:
            return False
        return (self.rate > 0) == (self.side is PositionSide.SHORT)


class CostBreakdown(NamedTuple):
    """Round-trip costs (entry plus exit) at the target size, in USD per opportunity."""

    entry_fees: Decimal
    exit_fees: Decimal
    spread: Decimal  # crossing half the bid-ask spread on each of the four fills
    slippage: Decimal  # price impact beyond the touch from walking the books
    borrow: Decimal  # spot short borrow over the hold (type A on a negative rate)
    # What the weakest leg was costed from: "order_book" (walked at size), "quoted_spread" (a
    # ticker's bid/ask, no impact) or "fees_only" (nothing known about the book).
    cost_basis: str
    long_depth_usd: Decimal | None = None  # thinner side of the book within the walked levels
    short_depth_usd: Decimal | None = None
    long_spread: Decimal | None = None  # (ask - bid) / mid
    short_spread: Decimal | None = None
    long_entry_slippage: Decimal | None = None  # VWAP against mid, as a fraction
    short_entry_slippage: Decimal | None = None

    @property
    def fees(self) -> Decimal:
        return self.entry_fees + self.exit_fees

    @property
    def walked_books(self) -> bool:
        return self.cost_basis == "order_book"

    @property
    def total(self) -> Decimal:
        return self.entry_fees + self.exit_fees + self.spread + self.slippage + self.borrow


class UosParts(NamedTuple):
    """The four parts of the Unified Opportunity Score, kept for display."""

    return_: float  # 0-40
    risk: float  # 0-30
    execution: float  # 0-20
    timing: float  # 0-10

    @property
    def total(self) -> float:
        return self.return_ + self.risk + self.execution + self.timing

    def as_dict(self) -> dict[str, float]:
        return {"return": self.return_, "risk": self.risk, "execution": self.execution, "timing": self.timing}


ZERO_PARTS = UosParts(0.0, 0.0, 0.0, 0.0)


class Prediction(NamedTuple):
    """The funding predictor's view of one perpetual, in its own per-interval units."""

    current: float  # the rate now
    predicted: float  # the predicted next rate
    level: float  # the EMA of the history, the current rate last
    mean: float  # the long-run level it reverts to
    reversion: float  # phi: the share of today's deviation from the mean left after one interval
    confidence: float  # 0-1
    persistence_periods: int  # intervals the rate keeps its current sign
    stdev: float  # of the rate over the lookback
    samples: int


class Outlook(NamedTuple):
    """The predictor's view of an opportunity's funding spread, per hour."""

    spread_now_hourly: float
    spread_predicted_hourly: float
    spread_expected_hourly: float  # confidence-weighted blend of now and predicted
    confidence: float
    persistence_hours: float  # how long the spread is expected to stay above the threshold
    spread_stdev_hourly: float | None  # None without history
    win_rate: float | None  # share of the lookback in which this direction earned; None without history


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A trade worth considering, with its costs, score and the reasons it can or cannot be taken."""

    id: str
    type: OpportunityType
    base: str
    symbol: str  # the perp symbol both legs trade; the base asset when they are margined differently
    long: Leg
    short: Leg
    size_usd: Decimal
    hold_hours: Decimal  # the horizon (B, C, A) or the capture window (E)
    gross_apr: Decimal
    net_apr: Decimal
    expected_value_usd: Decimal  # scheduled funding over the hold minus all costs
    funding_usd: Decimal  # scheduled funding over the hold
    break_even_hours: float | None  # first settlement after which funding has paid the costs
    costs: CostBreakdown
    uos: float
    uos_parts: UosParts
    outlook: Outlook | None
    flags: frozenset[str]
    reasons: tuple[str, ...]  # why it cannot be taken; empty when viable
    hard_fail: bool  # a hard constraint failed: uos is 0
    state: OpportunityState
    as_of: datetime
    fresh_until: datetime  # when its oldest funding row ages out
    basis: Decimal | None = None  # (short mark - long mark) / mid at detection
    capture_ts: datetime | None = None  # type E: the settlement captured
    detected_at: datetime | None = None  # first scan that saw this id (lifecycle)

    @property
    def viable(self) -> bool:
        """Passes every hard constraint, eligibility rule and filter. Only these may become proposals."""
        return not self.reasons

    @property
    def long_rate_hourly(self) -> Decimal:
        return self.long.rate_hourly

    @property
    def short_rate_hourly(self) -> Decimal:
        return self.short.rate_hourly

    @property
    def spread_hourly(self) -> Decimal:
        return self.short.rate_hourly - self.long.rate_hourly


@dataclass(frozen=True, slots=True)
class ExpiredOpportunity:
    id: str
    opportunity: Opportunity  # as last seen
    expired_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ScanStats:
    symbols: int = 0
    quotes: int = 0
    symbols_costed: int = 0  # re-costed in this scan (all of them on a full scan)
    pairs_costed: int = 0  # pairs whose costs were computed in full
    pairs_possible: int = 0  # pairs a brute-force scan would cost


@dataclass(frozen=True, slots=True)
class ScanResult:
    as_of: datetime
    opportunities: tuple[Opportunity, ...]  # viable, ranked best first
    # Only when asked for (Scanner.scan(explain=True)): per asset, the obvious trades that are
    # not viable, with the reasons.
    rejected: tuple[Opportunity, ...] = ()
    expired: tuple[ExpiredOpportunity, ...] = ()
    stats: ScanStats = ScanStats()

    def by_id(self, opportunity_id: str) -> Opportunity | None:
        for opp in self.opportunities:
            if opp.id == opportunity_id:
                return opp
        for opp in self.rejected:
            if opp.id == opportunity_id:
                return opp
        return None
