"""From a costed candidate to an Opportunity: its legs, costs in USD, outlook, UOS, flags and id."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

from nexus_tui.core.clock import iso
from nexus_tui.core.models import HealthState, MarketKind, PositionSide
from nexus_tui.strategy.candidates import Candidate, SpotRow
from nexus_tui.strategy.context import ScanContext
from nexus_tui.strategy.costs import pair_costs
from nexus_tui.strategy.models import (
    ZERO_PARTS,
    Leg,
    LegRow,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Outlook,
    UosParts,
)
from nexus_tui.strategy.predictor import pair_outlook
from nexus_tui.strategy.scoring import ScoreInputs, uos, venue_reliability
from nexus_tui.strategy.venues import is_dex

ZERO = Decimal(0)
_tuple_new = tuple.__new__


def opportunity_id(
    ctx: ScanContext,
    kind: OpportunityType,
    base: str,
    long: LegRow | SpotRow,
    short: LegRow | SpotRow,
    capture_ts: datetime | None,
) -> str:
    """Stable across scans: the same legs (and, for type E, the same settlement) give the same id."""
    key = (kind, long.venue, long.symbol, short.venue, short.symbol, capture_ts)
    cached = ctx.caches.ids.get(key)
    if cached is None:
        text = "|".join((kind.value, long.venue, long.symbol, short.venue, short.symbol))
        if capture_ts is not None:
            text += "|" + iso(capture_ts)
        digest = hashlib.blake2b(text.encode(), digest_size=5).hexdigest()
        cached = f"{kind.letter}-{base}-{digest}"
        ctx.caches.ids[key] = cached
    return cached


def _leg(ctx: ScanContext, row: LegRow | SpotRow, side: PositionSide) -> Leg:
    fees = ctx.fees(row.venue, row.symbol)
    # Positional, in Leg's field order: keywords cost a NamedTuple a third more, per leg per scan.
    if isinstance(row, SpotRow):
        spot: Leg = _tuple_new(
            Leg,
            (
                row.venue,
                row.symbol,
                MarketKind.SPOT,
                side,
                row.settle,
                ZERO,  # rate
                None,  # interval_hours
                ZERO,  # rate_hourly
                None,  # next_funding_ts
                ctx.price(row),
                is_dex(row.venue),
                fees.taker,
                fees.maker,
                fees.source,
                None,  # observed_at
            ),
        )
        return spot
    next_ts = row.next_funding_ts
    if next_ts is None or next_ts <= ctx.now:
        next_ts = ctx.now + timedelta(milliseconds=ctx.schedule(row).first_ms)
    perp: Leg = _tuple_new(
        Leg,
        (
            row.venue,
            row.symbol,
            MarketKind.PERP,
            side,
            row.settle,
            row.rate,
            row.interval_hours,
            row.rate_hourly,
            next_ts,
            row.mark_price,
            is_dex(row.venue),
            fees.taker,
            fees.maker,
            fees.source,
            row.observed_at,
        ),
    )
    return perp


def _symbol(cand: Candidate) -> str:
    long, short = cand.long, cand.short
    if long.symbol == short.symbol:
        return long.symbol
    if isinstance(long, SpotRow):
        return short.symbol
    if isinstance(short, SpotRow):
        return long.symbol
    return long.base  # USDT- against USDC-margined: the asset is what they share


def _outlook(ctx: ScanContext, cand: Candidate) -> Outlook:
    p = ctx.params
    long = cand.long if isinstance(cand.long, LegRow) else None
    short = cand.short if isinstance(cand.short, LegRow) else None
    return pair_outlook(
        ctx.prediction(short) if short else None,
        short.interval_hours if short else None,
        ctx.prediction(long) if long else None,
        long.interval_hours if long else None,
        ctx.min_delta_hourly_f,  # float(p.min_funding_delta_hourly)
        float(p.max_hold_hours),
        p.prediction_confidence_threshold,
    )


def _flags(ctx: ScanContext, cand: Candidate, outlook: Outlook, legs: tuple[Leg, Leg]) -> frozenset[str]:
    flags: set[str] = set()
    if legs[0].dex or legs[1].dex:
        flags.add("dex")
    if legs[0].settle != legs[1].settle:
        flags.add("stablecoin_basis")
    if not (cand.long_costs.has_book and cand.short_costs.has_book):
        flags.add("no_order_book")
        if cand.long_costs.spread is None or cand.short_costs.spread is None:
            flags.add("fees_only")
    if cand.borrow_apr > 0:
        flags.add("borrow")
    for row in (cand.long, cand.short):
        health = ctx.health.get(row.venue)
        if health is None or health.state is HealthState.UNKNOWN:
            flags.add("health_unknown")
        if (row.venue, row.symbol) not in ctx.tickers:
            flags.add("volume_unknown")
        if isinstance(row, LegRow):
            if row.flags:  # usually empty: no generator then
                flags.update(f for f in row.flags if f != "stale")
            if ctx.schedule(row).assumed:
                flags.add("schedule_assumed")
    if cand.type is not OpportunityType.TEMPORAL:
        if outlook.spread_stdev_hourly is None:
            flags.add("no_history")
        elif (
            outlook.confidence >= ctx.params.prediction_confidence_threshold
            and outlook.spread_predicted_hourly <= 0.0 < outlook.spread_now_hourly
        ):
            flags.add("direction_change")
    return frozenset(flags)


def _wait_hours(cand: Candidate) -> float:
    """Hours to the next settlement of the leg that pays the most per settlement."""
    best = max(cand.flows, key=lambda f: f.per_settlement)
    return best.schedule.first_hours


def _score(
    ctx: ScanContext, cand: Candidate, outlook: Outlook, legs: tuple[Leg, Leg], basis: Decimal | None
) -> UosParts:
    p = ctx.params
    spread_now = float(cand.delta_hourly)
    temporal = cand.type is OpportunityType.TEMPORAL
    lc, sc = cand.long_costs, cand.short_costs
    depth_ratio = None
    slippage = None
    if lc.has_book and sc.has_book and lc.depth_usd is not None and sc.depth_usd is not None:
        depth_ratio = float(min(lc.depth_usd, sc.depth_usd) / p.size_usd)
        if lc.buy_slippage is not None and sc.sell_slippage is not None:
            slippage = float(max(lc.buy_slippage, sc.sell_slippage))
    long_reliability = _reliability(ctx, cand.long, legs[0])
    short_reliability = _reliability(ctx, cand.short, legs[1])
    hold = (
        ctx.horizon_f if temporal is False and cand.hold_hours is p.horizon_hours else float(cand.hold_hours)
    )
    inputs: ScoreInputs = _tuple_new(
        ScoreInputs,
        (
            cand.net_apr_f,
            spread_now,
            # A temporal trade holds through one settlement whose rate is already published.
            spread_now
            if temporal
            else spread_now + outlook.spread_expected_hourly - outlook.spread_now_hourly,
            1.0 if temporal else outlook.confidence,
            hold if temporal else outlook.persistence_hours,
            outlook.win_rate,
            outlook.spread_stdev_hourly,
            None if basis is None else float(basis),
            legs[0].settle != legs[1].settle,  # stablecoin_mixed
            depth_ratio,
            slippage,
            min(long_reliability, short_reliability),
            _wait_hours(cand),
            hold,  # horizon_hours
        ),
    )
    parts = uos(inputs, p)
    rounded: UosParts = _tuple_new(
        UosParts,
        (round(parts.return_, 2), round(parts.risk, 2), round(parts.execution, 2), round(parts.timing, 2)),
    )
    return rounded


def _reliability(ctx: ScanContext, row: LegRow | SpotRow, leg: Leg) -> float:
    secondary = isinstance(row, LegRow) and ("secondary" in row.flags or row.source == "arbitragescanner")
    return venue_reliability(ctx.health.get(row.venue), ctx.params.max_latency_ms, leg.dex, secondary)


def assemble(ctx: ScanContext, cand: Candidate) -> Opportunity:
    p = ctx.params
    cand = cand.with_break_even(p)
    legs = (_leg(ctx, cand.long, PositionSide.LONG), _leg(ctx, cand.short, PositionSide.SHORT))
    outlook = _outlook(ctx, cand)
    base = cand.long.base
    opp_id = opportunity_id(ctx, cand.type, base, cand.long, cand.short, cand.capture_ts)
    long_mark, short_mark = legs[0].mark_price, legs[1].mark_price
    basis = None
    if long_mark and short_mark:
        basis = (short_mark - long_mark) / ((long_mark + short_mark) / 2)
    parts = ZERO_PARTS if cand.hard else _score(ctx, cand, outlook, legs, basis)
    costs = pair_costs(cand.long_costs, cand.short_costs, p.size_usd, p.use_maker_fees, cand.borrow_usd)
    long_seen = cand.long.observed_at if isinstance(cand.long, LegRow) else None
    short_seen = cand.short.observed_at if isinstance(cand.short, LegRow) else None
    if long_seen is None or (short_seen is not None and short_seen < long_seen):
        oldest = short_seen
    else:
        oldest = long_seen
    assert oldest is not None  # every trade has a perp leg
    # Positional, in Opportunity's field order: id, type, base, symbol, long, short, size_usd,
    # hold_hours, gross_apr, net_apr, expected_value_usd, funding_usd, break_even_hours, costs,
    # uos, uos_parts, outlook, flags, reasons, hard_fail, state, as_of, fresh_until, basis,
    # capture_ts, detected_at.
    return Opportunity(
        opp_id,
        cand.type,
        base,
        _symbol(cand),
        legs[0],
        legs[1],
        p.size_usd,
        cand.hold_hours,
        cand.gross_apr,
        cand.net_apr,
        cand.ev_usd,
        cand.funding * p.size_usd,
        cand.break_even,
        costs,
        0.0 if cand.hard else round(parts.total, 2),
        parts,
        outlook,
        _flags(ctx, cand, outlook, legs),
        cand.reasons,
        bool(cand.hard),
        OpportunityState.SCORED if costs.walked_books else OpportunityState.DETECTED,
        ctx.now,
        oldest + ctx.max_age,
        basis,
        cand.capture_ts,
        ctx.first_seen(opp_id) or ctx.now,
    )
