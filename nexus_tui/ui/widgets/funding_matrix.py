"""The funding matrix as data: one row per base asset, one column per venue, sorted and filtered.

Rows are base assets, not symbols, so BTC/USDT:USDT on Binance and BTC/USDC:USDC on Hyperliquid
line up in one row. Where a venue lists the same base twice (USDT and USDC perps), the matrix
shows the USDT one and the detail panel shows both.

The best spread of a row is the highest rate per hour minus the lowest, over its fresh cells
(a stale rate cannot be traded on): short where the rate is highest, long where it is lowest.

`build_view` is pure and cheap enough to run on every repaint (a few milliseconds for 400 rows
by 8 venues); the table widget then repaints only the cells whose `(text, style)` changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from nexus_tui.core.money import apr_from_hourly
from nexus_tui.market.funding_book import FLAG_DISCREPANCY, FLAG_STALE, BookQuote
from nexus_tui.ui.widgets.filter_bar import matches
from nexus_tui.ui.widgets.funding_cells import (
    Cell,
    RateUnit,
    countdown,
    rate_cell,
    rate_in,
    spread_cell,
)

ASSET = "asset"
SPREAD = "spread"
NEXT = "next"
FIXED_SORTS = (SPREAD, ASSET, NEXT)
SORT_TITLES = {SPREAD: "best spread", ASSET: "asset", NEXT: "next settlement"}

# Settle currencies in the order a venue's perp is preferred for its matrix cell.
_SETTLE_PREFERENCE = {"USDT": 0, "USDC": 1, "USD": 2}


@dataclass(frozen=True, slots=True)
class AssetRow:
    """Everything the matrix knows about one base asset."""

    base: str
    cells: dict[str, BookQuote]  # venue -> the quote shown in its column
    extra: tuple[BookQuote, ...]  # the same base again on a venue (another settle currency)
    short_venue: str | None  # best spread: short here (highest rate per hour)...
    long_venue: str | None  # ...and long here (lowest)
    spread_hourly: Decimal | None
    next_funding_ts: datetime | None  # the soonest settlement among its cells

    @property
    def spread_apr(self) -> Decimal | None:
        return None if self.spread_hourly is None else apr_from_hourly(self.spread_hourly)

    def quotes(self) -> list[BookQuote]:
        """Every quote of this base, matrix cells first (for the detail panel)."""
        return [*self.cells.values(), *self.extra]


@dataclass(frozen=True, slots=True)
class SortOrder:
    """What the rows are sorted by: "spread", "asset", "next", or a venue id (its rate)."""

    key: str = SPREAD
    descending: bool = True

    def cycled(self, venues: Sequence[str]) -> SortOrder:
        """The next sort key (spread → asset → next settlement → each venue), its natural direction."""
        keys = [*FIXED_SORTS, *venues]
        index = keys.index(self.key) if self.key in keys else -1
        key = keys[(index + 1) % len(keys)]
        return SortOrder(key, descending=key not in (ASSET, NEXT))

    def reversed(self) -> SortOrder:
        return SortOrder(self.key, not self.descending)


@dataclass(frozen=True, slots=True)
class MatrixView:
    """What the table shows: columns, rows in order, the cells of each row."""

    venues: tuple[str, ...]
    intervals: dict[str, tuple[int, ...]]  # venue -> its funding intervals, longest first
    order: tuple[str, ...]  # bases shown, sorted and filtered
    cells: dict[str, tuple[Cell, ...]]  # base -> asset, one cell per venue, spread, next
    rows: dict[str, AssetRow] = field(repr=False)
    total: int = 0  # rows before the filter
    quotes: int = 0  # venue quotes behind the whole matrix
    stale: int = 0  # of those quotes
    discrepancies: int = 0  # of those quotes


def venue_order(quotes: Iterable[BookQuote]) -> tuple[str, ...]:
    """Venues in the order the book first saw them (the order the engine's venues were added)."""
    return tuple(dict.fromkeys(q.venue for q in quotes))


def build_rows(quotes: Iterable[BookQuote]) -> dict[str, AssetRow]:
    # One pass to place each quote in its row and column (a hot path: ~4,000 quotes a repaint).
    cells: dict[str, dict[str, BookQuote]] = {}
    extra: dict[str, list[BookQuote]] = {}
    for quote in quotes:
        row = cells.get(quote.base)
        if row is None:
            cells[quote.base] = {quote.venue: quote}
            continue
        held = row.get(quote.venue)
        if held is None:
            row[quote.venue] = quote
            continue
        if _SETTLE_PREFERENCE.get(quote.quote, 9) < _SETTLE_PREFERENCE.get(held.quote, 9):
            row[quote.venue], quote = quote, held
        extra.setdefault(quote.base, []).append(quote)
    return {base: _asset_row(base, row, tuple(extra.get(base, ()))) for base, row in cells.items()}


def _asset_row(base: str, cells: dict[str, BookQuote], extra: tuple[BookQuote, ...]) -> AssetRow:
    high: BookQuote | None = None
    low: BookQuote | None = None
    soonest: datetime | None = None
    for quote in cells.values():
        ts = quote.next_funding_ts
        if ts is not None and (soonest is None or ts < soonest):
            soonest = ts
        if FLAG_STALE in quote.flags:
            continue
        if high is None:
            high = low = quote
        elif quote.rate_hourly > high.rate_hourly:
            high = quote
        elif low is not None and quote.rate_hourly <= low.rate_hourly:
            low = quote  # "<=": two venues at the same rate are still two legs (a spread of 0)
    two_legs = high is not None and low is not None and high is not low
    return AssetRow(
        base=base,
        cells=cells,
        extra=extra,
        short_venue=high.venue if two_legs and high else None,
        long_venue=low.venue if two_legs and low else None,
        spread_hourly=high.rate_hourly - low.rate_hourly if two_legs and high and low else None,
        next_funding_ts=soonest,
    )


def row_cells(row: AssetRow, venues: Sequence[str], unit: RateUnit, now: datetime) -> tuple[Cell, ...]:
    legs = (row.short_venue, row.long_venue)
    out: list[Cell] = [(row.base, "bold")]
    for venue in venues:
        quote = row.cells.get(venue)
        out.append(("", "") if quote is None else rate_cell(quote, unit, best_leg=venue in legs))
    out.append(spread_cell(row.spread_apr))
    out.append((countdown(row.next_funding_ts, now), ""))
    return tuple(out)


def sort_rows(rows: Iterable[AssetRow], order: SortOrder, unit: RateUnit) -> list[str]:
    """Bases in display order; rows without a value for the key go last either way, ties by name."""
    with_value: list[tuple[object, str]] = []
    without: list[str] = []
    for row in rows:
        value = _sort_value(row, order.key, unit)
        if value is None:
            without.append(row.base)
        else:
            with_value.append((value, row.base))
    with_value.sort(key=lambda pair: pair[1])  # stable: the name breaks ties in either direction
    with_value.sort(key=lambda pair: pair[0], reverse=order.descending)  # type: ignore[arg-type, return-value]
    return [base for _, base in with_value] + sorted(without)


def _sort_value(row: AssetRow, key: str, unit: RateUnit) -> object | None:
    if key == ASSET:
        return row.base
    if key == SPREAD:
        return row.spread_hourly
    if key == NEXT:
        return row.next_funding_ts
    quote = row.cells.get(key)
    return None if quote is None else rate_in(quote, unit)


def build_view(
    quotes: Sequence[BookQuote],
    *,
    unit: RateUnit,
    order: SortOrder,
    now: datetime,
    filter_text: str = "",
    max_rows: int | None = None,
    venues: Sequence[str] | None = None,
) -> MatrixView:
    """The whole matrix for one snapshot of the book. `venues` fixes the column order (default:
    as first seen in `quotes`)."""
    columns = tuple(venues) if venues is not None else venue_order(quotes)
    rows = build_rows(quotes)
    shown = [row for row in rows.values() if not filter_text or matches(_searchable(row), filter_text)]
    bases = sort_rows(shown, order, unit)
    if max_rows is not None:
        bases = bases[:max_rows]
    intervals: dict[str, set[int]] = {venue: set() for venue in columns}
    stale = discrepancies = 0
    for quote in quotes:
        intervals.setdefault(quote.venue, set()).add(quote.interval_hours)
        if FLAG_STALE in quote.flags:
            stale += 1
        if FLAG_DISCREPANCY in quote.flags:
            discrepancies += 1
    return MatrixView(
        venues=columns,
        intervals={venue: tuple(sorted(hours, reverse=True)) for venue, hours in intervals.items()},
        order=tuple(bases),
        cells={base: row_cells(rows[base], columns, unit, now) for base in bases},
        rows=rows,
        total=len(rows),
        quotes=len(quotes),
        stale=stale,
        discrepancies=discrepancies,
    )


def _searchable(row: AssetRow) -> str:
    return " ".join([row.base, *(q.symbol for q in row.cells.values())])
