"""What a trade costs at the target size: fees, spread, slippage from walking the book, borrow.

A leg's round trip (entry plus exit) costs the same whichever side it is on: buying then selling
crosses the ask then the bid, selling then buying the bid then the ask. So each market's costs
are worked out once per book and shared by every pair it appears in.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from nexus_tui.core.models import MarketInfo, OrderBook, PriceLevel, Ticker
from nexus_tui.core.money import HOURS_PER_YEAR, ZERO
from nexus_tui.strategy.models import CostBreakdown
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.venues import base_tier_fees

TWO = Decimal(2)
_tuple_new = tuple.__new__
_BASIS_RANK = {"fees_only": 0, "quoted_spread": 1, "order_book": 2}


class Fees(NamedTuple):
    maker: Decimal
    taker: Decimal
    source: str  # "override", "market" or "tier"

    def per_fill(self, use_maker: bool) -> Decimal:
        return self.maker if use_maker else self.taker


def resolve_fees(venue: str, market: MarketInfo | None, params: StrategyParams) -> Fees:
    """The user's override, else the venue's market data, else the venue's published entry tier."""
    # Built for every market a scan meets: positional, without NamedTuple's keyword handling.
    if params.fee_overrides:
        override = params.fee_overrides.get(venue)
        if override is not None:
            return _tuple_new(Fees, (override.maker, override.taker, "override"))
    if market is not None:
        return _tuple_new(Fees, (market.maker_fee, market.taker_fee, "market"))
    maker, taker = base_tier_fees(venue)
    return _tuple_new(Fees, (maker, taker, "tier"))


def per_fill_fee(venue: str, market: MarketInfo | None, params: StrategyParams) -> Decimal:
    """`resolve_fees(venue, market, params).per_fill(params.use_maker_fees)` without building
    the Fees: the scan's screen asks this of every market."""
    maker = params.use_maker_fees
    if params.fee_overrides:
        override = params.fee_overrides.get(venue)
        if override is not None:
            return override.maker if maker else override.taker
    if market is not None:
        return market.maker_fee if maker else market.taker_fee
    return base_tier_fees(venue)[0 if maker else 1]


ROUND_TRIPS: dict[Decimal, float] = {}  # fee per fill -> round trip as a float (round_trip_bound)


def round_trip_bound(fee: Decimal) -> float:
    """Two fills of `fee`, as a float. Fees repeat across a venue's markets: each is converted
    once (a Decimal's float conversion goes through its text)."""
    bound = ROUND_TRIPS.get(fee)
    if bound is None:
        if len(ROUND_TRIPS) > 4096:
            ROUND_TRIPS.clear()
        bound = ROUND_TRIPS[fee] = float(fee) * 2.0
    return bound


class BookWalk(NamedTuple):
    """Taking `notional` from one side of a book."""

    vwap: Decimal | None  # average fill price; None when the side is empty
    filled_usd: Decimal
    complete: bool  # the side held the whole notional
    depth_usd: Decimal  # notional seen on this side, up to the depth cap


def walk_book(levels: Sequence[PriceLevel], notional_usd: Decimal, depth_cap_usd: Decimal) -> BookWalk:
    """Fill `notional_usd` level by level (best first) and measure depth up to `depth_cap_usd`.

    The walk stops as soon as both the fill and the depth measure are done, so a deep book costs
    no more than a thin one.
    """
    remaining = notional_usd
    cost_amount = ZERO  # base units bought or sold
    depth = ZERO
    for price, amount in levels:
        level_usd = price * amount
        if remaining > 0:
            take = remaining if remaining < level_usd else level_usd
            cost_amount += take / price
            remaining -= take
        depth += level_usd
        if remaining <= 0 and depth >= depth_cap_usd:
            break
    filled = notional_usd - remaining
    vwap = filled / cost_amount if cost_amount > 0 else None
    return BookWalk(vwap, filled, remaining <= 0, depth)


class MarketCosts(NamedTuple):
    """One market's round-trip costs at the target size, as fractions of notional, and the
    verdicts that depend on this market alone (exact Decimal comparisons, made once per book)."""

    fees: Fees
    fee_round_trip: Decimal  # two fills
    spread: Decimal | None  # (ask - bid) / mid: the round trip crosses half of it twice
    buy_slippage: Decimal | None  # VWAP of buying the size, against mid
    sell_slippage: Decimal | None
    depth_usd: Decimal | None  # the thinner side, up to the depth cap
    complete: bool  # both sides could fill the size
    has_book: bool
    round_trip_f: float = 0.0  # `round_trip` as a float, for screening pairs before costing them
    long_ok: bool = True  # depth, spread and liquidity (with buy slippage) allow a long entry
    short_ok: bool = True  # the same with sell slippage

    @property
    def basis(self) -> str:
        if self.has_book:
            return "order_book"
        return "quoted_spread" if self.spread is not None else "fees_only"

    @property
    def round_trip(self) -> Decimal:
        """Fees plus everything paid to the book, or fees plus the quoted spread without a book."""
        if self.buy_slippage is not None and self.sell_slippage is not None:
            return self.fee_round_trip + self.buy_slippage + self.sell_slippage
        if self.spread is not None:
            return self.fee_round_trip + self.spread
        return self.fee_round_trip

    @property
    def impact(self) -> Decimal:
        """Slippage beyond the touch for the round trip (zero without a book)."""
        if self.buy_slippage is None or self.sell_slippage is None:
            return ZERO
        return self.buy_slippage + self.sell_slippage - (self.spread or ZERO)


