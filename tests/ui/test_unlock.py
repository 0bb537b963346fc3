"""The unlock flow: create the password on first run; later, wrong shows an error, right opens."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input, Static

from nexus_tui.config.vault import Vault
from nexus_tui.engine import Engine, EngineStatus
from nexus_tui.ui.screens.funding import FundingScreen
from nexus_tui.ui.screens.unlock import UnlockScreen
from nexus_tui.ui.widgets.new_password import NewPasswordField
from tests.ui.conftest import PASSWORD, SIZE, MakeApp, settle, type_password, wait_until


def message_on(app_screen: object) -> str:
    assert isinstance(app_screen, UnlockScreen)
    return str(app_screen.query_one("#message", Static).render())


async def test_first_run_creates_the_password_typed_twice(
    make_app: MakeApp, nexus_home: Path, engines: list[Engine]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen) and screen.first_run
        await type_password(pilot, PASSWORD)
        assert isinstance(app.screen, UnlockScreen), "one entry is not enough: it asks again"
        field = app.screen.query_one(NewPasswordField)
        assert field.repeating and field.value == "" and app.focused is field
        assert "Step 2 of 2" in str(app.screen.query_one("#step", Static).render())
        await type_password(pilot, PASSWORD)
        assert isinstance(app.screen, FundingScreen)
        assert app.current_mode == "funding"
        assert Vault.exists(nexus_home)
        assert [e.status for e in engines] == [EngineStatus.RUNNING]
    assert Vault.open(nexus_home, PASSWORD).config.trading.mode == "sim"


async def test_first_run_typed_key_by_key(make_app: MakeApp, nexus_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"Kw7 q!x", "enter", *"Kw7 q!x", "enter")
        await settle(pilot)
        assert app.current_mode == "funding"
    Vault.open(nexus_home, "Kw7 q!x")


async def test_first_run_survives_keys_arriving_in_one_burst(make_app: MakeApp, nexus_home: Path) -> None:
    """Over SSH keys often arrive together: what follows enter must land in the next field."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst = [*"Kw7q!x", "\r", *"Kw7q!x", "\r"]
        for char in burst:  # all queued before the app handles the first one
            key = "enter" if char == "\r" else char
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: app.current_mode == "funding", "the desk opened")
        await settle(pilot)
    Vault.open(nexus_home, "Kw7q!x")


async def test_first_run_refuses_two_different_passwords(make_app: MakeApp, nexus_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_password(pilot, PASSWORD)
        await type_password(pilot, PASSWORD + "!")
        assert isinstance(app.screen, UnlockScreen)
        assert "differ" in message_on(app.screen)
        assert not Vault.exists(nexus_home)
        # Back to step 1 with an empty field that has the cursor: the user simply retries.
        field = app.screen.query_one(NewPasswordField)
        assert not field.repeating and field.value == "" and app.focused is field
        await type_password(pilot, PASSWORD)
        await type_password(pilot, PASSWORD)
        assert app.current_mode == "funding"


async def test_first_run_shows_the_strength_while_typing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"abc")
        strength = app.screen.query_one("#strength", Static)
        assert "weak" in str(strength.render()) and strength.has_class("-weak")
        app.screen.query_one("#password", Input).value = "abc-Gz9 wombat kettle 71"
        await pilot.pause()
        assert strength.has_class("-strong"), strength.render()


async def test_empty_password_is_not_submitted(make_app: MakeApp, vault: Vault) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert "Type the master password" in message_on(app.screen)


async def test_second_start_wrong_password_then_right_one(
    make_app: MakeApp, vault: Vault, engines: list[Engine]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen) and not screen.first_run
        assert len(screen.query(NewPasswordField)) == 0, "unlocking asks the password once"
        await type_password(pilot, "not the password")
        assert isinstance(app.screen, UnlockScreen)
        assert message_on(app.screen) == "Wrong master password. Try again."
        assert app.screen.query_one("#message").has_class("-error")
        assert engines == [], "no engine before the right password"
        await type_password(pilot, PASSWORD)
        assert isinstance(app.screen, FundingScreen)
        assert [e.status for e in engines] == [EngineStatus.RUNNING]


async def test_escape_on_the_unlock_screen_quits(make_app: MakeApp, vault: Vault) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code == 0
    assert app.engine is None


async def test_ctrl_q_on_the_unlock_screen_quits_even_while_typing(make_app: MakeApp, vault: Vault) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"half a pass", "ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.engine is None


async def test_desk_keys_do_nothing_before_unlock(make_app: MakeApp, vault: Vault) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        for action in ("show_screen", "kill_switch", "pause_entries", "help", "filter"):
            assert app.check_action(action, ()) is False


async def test_a_preopened_vault_skips_the_unlock_screen(
    make_app: MakeApp, vault: Vault, engines: list[Engine]
) -> None:
    app = make_app(vault=vault)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FundingScreen)
        assert [e.status for e in engines] == [EngineStatus.RUNNING]
