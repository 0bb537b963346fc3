"""Fixtures for the TUI tests: a fixed desk clock, bare engines we can inspect, an app factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.engine import Engine
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.ui.app import EngineFactory, NexusApp
from nexus_tui.ui.screens.funding import FundingScreen
from nexus_tui.ui.screens.unlock import UNLOCK_GROUP
from nexus_tui.ui.widgets.funding_table import FundingTable

DESK_TIME = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
SIZE = (140, 45)

MakeApp = Callable[..., NexusApp]


@pytest.fixture
def desk_clock() -> ManualClock:
    return ManualClock(DESK_TIME)


@pytest.fixture
def engines() -> list[Engine]:
    """Every engine the app under test built, in order."""
    return []


@pytest.fixture
def make_app(nexus_home: Path, desk_clock: ManualClock, engines: list[Engine]) -> MakeApp:
    """An app on the test home and clock; its engines are bare (no venues) and recorded."""

    def bare_engine(config: NexusConfig) -> Engine:
        engine = Engine(mode=config.trading.mode, clock=desk_clock)
        engines.append(engine)
        return engine

    def make(*, vault: Vault | None = None, engine_factory: EngineFactory | None = None) -> NexusApp:
        return NexusApp(
            nexus_home, clock=desk_clock, engine_factory=engine_factory or bare_engine, vault=vault
        )

    return make


@pytest.fixture
def vault(nexus_home: Path) -> Vault:
    """A vault that already exists in the test home (a second start)."""
    return Vault.create(nexus_home, PASSWORD)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the unlock worker (never for the engine's, which run until quit), then repaint."""
    unlock = [w for w in pilot.app.workers if w.group == UNLOCK_GROUP]
    if unlock:
        await pilot.app.workers.wait_for_complete(unlock)
    await pilot.pause()


async def type_password(pilot: Pilot[None], password: str) -> None:
    """Fill the focused field and press enter (key by key is slow; one test types for real)."""
    field = pilot.app.focused
    assert isinstance(field, Input), f"focus is on {field!r}, not a password field"
    field.value = password
    await pilot.press("enter")
    await settle(pilot)


def no_blink(pilot: Pilot[None]) -> None:
    """A blinking cursor would make a snapshot depend on timing."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until `condition` holds (events travel through workers and messages, so
    there is no fixed number of steps to wait); fails, rather than hangs, if it never does."""
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


class FundingDeskView:
    """What a Funding-screen test reads off its desk's `app`: the engine, its book, the screen on
    show (asserted to be the Funding screen) and its table."""

    app: NexusApp

    @property
    def engine(self) -> Engine:
        assert self.app.engine is not None
        return self.app.engine

    @property
    def book(self) -> FundingBook:
        return self.engine.funding_book

    @property
    def screen(self) -> FundingScreen:
        screen = self.app.screen
        assert isinstance(screen, FundingScreen), f"showing {screen!r}"
        return screen

    @property
    def table(self) -> FundingTable:
        return self.screen.query_one(FundingTable)
