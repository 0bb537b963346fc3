"""Engine <-> App: runs the engine as App-level workers and turns its events into messages.

Workers belong to the App, not to a screen: Textual cancels a worker when the node that started
it goes away, and the engine must outlive any screen switch (STYLE.md habit 2). The workers never
touch a widget; they only post `EngineEvents` to the App (habit 3), batched and paced so a burst
of events costs one repaint (habit 4).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from nexus_tui.core.events import Subscription
from nexus_tui.engine import Engine, EngineStatus
from nexus_tui.ui.messages import EngineEvents

if TYPE_CHECKING:
    from textual.app import App

ENGINE_GROUP = "engine"
"""Worker group of every engine job; the App's one Worker.StateChanged handler keys on it."""

EVENT_BATCH_PACE_S = 0.1
"""Real seconds between two event batches: at most ten repaints a second, whatever the feed rate."""


class EngineBridge:
    """Starts, relays and stops one engine inside one App."""

    def __init__(self, app: App[Any], engine: Engine, *, pace_s: float = EVENT_BATCH_PACE_S) -> None:
        self.app = app
        self.engine = engine
        self.pace_s = pace_s
        self._subscription: Subscription | None = None
        self._workers: list[Worker[None]] = []
        self._kills: list[Worker[None]] = []
        self._stop_requested = asyncio.Event()

    def start(self) -> None:
        """Subscribe first, then start: the log must show the engine's own "started" event."""
        self._subscription = self.engine.events()
        self._workers = [
            self.app.run_worker(
                self._relay_events(self._subscription),
                name="engine-events",
                group=ENGINE_GROUP,
                description="Relaying engine events to the screens",
                exit_on_error=False,
            ),
            self.app.run_worker(
                self._run_engine(),
                name="engine",
                group=ENGINE_GROUP,
                description="Running the trading engine",
                exit_on_error=False,
            ),
        ]

    def kill(self, reason: str) -> Worker[None]:
        """Run the kill switch as an App worker: it outlives the modal that asked for it."""
        worker: Worker[None] = self.app.run_worker(
            self.engine.kill(reason),
            name="kill-switch",
            group=ENGINE_GROUP,
            description="Kill switch",
            exit_on_error=False,
        )
        self._kills.append(worker)
        return worker

    async def stop(self) -> None:
        """Let a kill switch in progress finish, stop the engine cleanly (its services, its venues),
        then let both workers end."""
        for kill in self._kills:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await kill.wait()
        if self.engine.status in (EngineStatus.STARTING, EngineStatus.RUNNING):
            await self.engine.stop()
        self._stop_requested.set()
        if self._subscription is not None:
            # The relay delivers what is still queued (the "stopped" event), then its loop ends.
            self._subscription.close()
        for worker in self._workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    async def _run_engine(self) -> None:
        await self.engine.start()
        try:
            # The engine's services are its own asyncio tasks; this worker holds the engine's
            # lifetime so that an App shutdown (which cancels workers) still stops it.
            await self._stop_requested.wait()
        finally:
            if self.engine.status in (EngineStatus.STARTING, EngineStatus.RUNNING):
                await self.engine.stop()

    async def _relay_events(self, subscription: Subscription) -> None:
        reported_dropped = 0
        async for first in subscription:
            batch = (first, *subscription.drain())
            dropped = subscription.dropped - reported_dropped
            reported_dropped = subscription.dropped
            self.app.post_message(EngineEvents(batch, dropped))
            # Events that arrive while we wait join the next batch instead of a message each.
            await asyncio.sleep(self.pace_s)
