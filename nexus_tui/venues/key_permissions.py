"""What an API key may do, as the venues that report it say: read, trade, withdraw.

Seed 003 §11.1: a trading key must never be able to withdraw; `nexus-tui doctor` fails a venue
whose key can. ccxt has no unified call for this, so each venue's own endpoint is read through
ccxt's implicit API (signed like any private call):

- Binance (binanceusdm): GET /sapi/v1/account/apiRestrictions -> enableWithdrawals,
  enableFutures, enableReading;
- Bybit: GET /v5/user/query-api -> result.permissions.Wallet holds "Withdraw" when the key may
  withdraw; result.readOnly is 1 for a read-only key;
- OKX: GET /api/v5/account/config -> data[0].perm, e.g. "read_only,withdraw,trade".

A venue not listed here does not report its keys' permissions (NotSupportedByVenue). An answer
without the venue's envelope is malformed; a field missing inside it is None ("not reported"),
never taken for "cannot withdraw".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import ccxt

KeyPermissions = dict[str, bool | None]  # "read", "trade", "withdraw"
PermissionFetcher = Callable[[Any], Awaitable[KeyPermissions]]


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _envelope(answer: object, key: str | None = None) -> Any:
    """The answer (or its `key` entry), which must be there: ccxt hands over the raw text when a
    proxy answers HTML, and an empty reading of that must not pass for "not reported"."""
    if not isinstance(answer, Mapping) or (key is not None and key not in answer):
        raise ccxt.BadResponse(f"key permissions answer is not the venue's JSON ({type(answer).__name__})")
    return answer if key is None else answer[key]


async def _binance(exchange: Any) -> KeyPermissions:
    answer = _envelope(await exchange.sapi_get_account_apirestrictions())
    return {
        "read": _flag(answer.get("enableReading")),
        "trade": _flag(answer.get("enableFutures")),  # the desk trades USDⓈ-M futures
        "withdraw": _flag(answer.get("enableWithdrawals")),
    }


async def _bybit(exchange: Any) -> KeyPermissions:
    result = _mapping(_envelope(await exchange.private_get_v5_user_query_api(), "result"))
    wallet = _mapping(result.get("permissions")).get("Wallet")
    read_only = result.get("readOnly")
    return {
        "trade": read_only == 0 if read_only in (0, 1) else None,
        "withdraw": "Withdraw" in wallet if isinstance(wallet, list) else None,
    }


async def _okx(exchange: Any) -> KeyPermissions:
    data = _envelope(await exchange.private_get_account_config(), "data")
    first = _mapping(data[0]) if isinstance(data, list) and data else {}
    perm = first.get("perm")
    if not isinstance(perm, str):
        return {"read": None, "trade": None, "withdraw": None}
    granted = {part.strip() for part in perm.split(",")}
    return {"read": "read_only" in granted, "trade": "trade" in granted, "withdraw": "withdraw" in granted}


PERMISSION_FETCHERS: dict[str, PermissionFetcher] = {
    "binanceusdm": _binance,
    "bybit": _bybit,
    "okx": _okx,
}

__all__ = ["PERMISSION_FETCHERS", "KeyPermissions", "PermissionFetcher"]
