"""ArbitrageScannerClient over HTTP (an aiohttp server on 127.0.0.1 answering from the fixtures),
the secondary feed, and its place in the engine's funding refresh."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import MalformedResponse, VenueUnavailable
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import FundingRate, FundingSource, HealthState
from nexus_tui.market.funding_book import FLAG_SECONDARY, FLAG_VALIDATED, FundingBook
from nexus_tui.market.refresh import FundingRefresher
from nexus_tui.venues.arbitragescanner import (
    INTERVAL_ASSUMED,
    SOURCE_ID,
    ArbitrageScannerClient,
    SecondaryFundingFeed,
    primary_interval_lookup,
)
from nexus_tui.venues.health import VenueGuard
from tests.conftest import FIXTURES

START = datetime(2025, 12, 16, 20, 0, tzinfo=UTC)


class ScannerServer:
    """The two endpoints, answering from the constructed fixtures; `mode` breaks them on demand."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []
        self.funding_mode = "ok"  # ok | html | 503 | 401
        self.registry_mode = "ok"
        folder = FIXTURES / "arbitragescanner"
        self.table = (folder / "funding_table.json").read_bytes()
        self.registry = (folder / "exchanges.json").read_bytes()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/funding-table", self.funding)
        app.router.add_get("/exchanges", self.exchanges)
        return app

    def _answer(self, mode: str, body: bytes) -> web.Response:
        if mode == "html":
            return web.Response(body=b"<!doctype html><h1>Just a moment...</h1>", content_type="text/html")
        if mode.isdigit():
            return web.Response(status=int(mode), text="nope")
        return web.Response(body=body, content_type="application/json")

    async def funding(self, request: web.Request) -> web.Response:
        self.hits["funding"] += 1
        self.headers.append(dict(request.headers))
        return self._answer(self.funding_mode, self.table)

    async def exchanges(self, request: web.Request) -> web.Response:
        self.hits["exchanges"] += 1
        return self._answer(self.registry_mode, self.registry)


@pytest.fixture
async def scanner() -> AsyncIterator[tuple[ScannerServer, str]]:
    fake = ScannerServer()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url(""))
    finally:
        await server.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def make_client(base: str, clock: ManualClock, **kwargs: Any) -> ArbitrageScannerClient:
    return ArbitrageScannerClient(
        clock, funding_url=f"{base}/api/funding-table", exchanges_url=f"{base}/exchanges", **kwargs
    )


async def test_fetch_funding_and_registry(scanner: tuple[ScannerServer, str], clock: ManualClock) -> None:
    fake, base = scanner
    client = make_client(base, clock)
    try:
        result = await client.fetch_funding()
        assert len(result.rows) == 14
        assert result.dropped == 0
        assert all(r.source is FundingSource.SECONDARY and r.ts == START for r in result.rows)

        exchanges = await client.fetch_exchanges()
        assert [e.slug for e in exchanges][:3] == ["binance_futures", "bybit_futures", "okex_futures"]
        assert client.exchanges["hyperliquid"].is_dex
        assert client.registry_dropped == {
            "no exchange slug": 1,
            "exchange not an object": 1,
            "duplicate exchange": 1,
        }
        assert client.guard.health().state is HealthState.OK
    finally:
        await client.close()
    assert fake.hits == {"funding": 1, "exchanges": 1}


async def test_api_key_is_sent_only_when_set(scanner: tuple[ScannerServer, str], clock: ManualClock) -> None:
    fake, base = scanner
    for key in (None, "k-123"):
        client = make_client(base, clock, api_key=key)
        try:
            await client.fetch_funding()
        finally:
            await client.close()
    assert "X-API-KEY" not in fake.headers[0]
    assert fake.headers[1]["X-API-KEY"] == "k-123"


async def test_an_html_page_is_a_malformed_response(
    scanner: tuple[ScannerServer, str], clock: ManualClock
) -> None:
    fake, base = scanner
    fake.funding_mode = "html"
    client = make_client(base, clock)
    try:
        with pytest.raises(MalformedResponse, match="answered with an HTML page, not JSON"):
            await client.fetch_funding()
    finally:
        await client.close()
    assert client.guard.health().consecutive_failures == 1


async def test_http_errors_open_the_circuit(scanner: tuple[ScannerServer, str], clock: ManualClock) -> None:
    fake, base = scanner
    fake.funding_mode = "503"
    bus = EventBus()
    sub = bus.subscribe()
    client = make_client(base, clock, guard=VenueGuard(SOURCE_ID, clock, bus=bus))
    try:
        for _ in range(5):
            with pytest.raises(VenueUnavailable, match="arbitragescanner: HTTP 503"):
                await client.fetch_funding()
        with pytest.raises(VenueUnavailable, match="circuit open: funding table: HTTP 503"):
            await client.fetch_funding()
        assert fake.hits["funding"] == 5  # the sixth was refused without a request
        assert client.guard.health().state is HealthState.DEGRADED
        assert [e.data["state"] for e in sub.drain() if e.kind == "venue.health"] == ["degraded"]

        fake.funding_mode = "ok"
        clock.advance(30)
        assert len((await client.fetch_funding()).rows) == 14  # the half-open probe
        assert client.guard.health().state is HealthState.OK
    finally:
        await client.close()


