"""FundingBook: normalization, snapshots, history, staleness and events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import FundingSource
from nexus_tui.market.funding_book import FundingBook

from .helpers import T0, rate


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> FundingBook:
    return FundingBook(clock, stale_after_s=60)


@pytest.mark.parametrize(
    ("interval", "per_interval", "hourly", "apr"),
    [
        (1, "0.0001", "0.0001", "0.876"),
        (4, "0.0001", "0.000025", "0.219"),
        (8, "0.0001", "0.0000125", "0.1095"),
        (8, "-0.00024", "-0.00003", "-0.2628"),
    ],
)
def test_rate_is_normalized_per_hour_and_per_year_on_the_venue_interval(
    book: FundingBook, interval: int, per_interval: str, hourly: str, apr: str
) -> None:
    book.ingest([rate(per_interval, interval=interval)])
    quote = book.quote("sim:binance", "BTC/USDT:USDT")
    assert quote is not None
    assert quote.rate == Decimal(per_interval)
    assert quote.interval_hours == interval
    assert quote.rate_hourly == Decimal(hourly)
    assert quote.apr == Decimal(apr)


def test_same_hourly_rate_on_1h_4h_8h_venues_compares_equal(book: FundingBook) -> None:
    book.ingest(
        [
            rate("0.00001", venue="hyperliquid", symbol="BTC/USDC:USDC", interval=1),
            rate("0.00004", venue="bybit", interval=4),
            rate("0.00008", venue="binanceusdm", interval=8),
        ]
    )
    hourly = {q.venue: q.rate_hourly for q in book.quotes()}
    assert hourly == {
        "hyperliquid": Decimal("0.00001"),
        "bybit": Decimal("0.00001"),
        "binanceusdm": Decimal("0.00001"),
    }
    assert {q.apr for q in book.quotes()} == {Decimal("0.0876")}


def test_quote_carries_the_venue_fields_and_its_age(book: FundingBook, clock: ManualClock) -> None:
    settle = T0 + timedelta(hours=3)
    book.ingest(
        [
            rate(
                "0.0001",
                next_funding_ts=settle,
                mark_price=Decimal("43000.5"),
                index_price=Decimal("43001"),
                predicted_rate=Decimal("0.00012"),
            )
        ]
    )
    clock.advance(30)
    quote = book.quote("sim:binance", "BTC/USDT:USDT")
    assert quote is not None
    assert (quote.base, quote.quote) == ("BTC", "USDT")
    assert quote.next_funding_ts == settle
    assert quote.mark_price == Decimal("43000.5")
    assert quote.index_price == Decimal("43001")
    assert quote.predicted_rate == Decimal("0.00012")
    assert quote.source is FundingSource.EXCHANGE
    assert quote.observed_at == T0
    assert quote.age_s == 30
    assert quote.flags == frozenset()
    assert quote.secondary_rate is None


def test_quote_turns_stale_after_the_configured_time(book: FundingBook, clock: ManualClock) -> None:
    book.ingest([rate("0.0001")])
    clock.advance(60)
    assert "stale" not in book.quotes()[0].flags
    clock.advance(1)
    assert "stale" in book.quotes()[0].flags


def test_as_funding_rate_round_trips_and_keeps_only_the_venue_caveats(
    book: FundingBook, clock: ManualClock
) -> None:
    row = rate("0.0003", interval=4, mark_price=Decimal("1.5"), flags=("interval_assumed",))
    book.ingest([row])
    clock.advance(600)  # stale: a book flag, not part of the venue's row
    quote = book.quotes()[0]
    assert quote.flags == {"interval_assumed", "stale"}
    assert quote.as_funding_rate() == row


def test_newer_row_replaces_and_older_row_is_ignored(book: FundingBook) -> None:
    book.ingest([rate("0.0001", ts=T0)])
    report = book.ingest([rate("0.0002", ts=T0 - timedelta(seconds=5))])
    assert (report.accepted, report.ignored) == (0, 1)
    book.ingest([rate("0.0003", ts=T0 + timedelta(seconds=5))])
    quote = book.quote("sim:binance", "BTC/USDT:USDT")
    assert quote is not None and quote.rate == Decimal("0.0003")


def test_version_changes_only_when_something_changed(book: FundingBook) -> None:
    v0 = book.version
    book.ingest([])
    assert book.version == v0
    book.ingest([rate("0.0001")])
    assert book.version == v0 + 1
    book.ingest([rate("9")])  # rejected: nothing changed
    assert book.version == v0 + 1
    book.mark_venue_down("sim:binance")
    assert book.version == v0 + 2


def test_symbols_venues_and_grouping_by_base(book: FundingBook) -> None:
    book.ingest(
        [
            rate("0.0001", venue="binanceusdm", symbol="BTC/USDT:USDT"),
            rate("0.0001", venue="binanceusdm", symbol="BTC/USDC:USDC"),
            rate("0.0001", venue="hyperliquid", symbol="BTC/USDC:USDC", interval=1),
            rate("0.0002", venue="bybit", symbol="ETH/USDT:USDT"),
        ]
    )
    assert book.venues() == ["binanceusdm", "bybit", "hyperliquid"]
    assert book.symbols() == ["BTC/USDC:USDC", "BTC/USDT:USDT", "ETH/USDT:USDT"]
    groups = book.by_base()
    assert sorted(groups) == ["BTC", "ETH"]
    assert {(q.venue, q.quote) for q in groups["BTC"]} == {
        ("binanceusdm", "USDT"),
        ("binanceusdm", "USDC"),
        ("hyperliquid", "USDC"),
    }


def test_history_keeps_one_point_per_hour_oldest_first_and_is_bounded(clock: ManualClock) -> None:
    book = FundingBook(clock, history_hours=3)
    for hour in range(5):
        for minute, value in ((0, "0.0001"), (30, f"0.000{hour + 1}")):
            clock.set(T0 + timedelta(hours=hour, minutes=minute))
            book.ingest([rate(value, ts=clock.now())])
    history = book.history("sim:binance", "BTC/USDT:USDT")
    assert [ts for ts, _ in history] == [T0 + timedelta(hours=h) for h in (2, 3, 4)]
    assert [value for _, value in history] == [0.0003, 0.0004, 0.0005]
    assert book.history("sim:binance", "NOPE/USDT:USDT") == []


def test_backfill_fills_the_chart_without_becoming_the_quote(book: FundingBook) -> None:
    past = [rate(f"0.000{i}", ts=T0 - timedelta(hours=8 * (4 - i))) for i in range(1, 4)]
    assert book.backfill([*past, rate("5", ts=T0)]) == 3  # the absurd one is screened out
    assert book.quotes() == []
    assert [v for _, v in book.history("sim:binance", "BTC/USDT:USDT")] == [0.0001, 0.0002, 0.0003]


def test_an_unchanged_rate_after_a_backfill_in_its_hour_is_charted_again(
    book: FundingBook, clock: ManualClock
) -> None:
    # the book skips re-writing a rate it has just charted; a backfill into the same hour
    # changes the chart underneath, so the next unchanged rate must be written again
    clock.set(T0 + timedelta(minutes=30))
    book.ingest([rate("0.0001", ts=T0 + timedelta(minutes=5))])
    book.backfill([rate("0.0005", ts=T0 + timedelta(minutes=10))])
    assert [v for _, v in book.history("sim:binance", "BTC/USDT:USDT")] == [0.0005]
    book.ingest([rate("0.0001", ts=T0 + timedelta(minutes=15))])
    assert [v for _, v in book.history("sim:binance", "BTC/USDT:USDT")] == [0.0001]


async def test_a_venue_whose_rows_all_arrive_out_of_order_announces_no_update(book: FundingBook) -> None:
    book.ingest([rate("0.0001", venue="bybit", ts=T0), rate("0.0001", ts=T0)])
    sub = book.subscribe(maxsize=10)
    report = book.ingest(
        [
            rate("0.0002", venue="bybit", ts=T0 - timedelta(seconds=5)),
            rate("0.0002", ts=T0 + timedelta(seconds=5)),
        ]
    )
    assert (report.accepted, report.ignored) == (1, 1)
    assert [(e.kind, e.data["venue"], e.data["rows"]) for e in sub.drain()] == [
        ("funding.updated", "sim:binance", 1)
    ]


async def test_updates_publish_one_coalesced_event_per_venue(book: FundingBook) -> None:
    sub = book.subscribe(maxsize=10)
    for _ in range(3):
        book.ingest([rate("0.0001", symbol="BTC/USDT:USDT"), rate("0.0002", symbol="ETH/USDT:USDT")])
    book.ingest([rate("0.0001", venue="bybit")])
    events = sub.drain()
    assert [(e.kind, e.data["venue"]) for e in events] == [
        ("funding.updated", "sim:binance"),
        ("funding.updated", "bybit"),
    ]
    assert events[0].data["rows"] == 2
    assert events[0].data["version"] == 3


async def test_subscription_is_bounded(book: FundingBook) -> None:
    sub = book.subscribe(maxsize=2)
    for i in range(5):
        book.ingest([rate("0.0001", venue=f"v{i}")])
    assert len(sub) == 2
    assert sub.dropped == 3


async def test_book_shares_the_engine_bus_but_subscribers_see_only_funding(clock: ManualClock) -> None:
    bus = EventBus()
    book = FundingBook(clock, bus=bus)
    everything = bus.subscribe()
    funding_only = book.subscribe()
    from nexus_tui.core.events import Event

    bus.publish(Event("engine.started", clock.now()))
    book.ingest([rate("0.0001")])
    assert [e.kind for e in everything.drain()] == ["engine.started", "funding.updated"]
    assert [e.kind for e in funding_only.drain()] == ["funding.updated"]


async def test_stale_and_fresh_events_per_venue(book: FundingBook, clock: ManualClock) -> None:
    sub = book.subscribe()
    book.ingest([rate("0.0001", ts=clock.now())])
    sub.drain()
    assert book.check_stale() == []
    clock.advance(61)
    assert book.check_stale() == ["sim:binance"]
    assert book.check_stale() == ["sim:binance"]  # reported once per episode
    events = sub.drain()
    assert [e.kind for e in events] == ["funding.stale"]
    assert "sim:binance" in events[0].message
    book.ingest([rate("0.0001", ts=clock.now())])
    assert book.check_stale() == []
    assert [e.kind for e in sub.drain()] == ["funding.updated", "funding.fresh"]


def test_book_rejects_nonsense_configuration(clock: ManualClock) -> None:
    with pytest.raises(ValueError):
        FundingBook(clock, stale_after_s=0)
