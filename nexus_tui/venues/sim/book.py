"""Order books and trade prints of the simulated market, drawn around the current mid price.

A book is a pure function of the market's state and the current second: the mid, a spread that
widens when the symbol is moving, levels spaced by ticks, and sizes that grow away from the touch
and change every second (other traders' orders come and go). Prices are kept as integer tick
counts until the Decimal boundary, so a level is always exactly on the tick grid.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from nexus_tui.core.models import OrderBook, PriceLevel, Side
from nexus_tui.venues.sim.matching import Trade

_SIZE_GROWTH_PER_LEVEL = 0.12  # deeper levels hold more
_TRADES_PER_STEP = 4


@dataclass(frozen=True, slots=True)
class BookShape:
    """How one market's book looks in a quiet moment; fixed per (venue, symbol)."""

    tick_decimals: int
    lot_decimals: int  # may be negative: a lot of 1000 has lot_decimals -3
    half_spread: float  # fraction of mid
    level_gap_ticks: int
    level_usd: float  # notional at the touch, before noise
    volume_per_second_usd: float

    @property
    def tick(self) -> float:
        return 10.0**-self.tick_decimals

    @property
    def lot(self) -> float:
        return 10.0**-self.lot_decimals

    @property
    def tick_size(self) -> Decimal:
        return Decimal(1).scaleb(-self.tick_decimals)

    @property
    def lot_size(self) -> Decimal:
        return _scaled(1, self.lot_decimals)


def _scaled(units: int, decimals: int) -> Decimal:
    """`units * 10**-decimals` as a plain Decimal (no exponent notation for whole lots)."""
    if decimals <= 0:
        return Decimal(units * 10**-decimals)
    return Decimal(units).scaleb(-decimals)


def touch_ticks(shape: BookShape, mid: float, spread_factor: float) -> tuple[int, int]:
    """Best bid and best ask as tick counts: at least one tick apart, straddling the mid."""
    tick = shape.tick
    half = mid * shape.half_spread * spread_factor
    bid = math.floor((mid - half) / tick + 1e-9)
    ask = math.ceil((mid + half) / tick - 1e-9)
    if ask <= bid:
        ask = bid + 1
    return bid, ask


def touch_prices(shape: BookShape, mid: float, spread_factor: float) -> tuple[Decimal, Decimal]:
    bid, ask = touch_ticks(shape, mid, spread_factor)
    return _scaled(bid, shape.tick_decimals), _scaled(ask, shape.tick_decimals)


def book_sides(
    shape: BookShape, mid: float, spread_factor: float, rng: random.Random, depth: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Bid and ask levels as (price in ticks, size in lots), best first."""
    bid, ask = touch_ticks(shape, mid, spread_factor)
    gap = max(1, round(shape.level_gap_ticks * spread_factor))
    lots_at_touch = shape.level_usd / mid / shape.lot
    rand = rng.random
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for i in range(depth):
        growth = 1.0 + _SIZE_GROWTH_PER_LEVEL * i
        bid_price = bid - i * gap
        if bid_price > 0:
            bids.append((bid_price, max(1, round(lots_at_touch * growth * (0.55 + 0.9 * rand())))))
        asks.append((ask + i * gap, max(1, round(lots_at_touch * growth * (0.55 + 0.9 * rand())))))
    return bids, asks


def depleted(levels: list[tuple[int, int]], taken_lots: int) -> list[tuple[int, int]]:
    """The levels after `taken_lots` were taken from the touch (our own earlier orders this step)."""
    if taken_lots <= 0:
        return levels
    out: list[tuple[int, int]] = []
    for price, lots in levels:
        if taken_lots >= lots:
            taken_lots -= lots
            continue
        out.append((price, lots - taken_lots))
        taken_lots = 0
    return out


def to_order_book(
    venue: str,
    symbol: str,
    ts: datetime,
    shape: BookShape,
    bids: list[tuple[int, int]],
    asks: list[tuple[int, int]],
) -> OrderBook:
    td, ld = shape.tick_decimals, shape.lot_decimals
    bid_levels: tuple[PriceLevel, ...] = tuple((_scaled(p, td), _scaled(q, ld)) for p, q in bids)
    ask_levels: tuple[PriceLevel, ...] = tuple((_scaled(p, td), _scaled(q, ld)) for p, q in asks)
    return OrderBook(venue=venue, symbol=symbol, ts=ts, bids=bid_levels, asks=ask_levels)


def synthetic_trades(
    shape: BookShape,
    mid_before: float,
    mid_after: float,
    spread_factor: float,
    start: datetime,
    seconds: float,
    rng: random.Random,
) -> list[Trade]:
    """The prints of one step: takers hit the touch as the mid travels from `mid_before` to `mid_after`.

    Buyers lean in when the price rises and sellers when it falls, as they do.
    """
    if mid_before <= 0 or mid_after <= 0:
        return []
    move = (mid_after - mid_before) / mid_before
    buy_share = 0.5 + max(-0.3, min(0.3, move / max(shape.half_spread, 1e-9) * 0.05))
    per_trade_usd = shape.volume_per_second_usd * seconds / _TRADES_PER_STEP
    trades: list[Trade] = []
    for j in range(_TRADES_PER_STEP):
        frac = (j + 1) / _TRADES_PER_STEP
        mid = mid_before + (mid_after - mid_before) * frac
        bid, ask = touch_ticks(shape, mid, spread_factor)
        side = Side.BUY if rng.random() < buy_share else Side.SELL
        lots = max(1, round(per_trade_usd * rng.expovariate(1.0) / mid / shape.lot))
        price = ask if side is Side.BUY else bid
        trades.append(
            Trade(
                ts=start + timedelta(seconds=seconds * frac),
                price=_scaled(price, shape.tick_decimals),
                amount=_scaled(lots, shape.lot_decimals),
                aggressor=side,
            )
        )
    return trades
