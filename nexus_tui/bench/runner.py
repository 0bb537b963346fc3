"""Runs the registered benchmarks and renders the report (text or the JSON of DESIGN.md §3)."""

from __future__ import annotations

import importlib
import os
import platform
from typing import Any

from nexus_tui.bench.registry import BENCH_MODULES, BENCHES, BenchResult


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()}"
    )


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


def as_json(results: dict[str, BenchResult]) -> dict[str, Any]:
    return {
        "machine": machine(),
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


def as_text(results: dict[str, BenchResult]) -> str:
    lines = [f"machine: {machine()}", ""]
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
