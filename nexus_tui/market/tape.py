"""The funding tape (DESIGN.md §3, docs/formats.md): snapshots, recordings and history in one format.

CSV with a header, or JSON Lines (one object per line), with the columns `ts, venue, symbol, rate,
interval_hours` and the optional `mark_price, index_price, next_funding_ts, predicted_rate,
source`. An optional field that is absent or empty is None, never an error; a row that cannot be
read stops the read with `BadInput("<file>:<line>: <reason>")`. ccxt's own
`fetchFundingRateHistory` / `fetchFundingRates` JSON is read too (market/ccxt_history.py).

Reading does not judge values (a 500 % rate is a readable row): the FundingBook's guard does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.tape_fields import (
    FieldError,
    format_decimal,
    format_ts,
    is_empty,
    parse_decimal,
    parse_flags,
    parse_interval,
    parse_optional_decimal,
    parse_optional_ts,
    parse_source,
    parse_symbol,
    parse_text,
    parse_ts,
)

TAPE_COLUMNS = (
    "ts",
    "venue",
    "symbol",
    "rate",
    "interval_hours",
    "mark_price",
    "index_price",
    "next_funding_ts",
    "predicted_rate",
    "source",
    "flags",
)
REQUIRED_COLUMNS = ("ts", "venue", "symbol", "rate", "interval_hours")


class TapeFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    CCXT = "ccxt"  # ccxt's fetchFundingRateHistory / fetchFundingRates JSON (read only)


def read_tape(
    path: Path, venue: str | None = None, *, interval_hours: int | None = None
) -> list[FundingRate]:
    """Every row of a tape, in file order.

    `venue` is required for ccxt JSON (which does not name the exchange) and fills an empty or
    absent venue in CSV/JSON Lines. `interval_hours` is used for ccxt history only when the
    interval cannot be read from the entries or their spacing.
    """
    text = _read_text(path)
    fmt = detect_format(path, text)
    if fmt is TapeFormat.CCXT:
        from nexus_tui.market.ccxt_history import parse_ccxt_funding

        return parse_ccxt_funding(path, text, venue, interval_hours)
    if fmt is TapeFormat.JSONL:
        return _read_jsonl(path, text, venue)
    return _read_csv(path, text, venue)


def of_venues(path: Path, rows: list[FundingRate], venues: Sequence[str]) -> list[FundingRate]:
    """The rows of `venues` (a simulated venue also by its plain name: `okx` for `sim:okx`); all
    of them when none is named. Naming only venues the tape does not hold is an error that says
    which ones it does."""
    wanted = set(venues)
    if not wanted:
        return rows
    kept = [r for r in rows if r.venue in wanted or r.venue.removeprefix("sim:") in wanted]
    if rows and not kept:
        on_tape = ", ".join(sorted({r.venue for r in rows}))
        raise BadInput(f"{path}: no funding rows for {', '.join(venues)}; the tape has {on_tape}")
    return kept


def detect_format(path: Path, text: str) -> TapeFormat:
    """By extension first (.csv, .jsonl, .ndjson), else by the first character of the content."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return TapeFormat.CSV
    if suffix in (".jsonl", ".ndjson"):
        return TapeFormat.JSONL
    stripped = text.lstrip()
    if stripped.startswith("["):
        return TapeFormat.CCXT
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0]
        try:
            first = json.loads(first_line)
        except json.JSONDecodeError:
            return TapeFormat.CCXT  # a pretty-printed document, not one object per line
        return TapeFormat.CCXT if _looks_like_ccxt(first) else TapeFormat.JSONL
    return TapeFormat.CSV


