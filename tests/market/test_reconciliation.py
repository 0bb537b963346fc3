"""Dual-source reconciliation: the venue is authoritative, ArbitrageScanner validates, fills, stands in."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingSource
from nexus_tui.market.funding_book import FundingBook, ReconciliationSummary
from nexus_tui.market.reconcile import Role, Verdict, choose, compare

from .helpers import T0, rate

SECONDARY = FundingSource.SECONDARY


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> FundingBook:
    return FundingBook(clock, stale_after_s=60)


def _only(book: FundingBook):  # type: ignore[no-untyped-def]
    quotes = book.quotes()
    assert len(quotes) == 1
    return quotes[0]


def test_match_within_tolerance_is_validated_and_shows_the_venue_rate(book: FundingBook) -> None:
    book.ingest([rate("0.0001"), rate("0.00055", source=SECONDARY)])  # 0.045 % apart: within 0.05 %
    quote = _only(book)
    assert quote.rate == Decimal("0.0001")
    assert quote.source is FundingSource.EXCHANGE
    assert quote.flags == {"validated"}
    assert quote.secondary_rate == Decimal("0.00055")
    assert quote.secondary_interval_hours == 8
    assert book.stats.discrepancy_episodes == 0


def test_tolerance_boundary_is_inclusive_and_configurable(clock: ManualClock) -> None:
    book = FundingBook(clock)
    book.ingest([rate("0.0001"), rate("0.0006", source=SECONDARY)])
    assert "validated" in _only(book).flags
    strict = FundingBook(clock, tolerance=Decimal("0.0001"))
    strict.ingest([rate("0.0001"), rate("0.0006", source=SECONDARY)])
    assert "discrepancy" in _only(strict).flags


def test_discrepancy_keeps_the_venue_rate_and_is_logged_counted_and_marked(
    book: FundingBook, caplog: pytest.LogCaptureFixture
) -> None:
    sub = book.subscribe()
    with caplog.at_level(logging.WARNING):
        report = book.ingest([rate("0.0001"), rate("0.0021", source=SECONDARY)])
    assert report.discrepancies == 1 and report.flagged == 1
    quote = _only(book)
    assert quote.rate == Decimal("0.0001")
    assert quote.source is FundingSource.EXCHANGE
    assert quote.flags == {"discrepancy"}
    assert quote.secondary_rate == Decimal("0.0021")
    assert book.stats.discrepancy_episodes == 1
    assert "sim:binance: venue and ArbitrageScanner disagree" in caplog.text
    assert "BTC/USDT:USDT" in caplog.text
    assert "funding.discrepancy" in {e.kind for e in sub.drain()}

    # The same disagreement on the next refresh is the same episode: counted and logged once.
    caplog.clear()
    book.ingest([rate("0.0001", ts=T0 + timedelta(seconds=5))])
    assert book.stats.discrepancy_episodes == 1
    assert caplog.text == ""
    # Agreement clears the mark.
    book.ingest([rate("0.0021", ts=T0 + timedelta(seconds=10))])
    assert _only(book).flags == {"validated"}


def test_exchange_only_is_shown_unvalidated(book: FundingBook) -> None:
    book.ingest([rate("0.0001")])
    quote = _only(book)
    assert quote.source is FundingSource.EXCHANGE
    assert quote.flags == frozenset()
    assert quote.secondary_rate is None


def test_secondary_only_fills_the_gap_flagged_secondary(book: FundingBook) -> None:
    book.ingest([rate("0.0003", venue="mexc", source=SECONDARY, mark_price=Decimal("43000"))])
    quote = _only(book)
    assert quote.venue == "mexc"
    assert quote.rate == Decimal("0.0003")
    assert quote.source is SECONDARY
    assert quote.flags == {"secondary"}
    assert quote.secondary_rate == Decimal("0.0003")
    assert quote.mark_price == Decimal("43000")


def test_venue_down_falls_back_to_the_secondary_and_recovers(book: FundingBook, clock: ManualClock) -> None:
    sub = book.subscribe()
    book.ingest([rate("0.0001"), rate("0.00012", source=SECONDARY)])
    book.mark_venue_down("sim:binance")
    quote = _only(book)
    assert quote.rate == Decimal("0.00012")
    assert quote.source is SECONDARY
    assert quote.flags == {"secondary", "fallback", "venue_down"}
    assert book.is_venue_down("sim:binance")

    clock.advance(30)  # the fallback keeps flowing while the venue is down, and feeds the chart
    book.ingest([rate("0.0002", source=SECONDARY, ts=clock.now())])
    assert _only(book).rate == Decimal("0.0002")

    book.mark_venue_down("sim:binance", False)
    book.ingest([rate("0.00019", ts=clock.now())])
    quote = _only(book)
    assert quote.rate == Decimal("0.00019")
    assert quote.source is FundingSource.EXCHANGE
    assert quote.flags == {"validated"}
    events = sub.drain()
    kinds = [e.kind for e in events]
    # down then up share one coalesce key: a subscriber that fell behind sees only the latest state
    assert "funding.venue_up" in kinds and "funding.venue_down" not in kinds


def test_venue_down_without_a_secondary_keeps_the_last_venue_rate_marked(
    book: FundingBook, clock: ManualClock
) -> None:
    sub = book.subscribe()
    book.ingest([rate("0.0001")])
    book.mark_venue_down("sim:binance")
    clock.advance(120)
    quote = _only(book)
    assert quote.rate == Decimal("0.0001")
    assert quote.flags == {"venue_down", "stale"}
    # with nothing to stand in, the message does not promise ArbitrageScanner's rates
    (down,) = [e for e in sub.drain() if e.kind == "funding.venue_down"]
    assert down.message == "sim:binance: funding API down; its rates go stale until it answers again"


def test_stale_venue_rate_gives_way_to_a_fresh_secondary(book: FundingBook, clock: ManualClock) -> None:
    book.ingest([rate("0.0001", ts=clock.now())])
    clock.advance(90)
    book.ingest([rate("0.0004", source=SECONDARY, ts=clock.now())])
    quote = _only(book)
    assert quote.rate == Decimal("0.0004")
    assert quote.flags == {"secondary", "fallback"}
    assert quote.age_s == 0


def test_the_secondary_table_is_held_to_its_own_age_limit(clock: ManualClock) -> None:
    """data.arbitragescanner.stale_after_seconds: a table older than it stands in for nothing and
    shows stale, whatever the venues' own limit."""
    book = FundingBook(clock, stale_after_s=60, secondary_stale_after_s=20)
    book.ingest(
        [rate("0.0001", ts=clock.now()), rate("0.0003", venue="mexc", source=SECONDARY, ts=clock.now())]
    )
    clock.advance(70)  # the venue's rate is stale; a secondary 25 s old is past its own limit
    book.ingest([rate("0.0004", source=SECONDARY, ts=clock.now() - timedelta(seconds=25))])
    shown = {q.venue: q for q in book.quotes()}
    assert shown["sim:binance"].rate == Decimal("0.0001")
    assert shown["sim:binance"].source is FundingSource.EXCHANGE
    assert "stale" in shown["sim:binance"].flags and "fallback" not in shown["sim:binance"].flags
    assert shown["mexc"].flags == {"secondary", "stale"}  # 70 s old: stale at 20 s, not at 60
    scan_rows = {row.venue: row for row in book.scan_rows()}
    assert scan_rows["mexc"].flags == {"secondary", "stale"}
    book.ingest([rate("0.0005", source=SECONDARY, ts=clock.now() - timedelta(seconds=15))])
    assert _only_venue(book, "sim:binance").rate == Decimal("0.0005")  # fresh by its limit: stands in
    assert {row.venue: row.rate for row in book.scan_rows()}["sim:binance"] == Decimal("0.0005")
    clock.advance(10)  # 25 s old now: the scanner's row goes back to the venue's own (stale) rate
    row = {row.venue: row for row in book.scan_rows()}["sim:binance"]
    assert row.rate == Decimal("0.0001") and "stale" in row.flags

    lenient = FundingBook(clock, stale_after_s=60, secondary_stale_after_s=120)
    lenient.ingest([rate("0.0003", venue="mexc", source=SECONDARY, ts=clock.now())])
    clock.advance(90)
    assert _only(lenient).flags == {"secondary"}  # 90 s old, inside its 120 s


