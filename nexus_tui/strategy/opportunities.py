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

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from nexus_tui.core.models import MarketKind
from nexus_tui.strategy.assemble import assemble
from nexus_tui.strategy.candidates import (
    Candidate,
    SpotRow,
    cost_cross,
    cost_spot_perp,
    cost_temporal,
    spot_symbol_for,
)
from nexus_tui.strategy.context import ScanContext
from nexus_tui.strategy.models import LegRow, Opportunity
from nexus_tui.strategy.schedule import hours_to_ms
from nexus_tui.strategy.venues import USD_STABLECOINS

EPS = 1e-12  # float slack on bounds; a pair this close to the best is a tie
HOURS_PER_YEAR_F = 8760.0


class BaseResult(NamedTuple):
    viable: tuple[Opportunity, ...]
    rejected: tuple[Opportunity, ...]
    pairs_costed: int
    pairs_possible: int
    recost_at: datetime


class Search(NamedTuple):
    best: Candidate | None  # the viable candidate with the highest net APR
    rejected: Candidate | None  # the candidate worth explaining when it is not the best
    costed: int


def linear_perps(rows: Iterable[LegRow]) -> list[LegRow]:
    """Perps margined in a US-dollar stablecoin (coin-margined perps pay funding in the coin)."""
    return [r for r in rows if r.settle in USD_STABLECOINS]


def _better(cand: Candidate, best: Candidate | None) -> bool:
    return best is None or cand.net_apr_f > best.net_apr_f


# -- type B / C ---------------------------------------------------------------------------


def best_cross(ctx: ScanContext, perps: Sequence[LegRow]) -> Search:
    k = ctx.apr_per_cost
    shorts: list[tuple[float, str, str, LegRow]] = []
    longs: list[tuple[float, str, str, LegRow]] = []
    for r in perps:
        if not ctx.gate(r).passes:
            continue
        fee = ctx.fee_bound(r.venue, r.symbol) * k
        yearly = r.hourly * HOURS_PER_YEAR_F
        shorts.append((yearly - fee, r.venue, r.symbol, r))
        longs.append((-yearly - fee, r.venue, r.symbol, r))
    best: Candidate | None = None
    first_rejected: Candidate | None = None
    costed_pairs: dict[tuple[str, str, str, str], Candidate] = {}
    if len(shorts) >= 2:
        shorts.sort(key=lambda t: (-t[0], t[1], t[2]))
        longs.sort(key=lambda t: (-t[0], t[1], t[2]))
        n = len(shorts)
        floor = ctx.min_net_apr_f - EPS
        heap = [(-(shorts[0][0] + longs[0][0]), 0, 0)]
        seen = {(0, 0)}
        while heap:
            neg_bound, i, j = heapq.heappop(heap)
            bound = -neg_bound
            if bound < floor or (best is not None and bound <= best.net_apr_f + EPS):
                break
            for ni, nj in ((i + 1, j), (i, j + 1)):
                if ni < n and nj < n and (ni, nj) not in seen:
                    seen.add((ni, nj))
                    heapq.heappush(heap, (-(shorts[ni][0] + longs[nj][0]), ni, nj))
            short, long = shorts[i][3], longs[j][3]
            if short.venue == long.venue:
                continue
            cand = cost_cross(ctx, long, short)
            costed_pairs[(long.venue, long.symbol, short.venue, short.symbol)] = cand
            if cand.viable:
                if _better(cand, best):
                    best = cand
            elif first_rejected is None:
                first_rejected = cand
    rejected = _explain_cross(ctx, perps, best, costed_pairs) or (first_rejected if best is None else None)
    extra = 1 if rejected is not None and rejected not in costed_pairs.values() else 0
    return Search(best, rejected, len(costed_pairs) + extra)


