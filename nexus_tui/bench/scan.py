"""Bench: the opportunity scan over 12 venues x 600 assets at a $10k size, beside brute force.

The market is strategy/synthetic.py's seeded one: 8 h, 4 h and 1 h venues on their UTC grids,
USDT-, USDC- and USD-margined perps (90 % listing: ~6,500 funding rows), tickers (volume, open
interest and the touch) on every market, healthy venues, 24 points of funding history per
market, spot listings on three venues. Built once per process (not timed).

Its funding is the "typical" book: drawn like real funding, so most cross-venue spreads are
small and a minority open wide (fitted to the real cross-venue range of the BTC and ETH
perpetuals on seven venues, 2022-2023; synthetic.py gives the figures): about a third of the
assets clear the fee-only screen and a sixth list an opportunity. Order books are those the
opportunity service fetches: the legs of the 20 best opportunities of a scan costed on tickers
(service.py never fetches others); every other market is costed from its ticker's spread.

Funding rows reach the scanner as the service hands them over: the funding book's rows
(FundingBook.scan_rows, built by the book when what it shows changes; ingesting them into the
book is the book's own work, timed by the funding_book benches, not here).

- scan.full: the issue's full scan, every market of every venue looked at again. A running
  Scanner; every venue delivers all its rows with a new rate (each run a fresh delivery, every
  rate moved by 0.003 % per 8 h, one sigma, from the market's), ingested into the one funding
  book as the service's refreshes are, so every one of the 600 assets is screened again, and
  those that can offer a trade are re-costed and re-scored. Goal 30 ms.
- scan.rescan_one_venue: a running Scanner; one venue delivers all its rows again, 10 % of them
  with a new rate since its previous delivery (at one instant, so no re-cost falls due with
  time), and the scanner is handed the whole book, as the service does (the other venues' rows
  are the same objects); only the assets whose rows changed are screened and re-costed. Goal 5 ms.
- scan.cold_start (no goal): a new Scanner's first scan, as after start-up: every input loaded,
  and on top of scan.full's work every market's fees resolved, its eligibility judged, books
  walked and predictors fitted for the first time (kept for later scans). The desk pays it once,
  when it opens, before the venues' first refreshes; the issue's 30 ms is for scan.full, the
  scan the running desk makes whenever funding moves. Reported so start-up's cost stays in
  view. The Scanner is kept, as the service keeps it: freeing it is not timed.
- scan.brute_force: every cross-venue pair, spot-perp and temporal candidate of every asset
  costed in full (the baseline: tests/strategy/test_pruning.py and test_screen.py check both
  pick the same), on the same market.
- scan.cold_start_all_books, scan.cold_start_heavy (no goal): scan.cold_start with a 20-level
  book on every market (each walked when a pair is looked at), and on the "heavy" book where
  every asset's venues are scattered widely and half the assets list an opportunity (with every
  book: the market this bench used before the typical book), each beside its own brute force.

Each result carries `cpu_median_ms` beside the wall-clock median: on a shared machine the wall
clock also counts time the process waited for a core.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

from nexus_tui.bench.registry import BenchResult, bench, summarize, timed_both
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.leg_row import LegRow
from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.strategy.models import ScanInputs, ScanResult
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from nexus_tui.strategy.synthetic import (
    Book,
    SyntheticMarket,
    build_market,
    venue_update,
    with_books_for_top,
)

NOW = datetime(2026, 3, 2, 5, 17, tzinfo=UTC)
VENUES = 12
ASSETS = 600
CHANGED_SHARE = 0.10
UPDATED_VENUE = "bybit"


def fed_by_a_book(rates: Sequence[FundingRate], at: datetime) -> tuple[FundingBook, list[LegRow]]:
    """A funding book holding `rates` (as of `at`), and the rows it hands the scanner."""
    book = FundingBook(ManualClock(at), stale_after_s=3600)
    report = book.ingest(rates)
    if report.rejected:  # the synthetic market is realistic: the book's guard must keep every row
        raise RuntimeError(f"the funding book rejected {report.rejected} synthetic row(s)")
    return book, book.scan_rows()


@cache
def book_inputs(variant: str = "typical") -> ScanInputs:
    """A variant's inputs with its funding rows as the funding book's."""
    inputs = _variant(variant).inputs
    return replace(inputs, quotes=fed_by_a_book(inputs.quotes, inputs.now)[1])


@cache
def all_books(book: Book = "typical") -> SyntheticMarket:
    """A 20-level order book on every market."""
    return build_market(NOW, n_venues=VENUES, n_symbols=ASSETS, seed=7, book=book)


@cache
def market() -> SyntheticMarket:
    """The typical book with the order books the service would have fetched."""
    return with_books_for_top(all_books())


@cache
def brute_force(variant: str = "typical") -> tuple[float, float, int]:
    """Medians (wall, CPU) of brute-force scans (each takes seconds: three of scan.full's
    market, one of a variant's), and the pairs costed."""
    inputs = book_inputs(variant)
    pairs = 0

    def run() -> None:
        nonlocal pairs
        pairs = scan_inputs(inputs, brute_force=True).stats.pairs_costed

    wall, cpu = timed_both(run, repeat=3 if variant == "typical" else 1, warmup=0)
    return statistics.median(wall), statistics.median(cpu), pairs


def _variant(name: str) -> SyntheticMarket:
    if name == "all_books":
        return all_books()
    if name == "heavy":
        return all_books("heavy")
    return market()


def _result(
    wall: list[float], cpu: list[float], goal: float | None, variant: str = "typical", **extra: float | str
) -> BenchResult:
    brute_wall, brute_cpu, _ = brute_force(variant)
    result = summarize(wall, goal, "ms", cpu_median_ms=round(statistics.median(cpu), 2), **extra)
    result.extra["cpu_p95_ms"] = round(sorted(cpu)[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))], 2)
    result.extra["brute_force_median_ms"] = round(brute_wall, 1)
    result.extra["brute_force_cpu_median_ms"] = round(brute_cpu, 1)
    result.extra["speedup_vs_brute_force"] = round(brute_wall / result.median_ms, 1)
    return result


