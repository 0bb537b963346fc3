"""LegRow: one perpetual's funding as the opportunity scanner reads it, normalized once.

The funding book builds one per market when what it shows for that market changes, and keeps it
(FundingBook.scan_rows), so the scanner is handed ready rows and tells an unchanged one by
identity; `to_leg_row` converts any other funding row (a core FundingRate, a BookQuote) the same
way. Built for every row of every venue and read in the scan's innermost loops, so it is a plain
slotted class holding only what the screens read, with the float figures worked out here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from nexus_tui.core.clock import epoch_ms
from nexus_tui.core.models import FundingRate, split_symbol


@dataclass(slots=True)
class LegRow:
    """Plain slotted class: its attributes read several times faster than a tuple's. Treated as
    immutable: a changed row is replaced, never edited."""

    venue: str
    symbol: str
    base: str
    settle: str  # the currency the perp is margined and settled in (USDT, USDC, ...)
    rate: Decimal  # per interval
    interval_hours: int
    hourly: float  # rate_hourly as a float: for ordering and screening, never for money
    rate_f: float  # rate as a float, likewise
    next_funding_ts: datetime | None
    mark_price: Decimal | None
    observed_at: datetime
    flags: frozenset[str]
    source: str
    next_ms: int | None = None  # next_funding_ts in epoch milliseconds

    @property
    def rate_hourly(self) -> Decimal:
        return self.rate / self.interval_hours

    def seen_again(self, mark_price: Decimal | None, observed_at: datetime) -> LegRow:
        """The same funding, observed again (its mark may have moved)."""
        return LegRow(
            self.venue,
            self.symbol,
            self.base,
            self.settle,
            self.rate,
            self.interval_hours,
            self.hourly,
            self.rate_f,
            self.next_funding_ts,
            mark_price,
            observed_at,
            self.flags,
            self.source,
            self.next_ms,
        )


class BookRows(list[LegRow]):
    """A funding book's set of rows (FundingBook.scan_rows), one per pair in the book's order.

    `layout` stands for which market is at each place: two sets from the same book with the same
    `layout` object hold the same market (venue, symbol and base) at every place, so a reader
    can take a new row at its place without checking it. The book makes a new one whenever a
    pair joins or leaves its set."""

    __slots__ = ("layout",)

    def __init__(self, rows: Iterable[LegRow] = (), layout: object = None) -> None:
        super().__init__(rows)
        self.layout = layout


NO_FLAGS: frozenset[str] = frozenset()
_POWERS_OF_TWO = frozenset({1, 2, 4, 8, 16})
# Symbols, sources and next settlement times repeat across rows (venues settle on a grid): each
# is worked out once.
_split_cache: dict[str, tuple[str, str]] = {}
_epoch_cache: dict[datetime, int] = {}
_source_cache: dict[Any, str] = {}


def base_settle(symbol: str) -> tuple[str, str]:
    """(base asset, settlement currency) of a symbol: `BTC/USDT:USDT` -> ("BTC", "USDT")."""
    cached = _split_cache.get(symbol)
    if cached is None:
        base, quote, settle = split_symbol(symbol)
        cached = (base, settle or quote)
        _split_cache[symbol] = cached
    return cached


def _epoch_ms(ts: datetime) -> int:
    """clock.epoch_ms, cached: next settlement times repeat across rows."""
    ms = _epoch_cache.get(ts)
    if ms is None:
        if len(_epoch_cache) > 4096:
            _epoch_cache.clear()
        ms = _epoch_cache[ts] = epoch_ms(ts)
    return ms


def source_name(source: Any) -> str:
    name = _source_cache.get(source)
    if name is None:
        name = _source_cache[source] = str(getattr(source, "value", source))
    return name


def leg_row(
    venue: str,
    symbol: str,
    base: str | None,
    rate: Decimal,
    interval: int,
    next_ts: datetime | None,
    mark_price: Decimal | None,
    observed_at: datetime,
    flags: frozenset[str],
    source: Any,
) -> LegRow:
    """The row for these figures (`base` None: from the symbol)."""
    rate_f = float(rate)
    # Dividing by a power of two is exact in binary, so this is float(rate / interval) exactly.
    hourly = rate_f / interval if interval in _POWERS_OF_TWO else float(rate / interval)
    split = _split_cache.get(symbol)
    if split is None:
        split = base_settle(symbol)
    name = _source_cache.get(source)
    if name is None:
        name = source_name(source)
    next_ms = None
    if next_ts is not None:
        next_ms = _epoch_cache.get(next_ts)
        if next_ms is None:
            next_ms = _epoch_ms(next_ts)
    return LegRow(
        venue,
        symbol,
        split[0] if base is None else base,
        split[1],
        rate,
        interval,
        hourly,
        rate_f,
        next_ts,
        mark_price,
        observed_at,
        flags,
        name,
        next_ms,
    )


def to_leg_row(quote: Any) -> LegRow:
    """A core FundingRate or anything shaped like the book's BookQuote (base, observed_at and a
    frozenset of flags), as the scanner's row; a LegRow is returned as it is."""
    if type(quote) is LegRow:
        return quote
    if type(quote) is FundingRate:
        flags = frozenset(quote.flags) if quote.flags else NO_FLAGS
        return leg_row(
            quote.venue,
            quote.symbol,
            None,
            quote.rate,
            quote.interval_hours,
            quote.next_funding_ts,
            quote.mark_price,
            quote.ts,
            flags,
            quote.source,
        )
    return leg_row(
        quote.venue,
        quote.symbol,
        quote.base,
        quote.rate,
        quote.interval_hours,
        quote.next_funding_ts,
        quote.mark_price,
        quote.observed_at,
        quote.flags,
        quote.source,
    )
