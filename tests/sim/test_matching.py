"""The fill models of seed 002 as pure functions: realistic slippage (§3) and queue position (§5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.models import OrderBook, OrderRequest, OrderType, Side
from nexus_tui.venues.sim.matching import (
    SLIPPAGE_BASE,
    SLIPPAGE_CAP,
    QueuePosition,
    Trade,
    arrive,
    crossed_fill,
    join_queue,
    queue_fills,
    realistic_slippage,
    take_liquidity,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
D = Decimal


def book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> OrderBook:
    return OrderBook(
        venue="sim:test",
        symbol="BTC/USDT:USDT",
        ts=T0,
        bids=tuple((D(p), D(a)) for p, a in bids),
        asks=tuple((D(p), D(a)) for p, a in asks),
    )


DEEP = book(
    [("100.0", "50"), ("99.9", "50"), ("99.8", "100")],
    [("100.1", "50"), ("100.2", "50"), ("100.3", "100")],
)


def trade(price: str, amount: str, aggressor: Side, seconds: int = 1) -> Trade:
    return Trade(T0 + timedelta(seconds=seconds), D(price), D(amount), aggressor)


def limit(side: Side, price: str, amount: str, post_only: bool = False) -> OrderRequest:
    return OrderRequest(
        "c1", "sim:test", "BTC/USDT:USDT", side, OrderType.LIMIT, D(amount), D(price), post_only=post_only
    )


# -- §3 realistic slippage ------------------------------------------------------------------


def test_slippage_formula_matches_the_seed() -> None:
    assert realistic_slippage(D(0), D(100)) == D("0.0002")
    assert realistic_slippage(D(50), D(100)) == D("0.00035")  # 2 bps + 0.5 * 3 bps
    assert realistic_slippage(D(100), D(100)) == D("0.0005")  # 2 + 3 = 5 bps: the cap
    assert realistic_slippage(D(1000), D(100)) == SLIPPAGE_CAP
    assert realistic_slippage(D(1), D(0)) == SLIPPAGE_CAP  # no depth: the worst the formula says


@settings(max_examples=60, deadline=None)
@given(
    size=st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3),
    depth=st.decimals(min_value=D("0.001"), max_value=D("100000"), places=3),
)
def test_slippage_stays_within_seed_property_5(size: Decimal, depth: Decimal) -> None:
    slippage = realistic_slippage(size, depth)
    assert SLIPPAGE_BASE <= slippage <= SLIPPAGE_CAP
    assert slippage >= min(size / depth * D("0.0003"), SLIPPAGE_CAP - SLIPPAGE_BASE)


def test_small_market_buy_pays_the_formula_not_the_touch() -> None:
    fill = take_liquidity(Side.BUY, D(1), DEEP)
    assert fill.amount == 1
    assert fill.touch == D("100.1")
    # depth on the ask side is 200: 2 bps + 1/200 * 3 bps = 2.015 bps beyond the touch
    assert fill.model_slippage == D("0.000201500")
    assert fill.price == D("100.1") * (1 + fill.model_slippage)
    assert fill.walk_slippage == 0


def test_a_sell_pays_below_the_touch_and_rounds_against_the_taker() -> None:
    fill = take_liquidity(Side.SELL, D(10), DEEP, price_tick=D("0.1"))
    assert fill.touch == D("100.0")
    assert fill.price == D("99.9")  # 100 * (1 - 2.15 bps) = 99.9785, floored to the tick
    assert fill.price <= fill.touch


def test_walking_a_thin_book_costs_more_than_the_formula_and_that_is_charged() -> None:
    thin = book([("100.0", "1")], [("100.1", "1"), ("101.0", "1"), ("105.0", "10")])
    fill = take_liquidity(Side.BUY, D(3), thin)
    assert fill.amount == 3
    expected_walk = (D("100.1") + D("101.0") + D("105.0")) / 3
    assert fill.price == expected_walk
    assert fill.walk_slippage > fill.model_slippage
    assert fill.slippage == fill.walk_slippage


def test_a_market_order_larger_than_the_book_fills_what_exists() -> None:
    fill = take_liquidity(Side.BUY, D(1000), DEEP)
    assert fill.amount == 200
    assert fill.price is not None and fill.price >= D("100.1")


def test_a_limit_stops_the_walk_and_caps_the_price() -> None:
    fill = take_liquidity(Side.BUY, D(80), DEEP, limit_price=D("100.1"))
    assert fill.amount == 50  # only the 100.1 level is within the limit
    assert fill.price == D("100.1")  # the formula would say more; the limit wins


def test_nothing_fills_against_an_empty_side() -> None:
    fill = take_liquidity(Side.BUY, D(1), book([("100", "1")], []))
    assert fill.amount == 0 and fill.price is None


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("150"), places=2),
    side=st.sampled_from([Side.BUY, Side.SELL]),
)
def test_taker_slippage_is_never_below_the_seed_model(amount: Decimal, side: Side) -> None:
    fill = take_liquidity(side, amount, DEEP)
    assert fill.amount == amount
    assert fill.slippage >= fill.model_slippage >= SLIPPAGE_BASE
    assert fill.slippage == max(fill.model_slippage, fill.walk_slippage)


# -- §5 queue position ------------------------------------------------------------------------


def test_joining_a_level_counts_the_depth_already_there() -> None:
    queue = join_queue(Side.BUY, D("99.9"), DEEP)
    assert queue.resting_depth_at_entry == 50
    assert queue.volume_ahead == 10  # 20 % of it
    assert join_queue(Side.BUY, D("100.05"), DEEP).resting_depth_at_entry == 0  # inside the spread
    assert join_queue(Side.SELL, D("100.2"), DEEP).resting_depth_at_entry == 50
    assert join_queue(Side.BUY, D("90"), DEEP).resting_depth_at_entry == 100  # beyond the book: like the last


def test_a_resting_buy_fills_only_after_twenty_percent_of_the_queue_traded() -> None:
    queue = join_queue(Side.BUY, D("99.9"), DEEP)  # 10 ahead of us
    queue, filled = queue_fills(Side.BUY, queue, D(5), D(0), [trade("99.9", "6", Side.SELL)])
    assert filled == 0 and not queue.should_fill()
    queue, filled = queue_fills(Side.BUY, queue, D(5), D(0), [trade("99.9", "6", Side.SELL)])
    assert queue.cumulative_volume_at_price == 12
    assert queue.should_fill()
    assert filled == 2  # 12 traded, 10 were ahead: 2 of our 5
    queue, filled = queue_fills(Side.BUY, queue, D(3), D(2), [trade("99.9", "10", Side.SELL)])
    assert filled == 3  # the rest, never more than remains


def test_buys_at_our_price_and_sells_elsewhere_do_not_fill_a_resting_buy() -> None:
    queue = join_queue(Side.BUY, D("99.9"), DEEP)
    tape = [trade("99.9", "100", Side.BUY), trade("100.0", "100", Side.SELL)]
    queue, filled = queue_fills(Side.BUY, queue, D(5), D(0), tape)
    assert filled == 0 and queue.cumulative_volume_at_price == 0


def test_a_sale_below_our_bid_counts_it_would_have_met_us_first() -> None:
    queue = join_queue(Side.BUY, D("99.9"), DEEP)
    _, filled = queue_fills(Side.BUY, queue, D(5), D(0), [trade("99.8", "15", Side.SELL)])
    assert filled == 5


def test_a_resting_sell_mirrors_the_buy() -> None:
    queue = join_queue(Side.SELL, D("100.2"), DEEP)
    _, filled = queue_fills(
        Side.SELL, queue, D(4), D(0), [trade("100.2", "12", Side.BUY), trade("100.1", "9", Side.BUY)]
    )
    assert filled == 2


def test_when_the_book_moves_through_our_price_the_crossing_liquidity_fills_us() -> None:
    queue = join_queue(Side.BUY, D("99.9"), DEEP)
    moved = book([("99.0", "10")], [("99.8", "3"), ("99.9", "20"), ("100.0", "50")])
    queue, filled = crossed_fill(Side.BUY, queue, D(30), D(0), moved)
    assert queue.cumulative_volume_at_price == 23
    assert filled == 13  # 23 crossing, 10 of them went to the queue ahead of us
    same, nothing = crossed_fill(Side.BUY, queue, D(30), D(13), DEEP)
    assert nothing == 0 and same == queue


@settings(max_examples=80, deadline=None)
@given(
    depth=st.integers(min_value=0, max_value=500),
    amount=st.integers(min_value=1, max_value=100),
    prints=st.lists(
        st.tuples(
            st.sampled_from(["99.8", "99.9", "100.0"]),
            st.integers(1, 60),
            st.sampled_from([Side.BUY, Side.SELL]),
        ),
        max_size=12,
    ),
)
def test_seed_property_4_no_fill_before_twenty_percent_of_resting_depth(
    depth: int, amount: int, prints: list[tuple[str, int, Side]]
) -> None:
    queue = QueuePosition(D("99.9"), D(depth))
    filled = D(0)
    for i, (price, size, aggressor) in enumerate(prints):
        queue, now = queue_fills(
            Side.BUY, queue, D(amount) - filled, filled, [trade(price, str(size), aggressor, i)]
        )
        filled += now
        if filled > 0:
            assert queue.cumulative_volume_at_price >= queue.resting_depth_at_entry * D("0.2")
        assert filled <= amount
        assert filled == min(D(amount), max(D(0), queue.cumulative_volume_at_price - queue.volume_ahead))


# -- arrival ------------------------------------------------------------------------------------


def test_a_passive_limit_rests_in_the_queue() -> None:
    arrival = arrive(limit(Side.BUY, "99.9", "5"), DEEP)
    assert arrival.taker.amount == 0
    assert arrival.queue is not None and arrival.queue.resting_depth_at_entry == 50


def test_a_marketable_limit_takes_then_rests_at_the_front() -> None:
    arrival = arrive(limit(Side.BUY, "100.1", "80"), DEEP)
    assert arrival.taker.amount == 50
    assert arrival.queue is not None and arrival.queue.volume_ahead == 0


def test_post_only_that_would_cross_is_refused() -> None:
    arrival = arrive(limit(Side.SELL, "100.0", "1", post_only=True), DEEP)
    assert arrival.rejected and "post-only" in arrival.rejected
    assert arrive(limit(Side.SELL, "100.1", "1", post_only=True), DEEP).rejected is None


def test_a_market_order_never_rests() -> None:
    request = OrderRequest("c2", "sim:test", "BTC/USDT:USDT", Side.SELL, OrderType.MARKET, D(1))
    arrival = arrive(request, DEEP)
    assert arrival.queue is None and arrival.taker.amount == 1
