"""Bench: the opportunity scan over 12 venues x 600 assets at a $10k size, beside brute force.

The market is strategy/synthetic.py's seeded one: 8 h, 4 h and 1 h venues on their UTC grids,
USDT-, USDC- and USD-margined perps (90 % listing: ~6,500 funding rows), 20-level books on every
market, tickers, healthy venues, 24 points of funding history per market, spot listings on three
venues. Built once per process (not timed).

- scan.full: a fresh Scanner, every input loaded and every asset costed and scored: the first
  scan after start-up (books walked, fees resolved and predictors fitted for the first time).
- scan.full_recost: a running Scanner re-costs and re-scores every asset (what happens when every
  venue delivers new rates): books already walked, predictors already fitted.
- scan.rescan_one_venue: a warm Scanner; one venue delivers all its rows again, 10 % of them with
  a new rate since its previous delivery (a fresh delivery each run, at one instant so no
  re-cost falls due with time); only the assets whose rows changed are re-costed.
- scan.brute_force: every cross-venue pair, spot-perp and temporal candidate of every asset
  costed in full: the baseline (tests/strategy/test_pruning.py checks both pick the same).

Each result carries `cpu_median_ms` beside the wall-clock median: on a shared machine the wall
clock also counts time the process waited for a core.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from nexus_tui.strategy.synthetic import SyntheticMarket, build_market, venue_update

NOW = datetime(2026, 3, 2, 5, 17, tzinfo=UTC)
VENUES = 12
ASSETS = 600
CHANGED_SHARE = 0.10
UPDATED_VENUE = "bybit"


@cache
def market() -> SyntheticMarket:
    return build_market(NOW, n_venues=VENUES, n_symbols=ASSETS, seed=7)


def timed_both(action: Callable[[], object], repeat: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run, GC paused while timing (as registry.timed)."""
    for _ in range(warmup):
        action()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        enabled = gc.isenabled()
        gc.disable()
        t0, c0 = time.perf_counter(), time.process_time()
        action()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
        if enabled:
            gc.enable()
    return wall, cpu


@cache
def brute_force() -> tuple[float, float, int]:
    """Medians (wall, CPU) of three brute-force scans (each takes seconds), and the pairs costed."""
    inputs = market().inputs
    pairs = 0

    def run() -> None:
        nonlocal pairs
        pairs = scan_inputs(inputs, brute_force=True).stats.pairs_costed

    wall, cpu = timed_both(run, repeat=3, warmup=0)
    return statistics.median(wall), statistics.median(cpu), pairs


def _result(wall: list[float], cpu: list[float], goal: float | None, **extra: float | str) -> BenchResult:
    brute_wall, brute_cpu, _ = brute_force()
    result = summarize(wall, goal, "ms", cpu_median_ms=round(statistics.median(cpu), 2), **extra)
    result.extra["brute_force_median_ms"] = round(brute_wall, 1)
    result.extra["brute_force_cpu_median_ms"] = round(brute_cpu, 1)
    result.extra["speedup_vs_brute_force"] = round(brute_wall / result.median_ms, 1)
    return result


@bench("scan.full", goal_ms=30.0, description="Full scan, 12 venues x 600 assets, $10k, fresh Scanner")
def full_scan() -> BenchResult:
    inputs = market().inputs
    pruned = scan_inputs(inputs)
    wall, cpu = timed_both(lambda: scan_inputs(inputs), repeat=15, warmup=2)
    return _result(
        wall,
        cpu,
        30.0,
        funding_rows=float(len(inputs.quotes)),
        opportunities=float(len(pruned.opportunities)),
        pairs_costed=float(pruned.stats.pairs_costed),
        pairs_brute_force=float(brute_force()[2]),
    )


@bench("scan.full_recost", goal_ms=30.0, description="Every asset re-costed by a running Scanner")
def full_recost() -> BenchResult:
    scanner = Scanner()
    scanner.load(market().inputs)
    scanner.scan(NOW)
    quotes = market().inputs.quotes

    def run() -> None:
        scanner.update_quotes(quotes)  # every row delivered again (unchanged: nothing marked) ...
        scanner.recost_all()  # ... and every asset re-costed, as when every venue's rates moved
        scanner.scan(NOW)

    wall, cpu = timed_both(run, repeat=15, warmup=2)
    return _result(wall, cpu, 30.0, assets=float(ASSETS))


@bench("scan.rescan_one_venue", goal_ms=5.0, description="Rescan after one venue updates (10 % of its rows)")
def rescan_one_venue() -> BenchResult:
    m = market()
    scanner = Scanner()
    scanner.load(m.inputs)
    scanner.scan(NOW)
    runs, warmup = 40, 4
    at = NOW + timedelta(seconds=1)  # one instant: no re-costing falls due with time, only the update
    updates = []
    rows = venue_update(m, UPDATED_VENUE, NOW, 0.0, seed=0)
    for k in range(runs + warmup):
        rows = venue_update(rows, UPDATED_VENUE, at, CHANGED_SHARE, seed=k)
        updates.append(rows)
    state = {"turn": 0, "costed": 0}

    def run() -> None:
        k = state["turn"]
        state["turn"] += 1
        scanner.update_quotes(updates[k])
        state["costed"] = scanner.scan(at).stats.symbols_costed

    gc.collect()
    wall, cpu = timed_both(run, repeat=runs, warmup=warmup)
    return _result(
        wall, cpu, 5.0, rows_delivered=float(len(updates[0])), assets_recosted=float(state["costed"])
    )


@bench("scan.brute_force", goal_ms=None, description="Baseline: every candidate of every asset costed")
def brute_force_scan() -> BenchResult:
    wall, cpu, pairs = brute_force()
    return BenchResult(wall, wall, None, "ms", {"cpu_median_ms": round(cpu, 1), "pairs_costed": float(pairs)})
