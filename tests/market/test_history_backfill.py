"""HistoryBackfill: each wanted market's settled funding fetched once, a bounded number of requests a
pass, a failing venue retried with backoff (one log line), a malformed answer costing that market
alone, and the predictor's view of history (the fetched settlements before the book's points)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import MalformedResponse, NotSupportedByVenue, VenueUnavailable
from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.history_backfill import HistoryBackfill, MarketKey

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
LOG = "nexus_tui.market.history_backfill"


def settled(venue: str, symbol: str, hours_back: int, interval: int = 1) -> list[FundingRate]:
    """Settlements every `interval` hours over the last `hours_back` hours, oldest first."""
    return [
        FundingRate(
            venue=venue,
            symbol=symbol,
            rate=Decimal("0.0001") + Decimal(h % 5) / Decimal(100_000),
            interval_hours=interval,
            ts=NOW - timedelta(hours=h),
        )
        for h in range(hours_back, 0, -interval)
    ]


class HistoryVenue:
    """Settled funding from memory; `fault` makes every history request fail that way."""

    def __init__(self, venue_id: str, hours_back: int = 48) -> None:
        self.id = venue_id
        self.hours_back = hours_back
        self.fault: Exception | None = None
        self.answers: dict[str, object] = {}  # symbol -> a canned answer instead of the history
        self.calls: list[tuple[str, datetime | None, int | None]] = []

    async def fetch_funding_history(
        self, symbol: str, since: datetime | None = None, limit: int | None = None
    ) -> list[FundingRate]:
        self.calls.append((symbol, since, limit))
        if self.fault is not None:
            raise self.fault
        if symbol in self.answers:
            return self.answers[symbol]  # type: ignore[return-value]
        return settled(self.id, symbol, self.hours_back)


def symbols(n: int) -> list[str]:
    return [f"C{i}/USDT:USDT" for i in range(n)]


def make(
    *venues: HistoryVenue, **kwargs: object
) -> tuple[HistoryBackfill, FundingBook, ManualClock, list[list[MarketKey]]]:
    clock = ManualClock(NOW)
    book = FundingBook(clock)
    arrived: list[list[MarketKey]] = []
    backfill = HistoryBackfill(
        book,
        {v.id: v for v in venues},  # type: ignore[misc]
        clock,
        on_loaded=arrived.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return backfill, book, clock, arrived


async def test_each_market_is_fetched_once_for_the_lookback() -> None:
    venue = HistoryVenue("bybit")
    backfill, _, _, arrived = make(venue, lookback_hours=24)
    backfill.want([("bybit", "BTC/USDT:USDT"), ("bybit", "ETH/USDT:USDT")])
    assert await backfill.run_pass() == [("bybit", "BTC/USDT:USDT"), ("bybit", "ETH/USDT:USDT")]
    assert arrived == [[("bybit", "BTC/USDT:USDT"), ("bybit", "ETH/USDT:USDT")]]
    assert venue.calls[0][0] == "BTC/USDT:USDT"
    _, since, limit = venue.calls[0]
    assert since == NOW - timedelta(hours=24) and limit == 24
    # the venue answered 48 h; the lookback keeps 24 of them
    assert len(backfill.history("bybit", "BTC/USDT:USDT")) == 24
    assert backfill.loaded("bybit", "BTC/USDT:USDT")
    assert await backfill.run_pass() == [] and len(venue.calls) == 2  # never asked again


async def test_a_pass_is_bounded_in_total_and_per_venue() -> None:
    a, b, c = HistoryVenue("binanceusdm"), HistoryVenue("bybit"), HistoryVenue("okx")
    backfill, _, _, _ = make(a, b, c, max_requests=10, per_venue=4)
    backfill.want([(v.id, s) for s in symbols(20) for v in (a, b, c)])
    loaded = await backfill.run_pass()
    assert len(loaded) == 10 and backfill.requests == 10
    assert max(len(v.calls) for v in (a, b, c)) == 4
    passes = 1
    while await backfill.run_pass():
        passes += 1
    assert backfill.requests == 60 and passes == 6  # every market once, ten a pass


async def test_a_failing_venue_is_retried_with_backoff_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down, up = HistoryVenue("okx"), HistoryVenue("bybit")
    down.fault = VenueUnavailable("okx", "timed out")
    backfill, _, clock, _ = make(down, up, retry_s=30, max_retry_s=120)
    backfill.want([(v.id, s) for s in symbols(3) for v in (down, up)])
    caplog.set_level(logging.DEBUG, logger=LOG)
    asked_at: list[float] = []
    for second in range(0, 400):
        before = len(down.calls)
        await backfill.run_pass()
        if len(down.calls) > before:
            assert len(down.calls) == before + 1  # a failure ends the venue's turn in that pass
            asked_at.append(second)
        clock.advance(1)
    # 30 s, then doubling up to the 120 s cap, never every pass
    assert asked_at == [0, 30, 90, 210, 330]
    assert backfill.backing_off("okx") == NOW + timedelta(seconds=330 + 120)
    assert all(backfill.loaded("bybit", s) for s in symbols(3))  # the other venue is unaffected
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "okx" in warnings[0].getMessage()

    down.fault = None
    clock.advance(120)
    assert len(await backfill.run_pass()) == 3
    assert backfill.backing_off("okx") is None
    assert "answers again" in caplog.records[-1].getMessage()


async def test_a_malformed_answer_backs_off_that_market_alone(caplog: pytest.LogCaptureFixture) -> None:
    venue = HistoryVenue("gate")
    venue.answers["C0/USDT:USDT"] = [object(), {"rate": "x"}]  # garbage: not funding rows
    venue.answers["C1/USDT:USDT"] = "not a list"
    backfill, _, clock, _ = make(venue, retry_s=60)
    backfill.want([("gate", s) for s in symbols(3)])
    with caplog.at_level(logging.WARNING, logger=LOG):
        assert await backfill.run_pass() == [("gate", "C2/USDT:USDT")]
    assert len(caplog.records) == 2  # one line per malformed market
    assert backfill.due() == []  # both wait; the venue itself is not backing off
    assert backfill.backing_off("gate") is None
    clock.advance(60)
    assert backfill.due() == [("gate", "C0/USDT:USDT"), ("gate", "C1/USDT:USDT")]


async def test_a_venue_that_raises_malformed_response_backs_off_the_market() -> None:
    venue = HistoryVenue("gate")
    venue.fault = MalformedResponse("gate", "funding history is not a list")
    backfill, _, _, _ = make(venue)
    backfill.want([("gate", "BTC/USDT:USDT")])
    assert await backfill.run_pass() == []
    assert await backfill.run_pass() == [] and len(venue.calls) == 1


async def test_a_venue_without_history_is_not_asked_again() -> None:
    venue = HistoryVenue("paradex")
    venue.fault = NotSupportedByVenue("paradex", "fetchFundingRateHistory() is not supported")
    backfill, _, clock, _ = make(venue)
    backfill.want([("paradex", s) for s in symbols(5)])
    await backfill.run_pass()
    clock.advance(86_400)
    await backfill.run_pass()
    assert len(venue.calls) == 1


async def test_an_empty_answer_is_an_answer_and_a_venue_down_is_not_asked() -> None:
    venue, down = HistoryVenue("bybit", hours_back=0), HistoryVenue("okx")
    backfill, book, _, arrived = make(venue, down)
    book.mark_venue_down("okx")
    backfill.want([("bybit", "NEW/USDT:USDT"), ("okx", "BTC/USDT:USDT")])
    assert await backfill.run_pass() == [] and arrived == []
    assert backfill.loaded("bybit", "NEW/USDT:USDT")  # nothing settled yet: not asked again
    assert down.calls == []


async def test_a_market_asked_for_by_name_goes_first() -> None:
    venue = HistoryVenue("bybit")
    backfill, _, _, _ = make(venue, max_requests=1)
    backfill.want([("bybit", s) for s in symbols(3)])
    backfill.request("bybit", "SOL/USDT:USDT")
    backfill.request("bybit", "ETH/USDT:USDT")  # the latest asked for: what the trader looks at now
    assert await backfill.run_pass() == [("bybit", "ETH/USDT:USDT")]
    assert await backfill.run_pass() == [("bybit", "SOL/USDT:USDT")]
    assert await backfill.run_pass() == [("bybit", "C0/USDT:USDT")]


async def test_history_is_the_fetched_settlements_then_the_book(caplog: pytest.LogCaptureFixture) -> None:
    venue = HistoryVenue("bybit", hours_back=24)
    backfill, book, clock, _ = make(venue)
    symbol = "BTC/USDT:USDT"
    # the book has seen the market live for two hours
    for _ in range(2):
        book.ingest([FundingRate("bybit", symbol, Decimal("0.0003"), 1, clock.now())])
        clock.advance(3600)
    live = book.history("bybit", symbol)
    assert len(live) == 2
    backfill.want([("bybit", symbol)])
    await backfill.run_pass()
    merged = backfill.history("bybit", symbol)
    older = [point for point in merged if point[0] < live[0][0]]
    assert len(older) == 24  # every settlement before the book's first live hour
    assert merged == book.history("bybit", symbol)  # the book itself now holds them
    assert [ts for ts, _ in merged] == sorted(ts for ts, _ in merged)
    assert backfill.history("bybit", "ETH/USDT:USDT") == []  # unknown market: nothing to add


def test_the_book_keeps_backfilled_history_older_than_its_live_points() -> None:
    clock = ManualClock(NOW)
    book = FundingBook(clock)
    book.ingest([FundingRate("bybit", "BTC/USDT:USDT", Decimal("0.0003"), 1, NOW)])
    book.backfill(settled("bybit", "BTC/USDT:USDT", 12))
    assert len(book.history("bybit", "BTC/USDT:USDT")) == 13
