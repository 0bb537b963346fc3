"""Screen 2 on a desk whose engine scans the small fixture book (opportunity_desk.py): the table
fills as the engine ranks, keeps the opportunity being read as ranks move, filters by type,
venue, minimum UOS and text, explains the selected one, lets expired ones go, and repaints at
its own pace however many scans arrive."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets.data_table import ColumnKey

from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.events import Event
from nexus_tui.strategy.models import Opportunity, OpportunityType, ScanResult, ScanStats
from nexus_tui.strategy.report import pct, usd
from nexus_tui.strategy.service import EVENT
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.keys import OPPORTUNITY_BINDINGS
from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.screens.opportunities import NO_RATES, NOTHING_PASSES, WAITING, OpportunitiesScreen
from nexus_tui.ui.widgets.opportunity_cells import COLUMNS, Cells, row_cells
from nexus_tui.ui.widgets.opportunity_table import OpportunityTable
from tests.ui.conftest import SIZE, MakeApp, wait_until
from tests.ui.opportunity_desk import OpportunityDesk, detail_of, open_opportunities


@pytest.fixture
def desk(desk_clock: ManualClock) -> OpportunityDesk:
    return OpportunityDesk(desk_clock)


@pytest.fixture
def app(make_app: MakeApp, vault: Vault, desk: OpportunityDesk) -> NexusApp:
    return make_app(vault=vault, engine_factory=desk.build)


async def showing(pilot: Pilot[None], screen: OpportunitiesScreen, scan: ScanResult) -> None:
    await wait_until(pilot, lambda: screen.scan is scan, "the screen shows the newest scan")
    await pilot.pause()


def table_of(screen: OpportunitiesScreen) -> OpportunityTable:
    return screen.query_one(OpportunityTable)


async def select_by_keys(
    pilot: Pilot[None], table: OpportunityTable, scan: ScanResult, base: str
) -> Opportunity:
    """`base`'s first trade in `scan`, selected as a reader does: the down key, row by row."""
    opportunity = next(o for o in scan.opportunities if o.base == base)
    await pilot.press(*["down"] * table.get_row_index(opportunity.id))
    return opportunity


