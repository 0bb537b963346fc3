"""Malformed, absurd and failing answers: nothing but a VenueError ever leaves a CcxtVenue, a bad
row costs one row (counted), and no message carries a secret or spans two lines."""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import (
    MalformedResponse,
    NotSupportedByVenue,
    OrderRejected,
    UnknownOrder,
    UnknownSymbol,
    VenueError,
    VenueUnavailable,
)
from nexus_tui.core.models import HealthState, OrderRequest, OrderType, Side
from nexus_tui.venues import parsing
from nexus_tui.venues.ccxt_errors import clean_message, translate
from nexus_tui.venues.parsing import ABSURD_RATE, ParseReport
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT, PREMIUM_INDEX, binance_venue, make_venue
from tests.venues.recorded import load_json, preload_markets, swap_market

OBSERVED = BINANCE_CAPTURE_AT
CAPTURE: list[dict[str, Any]] = load_json(PREMIUM_INDEX)
FUNDING_INFO: list[dict[str, Any]] = []  # every symbol on the standard schedule

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
field_values = (
    json_scalars
    | st.sampled_from(["", "NaN", "inf", "-0", "1e400", "0.00010000", "9e99", "abc", "0x10"])
    | st.sampled_from([0, -1, 10**20, 1732723200000, 1732715655000, 2**63])
)
FIELDS = ["symbol", "markPrice", "indexPrice", "lastFundingRate", "nextFundingTime", "time", "interestRate"]


@st.composite
def mangled_rows(draw: st.DrawFn) -> tuple[int, dict[str, Any] | Any]:
    """One capture row broken in one of the ways a venue or a proxy breaks things."""
    index = draw(st.integers(0, len(CAPTURE) - 1))
    row = copy.deepcopy(CAPTURE[index])
    how = draw(st.sampled_from(["drop", "set", "replace_row"]))
    if how == "drop":
        row.pop(draw(st.sampled_from(FIELDS)), None)
    elif how == "set":
        row[draw(st.sampled_from(FIELDS))] = draw(field_values)
    else:
        return index, draw(json_values)
    return index, row


# -- the parser alone -------------------------------------------------------------------------


ROW_KEYS = ["symbol", "fundingRate", "timestamp", "fundingTimestamp", "markPrice", "indexPrice", "interval"]
unified_rows = st.dictionaries(st.sampled_from(ROW_KEYS), field_values, max_size=8) | json_values


@settings(max_examples=150, deadline=None)
@given(st.lists(unified_rows, max_size=20))
def test_funding_rows_never_raise_and_account_for_every_row(unified: list[Any]) -> None:
    report = ParseReport("x")

    def lookup(_symbol: str, row: Any) -> tuple[int, bool] | None:
        hours = parsing.interval_hours_from_label(row.get("interval"))
        return (hours, False) if hours is not None else (8, True)

    perpetuals: set[str] = {
        symbol for r in unified if isinstance(r, dict) and isinstance(symbol := r.get("symbol"), str)
    }
    rows = parsing.funding_rows(
        "x", unified, perpetuals=perpetuals, interval_for=lookup, observed_at=OBSERVED, report=report
    )
    assert report.accepted == len(rows)
    assert report.accepted + report.bad + report.skipped == len(unified)
    for row in rows:
        assert row.rate.is_finite() and abs(row.rate) <= ABSURD_RATE
        assert 1 <= row.interval_hours <= 24
        assert row.mark_price is None or row.mark_price > 0
        assert row.ts <= OBSERVED + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_scalar_readers_never_raise(value: Any) -> None:
    number = parsing.decimal_or_none(value)
    assert number is None or number.is_finite()
    ms = parsing.ms_or_none(value)
    assert ms is None or isinstance(ms, int)
    parsing.interval_hours_from_label(value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), max_size=12))
def test_spacing_never_raises_and_answers_whole_hours(timestamps: list[int]) -> None:
    hours = parsing.interval_hours_from_spacing(timestamps)
    assert hours is None or 1 <= hours <= 24


