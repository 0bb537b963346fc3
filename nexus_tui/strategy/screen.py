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

from collections.abc import Iterable
from typing import NamedTuple

from nexus_tui.strategy.context import MarketKey, ScanContext
from nexus_tui.strategy.models import LegRow
from nexus_tui.strategy.opportunities import EPS, HOURS_PER_YEAR_F, MARGIN_APR, MARGIN_USD, spot_market
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


class ScreenConstants(NamedTuple):
    """Per scan: the thresholds and the cheapest spot fee and borrow anywhere."""

    floor: float  # min net APR, less the float margin the searches use
    min_ev: float  # min expected value in USD, less its margin
    size: float
    k: float  # APR per unit of round-trip cost fraction
    longest_ms: int  # the longest type E window
    settlements: dict[int, int]  # interval hours -> the most settlements in that window (cache)
    least_spot_fee: float  # the cheapest spot round trip listed anywhere (inf: none)
    least_borrow: float  # the smallest borrow APR set, or 0


def constants(ctx: ScanContext) -> ScreenConstants:
    p = ctx.params
    return ScreenConstants(
        floor=ctx.min_net_apr_f - MARGIN_APR,
        min_ev=ctx.min_ev_f - MARGIN_USD,
        size=ctx.size_f,
        k=ctx.apr_per_cost,
        longest_ms=ctx.max_wait_ms + ctx.delay_ms,
        settlements={},
        least_spot_fee=ctx.least_spot_fee(),
        least_borrow=min([0.0, *(float(v) for v in p.borrow_apr.values())]),
    )


def screen(ctx: ScanContext, c: ScreenConstants, rows: Iterable[tuple[MarketKey, LegRow]]) -> Verdict:
    """The kinds one asset could offer (`rows`: its perps, keyed by market)."""
    p = ctx.params
    only = p.symbols
    fee_bounds = ctx.caches.fee_bound
    fee_bound = ctx.fee_bound
    # The spot survey behind spot_venues has resolved every listed market's fee bound: a miss is
    # a perp without a listing (its venue's tier fees).
    spot_venues = ctx.spot_venues()
    k = c.k
    linear: list[LegRow] = []
    max_a = max_b = max_spot = NO_BOUND
    largest = 0.0
    hedge_gain = 0.0
    least_fee = 1.0  # as best_temporal starts it
    settlements = c.settlements
    # Below this, |h| x 8760 - fee x k leaves no spot market room to pass (a margin covers the
    # different order of the float operations): the spot market is not even looked up.
    spot_floor = c.floor + c.least_spot_fee * k - c.least_borrow - MARGIN_APR
    for key, r in rows:
        if r.settle not in USD_STABLECOINS or (only and r.base not in only and r.symbol not in only):
            continue
        linear.append(r)
        fee = fee_bounds.get(key)
        if fee is None:
            fee = fee_bound(key[0], key[1])
        yearly = r.hourly * HOURS_PER_YEAR_F
        fee_apr = fee * k
        a = yearly - fee_apr
        if a > max_a:
            max_a = a
        b = -yearly - fee_apr
        if b > max_b:
            max_b = b
        rate = r.rate_f if r.rate_f >= 0.0 else -r.rate_f
        if rate > largest:
            largest = rate
        times = settlements.get(r.interval_hours)
        if times is None:
            times = settlements[r.interval_hours] = settlements_in(c.longest_ms, r.interval_hours)
        if rate * times > hedge_gain:
            hedge_gain = rate * times
        if fee < least_fee:
            least_fee = fee
        if r.venue in spot_venues and (a if a > b else b) >= spot_floor:
            spot_bound = _spot_perp_bound(ctx, r, yearly, fee, k, c.floor)
            if spot_bound > max_spot:
                max_spot = spot_bound
    if not linear:
        return Verdict(False, False, False, linear)
    floor = c.floor
    cross = p.cross_perp and len(linear) > 1 and max_a + max_b >= floor
    if cross:
        cross = _tight_cross(ctx, linear, k) + EPS >= floor
    cheapest_hedge = least_fee if least_fee < c.least_spot_fee else c.least_spot_fee
    temporal = p.temporal and (largest + hedge_gain - least_fee - cheapest_hedge) * c.size >= c.min_ev
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


def _tight_cross(ctx: ScanContext, linear: list[LegRow], k: float) -> float:
    """max a + max b with each market's cost floor (fees and touch spread) in place of its fees:
    the bound best_cross skips a pair on before walking its books. Below the minimum APR (with
    the tie slack), every pair would be skipped."""
    new_floor = ctx.new_cost_floor
    known = ctx.caches.cost_floor
    max_a = max_b = NO_BOUND
    for r in linear:
        yearly = r.hourly * HOURS_PER_YEAR_F
        key = (r.venue, r.symbol)
        floor = known.get(key)
        if floor is None:
            floor = new_floor(key)
        cost_apr = floor * k
        a = yearly - cost_apr
        if a > max_a:
            max_a = a
        b = -yearly - cost_apr
        if b > max_b:
            max_b = b
    return max_a + max_b
