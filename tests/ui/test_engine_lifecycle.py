"""The engine inside the app: started on unlock as App workers, events relayed, stopped on quit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import SecretStr
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.widgets import Static

from nexus_tui.config.schema import NexusConfig, UIConfig, VenueConfig, default_config
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.engine import Engine, EngineStatus
from nexus_tui.ui.bridge import ENGINE_GROUP
from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.screens.events import EventsScreen
from nexus_tui.ui.widgets.config_table import ConfigTable
from nexus_tui.ui.widgets.event_table import EventTable
from tests.ui.conftest import PASSWORD, SIZE, MakeApp, settle, wait_until


async def test_engine_runs_as_named_app_workers_and_stops_on_quit(
    make_app: MakeApp, vault: Vault, engines: list[Engine]
) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine = engines[0]
        assert app.engine is engine and engine.status is EngineStatus.RUNNING
        workers = [w for w in app.workers if w.group == ENGINE_GROUP]
        assert sorted(w.name for w in workers) == ["engine", "engine-events"]
        assert all(w.node is app and w.description for w in workers), "on the App, described"
        # Switching screens never touches them (a screen's workers would die with it).
        await pilot.press("6", "1")
        await pilot.pause()
        assert all(w.is_running for w in workers)
        await pilot.press("q", "y")
        await wait_until(pilot, lambda: not app.is_running, "the app ended by itself")
    assert engine.status is EngineStatus.STOPPED
    assert all(w.is_finished for w in workers)
    assert [e.kind for e in app.event_log][-1] == "engine.stopped", "the relay delivered the last word"


async def test_events_screen_shows_engine_events_live(make_app: MakeApp, vault: Vault) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        table = app.screen.query_one(EventTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the started event is shown")
        assert table.get_row_at(0)[1:] == ["engine.started", "engine started in sim mode"]
        assert app.engine is not None
        app.engine.emit("venue.health", "sim:alpha is down", venue="sim:alpha")
        await wait_until(pilot, lambda: table.row_count == 2, "the new event is shown")
        assert table.get_row_at(1) == ["2026-03-14 09:26:53", "venue.health", "sim:alpha is down"]
        assert table.cursor_row == 1, "the table follows the newest event"
        assert "2 events" in str(app.screen.query_one("#event-count", Static).render())


async def test_events_arriving_in_a_burst_cost_one_message(make_app: MakeApp, vault: Vault) -> None:
    batches: list[EngineEvents] = []

    def seen(message: Message) -> None:
        if isinstance(message, EngineEvents):
            batches.append(message)

    app = make_app(vault=vault)
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: len(app.event_log) == 1, "the started event arrived")
        before = len(batches)
        assert app.engine is not None
        for n in range(200):
            app.engine.emit("test.tick", f"tick {n}")
        await wait_until(pilot, lambda: len(app.event_log) == 201, "the burst arrived")
        burst = [e for b in batches[before:] for e in b.events]
        assert [e.message for e in burst] == [f"tick {n}" for n in range(200)], "in order, none lost"
        assert len(batches) - before <= 2, "batched, not one message per event"


async def test_events_screen_filter_narrows_and_escape_clears(make_app: MakeApp, vault: Vault) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.engine is not None
        for venue in ("alpha", "beta", "alpha"):
            app.engine.emit("venue.health", f"sim:{venue} degraded")
        await pilot.press("6")
        table = app.screen.query_one(EventTable)
        await wait_until(pilot, lambda: table.row_count == 4, "four events shown")
        await pilot.press("slash", *"alpha")
        await pilot.pause()
        assert table.row_count == 2
        app.engine.emit("venue.health", "sim:beta recovered")
        app.engine.emit("venue.health", "sim:alpha recovered")
        await wait_until(pilot, lambda: len(app.event_log) == 6, "both new events arrived")
        await pilot.pause()
        assert table.row_count == 3, "new events obey the filter too"
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 6 and table.has_focus


async def test_a_failing_engine_is_reported_in_one_line_and_the_desk_stays_up(
    make_app: MakeApp, vault: Vault, desk_clock: ManualClock
) -> None:
    class EngineThatCannotStart(Engine):
        async def start(self) -> None:
            raise VenueUnavailable("sim:alpha", "connection refused")

    notes: list[Notification] = []

    def seen(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification)

    app = make_app(vault=vault, engine_factory=lambda config: EngineThatCannotStart(clock=desk_clock))
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: any(n.severity == "error" for n in notes), "the failure is told")
        assert app.is_running and app.current_mode == "funding"
        errors = [n for n in notes if n.severity == "error"]
        assert [n.message for n in errors] == [
            "Running the trading engine failed: sim:alpha: connection refused"
        ]
        await pilot.press("q", "y")  # quitting still works
        await wait_until(pilot, lambda: not app.is_running, "the app ended by itself")
    assert app.return_code == 0


async def test_config_screen_shows_the_config_with_secrets_masked(
    make_app: MakeApp, nexus_home: Path
) -> None:
    secret = "sk-live-0123456789abcdef"
    venues = dict(default_config().venues)
    venues["bybit"] = VenueConfig(
        enabled=True, api_key=SecretStr("bybit-key-42"), api_secret=SecretStr(secret)
    )
    config = NexusConfig(venues=venues)
    vault = Vault.create(nexus_home, PASSWORD, config)
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        table = app.screen.query_one(ConfigTable)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert rows["trading.mode"] == "sim"
        assert rows["venues.bybit.enabled"] == "true"
        assert rows["venues.bybit.api_secret"] == "******** (set)"
        assert rows["venues.bybit.api_key"] == "******** (set)"
        assert rows["strategy.min_net_apr"] == "0.10"
        assert rows["venues.okx.api_key"] == "(not set)"
        shown = " ".join(f"{k} {v}" for k, v in rows.items())
        assert secret not in shown and "bybit-key-42" not in shown
        await pilot.press("slash", *"api_secret")
        await pilot.pause()
        assert table.row_count == len([k for k in rows if "api_secret" in k])


async def test_events_screen_opened_late_still_shows_what_happened_before(
    make_app: MakeApp, vault: Vault
) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.engine is not None
        app.engine.pause("test")
        await wait_until(pilot, lambda: len(app.event_log) == 2, "both events arrived")
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        kinds = [app.screen.query_one(EventTable).get_row_at(i)[1] for i in range(2)]
        assert kinds == ["engine.started", "trading.paused"]


async def test_engine_stops_even_when_the_app_ends_without_the_quit_dialog(
    make_app: MakeApp, vault: Vault, engines: list[Engine]
) -> None:
    """A closed terminal or a crash ends the App's workers; the engine worker stops the engine."""
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.exit()
        await pilot.pause()
    assert engines[0].status is EngineStatus.STOPPED