def test_spacing_reads_the_recent_schedule_and_ignores_one_odd_gap() -> None:
    hour = 3_600_000
    start = 1_700_000_000_000
    eight_then_one = [start + i * 8 * hour for i in range(10)]
    eight_then_one += [eight_then_one[-1] + (i + 1) * hour for i in range(12)]
    assert parsing.interval_hours_from_spacing(eight_then_one) == 1
    with_pause = [start + i * 4 * hour for i in range(6)] + [start + 28 * hour, start + 32 * hour]
    assert parsing.interval_hours_from_spacing(with_pause) == 4
    assert parsing.interval_hours_from_spacing([start, start + hour]) is None  # one gap proves nothing
    assert parsing.interval_hours_from_spacing([start + i * 60_000 for i in range(10)]) is None  # minutes


# -- the whole venue on a mangled capture -----------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mangled_rows(), min_size=1, max_size=6))
async def test_mangled_premium_index_costs_only_the_mangled_rows(damage: list[tuple[int, Any]]) -> None:
    answer = copy.deepcopy(CAPTURE)
    for index, row in damage:
        answer[index] = row
    damaged = {index for index, _ in damage}
    venue, http = binance_venue(ManualClock(OBSERVED), funding_info=FUNDING_INFO)
    http.recordings = [r for r in http.recordings if r.path != "/fapi/v1/premiumIndex"]
    http.answer("GET", "/fapi/v1/premiumIndex", answer)

    try:
        rows = {r.symbol: r for r in await venue.fetch_funding_rates()}
    except MalformedResponse:
        # only when the body as a whole is not JSON (a NaN or Infinity token)
        with pytest.raises(ValueError):
            json.dumps(answer, allow_nan=False)
        return

    report = venue.last_funding_report
    assert report is not None and report.accepted == len(rows)
    for index, original in enumerate(CAPTURE):
        symbol = swap_symbol(original["symbol"])
        if index in damaged or symbol is None:
            continue
        # an untouched row is there, exactly as the venue sent it (unless a mangled row took
        # its symbol, which the venue would be just as wrong to send)
        if any(
            isinstance(r, dict) and r.get("symbol") == original["symbol"] for i, r in damage if i != index
        ):
            continue
        assert rows[symbol].rate == Decimal(original["lastFundingRate"])
    for row in rows.values():
        assert abs(row.rate) <= ABSURD_RATE and row.interval_hours in (4, 8)


def load_json_text(text: str) -> Any:
    return json.loads(text)


def swap_symbol(market_id: str) -> str | None:
    from tests.venues.ccxt_helpers import binance_symbol

    return binance_symbol(market_id)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("<html><body>502 Bad Gateway</body></html>", 200),
        ('{"code": -1121, "msg": "Invalid symbol."}', 200),
        ("null", 200),
        ('"just a string"', 200),
        ("[1, 2, 3]", 200),
        ('[{"symbol": "BTCUSDT", "lastFundingRate": "0.5", "time": 1732715655000}]', 200),
        ("", 200),
    ],
)
async def test_garbage_answers_raise_one_line_venue_errors_or_count_rows(body: str, status: int) -> None:
    venue, http = binance_venue(ManualClock(OBSERVED), funding_info=FUNDING_INFO)
    http.recordings = [r for r in http.recordings if r.path != "/fapi/v1/premiumIndex"]
    http.answer("GET", "/fapi/v1/premiumIndex", body, status=status)
    try:
        rows = await venue.fetch_funding_rates()
    except VenueError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("binanceusdm: ")
    else:
        report = venue.last_funding_report
        assert report is not None and rows == []
        assert report.accepted == 0
        if body.startswith("["):  # every row of a list answer is accounted for
            assert report.bad == len(load_json_text(body))


async def test_absurd_rate_is_dropped_and_counted() -> None:
    answer = copy.deepcopy(CAPTURE)
    btc = next(i for i, r in enumerate(answer) if r["symbol"] == "BTCUSDT")
    answer[btc]["lastFundingRate"] = "0.75"  # 75 % per interval: a unit error, not a market
    venue, http = binance_venue(ManualClock(OBSERVED), funding_info=FUNDING_INFO)
    http.recordings = [r for r in http.recordings if r.path != "/fapi/v1/premiumIndex"]
    http.answer("GET", "/fapi/v1/premiumIndex", answer)
    rows = await venue.fetch_funding_rates()
    assert "BTC/USDT:USDT" not in {r.symbol for r in rows}
    report = venue.last_funding_report
    assert report is not None and report.reasons["absurd_rate"] == 1 and report.accepted == 372
    assert "1 bad" in venue.health().details["funding_rows"]


