"""`nexus-tui doctor` against fake venues: one line per venue, exit 0 only when all are fine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from typer.testing import CliRunner

from nexus_tui import bootstrap
from nexus_tui.cli import app
from nexus_tui.core.clock import Clock, ManualClock
from nexus_tui.core.errors import BadInput, MalformedResponse, VenueError, VenueUnavailable
from nexus_tui.core.models import Balance, FundingRate, MarketInfo, MarketKind, VenueHealth
from nexus_tui.doctor import CheckStatus, DoctorReport, doctor_from_config, parse_venue_list, run_doctor
from nexus_tui.venues.arbitragescanner import ScanResult


def market(symbol: str, kind: MarketKind = MarketKind.PERP) -> MarketInfo:
    base, _, rest = symbol.partition("/")
    quote, _, settle = rest.partition(":")
    return MarketInfo(
        venue="x",
        symbol=symbol,
        base=base,
        quote=quote,
        settle=settle or None,
        kind=kind,
        price_tick=Decimal("0.1"),
        amount_step=Decimal("0.001"),
        min_amount=Decimal("0.001"),
    )


MARKETS = {
    "BTC/USDT:USDT": market("BTC/USDT:USDT"),
    "ETH/USDT:USDT": market("ETH/USDT:USDT"),
    "BTC/USDT": market("BTC/USDT", MarketKind.SPOT),
}


class FakeVenue:
    """Just what the doctor asks of a Venue; each answer (or failure) is set per test."""

    def __init__(
        self,
        venue_id: str,
        clock: Clock,
        *,
        rtt_ms: float = 60,
        skew_ms: float = 0,
        server_time_error: BaseException | None = None,
        markets: Mapping[str, MarketInfo] = MARKETS,
        markets_error: BaseException | None = None,
        keys: bool = False,
        balances_error: BaseException | None = None,
    ) -> None:
        self._id = venue_id
        self.clock = clock
        self.rtt_ms = rtt_ms
        self.skew_ms = skew_ms
        self.server_time_error = server_time_error
        self.markets = markets
        self.markets_error = markets_error
        self.keys = keys
        self.balances_error = balances_error
        self.closed = False

    @property
    def id(self) -> str:
        return self._id

    @property
    def has_private(self) -> bool:
        return self.keys

    async def fetch_server_time(self) -> datetime:
        if self.server_time_error is not None:
            raise self.server_time_error
        if isinstance(self.clock, ManualClock):
            self.clock.advance(self.rtt_ms / 2000)  # the request travels ...
        server = self.clock.now() + timedelta(milliseconds=self.skew_ms)
        if isinstance(self.clock, ManualClock):
            self.clock.advance(self.rtt_ms / 2000)  # ... and the answer comes back
        return server

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        if self.markets_error is not None:
            raise self.markets_error
        return self.markets

    async def fetch_balances(self) -> list[Balance]:
        if self.balances_error is not None:
            raise self.balances_error
        return [Balance(self._id, "USDT", Decimal(1000), Decimal(1000))]

    def health(self) -> VenueHealth:
        return VenueHealth(self._id)

    async def close(self) -> None:
        self.closed = True


class ReportsPermissions(FakeVenue):
    def __init__(self, *args: Any, withdraw: bool | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.withdraw = withdraw

    async def fetch_key_permissions(self) -> Mapping[str, bool | None]:
        return {"trade": True, "withdraw": self.withdraw}


class Hangs(FakeVenue):
    async def fetch_server_time(self) -> datetime:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def statuses(report: DoctorReport, venue: str) -> dict[str, CheckStatus]:
    (one,) = [v for v in report.venues if v.venue == venue]
    return {c.name: c.status for c in one.checks}


async def test_one_reachable_one_down(clock: ManualClock) -> None:
    good = FakeVenue("binanceusdm", clock, rtt_ms=84, skew_ms=12)
    bad = FakeVenue("bybit", clock, server_time_error=VenueUnavailable("bybit", "connection refused"))
    report = await run_doctor([good, bad], clock)

    assert not report.ok
    ok_line, fail_line = report.as_text().splitlines()
    assert (
        ok_line == "ok    binanceusdm 42 ms · skew +12 ms · 3 markets (2 perps) · no keys: public data only"
    )
    assert fail_line == "FAIL  bybit       unreachable: connection refused"
    assert statuses(report, "bybit") == {
        "reachable": CheckStatus.FAIL,
        "markets": CheckStatus.SKIP,
        "keys": CheckStatus.SKIP,
    }
    good_report = report.venues[0]
    assert good_report.ok and good_report.reason == ""
    assert good_report.latency_ms == pytest.approx(84)
    assert good_report.clock_skew_ms == pytest.approx(12)
    assert (good_report.markets, good_report.perps) == (3, 2)


async def test_the_venues_own_unreachable_reason_is_not_said_twice(clock: ManualClock) -> None:
    reason = (
        "unreachable (fetch_time): GET https://www.okx.com/api/v5/public/time: "
        "[Errno -2] Name or service not known"
    )
    venue = FakeVenue("okx", clock, server_time_error=VenueUnavailable("okx", reason))
    report = await run_doctor([venue], clock)
    assert report.as_text() == f"FAIL  okx {reason}"


async def test_a_hanging_venue_times_out_without_holding_up_the_others(clock: ManualClock) -> None:
    report = await run_doctor([Hangs("okx", clock), FakeVenue("gate", clock)], clock, timeout_s=0.01)
    assert report.venues[0].reason == "unreachable: timeout after 0.01s"
    assert report.venues[1].ok


async def test_an_unexpected_error_is_one_line_not_a_traceback(clock: ManualClock) -> None:
    venue = FakeVenue("okx", clock, markets_error=RuntimeError("boom\n  at line 3"))
    report = await run_doctor([venue], clock)
    assert report.venues[0].reason == "markets not loaded: RuntimeError: boom at line 3"
    assert "\n" not in report.as_text()


async def test_clock_skew_over_a_second_fails(clock: ManualClock) -> None:
    report = await run_doctor([FakeVenue("okx", clock, skew_ms=-1800)], clock)
    assert not report.ok
    assert report.venues[0].reason.startswith("clock skew -1800 ms (> 1000): signed requests will be refused")


async def test_slow_is_a_warning_not_a_failure(clock: ManualClock) -> None:
    report = await run_doctor([FakeVenue("hyperliquid", clock, rtt_ms=700)], clock)
    assert report.ok
    assert statuses(report, "hyperliquid")["latency"] is CheckStatus.WARN
    assert report.as_text().startswith("warn  hyperliquid slow: 350 ms one way (> 200)")


async def test_no_server_time_falls_back_to_markets_for_reachability(clock: ManualClock) -> None:
    no_time = FakeVenue(
        "extended", clock, server_time_error=VenueError("extended", "fetch_time is not supported")
    )
    report = await run_doctor([no_time], clock)
    assert report.ok
    assert statuses(report, "extended") == {
        "clock": CheckStatus.WARN,
        "markets": CheckStatus.OK,
        "keys": CheckStatus.SKIP,
    }
    both_broken = FakeVenue(
        "lighter",
        clock,
        server_time_error=MalformedResponse("lighter", "server time 'soon' is not a timestamp"),
        markets_error=MalformedResponse("lighter", "markets answer is not a list"),
    )
    report = await run_doctor([both_broken], clock)
    assert report.venues[0].reason == "unreachable: server time 'soon' is not a timestamp"


async def test_no_perpetuals_fails(clock: ManualClock) -> None:
    spot_only = {"BTC/USDT": market("BTC/USDT", MarketKind.SPOT)}
    report = await run_doctor([FakeVenue("gate", clock, markets=spot_only)], clock)
    assert report.venues[0].reason == "no perpetual markets among 1 loaded"


async def test_keys(clock: ManualClock) -> None:
    venues = [
        ReportsPermissions("binanceusdm", clock, keys=True, withdraw=False),
        ReportsPermissions("bybit", clock, keys=True, withdraw=True),
        ReportsPermissions("okx", clock, keys=True, withdraw=None),
        FakeVenue("gate", clock, keys=True),
        FakeVenue("bitget", clock, keys=True, balances_error=VenueError("bitget", "API key rejected")),
    ]
    report = await run_doctor(venues, clock)
    by_venue = {v.venue: v for v in report.venues}
    assert by_venue["binanceusdm"].ok
    assert "keys valid · no withdrawal permission" in by_venue["binanceusdm"].line()
    assert (
        by_venue["bybit"].reason == "this API key can WITHDRAW funds: remove that permission on the exchange"
    )
    assert by_venue["okx"].ok and statuses(report, "okx")["withdraw"] is CheckStatus.SKIP
    assert by_venue["gate"].ok and statuses(report, "gate")["withdraw"] is CheckStatus.SKIP
    assert by_venue["bitget"].reason == "keys refused: API key rejected"
    assert not report.ok


async def test_venue_selection(clock: ManualClock) -> None:
    venues = [FakeVenue("sim:binance", clock), FakeVenue("sim:bybit", clock), FakeVenue("okx", clock)]
    report = await run_doctor(venues, clock, only=["okx", "binance", "sim:binance"])
    assert [v.venue for v in report.venues] == ["okx", "sim:binance"]
    with pytest.raises(
        BadInput, match="unknown venue 'kraken'; configured venues: sim:binance, sim:bybit, okx"
    ):
        await run_doctor(venues, clock, only=["kraken"])
    assert parse_venue_list(" bybit, okx ,,") == ["bybit", "okx"]
    assert parse_venue_list("") is None


async def test_nothing_to_check_is_not_fine(clock: ManualClock) -> None:
    report = await run_doctor([], clock)
    assert not report.ok
    assert "no venues to check" in report.as_text()


async def test_json_report(clock: ManualClock) -> None:
    good = FakeVenue("binanceusdm", clock, rtt_ms=50.04)
    bad = FakeVenue("bybit", clock, server_time_error=VenueUnavailable("bybit", "HTTP 503"))
    doc = json.loads(json.dumps((await run_doctor([good, bad], clock)).as_json()))
    assert doc["ok"] is False
    assert doc["as_of"] == "2026-01-01T00:00:00.000Z"
    first, second = doc["venues"]
    assert first["venue"] == "binanceusdm" and first["ok"] is True
    assert first["latency_ms"] == 50.0 and first["markets"] == 3 and first["perps"] == 2
    assert {"name": "markets", "status": "ok", "detail": "3 markets (2 perps)"} in first["checks"]
    assert second == {
        "venue": "bybit",
        "ok": False,
        "reason": "unreachable: HTTP 503",
        "latency_ms": None,
        "clock_skew_ms": None,
        "markets": None,
        "perps": None,
        "checks": [
            {"name": "reachable", "status": "fail", "detail": "unreachable: HTTP 503"},
            {"name": "markets", "status": "skip", "detail": "skipped: unreachable"},
            {"name": "keys", "status": "skip", "detail": "skipped: unreachable"},
        ],
    }


# -- the command ---------------------------------------------------------------------------------


@pytest.fixture
def fake_wiring(monkeypatch: pytest.MonkeyPatch) -> list[FakeVenue]:
    """bootstrap.make_venues answering with one reachable and one unreachable venue."""
    built: list[FakeVenue] = []

    def make_venues(config: Any, clock: Clock, **_: Any) -> bootstrap.MarketWiring:
        assert config is None  # no vault in the test home: the defaults
        venues = [
            FakeVenue("binanceusdm", clock),  # the command's own (system) clock: no skew
            FakeVenue("bybit", clock, server_time_error=VenueUnavailable("bybit", "timeout (fetch_time)")),
        ]
        built.extend(venues)
        return bootstrap.MarketWiring(cast(Any, venues))  # the doctor needs only part of the port

    monkeypatch.setattr(bootstrap, "make_venues", make_venues)
    return built


def test_cli_exit_codes_and_lines(fake_wiring: list[FakeVenue]) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("ok    binanceusdm ")
    assert lines[1] == "FAIL  bybit       unreachable: timeout (fetch_time)"
    assert "Traceback" not in result.output
    assert all(v.closed for v in fake_wiring)

    result = runner.invoke(app, ["doctor", "--venues", "binanceusdm"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == 1


def test_cli_json(fake_wiring: list[FakeVenue]) -> None:
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert [(v["venue"], v["ok"]) for v in doc["venues"]] == [("binanceusdm", True), ("bybit", False)]


def test_cli_unknown_venue_is_bad_usage(fake_wiring: list[FakeVenue]) -> None:
    result = CliRunner().invoke(app, ["doctor", "--venues", "kraken"])
    assert result.exit_code == 2
    assert result.output.strip().endswith("unknown venue 'kraken'; configured venues: binanceusdm, bybit")
    assert "Traceback" not in result.output


# -- sim mode: the simulated market's own venues ----------------------------------------------

SIM_VENUES = ["binance", "bybit", "okx", "gate", "bitget", "kucoin", "hyperliquid", "dydx"]


def test_cli_in_sim_mode_checks_the_simulated_venues() -> None:
    """No vault in the home: the defaults, i.e. sim mode, whose venues bootstrap builds."""
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[1] for line in lines] == [f"sim:{name}" for name in SIM_VENUES]
    for line in lines:
        assert line.startswith("ok    sim:")
        assert " ms · skew " in line and " perps) · simulated account, no keys needed" in line

    result = CliRunner().invoke(app, ["doctor", "--venues", "okx,sim:dydx", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert [v["venue"] for v in doc["venues"]] == ["sim:okx", "sim:dydx"]
    for venue in doc["venues"]:
        assert venue["ok"] and venue["perps"] > 0 and venue["latency_ms"] is not None
        assert [c["name"] for c in venue["checks"]] == ["latency", "clock", "markets", "keys"]


async def test_a_simulated_account_that_does_not_answer_fails(clock: ManualClock) -> None:
    venues = [
        FakeVenue("sim:okx", clock, keys=True),
        FakeVenue("sim:gate", clock, keys=True, balances_error=VenueUnavailable("sim:gate", "disconnect")),
    ]
    report = await run_doctor(venues, clock)
    assert report.venues[0].ok and statuses(report, "sim:okx")["keys"] is CheckStatus.OK
    assert "withdraw" not in statuses(report, "sim:okx")  # nothing to withdraw from a simulation
    assert report.venues[1].reason == "simulated account did not answer: disconnect"


async def test_doctor_builds_the_desks_simulated_market(
    monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    from nexus_tui.config.schema import NexusConfig

    seeds: list[int] = []
    real = bootstrap.make_venues

    def make_venues(config: Any, clock: Clock, **kwargs: Any) -> bootstrap.MarketWiring:
        seeds.append(kwargs["seed"])
        return real(config, clock, **kwargs)

    monkeypatch.setattr(bootstrap, "make_venues", make_venues)
    config = NexusConfig.model_validate({"data": {"sim": {"seed": 11}}})
    report = await doctor_from_config(config, clock=clock, only=["bybit"])
    assert seeds == [11]  # the same market the desk runs for this config
    assert [v.venue for v in report.venues] == ["sim:bybit"] and report.ok


# -- the secondary funding source ----------------------------------------------------------------


class FakeScanner:
    def __init__(self, *, rows: int = 14, dropped: int = 0, error: BaseException | None = None) -> None:
        self.rows, self.dropped, self.error = rows, dropped, error
        self.closed = False

    async def fetch_funding(self) -> ScanResult:
        if self.error is not None:
            raise self.error
        row = FundingRate("bybit", "BTC/USDT:USDT", Decimal("0.0001"), 8, ManualClock().now())
        return ScanResult(ManualClock().now(), [row] * self.rows, self.dropped, {"bad rate": self.dropped})

    async def fetch_exchanges(self) -> list[str]:
        return ["binance_futures", "bybit_futures"]

    async def close(self) -> None:
        self.closed = True


async def test_the_secondary_source_gets_its_own_line(clock: ManualClock) -> None:
    venues = [FakeVenue("bybit", clock)]
    report = await run_doctor(venues, clock, secondary=FakeScanner(dropped=2))
    assert report.ok
    line = report.as_text().splitlines()[1]
    assert line.startswith("warn  arbitragescanner funding table 14 rows, 2 dropped · 2 exchanges listed")

    down = FakeScanner(error=VenueUnavailable("arbitragescanner", "HTTP 503"))
    report = await run_doctor(venues, clock, secondary=down)
    assert not report.ok
    assert report.venues[1].line() == "FAIL  arbitragescanner unreachable: HTTP 503"

    report = await run_doctor(venues, clock, secondary=FakeScanner(), only=["arbitragescanner"])
    assert [v.venue for v in report.venues] == ["arbitragescanner"]
    report = await run_doctor(venues, clock, secondary=FakeScanner(rows=0, dropped=9))
    assert report.venues[1].reason == "funding table 0 rows, 9 dropped: nothing usable"


async def test_doctor_from_config_checks_the_configured_scanner(
    monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from nexus_tui.config.schema import NexusConfig
    from tests.conftest import FIXTURES

    folder = FIXTURES / "arbitragescanner"

    async def table(_: web.Request) -> web.Response:
        return web.Response(
            body=(folder / "funding_table.json").read_bytes(), content_type="application/json"
        )

    async def registry(_: web.Request) -> web.Response:
        return web.Response(status=502)

    server_app = web.Application()
    server_app.router.add_get("/table", table)
    server_app.router.add_get("/exchanges", registry)
    server = TestServer(server_app, host="127.0.0.1")
    await server.start_server()
    built: list[FakeVenue] = []

    def make_venues(config: Any, clock: Clock, **_: Any) -> bootstrap.MarketWiring:
        built.append(FakeVenue("bybit", clock))
        return bootstrap.MarketWiring(cast(Any, built))

    monkeypatch.setattr(bootstrap, "make_venues", make_venues)
    config = NexusConfig.model_validate(
        {
            "trading": {"mode": "paper"},
            "data": {
                "arbitragescanner": {
                    "funding_table_url": str(server.make_url("/table")),
                    "exchanges_url": str(server.make_url("/exchanges")),
                }
            },
        }
    )
    try:
        report = await doctor_from_config(config, clock=clock)
    finally:
        await server.close()
    assert report.ok
    scanner = report.venues[1]
    assert scanner.venue == "arbitragescanner"
    assert [c.detail for c in scanner.checks] == [
        "funding table 14 rows",
        "exchange registry: HTTP 502",
    ]
    assert built[0].closed
