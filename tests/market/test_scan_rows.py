"""FundingBook.scan_rows: the scanner's rows, built once per change of what the book shows."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import timedelta
from decimal import Decimal

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.leg_row import LegRow, to_leg_row
from nexus_tui.core.models import FundingSource
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.strategy.scanner import Scanner

from .helpers import T0, rate


def _book() -> tuple[ManualClock, FundingBook]:
    clock = ManualClock(T0)
    book = FundingBook(clock, stale_after_s=60)
    book.ingest(
        [
            rate("0.0001", next_funding_ts=T0 + timedelta(hours=3), mark_price=Decimal("60000")),
            rate("-0.00003", venue="sim:okx", interval=4),
            rate("0.00002", venue="hyperliquid", symbol="BTC/USDC:USDC", interval=1),
            rate("0.0003", venue="sim:okx", source=FundingSource.SECONDARY),
        ]
    )
    return clock, book


def _by_key(rows: list[LegRow]) -> dict[tuple[str, str], LegRow]:
    return {(r.venue, r.symbol): r for r in rows}


def test_each_row_says_what_the_quote_says_as_the_scanner_would_convert_it() -> None:
    _, book = _book()
    rows = _by_key(book.scan_rows())
    quotes = book.quotes()
    assert len(rows) == len(quotes) == 3
    for quote in quotes:
        row = rows[(quote.venue, quote.symbol)]
        assert type(row) is LegRow
        assert astuple(row) == astuple(to_leg_row(quote))
    okx = rows[("sim:okx", "BTC/USDT:USDT")]
    assert okx.hourly == -0.0000075 and okx.settle == "USDT" and "validated" in okx.flags
    assert rows[("hyperliquid", "BTC/USDC:USDC")].settle == "USDC"


def test_a_row_is_handed_out_again_until_what_the_book_shows_changes() -> None:
    clock, book = _book()
    first = _by_key(book.scan_rows())
    clock.advance(10)
    again = _by_key(book.scan_rows())
    assert all(again[key] is first[key] for key in first)

    book.ingest([rate("0.00011", ts=T0 + timedelta(seconds=10))])  # a new rate on one venue
    moved = _by_key(book.scan_rows())
    binance = ("sim:binance", "BTC/USDT:USDT")
    assert moved[binance] is not first[binance] and moved[binance].rate == Decimal("0.00011")
    assert all(moved[key] is first[key] for key in first if key != binance)

    clock.advance(61)  # past stale_after_s: the flag changes the row
    stale = _by_key(book.scan_rows())
    assert all(stale[key] is not moved[key] for key in moved)
    assert all("stale" in row.flags for row in stale.values())


def test_the_set_keeps_its_layout_while_the_same_pairs_are_in_it_in_the_same_order() -> None:
    """BookRows.layout: the scanner takes a new row at its place without checking the market
    there only while the layout is the previous set's, so it must change when a pair joins."""
    clock, book = _book()
    first = book.scan_rows()
    clock.advance(10)
    book.ingest([rate("0.00011", ts=T0 + timedelta(seconds=10))])  # a new rate: the same pairs
    moved = book.scan_rows()
    assert moved.layout is first.layout and moved[0] is not first[0]
    # History alone makes a pair the book knows but does not show: not in the set.
    book.backfill([rate("0.0002", symbol="ETH/USDT:USDT", ts=T0 - timedelta(hours=8))])
    assert book.scan_rows().layout is first.layout
    book.ingest([rate("0.0002", symbol="ETH/USDT:USDT", ts=clock.now())])  # its first quote
    joined = book.scan_rows()
    assert joined.layout is not first.layout and len(joined) == len(first) + 1
    assert book.scan_rows().layout is joined.layout
    other = _book()[1].scan_rows()  # another book's set never shares a layout
    assert other.layout is not first.layout and other.layout is not joined.layout


def test_a_scanner_fed_the_kept_rows_sees_no_change_and_ranks_as_from_the_quotes() -> None:
    _, book = _book()
    from_rows, from_quotes = Scanner(), Scanner()
    assert from_rows.update_quotes(book.scan_rows()) == 3
    assert from_rows.update_quotes(book.scan_rows()) == 0
    from_quotes.update_quotes(book.quotes())
    assert [astuple(r) for r in from_rows.rows()] == [astuple(r) for r in from_quotes.rows()]
    assert from_rows.scan(T0).opportunities == from_quotes.scan(T0).opportunities