# -- errors, secrets, the circuit breaker -----------------------------------------------------

SECRET_KEY = "K3y-0f-the-trader-8842"
SECRET = "S3cr3t-of-the-trader-1177"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, '{"code": -1001, "msg": "Service unavailable"}', VenueUnavailable),
        (429, '{"code": -1003, "msg": "Too many requests"}', VenueUnavailable),
        (418, '{"code": -1003, "msg": "IP banned"}', VenueUnavailable),
        (401, '{"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}', VenueError),
        (400, '{"code": -2019, "msg": "Margin is insufficient."}', OrderRejected),
        (
            400,
            '{"code": -1111, "msg": "Precision is over the maximum defined for this asset."}',
            OrderRejected,
        ),
    ],
)
async def test_binance_errors_map_to_ours_without_secrets(
    status: int, body: str, expected: type[VenueError]
) -> None:
    clock = ManualClock(OBSERVED)
    venue, http = make_venue("binanceusdm", clock, api_key=SECRET_KEY, secret=SECRET)
    # exchangeInfo's orderTypes: ccxt refuses an order type the market does not list
    market = swap_market("BTC/USDT:USDT", "BTCUSDT", info={"orderTypes": ["LIMIT", "MARKET"]})
    preload_markets(venue.exchange, [market])
    # a venue that echoes the key back in its error text must not get it into our message
    http.answer("POST", "/fapi/v1/order", body.replace("action.", f"action {SECRET_KEY}."), status=status)
    request = OrderRequest(
        "nx-1", "binanceusdm", "BTC/USDT:USDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(50000)
    )
    with pytest.raises(expected) as caught:
        await venue.create_order(request)
    message = str(caught.value)
    assert type(caught.value) is expected
    assert "\n" not in message and SECRET_KEY not in message and SECRET not in message
    assert message.startswith("binanceusdm: ")
    if status == 401:
        assert "API key rejected" in message
    (sent,) = http.requests_to("/fapi/v1/order")
    assert "newClientOrderId=nx-1" in sent.url + (sent.body or "")  # the deterministic id went out


@pytest.mark.parametrize(
    ("error", "expected", "words"),
    [
        (
            ccxt.RequestTimeout("binanceusdm GET https://fapi.binance.com/x?signature=abc"),
            VenueUnavailable,
            "timeout",
        ),
        (ccxt.ExchangeNotAvailable("binanceusdm down"), VenueUnavailable, "unreachable"),
        (ccxt.DDoSProtection("slow down"), VenueUnavailable, "rate limited"),
        (ccxt.RateLimitExceeded("slow down"), VenueUnavailable, "rate limited"),
        (ccxt.BadResponse("garbage"), MalformedResponse, "malformed"),
        (ccxt.AuthenticationError("bad key"), VenueError, "API key rejected"),
        (ccxt.InsufficientFunds("no money"), OrderRejected, "insufficient funds"),
        (ccxt.InvalidOrder("bad size"), OrderRejected, "order rejected"),
        (ccxt.OrderNotFound("gone"), UnknownOrder, "order not found"),
        (
            ccxt.BadSymbol("binanceusdm does not have market symbol NOPE/USDT:USDT"),
            UnknownSymbol,
            "unknown symbol",
        ),
        (
            ccxt.NotSupported("binanceusdm fetchTime() is not supported yet"),
            NotSupportedByVenue,
            "not supported",
        ),
        (KeyError("lastFundingRate"), MalformedResponse, "malformed"),
        (TypeError("'NoneType' object is not subscriptable"), MalformedResponse, "malformed"),
    ],
)
def test_translation_table(error: BaseException, expected: type[VenueError], words: str) -> None:
    ours = translate(error, "binanceusdm", "fetch_funding_rates", secrets=[SECRET])
    assert type(ours) is expected
    assert words in str(ours) and "\n" not in str(ours)
    assert "signature=abc" not in str(ours)


def test_clean_message_strips_secrets_hex_and_lines() -> None:
    text = f"bad\nkey {SECRET_KEY} sig 0x{'ab' * 32} at https://x.io/a?apiKey={SECRET_KEY}&s=1 " + "x" * 400
    cleaned = clean_message(text, [SECRET_KEY])
    assert "\n" not in cleaned and SECRET_KEY not in cleaned and "ab" * 20 not in cleaned
    assert len(cleaned) <= 160


