"""Benches: how fast the desk answers a key and absorbs a burst of engine events (headless).

- ui.screen_switch: one key from one desk screen to another already-open one, until the new
  screen is painted. The wall time includes the test pilot's own waits for the app to go idle
  (in 20 ms slices: two after the key, the first of them busy with it, and one more after),
  so about 80 ms is the floor whatever the desk does; the CPU time beside it is the desk's work.
- ui.events_burst_500: 500 engine events, emitted at once, until the events screen shows them
  (the bridge's batching and the table's keyed inserts; the repaint pace is set to 0 here so
  the figure is the work, not the wait).

Headless (no terminal), 140x45 cells, on a bare engine (no venues) with a fixed clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from textual.pilot import Pilot

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.bench_common import START, Stopwatch, on_desk
from nexus_tui.ui.widgets.event_table import EventTable

T = TypeVar("T")

SWITCHES = 20
BURSTS = 10
BURST = 500


def _on_desk(scenario: Callable[[NexusApp, Pilot[None]], Awaitable[T]]) -> T:
    """Run `scenario` on an unlocked desk in a throwaway home; what it measured."""
    return on_desk(ManualClock(START), NexusConfig(ui=UIConfig(repaint_interval_ms=50)), scenario)


async def _switch_screens(app: NexusApp, pilot: Pilot[None]) -> Stopwatch:
    """Wall and CPU ms of each switch (CPU beside wall tells a busy machine from a slow desk)."""
    await pilot.press("2", "1")  # both screens exist before timing
    watch = Stopwatch()
    for n in range(SWITCHES):
        key = "2" if n % 2 == 0 else "1"
        with watch:
            await pilot.press(key)
            await pilot.pause()
    return watch


async def _event_bursts(app: NexusApp, pilot: Pilot[None]) -> list[float]:
    await pilot.press("6")
    await pilot.pause()
    assert app.engine is not None and app.bridge is not None
    app.bridge.pace_s = 0.0
    table = app.screen.query_one(EventTable)
    samples = []
    for burst in range(BURSTS):
        target = table.received + BURST
        t0 = time.perf_counter()
        for n in range(BURST):
            app.engine.emit("bench.tick", f"burst {burst} event {n}")
        while table.received < target:
            await asyncio.sleep(0)
        await pilot.pause()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


@bench("ui.screen_switch", goal_ms=100.0, description="Key 1/2 to the other screen, painted")
def screen_switch() -> BenchResult:
    watch = _on_desk(_switch_screens)
    return summarize(watch.wall_ms, 100.0, switches=SWITCHES, cpu_median_ms=watch.cpu_median_ms)


@bench("ui.events_burst_500", goal_ms=250.0, description="500 engine events to the events screen")
def events_burst() -> BenchResult:
    return summarize(_on_desk(_event_bursts), 250.0, bursts=BURSTS, events=BURST)
