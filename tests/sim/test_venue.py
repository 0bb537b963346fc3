"""SimVenue behind the venue port: markets, market data, orders, and the refusals real venues give."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput, OrderRejected, VenueError
from nexus_tui.core.models import (
    FundingSource,
    HealthState,
    MarketKind,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from nexus_tui.venues.port import Venue
from nexus_tui.venues.sim import SimMarket, build_sim_market
from nexus_tui.venues.sim.matching import SLIPPAGE_BASE
from nexus_tui.venues.sim.universe import MAX_SYMBOLS

BTC = "BTC/USDT:USDT"
D = Decimal


def order(
    venue: str,
    side: Side,
    amount: str,
    symbol: str = BTC,
    price: str | None = None,
    cid: str = "cid-1",
    reduce_only: bool = False,
) -> OrderRequest:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderRequest(
        cid, venue, symbol, side, kind, D(amount), D(price) if price else None, reduce_only=reduce_only
    )


def test_the_default_market_has_the_promised_venues_and_symbols(clock: ManualClock) -> None:
    market = build_sim_market(clock=clock, latency_scale=0)
    ids = [v.id for v in market.venues()]
    assert ids[:6] == ["sim:binance", "sim:bybit", "sim:okx", "sim:gate", "sim:bitget", "sim:kucoin"]
    assert {"sim:hyperliquid", "sim:dydx"} <= set(ids)
    assert len(market.symbols) == 240
    for venue in market.venues():
        assert isinstance(venue, Venue)
        assert venue.health().state is HealthState.UNKNOWN  # not yet asked anything
    perps_listed = {s for v in market.venues() for s, m in v.markets().items() if m.kind is MarketKind.PERP}
    assert len({s.split("/")[0] for s in perps_listed}) == 240
    assert MAX_SYMBOLS >= 300


async def test_markets_follow_the_real_venue_profiles(market: SimMarket) -> None:
    binance = await market.venue("sim:binance").load_markets()
    btc = binance[BTC]
    assert (btc.price_tick, btc.amount_step, btc.taker_fee, btc.maker_fee) == (
        D("0.1"),
        D("0.001"),
        D("0.0005"),
        D("0.0002"),
    )
    assert btc.funding_interval_hours == 8 and btc.settle == "USDT" and btc.kind is MarketKind.PERP
    assert binance["BTC/USDT"].kind is MarketKind.SPOT  # spot-perp trades are possible here
    hyperliquid = await market.venue("sim:hyperliquid").load_markets()
    hl_btc = hyperliquid["BTC/USDC:USDC"]
    assert (hl_btc.settle, hl_btc.funding_interval_hours, hl_btc.price_tick) == ("USDC", 1, D("1"))
    assert (hl_btc.taker_fee, hl_btc.maker_fee) == (D("0.00045"), D("0.00015"))
    assert not any(m.kind is MarketKind.SPOT for m in hyperliquid.values())
    intervals = {m.funding_interval_hours for m in binance.values() if m.kind is MarketKind.PERP}
    assert intervals == {4, 8}  # Binance keeps the coins it ran at 4 h on 4 h


async def test_funding_rates_are_sim_rows_on_the_venue_schedule(
    market: SimMarket, clock: ManualClock
) -> None:
    clock.advance(3 * 3600 + 120)
    rates = await market.venue("sim:kucoin").fetch_funding_rates()
    assert rates and all(r.source is FundingSource.SIM for r in rates)
    btc = next(r for r in rates if r.symbol == BTC)
    assert btc.interval_hours == 8
    assert btc.next_funding_ts is not None and btc.next_funding_ts.hour == 4  # KuCoin: 04, 12, 20 UTC
    assert btc.mark_price and btc.index_price and btc.predicted_rate is not None
    assert btc.ts <= clock.now()
    one = await market.venue("sim:kucoin").fetch_funding_rates(["ETH/USDT:USDT", "NOPE/USDT:USDT"])
    assert [r.symbol for r in one] == ["ETH/USDT:USDT"]


async def test_books_sit_on_the_tick_grid_and_follow_the_mark(market: SimMarket, clock: ManualClock) -> None:
    venue = market.venue("sim:bybit")
    for _ in range(3):
        clock.advance(600)
        book = await venue.fetch_order_book(BTC, depth=10)
        rate = (await venue.fetch_funding_rates([BTC]))[0]
        assert len(book.bids) == len(book.asks) == 10
        assert book.best_bid is not None and book.best_ask is not None and book.best_bid < book.best_ask
        prices = [p for p, _ in book.bids] + [p for p, _ in book.asks]
        assert all(p % D("0.1") == 0 for p in prices)
        assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
        assert all(a > 0 and a % D("0.001") == 0 for _, a in book.bids + book.asks)
        assert rate.mark_price is not None and book.best_bid <= rate.mark_price <= book.best_ask
    with pytest.raises(VenueError):
        await venue.fetch_order_book("NOPE/USDT:USDT")


async def test_tickers_carry_volume_and_open_interest(market: SimMarket) -> None:
    tickers = await market.venue("sim:okx").fetch_tickers([BTC, "BTC/USDT"])
    perp = next(t for t in tickers if t.symbol == BTC)
    spot = next(t for t in tickers if t.symbol == "BTC/USDT")
    assert perp.volume_24h_usd and perp.volume_24h_usd > D(1e9) and perp.open_interest_usd
    assert spot.open_interest_usd is None and spot.bid is not None and spot.ask is not None


async def test_a_market_buy_fills_with_realistic_slippage_and_opens_a_position(market: SimMarket) -> None:
    venue = market.venue("sim:binance")
    book = await venue.fetch_order_book(BTC, 50)
    filled = await venue.create_order(order(venue.id, Side.BUY, "0.5"))
    assert filled.status is OrderStatus.CLOSED and filled.filled == D("0.5")
    assert filled.average is not None and book.best_ask is not None
    assert filled.average >= book.best_ask * (1 + SLIPPAGE_BASE) - D("0.1")
    assert filled.fee == D("0.5") * filled.average * D("0.0005")
    [position] = await venue.fetch_positions()
    assert (
        position.side.value == "long"
        and position.amount == D("0.5")
        and position.entry_price == filled.average
    )
    assert position.leverage == 5 and position.margin == D("0.5") * filled.average / 5
    assert position.liquidation_price is not None and position.liquidation_price < filled.average
    [usdt] = await venue.fetch_balances()
    assert usdt.currency == "USDT"
    assert usdt.free == D(100_000) - filled.fee - position.margin


async def test_orders_are_refused_like_a_real_venue_would(market: SimMarket) -> None:
    venue = market.venue("sim:binance")
    with pytest.raises(OrderRejected, match="lot size"):
        await venue.create_order(order(venue.id, Side.BUY, "0.0015"))
    with pytest.raises(OrderRejected, match="tick size"):
        await venue.create_order(order(venue.id, Side.BUY, "0.01", price="90000.05"))
    with pytest.raises(OrderRejected, match="insufficient margin"):
        await venue.create_order(order(venue.id, Side.BUY, "10"))  # ~190k of margin at 5x
    with pytest.raises(OrderRejected, match="no position"):
        await venue.create_order(order(venue.id, Side.SELL, "0.01", reduce_only=True))
    with pytest.raises(OrderRejected, match="unknown symbol"):
        await venue.create_order(order(venue.id, Side.BUY, "1", symbol="NOPE/USDT:USDT"))
    with pytest.raises(OrderRejected, match="insufficient BTC"):
        await venue.create_order(order(venue.id, Side.SELL, "0.01", symbol="BTC/USDT"))
    await venue.create_order(order(venue.id, Side.BUY, "0.01", cid="once"))
    with pytest.raises(OrderRejected, match="duplicate client order id"):
        await venue.create_order(order(venue.id, Side.BUY, "0.01", cid="once"))
    assert len(await venue.fetch_positions()) == 1  # the retry did not double the position


async def test_reduce_only_never_flips_a_position(market: SimMarket) -> None:
    venue = market.venue("sim:bybit")
    await venue.create_order(order(venue.id, Side.SELL, "0.2", cid="open"))
    closed = await venue.create_order(order(venue.id, Side.BUY, "0.5", cid="close", reduce_only=True))
    assert closed.filled == D("0.2") and closed.status is OrderStatus.EXPIRED
    assert await venue.fetch_positions() == []


async def test_spot_buy_and_sell_move_coins_and_cash(market: SimMarket) -> None:
    venue = market.venue("sim:gate")
    bought = await venue.create_order(order(venue.id, Side.BUY, "1", symbol="ETH/USDT", cid="b"))
    balances = {b.currency: b for b in await venue.fetch_balances()}
    assert balances["ETH"].total == 1
    assert bought.average is not None
    assert balances["USDT"].total == D(100_000) - bought.average - bought.fee
    await venue.create_order(order(venue.id, Side.SELL, "1", symbol="ETH/USDT", cid="s"))
    assert "ETH" not in {b.currency for b in await venue.fetch_balances()}


async def test_a_resting_limit_order_fills_later_at_its_price(market: SimMarket, clock: ManualClock) -> None:
    venue = market.venue("sim:binance")
    book = await venue.fetch_order_book(BTC, 5)
    assert book.best_bid is not None
    resting = await venue.create_order(order(venue.id, Side.BUY, "0.05", price=str(book.best_bid)))
    assert resting.status is OrderStatus.OPEN and resting.filled == 0
    assert [o.id for o in await venue.fetch_open_orders(BTC)] == [resting.id]
    [usdt] = await venue.fetch_balances()
    assert usdt.used > 0  # margin held for the resting order
    for _ in range(120):
        clock.advance(60)
        current = await venue.fetch_order(resting.id, BTC)
        if current.status is OrderStatus.CLOSED:
            break
    assert current.status is OrderStatus.CLOSED, "a bid at the touch fills within two hours of BTC trading"
    assert current.average == book.best_bid
    assert all(f.maker for f in current.fills) and current.fee == D("0.05") * book.best_bid * D("0.0002")
    assert await venue.fetch_open_orders() == []
    by_client_id = await venue.fetch_order("cid-1", BTC)
    assert by_client_id.id == resting.id


async def test_cancel_releases_the_margin_and_is_idempotent(market: SimMarket) -> None:
    venue = market.venue("sim:okx")
    book = await venue.fetch_order_book(BTC, 5)
    assert book.best_bid is not None
    far = str(book.best_bid - 1000)
    resting = await venue.create_order(order(venue.id, Side.BUY, "0.01", price=far))
    canceled = await venue.cancel_order(resting.id, BTC)
    assert canceled.status is OrderStatus.CANCELED
    assert (await venue.cancel_order(resting.id, BTC)).status is OrderStatus.CANCELED
    [usdt] = await venue.fetch_balances()
    assert usdt.used == 0 and usdt.free == D(100_000)
    with pytest.raises(VenueError, match="not found"):
        await venue.fetch_order("nope", BTC)


async def test_leverage_is_validated_against_the_market(market: SimMarket) -> None:
    venue = market.venue("sim:hyperliquid")
    venue.set_leverage("BTC/USDC:USDC", 40)
    with pytest.raises(BadInput):
        venue.set_leverage("BTC/USDC:USDC", 41)
    with pytest.raises(BadInput):
        market.venue("sim:binance").set_leverage("BTC/USDT", 2)
    with pytest.raises(BadInput):
        market.venue("sim:nowhere")


async def test_latency_is_paid_on_the_injected_clock(clock: ManualClock) -> None:
    market = build_sim_market(clock=clock, n_symbols=5)
    start = clock.now()
    await market.venue("sim:dydx").fetch_server_time()
    waited = (clock.now() - start).total_seconds()
    assert 0.001 <= waited <= 1.0
    health = market.venue("sim:dydx").health()
    assert health.state is HealthState.OK and health.latency_ms is not None and health.latency_ms > 1


async def test_no_latency_when_scaled_to_zero(market: SimMarket, clock: ManualClock) -> None:
    start = clock.now()
    await market.venue("sim:dydx").fetch_funding_rates()
    assert clock.now() == start
