"""The Scanner across scans: incremental rescans agree with fresh ones, ids are stable, expiry says why."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from nexus_tui.core.leg_row import BookRows, LegRow, to_leg_row
from nexus_tui.core.models import FundingRate, HealthState, VenueHealth
from nexus_tui.strategy.models import Opportunity, OpportunityState, OpportunityType, ScanResult
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from nexus_tui.strategy.synthetic import SyntheticMarket, build_market, venue_update
from tests.strategy.helpers import (
    LOOSE,
    NOW,
    D,
    book,
    funding,
    healthy,
    inputs,
    perp_market,
    spot_market,
)


def _ranking(result: ScanResult) -> list[tuple[str, float, object, tuple[str, ...]]]:
    return [(o.id, o.uos, o.net_apr, o.reasons) for o in result.opportunities]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_rescan_equals_a_fresh_scan(seed: int) -> None:
    market = build_market(NOW, n_venues=8, n_symbols=40, seed=seed, history_points=6)
    scanner = Scanner()
    scanner.load(market.inputs)
    first = scanner.scan(NOW)
    assert first.stats.symbols_costed == 40

    later = NOW + timedelta(seconds=2)
    rows = venue_update(market, "bybit", later, changed_share=0.2, seed=seed)
    scanner.update_quotes(rows)
    incremental = scanner.scan(later)
    changed_assets = {
        r.symbol.split("/")[0]
        for r, old in zip(rows, _rows_of(market, "bybit"), strict=True)
        if r.rate != old.rate
    }
    assert incremental.stats.symbols_costed == len(changed_assets)  # only those were re-costed

    quotes = [q for q in market.inputs.quotes if q.venue != "bybit"] + rows
    fresh = scan_inputs(replace(market.inputs, quotes=quotes, now=later))
    assert _ranking(incremental) == _ranking(fresh)


def test_the_ranking_of_many_rescans_equals_fresh_scans() -> None:
    """A running scanner keeps the ranked entries of the assets it did not re-cost and merges the
    new ones in: after each of several venues' updates it ranks as a fresh scan of the same data."""
    market = build_market(NOW, n_venues=8, n_symbols=150, seed=11, history_points=6, book="heavy")
    scanner = Scanner()
    scanner.load(market.inputs)
    scanner.scan(NOW)
    quotes = {(q.venue, q.symbol): q for q in market.inputs.quotes}
    at = NOW
    for k, venue in enumerate(["bybit", "okx", "binanceusdm", "bybit", "hyperliquid"]):
        at += timedelta(seconds=2)
        rows = venue_update(list(quotes.values()), venue, at, changed_share=0.3, seed=k)
        quotes.update({(r.venue, r.symbol): r for r in rows})
        scanner.update_quotes(rows)
        incremental = scanner.scan(at)
        fresh = scan_inputs(replace(market.inputs, quotes=list(quotes.values()), now=at))
        assert len(fresh.opportunities) > 30
        assert incremental.stats.symbols_costed < fresh.stats.symbols_costed  # it did re-cost only some
        assert _ranking(incremental) == _ranking(fresh), venue


def _rows_of(market: SyntheticMarket, venue: str) -> list[FundingRate]:
    return [q for q in market.inputs.quotes if q.venue == venue]


def _scan(scanner: Scanner, rows: list[FundingRate], now: datetime = NOW) -> ScanResult:
    scanner.update_quotes(rows)
    return scanner.scan(now)


def _only(result: ScanResult) -> Opportunity:
    [opp] = result.opportunities
    return opp


def test_the_same_trade_keeps_its_id_and_first_seen_time() -> None:
    scanner = Scanner(LOOSE)
    a = _only(_scan(scanner, [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]))
    later = NOW + timedelta(seconds=10)
    rows = [
        replace(funding("binanceusdm", "0.0002"), ts=later),
        replace(funding("bybit", "0.0011"), ts=later),
    ]
    b = _only(_scan(scanner, rows, later))
    assert a.id == b.id
    assert b.detected_at == NOW and b.as_of == later
    assert b.spread_hourly != a.spread_hourly


