"""How orders fill: pure functions of (order, book, trades), shared by the simulator and paper trading.

Two models from seed 002:

- **Realistic slippage** (§3): a taker pays `min(2 bps + size/depth * 3 bps, 5 bps)` beyond the
  touch, where `depth` is the visible depth on the side it takes. We also walk the book and charge
  whichever is worse: the formula keeps paper fills from looking better than real ones on a deep
  book, and the walk keeps a large order on a thin book from pretending to pay only 5 bps.
- **Queue position** (§5): a resting limit order joins the back of the queue at its price. Per
  the seed, 20 % of the depth resting there when it arrived is treated as still ahead of it (the
  rest is assumed cancelled before its turn), so it fills only once the volume traded at its price
  since it joined exceeds that, and then only by the excess: it never fills before
  `cumulative_volume_at_price >= 0.2 * resting_depth_at_entry` (the seed's Property 4). A trade at
  a worse price than ours counts too, because that seller (or buyer) would have met our better
  price first. When the book moves through our price (the opposite best crosses it), the crossing
  liquidity fills us at our price.

No function here reads a clock, a venue or a random number: give it the same book and trades and
it answers the same, which is what lets paper trading reuse it on live books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from nexus_tui.core.models import OrderBook, OrderRequest, OrderType, PriceLevel, Side
from nexus_tui.core.money import ONE, ZERO

SLIPPAGE_BASE = Decimal("0.0002")  # 2 bps
SLIPPAGE_PER_DEPTH = Decimal("0.0003")  # + up to 3 bps as the order approaches the visible depth
SLIPPAGE_CAP = Decimal("0.0005")  # the formula never says more than 5 bps
QUEUE_FILL_THRESHOLD = Decimal("0.20")  # share of the resting depth still ahead of a new order


@dataclass(frozen=True, slots=True)
class Trade:
    """One print on the tape. `aggressor` is the side of the order that took liquidity."""

    ts: datetime
    price: Decimal
    amount: Decimal
    aggressor: Side


@dataclass(frozen=True, slots=True)
class TakerFill:
    """The part of an order that took liquidity on arrival."""

    amount: Decimal  # base units filled (less than asked when the book or the limit ran out)
    price: Decimal | None  # average price paid; None when nothing filled
    touch: Decimal | None  # the best opposite price when the order arrived
    slippage: Decimal  # beyond the touch, a fraction (0.0003 = 3 bps), never negative
    model_slippage: Decimal  # what the seed's formula says for this size and depth
    walk_slippage: Decimal  # what walking the visible book costs


NO_FILL = TakerFill(ZERO, None, None, ZERO, ZERO, ZERO)


def realistic_slippage(size: Decimal, depth: Decimal) -> Decimal:
    """Seed 002 §3: 2 bps, plus 3 bps times size/depth, capped at 5 bps (size and depth in one unit)."""
    if depth <= 0:
        return SLIPPAGE_CAP
    return min(SLIPPAGE_BASE + size / depth * SLIPPAGE_PER_DEPTH, SLIPPAGE_CAP)


def _opposite_levels(side: Side, book: OrderBook) -> tuple[PriceLevel, ...]:
    return book.asks if side is Side.BUY else book.bids


def _same_levels(side: Side, book: OrderBook) -> tuple[PriceLevel, ...]:
    return book.bids if side is Side.BUY else book.asks


def _reachable(side: Side, price: Decimal, limit: Decimal | None) -> bool:
    if limit is None:
        return True
    return price <= limit if side is Side.BUY else price >= limit


def take_liquidity(
    side: Side,
    amount: Decimal,
    book: OrderBook,
    limit_price: Decimal | None = None,
    price_tick: Decimal | None = None,
) -> TakerFill:
    """Fill `amount` against the opposite side of `book`, no further than `limit_price` if given.

    The price is the worse of walking the book and the seed's slippage formula, never beyond the
    limit. With `price_tick`, the formula's price is rounded to a tick against the taker (a real
    order cannot fill between ticks).
    """
    levels = _opposite_levels(side, book)
    if amount <= 0 or not levels or not _reachable(side, levels[0][0], limit_price):
        return NO_FILL
    touch = levels[0][0]
    depth = sum((lvl_amount for _, lvl_amount in levels), ZERO)
    filled = ZERO
    cost = ZERO
    for price, level_amount in levels:
        if not _reachable(side, price, limit_price):
            break
        take = min(level_amount, amount - filled)
        filled += take
        cost += take * price
        if filled >= amount:
            break
    if filled <= 0:
        return NO_FILL
    walk_price = cost / filled
    model = realistic_slippage(filled, depth)
    if side is Side.BUY:
        model_price = touch * (ONE + model)
        if price_tick:
            model_price = (model_price / price_tick).to_integral_value(rounding=ROUND_CEILING) * price_tick
        price = max(walk_price, model_price)
        if limit_price is not None:
            price = min(price, limit_price)
        slippage = (price - touch) / touch
        walk = (walk_price - touch) / touch
    else:
        model_price = touch * (ONE - model)
        if price_tick:
            model_price = (model_price / price_tick).to_integral_value(rounding=ROUND_FLOOR) * price_tick
        price = min(walk_price, model_price)
        if limit_price is not None:
            price = max(price, limit_price)
        slippage = (touch - price) / touch
        walk = (touch - walk_price) / touch
    return TakerFill(filled, price, touch, max(slippage, ZERO), model, max(walk, ZERO))


@dataclass(frozen=True, slots=True)
class QueuePosition:
    """Seed 002 §2 `QueuePosition`: where a resting limit order stands in the queue at its price."""

    price: Decimal
    resting_depth_at_entry: Decimal
    cumulative_volume_at_price: Decimal = ZERO
    fill_threshold_pct: Decimal = QUEUE_FILL_THRESHOLD

    @property
    def volume_ahead(self) -> Decimal:
        return self.resting_depth_at_entry * self.fill_threshold_pct

    def should_fill(self) -> bool:
        """The seed's condition: enough has traded at our price for our turn to have come."""
        return self.cumulative_volume_at_price >= self.volume_ahead

    def fillable(self, already_filled: Decimal) -> Decimal:
        """How much of the order the traded volume has reached beyond what already filled."""
        return max(ZERO, self.cumulative_volume_at_price - self.volume_ahead - already_filled)


