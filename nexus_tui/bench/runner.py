"""Runs the registered benchmarks and renders the report (text or the JSON of DESIGN.md §3)."""

from __future__ import annotations

import gc
import importlib
import os
import platform
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nexus_tui.bench.registry import BENCH_MODULES, BENCHES, BenchResult, timed_both


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()},"
        f" gc thresholds {gc.get_threshold()}"
    )


@dataclass(frozen=True, slots=True)
class Pace:
    """A fixed pure-Python workload timed before and after the benches, in CPU milliseconds.

    On a shared or throttled machine the same code runs at different speeds from one hour to the
    next (this 2-core machine has been seen about 1.7x apart at the same load). Every figure of a
    run scales with its pace, so two runs compare only at about the same pace."""

    before_ms: float
    after_ms: float


class _Row:
    __slots__ = ("rate", "venue")

    def __init__(self, venue: str, rate: Decimal) -> None:
        self.venue = venue
        self.rate = rate


_PACE_ROWS = [_Row(f"v{i % 12}", Decimal(i % 997 - 498).scaleb(-8)) for i in range(20000)]


def _pace_workload() -> float:
    """What the engine's hot loops do: attribute reads, dict look-ups, Decimal to float, sums."""
    fees = {f"v{i}": 0.0005 * (i + 1) for i in range(12)}
    best: dict[str, float] = {}
    for row in _PACE_ROWS:
        value = float(row.rate) * 8760.0 - fees[row.venue]
        if value > best.get(row.venue, float("-inf")):
            best[row.venue] = value
    return sum(best.values())


def measure_pace(repeat: int = 15) -> float:
    """Median CPU milliseconds of the fixed workload (GC paused, as the benches time), after
    two untimed runs (the first run of a process pays for warming its caches)."""
    return round(statistics.median(timed_both(_pace_workload, repeat, warmup=2)[1]), 3)


def run_all(only: list[str] | None = None, extra_modules: list[str] | None = None) -> dict[str, BenchResult]:
    """Run every registered bench. `extra_modules` lets the CLI add the UI's benches, which this
    headless package must not name itself."""
    for module in [*BENCH_MODULES, *(extra_modules or [])]:
        importlib.import_module(module)
    results: dict[str, BenchResult] = {}
    for name, spec in BENCHES.items():
        if only and not any(part in name for part in only):
            continue
        results[name] = spec.run()
    return results


def as_json(results: dict[str, BenchResult], pace: Pace | None = None) -> dict[str, Any]:
    return {
        "machine": machine(),
        **({"pace": {"before_ms": pace.before_ms, "after_ms": pace.after_ms}} if pace else {}),
        "results": {
            name: {
                "median_ms": round(r.median_ms, 4),
                "p95_ms": round(r.p95_ms, 4),
                "goal_ms": r.goal_ms,
                "unit": r.unit,
                "ok": r.ok,
                **r.extra,
            }
            for name, r in results.items()
        },
    }


def as_text(results: dict[str, BenchResult], pace: Pace | None = None) -> str:
    lines = [f"machine: {machine()}"]
    if pace is not None:
        lines.append(
            f"pace: {pace.before_ms:.2f} ms before, {pace.after_ms:.2f} ms after (a fixed Python"
            " workload: figures scale with it, so compare runs at about the same pace)"
        )
    lines.append("")
    width = max((len(n) for n in results), default=10)
    for name, r in results.items():
        verdict = "" if r.ok is None else ("ok" if r.ok else "OVER GOAL")
        goal = "-" if r.goal_ms is None else f"{r.goal_ms:g}"
        lines.append(
            f"{name:<{width}}  median {r.median_ms:10.3f}  p95 {r.p95_ms:10.3f}"
            f"  goal {goal:>7} {r.unit:<3} {verdict}"
        )
        for key, value in r.extra.items():
            lines.append(f"{'':<{width}}    {key}: {value}")
    return "\n".join(lines)
