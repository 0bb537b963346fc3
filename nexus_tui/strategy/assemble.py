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
    if isinstance(row, SpotRow):
        return Leg(
            venue=row.venue,
            symbol=row.symbol,
            kind=MarketKind.SPOT,
            side=side,
            settle=row.settle,
            rate=ZERO,
            interval_hours=None,
            rate_hourly=ZERO,
            next_funding_ts=None,
            mark_price=ctx.price(row),
            dex=is_dex(row.venue),
            taker_fee=fees.taker,
            maker_fee=fees.maker,
            fee_source=fees.source,
        )
    schedule = ctx.schedule(row)
    next_ts = row.next_funding_ts
    if next_ts is None or next_ts <= ctx.now:
        next_ts = ctx.now + timedelta(milliseconds=schedule.first_ms)
    return Leg(
        venue=row.venue,
        symbol=row.symbol,
        kind=MarketKind.PERP,
        side=side,
        settle=row.settle,
        rate=row.rate,
        interval_hours=row.interval_hours,
        rate_hourly=row.rate_hourly,
        next_funding_ts=next_ts,
        mark_price=row.mark_price,
        dex=is_dex(row.venue),
        taker_fee=fees.taker,
        maker_fee=fees.maker,
        fee_source=fees.source,
        observed_at=row.observed_at,
    )


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
        float(p.min_funding_delta_hourly),
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


def _score(ctx: ScanContext, cand: Candidate, outlook: Outlook, legs: tuple[Leg, Leg]) -> UosParts:
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
    reliability = min(
        venue_reliability(
            ctx.health.get(row.venue),
            p.max_latency_ms,
            leg.dex,
            isinstance(row, LegRow) and ("secondary" in row.flags or row.source == "arbitragescanner"),
        )
        for row, leg in ((cand.long, legs[0]), (cand.short, legs[1]))
    )
    basis = None
    if legs[0].mark_price and legs[1].mark_price:
        mid = (legs[0].mark_price + legs[1].mark_price) / 2
        basis = float((legs[1].mark_price - legs[0].mark_price) / mid)
    hold = float(cand.hold_hours)
    inputs = ScoreInputs(
        net_apr=cand.net_apr_f,
        spread_now_hourly=spread_now,
        # A temporal trade holds through one settlement whose rate is already published.
        spread_expected_hourly=spread_now
        if temporal
        else spread_now + outlook.spread_expected_hourly - outlook.spread_now_hourly,
        confidence=1.0 if temporal else outlook.confidence,
        persistence_hours=hold if temporal else outlook.persistence_hours,
        win_rate=outlook.win_rate,
        spread_stdev_hourly=outlook.spread_stdev_hourly,
        basis=basis,
        stablecoin_mixed=legs[0].settle != legs[1].settle,
        depth_ratio=depth_ratio,
        slippage=slippage,
        reliability=reliability,
        wait_hours=_wait_hours(cand),
        horizon_hours=hold,
    )
    parts = uos(inputs, p)
    return UosParts(
        round(parts.return_, 2), round(parts.risk, 2), round(parts.execution, 2), round(parts.timing, 2)
    )


def assemble(ctx: ScanContext, cand: Candidate) -> Opportunity:
    p = ctx.params
    cand = cand.with_break_even(p)
    legs = (_leg(ctx, cand.long, PositionSide.LONG), _leg(ctx, cand.short, PositionSide.SHORT))
    outlook = _outlook(ctx, cand)
    base = cand.long.base
    opp_id = opportunity_id(ctx, cand.type, base, cand.long, cand.short, cand.capture_ts)
    parts = ZERO_PARTS if cand.hard else _score(ctx, cand, outlook, legs)
    costs = pair_costs(cand.long_costs, cand.short_costs, p.size_usd, p.use_maker_fees, cand.borrow_usd)
    observed = [row.observed_at for row in (cand.long, cand.short) if isinstance(row, LegRow)]
    basis = None
    if legs[0].mark_price and legs[1].mark_price:
        basis = (legs[1].mark_price - legs[0].mark_price) / ((legs[0].mark_price + legs[1].mark_price) / 2)
    return Opportunity(
        id=opp_id,
        type=cand.type,
        base=base,
        symbol=_symbol(cand),
        long=legs[0],
        short=legs[1],
        size_usd=p.size_usd,
        hold_hours=cand.hold_hours,
        gross_apr=cand.gross_apr,
        net_apr=cand.net_apr,
        expected_value_usd=cand.ev_usd,
        funding_usd=cand.funding * p.size_usd,
        break_even_hours=cand.break_even,
        costs=costs,
        uos=0.0 if cand.hard else round(parts.total, 2),
        uos_parts=parts,
        outlook=outlook,
        flags=_flags(ctx, cand, outlook, legs),
        reasons=cand.reasons,
        hard_fail=bool(cand.hard),
        state=OpportunityState.SCORED if costs.walked_books else OpportunityState.DETECTED,
        as_of=ctx.now,
        fresh_until=min(observed) + ctx.max_age,
        basis=basis,
        capture_ts=cand.capture_ts,
        detected_at=ctx.first_seen(opp_id) or ctx.now,
    )
