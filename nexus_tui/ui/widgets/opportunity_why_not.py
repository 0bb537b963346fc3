""" "Why not the others?": an asset's obvious trades the engine does not list, one line each with the
engine's reasons, for the Opportunities screen's detail panel.

Formatting only: the trades and their reasons are the engine's (OpportunityService.explain_asset);
nothing here judges a trade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.markup import escape

from nexus_tui.core.models import MarketKind
from nexus_tui.strategy.models import Leg, Opportunity, OpportunityType
from nexus_tui.strategy.service import AssetExplanation

COSTING = "costing them now…"


def _leg(word: str, leg: Leg, kind: OpportunityType) -> str:
    # Only a spot-perp's legs need their kind named: the other types trade perps on both sides.
    what = ""
    if kind is OpportunityType.SPOT_PERP:
        what = " (spot)" if leg.kind is MarketKind.SPOT else " (perp)"
    return f"{word} {escape(leg.venue)}{what}"


def rejected_line(opp: Opportunity) -> str:
    """`B long sim:gate / short sim:okx: net APR 3.1 % below 10.0 %` (every reason, `;` apart)."""
    legs = f"{_leg('long', opp.long, opp.type)} / {_leg('short', opp.short, opp.type)}"
    reasons = "; ".join(opp.reasons) or "not viable"
    return f"  [b]{opp.type.letter}[/b] {legs}: [red]{escape(reasons)}[/red]"


def _listed(opps: Sequence[Opportunity], ranks: Mapping[str, int]) -> str:
    return ", ".join(
        f"#{ranks[o.id]} {o.type.letter} long {escape(o.long.venue)} / short {escape(o.short.venue)}"
        if o.id in ranks
        else f"{o.type.letter} long {escape(o.long.venue)} / short {escape(o.short.venue)}"
        for o in opps
    )


def why_not_lines(
    explained: AssetExplanation | None,
    asset: str,
    selected_id: str,
    ranks: Mapping[str, int],
    *,
    failed: str = "",
) -> list[str]:
    """Under the selected trade's explanation: the asset's other listed trades, then the obvious
    ones not listed and why. `explained` None (or for another asset): still being costed, unless
    the engine `failed` to answer."""
    title = f"[b]Why not the others on {escape(asset)}[/b]"
    if failed:
        return [f"{title}: {escape(failed)}"]
    if explained is None or explained.asset != asset:
        return [f"{title} {COSTING}"]
    others = [o for o in explained.listed if o.id != selected_id]
    lines = [f"{title} (the obvious trades, costed at {_time(explained)}):"]
    if others:
        lines.append(f"  also listed: {_listed(others, ranks)}")
    lines += [rejected_line(opp) for opp in explained.rejected]
    if not others and not explained.rejected:
        lines.append(
            "  none: the widest-spread pair and the largest-rate spot-perp are this one or not possible"
        )
    return lines


def unlisted_lines(explained: AssetExplanation, ranks: Mapping[str, int], hidden_by: str) -> list[str]:
    """The panel when the filter names an asset and no row of it passes: its trades the other
    filters hide (`hidden_by` says which), else why the engine lists none."""
    asset = escape(explained.asset)
    if explained.listed:
        lines = [
            f"[b]{asset}[/b] has {len(explained.listed)} listed trade(s) that {escape(hidden_by)} hides: "
            f"{_listed(explained.listed, ranks)}.",
        ]
        if explained.rejected:
            lines.append(f"[b]Why not the others on {asset}[/b] (costed at {_time(explained)}):")
    else:
        lines = [
            f"[b]No {asset} trade is listed.[/b] Why not (the obvious trades, costed at {_time(explained)}):"
        ]
    lines += [rejected_line(opp) for opp in explained.rejected]
    if not explained.listed and not explained.rejected:
        venues = ", ".join(escape(v) for v in explained.venues)
        pair = (
            "no second venue to pair it with"
            if len(explained.venues) == 1
            else "no pair or spot-perp to cost"
        )
        lines.append(f"  its perps are on {venues}: {pair}")
    return lines


def not_an_asset_line(words: Sequence[str]) -> str:
    said = " or ".join(f"“{escape(w)}”" for w in words)
    return f"The engine has no funding for an asset named {said}."


def _time(explained: AssetExplanation) -> str:
    return explained.as_of.strftime("%H:%M:%S UTC")
