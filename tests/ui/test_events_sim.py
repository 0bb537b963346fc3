"""On the simulator: a fault rehearsed from the command palette shows on the Events screen, in colour.

The desk runs as in production (bootstrap's engine on a simulated market, the bridge, the App) on
a SteppedClock, so simulated time moves only when the test moves it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual.pilot import Pilot

from nexus_tui.bootstrap import build_engine
from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import SteppedClock
from nexus_tui.engine import Engine
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.commands import END_FAULTS, INJECT_FAULT, simulator_commands
from nexus_tui.ui.screens.events import EventsScreen
from nexus_tui.ui.widgets.event_table import EventTable
from nexus_tui.venues.sim import build_sim_market
from tests.ui.conftest import DESK_TIME, SIZE, MakeApp, settle, wait_until


def sim_desk(nexus_home: Path, vault: Vault, clock: SteppedClock) -> NexusApp:
    def sim_engine(config: NexusConfig) -> Engine:
        market = build_sim_market(seed=7, clock=clock, n_symbols=20, latency_scale=0)
        return build_engine(config, clock=clock, venues=list(market.venues()))

    return NexusApp(nexus_home, clock=clock, engine_factory=sim_engine, vault=vault)


def lines(table: EventTable) -> list[str]:
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


def shown(table: EventTable, text: str) -> bool:
    return any(text in line for line in lines(table))


async def pick(pilot: Pilot[None], query: str) -> None:
    """Type into the open command palette and take the best match."""
    await pilot.press(*query)
    await pilot.pause()
    await pilot.press("down", "enter")
    await pilot.pause()


async def test_a_fault_injected_from_the_palette_is_listed_with_its_end(
    nexus_home: Path, vault: Vault
) -> None:
    clock = SteppedClock(DESK_TIME)
    app = sim_desk(nexus_home, vault, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert isinstance(app.screen, EventsScreen)
        table = app.screen.query_one(EventTable)

        await pilot.press("ctrl+p")
        await pick(pilot, "inject fault")
        await pick(pilot, "okx")
        await pick(pilot, "outage")
        assert app.engine is not None and app.engine.fault_rehearsal is not None
        assert app.engine.fault_rehearsal.active() == {"sim:okx": ["disconnect"]}

        started = "sim:okx outage started (fault rehearsal): orders and data refused for 2 min"
        await wait_until(pilot, lambda: shown(table, started), "the outage on the Events screen")
        row = next(i for i, line in enumerate(lines(table)) if line == started)
        assert table.get_row_at(row)[1] == "sim.fault.started"
        message = table.get_row_at(row)[2]
        assert isinstance(message, Text) and str(message.style) == "yellow", "a fault is a warning"

        clock.advance(130)
        await wait_until(
            pilot,
            lambda: shown(table, "sim:okx outage over (ran out after 2 min): orders and data flow again"),
            "the outage's end on the Events screen",
        )


async def test_ending_all_faults_from_the_palette(nexus_home: Path, vault: Vault) -> None:
    clock = SteppedClock(DESK_TIME)
    app = sim_desk(nexus_home, vault, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        table = app.screen.query_one(EventTable)
        assert app.engine is not None
        app.engine.inject_fault("sim:hyperliquid", "stale", for_seconds=600)
        clock.advance(timedelta(minutes=1).total_seconds())
        await pilot.press("ctrl+p")
        await pick(pilot, "end all faults")
        await wait_until(
            pilot,
            lambda: shown(table, "sim:hyperliquid stale data over (cleared after 60 s)"),
            "the cleared fault on the Events screen",
        )


async def test_the_drills_are_offered_on_the_simulator_only(make_app: MakeApp, vault: Vault) -> None:
    app = make_app(vault=vault)  # a bare engine: no simulated market behind it
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.engine is not None and app.engine.fault_rehearsal is None
        assert list(simulator_commands(app)) == []


async def test_the_drills_are_offered_on_a_simulated_desk(nexus_home: Path, vault: Vault) -> None:
    app = sim_desk(nexus_home, vault, SteppedClock(DESK_TIME))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [title for title, _, _ in simulator_commands(app)] == [INJECT_FAULT, END_FAULTS]


async def test_state_lines_replace_their_previous_line_so_a_fault_stays_in_view(
    make_app: MakeApp, vault: Vault
) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert app.engine is not None
        table = app.screen.query_one(EventTable)
        table.max_rows = 20
        app.engine.emit("sim.fault.started", "sim:okx outage started", severity="warning")
        for n in range(100):  # a busy feed: far more routine updates than the table holds
            venue = ("sim:binance", "sim:bybit")[n % 2]
            app.engine.emit(
                "funding.updated", f"{venue}: update {n}", coalesce_key=f"funding.updated:{venue}"
            )
        # (the bus may already merge some: a slow subscriber gets the latest state)
        await wait_until(pilot, lambda: shown(table, "sim:bybit: update 99"), "the last update")
        assert lines(table)[-3:] == [
            "sim:okx outage started",
            "sim:binance: update 98",
            "sim:bybit: update 99",
        ]
        assert table.total == table.row_count <= 3 + 1, "engine started, the fault, one line a venue"