def _explain_cross(
    ctx: ScanContext,
    perps: Sequence[LegRow],
    best: Candidate | None,
    costed: dict[tuple[str, str, str, str], Candidate],
) -> Candidate | None:
    """The widest-spread pair (whatever its legs' state), when it is not viable: why it is not taken."""
    top = widest_pair(perps)
    if top is None:
        return None
    long, short = top
    if best is not None and best.long == long and best.short == short:
        return None
    cand = costed.get((long.venue, long.symbol, short.venue, short.symbol)) or cost_cross(ctx, long, short)
    return None if cand.viable else cand


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
    symbol = spot_symbol_for(perp.symbol)
    market = ctx.markets.get((perp.venue, symbol))
    if market is None or market.kind is not MarketKind.SPOT or not market.active:
        return None
    return SpotRow(perp.venue, symbol, perp.base, market.quote)


def best_spot_perp(ctx: ScanContext, perps: Sequence[LegRow]) -> Search:
    k = ctx.apr_per_cost
    options: list[tuple[float, str, LegRow, SpotRow]] = []
    widest: tuple[float, LegRow, SpotRow] | None = None
    for r in perps:
        spot = spot_market(ctx, r)
        if spot is None:
            continue
        yearly = abs(r.hourly) * HOURS_PER_YEAR_F
        if widest is None or yearly > widest[0]:
            widest = (yearly, r, spot)
        if not ctx.gate(r).passes or not ctx.spot_gate(spot.venue, spot.symbol, spot.base).passes:
            continue
        fee = (ctx.fee_bound(r.venue, r.symbol) + ctx.fee_bound(spot.venue, spot.symbol)) * k
        borrow = float(ctx.params.borrow_apr.get((spot.venue, spot.base), 0)) if r.rate < 0 else 0.0
        options.append((yearly - fee - borrow, r.venue, r, spot))
    options.sort(key=lambda t: (-t[0], t[1]))
    best: Candidate | None = None
    first_rejected: Candidate | None = None
    costed = 0
    floor = ctx.min_net_apr_f - EPS
    for bound, _, perp, spot in options:
        if bound < floor or (best is not None and bound <= best.net_apr_f + EPS):
            break
        cand = cost_spot_perp(ctx, perp, spot)
        costed += 1
        if cand.viable:
            if _better(cand, best):
                best = cand
        elif first_rejected is None:
            first_rejected = cand
    rejected = None
    if widest is not None and (best is None or best.short != widest[1] and best.long != widest[1]):
        cand = cost_spot_perp(ctx, widest[1], widest[2])
        costed += 1
        rejected = None if cand.viable else cand
    if rejected is None and best is None:
        rejected = first_rejected
    return Search(best, rejected, costed)


# -- type E ---------------------------------------------------------------------------------


def best_temporal(ctx: ScanContext, perps: Sequence[LegRow]) -> Search:
    """Capture one imminent settlement, hedged by the perp (or spot) that costs least through it."""
    p = ctx.params
    lead_ms = hours_to_ms(p.min_entry_lead_hours)
    max_wait_ms = hours_to_ms(p.temporal_max_wait_hours)
    delay_ms = hours_to_ms(p.temporal_exit_delay_hours)
    size = float(p.size_usd)
    min_ev = float(p.min_expected_value_usd)
    usable = [r for r in perps if ctx.gate(r).passes]
    if not usable:
        return Search(None, None, 0)
    longest = max_wait_ms + delay_ms
    # The most any hedge can add over the longest window, and the least any leg can cost.
    hedge_gain = max(abs(float(r.rate)) * ctx.schedule(r).count(longest) for r in usable)
    least_fee = min(ctx.fee_bound(r.venue, r.symbol) for r in usable)
    best: Candidate | None = None
    costed = 0
    floor = ctx.min_net_apr_f - EPS
    for capture in usable:
        schedule = ctx.schedule(capture)
        if capture.rate == 0 or not lead_ms <= schedule.first_ms <= max_wait_ms:
            continue
        window_ms = schedule.first_ms + delay_ms
        window_h = window_ms / 3_600_000
        per_year = HOURS_PER_YEAR_F / window_h
        caught = abs(float(capture.rate)) * schedule.count(window_ms)
        fee_x = ctx.fee_bound(capture.venue, capture.symbol)
        ceiling = caught + hedge_gain - fee_x - least_fee
        if ceiling * size < min_ev or ceiling * per_year < floor:
            continue
        short_capture = capture.rate > 0
        options: list[tuple[float, str, str, LegRow | SpotRow]] = []
        for hedge in usable:
            if hedge.venue == capture.venue:
                continue
            count = ctx.schedule(hedge).count(window_ms)
            flow = (-float(hedge.rate) if short_capture else float(hedge.rate)) * count
            bound = (caught + flow - fee_x - ctx.fee_bound(hedge.venue, hedge.symbol)) * per_year
            options.append((bound, hedge.venue, hedge.symbol, hedge))
        spot = spot_market(ctx, capture)
        if spot is not None and ctx.spot_gate(spot.venue, spot.symbol, spot.base).passes:
            bound = (caught - fee_x - ctx.fee_bound(spot.venue, spot.symbol)) * per_year
            options.append((bound, spot.venue, spot.symbol, spot))
        options.sort(key=lambda t: (-t[0], t[1], t[2]))
        capture_ts = ctx.now + timedelta(milliseconds=schedule.first_ms)
        for bound, _, _, hedge_row in options:
            if bound < floor or (best is not None and bound <= best.net_apr_f + EPS):
                break
            cand = cost_temporal(ctx, capture, hedge_row, window_ms, capture_ts)
            costed += 1
            if cand.viable and _better(cand, best):
                best = cand
    return Search(best, None, costed)


