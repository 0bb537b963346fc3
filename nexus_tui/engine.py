"""The Engine: the trading desk without a screen.

It owns the clock, the event bus, the venues and the background services (refresh loops,
scanners, ...), and exposes start() / stop() / kill() / snapshot() / events(). The Textual app
runs it inside its own event loop as App-level workers; the CLI and tests run it bare.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from nexus_tui.core.clock import Clock, SystemClock
from nexus_tui.core.errors import BadInput
from nexus_tui.core.events import Event, EventBus, Subscription
from nexus_tui.core.models import VenueHealth
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.venues.port import Venue

if TYPE_CHECKING:
    from nexus_tui.market.refresh import FundingRefresher
    from nexus_tui.strategy.service import OpportunityService
    from nexus_tui.venues.sim.rehearsal import FaultRehearsal

log = logging.getLogger(__name__)


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"  # may open new positions
    REDUCING = "REDUCING"  # may only reduce (paused, or risk limit hit)
    HALTED = "HALTED"  # kill switch: nothing trades until a person resets it


class EngineStatus(StrEnum):
    IDLE = "idle"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


ServiceFactory = Callable[["Engine"], Awaitable[None]]
Closer = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    """A consistent, immutable picture of the engine for screens and `--json` output."""

    ts: datetime
    status: EngineStatus
    mode: str
    trading_state: TradingState
    venues: tuple[VenueHealth, ...]
    services: tuple[str, ...]
    notes: dict[str, str] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        *,
        mode: str = "sim",
        clock: Clock | None = None,
        venues: Sequence[Venue] = (),
        bus: EventBus | None = None,
        funding_book: FundingBook | None = None,
    ) -> None:
        self.mode = mode
        self.clock: Clock = clock or SystemClock()
        self.bus = bus or EventBus()
        # The one reconciled funding view that screens, the scanner and `funding` read.
        self.funding_book: FundingBook = funding_book or FundingBook(self.clock, bus=self.bus)
        # Set by bootstrap when feeds fill the book, so a headless command can refresh on demand.
        self.funding_refresher: FundingRefresher | None = None
        # Set by bootstrap: the ranked opportunities (`.latest`), kept current as funding moves.
        self.opportunities: OpportunityService | None = None
        # Set by bootstrap on the simulated market: failure drills (inject_fault / clear_faults).
        self.fault_rehearsal: FaultRehearsal | None = None
        self.venues: dict[str, Venue] = {v.id: v for v in venues}
        self.status = EngineStatus.IDLE
        self.trading_state = TradingState.ACTIVE
        self._services: dict[str, ServiceFactory] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closers: dict[str, Closer] = {}

    # -- composition -------------------------------------------------------------------
    def add_service(self, name: str, factory: ServiceFactory) -> None:
        """Register a long-running coroutine started by start() and cancelled by stop()."""
        if name in self._services:
            raise ValueError(f"service {name!r} already registered")
        self._services[name] = factory

    def add_closer(self, name: str, close: Closer) -> None:
        """Register a resource (an HTTP session, a client) that stop() closes after the venues,
        whether or not the engine was ever started: headless commands never start it."""
        if name in self._closers:
            raise ValueError(f"closer {name!r} already registered")
        self._closers[name] = close

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if self.status is EngineStatus.RUNNING:
            return
        self.status = EngineStatus.STARTING
        for name, factory in self._services.items():
            self._tasks[name] = asyncio.create_task(self._supervise(name, factory), name=name)
        self.status = EngineStatus.RUNNING
        self.emit("engine.started", f"engine started in {self.mode} mode")

    async def _supervise(self, name: str, factory: ServiceFactory) -> None:
        try:
            await factory(self)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a service crash is reported, never silent
            log.exception("service %s failed", name)
            self.emit("engine.service_failed", f"service {name} stopped: {exc}", service=name)

    async def stop(self) -> None:
        if self.status in (EngineStatus.STOPPED, EngineStatus.IDLE):
            self.status = EngineStatus.STOPPED
            await self._close_venues()
            await self._run_closers()
            return
        self.status = EngineStatus.STOPPING
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        await self._close_venues()
        await self._run_closers()
        self.status = EngineStatus.STOPPED
        self.emit("engine.stopped", "engine stopped")

    async def _close_venues(self) -> None:
        for venue in self.venues.values():
            try:
                await venue.close()
            except Exception:  # closing must not stop the others from closing
                log.warning("closing %s failed", venue.id, exc_info=True)

    async def _run_closers(self) -> None:
        for name, close in self._closers.items():
            try:
                await close()
            except Exception:  # closing must not stop the others from closing
                log.warning("closing %s failed", name, exc_info=True)

    def pause(self, reason: str = "paused by the user") -> bool:
        """Stop opening new positions (ACTIVE -> REDUCING). False if not ACTIVE (HALTED stays HALTED)."""
        if self.trading_state is not TradingState.ACTIVE:
            return False
        self.trading_state = TradingState.REDUCING
        self.emit("trading.paused", f"new entries paused: {reason}", reason=reason)
        return True

    def resume(self, reason: str = "resumed by the user") -> bool:
        """Allow new positions again (REDUCING -> ACTIVE). False if not REDUCING: a halt needs a reset."""
        if self.trading_state is not TradingState.REDUCING:
            return False
        self.trading_state = TradingState.ACTIVE
        self.emit("trading.resumed", f"new entries resumed: {reason}", reason=reason)
        return True

    async def kill(self, reason: str = "kill switch") -> None:
        """Halt automation. (Cancelling orders and flattening positions arrive with trading.)"""
        self.trading_state = TradingState.HALTED
        self.emit("trading.halted", f"HALTED: {reason}", reason=reason)

    # -- failure drills (simulated market only) -------------------------------------------
    def inject_fault(self, venue: str, fault: str, for_seconds: float | None = None) -> None:
        """Rehearse `fault` on a simulated venue for `for_seconds` of simulated time (None: the
        rehearsal's default); its start and end reach the event bus. BadInput outside sim."""
        rehearsal = self._rehearsal()
        if for_seconds is None:
            rehearsal.inject(venue, fault)
        else:
            rehearsal.inject(venue, fault, for_seconds=for_seconds)

    def clear_faults(self, venue: str | None = None) -> int:
        """End the rehearsed faults (on one venue, or all); returns how many were on."""
        return len(self._rehearsal().clear(venue))

    def _rehearsal(self) -> FaultRehearsal:
        if self.fault_rehearsal is None:
            raise BadInput("faults can only be rehearsed on the simulated market (trading.mode sim)")
        return self.fault_rehearsal

    # -- observation -------------------------------------------------------------------
    def emit(self, kind: str, message: str = "", coalesce_key: str | None = None, **data: object) -> None:
        self.bus.publish(
            Event(kind=kind, ts=self.clock.now(), data=dict(data), coalesce_key=coalesce_key, message=message)
        )

    def events(self, maxsize: int = 1000) -> Subscription:
        return self.bus.subscribe(maxsize=maxsize)

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            ts=self.clock.now(),
            status=self.status,
            mode=self.mode,
            trading_state=self.trading_state,
            venues=tuple(v.health() for v in self.venues.values()),
            services=tuple(name for name, t in self._tasks.items() if not t.done()),
        )
