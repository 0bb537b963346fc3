"""The ccxt.pro funding stream: documented push messages, parsed by ccxt.pro's own handlers, come
out as the same FundingRate rows our REST normalization makes; malformed answers are counted and
skipped; failures and silence are charged to the venue's guard; every client is closed."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from nexus_tui.core.clock import ManualClock, from_ms
from nexus_tui.core.errors import ConfigError, VenueError, VenueUnavailable
from nexus_tui.core.models import FundingRate
from nexus_tui.venues.ccxt_stream import CcxtFundingStream, Subscription, subscriptions
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.parsing import ParseReport
from nexus_tui.venues.profiles import IntervalSource, WsMethod, profile_for
from tests.venues.ccxt_helpers import binance_venue, make_venue
from tests.venues.recorded import preload_markets, swap_market
from tests.venues.ws_replay import ScriptedPro, ccxt_answers

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _learned(venue: CcxtVenue, *, hours: dict[str, int] | None = None, venue_wide: int | None = None) -> None:
    """The venue as after its first REST poll: what that poll taught about intervals."""
    now = venue.clock.now()
    for symbol, h in (hours or {}).items():
        venue.intervals.learn(symbol, h, IntervalSource.FUNDING_INTERVALS, now)
    if venue_wide is not None:
        venue.intervals.learn_venue_wide(venue_wide, IntervalSource.HISTORY, now)
    venue.last_funding_report = ParseReport(venue.id)


async def _read(stream: CcxtFundingStream, answers: int) -> list[FundingRate]:
    rows: list[FundingRate] = []
    while stream.messages < answers:
        rows.extend(await stream.next_rows())
    return rows


# -- every streamed venue, through ccxt.pro's own parsing --------------------------------------


async def test_okx_funding_rate_channel() -> None:
    clock = ManualClock(NOW)
    venue, _ = make_venue("okx", clock)
    markets = [
        swap_market("BTC/USDT:USDT", "BTC-USDT-SWAP"),
        swap_market("BTC/USD:BTC", "BTC-USD-SWAP", linear=False),
    ]
    preload_markets(venue.exchange, markets)
    _learned(venue)
    answers = await ccxt_answers("okx", markets, "okx_funding_rate.json", "fundingRates")
    pro = ScriptedPro(answers)
    stream = CcxtFundingStream(venue, pro=pro)
    await stream.open()
    rows = await _read(stream, 2)
    await stream.close()
    (row,) = rows  # the inverse swap is not one of the desk's perpetuals: skipped, not malformed
    assert row.venue == "okx" and row.symbol == "BTC/USDT:USDT"
    assert row.rate == Decimal("0.0001875391284828")  # every digit OKX sent
    assert row.interval_hours == 8 and row.flags == ()  # nextFundingTime - fundingTime, in the row
    assert row.next_funding_ts == from_ms(1700726400000)
    assert row.ts == NOW  # ccxt leaves OKX's timestamp out: observed on our clock
    assert stream.malformed == 0 and pro.closed == 1
    assert pro.calls[0] == ("watch_funding_rates", ("BTC/USDT:USDT",))


async def test_binance_mark_price_stream_carries_the_funding() -> None:
    clock = ManualClock(NOW)
    venue, http = make_venue("binanceusdm", clock)
    markets = [swap_market("BTC/USDT:USDT", "BTCUSDT"), swap_market("ETH/USDT:USDT", "ETHUSDT")]
    preload_markets(venue.exchange, markets)
    http.answer("GET", "/fapi/v1/fundingInfo", [])  # no adjusted symbol: all run the standard 8 h
    venue.last_funding_report = ParseReport(venue.id)
    answers = await ccxt_answers("binanceusdm", markets, "binanceusdm_mark_price_arr.json", "tickers")
    pro = ScriptedPro(answers)
    stream = CcxtFundingStream(venue, pro=pro)
    await stream.open()
    (row,) = await _read(stream, 1)
    await stream.close()
    assert pro.calls[0] == ("watch_mark_prices", None)  # one all-market stream
    assert row.symbol == "BTC/USDT:USDT" and row.rate == Decimal("0.00038167")
    assert row.next_funding_ts == from_ms(1562306400000)
    assert row.mark_price == Decimal("11794.15000000") and row.index_price == Decimal("11784.62659091")
    assert row.interval_hours == 8 and row.flags == ()
    # the element with "r": "" has no rate: dropped and counted, the other kept
    assert stream.malformed == 1 and stream.last_report is not None
    assert stream.last_report.reasons["no_rate"] == 1


async def test_bybit_linear_tickers_snapshot_then_deltas() -> None:
    clock = ManualClock(NOW)
    venue, _ = make_venue("bybit", clock)
    markets = [
        swap_market("BTC/USDT:USDT", "BTCUSDT", info={"fundingInterval": 480}),
        swap_market("AAVE/USDT:USDT", "AAVEUSDT", info={"fundingInterval": 480}),
    ]
    preload_markets(venue.exchange, markets)
    _learned(venue)
    answers = await ccxt_answers("bybit", markets, "bybit_tickers_linear.json", "tickers")
    stream = CcxtFundingStream(venue, pro=ScriptedPro(answers))
    await stream.open()
    rows = await _read(stream, 3)
    await stream.close()
    # the snapshot and the delta ccxt merged into it; the AAVE delta came before any snapshot
    assert [r.symbol for r in rows] == ["BTC/USDT:USDT", "BTC/USDT:USDT"]
    for row in rows:
        assert row.rate == Decimal("-0.000212") and row.interval_hours == 8  # from instruments-info
        assert row.next_funding_ts == from_ms(1673280000000)
        assert row.mark_price == Decimal("17217.33")
    assert [r.ts for r in rows] == [from_ms(1673272861686), from_ms(1673272862686)]
    assert stream.malformed == 1


@pytest.mark.parametrize(
    ("exchange_id", "market", "fixture", "cache", "rate", "next_ms", "mark"),
    [
        ("bitget", ("BTC/USDT:USDT", "BTCUSDT"), "bitget_ticker_usdt_futures.json", "tickers", "0.000096",
         1701849600000, "43476.4"),
        ("gate", ("BTC/USDT:USDT", "BTC_USDT"), "gate_futures_tickers.json", "tickers", "-0.000114",
         None, "118.35"),
        ("paradex", ("TRUMP/USD:USDC", "TRUMP-USD-PERP"), "paradex_funding_data.json", "fundingRates",
         "-0.00014969570582", None, None),
    ],
)  # fmt: skip
async def test_other_streamed_venues(
    exchange_id: str,
    market: tuple[str, str],
    fixture: str,
    cache: str,
    rate: str,
    next_ms: int | None,
    mark: str | None,
) -> None:
    clock = ManualClock(NOW)
    venue, _ = make_venue(exchange_id, clock)
    markets = [swap_market(*market)]
    preload_markets(venue.exchange, markets)
    _learned(venue, hours={market[0]: 8})
    answers = await ccxt_answers(exchange_id, markets, fixture, cache)
    stream = CcxtFundingStream(venue, pro=ScriptedPro(answers))
    await stream.open()
    (row,) = await _read(stream, 1)
    await stream.close()
    assert row.symbol == market[0] and row.rate == Decimal(rate) and row.interval_hours == 8
    assert row.next_funding_ts == (from_ms(next_ms) if next_ms else None)
    assert row.mark_price == (Decimal(mark) if mark else None)
    assert stream.malformed == 0


async def test_hyperliquid_watches_each_coin_context() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 10, 20, tzinfo=UTC))
    venue, _ = make_venue("hyperliquid", clock)
    btc = swap_market("BTC/USDC:USDC", "0", info={"name": "BTC"})
    btc["baseName"] = "BTC"
    preload_markets(venue.exchange, [btc])
    _learned(venue, venue_wide=1)
    answers = await ccxt_answers("hyperliquid", [btc], "hyperliquid_active_asset_ctx.json", "tickers")
    pro = ScriptedPro(answers)
    stream = CcxtFundingStream(venue, pro=pro)
    await stream.open()
    (row,) = await _read(stream, 1)
    await stream.close()
    assert pro.calls[0] == ("watch_ticker", "BTC/USDC:USDC")
    assert row.rate == Decimal("0.0000125") and row.interval_hours == 1
    assert row.mark_price == Decimal("14.3161") and row.index_price == Decimal("14.32")
    # Hyperliquid settles on the hour and does not say when: the next hour on our clock
    assert row.next_funding_ts == datetime(2026, 3, 1, 11, tzinfo=UTC)


async def test_first_open_learns_intervals_from_one_rest_fetch() -> None:
    clock = ManualClock(datetime(2024, 11, 27, 13, 54, 20, tzinfo=UTC))
    venue, http = binance_venue(clock, funding_info=[])
    pro = ScriptedPro()
    stream = CcxtFundingStream(venue, pro=pro)
    await stream.open()
    assert http.requests_to("/fapi/v1/premiumIndex") and venue.last_funding_report is not None
    assert pro.markets is not None and "BTC/USDT:USDT" in pro.markets  # the REST client's markets
    await stream.close()


# -- malformed, failing, silent ------------------------------------------------------------------


async def _okx_stream(pro: ScriptedPro, **kwargs: Any) -> tuple[CcxtFundingStream, CcxtVenue]:
    venue, _ = make_venue("okx", ManualClock(NOW))
    markets = [swap_market("BTC/USDT:USDT", "BTC-USDT-SWAP")]
    preload_markets(venue.exchange, markets)
    _learned(venue)
    stream = CcxtFundingStream(venue, pro=pro, **kwargs)
    return stream, venue


async def _okx_answer() -> dict[str, Any]:
    markets = [swap_market("BTC/USDT:USDT", "BTC-USDT-SWAP")]
    (answer, _) = await ccxt_answers("okx", markets, "okx_funding_rate.json", "fundingRates")
    return answer


async def test_malformed_answers_are_counted_and_the_stream_carries_on() -> None:
    good = await _okx_answer()
    broken_row = {"BTC/USDT:USDT": {"symbol": "BTC/USDT:USDT", "fundingRate": "n/a", "info": {}}}
    pro = ScriptedPro(["not a mapping", broken_row, ["a", "list"], good])
    stream, _ = await _okx_stream(pro)
    await stream.open()
    rows = await _read(stream, 4)
    assert [r.rate for r in rows] == [Decimal("0.0001875391284828")]
    assert stream.malformed == 3 and stream.failures == 0
    await stream.close()


async def test_a_failed_watch_is_charged_to_the_guard_and_the_stream_reopens() -> None:
    good = await _okx_answer()
    pro = ScriptedPro([ccxt.NetworkError("okx ws connection closed by remote server, code 1006")])
    stream, venue = await _okx_stream(pro)
    await stream.open()
    with pytest.raises(VenueUnavailable, match="connection closed"):
        await stream.next_rows()
    health = venue.health()
    assert health.consecutive_failures == 1 and "watch_funding" in health.details["last_failure"]
    assert "REST polling" in health.details["funding_stream"]
    assert pro.closed == 1  # closed so the next open dials afresh
    pro.feed(good)
    await stream.open()
    (row,) = await stream.next_rows()
    assert row.symbol == "BTC/USDT:USDT"
    health = venue.health()
    assert health.consecutive_failures == 0 and health.details["funding_stream"] == "websocket live"
    await stream.close()


async def test_silence_is_a_failure() -> None:
    pro = ScriptedPro()  # subscribes, then nothing ever arrives
    stream, venue = await _okx_stream(pro, silence_s=0.01)
    await stream.open()
    with pytest.raises(VenueUnavailable, match=r"silent for 0\.01 s"):
        await stream.next_rows()
    assert venue.guard.health().consecutive_failures == 1 and stream.failures == 1
    with pytest.raises(VenueUnavailable, match="not open"):
        await stream.next_rows()


async def test_a_real_ccxt_pro_client_without_network_fails_in_one_line_and_closes_cleanly() -> None:
    loop = asyncio.get_running_loop()
    complaints: list[str] = []
    loop.set_exception_handler(lambda _loop, context: complaints.append(str(context.get("message"))))
    stream, venue = await _okx_stream(None)  # type: ignore[arg-type]
    await stream.open()
    assert stream.pro is not None and stream.pro.id == "okx"
    with pytest.raises(VenueError) as failure:
        await stream.next_rows()
    assert "\n" not in str(failure.value) and str(failure.value).startswith("okx: ")
    await stream.close()
    await venue.close()
    gc.collect()
    await asyncio.sleep(0)
    assert not [c for c in complaints if "Unclosed" in c], complaints


# -- what is subscribed ------------------------------------------------------------------------


def test_subscriptions_follow_each_profile() -> None:
    perps = ["ETH/USDC:USDC", "BTC/USDT:USDT", "ETH/USDT:USDT"]
    bitget = profile_for("bitget").ws
    binance = profile_for("binanceusdm").ws
    hyperliquid = profile_for("hyperliquid").ws
    okx = profile_for("okx").ws
    assert bitget and binance and hyperliquid and okx
    assert subscriptions(bitget, perps) == [
        Subscription(WsMethod.TICKERS, ("ETH/USDC:USDC",)),
        Subscription(WsMethod.TICKERS, ("BTC/USDT:USDT", "ETH/USDT:USDT")),
    ]
    assert subscriptions(binance, perps) == [Subscription(WsMethod.MARK_PRICES, None)]
    assert len(subscriptions(hyperliquid, perps)) == 3
    assert subscriptions(okx, perps) == [Subscription(WsMethod.FUNDING_RATES, tuple(sorted(perps)))]
    assert subscriptions(okx, []) == []


async def test_a_venue_without_a_stream_says_why() -> None:
    venue = CcxtVenue("dydx", ManualClock(NOW))
    with pytest.raises(ConfigError, match=r"no websocket funding: ccxt\.pro watches nothing"):
        CcxtFundingStream(venue)
    await venue.close()
