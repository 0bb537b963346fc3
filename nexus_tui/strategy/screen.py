"""The asset screen: which kinds of trade one base asset could possibly offer, in floats, before
any row is gated, any book walked or anything costed in Decimal.

Each kind's test is an upper bound on the best net APR (or, for type E, expected value) that
the exact search in opportunities.py could find, worked out over all of the asset's linear perps
(a superset of the usable ones) with fees alone as the cost, from the same float expressions
the search orders by. IEEE addition, subtraction and multiplication by a positive number are
monotone, so when a bound here falls short, the search's own first bound falls short too and it
returns nothing: screening an asset out never changes a result (tests/strategy/test_screen.py
checks this against the unscreened search).

* B/C: max over shorts of a(S) plus max over longs of b(L) (section 3 of docs/strategy.md).
* A: over perps on venues listing spot, |h| x 8760 minus the perp's and its spot market's fees
  and the borrow, as best_spot_perp's first option.
* E: the largest rate, plus the most any perp can settle in the longest window, minus the two
  cheapest round trips, against the minimum expected value, as best_temporal's first exit.

None of these depend on the time, a book, a ticker, venue health or the row's age (those only
take rows away), so an asset screened out stays out until its rates, fees or spot listings
change: it is not re-costed on a timer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from nexus_tui.strategy.context import MarketKey, ScanContext
from nexus_tui.strategy.models import LegRow
from nexus_tui.strategy.opportunities import (
    EPS,
    HOURS_PER_YEAR_F,
    MARGIN_APR,
    MARGIN_USD,
    linear_perps,
    pairs_among,
    spot_market,
)
from nexus_tui.strategy.schedule import MS_PER_HOUR
from nexus_tui.strategy.venues import USD_STABLECOINS

NO_BOUND = float("-inf")


class Verdict(NamedTuple):
    """What the exact search should look for; `linear` are the rows it would look at."""

    cross: bool
    spot_perp: bool
    temporal: bool
    linear: list[LegRow]

    @property
    def anything(self) -> bool:
        return self.cross or self.spot_perp or self.temporal


class Settlements(dict[int, int]):
    """Interval hours -> the most settlements a perp on that interval can have in the window
    (settlements_in), worked out on first use."""

    def __init__(self, window_ms: int) -> None:
        super().__init__()
        self.window_ms = window_ms

    def __missing__(self, interval_hours: int) -> int:
        times = self[interval_hours] = settlements_in(self.window_ms, interval_hours)
        return times


class ScreenConstants(NamedTuple):
    """Per scan: the thresholds and the cheapest spot fee and borrow anywhere."""

    floor: float  # min net APR, less the float margin the searches use
    min_ev: float  # min expected value in USD, less its margin
    size: float
    k: float  # APR per unit of round-trip cost fraction
    settlements: Settlements  # interval hours -> the most settlements in the longest type E window
    least_spot_fee: float  # the cheapest spot round trip listed anywhere (inf: none)
    least_borrow: float  # the smallest borrow APR set, or 0


def constants(ctx: ScanContext) -> ScreenConstants:
    p = ctx.params
    return ScreenConstants(
        floor=ctx.min_net_apr_f - MARGIN_APR,
        min_ev=ctx.min_ev_f - MARGIN_USD,
        size=ctx.size_f,
        k=ctx.apr_per_cost,
        settlements=Settlements(ctx.max_wait_ms + ctx.delay_ms),
        least_spot_fee=ctx.least_spot_fee(),
        least_borrow=min([0.0, *(float(v) for v in p.borrow_apr.values())]),
    )


@dataclass(slots=True)
class Layout:
    """What the screen reads of one asset that its markets decide, not their funding: which
    perps are linear, their fee bounds, and which sit on a venue that lists spot. Kept by the
    Scanner while the asset's markets, their fees and the spot listings stay as they are (a new
    rate, the usual change, leaves it standing)."""

    keys: list[MarketKey]  # the linear perps' markets, in the asset's order
    every: bool  # every perp of the asset is linear (keys are the asset's markets)
    fees: list[float]  # each linear perp's fee bound (round trip, as a fraction)
    fee_aprs: list[float]  # the same as APR over the horizon (fee x k)
    least_fee: float  # the cheapest of them, or 1.0 (as best_temporal starts it)
    spot: list[int]  # positions of the linear perps on venues listing spot
    pairs: int  # the ordered cross-venue pairs among the linear perps (n_pairs)
    k: float  # the APR per unit of cost the APRs here were worked out with
    # Each linear perp's cost floor as APR (floor x k), once the cross screen has asked: dropped
    # by the Scanner when one of the asset's books or tickers changes.
    floor_aprs: list[float] | None = None

    def linear(self, legs: Mapping[MarketKey, LegRow]) -> list[LegRow]:
        """The asset's linear perps (linear_perps) from its rows now."""
        return list(legs.values()) if self.every else [legs[key] for key in self.keys]


