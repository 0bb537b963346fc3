"""Going back to a desk screen already open: its styles and footer keys are current.

The desk keeps a resumed screen's styles when nothing the App contributes to them moved, and
paints it without Textual's fixed hold; these tests change what could have moved while the
screen was hidden and check that it shows.
"""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from nexus_tui.config.vault import Vault
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.base import DeskScreen
from nexus_tui.ui.widgets.funding_table import FundingTable
from tests.ui.conftest import SIZE, MakeApp, settle


@pytest.fixture
def desk(make_app: MakeApp, vault: Vault) -> NexusApp:
    return make_app(vault=vault)


def _footer_labels(screen: DeskScreen) -> set[str]:
    return {str(key.description) for key in screen.query(FooterKey)}


async def test_a_theme_changed_while_hidden_restyles_the_screen_on_return(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = desk.screen.query_one(FundingTable)
        dark_background = table.styles.background
        await pilot.press("2")
        await pilot.pause()
        desk.theme = "textual-light"
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        assert table.styles.background != dark_background
        assert desk.screen.has_pseudo_class("light")


async def test_resume_restyles_only_when_the_app_state_moved(
    desk: NexusApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        funding = desk.screen
        restyles: list[bool] = []
        restyle = funding.update_node_styles

        def counted(animate: bool = True) -> None:
            restyles.append(animate)
            restyle(animate)

        monkeypatch.setattr(funding, "update_node_styles", counted)
        await pilot.press("2", "1")
        await pilot.pause()
        assert restyles == []  # nothing moved: the styles were kept
        await pilot.press("2")
        await pilot.pause()
        desk.app_focus = False  # the terminal lost focus: Textual restyles the showing screen only
        desk.action_show_screen("funding")  # not a key: a key press would give the focus back
        await pilot.pause()
        assert desk.screen is funding
        assert restyles  # the App is blurred now: this screen was restyled on return


async def test_keys_changed_while_hidden_show_on_return(desk: NexusApp) -> None:
    async with desk.run_test(size=SIZE) as pilot:
        await settle(pilot)
        funding = desk.screen
        assert isinstance(funding, DeskScreen)
        assert "Pause" in _footer_labels(funding)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("p")  # paused from screen 2: screen 1's footer is now stale
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        labels = _footer_labels(funding)
        assert "Resume" in labels and "Pause" not in labels