def test_spread_collapse_expires_with_the_reason() -> None:
    scanner = Scanner()
    opp = _only(_scan(scanner, [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]))
    later = NOW + timedelta(seconds=5)
    result = _scan(scanner, [replace(funding("bybit", "0.0001"), ts=later)], later)
    assert not result.opportunities
    [gone] = result.expired
    assert gone.id == opp.id and gone.expired_at == later
    assert gone.reason.startswith("funding delta")


def test_data_ageing_out_expires_the_opportunity() -> None:
    scanner = Scanner()
    opp = _only(_scan(scanner, [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]))
    assert opp.fresh_until <= NOW + timedelta(seconds=StrategyParams().max_quote_age_s)
    # no new rows: two minutes later both rows are stale and the base is re-costed on its own
    later = NOW + timedelta(seconds=200)
    result = scanner.scan(later)
    assert not result.opportunities
    [gone] = result.expired
    assert gone.reason.startswith("stale:")
    # the expired entry stays visible for the retention, then goes
    assert scanner.scan(later + timedelta(seconds=60)).expired
    assert not scanner.scan(later + timedelta(seconds=400)).expired


def test_a_better_pair_replaces_the_old_one() -> None:
    scanner = Scanner(LOOSE)
    old = _only(_scan(scanner, [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]))
    result = _scan(scanner, [funding("okx", "0.0030")])
    [new] = result.opportunities
    assert new.short.venue == "okx" and new.id != old.id
    [gone] = result.expired
    assert gone.reason.startswith(f"replaced by {new.id}")


