"""Benches for the FundingBook: refresh speed at desk scale, and the memory of a week of history.

Desk scale: 12 venues × 600 perpetuals = 7,200 pairs, each venue on its real funding interval
(1 h, 4 h or 8 h). Rows are generated from a fixed seed with realistic magnitudes (a mean-
reverting rate per pair around a few basis points per 8 h, marks, next settlements, predicted
rates); every refresh brings new rates for every pair, as a venue's fetchFundingRates does.
The book is warm (it already holds the pairs and a day of hourly history, so the jump detector
works on every row), which is the steady state a running desk spends its time in.

* funding_book.refresh_full   ingest of all 7,200 rows            goal ≤ 50 ms median
* funding_book.refresh_venue  ingest of one venue's 600 rows      goal ≤ 5 ms median
* funding_book.memory_7d      the book after 7 days of hourly refreshes of all 7,200 pairs, each
                              also validated by the secondary source; traced with tracemalloc
                              (MB retained)                        goal ≤ 150 MB
* funding_book.snapshot       quotes() for the screens (7,200 BookQuotes, ages and flags)
* funding_book.scan_rows      scan_rows() for the opportunity scanner after a full refresh (every
                              row rebuilt; `unchanged_median_ms`: a second call, every row kept)
"""

from __future__ import annotations

import gc
import random
import statistics
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from nexus_tui.bench.registry import BenchResult, bench, measure, summarize
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.funding_book import FundingBook, IngestReport

SYMBOLS = 600
REFRESH_EVERY_S = 5
START = datetime(2026, 1, 1, tzinfo=UTC)
# Twelve venues with their usual funding interval, as the profiles give them.
VENUES: tuple[tuple[str, int], ...] = (
    ("binanceusdm", 8),
    ("bybit", 8),
    ("okx", 8),
    ("gate", 8),
    ("kucoinfutures", 8),
    ("bitget", 8),
    ("hyperliquid", 1),
    ("dydx", 1),
    ("paradex", 1),
    ("lighter", 1),
    ("extended", 1),
    ("sim:deribit", 4),
)
_QUANT = Decimal("0.00000001")


@dataclass
class _Pair:
    venue: str
    symbol: str
    interval: int
    mean: float
    rate: float
    mark: Decimal


class DeskFeed:
    """Deterministic funding rows for every pair of the desk, advancing one refresh at a time."""

    def __init__(self, seed: int = 7, symbols: int = SYMBOLS) -> None:
        rng = random.Random(seed)
        self._rng = rng
        bases = [f"C{i:03d}" for i in range(symbols)]
        self.pairs: list[_Pair] = []
        for venue, interval in VENUES:
            quote = "USDC" if interval == 1 else "USDT"
            for base in bases:
                mean = rng.gauss(0.0001, 0.0001) * interval / 8
                mark = Decimal(rng.randint(1_000, 9_000_000)) / 100
                self.pairs.append(_Pair(venue, f"{base}/{quote}:{quote}", interval, mean, mean, mark))

    def rows(
        self, ts: datetime, venue: str | None = None, source: FundingSource = FundingSource.EXCHANGE
    ) -> list[FundingRate]:
        """One refresh: each rate takes a mean-reverting step; rows stamped `ts`."""
        rng = self._rng
        out = []
        for pair in self.pairs:
            if venue is not None and pair.venue != venue:
                continue
            step = 0.2 * (pair.mean - pair.rate) + rng.gauss(0.0, 0.00002) * pair.interval / 8
            pair.rate += step
            rate = Decimal(repr(pair.rate)).quantize(_QUANT)
            next_ts = ts.replace(minute=0, second=0, microsecond=0) + timedelta(hours=pair.interval)
            out.append(
                FundingRate(
                    venue=pair.venue,
                    symbol=pair.symbol,
                    rate=rate,
                    interval_hours=pair.interval,
                    ts=ts,
                    next_funding_ts=next_ts,
                    mark_price=pair.mark,
                    index_price=pair.mark,
                    predicted_rate=rate,
                    source=source,
                )
            )
        return out


def warm_book(feed: DeskFeed, clock: ManualClock, hours: int) -> FundingBook:
    """A book that has seen `hours` of hourly refreshes of every pair (clock left at the last)."""
    book = FundingBook(clock, stale_after_s=120)
    for hour in range(hours):
        clock.set(START + timedelta(hours=hour))
        book.ingest(feed.rows(clock.now()))
    return book


def _summary(samples: list[tuple[float, float]], goal_ms: float | None, **extra: float | str) -> BenchResult:
    wall = summarize([wall for wall, _ in samples], goal_ms)
    cpu_ms = round(statistics.median(cpu for _, cpu in samples), 3)
    return BenchResult(wall.median_ms, wall.p95_ms, goal_ms, "ms", {"cpu_median_ms": cpu_ms, **extra})


