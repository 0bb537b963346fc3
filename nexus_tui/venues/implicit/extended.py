"""Extended: current funding from GET /api/v1/info/markets (`marketStats` of each market).

Quirk: in `marketStats`, `nextFundingRate` is not a rate but the time (epoch ms) of the next
settlement; `fundingRate` is the current rate.
"""

from __future__ import annotations

from typing import Any

import ccxt

BAD_ROW: dict[str, Any] = {"symbol": None}


async def fetch_funding_rates(exchange: Any) -> list[dict[str, Any]]:
    response = await exchange.v1PublicGetInfoMarkets({})
    markets = response.get("data") if isinstance(response, dict) else None
    if not isinstance(markets, list):
        raise ccxt.BadResponse("extended info/markets: the answer has no 'data' list")
    return [unified_row(exchange, raw) for raw in markets]


def unified_row(exchange: Any, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        return BAD_ROW
    stats = raw.get("marketStats")
    if not isinstance(stats, dict):
        return BAD_ROW
    return {
        "info": raw,
        "symbol": exchange.safe_symbol(raw["name"]),
        "fundingRate": stats.get("fundingRate"),
        "markPrice": stats.get("markPrice"),
        "indexPrice": stats.get("indexPrice"),
        "timestamp": None,
        "fundingTimestamp": stats.get("nextFundingRate"),
        "nextFundingRate": None,
        "interval": None,
    }
