"""Benchmarks register here; `nexus-tui bench` runs them all and reports median/p95 against goals.

A bench module defines functions decorated with `@bench(name, goal_ms=..., unit=...)` that take
no argument and return a `BenchResult` (use `timed` to measure). Modules are listed in
BENCH_MODULES so the runner imports them on demand (never at CLI start-up).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

BENCH_MODULES: list[str] = [  # dotted module names, appended by each bench module's author
    "nexus_tui.config.bench_vault",
    "nexus_tui.venues.bench_venues",
    "nexus_tui.bench.ccxt_refresh",
    "nexus_tui.bench.scan",
    "nexus_tui.bench.sim",
    "nexus_tui.bench.funding_book",
    "nexus_tui.bench.explain",
]


@dataclass(frozen=True, slots=True)
class BenchResult:
    median_ms: float
    p95_ms: float
    goal_ms: float | None
    unit: str = "ms"
    extra: dict[str, float | str] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        return None if self.goal_ms is None else self.median_ms <= self.goal_ms


@dataclass(frozen=True, slots=True)
class BenchSpec:
    name: str
    goal_ms: float | None
    unit: str
    run: Callable[[], BenchResult]
    description: str


BENCHES: dict[str, BenchSpec] = {}


def bench(
    name: str, goal_ms: float | None, unit: str = "ms", description: str = ""
) -> Callable[[Callable[[], BenchResult]], Callable[[], BenchResult]]:
    def register(fn: Callable[[], BenchResult]) -> Callable[[], BenchResult]:
        BENCHES[name] = BenchSpec(name, goal_ms, unit, fn, description or (fn.__doc__ or "").strip())
        return fn

    return register


def measure(action: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call of `action`, GC paused while timing (a collection landing in
    one sample is noise). CPU time is what the call costs when other processes share the cores;
    wall time then also counts waiting for one."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        action()
        cpu = time.process_time() - c0
        wall = time.perf_counter() - t0
    finally:
        if gc_was_enabled:
            gc.enable()
    return wall * 1000, cpu * 1000


def timed_both(
    action: Callable[[], object], repeat: int = 20, warmup: int = 2, setup: Callable[[], object] | None = None
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of `action` over `repeat` runs (after `warmup`)."""
    for _ in range(warmup):
        if setup:
            setup()
        action()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        if setup:
            setup()
        wall_ms, cpu_ms = measure(action)
        wall.append(wall_ms)
        cpu.append(cpu_ms)
    return wall, cpu


def timed(
    action: Callable[[], object], repeat: int = 20, warmup: int = 2, setup: Callable[[], object] | None = None
) -> list[float]:
    """Wall-clock milliseconds of `action` over `repeat` runs (after `warmup`), GC paused while timing."""
    return timed_both(action, repeat, warmup, setup)[0]


def summarize(
    samples: list[float], goal_ms: float | None, unit: str = "ms", **extra: float | str
) -> BenchResult:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return BenchResult(statistics.median(ordered), p95, goal_ms, unit, dict(extra))
