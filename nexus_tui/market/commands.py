"""What `nexus-tui funding` and `nexus-tui record` do, without the command-line plumbing.

Both read the engine's FundingBook, the same object the TUI's funding screen shows, so the
headless table and the screen agree for the same seed at the same instant. cli.py only maps
options onto these calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from nexus_tui.core.clock import Clock, ManualClock, SystemClock, iso
from nexus_tui.core.errors import BadInput, NexusError
from nexus_tui.engine import Engine
from nexus_tui.market.funding_book import BookQuote, FundingBook, IngestReport
from nexus_tui.market.tape import TapeWriter, of_venues, read_tape

# -- the funding table -----------------------------------------------------------------------


async def refresh_once(engine: Engine) -> None:
    """One refresh of every feed into the engine's book (no background services started)."""
    if engine.funding_refresher is None:
        raise BadInput("this engine has no funding feeds to refresh")
    await engine.funding_refresher.refresh_all()


def book_from_tape(
    path: Path, *, venue: str | None = None, interval_hours: int | None = None, venues: Sequence[str] = ()
) -> tuple[FundingBook, IngestReport]:
    """A book holding a tape's rows, as of the tape's newest row (so nothing is stale by fiat)."""
    rows = of_venues(path, read_tape(path, venue, interval_hours=interval_hours), venues)
    # An empty tape has no time of its own: "as of" is then simply now.
    clock: Clock = ManualClock(max(row.ts for row in rows)) if rows else SystemClock()
    book = FundingBook(clock)
    return book, book.ingest(rows)


def sorted_quotes(book: FundingBook) -> list[BookQuote]:
    return sorted(book.quotes(), key=lambda q: (q.venue, q.symbol))


def funding_json(quotes: Sequence[BookQuote], as_of: datetime) -> dict[str, Any]:
    """The `funding --json` document of DESIGN.md §3 (numbers as JSON numbers, times ISO UTC)."""
    return {
        "as_of": iso(as_of),
        "rows": [
            {
                "venue": q.venue,
                "symbol": q.symbol,
                "rate": _number(q.rate),
                "interval_hours": q.interval_hours,
                "rate_hourly": _number(q.rate_hourly),
                "apr": _number(q.apr),
                "next_funding_ts": None if q.next_funding_ts is None else iso(q.next_funding_ts),
                "mark_price": _number(q.mark_price),
                "source": q.source.value,
                "flags": sorted(q.flags),
                "base": q.base,
                "quote": q.quote,
                "index_price": _number(q.index_price),
                "predicted_rate": _number(q.predicted_rate),
                "secondary_rate": _number(q.secondary_rate),
                "observed_at": iso(q.observed_at),
                "age_s": round(q.age_s, 3),
            }
            for q in quotes
        ],
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_COLUMNS = ("VENUE", "SYMBOL", "RATE", "INT", "RATE/H", "APR", "NEXT (UTC)", "MARK", "SOURCE", "AGE", "FLAGS")


def funding_text(quotes: Sequence[BookQuote], as_of: datetime) -> str:
    """A plain-text table: rates in percent per interval and per hour, APR in percent."""
    table = [list(_COLUMNS)]
    for q in quotes:
        table.append(
            [
                q.venue,
                q.symbol,
                f"{q.rate * 100:.5f}%",
                f"{q.interval_hours}h",
                f"{q.rate_hourly * 100:.5f}%",
                f"{q.apr * 100:.2f}%",
                "-" if q.next_funding_ts is None else iso(q.next_funding_ts)[:16].replace("T", " "),
                "-" if q.mark_price is None else f"{q.mark_price:f}",
                q.source.value,
                _age(q.age_s),
                ",".join(sorted(q.flags)) or "-",
            ]
        )
    right = {2, 3, 4, 5, 7, 9}
    widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in table
    ]
    summary = f"{len(quotes)} funding rate(s) as of {iso(as_of)}"
    return "\n".join([*lines, "", summary]) if quotes else f"no funding rates as of {iso(as_of)}"


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


