"""Funding settles on each venue's own schedule, at exact instants of the hour grid, into open positions."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import MarketKind, OrderRequest, OrderType, Side
from nexus_tui.venues.sim import SimMarket
from tests.sim.conftest import START

D = Decimal


async def settlement_times(market: SimMarket, venue_id: str, symbol: str) -> list[datetime]:
    return [r.ts for r in await market.venue(venue_id).fetch_funding_history(symbol)]


def hours(*offsets: int) -> list[datetime]:
    return [START + timedelta(hours=h) for h in offsets]


@pytest.mark.parametrize(
    ("venue_id", "symbol", "expected"),
    [
        ("sim:hyperliquid", "BTC/USDC:USDC", hours(*range(1, 26))),
        ("sim:dydx", "ETH/USDC:USDC", hours(*range(1, 26))),
        ("sim:binance", "BTC/USDT:USDT", hours(8, 16, 24)),
        ("sim:okx", "ETH/USDT:USDT", hours(8, 16, 24)),
        ("sim:kucoin", "BTC/USDT:USDT", hours(4, 12, 20)),
        ("sim:binance", "TON/USDT:USDT", hours(4, 8, 12, 16, 20, 24)),  # a 4 h coin on Binance
    ],
)
async def test_settlements_fall_exactly_on_the_venue_grid(
    market: SimMarket, clock: ManualClock, venue_id: str, symbol: str, expected: list[datetime]
) -> None:
    clock.advance(25 * 3600 + 30)
    assert await settlement_times(market, venue_id, symbol) == expected
    rows = await market.venue(venue_id).fetch_funding_history(symbol)
    info = (await market.venue(venue_id).load_markets())[symbol]
    assert all(r.interval_hours == info.funding_interval_hours for r in rows)
    assert all(r.mark_price is not None and r.mark_price > 0 for r in rows)


async def test_every_four_hour_perp_settles_every_four_hours(market: SimMarket, clock: ManualClock) -> None:
    clock.advance(8 * 3600 + 30)
    for venue in market.venues():
        for symbol, info in venue.markets().items():
            if info.kind is not MarketKind.PERP:
                continue
            times = [r.ts.hour for r in await venue.fetch_funding_history(symbol)]
            interval = info.funding_interval_hours
            assert interval is not None
            offset = 4 if venue.id == "sim:kucoin" else 0
            assert times == [h for h in range(1, 9) if (h - offset) % interval == 0], (venue.id, symbol)


async def test_next_funding_rolls_forward_at_each_settlement(market: SimMarket, clock: ManualClock) -> None:
    venue = market.venue("sim:bybit")
    seen = []
    for minutes in (1, 479, 481, 959, 961):
        clock.set(START + timedelta(minutes=minutes))
        [rate] = await venue.fetch_funding_rates(["BTC/USDT:USDT"])
        seen.append(rate.next_funding_ts)
    assert seen == hours(8, 8, 16, 16, 24)


async def test_history_honours_since_and_limit(market: SimMarket, clock: ManualClock) -> None:
    clock.advance(10 * 3600 + 5)
    venue = market.venue("sim:hyperliquid")
    rows = await venue.fetch_funding_history("BTC/USDC:USDC", since=START + timedelta(hours=3), limit=2)
    assert [r.ts for r in rows] == hours(3, 4)
    last = await venue.fetch_funding_history("BTC/USDC:USDC", limit=3)
    assert [r.ts for r in last] == hours(8, 9, 10)
    assert await venue.fetch_funding_history("BTC/USDC:USDC", limit=0) == []


async def test_warm_up_gives_history_before_the_start(clock: ManualClock) -> None:
    from nexus_tui.venues.sim import build_sim_market

    market = build_sim_market(clock=clock, n_symbols=5, latency_scale=0, history_hours=24)
    rows = await market.venue("sim:binance").fetch_funding_history("BTC/USDT:USDT")
    assert [r.ts for r in rows] == hours(-16, -8, 0)


async def _open(market: SimMarket, venue_id: str, symbol: str, side: Side, amount: str, cid: str) -> None:
    venue = market.venue(venue_id)
    request = OrderRequest(cid, venue_id, symbol, side, OrderType.MARKET, D(amount))
    result = await venue.create_order(request)
    assert result.filled == D(amount)


async def test_funding_is_credited_to_open_positions_at_settlement(
    market: SimMarket, clock: ManualClock
) -> None:
    clock.set(START + timedelta(hours=7, minutes=59, seconds=50))
    await _open(market, "sim:binance", "BTC/USDT:USDT", Side.BUY, "0.3", "long")
    await _open(market, "sim:binance", "ETH/USDT:USDT", Side.SELL, "2", "short")
    venue = market.venue("sim:binance")
    cash_before = venue.account.cash
    clock.set(START + timedelta(hours=8, seconds=20))
    await _open(market, "sim:binance", "SOL/USDT:USDT", Side.BUY, "1", "late")  # opened after 08:00
    payments = venue.funding_payments()
    assert [(p.symbol, p.ts) for p in payments] == [
        ("BTC/USDT:USDT", hours(8)[0]),
        ("ETH/USDT:USDT", hours(8)[0]),
    ]
    for payment in payments:
        [settled] = await venue.fetch_funding_history(payment.symbol, limit=1)
        assert (
            settled.ts == payment.ts
            and settled.rate == payment.rate
            and settled.mark_price == payment.mark_price
        )
        assert payment.amount == -payment.position_amount * payment.mark_price * payment.rate
    long_pay, short_pay = payments
    assert long_pay.position_amount == D("0.3") and short_pay.position_amount == D(-2)
    positions = {p.symbol: p for p in await venue.fetch_positions()}
    assert positions["BTC/USDT:USDT"].realized_funding == long_pay.amount
    assert positions["SOL/USDT:USDT"].realized_funding == 0
    sol_fee = venue.account.fees_paid - (
        cash_before - venue.account.cash + long_pay.amount + short_pay.amount
    )
    assert sol_fee > 0  # the only other change to cash is the SOL entry fee
    events = [e for e in market.drain_events() if e.kind == "sim.funding"]
    assert len(events) == 2


async def test_an_hourly_venue_pays_every_hour(market: SimMarket, clock: ManualClock) -> None:
    clock.set(START + timedelta(minutes=30))
    await _open(market, "sim:hyperliquid", "BTC/USDC:USDC", Side.SELL, "0.1", "hl")
    clock.set(START + timedelta(hours=3, minutes=1))
    venue = market.venue("sim:hyperliquid")
    payments = venue.funding_payments("BTC/USDC:USDC")
    assert [p.ts for p in payments] == hours(1, 2, 3)
    [position] = await venue.fetch_positions()
    assert position.realized_funding == sum((p.amount for p in payments), D(0))
    [usdc] = await venue.fetch_balances()
    assert usdc.currency == "USDC"
