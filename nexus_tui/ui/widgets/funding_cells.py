"""How one funding rate reads on screen: its unit, its text, its one-character mark, its colour.

Pure functions on `BookQuote`s (no widgets), shared by the funding matrix, its detail panel and
the tests that check the screen against the book. A cell is a `(text, style)` pair so tables
can tell by plain equality whether it changed.

Marks (one per cell, the most important wins): `~` stale, `!` the venue and ArbitrageScanner
disagree, `f` ArbitrageScanner stands in for a venue that is down or stale, `s` only
ArbitrageScanner lists the pair, `^` the rate just jumped, `=` both sources agree, `·` the
venue's own rate (or the simulator's), fresh.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from nexus_tui.core.models import FundingSource
from nexus_tui.market.funding_book import (
    FLAG_DISCREPANCY,
    FLAG_FALLBACK,
    FLAG_JUMP,
    FLAG_SECONDARY,
    FLAG_STALE,
    FLAG_VALIDATED,
    BookQuote,
)

Cell = tuple[str, str]
"""(text, rich style) of one table cell; equal tuples mean nothing to repaint."""

HUNDRED = Decimal(100)


class RateUnit(StrEnum):
    """The three ways a funding rate is shown (config `ui.rate_display` picks the first)."""

    PER_INTERVAL = "per_interval"  # as the venue reports it, per its own funding interval
    PER_HOUR = "per_hour"  # comparable across 1 h, 4 h and 8 h venues
    APR = "apr"  # per hour x 8,760, simple (not compounded)


UNIT_CYCLE = (RateUnit.PER_INTERVAL, RateUnit.PER_HOUR, RateUnit.APR)
UNIT_TITLES = {RateUnit.PER_INTERVAL: "per interval", RateUnit.PER_HOUR: "per hour", RateUnit.APR: "APR"}


def next_unit(unit: RateUnit) -> RateUnit:
    return UNIT_CYCLE[(UNIT_CYCLE.index(unit) + 1) % len(UNIT_CYCLE)]


def rate_in(quote: BookQuote, unit: RateUnit) -> Decimal:
    if unit is RateUnit.PER_INTERVAL:
        return quote.rate
    if unit is RateUnit.PER_HOUR:
        return quote.rate_hourly
    return quote.apr


def percent(value: Decimal, unit: RateUnit) -> str:
    """A rate as a signed percentage with as many decimals as its unit needs to be read."""
    if unit is RateUnit.PER_INTERVAL:
        return f"{value * HUNDRED:+.4f}%"
    if unit is RateUnit.PER_HOUR:
        return f"{value * HUNDRED:+.5f}%"
    return f"{value * HUNDRED:+.1f}%"


# -- marks -------------------------------------------------------------------------------------

MARK_FRESH = "·"
MARK_VALIDATED = "="
MARK_JUMP = "^"
MARK_SECONDARY = "s"
MARK_FALLBACK = "f"
MARK_DISCREPANCY = "!"
MARK_STALE = "~"

# Most important first: the first flag a quote carries decides its mark.
_MARK_ORDER = (
    (FLAG_STALE, MARK_STALE),
    (FLAG_DISCREPANCY, MARK_DISCREPANCY),
    (FLAG_FALLBACK, MARK_FALLBACK),
    (FLAG_SECONDARY, MARK_SECONDARY),
    (FLAG_JUMP, MARK_JUMP),
    (FLAG_VALIDATED, MARK_VALIDATED),
)

# One line under the matrix (136 columns). The underlined legs are named in the detail panel.
LEGEND = (
    f"{MARK_FRESH} venue  {MARK_VALIDATED} sources agree  {MARK_DISCREPANCY} disagree  "
    f"{MARK_SECONDARY} ArbScanner only  {MARK_FALLBACK} ArbScanner stands in  {MARK_JUMP} jump  "
    f"{MARK_STALE} stale  │  green: shorts paid  red: longs paid"
)


def mark(flags: frozenset[str]) -> str:
    for flag, symbol in _MARK_ORDER:
        if flag in flags:
            return symbol
    return MARK_FRESH


# -- colour ------------------------------------------------------------------------------------

# Size is judged on APR whatever the unit shown, so toggling the unit never changes a colour.
_STRONG_APR = Decimal("0.5")
_CLEAR_APR = Decimal("0.1")
_FAINT_APR = Decimal("0.01")


def rate_style(apr: Decimal) -> str:
    """Green when shorts are paid (rate > 0), red when longs are; stronger the larger it is."""
    size = abs(apr)
    if size < _FAINT_APR:
        return "dim"
    colour = "green" if apr > 0 else "red"
    if size < _CLEAR_APR:
        return colour
    if size < _STRONG_APR:
        return f"bold bright_{colour}"
    return f"bold reverse bright_{colour}"


STALE_STYLE = "dim italic"


_CELLS_KEPT = 50_000
_cells: dict[tuple[object, ...], Cell] = {}


def rate_cell(quote: BookQuote, unit: RateUnit, *, best_leg: bool = False) -> Cell:
    """One venue's rate in the matrix: `+0.0100%·8h` (per interval), `+0.00125%·`, `+10.9%·`.

    Every repaint formats every cell of the matrix, and most rates did not move since the last
    one: the text of a (rate, interval, flags) is kept rather than formatted from Decimals again.
    """
    key = (quote.rate, quote.interval_hours, quote.flags, unit, best_leg)
    cell = _cells.get(key)
    if cell is None:
        if len(_cells) >= _CELLS_KEPT:
            _cells.clear()
        cell = _cells[key] = _rate_cell(quote, unit, best_leg)
    return cell


def _rate_cell(quote: BookQuote, unit: RateUnit, best_leg: bool) -> Cell:
    flags = quote.flags
    text = percent(rate_in(quote, unit), unit) + mark(flags)
    if unit is RateUnit.PER_INTERVAL:
        text += f"{quote.interval_hours}h"
    style = STALE_STYLE if FLAG_STALE in flags else rate_style(quote.apr)
    if best_leg:
        style += " underline"  # one of the two legs of this asset's best spread
    return text, style


def spread_cell(spread_apr: Decimal | None) -> Cell:
    if spread_apr is None:
        return "–", "dim"
    return f"{spread_apr * HUNDRED:.1f}%", rate_style(spread_apr)


# -- time --------------------------------------------------------------------------------------


def countdown(until: datetime | None, now: datetime, *, seconds: bool = False) -> str:
    """Time left to a settlement: `7h05m`, `42m` (or `7h05m12s`, `42m07s` with seconds)."""
    if until is None:
        return "–"
    left = int((until - now).total_seconds())
    if left <= 0:
        return "due"
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    if seconds:
        return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
    if hours >= 24:
        return f"{hours // 24}d{hours % 24:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m" if minutes else "<1m"


# -- sources -----------------------------------------------------------------------------------

SOURCE_NAMES = {
    FundingSource.EXCHANGE: "venue",
    FundingSource.SECONDARY: "arbscan",
    FundingSource.SIM: "sim",
}


def source_name(source: FundingSource) -> str:
    return SOURCE_NAMES.get(source, str(source))
