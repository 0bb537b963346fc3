"""Pinned pictures of the screens (pytest-textual-snapshot). On a deliberate change, review the new
picture and accept it with `pytest tests/ui/test_snapshots.py --snapshot-update`.

The desk clock is a ManualClock, so the header's UTC time is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from nexus_tui.config.vault import Vault
from tests.ui.conftest import SIZE, MakeApp, no_blink, settle

SnapCompare = Callable[..., bool]


def test_unlock_screen_first_run(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def typed_once(pilot: Pilot[None]) -> None:
        await settle(pilot)
        no_blink(pilot)
        await pilot.press(*"tr0ub4dor")

    assert snap_compare(make_app(), run_before=typed_once, terminal_size=SIZE)


def test_main_screen(snap_compare: SnapCompare, make_app: MakeApp, vault: Vault) -> None:
    async def opened(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(make_app(vault=vault), run_before=opened, terminal_size=SIZE)


def test_kill_switch_modal(snap_compare: SnapCompare, make_app: MakeApp, vault: Vault) -> None:
    async def asked(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+k")

    assert snap_compare(make_app(vault=vault), run_before=asked, terminal_size=SIZE)