def test_a_row_that_comes_back_is_seen_again() -> None:
    scanner = Scanner()
    _scan(scanner, [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")])
    later = NOW + timedelta(seconds=300)
    assert not scanner.scan(later).opportunities  # aged out
    fresh = [
        replace(funding("binanceusdm", "0.0001"), ts=later),
        replace(funding("bybit", "0.0009"), ts=later),
    ]
    assert _scan(scanner, fresh, later).opportunities  # same rates, fresh again


def test_a_settlement_passing_recosts_without_new_data() -> None:
    scanner = Scanner(replace(LOOSE, max_quote_age_s=10**6, recost_after_s=10**6))
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]
    before = _only(_scan(scanner, rows))
    quiet = scanner.scan(NOW + timedelta(minutes=30))
    assert quiet.stats.symbols_costed == 0  # nothing changed, nothing due
    after = scanner.scan(NOW + timedelta(hours=3, minutes=1))  # 08:00 settled
    assert after.stats.symbols_costed == 1
    # three settlements of 0.08 % net pay the 0.21 % round trip: the third is 19 h away at 05:00,
    # 23 h 59 min away at 08:01
    assert before.break_even_hours == 19.0
    assert _only(after).break_even_hours == pytest.approx(23 + 59 / 60)
    assert _only(after).long.next_funding_ts == NOW + timedelta(hours=11)


def test_a_scanner_recosts_each_asset_when_it_falls_due_as_a_full_look_would() -> None:
    """The scanner skips looking through every result for one fallen due until the earliest due
    time it knows of: over a day and a half of settlements (1 h, 4 h and 8 h venues) and periodic
    re-costs it re-costs the same assets, and ranks the same, as one that looks every scan."""
    market = build_market(NOW, n_venues=8, n_symbols=40, seed=5, history_points=6)
    params = replace(StrategyParams(), max_quote_age_s=10**7)
    lazy, looking = Scanner(params), Scanner(params)
    lazy.load(market.inputs)
    looking.load(market.inputs)
    recosted = 0
    for step in range(0, 36 * 60, 7):
        at = NOW + timedelta(minutes=step)
        looking._recost_due = datetime.min.replace(tzinfo=NOW.tzinfo)  # look through them all
        mine, theirs = lazy.scan(at), looking.scan(at)
        assert mine.stats == theirs.stats, at
        assert _ranking(mine) == _ranking(theirs), at
        assert [e.id for e in mine.expired] == [e.id for e in theirs.expired]
        recosted += mine.stats.symbols_costed
    assert recosted > 40 * 10  # settlements and periodic re-costs did fall due, many times


def test_health_and_books_recost_only_what_they_touch() -> None:
    rows = [
        funding("binanceusdm", "0.0001"),
        funding("bybit", "0.0009"),
        funding("okx", "0.0001", symbol="ETH/USDT:USDT"),
        funding("gate", "0.0009", symbol="ETH/USDT:USDT"),
    ]
    scanner = Scanner(LOOSE)
    scanner.load(inputs(rows, health=healthy("binanceusdm", "bybit", "okx", "gate")))
    assert len(scanner.scan(NOW).opportunities) == 2
    scanner.update_health([VenueHealth("gate", HealthState.OK, latency_ms=85.0)])  # same bucket
    assert scanner.scan(NOW).stats.symbols_costed == 0
    scanner.update_health([VenueHealth("gate", HealthState.DOWN)])
    result = scanner.scan(NOW)
    assert result.stats.symbols_costed == 1 and len(result.opportunities) == 1
    scanner.update_order_books([book("bybit")])
    result = scanner.scan(NOW)
    assert result.stats.symbols_costed == 1
    btc = next(o for o in result.opportunities if o.base == "BTC")
    assert btc.costs.short_depth_usd is not None  # bybit's leg is now costed on its book
    assert btc.state is OpportunityState.DETECTED  # binance has no book yet


def test_a_fee_change_before_any_funding_arrives_is_used_once_it_does() -> None:
    """The service can scan before the book holds a row (markets load first): the fee bounds
    that scan resolved must not outlive a market update that changes them, or a trade that the
    new, lower fee makes worth taking is screened out on the old one."""
    rows = [funding("binance", "0.0002"), funding("okx", "-0.0004")]  # 65.7 % gross APR
    params = replace(LOOSE, min_net_apr=D("0.1"))
    health = healthy("binance", "okx")
    scanner = Scanner(params)
    dear = [perp_market("binance", taker="0.02"), perp_market("okx")]  # fees above 100 % APR
    scanner.load(inputs([], markets=dear, health=health))
    assert scanner.scan(NOW).opportunities == ()
    cheap = [perp_market("binance"), perp_market("okx")]
    scanner.update_markets({(m.venue, m.symbol): m for m in cheap})
    seen = _scan(scanner, rows)
    assert _ranking(seen) == _ranking(scan_inputs(inputs(rows, markets=cheap, health=health), params))
    assert _only(seen).short.taker_fee == D("0.0005")


@pytest.mark.parametrize("change", ["fee", "spot listing"])
def test_a_fee_or_listing_change_after_a_scan_reaches_the_screen(change: str) -> None:
    """The screen keeps what it reads of an asset that rates do not move (its markets' fee
    bounds, which venues list spot) between scans: a market update must replace it. Nothing is
    listed on the first markets; after a fee comes down, or binance lists BTC spot, the rescan
    lists what a fresh scan of the new markets lists."""
    rows = [funding("binance", "0.0006"), funding("okx", "0.0002")]
    params = replace(LOOSE, min_net_apr=D("0.1"))
    health = healthy("binance", "okx")
    scanner = Scanner(params)
    before = [perp_market("binance"), perp_market("okx", taker="0.02")]  # okx: above 100 % APR
    scanner.load(inputs(rows, markets=before, health=health))
    assert scanner.scan(NOW).opportunities == ()
    if change == "fee":
        after = [perp_market("binance"), perp_market("okx")]
    else:
        after = [*before, spot_market("binance")]
    scanner.update_markets({(m.venue, m.symbol): m for m in after})
    seen = scanner.scan(NOW)
    assert _ranking(seen) == _ranking(scan_inputs(inputs(rows, markets=after, health=health), params))
    kind = OpportunityType.CROSS_PERP if change == "fee" else OpportunityType.SPOT_PERP
    assert [o.type for o in seen.opportunities] == [kind]


def test_a_book_set_with_other_markets_at_the_same_places_is_looked_at_whole() -> None:
    """update_book_rows takes a new row at its place in the set without a look-up only while
    the set's layout is the previous set's; a set of the same length with another layout (one
    pair gone, another come, at the same places) must land every row under its own market."""
    layout = object()
    first = BookRows(
        [
            to_leg_row(funding("sim:binance", "0.0001")),
            to_leg_row(funding("sim:okx", "0.0004")),
            to_leg_row(funding("sim:bybit", "-0.0001", symbol="ETH/USDT:USDT")),
        ],
        layout,
    )
    folded, fed = Scanner(LOOSE), Scanner(LOOSE)
    folded.update_book_rows(first)
    fed.update_quotes(first)
    second = BookRows(  # okx's BTC gone, binance's ETH come, at the same places; every rate new
        [
            to_leg_row(funding("sim:binance", "0.0002")),
            to_leg_row(funding("sim:binance", "0.0005", symbol="ETH/USDT:USDT")),
            to_leg_row(funding("sim:bybit", "-0.0002", symbol="ETH/USDT:USDT")),
        ],
        object(),
    )
    for rows in (BookRows(first, layout), second):  # first again: its layout, taken in place
        folded.update_book_rows(rows)
        fed.update_quotes(rows)
        assert {(r.venue, r.symbol): r.rate for r in folded.rows()} == {
            (r.venue, r.symbol): r.rate for r in fed.rows()
        }
        assert _ranking(folded.scan(NOW)) == _ranking(fed.scan(NOW))
    eth = folded.scan(NOW).opportunities
    assert [(o.long.venue, o.short.venue) for o in eth if o.base == "ETH"] == [("sim:bybit", "sim:binance")]


def _as_the_book_hands_out(rows: list[LegRow], before: BookRows) -> BookRows:
    """`rows` as a funding book hands a set out after `before` with the same pairs in the same
    order: with `before`'s layout."""
    return BookRows(rows, before.layout)


@pytest.mark.parametrize("seed", [1, 2])
def test_folding_in_a_book_set_rescans_as_a_fresh_scan(seed: int) -> None:
    """The service's path: the whole set of rows each time, a venue's rows new in place."""
    market = build_market(NOW, n_venues=8, n_symbols=40, seed=seed, history_points=6)
    scanner = Scanner()
    scanner.load(replace(market.inputs, quotes=[]))
    listed = BookRows([to_leg_row(q) for q in market.inputs.quotes], object())
    scanner.update_book_rows(listed)
    scanner.scan(NOW)
    later = NOW + timedelta(seconds=2)
    rows = venue_update(market, "bybit", later, changed_share=0.2, seed=seed)
    new = {(r.venue, r.symbol): r for r in rows}
    again = [
        to_leg_row(new[key]) if (key := (r.venue, r.symbol)) in new and new[key].rate != r.rate else r
        for r in listed
    ]
    again = _as_the_book_hands_out(again, listed)
    scanner.update_book_rows(again)
    incremental = scanner.scan(later)
    changed_assets = {r.base for r, old in zip(again, listed, strict=True) if r is not old}
    assert incremental.stats.symbols_costed == len(changed_assets)
    quotes = [q for q in market.inputs.quotes if q.venue != "bybit"] + rows
    fresh = scan_inputs(replace(market.inputs, quotes=quotes, now=later))
    assert _ranking(incremental) == _ranking(fresh)


def test_why_a_trade_went_reads_the_rates_a_fold_in_took_in_place() -> None:
    """A fold-in that narrows a listed pair's spread (new rates at the same places in the set)
    expires it, and the reason costs the pair on the rates just taken, not on the ones before."""
    wide = BookRows(
        [to_leg_row(funding("sim:binance", "-0.0002")), to_leg_row(funding("sim:okx", "0.0009"))], object()
    )
    scanner = Scanner(LOOSE)
    scanner.update_book_rows(wide)
    scanner.update_book_rows(BookRows(wide, wide.layout))  # the same set again: the places are known
    assert scanner.scan(NOW).opportunities
    narrow = [
        to_leg_row(funding("sim:binance", "0.00010")),
        to_leg_row(funding("sim:okx", "0.00011")),
    ]
    narrow = _as_the_book_hands_out(narrow, wide)
    scanner.update_book_rows(narrow)
    gone = scanner.scan(NOW).expired
    fed = Scanner(LOOSE)
    fed.update_quotes(wide)
    fed.scan(NOW)
    fed.update_quotes(narrow)
    assert [e.reason for e in gone] == [e.reason for e in fed.scan(NOW).expired]
    assert len(gone) == 1