# -- one base asset ---------------------------------------------------------------------------


def evaluate_base(ctx: ScanContext, perps: Sequence[LegRow]) -> BaseResult:
    """The best viable trade of each kind for one base asset, and the best pair that is not viable."""
    linear = linear_perps(perps)
    searches = (best_cross(ctx, linear), best_spot_perp(ctx, linear), best_temporal(ctx, linear))
    return _result(ctx, linear, searches, n_pairs(linear))


def brute_force_base(ctx: ScanContext, perps: Sequence[LegRow]) -> BaseResult:
    """Every pair costed in full: the baseline the pruned search must agree with."""
    linear = linear_perps(perps)
    cross = _brute(cost_cross(ctx, long, short) for long in linear for short in linear if long.venue != short.venue)
    spot_perp = _brute(
        cost_spot_perp(ctx, r, spot) for r in linear if (spot := spot_market(ctx, r)) is not None
    )
    temporal = _brute(_all_temporal(ctx, linear))
    return _result(ctx, linear, (cross, spot_perp, temporal), n_pairs(linear))


def _all_temporal(ctx: ScanContext, perps: Sequence[LegRow]) -> Iterable[Candidate]:
    p = ctx.params
    lead_ms = hours_to_ms(p.min_entry_lead_hours)
    max_wait_ms = hours_to_ms(p.temporal_max_wait_hours)
    delay_ms = hours_to_ms(p.temporal_exit_delay_hours)
    for capture in perps:
        schedule = ctx.schedule(capture)
        if capture.rate == 0 or not ctx.gate(capture).passes or not lead_ms <= schedule.first_ms <= max_wait_ms:
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
    return Search(best, None, costed)


def n_pairs(perps: Sequence[LegRow]) -> int:
    """Ordered cross-venue pairs: what brute force costs for type B/C alone."""
    per_venue: dict[str, int] = {}
    for r in perps:
        per_venue[r.venue] = per_venue.get(r.venue, 0) + 1
    total = len(perps)
    return sum(count * (total - count) for count in per_venue.values())


def _result(ctx: ScanContext, perps: Sequence[LegRow], searches: Sequence[Search], possible: int) -> BaseResult:
    viable = tuple(assemble(ctx, s.best) for s in searches if s.best is not None)
    rejected = tuple(assemble(ctx, s.rejected) for s in searches if s.rejected is not None)
    return BaseResult(viable, rejected, sum(s.costed for s in searches), possible, recost_time(ctx, perps))


def recost_time(ctx: ScanContext, perps: Sequence[LegRow]) -> datetime:
    """When this base's figures go out of date with no new data: a settlement, a row ageing out."""
    p = ctx.params
    due = ctx.now + timedelta(seconds=p.recost_after_s)
    for r in perps:
        settles = ctx.now + timedelta(milliseconds=ctx.schedule(r).first_ms)
        if settles < due:
            due = settles
        ages_out = r.observed_at + ctx.max_age
        if ctx.now < ages_out < due:
            due = ages_out
    return due
