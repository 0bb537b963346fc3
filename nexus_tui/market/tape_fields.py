"""Parsing and printing the fields of a funding tape (docs/formats.md), shared by every tape reader.

Each parser takes the raw cell (text from CSV, or a JSON value) and raises `FieldError` with a
short reason; the readers add the file name and line number.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

from nexus_tui.core.clock import from_ms, utc
from nexus_tui.core.models import FundingSource
from nexus_tui.core.money import D

# Epoch milliseconds outside these years are a unit mistake (seconds, microseconds), not a time.
_EARLIEST_MS = 1_262_304_000_000  # 2010-01-01
_LATEST_MS = 4_102_444_800_000  # 2100-01-01
_INTERVAL = re.compile(r"^\s*(\d+)(?:\.0*)?\s*h?\s*$", re.IGNORECASE)
_SOURCES = ", ".join(s.value for s in FundingSource)


class FieldError(ValueError):
    """One field of one row is unusable; the message says which and why."""


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_ts(value: object, name: str = "ts") -> datetime:
    """ISO-8601 (a naive time is UTC) or epoch milliseconds, as text or a JSON number."""
    if isinstance(value, bool) or is_empty(value):
        raise FieldError(f"{name} is missing")
    if isinstance(value, int | float | Decimal):
        return _from_epoch_ms(value, name)
    if not isinstance(value, str):
        raise FieldError(f"{name} is not a time: {value!r}")
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _from_epoch_ms(Decimal(text), name)
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        raise FieldError(f"{name} is not an ISO-8601 time or epoch milliseconds: {text!r}") from None


def _from_epoch_ms(value: int | float | Decimal, name: str) -> datetime:
    try:
        ms = D(value)
    except ValueError:
        raise FieldError(f"{name} is not a time: {value!r}") from None
    if not _EARLIEST_MS <= ms < _LATEST_MS:
        raise FieldError(f"{name} {value} is not epoch milliseconds between 2010 and 2100")
    return from_ms(int(ms))


def parse_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or is_empty(value):
        raise FieldError(f"{name} is missing")
    try:
        return D(value)
    except ValueError:
        raise FieldError(f"{name} is not a finite number: {_show(value)}") from None


def parse_optional_decimal(value: object, name: str) -> Decimal | None:
    return None if is_empty(value) else parse_decimal(value, name)


def parse_optional_ts(value: object, name: str) -> datetime | None:
    return None if is_empty(value) else parse_ts(value, name)


def parse_interval(value: object, name: str = "interval_hours") -> int:
    """Whole hours: 8, "8", "8.0" or ccxt's "8h"."""
    if isinstance(value, bool) or is_empty(value):
        raise FieldError(f"{name} is missing")
    if isinstance(value, int):
        hours = value
    elif isinstance(value, Decimal | float) and math.isfinite(value) and value == int(value):
        hours = int(value)
    else:
        match = _INTERVAL.match(str(value))
        if match is None:
            raise FieldError(f"{name} is not a whole number of hours: {_show(value)}")
        hours = int(match.group(1))
    if hours <= 0:
        raise FieldError(f"{name} must be a positive number of hours, not {hours}")
    return hours


def parse_text(value: object, name: str) -> str:
    if is_empty(value):
        raise FieldError(f"{name} is missing")
    if not isinstance(value, str):
        raise FieldError(f"{name} is not text: {_show(value)}")
    return value.strip()


def parse_symbol(value: object) -> str:
    symbol = parse_text(value, "symbol")
    if "/" not in symbol:
        raise FieldError(f"symbol {symbol!r} is not a unified symbol like BTC/USDT:USDT")
    return symbol


def parse_source(value: object, default: FundingSource) -> FundingSource:
    if is_empty(value):
        return default
    try:
        return FundingSource(str(value).strip().lower())
    except ValueError:
        raise FieldError(f"source {_show(value)} is not one of {_SOURCES}") from None


def parse_flags(value: object) -> tuple[str, ...]:
    """Caveats carried with a row: "a;b" in CSV, a list of strings (or the same text) in JSON."""
    if is_empty(value):
        return ()
    items = value if isinstance(value, list) else str(value).split(";")
    flags = []
    for item in items:
        if not isinstance(item, str):
            raise FieldError(f"flags must be text, not {_show(item)}")
        if item.strip():
            flags.append(item.strip())
    return tuple(flags)


def format_decimal(value: Decimal | None) -> str:
    """Plain positional notation (0.00001, never 1E-5): readable and exact."""
    return "" if value is None else format(value, "f")


def format_ts(value: datetime | None) -> str:
    """ISO-8601 UTC with a Z; milliseconds, or microseconds when the time carries them."""
    if value is None:
        return ""
    spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
    return value.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else repr(value.strip())
    return text if len(text) <= 40 else text[:37] + "..."