async def test_quitting_during_a_kill_lets_the_kill_finish_first(
    make_app: MakeApp, vault: Vault, desk_clock: ManualClock
) -> None:
    steps: list[str] = []
    kill_may_finish = asyncio.Event()

    class SlowToFlatten(Engine):
        async def kill(self, reason: str = "kill switch") -> None:
            steps.append("kill started")
            await kill_may_finish.wait()  # cancelling orders and closing positions takes a while
            await super().kill(reason)
            steps.append("kill done")

        async def stop(self) -> None:
            steps.append("stop")
            await super().stop()

    app = make_app(vault=vault, engine_factory=lambda config: SlowToFlatten(clock=desk_clock))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k", "y")
        await wait_until(pilot, lambda: steps == ["kill started"], "the kill is under way")
        await pilot.press("q", "y")
        await pilot.pause()
        assert steps == ["kill started"], "the engine is not stopped under a running kill"
        kill_may_finish.set()
        await wait_until(pilot, lambda: not app.is_running, "the app ended by itself")
    assert steps == ["kill started", "kill done", "stop"]


async def test_events_table_keeps_the_newest_rows_up_to_the_configured_limit(
    make_app: MakeApp, nexus_home: Path
) -> None:
    config = NexusConfig(ui=UIConfig(max_table_rows=10, repaint_interval_ms=50))
    app = make_app(vault=Vault.create(nexus_home, PASSWORD, config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert app.engine is not None
        for n in range(25):
            app.engine.emit("test.tick", f"tick {n}")
        await wait_until(pilot, lambda: len(app.event_log) == 26, "all events arrived")
        await pilot.pause()
        table = app.screen.query_one(EventTable)
        assert table.row_count == 10
        assert [table.get_row_at(i)[2] for i in (0, 9)] == ["tick 15", "tick 24"]
