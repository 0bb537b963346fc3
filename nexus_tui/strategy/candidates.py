"""Costing one candidate trade in full: funding on the real schedule, costs at size, constraints.

A Candidate is the cheap intermediate the pruning search produces many of; only the ones shown
become Opportunities (assemble.py). Each costing function returns the candidate's verdict:
hard-constraint failures, eligibility failures and the first filter in the pipeline it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from nexus_tui.core.money import HOURS_PER_YEAR, ZERO
from nexus_tui.strategy.constraints import (
    break_even_failure,
    depth_failures,
    entry_gap_failure,
    expected_value_failure,
    funding_delta_failure,
    liquidity_failure,
    min_apr_failure,
    spread_failure,
)
from nexus_tui.strategy.context import PASS, LegGate, ScanContext
from nexus_tui.strategy.costs import MarketCosts, borrow_cost_usd
from nexus_tui.strategy.models import LegRow, OpportunityType
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.schedule import (
    MS_PER_HOUR,
    Flow,
    Schedule,
    break_even_from,
    break_even_hours,
    hours_to_ms,
    scheduled_funding,
)
from nexus_tui.strategy.venues import is_dex

PENDING = -1.0  # break-even not worked out (the pipeline stopped before it)


class SpotRow(NamedTuple):
    """The spot market of a type A trade (no funding)."""

    venue: str
    symbol: str
    base: str
    settle: str


class Candidate(NamedTuple):
    type: OpportunityType
    long: LegRow | SpotRow
    short: LegRow | SpotRow
    long_costs: MarketCosts
    short_costs: MarketCosts
    flows: tuple[Flow, ...]
    hold_hours: Decimal
    gross_apr: Decimal
    net_apr: Decimal
    net_apr_f: float
    funding: Decimal  # fraction of notional collected over the hold, settlement by settlement
    fixed_cost: Decimal  # round-trip fees, spread and slippage, fraction of notional
    borrow_apr: Decimal
    borrow_usd: Decimal
    ev_usd: Decimal
    break_even: float | None  # PENDING when the pipeline stopped before it
    delta_hourly: Decimal  # what the funding-delta constraint compared
    hard: tuple[str, ...]
    ineligible: tuple[str, ...]
    filtered: str | None
    capture_ts: datetime | None = None

    @property
    def viable(self) -> bool:
        return not (self.hard or self.ineligible or self.filtered)

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.hard + self.ineligible + ((self.filtered,) if self.filtered else ())

    def with_break_even(self, params: StrategyParams) -> Candidate:
        if self.break_even != PENDING:
            return self
        carry = self.borrow_apr / HOURS_PER_YEAR
        cap = break_even_cap(params, self.hold_hours)
        return self._replace(break_even=break_even_hours(self.fixed_cost, self.flows, carry, cap))


def break_even_cap(params: StrategyParams, hold_hours: Decimal) -> Decimal:
    """A temporal trade must break even inside its window; a held one within the maximum hold."""
    return hold_hours if hold_hours < params.horizon_hours else params.max_hold_hours


def _pipeline(
    ctx: ScanContext,
    long_venue: str,
    long_gate: LegGate,
    long_costs: MarketCosts,
    long_price: Decimal | None,
    short_venue: str,
    short_gate: LegGate,
    short_costs: MarketCosts,
    short_price: Decimal | None,
    net_apr: Decimal,
    ev_usd: Decimal,
    hold_hours: Decimal,
    fixed_cost: Decimal,
    flows: tuple[Flow, ...],
    rates_f: tuple[float, ...],
    carry_per_hour: Decimal,
) -> tuple[str | None, float | None]:
    """Seed 004's filters in order; the first failure is the reason. Returns (reason, break-even).

    When both markets' own verdicts pass (MarketCosts.long_ok / short_ok: spread, depth against
    the liquidity multiple, entry slippage), the spread and liquidity filters cannot fail and are
    not asked (the usual case)."""
    p = ctx.params
    reason = long_gate.blacklisted or short_gate.blacklisted
    if reason:
        return reason, PENDING
    markets_ok = long_costs.long_ok and short_costs.short_ok
    if not markets_ok:
        reason = spread_failure(long_venue, long_costs, p) or spread_failure(short_venue, short_costs, p)
        if reason:
            return reason, PENDING
    reason = entry_gap_failure(long_venue, long_price, short_venue, short_price, p) or min_apr_failure(
        net_apr, p
    )
    if reason:
        return reason, PENDING
    if not markets_ok:
        reason = liquidity_failure(long_venue, long_costs, long_costs.buy_slippage, p) or liquidity_failure(
            short_venue, short_costs, short_costs.sell_slippage, p
        )
        if reason:
            return reason, PENDING
    reason = expected_value_failure(ev_usd, hold_hours, p)
    if reason:
        return reason, PENDING
    break_even = break_even_from(
        fixed_cost,
        long_costs.round_trip_f + short_costs.round_trip_f,
        flows,
        rates_f,
        carry_per_hour,
        _cap_ms(break_even_cap(p, hold_hours)),
    )
    return break_even_failure(break_even, p), break_even


def _verdict(
    ctx: ScanContext,
    long_venue: str,
    long_gate: LegGate,
    long_costs: MarketCosts,
    short_venue: str,
    short_gate: LegGate,
    short_costs: MarketCosts,
    delta_hourly: Decimal,
    extra_hard: tuple[str, ...] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    p = ctx.params
    if (
        long_gate is PASS
        and short_gate is PASS
        and not extra_hard
        and long_costs.long_ok  # depth against the larger multiple passes, among others
        and short_costs.short_ok
        and delta_hourly > p.min_funding_delta_hourly
    ):
        return NO_REASONS  # the usual case
    hard = long_gate.hard + short_gate.hard + extra_hard
    depth = depth_failures(long_venue, long_costs, p) + depth_failures(short_venue, short_costs, p)
    if depth:
        hard += tuple(depth)
    delta = funding_delta_failure(delta_hourly, p)
    if delta:
        hard += (delta,)
    return hard, long_gate.ineligible + short_gate.ineligible


def _mark_price(row: LegRow | SpotRow) -> Decimal | None:
    """A cross trade's entry gap compares the perps' marks only (no fallback to a book's mid)."""
    return row.mark_price if isinstance(row, LegRow) else None


_tuple_new = tuple.__new__
NO_REASONS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
_CAP_MS: dict[Decimal, int] = {}  # break-even cap in hours -> milliseconds (hours_to_ms)


def _cap_ms(cap: Decimal) -> int:
    ms = _CAP_MS.get(cap)
    if ms is None:
        if len(_CAP_MS) > 4096:  # type E windows vary: keep the cache bounded
            _CAP_MS.clear()
        ms = _CAP_MS[cap] = hours_to_ms(cap)
    return ms


def _judged(
    ctx: ScanContext,
    kind: OpportunityType,
    price: Callable[[LegRow | SpotRow], Decimal | None],
    first_long: bool,
    first: LegRow | SpotRow,
    first_costs: MarketCosts,
    first_gate: LegGate,
    second: LegRow | SpotRow,
    second_costs: MarketCosts,
    second_gate: LegGate,
    flows: tuple[Flow, ...],
    rates_f: tuple[float, ...],
    hold_hours: Decimal,
    gross: Decimal,
    net: Decimal,
    funding: Decimal,
    fixed: Decimal,
    borrow_apr: Decimal,
    borrow_usd: Decimal,
    ev: Decimal,
    delta: Decimal,
    extra_hard: tuple[str, ...] = (),
    capture_ts: datetime | None = None,
) -> Candidate:
    """The costed trade's verdict and its Candidate, `first` on the long side when `first_long`.
    `rates_f`: each flow's per_settlement as a float.

    `price` is only asked when the pipeline runs (the entry gap), as it stops early for most."""
    if first_long:
        long_row, long_costs, long_gate = first, first_costs, first_gate
        short_row, short_costs, short_gate = second, second_costs, second_gate
    else:
        long_row, long_costs, long_gate = second, second_costs, second_gate
        short_row, short_costs, short_gate = first, first_costs, first_gate
    hard, ineligible = _verdict(
        ctx,
        long_row.venue,
        long_gate,
        long_costs,
        short_row.venue,
        short_gate,
        short_costs,
        delta,
        extra_hard,
    )
    filtered: str | None = None
    break_even: float | None = PENDING
    if not hard and not ineligible:
        filtered, break_even = _pipeline(
            ctx,
            long_row.venue,
            long_gate,
            long_costs,
            price(long_row),
            short_row.venue,
            short_gate,
            short_costs,
            price(short_row),
            net,
            ev,
            hold_hours,
            fixed,
            flows,
            rates_f,
            borrow_apr / HOURS_PER_YEAR if borrow_apr else ZERO,
        )
    # Positional, in Candidate's field order (built for every pair costed).
    cand: Candidate = _tuple_new(
        Candidate,
        (
            kind,
            long_row,
            short_row,
            long_costs,
            short_costs,
            flows,
            hold_hours,
            gross,
            net,
            float(net),
            funding,
            fixed,
            borrow_apr,
            borrow_usd,
            ev,
            break_even,
            delta,
            hard,
            ineligible,
            filtered,
            capture_ts,
        ),
    )
    return cand


def cost_cross(ctx: ScanContext, long: LegRow, short: LegRow) -> Candidate:
    """Type B (or C with a DEX leg): perp long on `long`, perp short on `short`, held over the horizon."""
    return cost_cross_with(
        ctx,
        long,
        short,
        ctx.costs(long.venue, long.symbol),
        ctx.costs(short.venue, short.symbol),
        ctx.schedule(long),
        ctx.schedule(short),
    )


def cost_cross_with(
    ctx: ScanContext,
    long: LegRow,
    short: LegRow,
    long_costs: MarketCosts,
    short_costs: MarketCosts,
    long_schedule: Schedule,
    short_schedule: Schedule,
) -> Candidate:
    """cost_cross with each market's costs and schedule (ctx.costs, ctx.schedule) already at hand,
    as the pruned search has them from its screen."""
    p = ctx.params
    delta = short.rate_hourly - long.rate_hourly
    gross = delta * HOURS_PER_YEAR
    fixed = long_costs.round_trip + short_costs.round_trip
    net = gross - fixed * HOURS_PER_YEAR / p.horizon_hours
    long_receives = -long.rate
    flows = (_tuple_new(Flow, (short.rate, short_schedule)), _tuple_new(Flow, (long_receives, long_schedule)))
    funding = scheduled_funding(flows, ctx.horizon_ms)
    ev = (funding - fixed) * p.size_usd
    kind = (
        OpportunityType.CEX_DEX if is_dex(long.venue) or is_dex(short.venue) else OpportunityType.CROSS_PERP
    )
    return _judged(
        ctx,
        kind,
        _mark_price,
        True,
        long,
        long_costs,
        ctx.gate(long),
        short,
        short_costs,
        ctx.gate(short),
        flows,
        (short.rate_f, -long.rate_f),
        p.horizon_hours,
        gross,
        net,
        funding,
        fixed,
        ZERO,
        ZERO,
        ev,
        delta,
    )


def spot_symbol_for(perp_symbol: str) -> str:
    """`BTC/USDT:USDT` -> `BTC/USDT`: the spot market a perp is hedged with on the same venue."""
    return perp_symbol.split(":", 1)[0]


def no_borrow_reason(spot: SpotRow) -> str:
    return f"borrow: the spot short needs a borrow; no borrow rate known for {spot.base} on {spot.venue}"


def cost_spot_perp(ctx: ScanContext, perp: LegRow, spot: SpotRow) -> Candidate:
    """Type A: receive the perp's funding, hedge with spot on the same venue.

    A positive rate: spot long, perp short. A negative rate: perp long, spot short, which needs a
    borrow: its cost accrues over the hold, and without a known borrow rate the trade is skipped.
    """
    p = ctx.params
    perp_costs = ctx.costs(perp.venue, perp.symbol)
    spot_costs = ctx.costs(spot.venue, spot.symbol)
    perp_gate = ctx.gate(perp)
    spot_gate = ctx.spot_gate(spot.venue, spot.symbol, spot.base)
    receives = abs(perp.rate)
    delta = abs(perp.rate_hourly)
    needs_borrow = perp.rate < 0
    borrow_apr = ZERO
    extra_hard: tuple[str, ...] = ()
    if needs_borrow:
        known = p.borrow_apr.get((spot.venue, spot.base))
        if known is None:
            extra_hard = (no_borrow_reason(spot),)
        else:
            borrow_apr = known
    gross = delta * HOURS_PER_YEAR
    fixed = perp_costs.round_trip + spot_costs.round_trip
    net = gross - fixed * HOURS_PER_YEAR / p.horizon_hours - borrow_apr
    flows = (Flow(receives, ctx.schedule(perp)),)
    funding = scheduled_funding(flows, ctx.horizon_ms)
    borrow_usd = borrow_cost_usd(borrow_apr, p.size_usd, p.horizon_hours)
    ev = (funding - fixed) * p.size_usd - borrow_usd
    return _judged(
        ctx,
        OpportunityType.SPOT_PERP,
        ctx.price,
        needs_borrow,  # the perp is the long leg when the spot is shorted
        perp,
        perp_costs,
        perp_gate,
        spot,
        spot_costs,
        spot_gate,
        flows,
        (abs(perp.rate_f),),
        p.horizon_hours,
        gross,
        net,
        funding,
        fixed,
        borrow_apr,
        borrow_usd,
        ev,
        delta,
        extra_hard,
    )


def cost_temporal(
    ctx: ScanContext, capture: LegRow, hedge: LegRow | SpotRow, window_ms: int, capture_ts: datetime
) -> Candidate:
    """Type E: hold `capture` (on the side its rate pays) and a hedge through one settlement, then exit.

    The hedge's own settlements inside the window count too, so a hedge that settles at the same
    instant is charged its rate; the window is hours to the settlement plus the exit delay.
    """
    p = ctx.params
    hold_hours = Decimal(window_ms) / MS_PER_HOUR
    capture_short = capture.rate > 0
    capture_costs = ctx.costs(capture.venue, capture.symbol)
    hedge_costs = ctx.costs(hedge.venue, hedge.symbol)
    capture_gate = ctx.gate(capture)
    flows: tuple[Flow, ...] = (Flow(abs(capture.rate), ctx.schedule(capture)),)
    rates_f: tuple[float, ...] = (abs(capture.rate_f),)
    borrow_apr = ZERO
    extra_hard: tuple[str, ...] = ()
    if isinstance(hedge, LegRow):
        hedge_gate = ctx.gate(hedge)
        # The hedge is long when the capture is short: it pays its rate (receives a negative one).
        flows += (Flow(-hedge.rate if capture_short else hedge.rate, ctx.schedule(hedge)),)
        rates_f += (-hedge.rate_f if capture_short else hedge.rate_f,)
    else:
        hedge_gate = ctx.spot_gate(hedge.venue, hedge.symbol, hedge.base)
        if not capture_short:
            known = p.borrow_apr.get((hedge.venue, hedge.base))
            if known is None:
                extra_hard = (no_borrow_reason(hedge),)
            else:
                borrow_apr = known
    funding = scheduled_funding(flows, window_ms)
    fixed = capture_costs.round_trip + hedge_costs.round_trip
    borrow_usd = borrow_cost_usd(borrow_apr, p.size_usd, hold_hours)
    gross = funding * HOURS_PER_YEAR / hold_hours
    net = (funding - fixed) * HOURS_PER_YEAR / hold_hours - borrow_apr
    ev = (funding - fixed) * p.size_usd - borrow_usd
    delta = funding / hold_hours
    return _judged(
        ctx,
        OpportunityType.TEMPORAL,
        ctx.price,
        not capture_short,
        capture,
        capture_costs,
        capture_gate,
        hedge,
        hedge_costs,
        hedge_gate,
        flows,
        rates_f,
        hold_hours,
        gross,
        net,
        funding,
        fixed,
        borrow_apr,
        borrow_usd,
        ev,
        delta,
        extra_hard,
        capture_ts,
    )