def test_the_kept_rows_always_say_what_a_fresh_conversion_of_the_quotes_says() -> None:
    """Random writes and clock moves (primary and secondary rows, new pairs, venue down and back,
    ages crossing stale_after_s both ways round): scan_rows never hands out a row that is out of
    date, and a Scanner folding in the whole set holds what one fed every row holds."""
    rng = random.Random(5)
    clock = ManualClock(T0)
    book = FundingBook(clock, stale_after_s=60)
    venues = ["sim:binance", "sim:okx", "hyperliquid"]
    symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
    by_set, by_rows = Scanner(), Scanner()  # fed as the service feeds it, and row by row
    for _ in range(300):
        action = rng.random()
        venue = rng.choice(venues)
        if action < 0.45:
            source = FundingSource.SECONDARY if rng.random() < 0.3 else FundingSource.EXCHANGE
            value = Decimal(rng.randint(-30, 30)) / 100_000
            symbol = rng.choice(symbols)  # new pairs join the book as it runs
            book.ingest([rate(value, venue=venue, symbol=symbol, ts=clock.now(), source=source)])
        elif action < 0.55:
            book.mark_venue_down(venue, rng.random() < 0.5)
        else:
            clock.advance(rng.choice([1, 20, 59, 60, 61, 90]))
        expected = [astuple(to_leg_row(q)) for q in book.quotes()]
        rows = book.scan_rows()
        assert [astuple(r) for r in rows] == expected
        by_set.update_book_rows(rows)
        by_rows.update_quotes(rows)
        assert {(r.venue, r.symbol): astuple(r) for r in by_set.rows()} == {
            (r.venue, r.symbol): astuple(r) for r in by_rows.rows()
        }


def test_a_scanner_folding_in_the_book_scans_as_one_fed_row_by_row() -> None:
    """The service's fold-in (update_book_rows, which takes a new rate at its place in the set
    without looking the market up) against update_quotes: random writes (new rates, the same
    rate again with a new mark, new pairs, secondary rows, venues down, ages crossing
    stale_after_s) each followed by a scan; both scanners list, expire and count the same."""
    rng = random.Random(11)
    clock = ManualClock(T0)
    book = FundingBook(clock, stale_after_s=60)
    venues = ["sim:binance", "sim:okx", "sim:bybit", "hyperliquid"]
    symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "BTC/USDC:USDC"]
    by_set, by_rows = Scanner(), Scanner()
    listed = 0
    for _ in range(400):
        action = rng.random()
        venue = rng.choice(venues)
        symbol = rng.choice(symbols[:2] if rng.random() < 0.7 else symbols)
        if action < 0.5:
            source = FundingSource.SECONDARY if rng.random() < 0.2 else FundingSource.EXCHANGE
            value = Decimal(rng.randint(-60, 60)) / 100_000
            book.ingest([rate(value, venue=venue, symbol=symbol, ts=clock.now(), source=source)])
        elif action < 0.65:  # the rate it had, seen again with a new mark
            shown = book.quote(venue, symbol)
            if shown is not None:
                mark = Decimal(rng.randint(59_000, 61_000))
                book.ingest([rate(shown.rate, venue=venue, symbol=symbol, ts=clock.now(), mark_price=mark)])
        elif action < 0.72:
            book.mark_venue_down(venue, rng.random() < 0.5)
        else:
            clock.advance(rng.choice([1, 20, 59, 60, 61, 90]))
        rows = book.scan_rows()
        by_set.update_book_rows(rows)
        by_rows.update_quotes(rows)
        folded, fed = by_set.scan(clock.now()), by_rows.scan(clock.now())
        assert folded.opportunities == fed.opportunities
        assert folded.expired == fed.expired
        assert folded.stats == fed.stats
        listed += len(folded.opportunities)
    assert listed > 30  # the walk lists trades, so the comparison has something to compare
