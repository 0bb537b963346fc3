"""Construction: for one base asset, the best trade of each kind, found without costing every pair.

Type B/C. Net APR is separable: net(L, S) = a(S) + b(L) with
    a(S) = h_S * 8760 - rt_S * 8760 / H        b(L) = -h_L * 8760 - rt_L * 8760 / H
(h the hourly rate, rt a market's round-trip cost fraction, H the horizon). Fees alone are a
lower bound on rt, so with fee-only a and b, a(S) + b(L) is an upper bound on a pair's net APR.
Pairs are visited in decreasing bound (the k-largest-sums walk over a and b sorted), each costed
in full, and the walk stops once the next bound cannot beat the best viable pair found or cannot
reach the minimum APR. The pair it returns is therefore the one a brute-force scan would pick
(tests/strategy/test_pruning.py checks this against `brute_force_base`).

Type A and E use the same bound-and-stop idea over their (fewer) options.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from nexus_tui.core.models import MarketKind
from nexus_tui.strategy.assemble import assemble
from nexus_tui.strategy.candidates import (
    Candidate,
    SpotRow,
    cost_cross,
    cost_cross_with,
    cost_spot_perp,
    cost_temporal,
    spot_symbol_for,
)
from nexus_tui.strategy.context import PASS, ScanContext
from nexus_tui.strategy.costs import MarketCosts
from nexus_tui.strategy.models import LegRow, Opportunity
from nexus_tui.strategy.schedule import Schedule
from nexus_tui.strategy.venues import USD_STABLECOINS

EPS = 1e-12  # float slack on bounds; a pair this close to the best is a tie
HOURS_PER_YEAR_F = 8760.0


class BaseResult(NamedTuple):
    viable: tuple[Opportunity, ...]
    pairs_costed: int
    pairs_possible: int
    recost_at: datetime


class Search(NamedTuple):
    best: Candidate | None  # the viable candidate with the highest net APR
    costed: int


NOTHING = Search(None, 0)


def linear_perps(rows: Iterable[LegRow], only: frozenset[str] = frozenset()) -> list[LegRow]:
    """Perps margined in a US-dollar stablecoin (coin-margined perps pay funding in the coin),
    restricted to `only` (base assets or symbols) when it is not empty."""
    return [
        r for r in rows if r.settle in USD_STABLECOINS and (not only or r.base in only or r.symbol in only)
    ]


def _better(cand: Candidate, best: Candidate | None) -> bool:
    return best is None or cand.net_apr_f > best.net_apr_f


# -- screening ----------------------------------------------------------------------------

MARGIN_APR = 1e-9  # float screens reject only clear failures; anything this close is costed exactly
MARGIN_USD = 1e-6
MARGIN_HOURLY = 1e-15


# A usable perp (its gates pass) with the floats the searches order by, as a plain tuple (built
# for every market on every scan, so kept cheap): (row, fee, yearly, a, b, first_ms, interval_ms)
#   fee       round-trip fee fraction: the least its round trip can cost
#   yearly    hourly rate x 8760
#   a / b     as the short / long leg: +/- yearly minus the fee bound as APR over the horizon
#   first_ms  to its next settlement; interval_ms its funding interval
Leg = tuple[LegRow, float, float, float, float, int, int]


def usable_legs(ctx: ScanContext, perps: Sequence[LegRow], fees: Sequence[float] | None = None) -> list[Leg]:
    """The perps whose gates pass (ctx.passes), with the floats the searches use (`fees`: each
    perp's fee bound, when known)."""
    out: list[Leg] = []
    passes = ctx.passes
    if fees is None:
        fee_bound = ctx.fee_bound
        fees = [fee_bound(r.venue, r.symbol) for r in perps]
    k = ctx.apr_per_cost
    now_ms = ctx.now_ms
    append = out.append
    for r, fee in zip(perps, fees, strict=True):
        if not passes(r):
            continue
        yearly = r.hourly * HOURS_PER_YEAR_F
        fee_apr = fee * k
        interval = r.interval_hours * 3_600_000
        next_ms = r.next_ms
        if next_ms is None:
            first = ctx.schedule(r).first_ms
        else:
            first = next_ms - now_ms
            if first <= 0:
                first += (-first // interval + 1) * interval
        append((r, fee, yearly, yearly - fee_apr, -yearly - fee_apr, first, interval))
    return out


class Screen:
    """Float screens that tell a pair cannot be viable, or cannot beat the best so far, without
    costing it in Decimal. Every screen leaves a margin, so a pair near a threshold is costed."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.k = ctx.apr_per_cost
        self.floor = ctx.min_net_apr_f - MARGIN_APR
        self.delta_floor = ctx.min_delta_hourly_f - MARGIN_HOURLY
        self.size = ctx.size_f
        self.min_ev = ctx.min_ev_f - MARGIN_USD
        self.horizon_ms = ctx.horizon_ms
        self.max_break_even_ms = ctx.max_break_even_hours_f * 3_600_000 + 1.0

    def cross_inputs(
        self, long: LegRow, short: LegRow, best_net: float
    ) -> tuple[MarketCosts, MarketCosts, Schedule, Schedule] | None:
        """None when the pair (type B/C) cannot be viable or beat `best_net`; else what the
        screen looked up: (long costs, short costs, long schedule, short schedule), the inputs
        cost_cross_with takes."""
        delta = short.hourly - long.hourly
        if delta <= self.delta_floor:
            return None
        costs = self.ctx.costs
        lc = costs(long.venue, long.symbol)
        sc = costs(short.venue, short.symbol)
        if not (lc.long_ok and sc.short_ok):
            return None
        rt = lc.round_trip_f + sc.round_trip_f
        net = delta * HOURS_PER_YEAR_F - rt * self.k
        if net < self.floor or net < best_net - MARGIN_APR:
            return None
        schedule, horizon = self.ctx.schedule, self.horizon_ms
        ss, ls = schedule(short), schedule(long)
        funding = short.rate_f * ss.count(horizon) - long.rate_f * ls.count(horizon)
        if (funding - rt) * self.size < self.min_ev:
            return None
        if earliest_break_even_ms(rt, ((short.rate_f, ss), (-long.rate_f, ls))) > self.max_break_even_ms:
            return None
        return lc, sc, ls, ss

    def spot_perp(self, perp: LegRow, spot: SpotRow, borrow: float, best_net: float) -> bool:
        ctx = self.ctx
        if abs(perp.hourly) <= self.delta_floor:
            return False
        pc = ctx.costs(perp.venue, perp.symbol)
        sc = ctx.costs(spot.venue, spot.symbol)
        if perp.rate_f > 0:
            if not (sc.long_ok and pc.short_ok):
                return False
        elif not (pc.long_ok and sc.short_ok):
            return False
        rt = pc.round_trip_f + sc.round_trip_f
        net = abs(perp.hourly) * HOURS_PER_YEAR_F - rt * self.k - borrow
        return not (net < self.floor or net < best_net - MARGIN_APR)


NO_BEST = float("-inf")


def earliest_break_even_ms(fixed: float, flows: Sequence[tuple[float, Schedule]]) -> float:
    """A lower bound on the break-even time: funding collected by t is at most
    t x (average rate) + sum(max(r, 0) - r x first / interval), so it cannot reach `fixed` sooner
    (schedule.py's break_even_hours has the derivation). Infinite when it never can."""
    rate = 0.0
    upper = 0.0
    for r, (first, interval, _) in flows:
        rate += r / interval
        upper += (r if r > 0.0 else 0.0) - r * first / interval
    if upper >= fixed:
        return 0.0
    if rate <= 0.0:
        return float("inf")
    return (fixed - upper) / rate - 1.0


_BY_A = itemgetter(3)
_BY_B = itemgetter(4)


# -- type B / C ---------------------------------------------------------------------------


def best_cross(ctx: ScanContext, legs: Sequence[Leg]) -> Search:
    """Shorts by a, longs by b, both descending; a pair's bound is a + b. Pairs are visited row
    by row and each row stops at the first bound that cannot beat the threshold (the minimum APR,
    or the best viable net found so far): every pair left out has a bound, hence a net APR, no
    better than the answer."""
    if len(legs) < 2:
        return NOTHING
    # Descending; a stable sort keeps the asset's row order among exact ties.
    shorts = sorted(legs, key=_BY_A, reverse=True)
    longs = sorted(legs, key=_BY_B, reverse=True)
    screen = Screen(ctx)
    floor = screen.floor
    k = screen.k
    best: Candidate | None = None
    best_net = NO_BEST
    threshold = floor  # a bound must reach this (and exceed the best by EPS) to be worth a look
    costed = 0
    top_b = longs[0][4]
    cost_floor = ctx.cost_floor
    for s in shorts:
        a = s[3]
        if a + top_b < threshold:
            break
        short = s[0]
        a_tight = NO_BEST  # a with the book's touch as well as fees: worked out when needed
        for g in longs:
            bound = a + g[4]
            if bound < threshold:
                break
            long = g[0]
            if long.venue == short.venue:
                continue
            # The same bound with each market's cost floor (touch spread too): a pair below the
            # threshold on it is skipped before its books are walked (FLOOR_MARGIN says why this
            # never changes the answer).
            if a_tight == NO_BEST:
                a_tight = s[2] - cost_floor(short.venue, short.symbol) * k
            if a_tight + (-g[2] - cost_floor(long.venue, long.symbol) * k) + EPS < threshold:
                continue
            found = screen.cross_inputs(long, short, best_net)
            if found is None:
                continue
            cand = cost_cross_with(ctx, long, short, *found)
            costed += 1
            if cand.viable and cand.net_apr_f > best_net:
                best, best_net = cand, cand.net_apr_f
                threshold = max(floor, best_net + EPS)
    return Search(best, costed)


def widest_pair(perps: Sequence[LegRow]) -> tuple[LegRow, LegRow] | None:
    """(long, short) with the largest hourly spread across two different venues."""
    if len(perps) < 2:
        return None
    ordered = sorted(perps, key=lambda r: (r.hourly, r.venue, r.symbol))
    low, high = ordered[0], ordered[-1]
    if low.venue != high.venue:
        return low, high
    other_low = next((r for r in ordered if r.venue != high.venue), None)
    other_high = next((r for r in reversed(ordered) if r.venue != low.venue), None)
    options = [(high.hourly - r.hourly, r, high) for r in (other_low,) if r is not None]
    options += [(r.hourly - low.hourly, low, r) for r in (other_high,) if r is not None]
    if not options:
        return None
    _, long, short = max(options, key=lambda t: t[0])
    return long, short


# -- type A ---------------------------------------------------------------------------------


def spot_market(ctx: ScanContext, perp: LegRow) -> SpotRow | None:
    """The spot market listed on the perp's venue for the same pair, if any (cached)."""
    key = (perp.venue, perp.symbol)
    spots = ctx.caches.spots
    if key in spots:
        return spots[key]  # type: ignore[return-value]
    symbol = spot_symbol_for(perp.symbol)
    market = ctx.markets.get((perp.venue, symbol))
    found = None
    if market is not None and market.kind is MarketKind.SPOT and market.active:
        found = SpotRow(perp.venue, symbol, perp.base, market.quote)
    spots[key] = found
    return found


def best_spot_perp(ctx: ScanContext, legs: Sequence[Leg]) -> Search:
    spot_venues = ctx.spot_venues()
    if not spot_venues:
        return NOTHING
    k = ctx.apr_per_cost
    options: list[tuple[float, str, LegRow, SpotRow, float]] = []
    for r, perp_fee, yearly, *_ in legs:
        if r.venue not in spot_venues:
            continue
        spot = spot_market(ctx, r)
        if spot is None or ctx.spot_gate(spot.venue, spot.symbol, spot.base) is not PASS:
            continue
        fee = (perp_fee + ctx.fee_bound(spot.venue, spot.symbol)) * k
        borrow = float(ctx.params.borrow_apr.get((spot.venue, spot.base), 0)) if r.rate < 0 else 0.0
        options.append((abs(yearly) - fee - borrow, r.venue, r, spot, borrow))
    if not options:
        return NOTHING
    options.sort(key=lambda t: (-t[0], t[1]))
    best: Candidate | None = None
    best_net = NO_BEST
    costed = 0
    screen = Screen(ctx)
    floor = screen.floor
    for bound, _, perp, spot, borrow in options:
        if bound < floor or bound <= best_net + EPS:
            break
        floors = ctx.cost_floor(perp.venue, perp.symbol) + ctx.cost_floor(spot.venue, spot.symbol)
        tight = abs(perp.hourly) * HOURS_PER_YEAR_F - floors * k - borrow
        if tight + EPS < floor or tight <= best_net:
            continue  # as best_cross: below on the cost floors, so below on its costs
        if not screen.spot_perp(perp, spot, borrow, best_net):
            continue
        cand = cost_spot_perp(ctx, perp, spot)
        costed += 1
        if cand.viable and cand.net_apr_f > best_net:
            best, best_net = cand, cand.net_apr_f
    return Search(best, costed)


# -- type E ---------------------------------------------------------------------------------


def _count(first_ms: int, interval_ms: int, window_ms: int) -> int:
    return 0 if window_ms < first_ms else (window_ms - first_ms) // interval_ms + 1


def best_temporal(ctx: ScanContext, legs: Sequence[Leg]) -> Search:
    """Capture one imminent settlement, hedged by the perp (or spot) that costs least through it."""
    lead_ms = ctx.lead_ms
    max_wait_ms = ctx.max_wait_ms
    longest = max_wait_ms + ctx.delay_ms
    # One pass: the settlements worth capturing, the most any hedge can add over the longest
    # window, the cheapest round trip, and the largest single capture.
    captures: list[Leg] = []
    hedge_gain = 0.0
    least_fee = 1.0
    largest = 0.0
    for g in legs:
        rate = abs(g[0].rate_f)
        first = g[5]
        if first <= longest:
            gain = rate * ((longest - first) // g[6] + 1)
            if gain > hedge_gain:
                hedge_gain = gain
        if g[1] < least_fee:
            least_fee = g[1]
        if lead_ms <= first <= max_wait_ms and rate:
            captures.append(g)
            if rate > largest:
                largest = rate
    if not captures:
        return NOTHING
    size = ctx.size_f
    min_ev = ctx.min_ev_f - MARGIN_USD
    delay_ms = ctx.delay_ms
    spot_venues = ctx.spot_venues()
    cheapest_hedge = least_fee
    for g in captures:
        if g[0].venue in spot_venues:
            spot = spot_market(ctx, g[0])
            if spot is not None:
                cheapest_hedge = min(cheapest_hedge, ctx.fee_bound(spot.venue, spot.symbol))
    if (largest + hedge_gain - least_fee - cheapest_hedge) * size < min_ev:
        return NOTHING  # no capture can pay its round trip (the usual case)
    best: Candidate | None = None
    best_net = NO_BEST
    costed = 0
    floor = ctx.min_net_apr_f - MARGIN_APR
    for capture, fee_x, _, _, _, first_x, interval_x in captures:
        window_ms = first_x + delay_ms
        caught = abs(capture.rate_f) * _count(first_x, interval_x, window_ms)
        spot = spot_market(ctx, capture) if capture.venue in spot_venues else None
        cheapest = least_fee if spot is None else min(least_fee, ctx.fee_bound(spot.venue, spot.symbol))
        ceiling = caught + hedge_gain - fee_x - cheapest  # funding minus costs, as a fraction
        per_year = HOURS_PER_YEAR_F * 3_600_000 / window_ms
        if ceiling * size < min_ev or ceiling * per_year < floor:
            continue
        short_capture = capture.rate > 0
        options: list[tuple[float, str, str, LegRow | SpotRow]] = []
        for hedge, fee_h, _, _, _, first_h, interval_h in legs:
            if hedge.venue == capture.venue:
                continue
            flow = (-hedge.rate_f if short_capture else hedge.rate_f) * _count(first_h, interval_h, window_ms)
            options.append(((caught + flow - fee_x - fee_h) * per_year, hedge.venue, hedge.symbol, hedge))
        if spot is not None and ctx.spot_gate(spot.venue, spot.symbol, spot.base) is PASS:
            bound = (caught - fee_x - ctx.fee_bound(spot.venue, spot.symbol)) * per_year
            options.append((bound, spot.venue, spot.symbol, spot))
        options.sort(key=lambda t: (-t[0], t[1], t[2]))
        capture_ts = ctx.now + timedelta(milliseconds=first_x)
        for bound, _, _, hedge_row in options:
            if bound < floor or bound <= best_net + EPS:
                break
            cand = cost_temporal(ctx, capture, hedge_row, window_ms, capture_ts)
            costed += 1
            if cand.viable and cand.net_apr_f > best_net:
                best, best_net = cand, cand.net_apr_f
    return Search(best, costed)


# -- one base asset ---------------------------------------------------------------------------


Kinds = tuple[bool, bool, bool]  # look for B/C, A, E
ALL_KINDS: Kinds = (True, True, True)
# An asset the screen (screen.py) rules out is not re-costed with time, only when its data change.
NEVER = datetime.max.replace(tzinfo=UTC)


def evaluate_base(
    ctx: ScanContext,
    perps: Sequence[LegRow],
    kinds: Kinds = ALL_KINDS,
    *,
    linear: bool = False,
    pairs: int | None = None,
    fees: Sequence[float] | None = None,
) -> BaseResult:
    """The best viable trade of each kind for one base asset, looking only for `kinds` (the
    others are known to have none: screen.py). `linear`: `perps` are already the asset's linear
    perps (linear_perps); `pairs` and `fees`: their n_pairs and fee bounds, when known."""
    p = ctx.params
    rows = list(perps) if linear else linear_perps(perps, p.symbols)
    legs = usable_legs(ctx, rows, fees)
    cross, spot_perp, temporal = kinds
    searches = (
        best_cross(ctx, legs) if p.cross_perp and cross else NOTHING,
        best_spot_perp(ctx, legs) if p.spot_perp and spot_perp else NOTHING,
        best_temporal(ctx, legs) if p.temporal and temporal else NOTHING,
    )
    viable = tuple([assemble(ctx, s.best) for s in searches if s.best is not None])
    costed = searches[0].costed + searches[1].costed + searches[2].costed
    possible = n_pairs(rows) if pairs is None else pairs
    return BaseResult(viable, costed, possible, recost_time(ctx, rows, legs))


def nothing_possible(pairs: int) -> BaseResult:
    """An asset the screen ruled out: nothing viable, nothing costed, nothing due with time
    (`pairs`: its linear perps' n_pairs)."""
    return BaseResult((), 0, pairs, NEVER)


def explain_base(
    ctx: ScanContext, perps: Sequence[LegRow], viable: Sequence[Opportunity]
) -> tuple[Opportunity, ...]:
    """Why the obvious trades are not listed: the widest-spread pair (B/C) and the largest-rate
    spot-perp (A), whatever their legs' state, costed in full, when they are not viable."""
    p = ctx.params
    linear = linear_perps(perps, p.symbols)
    taken = {(o.long.venue, o.long.symbol, o.short.venue, o.short.symbol) for o in viable}
    out: list[Opportunity] = []
    pair = widest_pair(linear) if p.cross_perp else None
    if pair is not None and (pair[0].venue, pair[0].symbol, pair[1].venue, pair[1].symbol) not in taken:
        cand = cost_cross(ctx, pair[0], pair[1])
        if not cand.viable:
            out.append(assemble(ctx, cand))
    if p.spot_perp:
        with_spot = [(abs(r.hourly), r, spot) for r in linear if (spot := spot_market(ctx, r)) is not None]
        if with_spot:
            _, perp, spot = max(with_spot, key=lambda t: (t[0], t[1].venue))
            cand = cost_spot_perp(ctx, perp, spot)
            key = (cand.long.venue, cand.long.symbol, cand.short.venue, cand.short.symbol)
            if not cand.viable and key not in taken:
                out.append(assemble(ctx, cand))
    return tuple(out)


def brute_force_base(ctx: ScanContext, perps: Sequence[LegRow]) -> BaseResult:
    """Every pair costed in full: the baseline the pruned search must agree with."""
    p = ctx.params
    linear = linear_perps(perps, p.symbols)
    cross = NOTHING
    if p.cross_perp:
        cross = _brute(
            cost_cross(ctx, long, short) for long in linear for short in linear if long.venue != short.venue
        )
    spot_perp = NOTHING
    if p.spot_perp:
        spot_perp = _brute(
            cost_spot_perp(ctx, r, spot) for r in linear if (spot := spot_market(ctx, r)) is not None
        )
    temporal = _brute(_all_temporal(ctx, linear)) if p.temporal else NOTHING
    return _result(ctx, linear, (cross, spot_perp, temporal), n_pairs(linear))


def _all_temporal(ctx: ScanContext, perps: Sequence[LegRow]) -> Iterable[Candidate]:
    lead_ms, max_wait_ms, delay_ms = ctx.lead_ms, ctx.max_wait_ms, ctx.delay_ms
    for capture in perps:
        schedule = ctx.schedule(capture)
        if (
            capture.rate == 0
            or not ctx.gate(capture).passes
            or not lead_ms <= schedule.first_ms <= max_wait_ms
        ):
            continue
        window_ms = schedule.first_ms + delay_ms
        capture_ts = ctx.now + timedelta(milliseconds=schedule.first_ms)
        for hedge in perps:
            if hedge.venue != capture.venue:
                yield cost_temporal(ctx, capture, hedge, window_ms, capture_ts)
        spot = spot_market(ctx, capture)
        if spot is not None:
            yield cost_temporal(ctx, capture, spot, window_ms, capture_ts)


def _brute(cands: Iterable[Candidate]) -> Search:
    best: Candidate | None = None
    costed = 0
    for cand in cands:
        costed += 1
        if cand.viable and _better(cand, best):
            best = cand
    return Search(best, costed)


def n_pairs(perps: Sequence[LegRow]) -> int:
    """Ordered cross-venue pairs: what brute force costs for type B/C alone."""
    return pairs_among([r.venue for r in perps])


def pairs_among(venues: Sequence[str]) -> int:
    """n_pairs of perps on these venues (one entry per perp)."""
    total = len(venues)
    if len(set(venues)) == total:
        return total * (total - 1)
    per_venue: dict[str, int] = {}
    for venue in venues:
        per_venue[venue] = per_venue.get(venue, 0) + 1
    return sum(count * (total - count) for count in per_venue.values())


def _result(
    ctx: ScanContext, perps: Sequence[LegRow], searches: Sequence[Search], possible: int
) -> BaseResult:
    viable = tuple(assemble(ctx, s.best) for s in searches if s.best is not None)
    return BaseResult(viable, sum(s.costed for s in searches), possible, recost_time(ctx, perps))


def recost_time(ctx: ScanContext, perps: Sequence[LegRow], legs: Sequence[Leg] | None = None) -> datetime:
    """When this base's figures go out of date with no new data: a settlement of a usable leg,
    a usable row ageing out, or the periodic re-cost. (A leg that cannot be used now becomes
    usable only through new data, which re-costs the base anyway.)"""
    if legs is None:
        legs = usable_legs(ctx, perps)
    # The periodic re-cost is spread over half to all of recost_after_s by asset, so a scanner
    # that costed everything at once does not re-cost everything at once again.
    spread = zlib.crc32(perps[0].base.encode()) % 512 if perps else 0
    due_ms = ctx.recost_after_ms // 2 + ctx.recost_after_ms * spread // 1024
    oldest = None
    for g in legs:
        if g[5] < due_ms:
            due_ms = g[5]
        seen = g[0].observed_at
        if oldest is None or seen < oldest:
            oldest = seen
    due = ctx.now + timedelta(milliseconds=due_ms)
    if oldest is not None and oldest + ctx.max_age < due:
        due = oldest + ctx.max_age
    return due