# -- recording -------------------------------------------------------------------------------


@dataclass
class Recording:
    """How a recording went; filled in as it runs, so it is accurate even after Ctrl-C."""

    path: Path
    rows: int = 0
    passes: int = 0
    rejected: int = 0
    written: dict[tuple[str, str], datetime] = field(default_factory=dict)


async def record_tape(
    engine: Engine,
    recording: Recording,
    *,
    duration_s: float | None,
    interval_s: float,
    fmt: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> Recording:
    """Refresh the book every `interval_s` (clock time) and append each new observation to the tape.

    A row is written once per observation: a pair whose rate was not refreshed since the last
    pass is not repeated. Every pass is flushed, so an interrupted recording keeps all of them.
    A feed's failure is passed to `warn` once, when it starts (not on every pass).
    """
    if interval_s <= 0 or math.isnan(interval_s):
        raise BadInput(f"--interval {interval_s} is not allowed: it must be a positive number of seconds")
    if duration_s is not None and (duration_s < 0 or math.isnan(duration_s)):
        raise BadInput(f"--duration {duration_s} is not allowed: it must be zero or more seconds")
    clock: Clock = engine.clock
    book = engine.funding_book
    start = clock.now()
    warned: set[str] = set()
    with TapeWriter(recording.path, fmt) as writer:
        try:
            while True:
                await refresh_once(engine)
                recording.passes += 1
                failing = feed_warnings(engine)
                if warn is not None:
                    for line in failing:
                        if line not in warned:
                            warn(line)
                warned = set(failing)
                fresh = []
                for quote in book.quotes():
                    key = (quote.venue, quote.symbol)
                    if recording.written.get(key) != quote.observed_at:
                        recording.written[key] = quote.observed_at
                        fresh.append(quote.as_funding_rate())
                recording.rows += writer.write(fresh)
                # Passes keep to a grid from the start (0, interval, 2 x interval, ...), so the
                # time a pass takes does not push the later ones back.
                next_at = recording.passes * interval_s
                if duration_s is not None and next_at > duration_s + 1e-9:
                    break
                elapsed = (clock.now() - start).total_seconds()
                await clock.sleep(max(0.0, next_at - elapsed))
        finally:
            recording.rejected = book.stats.rejected
            await engine.stop()
    return recording


def check_output(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise BadInput(f"{path} already exists; choose another --out or pass --force to overwrite it")
    if path.exists() and path.is_dir():
        raise BadInput(f"{path} is a directory")


# -- the commands, as cli.py calls them ------------------------------------------------------


def parse_venues(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def funding_report(
    config: Any,
    *,
    json_out: bool,
    venues: Sequence[str] = (),
    snapshot: Path | None = None,
    venue: str | None = None,
    interval_hours: int | None = None,
    seed: int | None = None,
    warn: Callable[[str], None] = print,
) -> str:
    """`nexus-tui funding`: the reconciled table from the venues now, or from a tape."""
    with _library_logs_quiet():
        return _funding_report(config, json_out, venues, snapshot, venue, interval_hours, seed, warn)


def _funding_report(
    config: Any,
    json_out: bool,
    venues: Sequence[str],
    snapshot: Path | None,
    venue: str | None,
    interval_hours: int | None,
    seed: int | None,
    warn: Callable[[str], None],
) -> str:
    if snapshot is not None:
        book, report = book_from_tape(snapshot, venue=venue, interval_hours=interval_hours, venues=venues)
        if report.rejected:
            first = report.rejections[0]
            warn(
                f"warning: {report.rejected} row(s) of {snapshot} rejected; first: "
                f"{first.venue} {first.symbol}: {first.reason}"
            )
    else:
        from nexus_tui.bootstrap import build_engine

        engine = build_engine(config, seed=seed, venue_ids=venues or None)
        asyncio.run(_refresh_and_close(engine))
        book = engine.funding_book
        for line in feed_warnings(engine):
            warn(line)
        require_an_answer(engine)
    quotes = sorted_quotes(book)
    as_of = book.clock.now()
    if json_out:
        return json.dumps(funding_json(quotes, as_of))
    return funding_text(quotes, as_of)


def feed_warnings(engine: Engine) -> list[str]:
    """One line per feed whose latest fetch failed: `warning: <feed>: <reason>`."""
    refresher = engine.funding_refresher
    feeds = refresher.feeds.values() if refresher is not None else ()
    return [
        f"warning: {feed.name}: {feed.last_error.removeprefix(f'{feed.name}: ')}"
        for feed in feeds
        if feed.last_error
    ]


def require_an_answer(engine: Engine) -> None:
    """Fails (exit 1) when every feed failed: an empty table would pass for a quiet market."""
    refresher = engine.funding_refresher
    feeds = list(refresher.feeds.values()) if refresher is not None else []
    if feeds and all(feed.last_error for feed in feeds):
        names = ", ".join(feed.name for feed in feeds)
        raise NexusError(f"no funding rates: no source answered ({names})")


async def _refresh_and_close(engine: Engine) -> None:
    try:
        await refresh_once(engine)
    finally:
        await engine.stop()


def record_command(
    config: Any,
    recording: Recording,
    *,
    duration_s: float | None,
    interval_s: float | None,
    speed: float | None,
    fmt: str | None,
    venues: Sequence[str] = (),
    seed: int | None = None,
    force: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Recording:
    """`nexus-tui record`: the engine's funding book written as a tape over time.

    Ctrl-C ends it: the KeyboardInterrupt propagates with `recording` (the caller's, so it can
    report it) counted up to the last finished pass; the file holds every finished pass.
    """
    from nexus_tui.bootstrap import build_engine

    check_output(recording.path, force)
    if speed is not None and not speed > 0:
        raise BadInput(f"--speed {speed} is not allowed: it must be a positive number")
    engine = build_engine(config, speed=speed, seed=seed, venue_ids=venues or None)
    if interval_s is None:
        interval_s = engine.funding_refresher.interval_s if engine.funding_refresher else 5.0
    with _library_logs_quiet():
        asyncio.run(
            record_tape(engine, recording, duration_s=duration_s, interval_s=interval_s, fmt=fmt, warn=warn)
        )
    return recording


@contextmanager
def headless_warnings(engine: Engine, warn: Callable[[str], None]) -> Iterator[None]:
    """While a headless command runs `engine`, hold the package's log warnings; when it ends,
    pass on one line per failed feed, then the other warnings, except those about a feed
    already reported (a venue that did not answer fails its markets and tickers too)."""
    held = _HeldWarnings()
    package = logging.getLogger("nexus_tui")
    package.addHandler(held)
    try:
        yield
    finally:
        package.removeHandler(held)
    failed = feed_warnings(engine)
    for line in failed:
        warn(line)
    feeds = engine.funding_refresher.feeds.values() if engine.funding_refresher is not None else ()
    skip = {feed.name for feed in feeds if feed.last_error}
    said: set[str] = set()
    for record in held.records:
        about = record.args[0] if isinstance(record.args, tuple) and record.args else None
        line = f"warning: {record.getMessage()}"
        if record.name == "nexus_tui.market.refresh" or about in skip or line in said:
            continue
        said.add(line)
        warn(line)


class _HeldWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _library_logs_quiet() -> Iterator[None]:
    """Headless commands report problems themselves, in one line each; without this, Python's
    last-resort handler would also print every library warning raw on stderr."""
    package = logging.getLogger("nexus_tui")
    quiet = logging.NullHandler()
    package.addHandler(quiet)
    try:
        yield
    finally:
        package.removeHandler(quiet)
