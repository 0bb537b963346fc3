"""The selected opportunity explained: both legs, every cost at size, gross to net, the money over
the horizon, the UOS and what drove each part, the flags in words.

Formatting only, in docs/strategy.md's words and with the CLI's number formats (strategy/report):
every figure is the engine's own; the only arithmetic is the display kind (a difference of two
of its figures, a share of the size, a countdown on the desk clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from nexus_tui.core.clock import utc
from nexus_tui.strategy.models import Leg, Opportunity, OpportunityState, OpportunityType
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.report import pct, rate_h, usd
from nexus_tui.ui.widgets.opportunity_cells import compact_usd, duration, flag, hold, signed_percent

TYPE_WORDS = {
    OpportunityType.SPOT_PERP: "spot-perp on one venue",
    OpportunityType.CROSS_PERP: "cross-venue perps",
    OpportunityType.CEX_DEX: "cross-venue perps, a leg on a DEX",
    OpportunityType.TEMPORAL: "one settlement captured",
}
STATE_WORDS = {
    OpportunityState.SCORED: "scored (both books walked at size)",
    OpportunityState.DETECTED: "detected (fees and quotes only, no book walked yet)",
    OpportunityState.EXPIRED: "expired",
}
COST_BASIS_WORDS = {
    "order_book": "order books walked at size",
    "quoted_spread": "from quoted spreads: no order book, so no price impact",
    "fees_only": "fees only: no order book",
}


def _when(ts: datetime | None, now: datetime) -> str:
    if ts is None:
        return "no settlement time given"
    left = (ts - now).total_seconds()
    clock = utc(ts).strftime("%H:%M")  # UTC, as the desk clock in the header
    return f"{clock} (in {duration(left)})" if left >= 0 else f"{clock} ({duration(-left)} ago)"


def _hours(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:g} h"


def _leg_line(word: str, leg: Leg, now: datetime) -> str:
    where = f"[b]{word:<5}[/b] {escape(leg.venue):<15} {escape(leg.symbol)}"
    fee = f"taker {pct(leg.taker_fee, 3)} ({leg.fee_source})"
    if leg.interval_hours is None:
        return f"{where} spot, no funding · {fee}"
    flow = "receives" if leg.receives_funding else "pays"
    return (
        f"{where}  {signed_percent(leg.rate, 4)} per {leg.interval_hours} h = {rate_h(leg.rate_hourly)}, "
        f"{flow} · settles {_when(leg.next_funding_ts, now)} · {fee}"
    )


def _title(opp: Opportunity, now: datetime) -> str:
    listed = opp.detected_at or opp.as_of
    fresh = (opp.fresh_until - now).total_seconds()
    freshness = f"data fresh {duration(fresh)} more" if fresh > 0 else "[red]data stale[/red]"
    return (
        f"[b]{escape(opp.base)}[/b]  [b]{opp.type.letter}[/b] {TYPE_WORDS[opp.type]} · "
        f"{STATE_WORDS[opp.state]} · listed {duration((now - listed).total_seconds())} · {freshness} · "
        f"[dim]{escape(opp.id)}[/dim]"
    )


def _cost_lines(opp: Opportunity) -> list[str]:
    c = opp.costs
    parts = [
        f"fees {usd(c.fees)} (entry {usd(c.entry_fees)} + exit {usd(c.exit_fees)})",
        f"spread {usd(c.spread)}",
        f"slippage {usd(c.slippage)}",
    ]
    if c.borrow:
        parts.append(f"borrow {usd(c.borrow)}")
    share = pct(c.total / opp.size_usd, 3) if opp.size_usd else "-"
    basis = COST_BASIS_WORDS.get(c.cost_basis, c.cost_basis.replace("_", " "))
    books = [
        _book_words(word, spread, slippage, depth)
        for word, spread, slippage, depth in (
            ("long", c.long_spread, c.long_entry_slippage, c.long_depth_usd),
            ("short", c.short_spread, c.short_entry_slippage, c.short_depth_usd),
        )
    ]
    return [
        f"[b]Costs[/b] round trip at {usd(opp.size_usd, 0)} a leg: {' + '.join(parts)} = "
        f"[b]{usd(c.total)}[/b] ({share} of size)",
        "      " + " · ".join((basis, *(b for b in books if b))),
    ]


def _book_words(word: str, spread: Decimal | None, slippage: Decimal | None, depth: Decimal | None) -> str:
    said = []
    if spread is not None:
        said.append(f"spread {pct(spread, 3)}")
    if slippage is not None:
        said.append(f"slippage {pct(slippage, 3)}")
    if depth is not None:
        said.append(f"depth {compact_usd(depth)}")
    return f"{word}: " + ", ".join(said) if said else ""


def _money_lines(opp: Opportunity, params: StrategyParams) -> list[str]:
    held = hold(float(opp.hold_hours))
    if opp.type is OpportunityType.TEMPORAL:
        gross_from = f"funding {usd(opp.funding_usd)} over the {held} window"
        limit = f"inside the {held} window"
    else:
        gross_from = f"spread {rate_h(opp.spread_hourly)} × 8760"
        limit = f"limit {float(params.max_break_even_hours):g} h"
    drag = opp.gross_apr - opp.net_apr
    be = "never" if opp.break_even_hours is None else f"{opp.break_even_hours:.1f} h"
    return [
        f"[b]APR[/b]   gross {pct(opp.gross_apr)} ({gross_from}) − costs spread over {held} "
        f"{pct(drag)} = net [b]{pct(opp.net_apr)}[/b]",
        f"[b]Money[/b] over {held}: funding {usd(opp.funding_usd)} on the settlement schedule − costs "
        f"{usd(opp.costs.total)} = expected value [b]{usd(opp.expected_value_usd)}[/b] · "
        f"break-even {be} ({limit})",
    ]


def _uos_lines(opp: Opportunity, now: datetime, params: StrategyParams) -> list[str]:
    p = opp.uos_parts
    return [
        f"[b]UOS {opp.uos:.1f}[/b] = return {p.return_:.1f}/40 + risk {p.risk:.1f}/30 + "
        f"execution {p.execution:.1f}/20 + timing {p.timing:.1f}/10",
        f"  return     {_return_drivers(opp, params)}",
        f"  risk       {_risk_drivers(opp, params)}",
        f"  execution  {_execution_drivers(opp, params)}",
        f"  timing     {_timing_drivers(opp, now, params)}",
    ]


def _return_drivers(opp: Opportunity, params: StrategyParams) -> str:
    said = [f"net APR {pct(opp.net_apr)} vs the {pct(params.benchmark_apr, 0)} benchmark"]
    o = opp.outlook
    if opp.type is OpportunityType.TEMPORAL:
        said.append("the captured rate is already published (confidence 100%)")
    elif o is None or o.spread_stdev_hourly is None:
        said.append("no history: persistence and win rate score the middle")
    else:
        used = "" if o.confidence >= params.prediction_confidence_threshold else " (too low to use)"
        said.append(
            f"predicted {o.spread_predicted_hourly * 100:+.5f}%/h, confidence {o.confidence:.0%}{used}, "
            f"lasts {o.persistence_hours:.0f} h"
        )
        if o.win_rate is not None:
            said.append(f"this side won {o.win_rate:.0%} of the lookback")
    return " · ".join(said)


def _risk_drivers(opp: Opportunity, params: StrategyParams) -> str:
    o = opp.outlook
    if o is None or o.spread_stdev_hourly is None:
        stability = "stability: no history"
    else:
        stability = f"spread σ {o.spread_stdev_hourly * 100:.5f}%/h vs {o.spread_now_hourly * 100:+.5f}%/h"
    basis = "basis unknown" if opp.basis is None else f"basis {pct(opp.basis, 3)}"
    if opp.long.settle == opp.short.settle:
        coins = f"both settle in {opp.long.settle}"
    else:
        coins = f"{opp.long.settle} against {opp.short.settle}"
    liquidation = f"{params.leverage:g}x leverage vs {pct(params.price_daily_vol, 0)} daily moves"
    return " · ".join((stability, f"{basis} (0 points at {pct(params.max_basis, 2)})", coins, liquidation))


def _execution_drivers(opp: Opportunity, params: StrategyParams) -> str:
    c = opp.costs
    depths = [d for d in (c.long_depth_usd, c.short_depth_usd) if d is not None]
    said = []
    if depths and c.walked_books:
        thinner = min(depths)
        said.append(f"thinner book {compact_usd(thinner)} = {float(thinner / opp.size_usd):.1f}× size")
    else:
        said.append("no book walked: liquidity and slippage score the middle")
    slips = [s for s in (c.long_entry_slippage, c.short_entry_slippage) if s is not None]
    if slips and c.walked_books:
        said.append(f"worse entry slippage {pct(max(slips), 3)} (limit {pct(params.max_slippage, 2)})")
    venues = []
    if opp.long.dex or opp.short.dex:
        venues.append("a DEX leg")
    if "health_unknown" in opp.flags:
        venues.append("a venue's health unknown")
    if "secondary" in opp.flags:
        venues.append("a rate from the secondary source")
    said.append("venues: " + (", ".join(venues) if venues else "healthy CEXs"))
    return " · ".join(said)


def _timing_drivers(opp: Opportunity, now: datetime, params: StrategyParams) -> str:
    said = []
    for word, leg in (("long", opp.long), ("short", opp.short)):
        if leg.interval_hours is not None and leg.next_funding_ts is not None:
            said.append(f"{word} settles in {duration((leg.next_funding_ts - now).total_seconds())}")
    window = (
        f"enter {_hours(params.min_entry_lead_hours)} to {_hours(params.optimal_entry_window_hours)} "
        "before the best-paying settlement"
    )
    o = opp.outlook
    if opp.type is OpportunityType.TEMPORAL or o is None or o.spread_expected_hourly == o.spread_now_hourly:
        trend = "expected spread = now"
    else:
        expected, now_ = o.spread_expected_hourly * 100, o.spread_now_hourly * 100
        trend = f"expected spread {expected:+.5f}%/h vs {now_:+.5f}%/h now"
    return " · ".join((*said, window, trend))


def _flag_lines(opp: Opportunity) -> list[str]:
    if not opp.flags:
        return ["[b]Flags[/b] none"]
    described = [
        f"[yellow]{escape(flag(name).code)}[/yellow] {escape(name)}: {flag(name).meaning}"
        for name in sorted(opp.flags)
    ]
    return ["[b]Flags[/b] " + " · ".join(described)]


def detail_markup(
    opp: Opportunity, now: datetime, params: StrategyParams, why_not: Sequence[str] = ()
) -> str:
    """The whole panel for one opportunity, as Textual markup; `why_not` (lines of markup: the
    asset's other trades and why they are not listed) goes under the score explanation."""
    lines = [
        _title(opp, now),
        _leg_line("long", opp.long, now),
        _leg_line("short", opp.short, now),
    ]
    if opp.capture_ts is not None:
        lines.append(f"      captures the settlement at {_when(opp.capture_ts, now)}, exits after it")
    lines += _cost_lines(opp)
    lines += _money_lines(opp, params)
    lines += _uos_lines(opp, now, params)
    lines += why_not
    lines += _flag_lines(opp)
    lines += [f"[red]not taken:[/red] {escape(reason)}" for reason in opp.reasons]
    return "\n".join(lines)


class OpportunityDetail(VerticalScroll):
    """The panel under the table; scrolls when the terminal is short."""

    _text: str | None = None  # what is shown, so an unchanged panel is not repainted

    def compose(self) -> ComposeResult:
        yield Static(id="opportunity-explained")

    def show(
        self,
        opp: Opportunity | None,
        now: datetime,
        params: StrategyParams,
        empty: str = "",
        *,
        note: str = "",
        why_not: Sequence[str] = (),
        empty_markup: str = "",
    ) -> None:
        """`opp` explained (or `empty` said, or `empty_markup` shown as it is), under `note` when
        there is one (what just happened); `why_not` as in `detail_markup`."""
        if opp is not None:
            text = detail_markup(opp, now, params, why_not)
        else:
            text = empty_markup or escape(empty)
        if note:
            text = f"[yellow]{escape(note)}[/yellow]\n{text}"
        if text != self._text:
            self._text = text
            self.query_one("#opportunity-explained", Static).update(text)

    @property
    def text(self) -> str:
        """The panel as plain text (what a test reads)."""
        return str(self.query_one("#opportunity-explained", Static).render())
