"""Bench: the opportunity scan over 12 venues x 600 assets at a $10k size, beside brute force.

The market is strategy/synthetic.py's seeded one: 8 h, 4 h and 1 h venues on their UTC grids,
USDT-, USDC- and USD-margined perps (90 % listing: ~6,500 funding rows), 20-level books on every
market, tickers, healthy venues, 24 points of funding history per market, spot listings on three
venues. Built once per process (not timed).

- scan.full: a fresh Scanner, every input loaded and every asset costed and scored: the first
  scan after start-up, or a scan after every venue changed.
- scan.rescan_one_venue: a warm Scanner; one venue delivers all its rows again, 10 % of them with
  a new rate since its previous delivery (a fresh delivery each run); only the assets whose rows
  changed are re-costed.
- scan.brute_force: every cross-venue pair, spot-perp and temporal candidate of every asset
  costed in full, the baseline the pruned search must agree with (it does: same picks).
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from functools import cache

from nexus_tui.bench.registry import BenchResult, bench, summarize, timed
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


@cache
def brute_force_ms() -> tuple[float, int]:
    """Median of three brute-force scans (it takes seconds), and the pairs it costs."""
    inputs = market().inputs
    pairs = 0

    def run() -> None:
        nonlocal pairs
        pairs = scan_inputs(inputs, brute_force=True).stats.pairs_costed

    samples = timed(run, repeat=3, warmup=0)
    return sorted(samples)[1], pairs


@bench("scan.full", goal_ms=30.0, description="Full scan, 12 venues x 600 assets, $10k, fresh Scanner")
def full_scan() -> BenchResult:
    inputs = market().inputs
    pruned = scan_inputs(inputs)
    samples = timed(lambda: scan_inputs(inputs), repeat=15, warmup=2)
    brute_ms, brute_pairs = brute_force_ms()
    result = summarize(
        samples,
        30.0,
        funding_rows=float(len(inputs.quotes)),
        opportunities=float(len(pruned.opportunities)),
        pairs_costed=float(pruned.stats.pairs_costed),
        brute_force_pairs=float(brute_pairs),
        brute_force_median_ms=round(brute_ms, 1),
    )
    result.extra["speedup_vs_brute_force"] = round(brute_ms / result.median_ms, 1)
    return result


@bench("scan.rescan_one_venue", goal_ms=5.0, description="Rescan after one venue updates (10 % of its rows)")
def rescan_one_venue() -> BenchResult:
    m = market()
    scanner = Scanner()
    scanner.load(m.inputs)
    scanner.scan(NOW)
    runs, warmup = 40, 4
    updates = []
    rows = venue_update(m, UPDATED_VENUE, NOW, 0.0, seed=0)
    at = NOW + timedelta(seconds=1)  # one instant: no re-costing falls due with time, only the update
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
    samples = timed(run, repeat=runs, warmup=warmup)
    brute_ms, _ = brute_force_ms()
    return summarize(
        samples,
        5.0,
        rows_delivered=float(len(updates[0])),
        assets_recosted=float(state["costed"]),
        brute_force_full_median_ms=round(brute_ms, 1),
    )


@bench("scan.brute_force", goal_ms=None, description="Baseline: every candidate of every asset costed")
def brute_force() -> BenchResult:
    brute_ms, pairs = brute_force_ms()
    return BenchResult(brute_ms, brute_ms, None, "ms", {"pairs_costed": float(pairs), "runs": 3.0})