def _refresh_bench(venue: str | None, goal_ms: float, repeat: int) -> BenchResult:
    feed = DeskFeed()
    clock = ManualClock(START)
    book = warm_book(feed, clock, hours=24)
    expected = sum(1 for pair in feed.pairs if venue is None or pair.venue == venue)

    def one_refresh() -> tuple[float, float]:
        clock.advance(REFRESH_EVERY_S)
        rows = feed.rows(clock.now(), venue)
        reports: list[IngestReport] = []
        sample = measure(lambda: reports.append(book.ingest(rows)))
        if reports[0].accepted != expected:
            raise RuntimeError(f"bench rows not all accepted: {reports[0]}")
        return sample

    for _ in range(3):
        one_refresh()
    samples = [one_refresh() for _ in range(repeat)]
    # The first refresh of each hour also appends a history point to every pair it touches and
    # re-derives its jump band: measured once beside the steady state.
    clock.set(
        clock.now().replace(minute=0, second=0) + timedelta(hours=1) - timedelta(seconds=REFRESH_EVERY_S)
    )
    hour_wall, hour_cpu = one_refresh()
    return _summary(
        samples,
        goal_ms,
        rows=expected,
        first_of_hour_ms=round(hour_wall, 3),
        first_of_hour_cpu_ms=round(hour_cpu, 3),
    )


@bench("funding_book.refresh_full", goal_ms=50, description="12 venues × 600 symbols ingested into the book")
def refresh_full() -> BenchResult:
    return _refresh_bench(None, 50, repeat=30)


@bench("funding_book.refresh_venue", goal_ms=5, description="one venue's 600 symbols ingested into the book")
def refresh_venue() -> BenchResult:
    return _refresh_bench("bybit", 5, repeat=60)


@bench("funding_book.snapshot", goal_ms=50, description="quotes() of 7,200 pairs for the screens")
def snapshot() -> BenchResult:
    feed = DeskFeed()
    clock = ManualClock(START)
    book = warm_book(feed, clock, hours=2)
    samples = []
    for i in range(22):
        clock.advance(1)
        sample = measure(book.quotes)
        if i >= 2:
            samples.append(sample)
    return _summary(samples, 50, quotes=len(book.quotes()))


@bench("funding_book.scan_rows", goal_ms=None, description="scan_rows() of 7,200 pairs for the scanner")
def scan_rows() -> BenchResult:
    feed = DeskFeed()
    clock = ManualClock(START)
    book = warm_book(feed, clock, hours=2)
    rebuilt: list[tuple[float, float]] = []
    unchanged: list[float] = []
    for i in range(22):
        clock.advance(REFRESH_EVERY_S)
        book.ingest(feed.rows(clock.now()))
        first = measure(book.scan_rows)
        again = measure(book.scan_rows)
        if i >= 2:
            rebuilt.append(first)
            unchanged.append(again[0])
    return _summary(
        rebuilt, None, rows=len(book.scan_rows()), unchanged_median_ms=round(statistics.median(unchanged), 3)
    )


@bench("funding_book.memory_7d", goal_ms=150, unit="MB", description="book with 7 days of hourly history")
def memory_7d() -> BenchResult:
    """Memory held by the book (tracemalloc) with a week of hourly points for all 7,200 pairs,
    the current rate of each from the venue and from the secondary source.

    The week is loaded with `backfill` (the same ring buffers a live week of refreshes fills,
    without replaying 1.2 million rows through the full refresh), then one refresh of each source
    sets the current rates.
    """
    feed = DeskFeed()
    clock = ManualClock(START + timedelta(days=7))
    hours = [START + timedelta(hours=h) for h in range(24 * 7)]
    levels = [Decimal(n) / 1_000_000 for n in range(-300, 301, 7)]  # a pool: history is floats anyway
    gc.collect()
    tracemalloc.start()
    try:
        book = FundingBook(clock, stale_after_s=120)
        for i, pair in enumerate(feed.pairs):
            book.backfill(
                FundingRate(pair.venue, pair.symbol, levels[(i + h) % len(levels)], pair.interval, ts)
                for h, ts in enumerate(hours)
            )
        book.ingest(feed.rows(clock.now()))
        book.ingest(feed.rows(clock.now(), source=FundingSource.SECONDARY))
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    sample = feed.pairs[0]
    held_mb = held / 2**20
    return BenchResult(
        median_ms=held_mb,
        p95_ms=held_mb,
        goal_ms=150,
        unit="MB",
        extra={
            "pairs": len(book.quotes()),
            "history_points_per_pair": len(book.history(sample.venue, sample.symbol)),
            "peak_mb": round(peak / 2**20, 1),
        },
    )
