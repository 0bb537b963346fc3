"""The Funding screen on the seeded simulator, driven by a ManualClock.

The engine here has the simulated venues, the funding book and its refresher, but no running
services: each test refreshes the book and repaints the screen itself, so nothing depends on
timing. Expected cell texts are computed by hand from the book's quotes (or from the
`funding --json` document) rather than by the screen's own formatting code.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from nexus_tui.config.schema import NexusConfig, UIConfig
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.engine import Engine
from nexus_tui.market.commands import funding_json, sorted_quotes
from nexus_tui.market.funding_book import BookQuote, FundingBook
from nexus_tui.market.refresh import FundingRefresher
from nexus_tui.strategy.service import OpportunityService
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.screens.funding import FundingScreen
from nexus_tui.ui.widgets.desk_header import UtcClock
from nexus_tui.ui.widgets.funding_chart import FundingHistoryChart
from nexus_tui.ui.widgets.funding_detail import HISTORY_GROUP, FundingDetail
from nexus_tui.ui.widgets.venue_health_strip import VenueHealthStrip
from nexus_tui.venues.sim import SimMarket, build_sim_market
from tests.market.helpers import FakeVenue
from tests.ui.conftest import PASSWORD, SIZE, FundingDeskView, MakeApp, settle, wait_until

SEED = 7
SYMBOLS = 240  # what `nexus-tui` opens on
FEW_SYMBOLS = 60  # enough for every other behaviour, four times cheaper to simulate
STALE_AFTER_S = 120.0


@dataclass
class SimDesk(FundingDeskView):
    """The app under test and the simulated market behind it."""

    app: NexusApp
    clock: ManualClock
    markets: list[SimMarket]

    @property
    def market(self) -> SimMarket:
        return self.markets[-1]

    async def refresh(self, hours: float = 0.0) -> None:
        """Let `hours` of simulated time pass (one refresh an hour), refresh, repaint."""
        assert self.engine.funding_refresher is not None
        for _ in range(int(hours)):
            self.clock.advance(3600)
            await self.engine.funding_refresher.refresh_all()
        await self.engine.funding_refresher.refresh_all()
        self.screen.repaint()

    def quote(self, base: str, venue: str) -> BookQuote:
        return self.quotes()[(base, venue)]

    def quotes(self) -> dict[tuple[str, str], BookQuote]:
        """(base, venue) -> the quote the matrix shows there (the USDT perp where there are two)."""
        shown: dict[tuple[str, str], BookQuote] = {}
        for quote in self.book.quotes():
            key = (quote.base, quote.venue)
            if key not in shown or quote.quote == "USDT":
                shown[key] = quote
        return shown


def sim_engine_factory(
    clock: ManualClock, markets: list[SimMarket], symbols: int = SYMBOLS, history_hours: int = 0
) -> Callable[[NexusConfig], Engine]:
    def build(config: NexusConfig) -> Engine:
        market = build_sim_market(
            seed=SEED, clock=clock, n_symbols=symbols, latency_scale=0, history_hours=history_hours
        )
        markets.append(market)
        bus = EventBus()
        book = FundingBook(clock, bus=bus, stale_after_s=STALE_AFTER_S)
        engine = Engine(mode="sim", clock=clock, venues=market.venues(), bus=bus, funding_book=book)
        refresher = FundingRefresher(book, clock)
        for venue in market.venues():
            refresher.add_venue(venue)
        engine.funding_refresher = refresher  # not started: the tests refresh by hand
        return engine

    return build


@pytest.fixture
def make_sim_desk(make_app: MakeApp, nexus_home: Path, desk_clock: ManualClock) -> Callable[..., SimDesk]:
    def make(symbols: int = FEW_SYMBOLS, history_hours: int = 0, **ui: Any) -> SimDesk:
        """`ui` settings; the steady repaint is slowed right down unless a test asks otherwise,
        so the only repaints are the ones a test makes."""
        ui.setdefault("repaint_interval_ms", 5000)
        markets: list[SimMarket] = []
        vault = Vault.create(nexus_home, PASSWORD, NexusConfig(ui=UIConfig(**ui)))
        factory = sim_engine_factory(desk_clock, markets, symbols, history_hours)
        app = make_app(vault=vault, engine_factory=factory)
        return SimDesk(app, desk_clock, markets)

    return make


async def opened(sim: SimDesk) -> AsyncIterator[tuple[SimDesk, Pilot[None]]]:
    async with sim.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sim.refresh()
        await pilot.pause()
        yield sim, pilot


@pytest.fixture
async def desk(make_sim_desk: Callable[..., SimDesk]) -> AsyncIterator[tuple[SimDesk, Pilot[None]]]:
    async for opened_desk in opened(make_sim_desk()):
        yield opened_desk


@pytest.fixture
async def full_desk(make_sim_desk: Callable[..., SimDesk]) -> AsyncIterator[tuple[SimDesk, Pilot[None]]]:
    """The whole simulated market `nexus-tui` opens on."""
    async for opened_desk in opened(make_sim_desk(symbols=SYMBOLS)):
        yield opened_desk


def number(cell: str) -> Decimal:
    found = re.match(r"([+-]?\d+\.\d+)%", cell)
    assert found, f"no percentage in {cell!r}"
    return Decimal(found.group(1))


def mark_of(cell: str) -> str:
    found = re.match(r"[+-]?\d+\.\d+%(.)", cell)
    assert found, f"no mark in {cell!r}"
    return found.group(1)


async def wait_for_history(pilot: Pilot[None]) -> None:
    await pilot.pause()
    loading = [w for w in pilot.app.workers if w.group == HISTORY_GROUP]
    if loading:
        await pilot.app.workers.wait_for_complete(loading)
    await pilot.pause()


# -- the matrix ---------------------------------------------------------------------------------


async def test_the_matrix_shows_every_venue_and_asset_with_1h_and_8h_venues_side_by_side(
    full_desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, _ = full_desk
    table = sim.table
    venues = [str(key.value) for key in table.columns if str(key.value).startswith("sim:")]
    assert len(venues) >= 6
    assert table.row_count >= 200
    assert table.row_count == len({q.base for q in sim.book.quotes()})
    intervals = {q.venue: q.interval_hours for q in sim.book.quotes()}
    hourly = [v for v in venues if intervals[v] == 1]
    eight_hourly = [v for v in venues if intervals[v] == 8]
    assert hourly and eight_hourly
    headers = {str(key.value): str(column.label) for key, column in table.columns.items()}
    assert all(headers[v].endswith("1h") for v in hourly)
    assert all("8h" in headers[v] for v in eight_hourly)
    # A row lines a USDT-margined perp up with a USDC-margined one.
    btc = {venue: table.cell_text("BTC", venue) for venue in venues}
    assert btc["sim:binance"] and btc["sim:hyperliquid"]
    assert sim.quote("BTC", "sim:hyperliquid").symbol == "BTC/USDC:USDC"
    assert sim.quote("BTC", "sim:binance").symbol == "BTC/USDT:USDT"


async def test_the_unit_key_cycles_per_interval_per_hour_and_apr(desk: tuple[SimDesk, Pilot[None]]) -> None:
    sim, pilot = desk
    quote = sim.quote("BTC", "sim:binance")
    assert quote.interval_hours == 8
    # By hand: the venue's rate per 8 h; per hour is an eighth of it; APR is per hour x 8,760.
    per_interval = quote.rate * 100
    per_hour = quote.rate * 100 / 8
    apr = quote.rate * 100 / 8 * 8760
    assert sim.screen.unit.value == "apr"  # config ui.rate_display's default
    assert sim.table.cell_text("BTC", "sim:binance") == f"{apr:+.1f}%·"

    await pilot.press("u")
    assert sim.table.cell_text("BTC", "sim:binance") == f"{per_interval:+.4f}%·8h"
    hourly = sim.quote("BTC", "sim:hyperliquid")
    assert sim.table.cell_text("BTC", "sim:hyperliquid") == f"{hourly.rate * 100:+.4f}%·1h"

    await pilot.press("u")
    assert sim.table.cell_text("BTC", "sim:binance") == f"{per_hour:+.5f}%·"
    await pilot.press("u")
    assert sim.table.cell_text("BTC", "sim:binance") == f"{apr:+.1f}%·"
    status = str(sim.screen.query_one("#funding-status", Static).render())
    assert "APR (u)" in status


async def test_the_screen_agrees_with_funding_json_from_the_same_book(
    full_desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, pilot = full_desk
    await sim.refresh(hours=1)  # rates moved since the first refresh
    document = funding_json(sorted_quotes(sim.book), sim.clock.now())
    await pilot.press("u")  # per interval: the rate exactly as the venue reports it
    table = sim.table
    shown = sim.quotes()
    compared = elsewhere = 0
    for row in document["rows"]:
        cell = table.cell_text(row["base"], row["venue"])
        if row["symbol"] != shown[(row["base"], row["venue"])].symbol:
            elsewhere += 1  # a second perp of the same base on one venue: in the detail panel only
            continue
        assert abs(number(cell) - Decimal(str(row["rate"])) * 100) <= Decimal("0.00005"), (row, cell)
        assert cell.endswith(f"{row['interval_hours']}h"), (row, cell)
        assert mark_of(cell) == ("~" if "stale" in row["flags"] else "·"), (row, cell)
        compared += 1
    assert compared + elsewhere == len(document["rows"]) and compared >= 1000
    await pilot.press("u", "u")  # APR
    for row in document["rows"][:50]:
        cell = table.cell_text(row["base"], row["venue"])
        assert abs(number(cell) - Decimal(str(row["apr"])) * 100) <= Decimal("0.05"), (row, cell)


async def test_a_quiet_book_repaints_nothing_and_a_refresh_repaints_only_changed_cells(
    desk: tuple[SimDesk, Pilot[None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, _ = desk
    table = sim.table
    widths: list[object] = []
    real_update_cell = DataTable.update_cell

    def recording_update_cell(self: Any, *args: Any, **kwargs: Any) -> None:
        widths.append(kwargs.get("update_width", False))
        real_update_cell(self, *args, **kwargs)

    monkeypatch.setattr(DataTable, "update_cell", recording_update_cell)
    repaints = table.repaints
    for _ in range(5):
        sim.screen._tick()  # nothing changed: the steady tick does no work
    assert table.repaints == repaints

    before = dict(sim.screen.view.cells) if sim.screen.view else {}
    sim.clock.advance(600)
    await sim.refresh()
    assert table.repaints == repaints + 1
    after = sim.screen.view.cells if sim.screen.view else {}
    changed = sum(
        1 for base, cells in after.items() for old, new in zip(before[base], cells, strict=True) if old != new
    )
    assert 0 < table.cells_updated == changed < sum(len(cells) for cells in after.values())
    assert widths and not any(widths), "never update_width on the hot path"


async def test_many_book_updates_between_two_ticks_cost_one_repaint(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, _ = desk
    assert sim.engine.funding_refresher is not None
    table = sim.table
    repaints = table.repaints
    for _ in range(20):
        sim.clock.advance(5)
        await sim.engine.funding_refresher.refresh_all()
    sim.screen._tick()
    sim.screen._tick()
    assert table.repaints == repaints + 1


async def test_filter_narrows_to_matching_assets_and_escape_brings_all_back(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, pilot = desk
    everything = sim.table.row_count
    await pilot.press("slash", *"btc")
    assert sim.table.order and all("BTC" in base for base in sim.table.order)
    assert "BTC" in sim.table.order and sim.table.row_count < 10
    await pilot.press("enter")
    assert sim.table.has_focus
    assert sim.table.row_count < 10, "enter keeps the filter"
    await pilot.press("slash", "escape")
    assert sim.table.row_count == everything


async def test_the_selected_row_stays_selected_as_rows_re_sort(desk: tuple[SimDesk, Pilot[None]]) -> None:
    sim, pilot = desk
    table = sim.table
    table.move_cursor(row=10)
    await pilot.pause()
    chosen = table.selected_base
    assert chosen is not None
    await pilot.press("s")  # by asset, A to Z
    assert list(table.order) == sorted(table.order)
    assert table.selected_base == chosen
    assert table.cursor_row == table.order.index(chosen) != 10
    await pilot.press("S")  # Z to A
    assert list(table.order) == sorted(table.order, reverse=True)
    assert table.selected_base == chosen

    await pilot.press("s", "s")  # by Binance's rate, highest first: rates move, rows re-sort
    order_before = table.order
    await sim.refresh(hours=3)
    assert table.order != order_before
    assert table.selected_base == chosen
    assert table.cursor_row == table.order.index(chosen)
    shown = sim.quotes()
    rates = [shown[(base, "sim:binance")].apr for base in table.order if (base, "sim:binance") in shown]
    assert rates == sorted(rates, reverse=True)


# -- the detail panel -----------------------------------------------------------------------


async def test_the_detail_panel_shows_every_venue_of_the_selected_asset_and_charts_its_history(
    make_sim_desk: Callable[..., SimDesk],
) -> None:
    sim = make_sim_desk(history_hours=24)  # the venues' settled history before the desk opened
    async with sim.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sim.refresh(hours=6)
        await pilot.press("slash", *"BTC", "enter")
        sim.table.move_cursor(row=sim.table.order.index("BTC"))
        sim.screen.repaint()
        await wait_for_history(pilot)
        detail = sim.screen.query_one(FundingDetail)
        assert detail.base == "BTC"
        title = str(detail.query_one("#detail-title", Static).render())
        assert title.startswith("BTC")
        venues_table = detail.query_one("#detail-venues", DataTable)
        btc = [q for q in sim.book.quotes() if q.base == "BTC"]
        assert venues_table.row_count == len(btc)
        hype = sim.quote("BTC", "sim:hyperliquid")
        row = [str(c) for c in venues_table.get_row(f"sim:hyperliquid|{hype.symbol}")]
        assert row[0] == "HYPE"
        assert row[1] == f"{hype.rate * 100:+.4f}%·1h"
        assert row[2] == f"{hype.rate * 100:+.5f}%"
        assert row[3] == f"{hype.rate * 8760 * 100:+.1f}%"
        assert hype.next_funding_ts is not None
        left = int((hype.next_funding_ts - sim.clock.now()).total_seconds())
        assert row[4] == f"{left // 60}m{left % 60:02d}s"
        assert row[5] == f"{hype.mark_price:f}"
        assert row[6] == "sim"
        assert row[7] == "–", "no ArbitrageScanner in sim mode"

        chart = detail.query_one(FundingHistoryChart)
        assert chart.signature is not None
        _, unit, series, _ = chart.signature
        assert unit == "APR %"
        assert isinstance(series, tuple)
        lines = {line.venue: line for line in series}
        assert set(lines) == {q.venue for q in btc}
        # Per hour on one axis: the newest point of each line is the book's current rate per
        # hour (annualised here), whether the venue settles every hour or every 8 hours.
        for venue in ("sim:hyperliquid", "sim:binance"):
            quote = sim.quote("BTC", venue)
            assert len(lines[venue].hours) >= 6
            expected = float(quote.rate) / quote.interval_hours * 8760 * 100
            assert lines[venue].values[-1] == pytest.approx(expected)
        # The settled history came from the venue: points before the book's first live one.
        assert min(lines["sim:hyperliquid"].hours) < -24
        await pilot.press("u")  # per interval: the chart stays per hour, comparable
        await pilot.pause()
        assert chart.signature[1] == "% per hour"


async def test_an_asset_opened_in_the_detail_panel_has_its_history_fetched_into_the_book(
    make_sim_desk: Callable[..., SimDesk],
) -> None:
    """The panel charts the history it fetched itself; the engine is asked for the same markets
    too, ahead of the listed legs, so the book (the predictor's history) holds their lookback."""
    sim = make_sim_desk(history_hours=24)
    async with sim.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        service = sim.engine.opportunities = OpportunityService(sim.engine)  # passes run by hand
        await sim.refresh(hours=2)
        await pilot.press("slash", *"BTC", "enter")
        sim.table.move_cursor(row=sim.table.order.index("BTC"))
        sim.screen.repaint()
        await pilot.pause()
        btc = [(q.venue, q.symbol) for q in sim.book.quotes() if q.base == "BTC"]
        assert set(service.history.due()[: len(btc)]) == set(btc)
        live = {key: sim.book.history(*key)[0][0] for key in btc}
        await service.history.run_pass(max_requests=len(btc), per_venue=len(btc))
        for key in btc:  # settled funding from before the desk started is in the book now
            assert service.history.loaded(*key)
            assert sim.book.history(*key)[0][0] < live[key] - timedelta(hours=12), key


async def test_enter_makes_the_detail_panel_taller_and_d_hides_it(desk: tuple[SimDesk, Pilot[None]]) -> None:
    sim, pilot = desk
    detail = sim.screen.query_one(FundingDetail)
    short = detail.size.height
    table = sim.table
    table.move_cursor(row=20)
    await pilot.press("enter")
    await pilot.pause()
    assert detail.size.height > short
    shown_rows = table.scrollable_content_region.height - table.header_height
    assert table.scroll_y <= table.cursor_row == 20 < table.scroll_y + shown_rows, "selection in view"
    await pilot.press("enter")
    await pilot.pause()
    assert detail.size.height == short
    await pilot.press("d")
    await pilot.pause()
    assert not detail.display
    await pilot.press("enter")
    await pilot.pause()
    assert detail.display


# -- marks and health --------------------------------------------------------------------------


def secondary(quote: BookQuote, rate: Decimal, at: Any) -> FundingRate:
    return FundingRate(
        venue=quote.venue,
        symbol=quote.symbol,
        rate=rate,
        interval_hours=quote.interval_hours,
        ts=at,
        source=FundingSource.SECONDARY,
    )


async def test_discrepancies_are_marked_counted_and_shown_side_by_side(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, pilot = desk
    btc = sim.quote("BTC", "sim:binance")
    eth = sim.quote("ETH", "sim:binance")
    now = sim.clock.now()
    sim.book.ingest(
        [
            secondary(btc, btc.rate, now),  # agrees
            secondary(eth, eth.rate + Decimal("0.002"), now),  # 0.2 % apart: far beyond tolerance
        ]
    )
    sim.screen.repaint()
    assert mark_of(sim.table.cell_text("BTC", "sim:binance")) == "="
    assert mark_of(sim.table.cell_text("ETH", "sim:binance")) == "!"
    status = str(sim.screen.query_one("#funding-status", Static).render())
    assert "1 disagree with ArbScanner (1 since start)" in status

    await pilot.press("slash", *"ETH", "enter")
    sim.table.move_cursor(row=sim.table.order.index("ETH"))
    sim.screen.repaint()
    venues_table = sim.screen.query_one("#detail-venues", DataTable)
    row = [str(c) for c in venues_table.get_row(f"sim:binance|{eth.symbol}")]
    assert row[1] == f"{eth.rate * 100:+.4f}%!8h"
    assert row[7] == f"{(eth.rate + Decimal('0.002')) * 100:+.4f}%/8h"
    assert "discrepancy" in row[8]


async def test_stale_rates_are_marked_and_the_venue_shows_stale_in_the_header(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, _ = desk
    strip = sim.screen.query_one(VenueHealthStrip)
    strip.show_lights(force=True)
    assert str(strip.render()) == "BIN BYB OKX GATE BITG KUC HYPE DYDX"
    sim.clock.advance(STALE_AFTER_S + 1)
    # Every venue but OKX answers again; OKX's rates age past data.stale_after_seconds.
    for venue in sim.market.venues():
        if venue.id != "sim:okx":
            sim.book.ingest(await venue.fetch_funding_rates())
    sim.screen.repaint()
    okx_assets = [b for b in sim.table.order if sim.table.cell_text(b, "sim:okx")]
    assert okx_assets
    assert all(mark_of(sim.table.cell_text(b, "sim:okx")) == "~" for b in okx_assets)
    assert mark_of(sim.table.cell_text("BTC", "sim:binance")) == "·"
    strip.show_lights(force=True)
    assert "OKX stale" in str(strip.render())
    assert "stale" in str(sim.screen.query_one("#funding-status", Static).render())


async def test_a_venue_that_is_down_is_visible_in_the_header_on_every_screen(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, pilot = desk
    sim.market.set_fault("sim:bybit", "disconnect")
    sim.clock.advance(10)
    await sim.refresh()
    await sim.refresh()  # two failures in a row: the venue is DOWN
    strip = sim.screen.query_one(VenueHealthStrip)
    strip.show_lights(force=True)
    assert "BYB DOWN" in str(strip.render())
    await pilot.press("4")
    await pilot.pause()
    other = sim.app.screen.query_one(VenueHealthStrip)
    await wait_until(pilot, lambda: "BYB DOWN" in str(other.render()), "the risk screen's header shows it")


async def test_the_health_strip_leaves_the_title_readable_at_140_columns(
    desk: tuple[SimDesk, Pilot[None]],
) -> None:
    sim, pilot = desk
    sim.market.set_fault("sim:okx", "disconnect")
    await sim.refresh()
    await sim.refresh()
    strip = sim.screen.query_one(VenueHealthStrip)
    strip.show_lights(force=True)
    await pilot.pause()
    assert len(strip.lights) == 8
    badges = sim.screen.query_one("#desk-badges")
    title = "NEXUS TUI — 1 Funding"
    icon = 8
    assert badges.region.right <= SIZE[0]
    assert badges.region.x >= icon + len(title), "the badges would cover the title"


async def test_time_alone_moves_countdowns_and_ages(desk: tuple[SimDesk, Pilot[None]]) -> None:
    sim, _ = desk
    quote = sim.quote("BTC", "sim:hyperliquid")
    assert quote.next_funding_ts is not None
    sim.clock.set(quote.next_funding_ts - timedelta(minutes=30, seconds=10))
    sim.screen._tick()
    assert sim.table.cell_text("BTC", "next") == "30m"
    sim.clock.advance(60)
    sim.screen._tick()
    assert sim.table.cell_text("BTC", "next") == "29m"

    # A second later only the detail panel's countdowns (to the second) move; the matrix waits.
    sim.table.move_cursor(row=sim.table.order.index("BTC"))
    sim.screen.repaint()
    venues_table = sim.screen.query_one("#detail-venues", DataTable)
    key = f"sim:hyperliquid|{quote.symbol}"
    assert str(venues_table.get_cell(key, "next")) == "29m10s"
    repaints = sim.table.repaints
    sim.clock.advance(1)
    sim.screen._tick()
    assert str(venues_table.get_cell(key, "next")) == "29m09s"
    assert sim.table.repaints == repaints
    sim.clock.advance(5)
    sim.screen._tick()
    assert sim.table.repaints == repaints + 1


# -- the picture -------------------------------------------------------------------------------


def test_snapshot_of_the_funding_screen(
    snap_compare: Callable[..., bool], make_sim_desk: Callable[..., SimDesk]
) -> None:
    """Six simulated hours on a day of settled history, BTC selected, one venue disagreeing with
    ArbitrageScanner on ETH. Review a changed picture, then accept it with --snapshot-update."""
    sim = make_sim_desk(history_hours=24)

    async def six_hours_later(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await sim.refresh(hours=6)
        eth = sim.quote("ETH", "sim:okx")
        sim.book.ingest([secondary(eth, eth.rate + Decimal("0.001"), sim.clock.now())])
        sim.table.move_cursor(row=sim.table.order.index("BTC"))
        sim.screen.repaint()
        await wait_for_history(pilot)
        # The header repaints its clock and strip once a real second: not a thing to wait for.
        sim.screen.query_one(VenueHealthStrip).show_lights(force=True)
        sim.screen.query_one(UtcClock).show_time()
        await pilot.pause()

    assert snap_compare(sim.app, run_before=six_hours_later, terminal_size=SIZE)


async def test_before_any_rate_the_status_says_whether_sources_are_failing(
    make_app: MakeApp, nexus_home: Path, desk_clock: ManualClock
) -> None:
    okx, gate = FakeVenue("sim:okx", [], desk_clock), FakeVenue("sim:gate", [], desk_clock)
    gate.fail = True

    def build(config: NexusConfig) -> Engine:
        bus = EventBus()
        book = FundingBook(desk_clock, bus=bus)
        engine = Engine(mode="sim", clock=desk_clock, venues=[okx, gate], bus=bus, funding_book=book)  # type: ignore[list-item]
        refresher = FundingRefresher(book, desk_clock)
        refresher.add_venue(okx)  # type: ignore[arg-type]
        refresher.add_venue(gate)  # type: ignore[arg-type]
        engine.funding_refresher = refresher  # not started: refreshed by hand
        return engine

    vault = Vault.create(nexus_home, PASSWORD, NexusConfig(ui=UIConfig(repaint_interval_ms=5000)))
    app = make_app(vault=vault, engine_factory=build)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FundingScreen) and screen.engine is not None
        refresher = screen.engine.funding_refresher
        assert refresher is not None

        async def status() -> str:
            await refresher.refresh_all()
            screen.repaint()
            await pilot.pause()
            return str(screen.query_one("#funding-status", Static).render())

        assert "no funding rates yet: 1 of 2 sources failing so far (6 Events)" in await status()
        okx.fail = True
        assert "no funding rates: none of the 2 sources answers (6 Events says why)" in await status()
        okx.fail = gate.fail = False
        assert "no funding rates yet: waiting for the venues' first answer" in await status()
