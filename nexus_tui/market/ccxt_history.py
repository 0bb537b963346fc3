"""Reads ccxt's own funding JSON: what `fetchFundingRateHistory` (and `fetchFundingRates`) return.

Accepted shapes, as dumped with `json.dump(result)`:
* a list of history entries `[{"symbol", "fundingRate", "timestamp", "datetime", "info"}, ...]`;
* an object keyed by symbol whose values are such lists (several symbols in one file);
* an object keyed by symbol whose values are `fetchFundingRates` structures (`fundingRate`,
  `markPrice`, `indexPrice`, `fundingTimestamp`, `nextFundingRate`, `interval`: "8h", ...).

ccxt's JSON does not name the exchange, so the caller says which venue it came from. The funding
interval is taken from an entry's `interval` when present, else from the spacing of a symbol's
settlements (rounded to whole hours), else from the caller; it is never assumed to be 8 h.
"""

from __future__ import annotations

import bisect
import json
import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.tape_fields import (
    FieldError,
    is_empty,
    parse_decimal,
    parse_interval,
    parse_optional_decimal,
    parse_optional_ts,
    parse_symbol,
    parse_ts,
)

_WS = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int
    symbol: str
    rate: Decimal
    ts: datetime
    interval_hours: int | None
    next_funding_ts: datetime | None
    mark_price: Decimal | None
    index_price: Decimal | None
    predicted_rate: Decimal | None


def parse_ccxt_funding(
    path: Path, text: str, venue: str | None, interval_hours: int | None = None
) -> list[FundingRate]:
    if not venue:
        raise BadInput(f"{path}: ccxt funding JSON does not name its exchange; say which with --venue")
    try:
        doc = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except ValueError as exc:
        raise BadInput(f"{path}: not valid JSON ({exc})") from None
    lines = _entry_lines(text)
    raw_entries = _flatten(path, doc)
    if len(lines) != len(raw_entries):  # cannot happen for valid JSON; keep messages honest anyway
        lines = [1] * len(raw_entries)
    entries = [_entry(path, line, key, raw) for line, (key, raw) in zip(lines, raw_entries, strict=True)]
    intervals = _intervals(path, entries, interval_hours)
    return [
        FundingRate(
            venue=venue,
            symbol=e.symbol,
            rate=e.rate,
            interval_hours=e.interval_hours or intervals[e.symbol],
            ts=e.ts,
            next_funding_ts=e.next_funding_ts,
            mark_price=e.mark_price,
            index_price=e.index_price,
            predicted_rate=e.predicted_rate,
            source=FundingSource.TAPE,
        )
        for e in entries
    ]


def _flatten(path: Path, doc: Any) -> list[tuple[str | None, Any]]:
    """(symbol key or None, entry) in document order."""
    if isinstance(doc, list):
        return [(None, item) for item in doc]
    if isinstance(doc, dict):
        out: list[tuple[str | None, Any]] = []
        for key, value in doc.items():
            if isinstance(value, list):
                out.extend((key, item) for item in value)
            else:
                out.append((key, value))
        return out
    raise BadInput(f"{path}:1: expected ccxt funding JSON (a list or an object), got {type(doc).__name__}")


def _entry(path: Path, line: int, key: str | None, raw: Any) -> _Entry:
    if not isinstance(raw, dict):
        raise BadInput(f"{path}:{line}: expected a ccxt funding entry (an object), got {type(raw).__name__}")
    try:
        symbol = parse_symbol(raw.get("symbol") if not is_empty(raw.get("symbol")) else key)
        stamp = raw.get("timestamp")
        ts = parse_ts(stamp if not is_empty(stamp) else raw.get("datetime"), "timestamp")
        interval = raw.get("interval")
        return _Entry(
            line=line,
            symbol=symbol,
            rate=parse_decimal(raw.get("fundingRate"), "fundingRate"),
            ts=ts,
            interval_hours=None if is_empty(interval) else parse_interval(interval, "interval"),
            next_funding_ts=parse_optional_ts(raw.get("fundingTimestamp"), "fundingTimestamp"),
            mark_price=parse_optional_decimal(raw.get("markPrice"), "markPrice"),
            index_price=parse_optional_decimal(raw.get("indexPrice"), "indexPrice"),
            predicted_rate=parse_optional_decimal(raw.get("nextFundingRate"), "nextFundingRate"),
        )
    except FieldError as exc:
        raise BadInput(f"{path}:{line}: {exc}") from None


def _intervals(path: Path, entries: list[_Entry], given: int | None) -> dict[str, int]:
    """Each symbol's interval from the spacing of its settlements (median gap, whole hours)."""
    stamps: dict[str, list[float]] = {}
    first_line: dict[str, int] = {}
    for e in entries:
        if e.interval_hours is None:
            stamps.setdefault(e.symbol, []).append(e.ts.timestamp())
            first_line.setdefault(e.symbol, e.line)
    intervals = {}
    for symbol, times in stamps.items():
        ordered = sorted(set(times))
        gaps = [b - a for a, b in pairwise(ordered)]
        if gaps:
            hours = round(statistics.median(gaps) / 3600)
            if not 1 <= hours <= 24:
                raise BadInput(
                    f"{path}:{first_line[symbol]}: {symbol}: settlements are {hours} h apart; "
                    "expected a funding interval of 1 to 24 h"
                )
            intervals[symbol] = hours
        elif given is not None:
            intervals[symbol] = given
        else:
            raise BadInput(
                f"{path}:{first_line[symbol]}: {symbol}: one settlement does not tell the funding "
                "interval; give it with --interval-hours"
            )
    return intervals


def _entry_lines(text: str) -> list[int]:
    """The line on which each entry starts, in the order _flatten yields them."""
    decoder = json.JSONDecoder()
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    def skip(i: int) -> int:
        match = _WS.match(text, i)
        return match.end() if match else i

    def list_items(i: int) -> list[int]:
        starts: list[int] = []
        i = skip(i + 1)
        if text[i] == "]":
            return starts
        while True:
            starts.append(i)
            _, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i] != ",":
                return starts
            i = skip(i + 1)

    try:
        i = skip(0)
        if text[i] == "[":
            return [line_of(s) for s in list_items(i)]
        starts: list[int] = []
        i = skip(i + 1)
        while text[i] != "}":
            _, i = decoder.raw_decode(text, i)  # the key
            i = skip(skip(i) + 1)  # past the colon
            if text[i] == "[":
                starts.extend(list_items(i))
            else:
                starts.append(i)
            _, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i] == ",":
                i = skip(i + 1)
        return [line_of(s) for s in starts]
    except (IndexError, ValueError):
        return []
