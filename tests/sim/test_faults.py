"""Each switchable fault does what a real venue does on a bad day, and only to the venue it is set on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput, OrderRejected, VenueUnavailable
from nexus_tui.core.models import HealthState, OrderRequest, OrderStatus, OrderType, Side
from nexus_tui.venues.sim import FAULTS, SimMarket, build_sim_market
from tests.sim.conftest import START

BTC = "BTC/USDT:USDT"
D = Decimal


def market_order(venue: str, amount: str = "0.1", cid: str = "c1", side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(cid, venue, BTC, side, OrderType.MARKET, D(amount))


def test_the_five_faults_exist() -> None:
    assert set(FAULTS) == {"reject", "partial_fill", "timeout", "disconnect", "stale"}


async def test_reject_refuses_orders_but_not_market_data(market: SimMarket) -> None:
    market.set_fault("sim:binance", "reject", reason="too many requests")
    venue = market.venue("sim:binance")
    with pytest.raises(OrderRejected, match="too many requests"):
        await venue.create_order(market_order(venue.id))
    assert await venue.fetch_funding_rates([BTC])
    assert await venue.fetch_positions() == []
    other = market.venue("sim:bybit")
    assert (await other.create_order(market_order(other.id))).status is OrderStatus.CLOSED
    market.set_fault("sim:binance", "reject", on=False)
    assert (await venue.create_order(market_order(venue.id, cid="c2"))).filled == D("0.1")


async def _coin_flips(market: SimMarket) -> list[bool]:
    market.set_fault("sim:okx", "reject", probability=0.5)
    venue = market.venue("sim:okx")
    accepted = []
    for i in range(20):
        try:
            await venue.create_order(market_order(venue.id, "0.01", cid=f"p{i}"))
            accepted.append(True)
        except OrderRejected:
            accepted.append(False)
    return accepted


async def test_reject_with_a_probability_is_seeded(market: SimMarket) -> None:
    accepted = await _coin_flips(market)
    assert 3 <= accepted.count(False) <= 17
    replay = build_sim_market(seed=7, clock=ManualClock(START), n_symbols=30, latency_scale=0)
    assert await _coin_flips(replay) == accepted  # same seed, same calls: same refusals


async def test_partial_fill_fills_a_fraction_and_expires_the_rest(market: SimMarket) -> None:
    market.set_fault("sim:bybit", "partial_fill", fraction=0.3)
    venue = market.venue("sim:bybit")
    result = await venue.create_order(market_order(venue.id, "1"))
    assert result.filled == D("0.3") and result.status is OrderStatus.EXPIRED
    assert result.reason and "partially filled" in result.reason
    [position] = await venue.fetch_positions()
    assert position.amount == D("0.3")


async def test_partial_fill_leaves_a_limit_order_open_with_the_rest(market: SimMarket) -> None:
    market.set_fault("sim:gate", "partial_fill")  # half
    venue = market.venue("sim:gate")
    book = await venue.fetch_order_book(BTC)
    assert book.best_ask is not None
    request = OrderRequest("l1", venue.id, BTC, Side.BUY, OrderType.LIMIT, D("0.4"), book.best_ask + 100)
    result = await venue.create_order(request)
    assert result.filled == D("0.2") and result.status is OrderStatus.OPEN


async def test_timeout_waits_then_raises_and_the_order_may_have_landed(
    market: SimMarket, clock: ManualClock
) -> None:
    market.set_fault("sim:bitget", "timeout", seconds=5)
    venue = market.venue("sim:bitget")
    start = clock.now()
    with pytest.raises(VenueUnavailable, match="no answer within 5 s"):
        await venue.fetch_funding_rates()
    assert (clock.now() - start).total_seconds() == 5
    with pytest.raises(VenueUnavailable):
        await venue.create_order(market_order(venue.id, cid="lost-answer"))
    assert venue.health().state is HealthState.DEGRADED
    market.set_fault("sim:bitget", "timeout", on=False)
    landed = await venue.fetch_order("lost-answer", BTC)  # reconcile by client order id
    assert landed.status is OrderStatus.CLOSED and landed.filled == D("0.1")
    assert venue.health().state is HealthState.OK


async def test_timeout_that_does_not_land_leaves_no_order(market: SimMarket) -> None:
    market.set_fault("sim:bitget", "timeout", lands=False)
    venue = market.venue("sim:bitget")
    with pytest.raises(VenueUnavailable):
        await venue.create_order(market_order(venue.id, cid="never"))
    market.set_fault("sim:bitget", "timeout", on=False)
    assert await venue.fetch_positions() == []
    assert (await venue.create_order(market_order(venue.id, cid="never"))).filled == D("0.1")


async def test_three_timeouts_in_a_row_mark_the_venue_down(market: SimMarket) -> None:
    market.set_fault("sim:okx", "timeout", seconds=1)
    venue = market.venue("sim:okx")
    for _ in range(3):
        with pytest.raises(VenueUnavailable):
            await venue.fetch_tickers()
    assert venue.health().state is HealthState.DOWN and venue.health().consecutive_failures == 3


async def test_disconnect_fails_every_call_at_once_until_cleared(
    market: SimMarket, clock: ManualClock
) -> None:
    market.set_fault("sim:hyperliquid", "disconnect")
    venue = market.venue("sim:hyperliquid")
    start = clock.now()
    for call in (venue.fetch_funding_rates(), venue.fetch_balances(), venue.load_markets()):
        with pytest.raises(VenueUnavailable, match="disconnect"):
            await call
    assert clock.now() == start
    health = venue.health()
    assert health.state is HealthState.DOWN and not health.tradable and "disconnect" in health.message
    assert market.faults("sim:hyperliquid") == ["disconnect"]
    market.set_fault("sim:hyperliquid", "disconnect", on=False)
    assert await venue.fetch_funding_rates()
    assert venue.health().state is HealthState.OK


async def test_stale_freezes_rates_and_their_timestamps_while_trading_goes_on(
    market: SimMarket, clock: ManualClock
) -> None:
    venue = market.venue("sim:binance")
    clock.advance(600)
    market.set_fault("sim:binance", "stale")
    frozen = await venue.fetch_funding_rates()
    frozen_book = await venue.fetch_order_book(BTC)
    clock.advance(3 * 3600)
    later = await venue.fetch_funding_rates()
    assert later == frozen
    assert {r.ts for r in later} == {frozen[0].ts}
    assert await venue.fetch_order_book(BTC) == frozen_book
    live = await market.venue("sim:bybit").fetch_funding_rates([BTC])
    assert live[0].ts > frozen[0].ts  # only the faulty venue is stale
    filled = await venue.create_order(market_order(venue.id))
    assert filled.status is OrderStatus.CLOSED  # the matching engine still runs on live prices
    assert venue.health().state is HealthState.OK  # the venue does not know its feed is stale
    market.set_fault("sim:binance", "stale", on=False)
    fresh = await venue.fetch_funding_rates([BTC])
    assert fresh[0].ts > frozen[0].ts


async def test_a_fault_can_switch_itself_off(market: SimMarket, clock: ManualClock) -> None:
    market.set_fault("sim:dydx", "disconnect", for_seconds=60)
    venue = market.venue("sim:dydx")
    with pytest.raises(VenueUnavailable):
        await venue.fetch_server_time()
    clock.advance(61)
    assert await venue.fetch_server_time() == clock.now()
    assert market.faults("sim:dydx") == []


def test_fault_requests_are_validated(market: SimMarket) -> None:
    with pytest.raises(BadInput, match="unknown fault"):
        market.set_fault("sim:binance", "meteor")
    with pytest.raises(BadInput, match="takes no"):
        market.set_fault("sim:binance", "disconnect", fraction=0.5)
    with pytest.raises(BadInput, match="probability"):
        market.set_fault("sim:binance", "reject", probability=2)
    with pytest.raises(BadInput, match="fraction"):
        market.set_fault("sim:binance", "partial_fill", fraction=1)
    with pytest.raises(BadInput, match="unknown simulated venue"):
        market.set_fault("binanceusdm", "stale")


def test_faults_are_logged_as_events(market: SimMarket) -> None:
    market.set_fault("sim:gate", "stale")
    market.set_fault("sim:gate", "stale", on=False)
    events = market.drain_events()
    assert [e.message for e in events] == [
        "sim:gate: simulated fault stale on",
        "sim:gate: simulated fault stale off",
    ]
    assert market.drain_events() == []