def _cold_start(variant: str, goal: float | None) -> BenchResult:
    inputs = book_inputs(variant)
    pruned = scan_inputs(inputs)
    kept: list[Scanner] = []

    def run() -> None:
        scanner = Scanner()
        scanner.load(inputs)
        scanner.scan(inputs.now)
        kept.append(scanner)

    wall, cpu = timed_both(run, repeat=15, warmup=2)
    kept.clear()
    return _result(
        wall,
        cpu,
        goal,
        variant,
        funding_rows=float(len(inputs.quotes)),
        order_books=float(len(inputs.order_books)),
        opportunities=float(len(pruned.opportunities)),
        pairs_costed=float(pruned.stats.pairs_costed),
        pairs_brute_force=float(brute_force(variant)[2]),
    )


@bench("scan.full", goal_ms=30.0, description="Full scan: 12 venues x 600 assets all new, $10k")
def full_scan() -> BenchResult:
    m = market()
    book, rows_now = fed_by_a_book(m.inputs.quotes, NOW)
    scanner = Scanner()
    scanner.load(replace(m.inputs, quotes=rows_now))
    scanner.update_book_rows(rows_now)
    scanner.scan(NOW)
    runs, warmup = 15, 2
    at = NOW + timedelta(seconds=1)  # one instant: what is re-costed is what the deliveries moved
    assert isinstance(book.clock, ManualClock)
    book.clock.set(at)
    venues = sorted({q.venue for q in m.inputs.quotes})
    # Every venue's delivery goes into the one funding book, as the service's refreshes do, and
    # the scanner is handed the book's set. Each delivery moves every rate from the market's own
    # (not from the previous delivery), so the rates do not drift away from the typical book.
    deliveries = []
    for k in range(runs + warmup):
        book.ingest([q for i, v in enumerate(venues) for q in venue_update(m, v, at, 1.0, seed=1000 * k + i)])
        deliveries.append(book.scan_rows())
    turn = iter(deliveries)
    last: list[ScanResult] = []

    def run() -> None:
        scanner.update_book_rows(next(turn))
        last[:] = [scanner.scan(at)]

    gc.collect()
    wall, cpu = timed_both(run, repeat=runs, warmup=warmup)
    stats = last[0].stats
    return _result(
        wall,
        cpu,
        30.0,
        rows_delivered=float(len(deliveries[0])),
        assets_screened=float(stats.symbols_costed),
        pairs_costed=float(stats.pairs_costed),
        opportunities=float(len(last[0].opportunities)),
    )


@bench("scan.rescan_one_venue", goal_ms=5.0, description="Rescan after one venue updates (10 % of its rows)")
def rescan_one_venue() -> BenchResult:
    m = market()
    book, rows_now = fed_by_a_book(m.inputs.quotes, NOW)
    scanner = Scanner()
    scanner.load(replace(m.inputs, quotes=rows_now))
    scanner.update_book_rows(rows_now)
    scanner.scan(NOW)
    runs, warmup = 40, 4
    at = NOW + timedelta(seconds=1)  # one instant: no re-costing falls due with time, only the update
    assert isinstance(book.clock, ManualClock)
    book.clock.set(at)
    updates = []
    rows = venue_update(m, UPDATED_VENUE, NOW, 0.0, seed=0)
    for k in range(runs + warmup):
        rows = venue_update(rows, UPDATED_VENUE, at, CHANGED_SHARE, seed=k)
        book.ingest(rows)
        updates.append(book.scan_rows())
    state = {"turn": 0, "costed": 0}

    def run() -> None:
        k = state["turn"]
        state["turn"] += 1
        scanner.update_book_rows(updates[k])
        state["costed"] = scanner.scan(at).stats.symbols_costed

    gc.collect()
    wall, cpu = timed_both(run, repeat=runs, warmup=warmup)
    return _result(
        wall,
        cpu,
        5.0,
        rows_delivered=float(len(updates[0])),
        rows_changed_venue=float(len(rows)),
        assets_recosted=float(state["costed"]),
    )


@bench("scan.cold_start", goal_ms=None, description="A new Scanner's first scan (fees, predictors, books)")
def cold_start() -> BenchResult:
    return _cold_start("typical", None)


@bench("scan.cold_start_all_books", goal_ms=None, description="scan.cold_start with a book on every market")
def cold_start_all_books() -> BenchResult:
    return _cold_start("all_books", None)


@bench("scan.cold_start_heavy", goal_ms=None, description="scan.cold_start on the heavy book, every book")
def cold_start_heavy() -> BenchResult:
    return _cold_start("heavy", None)


@bench("scan.brute_force", goal_ms=None, description="Baseline: every candidate of every asset costed")
def brute_force_scan() -> BenchResult:
    wall, cpu, pairs = brute_force()
    return BenchResult(wall, wall, None, "ms", {"cpu_median_ms": round(cpu, 1), "pairs_costed": float(pairs)})
