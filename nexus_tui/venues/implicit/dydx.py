"""dYdX v4: current funding from the indexer's GET /v4/perpetualMarkets.

Each market carries `nextFundingRate`, the rate of the coming hourly settlement, and
`oraclePrice`, the price dYdX marks positions and funding against. The indexer gives no
settlement time, so `fundingTimestamp` stays empty rather than guessed.
"""

from __future__ import annotations

from typing import Any

import ccxt

BAD_ROW: dict[str, Any] = {"symbol": None}


async def fetch_funding_rates(exchange: Any) -> list[dict[str, Any]]:
    response = await exchange.indexerGetPerpetualMarkets({})
    markets = response.get("markets") if isinstance(response, dict) else None
    if not isinstance(markets, dict):
        raise ccxt.BadResponse("dydx perpetualMarkets: the answer has no 'markets' object")
    return [unified_row(exchange, raw) for raw in markets.values()]


def unified_row(exchange: Any, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("ticker"), str):
        return BAD_ROW
    oracle = raw.get("oraclePrice")
    return {
        "info": raw,
        "symbol": exchange.safe_symbol(raw["ticker"]),
        "fundingRate": raw.get("nextFundingRate"),
        "markPrice": oracle,
        "indexPrice": oracle,
        "timestamp": None,
        "fundingTimestamp": None,
        "nextFundingRate": None,
        "interval": None,
    }
