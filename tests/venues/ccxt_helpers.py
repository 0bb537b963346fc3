"""Builders shared by the ccxt venue tests: venues wired to recordings, market lists for captures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nexus_tui.core.clock import ManualClock
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import VenueGuard
from tests.venues.recorded import RecordedHttp, load_json, preload_markets, swap_market

PREMIUM_INDEX = "raw/binance_fapi_v1_premiumIndex.BitVigil_2024-11-27.json"
HL_META_AND_CTXS = "raw/hyperliquid_info_metaAndAssetCtxs.goat_sdk.json"
_HL_CASSETTES = "raw/hyperliquid_python_sdk_cassettes"
HL_FUNDING_HISTORY = f"{_HL_CASSETTES}/info_fundingHistory_BTC_start1681923833000.response.json"
HL_FUNDING_HISTORY_EARLY = (
    f"{_HL_CASSETTES}/info_fundingHistory_BTC_1681923833000_1684811870000.response.json"
)
DYDX_MARKETS = "raw/dydx_v4_http_get_perpetual_markets.nautilus.json"
DYDX_HISTORY = "raw/dydx_v4_http_get_historical_funding.nautilus.json"
DYDX_BOOK = "raw/dydx_v4_http_get_orderbook.nautilus.json"

# the BitVigil capture was taken at 2024-11-27T13:54:15Z
BINANCE_CAPTURE_AT = datetime(2024, 11, 27, 13, 54, 20, tzinfo=UTC)
# the NautilusTrader dYdX envelope says 2025-12-08T16:12:00Z
DYDX_CAPTURE_AT = datetime(2025, 12, 8, 16, 12, tzinfo=UTC)


def binance_symbol(market_id: str) -> str | None:
    """The unified symbol of a USDⓈ-M perpetual id in the capture (None for dated or BTC-quoted)."""
    if "_" in market_id:
        return None  # a delivery future (ETHUSDT_250328): not a perpetual
    for quote in ("USDT", "USDC"):
        if market_id.endswith(quote) and len(market_id) > len(quote):
            return f"{market_id[: -len(quote)]}/{quote}:{quote}"
    return None  # ETHBTC, BNBBTC: margined differently, not listed here


def binance_markets(premium_index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """binanceusdm's exchangeInfo is not recorded: the market list is derived from the capture's ids."""
    markets = []
    for row in premium_index:
        symbol = binance_symbol(row["symbol"])
        if symbol is not None:
            markets.append(swap_market(symbol, row["symbol"]))
    return markets


def make_venue(exchange_id: str, clock: ManualClock, **kwargs: Any) -> tuple[CcxtVenue, RecordedHttp]:
    guard = VenueGuard(exchange_id, clock, failure_threshold=5)
    venue = CcxtVenue(exchange_id, clock, guard=guard, **kwargs)
    # the recordings answer instantly; ccxt's own request spacing would only slow the tests
    venue.exchange.enableRateLimit = False
    return venue, RecordedHttp(venue.exchange)


def binance_venue(clock: ManualClock, funding_info: object | None = None) -> tuple[CcxtVenue, RecordedHttp]:
    venue, http = make_venue("binanceusdm", clock)
    capture = load_json(PREMIUM_INDEX)
    preload_markets(venue.exchange, binance_markets(capture))
    http.answer("GET", "/fapi/v1/premiumIndex", capture)
    if funding_info is not None:
        http.answer("GET", "/fapi/v1/fundingInfo", funding_info)
    return venue, http


def hyperliquid_venue(clock: ManualClock) -> tuple[CcxtVenue, RecordedHttp]:
    venue, http = make_venue("hyperliquid", clock)
    # only the perpetual universe is recorded (spot metadata is not needed for perp funding)
    venue.exchange.options["fetchMarkets"]["types"] = ["swap"]
    venue.exchange.has["fetchCurrencies"] = False
    http.answer("POST", "/info", load_json(HL_META_AND_CTXS), when={"type": "metaAndAssetCtxs"})
    return venue, http


def dydx_venue(clock: ManualClock, *, with_history: bool = True) -> tuple[CcxtVenue, RecordedHttp]:
    venue, http = make_venue("dydx", clock)
    # the indexer payload sits under "result" in NautilusTrader's test envelope
    http.answer("GET", "/v4/perpetualMarkets", load_json(DYDX_MARKETS)["result"])
    if with_history:
        http.answer("GET", "/v4/historicalFunding/BTC-USD", load_json(DYDX_HISTORY)["result"])
    return venue, http


def dumps(value: object) -> str:
    return json.dumps(value)
