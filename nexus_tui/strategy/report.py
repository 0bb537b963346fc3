"""Opportunities in words and in JSON: the `scan --json` document (DESIGN.md §3), a plain-text
table, and the lines that explain one opportunity. Formatting only; no decisions here."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from nexus_tui.core.clock import iso
from nexus_tui.strategy.models import Leg, Opportunity, ScanResult


def _num(value: Decimal | float | None, places: int | None = None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return round(number, places) if places is not None else number


def _leg_json(leg: Leg) -> dict[str, Any]:
    return {
        "venue": leg.venue,
        "symbol": leg.symbol,
        "kind": leg.kind.value,
        "settle": leg.settle,
        "rate": _num(leg.rate),
        "interval_hours": leg.interval_hours,
        "rate_hourly": _num(leg.rate_hourly),
        "next_funding_ts": iso(leg.next_funding_ts) if leg.next_funding_ts else None,
        "mark_price": _num(leg.mark_price),
        "taker_fee": _num(leg.taker_fee),
        "maker_fee": _num(leg.maker_fee),
        "fee_source": leg.fee_source,
        "dex": leg.dex,
    }


def opportunity_json(opp: Opportunity) -> dict[str, Any]:
    """One opportunity: DESIGN.md's fields first (never renamed), then the detail behind them."""
    costs = opp.costs
    outlook = opp.outlook
    return {
        "id": opp.id,
        "type": opp.type.value,
        "symbol": opp.symbol,
        "long_venue": opp.long.venue,
        "short_venue": opp.short.venue,
        "long_rate_hourly": _num(opp.long_rate_hourly),
        "short_rate_hourly": _num(opp.short_rate_hourly),
        "gross_apr": _num(opp.gross_apr, 6),
        "net_apr": _num(opp.net_apr, 6),
        "break_even_hours": _num(opp.break_even_hours, 3),
        "size_usd": _num(opp.size_usd),
        "uos": opp.uos,
        "uos_parts": opp.uos_parts.as_dict(),
        "flags": sorted(opp.flags),
        # -- detail ------------------------------------------------------------------------
        "type_code": opp.type.letter,
        "state": opp.state.value,
        "viable": opp.viable,
        "reasons": list(opp.reasons),
        "base": opp.base,
        "long_symbol": opp.long.symbol,
        "short_symbol": opp.short.symbol,
        "spread_hourly": _num(opp.spread_hourly),
        "hold_hours": _num(opp.hold_hours),
        "funding_usd": _num(opp.funding_usd, 4),
        "expected_value_usd": _num(opp.expected_value_usd, 4),
        "costs": {
            "total_usd": _num(costs.total, 4),
            "entry_fees_usd": _num(costs.entry_fees, 4),
            "exit_fees_usd": _num(costs.exit_fees, 4),
            "spread_usd": _num(costs.spread, 4),
            "slippage_usd": _num(costs.slippage, 4),
            "borrow_usd": _num(costs.borrow, 4),
            "basis": costs.cost_basis,
            "long_depth_usd": _num(costs.long_depth_usd, 2),
            "short_depth_usd": _num(costs.short_depth_usd, 2),
        },
        "outlook": None
        if outlook is None
        else {
            "spread_predicted_hourly": outlook.spread_predicted_hourly,
            "spread_expected_hourly": outlook.spread_expected_hourly,
            "confidence": round(outlook.confidence, 4),
            "persistence_hours": round(outlook.persistence_hours, 2),
            "win_rate": None if outlook.win_rate is None else round(outlook.win_rate, 4),
        },
        "basis": _num(opp.basis, 6),
        "long": _leg_json(opp.long),
        "short": _leg_json(opp.short),
        "capture_ts": iso(opp.capture_ts) if opp.capture_ts else None,
        "detected_at": iso(opp.detected_at) if opp.detected_at else None,
    }


def scan_json(result: ScanResult) -> dict[str, Any]:
    """The `scan --json` document: ranked best first; `rejected` and `expired` are extra detail."""
    doc: dict[str, Any] = {
        "as_of": iso(result.as_of),
        "opportunities": [opportunity_json(o) for o in result.opportunities],
        "stats": {
            "symbols": result.stats.symbols,
            "quotes": result.stats.quotes,
            "pairs_costed": result.stats.pairs_costed,
            "pairs_possible": result.stats.pairs_possible,
        },
    }
    if result.rejected:
        doc["rejected"] = [opportunity_json(o) for o in result.rejected]
    if result.expired:
        doc["expired"] = [
            {"id": e.id, "expired_at": iso(e.expired_at), "reason": e.reason} for e in result.expired
        ]
    return doc


def pct(value: Decimal | float | None, places: int = 1) -> str:
    return "-" if value is None else f"{float(value) * 100:.{places}f}%"


def usd(value: Decimal, places: int = 2) -> str:
    return f"${float(value):,.{places}f}"


def rate_h(value: Decimal) -> str:
    """A per-hour rate in percent with enough places to tell rates apart."""
    return f"{float(value) * 100:+.5f}%/h"


def scan_text(result: ScanResult, limit: int | None = None) -> str:
    """A ranked table for a terminal, then the count of assets scanned. Each column is as wide as
    its widest entry, so no venue, rate or symbol is cut."""
    rows: Sequence[Opportunity] = result.opportunities[:limit] if limit else result.opportunities
    rejected: Sequence[Opportunity] = result.rejected[:limit] if limit else result.rejected
    legs = {o.id: (_leg_text(o.long), _leg_text(o.short)) for o in (*rows, *rejected)}
    sym = max([len("symbol"), *(len(o.symbol) for o in (*rows, *rejected))])
    long_w = max([len("long"), *(len(long) for long, _ in legs.values())])
    short_w = max([len("short"), *(len(short) for _, short in legs.values())])

    def leading(o: Opportunity) -> str:
        long, short = legs[o.id]
        return f"{o.type.letter:<4} {o.symbol:<{sym}} {long:<{long_w}} {short:<{short_w}}"

    header = (
        f"{'#':>3} {'type':<4} {'symbol':<{sym}} {'long':<{long_w}} {'short':<{short_w}} "
        f"{'gross':>8} {'net':>8} {'BE h':>6} {'UOS':>5}  flags"
    )
    lines = [f"as of {iso(result.as_of)}", header]
    for rank, o in enumerate(rows, 1):
        be = "-" if o.break_even_hours is None else f"{o.break_even_hours:.1f}"
        lines.append(
            f"{rank:>3} {leading(o)} "
            f"{pct(o.gross_apr):>8} {pct(o.net_apr):>8} {be:>6} {o.uos:>5.1f}  {','.join(sorted(o.flags))}"
        )
    if not rows:
        lines.append("   (no opportunity passes the filters)")
    if result.rejected:  # `scan --all`: the obvious trades that are not viable, best net first
        count = str(len(result.rejected))
        if len(rejected) < len(result.rejected):
            count += f", the first {len(rejected)}"
        lines.append(f"not viable ({count}), each with the first reason it fails:")
        for o in rejected:
            reason = o.reasons[0] if o.reasons else "-"
            lines.append(f"  - {leading(o)} {pct(o.net_apr):>8}  {reason}")
    s = result.stats
    lines.append(
        f"{len(result.opportunities)} opportunities from {s.symbols} assets, {s.quotes} funding rows"
    )
    return "\n".join(lines)


def _leg_text(leg: Leg) -> str:
    """The leg's venue and its rate per hour (`spot` for a spot leg, which has no funding)."""
    rate = "spot" if leg.interval_hours is None else f"{float(leg.rate_hourly) * 100:+.4f}%/h"
    return f"{leg.venue} {rate}"