def screen(
    ctx: ScanContext, c: ScreenConstants, legs: Mapping[MarketKey, LegRow], shape: Layout | None = None
) -> Verdict:
    """The kinds one asset could offer (`legs`: its perps, keyed by market; `shape`: its Layout,
    worked out here when not given)."""
    if shape is None or shape.k != c.k:
        shape = lay_out(ctx, c, legs)
    linear = shape.linear(legs)
    if not linear:
        return Verdict(False, False, False, linear)
    max_a = max_b = NO_BOUND
    largest = 0.0
    hedge_gain = 0.0
    settlements = c.settlements
    for r, fee_apr in zip(linear, shape.fee_aprs, strict=True):
        yearly = r.hourly * HOURS_PER_YEAR_F
        a = yearly - fee_apr
        if a > max_a:
            max_a = a
        b = -yearly - fee_apr
        if b > max_b:
            max_b = b
        rate = r.rate_f if r.rate_f >= 0.0 else -r.rate_f
        if rate > largest:
            largest = rate
        gain = rate * settlements[r.interval_hours]
        if gain > hedge_gain:
            hedge_gain = gain
    return _verdict(ctx, c, linear, shape, max_a, max_b, largest + hedge_gain)


def lay_out(ctx: ScanContext, c: ScreenConstants, legs: Mapping[MarketKey, LegRow]) -> Layout:
    """The asset's Layout (`legs`: its perps, keyed by market), in one pass over its rows (a
    cold start lays out every asset)."""
    spot_venues = ctx.spot_venues()  # first: its survey resolves every listed market's fee bound
    only = ctx.params.symbols
    fee_bounds = ctx.caches.fee_bound
    fees: list[float] = []
    spot: list[int] = []
    for key, r in legs.items():
        if r.settle not in USD_STABLECOINS or (only and r.base not in only and r.symbol not in only):
            continue
        fee = fee_bounds.get(key)
        if fee is None:  # a perp without a listing: its venue's tier fees
            fee = ctx.fee_bound(key[0], key[1])
        if key[0] in spot_venues:
            spot.append(len(fees))
        fees.append(fee)
    every = len(fees) == len(legs)
    keys = list(legs) if every else [(r.venue, r.symbol) for r in linear_perps(legs.values(), only)]
    k = c.k
    return Layout(
        keys,
        every,
        fees,
        [fee * k for fee in fees],
        min([1.0, *fees]),
        spot,
        pairs_among([key[0] for key in keys]),
        k,
    )