async def test_five_failures_open_the_circuit_then_a_probe_restores_it() -> None:
    clock = ManualClock(OBSERVED)
    venue, http = binance_venue(clock, funding_info=FUNDING_INFO)
    http.recordings = [r for r in http.recordings if r.path != "/fapi/v1/premiumIndex"]
    http.answer("GET", "/fapi/v1/premiumIndex", '{"code": -1001, "msg": "busy"}', status=503, times=5)
    http.answer("GET", "/fapi/v1/premiumIndex", CAPTURE)
    for _ in range(5):
        with pytest.raises(VenueUnavailable):
            await venue.fetch_funding_rates()
    assert venue.health().state is HealthState.DEGRADED
    calls = len(http.requests_to("/fapi/v1/premiumIndex"))
    with pytest.raises(VenueUnavailable, match="circuit open"):
        await venue.fetch_funding_rates()
    assert len(http.requests_to("/fapi/v1/premiumIndex")) == calls  # refused without I/O
    clock.advance(venue.guard.retry_in_s() + 1)
    rows = await venue.fetch_funding_rates()
    assert len(rows) == 373
    assert venue.health().state is HealthState.OK


async def test_network_failure_from_the_transport_is_venue_unavailable() -> None:
    venue, http = binance_venue(ManualClock(OBSERVED), funding_info=FUNDING_INFO)
    http.fail_next.append(ccxt.NetworkError("binanceusdm GET https://fapi.binance.com/fapi/v1/fundingInfo"))
    http.fail_next.append(
        ccxt.RequestTimeout("binanceusdm GET https://fapi.binance.com/fapi/v1/premiumIndex")
    )
    with pytest.raises(VenueUnavailable, match="timeout"):
        await venue.fetch_funding_rates()


async def test_an_unreachable_venue_says_why_in_one_line() -> None:
    venue, http = make_venue("binanceusdm", ManualClock(OBSERVED), api_key=SECRET_KEY, secret=SECRET)
    # what ccxt raises when the name does not resolve: its text is the request, the cause says why
    error = ccxt.ExchangeNotAvailable(
        f"binanceusdm GET https://fapi.binance.com/fapi/v1/time?key={SECRET_KEY}"
    )
    error.__cause__ = OSError(-2, f"Name or service not known\n  (asked for {SECRET_KEY})")
    http.fail_next.append(error)
    with pytest.raises(VenueUnavailable) as caught:
        await venue.fetch_server_time()
    message = str(caught.value)
    assert message.startswith(
        "binanceusdm: unreachable (fetch_time): GET https://fapi.binance.com/fapi/v1/time"
    )
    assert message.endswith("/fapi/v1/time?…: [Errno -2] Name or service not known (asked for ***)")
    assert "\n" not in message and SECRET_KEY not in message


async def test_private_calls_without_keys_say_so_without_io() -> None:
    venue, http = binance_venue(ManualClock(OBSERVED))
    assert not venue.has_private
    with pytest.raises(VenueError, match="needs API credentials"):
        await venue.fetch_balances()
    assert http.sent == []


async def test_close_is_idempotent_and_later_calls_are_refused() -> None:
    venue, http = binance_venue(ManualClock(OBSERVED), funding_info=FUNDING_INFO)
    closed: list[int] = []

    async def close() -> None:
        closed.append(1)

    venue.exchange.close = close
    await venue.close()
    await venue.close()
    assert closed == [1]
    with pytest.raises(VenueUnavailable, match="closed"):
        await venue.fetch_funding_rates()
    assert http.sent == []


def test_no_float_money_sneaks_in() -> None:
    # ccxt's floats become Decimals through their repr: 0.1 stays 0.1, not 0.1000000000000000055...
    assert parsing.decimal_or_none(0.1) == Decimal("0.1")
    assert parsing.decimal_or_none(math.inf) is None
    assert parsing.decimal_or_none(True) is None
    assert parsing.ms_or_none(datetime(2024, 1, 1).timestamp()) is None  # seconds, not ms
    for label in (math.inf, -math.inf, math.nan, "infh", "1e400h", "30m", "0h", "25h"):
        assert parsing.interval_hours_from_label(label) is None  # found by hypothesis: inf overflowed
