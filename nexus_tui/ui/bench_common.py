"""What the UI benches share: a desk unlocked in a throwaway home, and a wall + CPU stopwatch.

Every UI bench runs headless at SIZE on a ManualClock from START, on a bare engine (no venues)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from textual.pilot import Pilot

from nexus_tui.config import kdf
from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.engine import Engine
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.ui.app import NexusApp

T = TypeVar("T")

SIZE = (140, 45)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@contextmanager
def unlocked_desk(
    clock: ManualClock, config: NexusConfig, *, funding_book: FundingBook | None = None
) -> Iterator[NexusApp]:
    """The desk over a vault holding `config` in a throwaway home (removed on exit); its engine
    runs on `clock`, with `funding_book` when given."""
    with tempfile.TemporaryDirectory() as home_dir:
        saved_kdf = kdf.DEFAULT_KDF
        kdf.DEFAULT_KDF = kdf.TEST_KDF  # the key derivation is benched elsewhere, not here
        try:
            vault = Vault.create(Path(home_dir), "bench", config)
        finally:
            kdf.DEFAULT_KDF = saved_kdf
        yield NexusApp(
            Path(home_dir),
            clock=clock,
            engine_factory=lambda cfg: Engine(mode=cfg.trading.mode, clock=clock, funding_book=funding_book),
            vault=vault,
        )


def on_desk(
    clock: ManualClock,
    config: NexusConfig,
    scenario: Callable[[NexusApp, Pilot[None]], Awaitable[T]],
    *,
    funding_book: FundingBook | None = None,
) -> T:
    """Run `scenario` on the unlocked desk once it has settled; what it measured."""
    with unlocked_desk(clock, config, funding_book=funding_book) as app:

        async def run() -> T:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                return await scenario(app, pilot)

        return asyncio.run(run())


class Stopwatch:
    """Wall and CPU milliseconds of each `with` block. Wall time is the figure; CPU time beside
    it tells a busy machine from a slow screen."""

    def __init__(self) -> None:
        self.wall_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self._t0 = self._c0 = 0.0

    def __enter__(self) -> None:
        self._t0, self._c0 = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.wall_ms.append((time.perf_counter() - self._t0) * 1000)
        self.cpu_ms.append((time.process_time() - self._c0) * 1000)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu_ms)