async def test_the_table_fills_ranked_as_the_engine_ranks(
    app: NexusApp, desk: OpportunityDesk, desk_clock: ManualClock
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        assert table_of(screen).row_count == 0
        assert WAITING in detail_of(screen)
        scan = desk.scan()
        await showing(pilot, screen, scan)
        table = table_of(screen)
        assert table.shown_ids == [o.id for o in scan.opportunities]
        ranked = [(o.uos, o.net_apr) for o in scan.opportunities]
        assert ranked == sorted(ranked, reverse=True)
        for rank, opp in enumerate(scan.opportunities, 1):
            assert table.cells_of(opp.id) == row_cells(opp, rank, desk_clock.now())
        status = str(screen.query_one("#opportunity-status").render())
        assert status.startswith(f"{len(scan.opportunities)} opportunities · type all · venue all · UOS ≥ 0")


async def test_the_selected_opportunity_stays_selected_as_ranks_change(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        first = desk.scan()
        await showing(pilot, screen, first)
        table = table_of(screen)
        sol = await select_by_keys(pilot, table, first, "SOL")
        assert table.selected_id == sol.id
        before = table.get_row_index(sol.id)
        # SOL's short leg now pays far more: it climbs the ranking, the others shift down.
        later = desk.set_rates({("SOL", "bybit"): "0.0030"})
        await showing(pilot, screen, later)
        ranked = [o.id for o in later.opportunities]
        assert table.shown_ids == ranked
        assert ranked.index(sol.id) < before, "SOL moved up"
        assert table.selected_id == sol.id
        assert table.cursor_row == ranked.index(sol.id)
        for rank, opp in enumerate(later.opportunities, 1):  # what the table holds, not only our copy
            shown = tuple(cell.plain for cell in table.get_row(opp.id))
            assert shown == row_cells(opp, rank, desk.clock.now())
        now_sol = later.by_id(sol.id)
        assert now_sol is not None
        assert f"net {pct(now_sol.net_apr)}" in detail_of(screen)


async def test_filters_by_type_venue_min_uos_and_text(app: NexusApp, desk: OpportunityDesk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        scan = desk.scan()
        await showing(pilot, screen, scan)
        table = table_of(screen)
        everything = [o.id for o in scan.opportunities]

        await pilot.press("t")  # A
        assert table.shown_ids == [o.id for o in scan.opportunities if o.type is OpportunityType.SPOT_PERP]
        await pilot.press("t")  # B
        assert table.shown_ids == [o.id for o in scan.opportunities if o.type is OpportunityType.CROSS_PERP]
        assert "type B (cross_perp)" in str(screen.query_one("#opportunity-status").render())
        await pilot.press("t", "t", "t")  # C, E, all
        assert table.shown_ids == everything

        await pilot.press("v")  # the first venue in alphabetical order: binance
        assert screen.view.venue == "binance"
        assert table.shown_ids == [
            o.id for o in scan.opportunities if "binance" in (o.long.venue, o.short.venue)
        ]
        await pilot.press("v", "v", "v", "v")  # bybit, hyperliquid, okx, all
        assert table.shown_ids == everything

        for _ in range(8):
            await pilot.press("plus")
        assert screen.view.min_uos == 80
        assert table.shown_ids == [o.id for o in scan.opportunities if o.uos >= 80]
        assert 0 < table.row_count < len(everything)
        for _ in range(8):
            await pilot.press("minus")
        assert table.shown_ids == everything

        await pilot.press("slash", *"xrp")
        assert table.shown_ids == [o.id for o in scan.opportunities if o.base == "XRP"]
        await pilot.press("enter")  # keeps the filter, back on the table
        assert isinstance(app.focused, OpportunityTable)
        assert table.shown_ids == [o.id for o in scan.opportunities if o.base == "XRP"]
        await pilot.press("slash", "escape")  # clears it
        assert table.shown_ids == everything


async def test_the_detail_panel_explains_the_selected_opportunity(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        scan = desk.scan()
        await showing(pilot, screen, scan)
        for row, opp in enumerate(scan.opportunities):
            if row:
                await pilot.press("down")
            await pilot.pause()
            assert table_of(screen).selected_id == opp.id
            text = detail_of(screen)
            p, c = opp.uos_parts, opp.costs
            for needed in (
                opp.id,
                f"= {usd(c.total)}",
                f"fees {usd(c.fees)}",
                f"spread {usd(c.spread)}",
                f"slippage {usd(c.slippage)}",
                f"net {pct(opp.net_apr)}",
                f"expected value {usd(opp.expected_value_usd)}",
                f"UOS {opp.uos:.1f} = return {p.return_:.1f}/40 + risk {p.risk:.1f}/30 + "
                f"execution {p.execution:.1f}/20 + timing {p.timing:.1f}/10",
            ):
                assert needed in text, (opp.id, needed)


async def test_an_expired_opportunity_leaves_and_the_reader_is_told(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        first = desk.scan()
        await showing(pilot, screen, first)
        table = table_of(screen)
        eth = await select_by_keys(pilot, table, first, "ETH")
        assert table.selected_id == eth.id
        # ETH's spread collapses: okx now pays what hyperliquid does.
        later = desk.set_rates({("ETH", "okx"): "-0.0002", ("ETH", "binance"): "-0.0002"})
        await showing(pilot, screen, later)
        assert [e.id for e in later.expired] == [eth.id]
        assert eth.id not in table.shown_ids
        assert table.shown_ids == [o.id for o in later.opportunities]
        assert table.selected_id is not None and table.selected_id != eth.id
        assert "ETH long hyperliquid short okx went:" in detail_of(screen)
        # The spread comes back: so does the trade, under the same id, and the note goes.
        back = desk.set_rates({("ETH", "okx"): "0.0006", ("ETH", "binance"): "0.00005"})
        await showing(pilot, screen, back)
        assert eth.id in table.shown_ids
        assert "went:" not in detail_of(screen)


async def test_when_a_trade_is_replaced_the_cursor_follows_its_replacement(
    app: NexusApp, desk: OpportunityDesk
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        first = desk.scan()
        await showing(pilot, screen, first)
        table = table_of(screen)
        btc = await select_by_keys(pilot, table, first, "BTC")
        # okx now pays more than binance: the BTC cross-perp is short okx instead.
        later = desk.set_rates({("BTC", "okx"): "0.0012"})
        await showing(pilot, screen, later)
        successor = next(o for o in later.opportunities if o.base == "BTC")
        assert successor.id != btc.id and successor.short.venue == "okx"
        assert table.selected_id == successor.id
        assert "went: replaced by" in detail_of(screen)


def _updated(at: datetime) -> EngineEvents:
    return EngineEvents((Event(EVENT, at, coalesce_key=EVENT),))


async def test_many_updates_cost_two_repaints_not_one_each(app: NexusApp, desk: OpportunityDesk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        desk.scan()
        await wait_until(pilot, lambda: screen.scan is not None, "the first scan is shown")
        await pilot.pause(screen.repaint_s * 2)  # the next update is then due at once
        start = screen.repaints
        for _ in range(20):
            screen._on_engine_events(_updated(desk.clock.now()))
        assert screen.repaints == start + 1, "the first repaints at once, the rest wait"
        await wait_until(pilot, lambda: screen.repaints == start + 2, "one trailing repaint")
        await pilot.pause(screen.repaint_s * 2)
        assert screen.repaints == start + 2


async def test_a_hidden_screen_catches_up_when_shown(app: NexusApp, desk: OpportunityDesk) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        first = desk.scan()
        await showing(pilot, screen, first)
        await pilot.press("1")
        await pilot.pause()
        later = desk.set_rates({("SOL", "bybit"): "0.0030"})
        await pilot.pause(screen.repaint_s * 2)
        assert screen.scan is first, "no repaint while another screen shows"
        await pilot.press("2")
        await showing(pilot, screen, later)
        assert table_of(screen).shown_ids == [o.id for o in later.opportunities]


async def test_the_keys_are_in_the_footer_and_help(app: NexusApp, desk: OpportunityDesk) -> None:
    from textual.widgets._footer import FooterKey

    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        shown = {key.key for key in screen.query(FooterKey)}
        assert {"t", "v", "plus", "minus"} <= shown
        assert {b.id for b in screen.own_bindings()} == {b.id for b in OPPORTUNITY_BINDINGS}
        assert app.check_action("filter", ()) is True, "/ filters this screen's table"
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one("#help-text").render())
        assert "Raise the minimum UOS shown by 10" in help_text


class _TableOnly(App[None]):
    def compose(self) -> ComposeResult:
        yield OpportunityTable()


def _row(key: str, rank: int, long: str, short: str) -> tuple[str, Cells]:
    cells = ["x"] * len(COLUMNS)
    cells[0] = str(rank)
    cells[[c.key for c in COLUMNS].index("long")] = long
    cells[[c.key for c in COLUMNS].index("short")] = short
    return key, tuple(cells)


async def test_the_venue_columns_widen_for_a_full_name_and_narrow_again() -> None:
    """Short names fit five characters; two venues that read the same are written in full, and
    the venue columns widen to show it whole (and keep the reader's row)."""
    app = _TableOnly()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(OpportunityTable)
        short = [_row("a", 1, "BIN", "BYB"), _row("b", 2, "HYPE", "LIGHT")]
        table.show(short)
        await pilot.pause()
        assert (table.columns[ColumnKey("long")].width, table.columns[ColumnKey("short")].width) == (5, 5)
        table.move_cursor(row=1)
        table.show([_row("a", 1, "binanceusdm", "BYB"), _row("b", 2, "HYPE", "LIGHT")])
        await pilot.pause()
        assert table.columns[ColumnKey("long")].width == len("binanceusdm")
        assert table.cells_of("a") == _row("a", 1, "binanceusdm", "BYB")[1]
        assert table.get_row("a")[[c.key for c in COLUMNS].index("long")].plain == "binanceusdm"
        assert table.selected_id == "b"
        table.show(short)
        await pilot.pause()
        assert table.columns[ColumnKey("long")].width == 5 and table.selected_id == "b"


async def test_an_empty_table_says_why_not_the_filter(app: NexusApp, desk: OpportunityDesk) -> None:
    """No funding rates at all, rates but no trade worth making, or trades the filter hides:
    the panel says which (only the last is the filter's doing)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_opportunities(pilot)
        now = desk.clock.now()
        screen.show_scan(ScanResult(now, ()))
        await pilot.pause()
        assert detail_of(screen) == NO_RATES
        stats = ScanStats(symbols=5, quotes=18, symbols_costed=5)
        screen.show_scan(ScanResult(now, (), stats=stats))
        await pilot.pause()
        assert detail_of(screen).startswith(
            "No trade clears the strategy's limits in this scan of 5 assets (18 funding rates), "
            "net APR at least 10% after every cost."
        )
        scan = desk.scan()
        await showing(pilot, screen, scan)
        await pilot.press("plus", *["plus"] * 20)  # a minimum UOS nothing reaches
        await pilot.pause()
        assert detail_of(screen) == NOTHING_PASSES
