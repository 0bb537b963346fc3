""" "Why not the others?" on screen 2: under the selected trade's score, its asset's obvious trades the
engine does not list, each with the engine's reason; and, when the text filter leaves no row, the
asset it names explained. Asked of the engine off the UI thread, once per scan on screen.

On the seeded simulator (the desk as in production, its clock moved by the test) and on the small
fixture book (opportunity_desk.py) where a test sets the rates.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.strategy.models import OpportunityState
from nexus_tui.strategy.service import AssetExplanation, OpportunityService
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen
from nexus_tui.ui.widgets.opportunity_filter import search_text
from nexus_tui.ui.widgets.opportunity_table import OpportunityTable
from tests.ui.conftest import SIZE, MakeApp, wait_until
from tests.ui.opportunity_desk import OpportunityDesk, detail_of, open_opportunities
from tests.ui.test_opportunities_sim import sim_desk, time_passes


def flat(text: str) -> str:
    """The panel wraps long lines: compare with whitespace folded."""
    return " ".join(text.split())


def said(opp_reasons: tuple[str, ...]) -> str:
    return "; ".join(opp_reasons)


async def select(pilot: Pilot[None], screen: OpportunitiesScreen, opportunity_id: str) -> None:
    table = screen.query_one(OpportunityTable)
    table.move_cursor(row=table.shown_ids.index(opportunity_id))
    await wait_until(pilot, lambda: table.selected_id == opportunity_id, "the row is selected")


# -- on the seeded simulator ---------------------------------------------------------------------
async def test_on_the_simulator_the_panel_says_why_not_the_others(nexus_home: Path, vault: Vault) -> None:
    app, clock = sim_desk(nexus_home, vault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        service = app.engine.opportunities if app.engine else None
        assert isinstance(service, OpportunityService)

        def listed() -> bool:
            scan = screen.scan
            return (
                scan is not None
                and len(scan.opportunities) >= 5
                and scan.opportunities[0].state is OpportunityState.SCORED
            )

        await time_passes(pilot, clock, listed, "ranked opportunities")
        scan = screen.scan
        assert scan is not None
        # Time stands still now (the test moves it): the engine's answer is fixed, so the panel
        # must say exactly what the service says.
        answers = {o.base: service.explain_asset(o.base) for o in scan.opportunities}
        with_rejections = [o for o in scan.opportunities if answers[o.base].rejected]
        assert with_rejections, "some listed asset has an obvious trade the engine does not list"
        chosen = with_rejections[0]
        await select(pilot, screen, chosen.id)
        explained = answers[chosen.base]
        await wait_until(
            pilot,
            lambda: f"Why not the others on {chosen.base} (" in detail_of(screen),
            "the panel explains the others on the selected asset",
        )
        text = flat(detail_of(screen))
        for opp in explained.rejected:
            line = f"{opp.type.letter} long {opp.long.venue}"
            assert line in text and said(opp.reasons) in text
        # Under the score explanation.
        assert text.index("UOS ") < text.index(f"Why not the others on {chosen.base}")

        # An asset the engine knows with no row: the filter names it, the panel says why.
        texts = [search_text(o).lower() for o in scan.opportunities]
        unlisted = next(
            answer
            for base in sorted(service.engine.funding_book.by_base())
            if not any(base.lower() in text for text in texts)  # the filter will leave no row
            and (answer := service.explain_asset(base)).rejected
        )
        await pilot.press("slash", *unlisted.asset.lower())
        assert screen.query_one(OpportunityTable).row_count == 0
        await wait_until(
            pilot,
            lambda: f"No {unlisted.asset} trade is listed." in detail_of(screen),
            "the panel explains the asset the filter names",
        )
        text = flat(detail_of(screen))
        for opp in unlisted.rejected:
            assert said(opp.reasons) in text

        # A word that names no asset.
        await pilot.press("escape", "slash", *"zzqx")
        await wait_until(
            pilot,
            lambda: "no funding for an asset named “zzqx”" in detail_of(screen),
            "the panel says the engine knows no such asset",
        )


# -- on the fixture book ------------------------------------------------------------------------------
@pytest.fixture
def desk(desk_clock: ManualClock) -> OpportunityDesk:
    return OpportunityDesk(desk_clock)


@pytest.fixture
def app(make_app: MakeApp, vault: Vault, desk: OpportunityDesk) -> NexusApp:
    return make_app(vault=vault, engine_factory=desk.build)


class Asked:
    """Counts the engine's explanations and notes the threads they ran on."""

    def __init__(self, service: OpportunityService) -> None:
        self.threads: list[threading.Thread] = []
        self._explain = service.explain_asset
        service.explain_asset = self  # type: ignore[method-assign]

    def __call__(self, asset: str) -> AssetExplanation:
        self.threads.append(threading.current_thread())
        return self._explain(asset)


