"""The paper desk end to end on recorded exchange answers: config -> bootstrap -> CcxtVenue -> ccxt
-> (recorded HTTP) -> FundingRefresher -> FundingBook <- ArbitrageScanner -> the Funding screen.

The offline half of issue 4's "Done when": the same path a user's `nexus-tui` takes in paper mode,
with every HTTP answer taken from tests/fixtures (tests/ui/recorded_desk.py says which answers are
captured and which are made) and no socket opened (tests/ui/recorded_web.py). Time is a
SteppedClock: the desk moves only when the test advances it, one refresh interval at a time.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import SteppedClock
from nexus_tui.core.models import FundingSource, HealthState
from nexus_tui.engine import Engine
from nexus_tui.ui.app import NexusApp
from nexus_tui.ui.widgets.venue_health_strip import Light, VenueHealthStrip
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import CircuitState
from tests.ui.conftest import PASSWORD, SIZE, FundingDeskView, settle, wait_until
from tests.ui.recorded_desk import (
    BINANCE_HOST,
    DYDX_HOST,
    HYPERLIQUID_HOST,
    ScannerEntry,
    VenueAnswers,
    by_id,
    dydx_markets,
    hyperliquid_meta,
    next_hour,
    premium_index,
    record_scanner,
    record_venues,
    recorded_engine_factory,
    scanner_table,
    user_config,
)
from tests.ui.recorded_web import RecordedWeb
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT, binance_symbol

STEP_S = 5.0  # data.exchange_refresh_seconds and arbitragescanner.refresh_seconds (defaults)
TOLERANCE = Decimal("0.0005")  # data.arbitragescanner.tolerance (default): 0.05 % per interval

# The recorded numbers the assertions are about, read from the captures themselves.
BINANCE = by_id(premium_index(), "symbol")
_META, _CONTEXTS = hyperliquid_meta()
HYPERLIQUID = {asset["name"]: ctx for asset, ctx in zip(_META["universe"], _CONTEXTS, strict=True)}
DYDX = dydx_markets()["markets"]


def binance_rate(market_id: str) -> Decimal:
    return Decimal(BINANCE[market_id]["lastFundingRate"])


def hyperliquid_rate(coin: str) -> Decimal:
    return Decimal(HYPERLIQUID[coin]["funding"])


def dydx_rate(ticker: str) -> Decimal:
    return Decimal(DYDX[ticker]["nextFundingRate"])


# ArbitrageScanner's answer: agreeing exactly, agreeing within the tolerance, and disagreeing.
ETH_BINANCE_OFF = Decimal("0.0008")  # 0.08 % per 8 h: beyond the 0.05 % tolerance
ETH_HYPERLIQUID_OFF = Decimal("0.0003")  # 0.03 % per hour: within it
BYBIT_BTC = Decimal("0.0001")  # bybit is not enabled: ArbitrageScanner alone lists it


def scanner_entries() -> list[ScannerEntry]:
    settles_at = BINANCE_CAPTURE_AT.replace(hour=16, minute=0, second=0)  # the capture's nextFundingTime
    hourly = next_hour(BINANCE_CAPTURE_AT)
    return [
        ScannerEntry("BTC", "binance_futures", "BTCUSDT", binance_rate("BTCUSDT"), settles_at),
        ScannerEntry("BTC", "hyperliquid", "BTC", hyperliquid_rate("BTC"), hourly),
        ScannerEntry("BTC", "dydx", "BTC-USD", dydx_rate("BTC-USD"), hourly),
        ScannerEntry("BTC", "bybit_futures", "BTCUSDT", BYBIT_BTC, settles_at),
        ScannerEntry(
            "ETH", "binance_futures", "ETHUSDT", binance_rate("ETHUSDT") + ETH_BINANCE_OFF, settles_at
        ),
        ScannerEntry("ETH", "hyperliquid", "ETH", hyperliquid_rate("ETH") + ETH_HYPERLIQUID_OFF, hourly),
        ScannerEntry("ETH", "dydx", "ETH-USD", dydx_rate("ETH-USD"), hourly),
    ]


@dataclass
class RecordedDesk(FundingDeskView):
    app: NexusApp
    clock: SteppedClock
    web: RecordedWeb
    answers: VenueAnswers
    engines: list[Engine]

    def venue(self, venue_id: str) -> CcxtVenue:
        venue = self.engine.venues[venue_id]
        assert isinstance(venue, CcxtVenue)
        return venue

    def pass_done(self) -> bool:
        """Every feed that was due has landed (a feed's next due time moves only when it does)."""
        refresher = self.engine.funding_refresher
        assert refresher is not None
        now_s = self.clock.now().timestamp()
        return all(feed.next_due_s > now_s for feed in refresher.feeds.values())

    async def step(self, pilot: Pilot[None], seconds: float = STEP_S) -> None:
        """Move the desk clock on by one refresh interval, let the due feeds land, repaint."""
        self.clock.advance(seconds)
        await wait_until(pilot, self.pass_done, f"the refresh due at {self.clock.now():%H:%M:%S}")
        await pilot.pause()
        self.screen.repaint()
        self.screen.query_one(VenueHealthStrip).show_lights(force=True)

    def cell(self, base: str, venue: str) -> str:
        return self.table.cell_text(base, venue)

    def detail_line(self, venue: str, symbol: str) -> list[str]:
        venues_table = self.screen.query_one("#detail-venues", DataTable)
        return [str(cell) for cell in venues_table.get_row(f"{venue}|{symbol}")]

    def select(self, base: str) -> None:
        self.table.move_cursor(row=self.table.order.index(base))
        self.screen.repaint()


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> RecordedWeb:
    recorded = RecordedWeb()
    recorded.install(monkeypatch)
    return recorded


@pytest.fixture
async def desk(nexus_home: Path, web: RecordedWeb) -> AsyncIterator[tuple[RecordedDesk, Pilot[None]]]:
    clock = SteppedClock(BINANCE_CAPTURE_AT)
    answers = VenueAnswers(clock)
    record_venues(web, answers)
    record_scanner(web, scanner_table(scanner_entries()))
    engines: list[Engine] = []
    vault = Vault.create(nexus_home, PASSWORD, user_config(rate_display="per_interval"))
    app = NexusApp(
        nexus_home, clock=clock, engine_factory=recorded_engine_factory(clock, engines), vault=vault
    )
    recorded = RecordedDesk(app, clock, web, answers, engines)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # the first pass runs at once; the second has ArbitrageScanner's rows read against the
        # intervals the venues reported in the first
        await wait_until(pilot, recorded.pass_done, "the first refresh")
        await recorded.step(pilot)
        yield recorded, pilot


# -- reading a cell ------------------------------------------------------------------------------

_CELL = re.compile(r"([+-]\d+\.\d{4})%(.)(\d+)h$")


def per_interval(rate: Decimal) -> str:
    return f"{rate * 100:+.4f}"


def cell_parts(cell: str) -> tuple[str, str, int]:
    """(rate in percent as shown, mark, interval hours) of a per-interval matrix cell."""
    found = _CELL.match(cell)
    assert found, f"not a per-interval cell: {cell!r}"
    return found.group(1), found.group(2), int(found.group(3))


def expected_bases() -> set[str]:
    bases = {s.split("/")[0] for s in (binance_symbol(r["symbol"]) for r in BINANCE.values()) if s}
    bases |= {name.upper() for name in HYPERLIQUID}
    bases |= {ticker.split("-")[0] for ticker in DYDX}
    return bases


# -- the tests -----------------------------------------------------------------------------------

# What the desk's other services ask for that nobody recorded (see recorded_web.NoRecording):
# server time (latency probe), tickers and order books (opportunities), settled funding (history).
_UNRECORDED_ASKS = re.compile(
    r"^(fapi\.binance\.com /fapi/v1/(time|ticker/24hr|depth|fundingRate)"
    r"|api\.hyperliquid\.xyz /info (exchangeStatus|l2Book|fundingHistory)"
    r"|indexer\.dydx\.trade /v4/(time|orderbooks/perpetualMarket/\S+|historicalFunding/\S+))$"
)


def unexpected_unrecorded(web: RecordedWeb) -> list[str]:
    asked = (
        f"{r.host} {r.path}" + (f" {r.fields['type']}" if "type" in r.fields else "") for r in web.unrecorded
    )
    return [label for label in asked if not _UNRECORDED_ASKS.match(label)]


async def test_recorded_rates_reach_the_funding_screen_with_discovered_intervals_and_scanner_marks(
    desk: tuple[RecordedDesk, Pilot[None]],
) -> None:
    d, _ = desk
    assert d.engine.mode == "paper"
    assert sorted(d.engine.venues) == ["binanceusdm", "dydx", "hyperliquid"]
    # every funding request was answered from a recording; what was not recorded is off that path
    assert unexpected_unrecorded(d.web) == []
    assert len(d.web.requests_to(BINANCE_HOST, "/fapi/v1/premiumIndex")) == 2

    # One row per base asset the captures list, but for Hyperliquid's PURR (testnet, 4 % an hour),
    # which the anomaly guard keeps off the screen.
    assert HYPERLIQUID["PURR"]["funding"] == "0.04"
    assert set(d.table.order) == expected_bases() - {"PURR"}
    rejected = [r.reason for _, r in d.book.recent_rejections if r.symbol == "PURR/USDC:USDC"]
    assert rejected and rejected[0].startswith("rate out of range")

    # Intervals as each venue told them: Binance 8 h, UXLINK 4 h (its interval listing),
    # Hyperliquid 1 h (the rate row), dYdX 1 h (the spacing of its settled funding).
    headers = {str(key.value): str(column.label) for key, column in d.table.columns.items()}
    assert headers["binanceusdm"].endswith("8h 4h")
    assert headers["hyperliquid"].endswith("\n1h") and headers["dydx"].endswith("\n1h")
    assert cell_parts(d.cell("UXLINK", "binanceusdm")) == (per_interval(binance_rate("UXLINKUSDT")), "·", 4)
    assert cell_parts(d.cell("SOL", "binanceusdm")) == (per_interval(binance_rate("SOLUSDT")), "·", 8)
    assert cell_parts(d.cell("SOL", "hyperliquid")) == (per_interval(hyperliquid_rate("SOL")), "·", 1)
    assert cell_parts(d.cell("SOL", "dydx")) == (per_interval(dydx_rate("SOL-USD")), "·", 1)
    eight_hourly = [b for b in d.table.order if d.cell(b, "binanceusdm") and b != "UXLINK"]
    assert len(eight_hourly) > 300 and all(cell_parts(d.cell(b, "binanceusdm"))[2] == 8 for b in eight_hourly)

    # ArbitrageScanner: the same rate validates ("="), within 0.05 % still agrees, beyond it
    # disagrees ("!", the venue's number kept), and a venue we do not poll is its alone ("s").
    assert cell_parts(d.cell("BTC", "binanceusdm")) == (per_interval(binance_rate("BTCUSDT")), "=", 8)
    assert cell_parts(d.cell("BTC", "hyperliquid")) == (per_interval(hyperliquid_rate("BTC")), "=", 1)
    assert cell_parts(d.cell("BTC", "dydx")) == (per_interval(dydx_rate("BTC-USD")), "=", 1)
    assert ETH_HYPERLIQUID_OFF < TOLERANCE < ETH_BINANCE_OFF
    assert cell_parts(d.cell("ETH", "hyperliquid")) == (per_interval(hyperliquid_rate("ETH")), "=", 1)
    assert cell_parts(d.cell("ETH", "binanceusdm")) == (per_interval(binance_rate("ETHUSDT")), "!", 8)
    assert cell_parts(d.cell("BTC", "bybit")) == (per_interval(BYBIT_BTC), "s", 8)
    status = str(d.screen.query_one("#funding-status", Static).render())
    assert "1 disagree with ArbScanner (1 since start)" in status

    # The detail panel puts the two sources side by side.
    d.select("ETH")
    eth = d.detail_line("binanceusdm", "ETH/USDT:USDT")
    scanner_eth = binance_rate("ETHUSDT") + ETH_BINANCE_OFF
    assert eth[1] == f"{per_interval(binance_rate('ETHUSDT'))}%!8h"
    assert eth[5] == f"{Decimal(BINANCE['ETHUSDT']['markPrice']):f}"
    assert eth[6] == "venue"
    assert eth[7] == f"{per_interval(scanner_eth)}%/8h"
    assert "discrepancy" in eth[8]
    near = d.detail_line("hyperliquid", "ETH/USDC:USDC")
    assert near[1] == f"{per_interval(hyperliquid_rate('ETH'))}%=1h"
    assert near[7] == f"{per_interval(hyperliquid_rate('ETH') + ETH_HYPERLIQUID_OFF)}%/1h"
    assert near[8] == "validated"
    d.select("BTC")
    btc = d.detail_line("dydx", "BTC/USDC:USDC")
    assert btc[1] == f"{per_interval(dydx_rate('BTC-USD'))}%=1h"
    assert btc[7] == f"{per_interval(dydx_rate('BTC-USD'))}%/1h"
    assert btc[4] == "–", "the dYdX indexer gives no next settlement, and none is guessed"


async def test_a_venue_that_goes_down_turns_degraded_while_the_others_carry_on(
    desk: tuple[RecordedDesk, Pilot[None]],
) -> None:
    d, pilot = desk
    dydx = d.venue("dydx")
    assert dydx.health().state is HealthState.OK

    # dYdX's transport starts refusing connections; Binance and Hyperliquid answer with new rates.
    d.web.go_down(DYDX_HOST)
    d.answers.binance_rates["BTCUSDT"] = "0.00020000"
    d.answers.hyperliquid_funding["BTC"] = "-0.00040000"
    binance_asked = len(d.web.requests_to(BINANCE_HOST, "/fapi/v1/premiumIndex"))
    hyperliquid_asked = len(d.web.requests_to(HYPERLIQUID_HOST, "/info"))
    went_down_at = d.clock.now()
    steps = 0
    while dydx.guard.circuit is CircuitState.CLOSED:
        assert steps < 30, "dYdX's circuit never opened"
        await d.step(pilot)
        steps += 1
        # every pass the others answer: their rows never age
        assert cell_parts(d.cell("BTC", "binanceusdm"))[1] != "~"
        assert cell_parts(d.cell("BTC", "hyperliquid"))[1] != "~"
    # five failed refreshes, backing off 5, 10, 20, 40 s: the circuit opens 80 s into the outage
    assert d.clock.now() - went_down_at == timedelta(seconds=80)

    health = dydx.health()
    assert health.state is HealthState.DEGRADED and health.consecutive_failures == 5
    assert health.message.startswith("circuit open: fetch_funding_rates: unreachable")
    assert health.last_ok is not None and health.last_ok <= went_down_at  # nothing heard since
    assert d.book.is_venue_down("dydx")
    assert {v: d.venue(v).health().state for v in ("binanceusdm", "hyperliquid")} == {
        "binanceusdm": HealthState.OK,
        "hyperliquid": HealthState.OK,
    }

    # The header: the venue's adapter says DEGRADED (circuit open), and so does the strip (the
    # book's "funding API down" is degraded too; DOWN is kept for a lasting outage), with the
    # adapter's reason in its tooltip.
    strip = d.screen.query_one(VenueHealthStrip)
    lights = {light.venue: light.light for light in strip.lights}
    assert lights["dydx"] is Light.DEGRADED
    assert lights["binanceusdm"] is Light.OK and lights["hyperliquid"] is Light.OK
    assert "BIN HYPE DYDX deg" in str(strip.render())
    assert "dydx: DEGRADED (circuit open: fetch_funding_rates: unreachable" in str(strip.tooltip)

    # dYdX's rows: ArbitrageScanner's rate stands in where it has one ("f"); where it has none
    # (SOL) the venue's last rate stays, marked stale ("~").
    assert cell_parts(d.cell("BTC", "dydx")) == (per_interval(dydx_rate("BTC-USD")), "f", 1)
    assert cell_parts(d.cell("ETH", "dydx")) == (per_interval(dydx_rate("ETH-USD")), "f", 1)
    assert cell_parts(d.cell("SOL", "dydx")) == (per_interval(dydx_rate("SOL-USD")), "~", 1)
    d.select("BTC")
    line = d.detail_line("dydx", "BTC/USDC:USDC")
    assert line[6] == "arbscan"
    assert {"fallback", "venue_down"} <= set(line[8].split(","))
    fallback = d.book.quote("dydx", "BTC/USDC:USDC")
    assert fallback is not None and fallback.source is FundingSource.SECONDARY

    # The others carried on: their next answers (new rates) are on the screen, still validated
    # by ArbitrageScanner (both within 0.05 % of its unchanged rates).
    assert len(d.web.requests_to(BINANCE_HOST, "/fapi/v1/premiumIndex")) >= binance_asked + steps
    assert len(d.web.requests_to(HYPERLIQUID_HOST, "/info")) >= hyperliquid_asked + steps
    assert cell_parts(d.cell("BTC", "binanceusdm")) == ("+0.0200", "=", 8)
    assert cell_parts(d.cell("BTC", "hyperliquid")) == ("-0.0400", "=", 1)
    assert cell_parts(d.cell("ETH", "binanceusdm"))[1] == "!"
    assert unexpected_unrecorded(d.web) == []
