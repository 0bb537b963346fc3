"""The funding refresh service and its wiring in bootstrap: polling, venue down, fallback, recovery."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput, VenueUnavailable
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FundingRefresher

from .helpers import T0, FakeVenue, rate


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> FundingBook:
    return FundingBook(clock, stale_after_s=30)


def _venue(venue_id: str, clock: ManualClock, value: str = "0.0001") -> FakeVenue:
    return FakeVenue(
        venue_id, [rate(value, venue=venue_id), rate(value, venue=venue_id, symbol="ETH/USDT:USDT")], clock
    )


class FakeSecondary:
    def __init__(self, clock: ManualClock, rows: list[FundingRate]) -> None:
        self.clock = clock
        self.rows = rows
        self.fail = False

    async def fetch_rows(self) -> list[FundingRate]:
        if self.fail:
            raise VenueUnavailable("arbitragescanner", "HTTP 502")
        from dataclasses import replace

        return [replace(r, ts=self.clock.now(), source=FundingSource.SECONDARY) for r in self.rows]


async def test_one_pass_fills_the_book_from_every_venue(book: FundingBook, clock: ManualClock) -> None:
    refresher = FundingRefresher(book, clock)
    refresher.add_venue(_venue("sim:binance", clock))  # type: ignore[arg-type]
    refresher.add_venue(_venue("sim:bybit", clock, "0.0002"))  # type: ignore[arg-type]
    reports = await refresher.refresh_all()
    assert {name: r.accepted if r else None for name, r in reports.items()} == {
        "sim:binance": 2,
        "sim:bybit": 2,
    }
    assert len(book.quotes()) == 4


async def test_failing_venue_is_marked_down_after_repeated_failures_and_falls_back(
    book: FundingBook, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    venue = _venue("sim:binance", clock)
    secondary = FakeSecondary(clock, [rate("0.0003", venue="sim:binance")])
    refresher = FundingRefresher(book, clock, down_after_failures=2)
    refresher.add_venue(venue)  # type: ignore[arg-type]
    refresher.add_secondary("arbitragescanner", secondary.fetch_rows)
    await refresher.refresh_all()
    assert book.quote("sim:binance", "BTC/USDT:USDT").rate == Decimal("0.0001")  # type: ignore[union-attr]

    venue.fail = True
    with caplog.at_level(logging.WARNING):
        await refresher.refresh_all()
    assert not book.is_venue_down("sim:binance")  # one failure is not an outage
    assert "funding feed sim:binance failed: sim:binance: connection refused" in caplog.text
    await refresher.refresh_all()
    assert book.is_venue_down("sim:binance")
    quote = book.quote("sim:binance", "BTC/USDT:USDT")
    assert quote is not None and quote.rate == Decimal("0.0003") and "fallback" in quote.flags
    # ETH has no secondary: the venue's last number stays, marked
    eth = book.quote("sim:binance", "ETH/USDT:USDT")
    assert eth is not None and eth.flags >= {"venue_down"}
    assert refresher.feeds["sim:binance"].failures == 2
    assert refresher.feeds["sim:binance"].last_error == "sim:binance: connection refused"

    venue.fail = False
    await refresher.refresh_all()
    assert not book.is_venue_down("sim:binance")
    quote = book.quote("sim:binance", "BTC/USDT:USDT")
    assert quote is not None and quote.rate == Decimal("0.0001") and quote.source is FundingSource.EXCHANGE


async def test_secondary_failure_never_marks_a_venue_down(book: FundingBook, clock: ManualClock) -> None:
    secondary = FakeSecondary(clock, [rate("0.0001")])
    secondary.fail = True
    refresher = FundingRefresher(book, clock, down_after_failures=1)
    refresher.add_secondary("arbitragescanner", secondary.fetch_rows)
    await refresher.refresh_all()
    assert book.venues() == [] and not book.is_venue_down("sim:binance")
    assert refresher.feeds["arbitragescanner"].failures == 1


async def test_a_hanging_venue_times_out_without_holding_up_the_others(
    book: FundingBook, clock: ManualClock
) -> None:
    stuck, fine = _venue("sim:okx", clock), _venue("sim:bybit", clock)
    stuck.hang = True
    refresher = FundingRefresher(book, clock, timeout_s=0.05, down_after_failures=1)
    refresher.add_venue(stuck)  # type: ignore[arg-type]
    refresher.add_venue(fine)  # type: ignore[arg-type]
    reports = await refresher.refresh_all()
    assert reports["sim:okx"] is None and reports["sim:bybit"] is not None
    assert book.is_venue_down("sim:okx")
    assert "no answer within 0.05 s" in refresher.feeds["sim:okx"].last_error


async def test_an_adapter_bug_is_a_failure_not_a_crash(
    book: FundingBook, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    buggy = _venue("sim:gate", clock)
    buggy.crash = KeyError("fundingRate")
    refresher = FundingRefresher(book, clock)
    refresher.add_venue(buggy)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        assert await refresher.refresh_all() == {"sim:gate": None}
    assert "funding feed sim:gate failed unexpectedly" in caplog.text
    assert refresher.feeds["sim:gate"].last_error == "unexpected KeyError: 'fundingRate'"


async def test_failures_back_off_and_success_resets(book: FundingBook, clock: ManualClock) -> None:
    venue = _venue("sim:okx", clock)
    venue.fail = True
    refresher = FundingRefresher(book, clock, interval_s=5, max_backoff_s=30)
    refresher.add_venue(venue)  # type: ignore[arg-type]
    gaps = []
    for _ in range(5):
        await refresher.refresh_all()
        gaps.append(refresher.feeds["sim:okx"].next_due_s - clock.now().timestamp())
    assert gaps == [5, 10, 20, 30, 30]
    venue.fail = False
    await refresher.refresh_all()
    assert refresher.feeds["sim:okx"].next_due_s - clock.now().timestamp() == 5


async def test_a_failed_secondary_is_retried_after_its_delay_then_backs_off(
    book: FundingBook, clock: ManualClock
) -> None:
    secondary = FakeSecondary(clock, [rate("0.0001")])
    secondary.fail = True
    refresher = FundingRefresher(book, clock, interval_s=5, max_backoff_s=30)
    refresher.add_secondary("arbitragescanner", secondary.fetch_rows, retry_attempts=3, retry_delay_s=1.5)
    feed = refresher.feeds["arbitragescanner"]
    gaps = []
    for _ in range(7):
        await refresher.refresh_all()
        gaps.append(feed.next_due_s - clock.now().timestamp())
    assert gaps == [1.5, 1.5, 1.5, 5, 10, 20, 30]
    secondary.fail = False
    await refresher.refresh_all()
    assert feed.next_due_s - clock.now().timestamp() == 5
    secondary.fail = True
    await refresher.refresh_all()  # a new run of failures gets its retries again
    assert feed.next_due_s - clock.now().timestamp() == 1.5


@pytest.mark.parametrize(("attempts", "delay"), [(-1, 1.0), (0, 0.0)])
def test_a_secondary_retry_policy_that_makes_no_sense_is_refused(
    book: FundingBook, clock: ManualClock, attempts: int, delay: float
) -> None:
    secondary = FakeSecondary(clock, [])
    refresher = FundingRefresher(book, clock)
    with pytest.raises(ValueError, match="retry"):
        refresher.add_secondary(
            "arbitragescanner", secondary.fetch_rows, retry_attempts=attempts, retry_delay_s=delay
        )


async def test_engine_service_polls_each_venue_on_its_interval_and_reports_staleness(
    clock: ManualClock,
) -> None:
    fast, slow = _venue("sim:binance", clock), _venue("sim:okx", clock)
    engine = build_engine(None, clock=clock, venues=[fast, slow])  # type: ignore[list-item]
    assert engine.funding_refresher is not None
    engine.funding_refresher.feeds["sim:okx"].interval_s = 15.0
    events = engine.funding_book.subscribe()
    await engine.start()
    while clock.now().timestamp() - T0.timestamp() < 60:
        await asyncio.sleep(0)
    slow.fail = True
    while clock.now().timestamp() - T0.timestamp() < 200:
        await asyncio.sleep(0)
    await engine.stop()
    assert fast.calls >= 12 and 4 <= slow.calls < fast.calls
    assert engine.funding_book.is_venue_down("sim:okx")
    kinds = {e.kind for e in events.drain()}
    assert {"funding.updated", "funding.venue_down"} <= kinds


def test_bootstrap_wires_book_refresher_and_service(clock: ManualClock) -> None:
    venues = [_venue("sim:binance", clock), _venue("sim:bybit", clock)]
    engine = build_engine(None, clock=clock, venues=venues, venue_ids=["bybit"])  # type: ignore[arg-type]
    assert list(engine.venues) == ["sim:bybit"]
    assert engine.funding_refresher is not None
    assert list(engine.funding_refresher.feeds) == ["sim:bybit"]
    assert engine.funding_refresher.book is engine.funding_book
    assert engine.funding_book.stale_after_s == 30.0  # the config default
    with pytest.raises(BadInput, match="unknown venue 'kraken'; available: sim:binance, sim:bybit"):
        build_engine(None, clock=clock, venues=venues, venue_ids=["kraken"])  # type: ignore[arg-type]


def test_bootstrap_takes_its_settings_from_the_config(clock: ManualClock) -> None:
    from nexus_tui.config.schema import NexusConfig

    config = NexusConfig.model_validate(
        {
            "trading": {"mode": "paper"},
            "data": {
                "stale_after_seconds": 12,
                "exchange_refresh_seconds": 3,
                "arbitragescanner": {
                    "tolerance": "0.0002",
                    "stale_after_seconds": 45,
                    "retry_attempts": 2,
                    "retry_delay_seconds": 0.5,
                },
            },
        }
    )
    engine = build_engine(config, clock=clock, venues=[_venue("binanceusdm", clock)])  # type: ignore[list-item]
    assert engine.mode == "paper"
    assert engine.funding_book.stale_after_s == 12
    assert engine.funding_book.tolerance == Decimal("0.0002")
    assert engine.funding_book.secondary_stale_after_s == 45
    refresher = engine.funding_refresher
    assert refresher is not None and refresher.feeds["binanceusdm"].interval_s == 3
    assert "arbitragescanner" in refresher.feeds  # the secondary source outside sim mode
    secondary = refresher.feeds["arbitragescanner"]
    assert (secondary.retry_attempts, secondary.retry_delay_s) == (2, 0.5)
    assert refresher.feeds["arbitragescanner"].venue is None
