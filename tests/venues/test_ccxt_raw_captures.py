"""CcxtVenue end to end on real captured responses (tests/fixtures/raw), answered without sockets.

Each expectation is computed from the raw JSON itself, not from ccxt, so ccxt's parse and ours are
checked together against what the venue actually said.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock, from_ms
from nexus_tui.core.models import FundingSource
from nexus_tui.venues.parsing import FLAG_INTERVAL_ASSUMED
from nexus_tui.venues.profiles import IntervalSource
from tests.venues.ccxt_helpers import (
    BINANCE_CAPTURE_AT,
    DYDX_CAPTURE_AT,
    DYDX_HISTORY,
    DYDX_MARKETS,
    HL_FUNDING_HISTORY,
    HL_FUNDING_HISTORY_EARLY,
    HL_META_AND_CTXS,
    PREMIUM_INDEX,
    binance_symbol,
    binance_venue,
    dydx_venue,
    hyperliquid_venue,
)
from tests.venues.recorded import BINANCE_FUNDING_INFO, load_json


async def test_binance_premium_index_every_perpetual_row_as_the_venue_sent_it() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = binance_venue(clock, funding_info=BINANCE_FUNDING_INFO)
    rows = await venue.fetch_funding_rates()
    await venue.close()

    raw = load_json(PREMIUM_INDEX)
    expected = {binance_symbol(r["symbol"]): r for r in raw if binance_symbol(r["symbol"])}
    assert len(raw) == 379 and len(expected) == 373
    assert {r.symbol for r in rows} == set(expected)
    for row in rows:
        sent = expected[row.symbol]
        assert row.venue == "binanceusdm"
        assert row.rate == Decimal(sent["lastFundingRate"])
        assert row.mark_price == Decimal(sent["markPrice"])
        assert row.index_price == Decimal(sent["indexPrice"])
        assert row.ts == from_ms(sent["time"])
        assert row.next_funding_ts == from_ms(sent["nextFundingTime"])
        assert row.interval_hours == (4 if sent["symbol"] == "UXLINKUSDT" else 8)
        assert row.flags == ()
        assert row.source is FundingSource.EXCHANGE
    report = venue.last_funding_report
    assert report is not None
    assert (report.accepted, report.bad, report.skipped) == (373, 0, 6)
    assert venue.intervals.source_of("UXLINK/USDT:USDT") is IntervalSource.FUNDING_INTERVALS
    assert http.unrecorded == []


async def test_binance_btc_row_and_hourly_normalisation() -> None:
    venue, _ = binance_venue(ManualClock(BINANCE_CAPTURE_AT), funding_info=BINANCE_FUNDING_INFO)
    rows = {r.symbol: r for r in await venue.fetch_funding_rates(["BTC/USDT:USDT", "BTC/USDC:USDC"])}
    assert set(rows) == {"BTC/USDT:USDT", "BTC/USDC:USDC"}
    btc = rows["BTC/USDT:USDT"]
    assert btc.rate == Decimal("0.00013062")
    assert btc.rate_hourly == Decimal("0.00013062") / 8
    assert btc.next_funding_ts == datetime(2024, 11, 27, 16, tzinfo=UTC)


async def test_binance_without_its_interval_listing_rows_are_flagged_then_cleared() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = binance_venue(clock)
    http.answer("GET", "/fapi/v1/fundingInfo", {"code": -1001, "msg": "Internal error"}, status=503, times=1)
    first = await venue.fetch_funding_rates()
    assert len(first) == 373
    assert all(r.flags == (FLAG_INTERVAL_ASSUMED,) and r.interval_hours == 8 for r in first)

    http.answer("GET", "/fapi/v1/fundingInfo", BINANCE_FUNDING_INFO)
    clock.advance(5)
    second = {r.symbol: r for r in await venue.fetch_funding_rates()}
    assert all(r.flags == () for r in second.values())
    assert second["UXLINK/USDT:USDT"].interval_hours == 4
    assert len(http.requests_to("/fapi/v1/fundingInfo")) == 2

    clock.advance(5)  # the listing is fresh for an hour: not asked again
    await venue.fetch_funding_rates()
    assert len(http.requests_to("/fapi/v1/fundingInfo")) == 2


async def test_hyperliquid_meta_and_asset_ctxs_hourly_funding() -> None:
    clock = ManualClock(datetime(2024, 12, 21, 10, 17, tzinfo=UTC))
    venue, http = hyperliquid_venue(clock)
    rows = {r.symbol: r for r in await venue.fetch_funding_rates()}

    meta, contexts = load_json(HL_META_AND_CTXS)
    assert len(rows) == len(meta["universe"]) == 142
    for asset, ctx in zip(meta["universe"], contexts, strict=True):
        row = rows[f"{asset['name'].upper()}/USDC:USDC"]  # unified: kPEPE trades as KPEPE
        assert row.rate == Decimal(ctx["funding"])
        assert row.mark_price == Decimal(ctx["markPx"])
        assert row.index_price == Decimal(ctx["oraclePx"])
        assert row.interval_hours == 1 and row.flags == ()
        assert row.ts == clock.now()
        assert row.next_funding_ts == datetime(2024, 12, 21, 11, tzinfo=UTC)
    assert http.unrecorded == []


async def test_hyperliquid_history_spacing_shows_the_june_2023_switch_from_8h_to_1h() -> None:
    # the cassette was recorded on 2023-07-17; its 1038 settlements start 8-hourly and turn hourly
    clock = ManualClock(datetime(2023, 7, 17, 21, 43, tzinfo=UTC))
    venue, http = hyperliquid_venue(clock)
    http.answer("POST", "/info", load_json(HL_FUNDING_HISTORY), when={"type": "fundingHistory"})
    rows = await venue.fetch_funding_history("BTC/USDC:USDC", since=datetime(2023, 4, 19, tzinfo=UTC))

    raw = load_json(HL_FUNDING_HISTORY)
    assert len(rows) == len(raw) == 1038
    assert [r.ts for r in rows] == sorted(r.ts for r in rows)
    assert [r.rate for r in rows] == [Decimal(x["fundingRate"]) for x in raw]
    switch = datetime(2023, 6, 8, tzinfo=UTC)
    eight_hourly = [r for r in rows if r.ts < switch - timedelta(hours=8)]
    hourly = [r for r in rows if r.ts > switch + timedelta(hours=1)]
    assert eight_hourly and all(r.interval_hours == 8 for r in eight_hourly)
    assert sum(r.interval_hours == 1 for r in hourly) >= len(hourly) - 2  # one 2-hour gap upstream
    assert all(r.flags == () for r in rows)
    # the recent spacing is what the venue runs now, and it is remembered for the symbol
    assert venue.intervals.source_of("BTC/USDC:USDC") is IntervalSource.HISTORY
    assert venue.intervals.lookup("BTC/USDC:USDC", {}) == (1, False)


async def test_hyperliquid_early_history_window_is_all_8_hourly() -> None:
    clock = ManualClock(datetime(2023, 7, 17, 21, 43, tzinfo=UTC))
    venue, http = hyperliquid_venue(clock)
    http.answer("POST", "/info", load_json(HL_FUNDING_HISTORY_EARLY), when={"type": "fundingHistory"})
    rows = await venue.fetch_funding_history("BTC/USDC:USDC", since=datetime(2023, 4, 19, tzinfo=UTC))
    assert len(rows) == 34
    assert {r.interval_hours for r in rows} == {8}
    # an old window says nothing about today's schedule: not learned
    assert venue.intervals.source_of("BTC/USDC:USDC") is None


async def test_dydx_perpetual_markets_through_the_implicit_api() -> None:
    clock = ManualClock(DYDX_CAPTURE_AT)
    venue, http = dydx_venue(clock)
    rows = {r.symbol: r for r in await venue.fetch_funding_rates()}

    markets = load_json(DYDX_MARKETS)["result"]["markets"]
    assert set(rows) == {"BTC/USDC:USDC", "ETH/USDC:USDC", "SOL/USDC:USDC"}
    for ticker, market in markets.items():
        row = rows[f"{ticker.split('-')[0]}/USDC:USDC"]
        assert row.rate == Decimal(market["nextFundingRate"])  # exact: the indexer's string
        assert row.mark_price == Decimal(market["oraclePrice"])
        assert row.interval_hours == 1 and row.flags == ()
        assert row.next_funding_ts is None  # the indexer does not say; we do not guess
    # the hourly schedule was read from the spacing of BTC-USD's settled funding
    wide = venue.intervals.venue_wide
    assert wide is not None and (wide.hours, wide.source) == (1, IntervalSource.HISTORY)
    assert len(http.requests_to("/v4/historicalFunding/BTC-USD")) == 1
    await venue.fetch_funding_rates()
    assert len(http.requests_to("/v4/historicalFunding/BTC-USD")) == 1  # learned once
    assert http.unrecorded == []


async def test_dydx_without_history_uses_the_documented_hour_and_says_so() -> None:
    venue, _ = dydx_venue(ManualClock(DYDX_CAPTURE_AT), with_history=False)
    rows = await venue.fetch_funding_rates()
    assert len(rows) == 3
    assert all(r.interval_hours == 1 and r.flags == (FLAG_INTERVAL_ASSUMED,) for r in rows)
    assert venue.intervals.source_of("BTC/USDC:USDC") is IntervalSource.DOCUMENTED


async def test_dydx_historical_funding_rows_oldest_first() -> None:
    venue, _ = dydx_venue(ManualClock(DYDX_CAPTURE_AT))
    rows = await venue.fetch_funding_history("BTC/USDC:USDC", limit=3)
    raw = load_json(DYDX_HISTORY)["result"]["historicalFunding"]
    assert [r.rate for r in rows] == [Decimal(x["rate"]) for x in reversed(raw)]
    assert [r.ts.hour for r in rows] == [14, 15, 16]
    assert {r.interval_hours for r in rows} == {1}


@pytest.mark.parametrize("depth", [20])
async def test_dydx_order_book_from_the_indexer(depth: int) -> None:
    from tests.venues.ccxt_helpers import DYDX_BOOK

    venue, http = dydx_venue(ManualClock(DYDX_CAPTURE_AT))
    http.answer("GET", "/v4/orderbooks/perpetualMarket/BTC-USD", load_json(DYDX_BOOK)["result"])
    book = await venue.fetch_order_book("BTC/USDC:USDC", depth)
    raw = load_json(DYDX_BOOK)["result"]
    assert book.bids[0] == (Decimal(raw["bids"][0]["price"]), Decimal(raw["bids"][0]["size"]))
    assert book.asks[0] == (Decimal(raw["asks"][0]["price"]), Decimal(raw["asks"][0]["size"]))
    assert all(a[0] > b[0] for a, b in zip(book.bids, book.bids[1:], strict=False))
    assert book.best_bid is not None and book.best_ask is not None and book.best_bid < book.best_ask
