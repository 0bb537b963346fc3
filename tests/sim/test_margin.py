"""Margin, leverage and liquidation: the account's arithmetic, and a crash that liquidates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import OrderRequest, OrderType, PositionSide, Side
from nexus_tui.venues.sim import SimMarket
from nexus_tui.venues.sim.account import Account

D = Decimal
T0 = datetime(2026, 1, 1, tzinfo=UTC)
MM = D("0.004")


def account(cash: str = "10000") -> Account:
    acct = Account("sim:test", "USDT")
    acct.deposit("USDT", D(cash))
    return acct


def test_opening_posts_margin_and_the_liquidation_price_follows_the_formula() -> None:
    acct = account()
    acct.apply_perp_fill("BTC/USDT:USDT", Side.BUY, D(1), D(100), D("0.05"), D(10), MM, T0)
    position = acct.positions["BTC/USDT:USDT"]
    assert position.margin == D(10) and acct.free() == D("10000") - D("0.05") - D(10)
    # long: margin + (P - 100) * 1 = 0.004 * P  =>  P = (100 - 10) / (1 - 0.004)
    assert position.liquidation_price() == D(90) / D("0.996")
    acct.apply_perp_fill("ETH/USDT:USDT", Side.SELL, D(2), D(50), D(0), D(5), MM, T0)
    short = acct.positions["ETH/USDT:USDT"]
    assert short.side is PositionSide.SHORT
    # short: margin + (50 - P) * 2 = 0.004 * P * 2  =>  P = (100 + 20) / (2 * 1.004)
    assert short.liquidation_price() == D(120) / (2 * D("1.004"))


def test_reducing_releases_margin_and_books_pnl_flipping_opens_the_other_side() -> None:
    acct = account()
    acct.apply_perp_fill("X", Side.BUY, D(4), D(100), D(0), D(4), MM, T0)
    realized = acct.apply_perp_fill("X", Side.SELL, D(1), D(110), D(0), D(4), MM, T0)
    assert realized == D(10)
    assert acct.positions["X"].margin == D(75) and acct.cash == D(10010)
    realized = acct.apply_perp_fill("X", Side.SELL, D(5), D(90), D(0), D(2), MM, T0)
    assert realized == D(-30)
    flipped = acct.positions["X"]
    assert flipped.qty == D(-2) and flipped.entry_price == D(90) and flipped.margin == D(90)
    assert acct.cash == D(9980)


def test_adding_averages_the_entry() -> None:
    acct = account()
    acct.apply_perp_fill("X", Side.SELL, D(1), D(100), D(0), D(10), MM, T0)
    acct.apply_perp_fill("X", Side.SELL, D(3), D(80), D(0), D(10), MM, T0)
    assert acct.positions["X"].entry_price == D(85) and acct.positions["X"].margin == D(34)


def test_funding_sign_longs_pay_positive_rates_shorts_receive() -> None:
    acct = account()
    acct.apply_perp_fill("L", Side.BUY, D(2), D(100), D(0), D(5), MM, T0)
    acct.apply_perp_fill("S", Side.SELL, D(2), D(100), D(0), D(5), MM, T0)
    paid = acct.credit_funding("L", D("0.0001"), D(100), T0)
    received = acct.credit_funding("S", D("0.0001"), D(100), T0)
    assert paid is not None and received is not None
    assert (paid.amount, received.amount) == (D("-0.02"), D("0.02"))
    assert acct.credit_funding("nothing", D("0.0001"), D(100), T0) is None


def test_liquidation_takes_the_whole_margin() -> None:
    acct = account()
    acct.apply_perp_fill("X", Side.BUY, D(1), D(100), D(0), D(20), MM, T0)
    price = acct.positions["X"].liquidation_price()
    assert price is not None
    assert acct.liquidate_if_breached("X", price + D("0.01"), T0) is None
    event = acct.liquidate_if_breached("X", price, T0)
    assert event is not None and event.loss == D(5) and event.price == price
    assert "X" not in acct.positions and acct.cash == D(9995)


@settings(max_examples=60, deadline=None)
@given(
    fills=st.lists(
        st.tuples(st.sampled_from([Side.BUY, Side.SELL]), st.integers(1, 5), st.integers(80, 120)),
        min_size=1,
        max_size=8,
    ),
    exit_price=st.integers(80, 120),
)
def test_cash_plus_margin_conservation(fills: list[tuple[Side, int, int]], exit_price: int) -> None:
    """Whatever is traded, closing everything leaves cash = deposit + realised P&L - fees."""
    acct = account("100000")
    realized = D(0)
    for side, amount, price in fills:
        realized += acct.apply_perp_fill("X", side, D(amount), D(price), D("0.1"), D(3), MM, T0)
    position = acct.positions.get("X")
    if position is not None:
        close = Side.SELL if position.qty > 0 else Side.BUY
        realized += acct.apply_perp_fill("X", close, abs(position.qty), D(exit_price), D("0.1"), D(3), MM, T0)
    assert "X" not in acct.positions
    assert acct.cash == D(100000) + realized - acct.fees_paid
    assert acct.free() == acct.cash


async def test_a_crash_liquidates_a_leveraged_long_and_spares_the_short(
    market: SimMarket, clock: ManualClock
) -> None:
    binance, bybit = market.venue("sim:binance"), market.venue("sim:bybit")
    binance.set_leverage("BTC/USDT:USDT", 50)
    bybit.set_leverage("BTC/USDT:USDT", 50)
    await binance.create_order(
        OrderRequest("l", binance.id, "BTC/USDT:USDT", Side.BUY, OrderType.MARKET, D("0.5"))
    )
    await bybit.create_order(
        OrderRequest("s", bybit.id, "BTC/USDT:USDT", Side.SELL, OrderType.MARKET, D("0.5"))
    )
    [long] = await binance.fetch_positions()
    assert long.leverage == 50 and long.liquidation_price is not None
    assert long.liquidation_price > long.entry_price * D("0.97")  # 50x: ~2 % away
    cash_before = binance.account.cash
    market.shock_price("BTC", -0.05)
    assert await binance.fetch_positions() == []
    [event] = binance.liquidations()
    assert event.loss == long.margin and event.side is PositionSide.LONG
    assert binance.account.cash == cash_before - long.margin
    [short] = await bybit.fetch_positions()
    assert short.unrealized_pnl > 0
    assert any(e.kind == "sim.liquidation" for e in market.drain_events())


def test_price_shocks_are_validated(market: SimMarket) -> None:
    with pytest.raises(BadInput):
        market.shock_price("BTC", -1.5)
    with pytest.raises(BadInput):
        market.shock_price("NOPE", 0.1)