async def test_a_refused_key_says_so(scanner: tuple[ScannerServer, str], clock: ManualClock) -> None:
    fake, base = scanner
    fake.funding_mode = "401"
    client = make_client(base, clock, api_key="wrong")
    try:
        with pytest.raises(VenueUnavailable) as err:
            await client.fetch_funding()
    finally:
        await client.close()
    assert str(err.value) == "arbitragescanner: HTTP 401 (API key refused?)"
    assert "wrong" not in str(err.value)


async def test_unreachable_host_is_one_line(clock: ManualClock) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(f"http://127.0.0.1:{port}", clock)
    try:
        with pytest.raises(VenueUnavailable) as err:
            await client.fetch_funding()
    finally:
        await client.close()
    message = str(err.value)
    assert message.startswith(f"arbitragescanner: cannot reach 127.0.0.1:{port}: ")
    assert "\n" not in message


async def test_an_injected_session_is_left_open(
    scanner: tuple[ScannerServer, str], clock: ManualClock
) -> None:
    _, base = scanner
    async with aiohttp.ClientSession() as session:
        client = make_client(base, clock, session=session)
        await client.fetch_funding()
        await client.close()
        assert not session.closed
        await client.fetch_funding()  # still usable


# -- the feed ---------------------------------------------------------------------------------


async def test_feed_fetches_the_registry_hourly(
    scanner: tuple[ScannerServer, str], clock: ManualClock
) -> None:
    fake, base = scanner
    bus = EventBus()
    sub = bus.subscribe()
    feed = SecondaryFundingFeed(make_client(base, clock), clock, exchanges_every_s=3600, bus=bus)
    try:
        for _ in range(3):
            assert len(await feed.fetch_rows()) == 14
            clock.advance(5)
        assert fake.hits == {"funding": 3, "exchanges": 1}
        clock.advance(3600)
        await feed.fetch_rows()
        assert fake.hits == {"funding": 4, "exchanges": 2}
    finally:
        await feed.close()
    (event,) = [e for e in sub.drain() if e.kind == "funding.secondary"]  # coalesced: the latest
    assert event.data == {"rows": 14, "dropped": 0, "reasons": {}}
    assert feed.fetches == 4


async def test_a_broken_registry_does_not_stop_the_rates(
    scanner: tuple[ScannerServer, str], clock: ManualClock
) -> None:
    fake, base = scanner
    fake.registry_mode = "500"
    feed = SecondaryFundingFeed(make_client(base, clock), clock)
    try:
        assert len(await feed.fetch_rows()) == 14
        assert feed.last_registry_error == "arbitragescanner: HTTP 500"
        await feed.fetch_rows()
        assert fake.hits["exchanges"] == 1  # retried a minute later, not every 5 s
        clock.advance(60)
        fake.registry_mode = "ok"
        await feed.fetch_rows()
        assert fake.hits["exchanges"] == 2
        assert feed.last_registry_error == ""
    finally:
        await feed.close()


async def test_secondary_rows_reach_the_funding_book(
    scanner: tuple[ScannerServer, str], clock: ManualClock
) -> None:
    _, base = scanner
    book = FundingBook(clock)
    # the venue's own API already told the book: binance ETH settles every 4 h
    book.ingest(
        [
            FundingRate("binanceusdm", "ETH/USDT:USDT", Decimal("0.000054"), 4, START),
            FundingRate("binanceusdm", "BTC/USDT:USDT", Decimal("0.0001"), 8, START),
        ]
    )
    client = make_client(base, clock, interval_for=primary_interval_lookup(book))
    feed = SecondaryFundingFeed(client, clock)
    refresher = FundingRefresher(book, clock)
    refresher.add_secondary(SOURCE_ID, feed.fetch_rows)
    try:
        reports = await refresher.refresh_all()
    finally:
        await feed.close()
    report = reports[SOURCE_ID]
    assert report is not None and report.accepted == 14 and report.rejected == 0

    eth = book.quote("binanceusdm", "ETH/USDT:USDT")
    assert eth is not None
    assert eth.source is FundingSource.EXCHANGE
    assert eth.secondary_interval_hours == 4  # took the venue's interval, not the 8 h convention
    assert FLAG_VALIDATED in eth.flags
    btc = book.quote("binanceusdm", "BTC/USDT:USDT")
    assert btc is not None and FLAG_VALIDATED in btc.flags

    gap = book.quote("gate", "BTC/USDT:USDT")  # only ArbitrageScanner knows it
    assert gap is not None
    assert gap.source is FundingSource.SECONDARY
    assert FLAG_SECONDARY in gap.flags
    assert INTERVAL_ASSUMED in gap.flags


def test_interval_lookup_uses_only_the_venues_own_rows(clock: ManualClock) -> None:
    book = FundingBook(clock)
    book.ingest(
        [
            FundingRate("bybit", "BTC/USDT:USDT", Decimal("0.0001"), 4, START),
            FundingRate("okx", "BTC/USDT:USDT", Decimal("0.0001"), 8, START, flags=(INTERVAL_ASSUMED,)),
            FundingRate("gate", "BTC/USDT:USDT", Decimal("0.0001"), 8, START, source=FundingSource.SECONDARY),
        ]
    )
    lookup = primary_interval_lookup(book)
    assert lookup("bybit", "BTC/USDT:USDT") == 4
    assert lookup("okx", "BTC/USDT:USDT") is None  # the venue's interval was itself assumed
    assert lookup("gate", "BTC/USDT:USDT") is None  # a secondary row cannot vouch for itself
    assert lookup("bybit", "ETH/USDT:USDT") is None
