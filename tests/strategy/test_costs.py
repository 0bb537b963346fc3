"""Costs at size: fee resolution, the order-book walk (hand-worked and on a real book), round trips."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.models import OrderBook
from nexus_tui.strategy.costs import Fees, market_costs, pair_costs, resolve_fees, walk_book
from nexus_tui.strategy.params import FeeOverride, StrategyParams
from tests.conftest import FIXTURES
from tests.strategy.helpers import NOW, D, perp_market


def test_walk_book_hand_worked() -> None:
    asks = ((D(100), D(1)), (D(101), D(2)), (D(102), D(5)))
    # $150: all of level 1 ($100 for 1 unit), then $50 of level 2 (50/101 units)
    walk = walk_book(asks, D(150), D(150))
    units = D(1) + D(50) / D(101)
    assert walk.complete
    assert walk.filled_usd == D(150)
    assert walk.vwap == D(150) / units
    # depth is measured level by level up to the cap: levels 1 and 2 hold $302
    assert walk.depth_usd == D(100) + D(202)


def test_walk_book_thin_side_is_incomplete() -> None:
    walk = walk_book(((D(100), D(1)),), D(500), D(1000))
    assert not walk.complete
    assert walk.filled_usd == D(100)
    assert walk.vwap == D(100)
    assert walk.depth_usd == D(100)
    empty = walk_book((), D(500), D(1000))
    assert empty.vwap is None and empty.depth_usd == 0


def _hyperliquid_book() -> OrderBook:
    raw = json.loads((FIXTURES / "strategy" / "hyperliquid_l2book_btc.json").read_text())
    bids, asks = raw["levels"]
    side = lambda levels: tuple((D(x["px"]), D(x["sz"])) for x in levels)  # noqa: E731
    return OrderBook("hyperliquid", "BTC/USDC:USDC", NOW, side(bids), side(asks))


def test_walk_a_real_hyperliquid_book() -> None:
    """Buying $50k of BTC on a captured Hyperliquid book, checked against a plain level-by-level sum."""
    book = _hyperliquid_book()
    remaining, units = D(50_000), D(0)
    for price, size in book.asks:
        take = min(remaining, price * size)
        units += take / price
        remaining -= take
        if remaining == 0:
            break
    walk = walk_book(book.asks, D(50_000), D(150_000))
    assert walk.complete and remaining == 0
    assert walk.vwap == D(50_000) / units
    mid = (book.bids[0][0] + book.asks[0][0]) / 2
    slippage = (walk.vwap - mid) / mid
    # the captured book is thin (testnet): $50k walks several levels, well past the touch
    assert slippage > (book.asks[0][0] - mid) / mid
    costs = market_costs(
        Fees(D("0.00015"), D("0.00045"), "market"), book, None, StrategyParams(size_usd=D(50_000))
    )
    assert costs.buy_slippage == slippage.quantize(D("1e-12"))  # cost fractions keep 12 places
    assert costs.has_book and costs.complete


def test_round_trip_is_fees_plus_both_crossings() -> None:
    bids = ((D("99.9"), D(1000)),)
    asks = ((D("100.1"), D(1000)),)
    book = OrderBook("x", "BTC/USDT:USDT", NOW, bids, asks)
    params = StrategyParams(size_usd=D(10_000))
    costs = market_costs(Fees(D("0.0002"), D("0.0005"), "market"), book, None, params)
    # spread 0.2 / 100 = 0.2 %; within one level the fill is at the touch: 0.1 % each way
    assert costs.spread == D("0.002")
    assert costs.buy_slippage == D("0.001") and costs.sell_slippage == D("0.001")
    assert costs.impact == 0
    assert costs.round_trip == D("0.001") + D("0.002")  # two taker fills + the spread
    assert costs.depth_usd == D("99900")
    # the same trade paying maker fees
    maker = market_costs(
        Fees(D("0.0002"), D("0.0005"), "market"), book, None, StrategyParams(use_maker_fees=True)
    )
    assert maker.fee_round_trip == D("0.0004")


def test_pair_costs_in_usd() -> None:
    params = StrategyParams(size_usd=D(10_000))
    a = market_costs(Fees(D("0.0002"), D("0.0005"), "market"), None, None, params)
    b = market_costs(Fees(D("0.0001"), D("0.0004"), "tier"), None, None, params)
    costs = pair_costs(a, b, D(10_000), use_maker=False, borrow=D("1.5"))
    assert costs.entry_fees == D(9) and costs.exit_fees == D(9)
    assert costs.spread == 0 and costs.slippage == 0
    assert costs.total == D("19.5")
    assert costs.cost_basis == "fees_only"


def test_fee_resolution_order() -> None:
    params = StrategyParams(fee_overrides={"bybit": FeeOverride(D("0.0001"), D("0.0003"))})
    market = perp_market("bybit", taker="0.00055")
    assert resolve_fees("bybit", market, params) == Fees(D("0.0001"), D("0.0003"), "override")
    assert resolve_fees("bybit", market, StrategyParams()) == Fees(D("0.0002"), D("0.00055"), "market")
    assert resolve_fees("hyperliquid", None, StrategyParams()) == Fees(D("0.00015"), D("0.00045"), "tier")
    # the simulator's venues take their namesake's tier; unknown venues the generic default
    assert resolve_fees("sim:binance", None, StrategyParams()).taker == D("0.0005")
    assert resolve_fees("nowhere", None, StrategyParams()) == Fees(D("0.0002"), D("0.0005"), "tier")


levels = st.lists(st.tuples(st.integers(1, 10_000), st.integers(1, 10_000)), min_size=1, max_size=15)


@settings(max_examples=100, deadline=None)
@given(levels, st.integers(1, 50_000_000))
def test_walk_book_properties(raw: list[tuple[int, int]], notional: int) -> None:
    prices = sorted({p for p, _ in raw})
    asks = tuple((Decimal(p), Decimal(a) / 100) for p, (_, a) in zip(prices, raw, strict=False))
    walk = walk_book(asks, Decimal(notional), Decimal(notional))
    total = sum(p * a for p, a in asks)
    assert walk.complete == (total >= notional)
    assert walk.filled_usd == min(Decimal(notional), total)
    assert walk.vwap is not None
    # a buy never fills better than the best ask nor worse than the last level (to 28 digits)
    tiny = Decimal("1e-20") * asks[-1][0]
    assert asks[0][0] - tiny <= walk.vwap <= asks[-1][0] + tiny