def _looks_like_ccxt(obj: object) -> bool:
    if not isinstance(obj, dict):
        return False
    if "fundingRate" in obj:
        return True
    return bool(obj) and all(isinstance(v, list | dict) for v in obj.values())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a tape") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not a text file (expected CSV, JSON Lines or JSON)") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_csv(path: Path, text: str, venue: str | None) -> list[FundingRate]:
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader, None)
        if header is None:
            return []
        columns = {name.strip().lower(): i for i, name in enumerate(header)}
        missing = [c for c in REQUIRED_COLUMNS if c not in columns and not (c == "venue" and venue)]
        if missing:
            raise BadInput(f"{path}:1: missing column(s): {', '.join(missing)}")
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue

            def cell(name: str, cells: list[str] = cells) -> str | None:
                i = columns.get(name)
                return cells[i] if i is not None and i < len(cells) else None

            rows.append(_row(cell, venue, path, reader.line_num))
        return rows
    except csv.Error as exc:
        raise BadInput(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def _read_jsonl(path: Path, text: str, venue: str | None) -> list[FundingRate]:
    rows = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_float=Decimal)
        except (json.JSONDecodeError, ValueError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise BadInput(f"{path}:{line_no}: not a JSON object ({reason})") from None
        if not isinstance(obj, dict):
            raise BadInput(f"{path}:{line_no}: expected a JSON object, got {type(obj).__name__}")
        rows.append(_row(obj.get, venue, path, line_no))
    return rows


def _row(get: Callable[[str], Any], venue: str | None, path: Path, line: int) -> FundingRate:
    try:
        raw_venue = get("venue")
        return FundingRate(
            venue=venue if is_empty(raw_venue) and venue else parse_text(raw_venue, "venue"),
            symbol=parse_symbol(get("symbol")),
            rate=parse_decimal(get("rate"), "rate"),
            interval_hours=parse_interval(get("interval_hours")),
            ts=parse_ts(get("ts")),
            next_funding_ts=parse_optional_ts(get("next_funding_ts"), "next_funding_ts"),
            mark_price=parse_optional_decimal(get("mark_price"), "mark_price"),
            index_price=parse_optional_decimal(get("index_price"), "index_price"),
            predicted_rate=parse_optional_decimal(get("predicted_rate"), "predicted_rate"),
            source=parse_source(get("source"), FundingSource.TAPE),
            flags=parse_flags(get("flags")),
        )
    except FieldError as exc:
        raise BadInput(f"{path}:{line}: {exc}") from None


class TapeWriter:
    """Writes funding rows to a tape, flushing after each batch so an interrupted recording keeps
    every batch it finished. Use as a context manager."""

    def __init__(self, path: Path, fmt: TapeFormat | str | None = None) -> None:
        self.path = path
        self.format = _writer_format(path, fmt)
        self.rows_written = 0
        try:
            self._fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise BadInput(f"{path}: cannot write ({exc.strerror or exc})") from None
        self._csv = None
        if self.format is TapeFormat.CSV:
            self._csv = csv.writer(self._fh, lineterminator="\n")
            self._csv.writerow(TAPE_COLUMNS)
            self._fh.flush()

    def write(self, rows: Iterable[FundingRate]) -> int:
        count = 0
        for row in rows:
            if self._csv is not None:
                self._csv.writerow(_cells(row))
            else:
                self._fh.write(_json_line(row))
            count += 1
        self._fh.flush()
        self.rows_written += count
        return count

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> TapeWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def write_tape(rows: Iterable[FundingRate], path: Path, fmt: TapeFormat | str | None = None) -> int:
    """Write `rows` as a tape (format from `fmt` or the file extension; CSV by default)."""
    with TapeWriter(path, fmt) as writer:
        return writer.write(rows)


def _writer_format(path: Path, fmt: TapeFormat | str | None) -> TapeFormat:
    if fmt is None:
        return TapeFormat.JSONL if path.suffix.lower() in (".jsonl", ".ndjson") else TapeFormat.CSV
    try:
        chosen = TapeFormat(str(fmt).lower())
    except ValueError:
        raise BadInput(f"unknown tape format {fmt!r} (expected csv or jsonl)") from None
    if chosen is TapeFormat.CCXT:
        raise BadInput("tapes are written as csv or jsonl; ccxt JSON is read only")
    return chosen


def _cells(row: FundingRate) -> list[str]:
    return [
        format_ts(row.ts),
        row.venue,
        row.symbol,
        format_decimal(row.rate),
        str(row.interval_hours),
        format_decimal(row.mark_price),
        format_decimal(row.index_price),
        format_ts(row.next_funding_ts),
        format_decimal(row.predicted_rate),
        row.source.value,
        ";".join(row.flags),
    ]


def _json_line(row: FundingRate) -> str:
    """Numbers are written as exact JSON numbers (the Decimal's digits), times as ISO strings."""

    def number(value: Decimal | None) -> str:
        return "null" if value is None else format_decimal(value)

    def text(value: str) -> str:
        return "null" if not value else json.dumps(value)

    return (
        f'{{"ts": {text(format_ts(row.ts))}, "venue": {json.dumps(row.venue)}, '
        f'"symbol": {json.dumps(row.symbol)}, "rate": {number(row.rate)}, '
        f'"interval_hours": {row.interval_hours}, "mark_price": {number(row.mark_price)}, '
        f'"index_price": {number(row.index_price)}, '
        f'"next_funding_ts": {text(format_ts(row.next_funding_ts))}, '
        f'"predicted_rate": {number(row.predicted_rate)}, "source": {json.dumps(row.source.value)}, '
        f'"flags": {json.dumps(list(row.flags))}}}\n'
    )