def _only_venue(book: FundingBook, venue: str):  # type: ignore[no-untyped-def]
    (quote,) = [q for q in book.quotes() if q.venue == venue]
    return quote


def test_sources_too_far_apart_in_time_are_not_compared(book: FundingBook, clock: ManualClock) -> None:
    book.ingest([rate("0.0009", source=SECONDARY, ts=clock.now())])
    clock.advance(600)
    book.ingest([rate("0.0001", ts=clock.now())])
    assert _only(book).flags == frozenset()


def test_rates_are_compared_on_the_venue_interval() -> None:
    venue_4h = rate("0.0001", interval=4)
    secondary_8h = rate("0.0002", interval=8, source=SECONDARY)  # the same 0.0025 %/h
    assert compare(venue_4h, 0, secondary_8h, 0, Decimal("0.00001"), 60) is Verdict.MATCH
    assert compare(venue_4h, 0, secondary_8h, 61, Decimal("0.00001"), 60) is Verdict.UNCHECKED
    assert (
        compare(venue_4h, 0, rate("0.0004", source=SECONDARY), 0, Decimal("0.00001"), 60)
        is Verdict.DISCREPANCY
    )


def test_choose_prefers_the_venue_unless_down_or_stale() -> None:
    p, s = rate("0.0001"), rate("0.0002", source=SECONDARY)
    assert choose(None, 0, None, 0, venue_down=False, stale_after_s=60) is None
    assert choose(p, 0, None, 0, venue_down=True, stale_after_s=60) == (p, Role.PRIMARY)
    assert choose(None, 0, s, 0, venue_down=False, stale_after_s=60) == (s, Role.GAP_FILL)
    assert choose(p, 5, s, 1, venue_down=False, stale_after_s=60) == (p, Role.PRIMARY)
    assert choose(p, 5, s, 1, venue_down=True, stale_after_s=60) == (s, Role.FALLBACK)
    assert choose(p, 1, s, 5, venue_down=True, stale_after_s=60) == (p, Role.PRIMARY)  # older secondary
    assert choose(p, 61, s, 1, venue_down=False, stale_after_s=60) == (s, Role.FALLBACK)
    assert choose(p, 61, s, 61, venue_down=False, stale_after_s=60) == (p, Role.PRIMARY)
    # the secondary's own limit, when it has one
    assert choose(p, 61, s, 30, venue_down=False, stale_after_s=60, secondary_stale_after_s=20) == (
        p,
        Role.PRIMARY,
    )
    assert choose(p, 61, s, 90, venue_down=False, stale_after_s=60, secondary_stale_after_s=120) == (
        s,
        Role.FALLBACK,
    )


def test_reconciliation_summary_counts_each_case(book: FundingBook) -> None:
    book.ingest(
        [
            rate("0.0001", symbol="A/USDT:USDT"),
            rate("0.0001", symbol="A/USDT:USDT", source=SECONDARY),  # matched
            rate("0.0001", symbol="B/USDT:USDT"),
            rate("0.0030", symbol="B/USDT:USDT", source=SECONDARY),  # discrepancy
            rate("0.0001", symbol="C/USDT:USDT"),  # exchange only
            rate("0.0001", symbol="D/USDT:USDT", source=SECONDARY),  # secondary only
            rate("0.0001", venue="okx", symbol="E/USDT:USDT"),
            rate("0.0001", venue="okx", symbol="E/USDT:USDT", source=SECONDARY),
        ]
    )
    book.mark_venue_down("okx")  # E falls back
    assert book.reconciliation() == ReconciliationSummary(
        matched=1, discrepancies=1, exchange_only=1, secondary_only=1, fallback=1
    )
