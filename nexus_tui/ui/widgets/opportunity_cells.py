"""How one opportunity reads in the ranked table: the columns, their cells, the flag codes.

Formatting only: every figure comes from the engine's Opportunity as it is; nothing here decides
anything. A cell is plain text, so the table can tell a changed cell from an unchanged one by
comparing strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from nexus_tui.strategy.models import Leg, Opportunity
from nexus_tui.ui.widgets.venue_names import short_name


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int | None  # None: as wide as its widest cell (a venue's name)
    right: bool = True  # numbers line up on the right
    tooltip: str = ""


# The figures a decision rests on come first (UOS, net APR, break-even, then the venues and their
# rates): on an 80-column terminal they are what shows, and the table keeps the first six in view
# when scrolled sideways. Venues go by the short names the header and the funding matrix use.
COLUMNS: tuple[Column, ...] = (
    Column("rank", "#", 3, tooltip="The engine's rank: UOS, then net APR"),
    Column("type", "T", 1, right=False, tooltip="A spot-perp, B cross-perp, C CEX-DEX, E one settlement"),
    Column("base", "Asset", 10, right=False),
    Column("uos", "UOS", 4, tooltip="Unified Opportunity Score, 0-100"),
    Column("net_apr", "Net APR", 7, tooltip="After every cost at size, over the holding horizon"),
    Column("break_even", "BE h", 5, tooltip="Hours until funding has paid the round trip"),
    Column("long", "Long", None, right=False, tooltip="The venue of the long leg (in full in the detail)"),
    Column("short", "Short", None, right=False, tooltip="The venue of the short leg (in full in the detail)"),
    Column("long_rate", "L %/h", 8, tooltip="The long leg's funding rate per hour"),
    Column("short_rate", "S %/h", 8, tooltip="The short leg's funding rate per hour"),
    Column("return", "R", 2, tooltip="UOS return part, 0-40"),
    Column("risk", "Ri", 2, tooltip="UOS risk part, 0-30"),
    Column("execution", "X", 2, tooltip="UOS execution part, 0-20"),
    Column("timing", "T", 2, tooltip="UOS timing part, 0-10"),
    Column("size", "Size", 5, tooltip="Target notional per leg"),
    Column("flags", "Flags", 6, right=False),
    Column("age", "Age", 5, tooltip="Time since the engine first listed it"),
)
PINNED_COLUMNS = 6  # rank to break-even stay in view when a narrow terminal scrolls sideways

Cells = tuple[str, ...]

AGE_COLUMN = next(i for i, c in enumerate(COLUMNS) if c.key == "age")


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    meaning: str


# One character each, so several fit in a narrow column; the detail panel spells them out.
FLAGS: dict[str, Flag] = {
    "dex": Flag("D", "a leg trades on a DEX (block times, gas, contract risk)"),
    "stablecoin_basis": Flag("$", "the legs settle in different stablecoins (USDT against USDC)"),
    "no_order_book": Flag("o", "no order book walked: spread from a quote, no price impact"),
    "fees_only": Flag("F", "fees only: no order book and no quote, spread and slippage unknown"),
    "borrow": Flag("b", "the spot short is borrowed; its interest is a cost"),
    "no_history": Flag("h", "no funding history yet, so the predictor has nothing to go on"),
    "direction_change": Flag("r", "the predictor expects the spread to reverse"),
    "health_unknown": Flag("?", "a venue's health is not known yet"),
    "volume_unknown": Flag("v", "24 h volume or open interest not known yet"),
    "schedule_assumed": Flag("s", "a venue gave no settlement time: its UTC grid is assumed"),
    "interval_assumed": Flag("i", "a venue did not state its interval: its documented schedule is used"),
    "secondary": Flag("2", "a rate from ArbitrageScanner only (the venue API gives none)"),
    "fallback": Flag("f", "the venue's API is down or stale: ArbitrageScanner's rate stands in"),
    "validated": Flag("+", "the venue's rate and ArbitrageScanner's agree"),
    "discrepancy": Flag("x", "the venue's rate and ArbitrageScanner's disagree"),
    "jump": Flag("j", "a rate far outside its own recent history (shown, not dropped)"),
    "venue_down": Flag("!", "a venue's funding API failed repeatedly"),
}
UNKNOWN_FLAG = Flag("*", "")


def flag(name: str) -> Flag:
    return FLAGS.get(name, UNKNOWN_FLAG)


def flag_codes(flags: frozenset[str]) -> str:
    """The flags as one-character codes in a stable order (the order of FLAGS)."""
    known = "".join(f.code for name, f in FLAGS.items() if name in flags)
    return known + ("*" if any(name not in FLAGS for name in flags) else "")


def percent(value: Decimal | float, places: int) -> str:
    return f"{float(value) * 100:.{places}f}%"


def signed_percent(value: Decimal | float, places: int) -> str:
    return f"{float(value) * 100:+.{places}f}%"


def compact_usd(value: Decimal) -> str:
    """$10k, $2.5k, $1.2M: the size column has five characters."""
    amount = float(value)
    for divisor, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(amount) >= divisor:
            scaled = amount / divisor
            return (
                f"${scaled:.0f}{suffix}"
                if scaled >= 10 or scaled == int(scaled)
                else f"${scaled:.1f}{suffix}"
            )
    return f"${amount:.0f}"


def duration(seconds: float) -> str:
    """45s, 12m, 3h05, 2d04: short enough for a narrow column, exact to the unit shown."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}"
    return f"{s // 86400}d{s % 86400 // 3600:02d}"


def hold(hours: float) -> str:
    """A holding time: whole hours as they are (720 h); a capture's window, which ends at a
    settlement, to the hundredth with its minutes (0.62 h (37m))."""
    if hours == int(hours):
        return f"{int(hours)} h"
    return f"{hours:.2f} h ({duration(round(hours * 60) * 60)})"  # to the nearest minute


def age(opp: Opportunity, now: datetime) -> str:
    listed = opp.detected_at or opp.as_of
    return duration((now - listed).total_seconds())


def leg_rate(leg: Leg) -> str:
    """Per hour; a spot leg has no funding."""
    return "spot" if leg.interval_hours is None else signed_percent(leg.rate_hourly, 4)


def break_even(hours: float | None) -> str:
    return "never" if hours is None else f"{hours:.1f}"


def row_cells(opp: Opportunity, rank: int, now: datetime, names: Mapping[str, str] | None = None) -> Cells:
    """One row, in COLUMNS order. `names`: the venues' names as shown (venue_names.short_names of
    every venue listed, so two never read the same); a venue not in it gets its short name."""
    names = names or {}
    parts = opp.uos_parts
    return (
        str(rank),
        opp.type.letter,
        opp.base,
        f"{opp.uos:.1f}",
        percent(opp.net_apr, 1),
        break_even(opp.break_even_hours),
        names.get(opp.long.venue) or short_name(opp.long.venue),
        names.get(opp.short.venue) or short_name(opp.short.venue),
        leg_rate(opp.long),
        leg_rate(opp.short),
        f"{parts.return_:.0f}",
        f"{parts.risk:.0f}",
        f"{parts.execution:.0f}",
        f"{parts.timing:.0f}",
        compact_usd(opp.size_usd),
        flag_codes(opp.flags),
        age(opp, now),
    )
