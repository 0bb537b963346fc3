"""CcxtVenue's VenueGuard as the desk builds it: a rate budget sized from ccxt's rateLimit with
orders taken as orders, and venue answers that say "no" (unknown symbol, unknown order,
unsupported call) never counted against the venue's health."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import NotSupportedByVenue, UnknownOrder, UnknownSymbol
from nexus_tui.core.models import HealthState, OrderRequest, OrderStatus, OrderType, Side
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import CircuitState
from nexus_tui.venues.rate_budget import RateBudget
from tests.venues.ccxt_helpers import BINANCE_CAPTURE_AT
from tests.venues.recorded import RecordedHttp, preload_markets, swap_market

KEY, SECRET = "test-key-0001", "test-secret-0001"
BTC = "BTC/USDT:USDT"

# Binance USDⓈ-M's documented answers (POST/DELETE /fapi/v1/order "Response Example", and its
# error codes -1121 "Invalid symbol." and -2013 "Order does not exist."), filled in for our order.
ORDER_ACK = {
    "clientOrderId": "nx-1",
    "cumQty": "0",
    "cumQuote": "0",
    "executedQty": "0",
    "orderId": 4611875134427365377,
    "avgPrice": "0.00",
    "origQty": "0.010",
    "price": "50000",
    "reduceOnly": False,
    "side": "BUY",
    "positionSide": "BOTH",
    "status": "NEW",
    "stopPrice": "0",
    "closePosition": False,
    "symbol": "BTCUSDT",
    "timeInForce": "GTC",
    "type": "LIMIT",
    "origType": "LIMIT",
    "updateTime": 1732715655000,
    "workingType": "CONTRACT_PRICE",
    "priceProtect": False,
    "priceMatch": "NONE",
    "selfTradePreventionMode": "NONE",
    "goodTillDate": 0,
}
CANCELED = {**ORDER_ACK, "status": "CANCELED"}
INVALID_SYMBOL = {"code": -1121, "msg": "Invalid symbol."}
NO_SUCH_ORDER = {"code": -2013, "msg": "Order does not exist."}


def desk_venue(clock: ManualClock) -> tuple[CcxtVenue, RecordedHttp]:
    """A binanceusdm venue built the way bootstrap builds it: no guard handed in."""
    venue = CcxtVenue("binanceusdm", clock, api_key=KEY, secret=SECRET)
    venue.exchange.enableRateLimit = False  # the recordings answer at once
    # exchangeInfo's orderTypes: ccxt refuses an order type the market does not list
    preload_markets(venue.exchange, [swap_market(BTC, "BTCUSDT", info={"orderTypes": ["LIMIT", "MARKET"]})])
    return venue, RecordedHttp(venue.exchange)


def test_the_guard_gets_a_budget_from_ccxts_rate_limit() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, _ = desk_venue(clock)
    budget = venue.guard.budget
    assert isinstance(budget, RateBudget)
    assert venue.exchange.rateLimit > 0
    assert budget.rate_per_s == pytest.approx(1000 / venue.exchange.rateLimit)
    assert budget.venue_id == "binanceusdm"


async def test_orders_take_order_tokens_and_data_takes_data_tokens() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = desk_venue(clock)
    http.answer("POST", "/fapi/v1/order", ORDER_ACK)
    http.answer("DELETE", "/fapi/v1/order", CANCELED)
    http.answer("GET", "/fapi/v1/time", {"serverTime": 1732715655000})
    budget = venue.guard.budget
    assert budget is not None

    request = OrderRequest(
        "nx-1", "binanceusdm", BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(50000)
    )
    order = await venue.create_order(request)
    assert order.status is OrderStatus.OPEN and order.client_order_id == "nx-1"
    canceled = await venue.cancel_order(order.id, BTC)
    assert canceled.status is OrderStatus.CANCELED
    await venue.fetch_server_time()

    assert budget.granted == {"order": 2, "data": 2}  # load_markets (from memory) and fetch_time
    assert http.unrecorded == []


async def test_an_order_waits_ahead_of_queued_data() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = desk_venue(clock)
    http.answer("POST", "/fapi/v1/order", ORDER_ACK)
    budget = venue.guard.budget
    assert budget is not None
    while budget.available() >= 1 + budget.order_reserve:  # a data burst took every data token
        await budget.acquire("data")
    granted: list[str] = []
    original = budget.acquire

    async def spy(kind: str = "data", cost: float = 1.0) -> None:
        await original(kind, cost)  # type: ignore[arg-type]
        granted.append(kind)

    budget.acquire = spy  # type: ignore[method-assign]
    request = OrderRequest(
        "nx-1", "binanceusdm", BTC, Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal(50000)
    )
    await venue.create_order(request)
    assert granted == ["data", "order"]  # load_markets, then the order on the reserved token
    assert budget.queued == {"data": 1, "order": 0}  # data waited for a token; the order did not


async def test_ten_unknown_symbols_in_a_row_leave_the_venue_ok() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = desk_venue(clock)
    http.answer("GET", "/fapi/v1/depth", INVALID_SYMBOL, status=400)
    for attempt in range(10):
        with pytest.raises(UnknownSymbol, match="unknown symbol"):
            if attempt % 2:  # ccxt refuses a symbol it never listed before any request ...
                await venue.fetch_order_book("NOPE/USDT:USDT")
            else:  # ... and the venue answers -1121 for one it no longer lists
                await venue.fetch_order_book(BTC)
    assert len(http.requests_to("/fapi/v1/depth")) == 5
    health = venue.health()
    assert health.state is HealthState.OK and health.consecutive_failures == 0
    assert venue.guard.circuit is CircuitState.CLOSED


async def test_unknown_orders_and_unsupported_calls_are_answers_too() -> None:
    clock = ManualClock(BINANCE_CAPTURE_AT)
    venue, http = desk_venue(clock)
    http.answer("GET", "/fapi/v1/order", NO_SUCH_ORDER, status=400)
    venue.exchange.fetch_time = _not_supported(venue)
    for _ in range(5):
        with pytest.raises(UnknownOrder, match="order not found"):
            await venue.fetch_order("42", BTC)
        with pytest.raises(NotSupportedByVenue, match="fetch_time is not supported"):
            await venue.fetch_server_time()
    assert venue.health().state is HealthState.OK
    assert venue.guard.circuit is CircuitState.CLOSED


def _not_supported(venue: CcxtVenue):  # type: ignore[no-untyped-def]
    """ccxt's base fetchTime, as an exchange without one answers."""
    from ccxt.async_support.base.exchange import Exchange

    async def fetch_time(params: object = None) -> int:
        return await Exchange.fetch_time(venue.exchange, params or {})

    return fetch_time
