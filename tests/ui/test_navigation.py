"""Keys on the open desk: screens 1-6, help, quit with confirmation, kill switch, pause, filter, palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.config.vault import Vault
from nexus_tui.engine import Engine, EngineStatus, TradingState
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.commands import DeskCommands
from nexus_tui.ui.keys import DESK_SCREEN_KEYS
from nexus_tui.ui.modals.confirm import ConfirmModal
from nexus_tui.ui.modals.help import HelpModal
from nexus_tui.ui.modals.kill_switch import KillSwitchModal
from nexus_tui.ui.screens import DESK_SCREENS
from tests.ui.conftest import PASSWORD, SIZE, MakeApp, settle, wait_until


@pytest.fixture
def desk(make_app: MakeApp, vault: Vault) -> NexusApp:
    """The desk already unlocked (the unlock flow has its own tests)."""
    return make_app(vault=vault)


async def test_keys_1_to_6_show_the_six_screens(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, mode, _, _ in DESK_SCREEN_KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert desk.current_mode == mode
            assert type(desk.screen) is DESK_SCREENS[mode]
            assert (desk.screen.sub_title or "").startswith(key)


async def test_help_opens_and_closes(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(desk.screen, HelpModal)
        text = str(desk.screen.query_one("#help-text").render())
        for needed in ("Funding", "Events", "Kill switch", "Pause new entries", "ctrl+p"):
            assert needed in text
        await pilot.press("1")  # the modal blocks the desk's keys
        assert isinstance(desk.screen, HelpModal)
        await pilot.press("escape")
        await pilot.pause()
        assert desk.current_mode == "funding" and not isinstance(desk.screen, HelpModal)


async def test_q_asks_first_n_stays_y_quits_and_stops_the_engine(
    desk: NexusApp, engines: list[Engine]
) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(desk.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(desk.screen, ConfirmModal)
        assert desk.is_running and engines[0].status is EngineStatus.RUNNING
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert desk.is_running
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: not desk.is_running, "the app ended by itself")
    assert engines[0].status is EngineStatus.STOPPED
    assert desk.return_code == 0


async def test_with_confirm_quit_off_q_quits_at_once_and_stops_the_engine(
    make_app: MakeApp, nexus_home: Path, engines: list[Engine]
) -> None:
    config = NexusConfig(ui=UIConfig(confirm_quit=False))
    app = make_app(vault=Vault.create(nexus_home, PASSWORD, config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "the app ended without asking")
        assert not isinstance(app.screen, ConfirmModal)
    assert engines[0].status is EngineStatus.STOPPED
    assert app.return_code == 0


async def test_kill_switch_n_cancels_y_halts(desk: NexusApp, engines: list[Engine]) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(desk.screen, KillSwitchModal)
        await pilot.press("n")
        await pilot.pause()
        assert engines[0].trading_state is TradingState.ACTIVE
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert engines[0].trading_state is TradingState.ACTIVE
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press("y")
        # The kill runs as a worker; its event then reaches the header through the relay.
        await wait_until(pilot, lambda: desk.trading_state == "HALTED", "the header heard of the halt")
        assert engines[0].trading_state is TradingState.HALTED
        assert desk.trading_state == "HALTED"
        assert str(desk.screen.query_one("#trading-state").render()) == "HALTED"
        # HALTED is not undone by `p`: it is greyed out, and pressing it changes nothing.
        assert desk.check_action("pause_entries", ()) is None
        assert desk.check_action("resume_entries", ()) is False
        await pilot.press("p")
        await pilot.pause()
        assert engines[0].trading_state is TradingState.HALTED


async def test_kill_switch_works_while_typing_in_a_field(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6", "slash")
        await pilot.pause()
        assert isinstance(desk.focused, Input)  # the filter line has the keys now
        await pilot.press("k", "ctrl+k")
        await pilot.pause()
        assert isinstance(desk.screen, KillSwitchModal)
        await pilot.press("ctrl+k")  # a second press does not stack a second modal
        await pilot.pause()
        assert len([s for s in desk.screen_stack if isinstance(s, KillSwitchModal)]) == 1


async def test_p_pauses_and_resumes_new_entries(desk: NexusApp, engines: list[Engine]) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert desk.check_action("pause_entries", ()) is True
        assert desk.check_action("resume_entries", ()) is False
        await pilot.press("p")
        await pilot.pause()
        assert engines[0].trading_state is TradingState.REDUCING
        assert str(desk.screen.query_one("#trading-state").render()) == "REDUCING"
        assert desk.check_action("pause_entries", ()) is False
        assert desk.check_action("resume_entries", ()) is True
        await pilot.press("p")
        await pilot.pause()
        assert engines[0].trading_state is TradingState.ACTIVE


async def test_header_shows_mode_state_and_utc_clock(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = desk.screen
        assert str(screen.query_one("#mode-badge").render()) == "[SIM]"
        assert str(screen.query_one("#trading-state").render()) == "ACTIVE"
        assert str(screen.query_one("#desk-clock").render()) == "2026-03-14 09:26:53 UTC"


async def test_command_palette_offers_the_desk_commands(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = DeskCommands(desk.screen)
        titles = [hit.text async for hit in provider.discover()]
        assert "Show Events (6)" in titles
        assert any("Pause new entries" in str(t) for t in titles)
        assert not any("Resume" in str(t) for t in titles), "only what can be done now"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(desk.screen, CommandPalette)
        await pilot.press(*"show events")
        # The palette searches in the background; enter picks the highlighted command once listed.
        await wait_until(pilot, lambda: desk.screen.query_one(CommandList).option_count > 0, "a match")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert desk.current_mode == "events"


async def test_footer_follows_the_keys_that_work_now(desk: NexusApp) -> None:
    def footer_labels() -> list[str]:
        return [key.description for key in desk.screen.query(FooterKey) if not key.has_class("-disabled")]

    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")  # the risk screen has no table (screens 1, 2, 5, 6 do)
        await wait_until(pilot, lambda: "Pause" in footer_labels(), "the risk screen's footer")
        assert "Pause" in footer_labels() and "Resume" not in footer_labels()
        assert "Filter" not in footer_labels(), "greyed out on a screen without a table"
        assert desk.check_action("filter", ()) is None
        await pilot.press("slash")  # a greyed-out key does nothing
        assert not isinstance(desk.focused, Input)
        await pilot.press("p")
        await wait_until(pilot, lambda: "Resume" in footer_labels(), "the footer offers Resume")
        await pilot.press("6")
        await wait_until(pilot, lambda: "Filter" in footer_labels(), "the events screen can filter")
        assert desk.check_action("filter", ()) is True
        await pilot.press("4")
        await wait_until(pilot, lambda: "Filter" not in footer_labels(), "back on screen 4")
        assert "Resume" in footer_labels() and "Pause" not in footer_labels()
        await pilot.press("p", "ctrl+k", "y")  # resume, then halt: Pause stays listed, greyed out
        await wait_until(pilot, lambda: desk.trading_state == "HALTED", "halted")
        await wait_until(pilot, lambda: "Pause" not in footer_labels(), "Pause greyed out")
        assert any(key.description == "Pause" for key in desk.screen.query(FooterKey))