async def test_asked_off_the_ui_thread_once_per_scan_on_screen(app: NexusApp, desk: OpportunityDesk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        asked = Asked(desk.service)
        scan = desk.scan()
        await wait_until(pilot, lambda: screen.scan is scan and len(asked.threads) == 1, "asked once")
        await wait_until(pilot, lambda: "Why not the others on" in detail_of(screen), "answered")
        for _ in range(3):
            screen._tick()  # the desk clock's ticks repaint the panel, they do not ask again
            await pilot.pause()
        assert len(asked.threads) == 1
        assert threading.main_thread() not in asked.threads
        later = desk.set_rates({("SOL", "bybit"): "0.0030"})
        await wait_until(pilot, lambda: screen.scan is later and len(asked.threads) == 2, "asked again")


async def test_the_filter_names_an_asset_whose_trades_are_all_rejected(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        desk.scan()
        # SOL's spread narrows: its one cross-venue trade no longer pays its costs.
        scan = desk.set_rates({("SOL", "bybit"): "0.0003"})
        await wait_until(pilot, lambda: screen.scan is scan, "the scan is on screen")
        assert all(o.base != "SOL" for o in scan.opportunities)
        await pilot.press("slash", *"sol")
        await wait_until(pilot, lambda: "No SOL trade is listed." in detail_of(screen), "SOL explained")
        [rejected] = desk.service.explain("SOL")
        text = flat(detail_of(screen))
        assert (
            f"B long {rejected.long.venue} / short {rejected.short.venue}: {said(rejected.reasons)}" in text
        )
        assert "net APR" in said(rejected.reasons)


async def test_the_filter_names_an_asset_whose_trades_another_filter_hides(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        scan = desk.scan()
        await wait_until(pilot, lambda: screen.scan is scan, "the scan is on screen")
        [btc] = [o for o in scan.opportunities if o.base == "BTC"]
        await pilot.press("t")  # type A only: BTC has none
        await pilot.press("slash", *"btc")
        await wait_until(pilot, lambda: "BTC has 1 listed trade(s)" in detail_of(screen), "BTC explained")
        text = flat(detail_of(screen))
        assert "type A (spot_perp)" in text and f"{btc.type.letter} long {btc.long.venue}" in text


async def test_an_engine_that_cannot_answer_is_said_in_the_panel_and_asked_again(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        explain = desk.service.explain_asset

        def broken(asset: str) -> AssetExplanation:
            raise RuntimeError("scanner unavailable")

        desk.service.explain_asset = broken  # type: ignore[method-assign]
        scan = desk.scan()
        await wait_until(pilot, lambda: screen.scan is scan, "the scan is on screen")
        await wait_until(
            pilot,
            lambda: "the engine could not say (scanner unavailable)" in detail_of(screen),
            "the panel says the engine could not answer",
        )
        assert app.is_running and "UOS " in detail_of(screen), "the trade itself is still explained"
        desk.service.explain_asset = explain  # type: ignore[method-assign]
        later = desk.set_rates({("SOL", "bybit"): "0.0030"})
        await wait_until(pilot, lambda: screen.scan is later, "the next scan is on screen")
        await wait_until(
            pilot,
            lambda: "could not say" not in detail_of(screen) and "(the obvious trades" in detail_of(screen),
            "the next scan asks again and gets an answer",
        )
