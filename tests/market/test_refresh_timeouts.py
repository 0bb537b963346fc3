"""The refresher's deadline against the venue guard's request timeout: a venue that hangs is timed
out by its own guard (so its circuit opens after 5 hangs) while the other venues keep refreshing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import HealthState
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FundingRefresher, feed_timeout_s
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import REQUEST_TIMEOUT_S, CircuitState
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT, PREMIUM_INDEX, binance_markets
from tests.venues.recorded import RecordedHttp, load_json, preload_markets

from .helpers import FakeVenue, rate

REQUEST_TIMEOUT = 0.02  # real seconds: the guard's timeout is asyncio's


class HangingBinance:
    """A binanceusdm CcxtVenue, built as the desk builds it, whose funding endpoint never answers
    (its interval listing still does)."""

    def __init__(self, clock: ManualClock, timeout_s: float) -> None:
        self.venue = CcxtVenue("binanceusdm", clock, timeout_s=timeout_s)
        self.venue.exchange.enableRateLimit = False
        preload_markets(self.venue.exchange, binance_markets(load_json(PREMIUM_INDEX)))
        self.http = RecordedHttp(self.venue.exchange).answer("GET", "/fapi/v1/fundingInfo", [])
        self.hangs = 0
        answer = self.venue.exchange.fetch

        async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
            if "/fapi/v1/premiumIndex" in url:
                self.hangs += 1
                await asyncio.Event().wait()
            return await answer(url, method, headers, body)

        self.venue.exchange.fetch = fetch


def _fine(clock: ManualClock) -> FakeVenue:
    return FakeVenue(
        "bybit", [rate("0.0001", venue="bybit"), rate("0.0002", venue="bybit", symbol="ETH/USDT:USDT")], clock
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BINANCE_CAPTURE_AT)


def test_the_feed_deadline_is_derived_from_the_request_timeout_and_longer() -> None:
    for request in (REQUEST_TIMEOUT, 1.0, REQUEST_TIMEOUT_S, 60.0):
        assert feed_timeout_s(request) > request
    with pytest.raises(ValueError):
        feed_timeout_s(0)


def test_each_feed_outlasts_its_own_guard(clock: ManualClock) -> None:
    from nexus_tui.config.schema import NexusConfig

    book = FundingBook(clock)
    refresher = FundingRefresher(book, clock, request_timeout_s=4.0)
    guarded = HangingBinance(clock, timeout_s=7.0).venue  # a venue built with its own timeout
    refresher.add_venue(guarded)
    refresher.add_venue(_fine(clock))  # type: ignore[arg-type]
    refresher.add_secondary("arbitragescanner", _fine(clock).fetch_funding_rates, request_timeout_s=2.0)
    assert refresher.feeds["binanceusdm"].timeout_s == feed_timeout_s(7.0)
    assert refresher.feeds["bybit"].timeout_s == feed_timeout_s(4.0)
    assert refresher.feeds["arbitragescanner"].timeout_s == feed_timeout_s(2.0)

    # the desk's wiring: data.request_timeout_seconds reaches both the guards and the deadlines
    config = NexusConfig.model_validate(
        {"trading": {"mode": "paper"}, "data": {"request_timeout_seconds": 3}}
    )
    engine = build_engine(config, clock=clock, venues=[_fine(clock)])  # type: ignore[list-item]
    assert engine.funding_refresher is not None
    feeds = engine.funding_refresher.feeds
    assert feeds["bybit"].timeout_s == feed_timeout_s(3.0)
    assert feeds["arbitragescanner"].timeout_s > 10.0  # the scanner's own guard: timeout_seconds 10


def test_a_fixed_deadline_that_would_cancel_the_guard_first_is_refused(clock: ManualClock) -> None:
    refresher = FundingRefresher(FundingBook(clock), clock, timeout_s=REQUEST_TIMEOUT)
    with pytest.raises(ValueError, match=r"would cancel requests its guard times out after 0\.02 s"):
        refresher.add_venue(HangingBinance(clock, timeout_s=REQUEST_TIMEOUT).venue)
    refresher.add_venue(_fine(clock))  # type: ignore[arg-type]  # no guard: the deadline is the only one


async def test_a_hanging_venue_turns_degraded_after_five_hangs_while_the_others_refresh() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    book = FundingBook(clock, stale_after_s=30)
    # as bootstrap builds it: the guards and the refresher share one request timeout
    hanging = HangingBinance(clock, timeout_s=REQUEST_TIMEOUT)
    fine = _fine(clock)
    refresher = FundingRefresher(book, clock, request_timeout_s=REQUEST_TIMEOUT)
    refresher.add_venue(hanging.venue)
    refresher.add_venue(fine)  # type: ignore[arg-type]
    guard = hanging.venue.guard

    for n in range(1, 6):
        reports = await refresher.refresh_all()
        assert reports["binanceusdm"] is None
        report = reports["bybit"]
        assert report is not None and report.accepted == 2  # the other venue carried on
        assert hanging.hangs == n
        assert guard.health().consecutive_failures == n  # every hang counted by the guard
        assert f"timeout after {REQUEST_TIMEOUT:g}s" in refresher.feeds["binanceusdm"].last_error
        clock.advance(5)
        if n < 5:
            assert guard.health().state is HealthState.OK  # below the threshold: still trading
    health = hanging.venue.health()
    assert health.state is HealthState.DEGRADED and not health.tradable
    assert guard.circuit is CircuitState.OPEN
    assert book.is_venue_down("binanceusdm") and not book.is_venue_down("bybit")

    reports = await refresher.refresh_all()  # while open: refused without a request
    assert hanging.hangs == 5 and "circuit open" in refresher.feeds["binanceusdm"].last_error
    assert reports["bybit"] is not None and fine.calls == 6