def market_costs(
    fees: Fees, book: OrderBook | None, ticker: Ticker | None, params: StrategyParams
) -> MarketCosts:
    size = params.size_usd
    fee_rt = fees.per_fill(params.use_maker_fees) * TWO
    if book is not None and book.bids and book.asks:
        best_bid, best_ask = book.bids[0][0], book.asks[0][0]
        mid = (best_bid + best_ask) / TWO
        cap = max(params.min_depth_multiple, params.min_liquidity_multiple) * size
        buy = walk_book(book.asks, size, cap)
        sell = walk_book(book.bids, size, cap)
        # An incomplete walk prices the part that filled; the depth constraint rejects it anyway.
        buy_slip = _fraction((buy.vwap - mid) / mid) if buy.vwap is not None else None
        sell_slip = _fraction((mid - sell.vwap) / mid) if sell.vwap is not None else None
        depth = buy.depth_usd if buy.depth_usd < sell.depth_usd else sell.depth_usd
        costs = MarketCosts(
            fees,
            fee_rt,
            _fraction((best_ask - best_bid) / mid),
            buy_slip,
            sell_slip,
            depth,
            buy.complete and sell.complete,
            True,
        )
    else:
        spread = None
        if ticker is not None and ticker.bid is not None and ticker.ask is not None and ticker.bid > 0:
            mid = (ticker.bid + ticker.ask) / TWO
            spread = _fraction((ticker.ask - ticker.bid) / mid)
        costs = MarketCosts(fees, fee_rt, spread, None, None, None, False, False)
    return _with_verdicts(costs, params)


_FRACTION_STEP = Decimal("1e-12")


def _fraction(x: Decimal) -> Decimal:
    """A cost fraction to 12 places: a millionth of a basis point, and no 28th-digit dust from
    the divisions of a book walk leaking into money figures."""
    return x.quantize(_FRACTION_STEP)


def _with_verdicts(costs: MarketCosts, params: StrategyParams) -> MarketCosts:
    size = params.size_usd
    ok = costs.spread is None or costs.spread <= params.max_spread
    if costs.depth_usd is not None:
        ok = ok and costs.depth_usd >= max(params.min_depth_multiple, params.min_liquidity_multiple) * size
    long_ok = ok and (costs.buy_slippage is None or costs.buy_slippage <= params.max_slippage)
    short_ok = ok and (costs.sell_slippage is None or costs.sell_slippage <= params.max_slippage)
    # costs with its last three fields set (NamedTuple._replace would cost more than the rest)
    verdicts: MarketCosts = _tuple_new(MarketCosts, (*costs[:8], float(costs.round_trip), long_ok, short_ok))
    return verdicts


def pair_costs(
    long: MarketCosts,
    short: MarketCosts,
    size_usd: Decimal,
    use_maker: bool,
    borrow: Decimal = ZERO,
) -> CostBreakdown:
    """Round-trip costs of a two-leg position in USD. `borrow` is already in USD."""
    entry_fees = (long.fees.per_fill(use_maker) + short.fees.per_fill(use_maker)) * size_usd
    spread = ZERO
    for leg in (long, short):
        if leg.spread is not None:
            spread += leg.spread
    return CostBreakdown(
        entry_fees=entry_fees,
        exit_fees=entry_fees,
        spread=spread * size_usd,
        slippage=(long.impact + short.impact) * size_usd,
        borrow=borrow,
        cost_basis=min(long.basis, short.basis, key=_BASIS_RANK.__getitem__),
        long_depth_usd=long.depth_usd,
        short_depth_usd=short.depth_usd,
        long_spread=long.spread,
        short_spread=short.spread,
        long_entry_slippage=long.buy_slippage,
        short_entry_slippage=short.sell_slippage,
    )


def annualize(fraction: Decimal, hours: Decimal) -> Decimal:
    """A fraction earned (or paid) over `hours`, as a simple annual rate."""
    return fraction * HOURS_PER_YEAR / hours


def borrow_cost_usd(borrow_apr: Decimal, size_usd: Decimal, hours: Decimal) -> Decimal:
    return borrow_apr * size_usd * hours / HOURS_PER_YEAR