def join_queue(
    side: Side, price: Decimal, book: OrderBook, threshold: Decimal = QUEUE_FILL_THRESHOLD
) -> QueuePosition:
    """A new resting order at `price`: the depth already there is the queue it joins the back of."""
    levels = _same_levels(side, book)
    depth = ZERO
    if levels:
        deepest_price, deepest_amount = levels[-1]
        beyond_book = price < deepest_price if side is Side.BUY else price > deepest_price
        if beyond_book:
            depth = deepest_amount  # deeper than we can see: assume a queue like the last level's
        else:
            depth = next((amount for level_price, amount in levels if level_price == price), ZERO)
    return QueuePosition(price, depth, ZERO, threshold)


def queue_fills(
    side: Side, queue: QueuePosition, remaining: Decimal, already_filled: Decimal, trades: list[Trade]
) -> tuple[QueuePosition, Decimal]:
    """Count the trades that reached our price; return the updated queue and the amount that fills now."""
    volume = queue.cumulative_volume_at_price
    taker_side = side.opposite
    for trade in trades:
        if trade.aggressor is not taker_side:
            continue
        reached = trade.price <= queue.price if side is Side.BUY else trade.price >= queue.price
        if reached:
            volume += trade.amount
    updated = QueuePosition(queue.price, queue.resting_depth_at_entry, volume, queue.fill_threshold_pct)
    return updated, min(remaining, updated.fillable(already_filled))


def crossed_fill(
    side: Side, queue: QueuePosition, remaining: Decimal, already_filled: Decimal, book: OrderBook
) -> tuple[QueuePosition, Decimal]:
    """The book moved through a resting order: the liquidity that crossed our price trades with us."""
    crossing = ZERO
    for price, amount in _opposite_levels(side, book):
        if not _reachable(side, price, queue.price):
            break
        crossing += amount
    if crossing <= 0:
        return queue, ZERO
    # That liquidity had to pass the whole queue at our price first, then us.
    volume = queue.cumulative_volume_at_price + crossing
    updated = QueuePosition(queue.price, queue.resting_depth_at_entry, volume, queue.fill_threshold_pct)
    return updated, min(remaining, updated.fillable(already_filled))


@dataclass(frozen=True, slots=True)
class Arrival:
    """What happens the moment an order reaches the book."""

    taker: TakerFill  # market orders, and the marketable part of a limit order
    queue: QueuePosition | None  # where the rest of a limit order rests; None if nothing rests
    rejected: str | None = None  # why the order cannot be accepted at all


def arrive(
    request: OrderRequest,
    book: OrderBook,
    price_tick: Decimal | None = None,
    threshold: Decimal = QUEUE_FILL_THRESHOLD,
) -> Arrival:
    """Match a new order against a book: take what it may, queue the rest of a limit order."""
    side = request.side
    if request.type is OrderType.MARKET:
        return Arrival(take_liquidity(side, request.amount, book, None, price_tick), None)
    if request.price is None:
        return Arrival(NO_FILL, None, "a limit order needs a price")
    opposite = _opposite_levels(side, book)
    marketable = bool(opposite) and _reachable(side, opposite[0][0], request.price)
    if marketable and request.post_only:
        return Arrival(NO_FILL, None, "post-only order would take liquidity")
    taker = take_liquidity(side, request.amount, book, request.price, price_tick) if marketable else NO_FILL
    if taker.amount >= request.amount:
        return Arrival(taker, None)
    # What is left rests at its limit; whatever it could take is gone, so nothing is ahead of it.
    queue = (
        QueuePosition(request.price, ZERO, ZERO, threshold)
        if marketable
        else join_queue(side, request.price, book, threshold)
    )
    return Arrival(taker, queue)
