"""The events table under load: row limit, rebuilds past it, and a cursor that stays on its line."""

from __future__ import annotations

from pathlib import Path

from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.config.vault import Vault
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.widgets.event_table import EventTable
from tests.ui.conftest import PASSWORD, SIZE, MakeApp, settle, wait_until


def desk_with_limit(make_app: MakeApp, home: Path, rows: int) -> NexusApp:
    config = NexusConfig(ui=UIConfig(max_table_rows=rows, repaint_interval_ms=50))
    return make_app(vault=Vault.create(home, PASSWORD, config))


def messages(table: EventTable) -> list[str]:
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


async def test_a_burst_far_past_the_limit_keeps_only_the_newest(make_app: MakeApp, nexus_home: Path) -> None:
    app = desk_with_limit(make_app, nexus_home, 50)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert app.engine is not None
        for n in range(300):
            app.engine.emit("test.tick", f"tick {n}")
        table = app.screen.query_one(EventTable)
        await wait_until(pilot, lambda: table.received == 301, "the burst arrived")
        assert messages(table) == [f"tick {n}" for n in range(250, 300)]
        assert table.cursor_row == 49, "following the newest line"


async def test_the_cursor_stays_on_the_line_being_read(make_app: MakeApp, nexus_home: Path) -> None:
    app = desk_with_limit(make_app, nexus_home, 10)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert app.engine is not None
        for n in range(9):
            app.engine.emit("test.tick", f"tick {n}")
        table = app.screen.query_one(EventTable)
        await wait_until(pilot, lambda: table.received == 10, "ten events")
        table.move_cursor(row=5)
        assert table.get_row_at(5)[2] == "tick 4"
        for n in range(9, 12):
            app.engine.emit("test.tick", f"tick {n}")
        await wait_until(pilot, lambda: table.received == 13, "three more")
        assert messages(table)[0] == "tick 2", "the three oldest made room"
        assert table.get_row_at(table.cursor_row)[2] == "tick 4", "still on the line being read"
