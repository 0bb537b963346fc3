"""API-key permissions read from the venues that report them, and the doctor failing a key that can
withdraw.

The answers are the venues' documented response examples, with only the permission fields varied:
- Binance, GET /sapi/v1/account/apiRestrictions: developers.binance.com, Wallet > Account >
  "Get API Key Permission" (response example);
- Bybit, GET /v5/user/query-api: bybit-exchange.github.io/docs/v5/user/apikey-info (response
  parameters and example; "Withdraw" is one of the Wallet permissions of a master account's key);
- OKX, GET /api/v5/account/config: the answer quoted in ccxt's okx.fetch_accounts (MIT, ccxt 4.5.x),
  itself from OKX's v5 documentation ("perm": "read_only,withdraw,trade").
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import MalformedResponse, NotSupportedByVenue, VenueError
from nexus_tui.core.models import Balance, HealthState
from nexus_tui.doctor import CheckStatus, run_doctor
from nexus_tui.venues.ccxt_venue import CcxtVenue
from tests.venues.recorded import RecordedHttp, preload_markets, swap_market

BINANCE_RESTRICTIONS: dict[str, Any] = {
    "ipRestrict": False,
    "createTime": 1623840271000,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": True,
    "enableMargin": False,
    "enableFutures": False,
    "permitsUniversalTransfer": True,
    "enableVanillaOptions": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": True,
    "enableSpotAndMarginTrading": False,
    "enablePortfolioMarginTrading": True,
}

BYBIT_KEY_INFO: dict[str, Any] = {
    "retCode": 0,
    "retMsg": "",
    "result": {
        "id": "13770661",
        "note": "XXXXXX",
        "apiKey": "XXXXXX",
        "readOnly": 0,
        "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"],
            "Options": ["OptionsTrade"],
            "Derivatives": ["DerivativesTrade"],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": ["ExchangeHistory"],
            "NFT": [],
            "Affiliate": [],
        },
        "ips": ["*"],
        "type": 1,
        "deadlineDay": 66,
        "expiredAt": "2023-12-22T07:20:25Z",
        "createdAt": "2022-10-16T02:24:40Z",
        "unified": 0,
        "uta": 0,
        "userID": 24617703,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": True,
        "parentUid": "0",
        "kycLevel": "LEVEL_DEFAULT",
        "kycRegion": "",
    },
    "retExtInfo": {},
    "time": 1697525990798,
}

OKX_CONFIG: dict[str, Any] = {
    "code": "0",
    "data": [
        {
            "acctLv": "2",
            "acctStpMode": "cancel_maker",
            "autoLoan": False,
            "ctIsoMode": "automatic",
            "enableSpotBorrow": False,
            "greeksType": "PA",
            "feeType": "0",
            "ip": "",
            "type": "0",
            "kycLv": "3",
            "label": "v5 test",
            "level": "Lv1",
            "levelTmp": "",
            "liquidationGear": "-1",
            "mainUid": "44705892343619584",
            "mgnIsoMode": "automatic",
            "opAuth": "1",
            "perm": "read_only,withdraw,trade",
            "posMode": "long_short_mode",
            "roleType": "0",
            "spotBorrowAutoRepay": False,
            "spotOffsetType": "",
            "spotRoleType": "0",
            "spotTraderInsts": [],
            "traderInsts": [],
            "uid": "44705892343619584",
            "settleCcy": "USDT",
            "settleCcyList": ["USD", "USDC", "USDG"],
        }
    ],
    "msg": "",
}


def keyed_venue(exchange_id: str, password: str | None = None) -> tuple[CcxtVenue, RecordedHttp]:
    venue = CcxtVenue(exchange_id, ManualClock(), api_key="key-0001", secret="secret-0001", password=password)
    venue.exchange.enableRateLimit = False
    return venue, RecordedHttp(venue.exchange)


def bybit_with_wallet(*wallet: str, read_only: int = 0) -> dict[str, Any]:
    answer = deepcopy(BYBIT_KEY_INFO)
    answer["result"]["permissions"]["Wallet"] = list(wallet)
    answer["result"]["readOnly"] = read_only
    return answer


@pytest.mark.parametrize(
    ("withdrawals", "futures"),
    [(False, False), (True, True)],
)
async def test_binance_reads_its_api_restrictions(withdrawals: bool, futures: bool) -> None:
    venue, http = keyed_venue("binanceusdm")
    answer = {**BINANCE_RESTRICTIONS, "enableWithdrawals": withdrawals, "enableFutures": futures}
    http.answer("GET", "/sapi/v1/account/apiRestrictions", answer)
    assert await venue.fetch_key_permissions() == {"read": True, "trade": futures, "withdraw": withdrawals}
    (sent,) = http.sent
    assert sent.url.startswith("https://api.binance.com/sapi/v1/account/apiRestrictions?timestamp=")
    assert "signature=" in sent.url  # a signed request: the key's own permissions


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (BYBIT_KEY_INFO, {"trade": True, "withdraw": False}),
        (
            bybit_with_wallet("AccountTransfer", "SubMemberTransfer", "Withdraw"),
            {"trade": True, "withdraw": True},
        ),
        (bybit_with_wallet(read_only=1), {"trade": False, "withdraw": False}),
    ],
)
async def test_bybit_reads_the_wallet_permissions(answer: dict[str, Any], expected: dict[str, bool]) -> None:
    venue, http = keyed_venue("bybit")
    http.answer("GET", "/v5/user/query-api", answer)
    assert await venue.fetch_key_permissions() == expected


@pytest.mark.parametrize(
    ("perm", "expected"),
    [
        ("read_only,withdraw,trade", {"read": True, "trade": True, "withdraw": True}),
        ("read_only,trade", {"read": True, "trade": True, "withdraw": False}),
        ("read_only", {"read": True, "trade": False, "withdraw": False}),
    ],
)
async def test_okx_reads_perm(perm: str, expected: dict[str, bool]) -> None:
    venue, http = keyed_venue("okx", password="passphrase-0001")
    answer = deepcopy(OKX_CONFIG)
    answer["data"][0]["perm"] = perm
    http.answer("GET", "/api/v5/account/config", answer)
    assert await venue.fetch_key_permissions() == expected


async def test_a_missing_field_is_not_reported_never_safe() -> None:
    venue, http = keyed_venue("okx", password="passphrase-0001")
    answer = deepcopy(OKX_CONFIG)
    del answer["data"][0]["perm"]
    http.answer("GET", "/api/v5/account/config", answer)
    assert await venue.fetch_key_permissions() == {"read": None, "trade": None, "withdraw": None}

    venue, http = keyed_venue("bybit")
    broken = deepcopy(BYBIT_KEY_INFO)
    broken["result"]["permissions"] = "Wallet"
    http.answer("GET", "/v5/user/query-api", broken)
    assert (await venue.fetch_key_permissions())["withdraw"] is None


async def test_other_venues_say_they_do_not_report_it_without_a_request() -> None:
    venue, http = keyed_venue("gate")
    with pytest.raises(NotSupportedByVenue, match="does not report an API key's permissions"):
        await venue.fetch_key_permissions()
    assert http.sent == []
    no_keys = CcxtVenue("bybit", ManualClock())
    with pytest.raises(VenueError, match="needs API credentials"):
        await no_keys.fetch_key_permissions()


async def test_a_garbled_answer_is_malformed() -> None:
    venue, http = keyed_venue("binanceusdm")
    http.answer("GET", "/sapi/v1/account/apiRestrictions", "<html>gateway</html>")
    with pytest.raises(MalformedResponse, match="not the venue's JSON"):
        await venue.fetch_key_permissions()
    venue, http = keyed_venue("bybit")
    http.answer("GET", "/v5/user/query-api", {"retCode": 0, "retMsg": "OK"})
    with pytest.raises(MalformedResponse):
        await venue.fetch_key_permissions()


# -- the doctor -----------------------------------------------------------------------------------


def doctor_ready(venue: CcxtVenue, http: RecordedHttp, server_time: dict[str, Any], time_path: str) -> None:
    """Markets from memory, a server time, and balances that answer (their parsing is tested with
    the venue's captures elsewhere; here only the permission check matters)."""
    preload_markets(venue.exchange, [swap_market("BTC/USDT:USDT", "BTCUSDT")])
    http.answer("GET", time_path, server_time)

    async def balances() -> list[Balance]:
        return []

    venue.fetch_balances = balances  # type: ignore[method-assign]


async def test_doctor_fails_a_key_that_can_withdraw_and_passes_one_that_cannot() -> None:
    can, can_http = keyed_venue("bybit")
    doctor_ready(
        can,
        can_http,
        {
            "retCode": 0,
            "retMsg": "OK",
            "result": {"timeSecond": "1767225600", "timeNano": "1767225600000000000"},
            "retExtInfo": {},
            "time": 1767225600000,
        },
        "/v5/market/time",
    )
    can_http.answer("GET", "/v5/user/query-api", bybit_with_wallet("AccountTransfer", "Withdraw"))

    cannot, cannot_http = keyed_venue("binanceusdm")
    doctor_ready(cannot, cannot_http, {"serverTime": 1767225600000}, "/fapi/v1/time")
    cannot_http.answer(
        "GET", "/sapi/v1/account/apiRestrictions", {**BINANCE_RESTRICTIONS, "enableFutures": True}
    )

    unreported, unreported_http = keyed_venue("gate")
    doctor_ready(unreported, unreported_http, {"serverTime": 1767225600000}, "/api/v4/spot/time")

    clock = ManualClock()  # 2026-01-01T00:00:00Z, the recorded server times
    report = await run_doctor([can, cannot, unreported], clock)
    by_venue = {v.venue: v for v in report.venues}
    assert (
        by_venue["bybit"].reason == "this API key can WITHDRAW funds: remove that permission on the exchange"
    )
    assert by_venue["binanceusdm"].ok
    assert "keys valid · no withdrawal permission" in by_venue["binanceusdm"].line()
    gate_checks = {c.name: c for c in by_venue["gate"].checks}
    assert gate_checks["withdraw"].status is CheckStatus.SKIP
    assert gate_checks["withdraw"].detail == "withdrawal permission not reported by the venue"
    assert not report.ok
    assert can.health().state is HealthState.OK  # a permission answer is an answer