def _verdict(
    ctx: ScanContext,
    c: ScreenConstants,
    linear: list[LegRow],
    shape: Layout,
    max_a: float,
    max_b: float,
    gain: float,
) -> Verdict:
    """The kinds, from the loop's bounds: the largest a and b, and `gain` the largest rate plus
    the most any perp can settle in the longest window."""
    p = ctx.params
    floor = c.floor
    k = c.k
    cross = p.cross_perp and len(linear) > 1 and max_a + max_b >= floor
    if cross:
        cross = _tight_cross(ctx, linear, shape) + EPS >= floor
    max_spot = NO_BOUND
    # Below this, |h| x 8760 - fee x k leaves no spot market room to pass (a margin covers the
    # different order of the float operations): the spot market is not even looked up. No perp's
    # a or b exceeds the largest, so an asset whose largest is below needs no look at its perps.
    spot_floor = floor + c.least_spot_fee * k - c.least_borrow - MARGIN_APR
    if shape.spot and (max_a if max_a > max_b else max_b) >= spot_floor:
        fees, fee_aprs = shape.fees, shape.fee_aprs
        for i in shape.spot:
            r = linear[i]
            yearly = r.hourly * HOURS_PER_YEAR_F
            a = yearly - fee_aprs[i]
            b = -yearly - fee_aprs[i]
            if (a if a > b else b) >= spot_floor:
                bound = _spot_perp_bound(ctx, r, yearly, fees[i], k, floor)
                if bound > max_spot:
                    max_spot = bound
    least_fee = shape.least_fee
    cheapest_hedge = least_fee if least_fee < c.least_spot_fee else c.least_spot_fee
    temporal = p.temporal and (gain - least_fee - cheapest_hedge) * c.size >= c.min_ev
    return Verdict(cross, p.spot_perp and max_spot >= floor, temporal, linear)


def settlements_in(window_ms: int, interval_hours: int) -> int:
    """The most settlements a perp on this interval can have in a window of `window_ms` from
    now (its first at least a millisecond away): best_temporal's count at its largest."""
    interval_ms = interval_hours * MS_PER_HOUR
    return window_ms // interval_ms + 1 if interval_ms > 0 else window_ms


def _spot_perp_bound(
    ctx: ScanContext, perp: LegRow, yearly: float, fee: float, k: float, floor: float
) -> float:
    """best_spot_perp's bound for this perp and its spot market: |h| x 8760 - (fee_perp +
    fee_spot) x k - borrow, then, when that reaches `floor`, the same with both markets' cost
    floors, which best_spot_perp skips an option on. -inf without a spot market, or on a negative
    rate with no borrow rate known (the spot short cannot be taken: cost_spot_perp fails it)."""
    spot = spot_market(ctx, perp)
    if spot is None:
        return NO_BOUND
    borrow = 0.0
    if perp.rate < 0:
        known = ctx.params.borrow_apr.get((spot.venue, spot.base))
        if known is None:
            return NO_BOUND
        borrow = float(known)
    gross = yearly if yearly >= 0.0 else -yearly
    bound = gross - (fee + ctx.fee_bound(spot.venue, spot.symbol)) * k - borrow
    if bound < floor:
        return bound
    floors = ctx.cost_floor(perp.venue, perp.symbol) + ctx.cost_floor(spot.venue, spot.symbol)
    tight = abs(perp.hourly) * HOURS_PER_YEAR_F - floors * k - borrow
    return tight + EPS  # best_spot_perp skips the option when tight + EPS < floor


def _tight_cross(ctx: ScanContext, linear: list[LegRow], shape: Layout) -> float:
    """max a + max b with each market's cost floor (fees and touch spread) in place of its fees:
    the bound best_cross skips a pair on before walking its books. Below the minimum APR (with
    the tie slack), every pair would be skipped."""
    floor_aprs = shape.floor_aprs
    if floor_aprs is None:
        known = ctx.caches.cost_floor
        new_floor = ctx.new_cost_floor
        k = shape.k
        # A floor of 0.0 is looked up again, to the same answer.
        floor_aprs = shape.floor_aprs = [(known.get(key) or new_floor(key)) * k for key in shape.keys]
    max_a = max_b = NO_BOUND
    for r, cost_apr in zip(linear, floor_aprs, strict=True):
        yearly = r.hourly * HOURS_PER_YEAR_F
        a = yearly - cost_apr
        if a > max_a:
            max_a = a
        b = -yearly - cost_apr
        if b > max_b:
            max_b = b
    return max_a + max_b
