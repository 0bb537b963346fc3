"""The life of one order on a simulated venue, and the checks a venue runs before accepting one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from nexus_tui.core.models import Fill, Order, OrderRequest, OrderStatus, OrderType
from nexus_tui.core.money import ZERO
from nexus_tui.venues.sim.listings import Listing
from nexus_tui.venues.sim.matching import QueuePosition


@dataclass(slots=True)
class OrderState:
    id: str
    request: OrderRequest
    listing: Listing
    ts: datetime
    status: OrderStatus = OrderStatus.OPEN
    filled: Decimal = ZERO
    cost: Decimal = ZERO  # sum of price * amount over fills
    fee: Decimal = ZERO
    fills: list[Fill] = field(default_factory=list)
    queue: QueuePosition | None = None
    reason: str | None = None

    @property
    def remaining(self) -> Decimal:
        return self.request.amount - self.filled

    @property
    def is_open(self) -> bool:
        return self.status is OrderStatus.OPEN

    def add_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self.filled += fill.amount
        self.cost += fill.amount * fill.price
        self.fee += fill.fee
        if self.filled >= self.request.amount:
            self.status = OrderStatus.CLOSED
            self.queue = None

    def view(self) -> Order:
        r = self.request
        return Order(
            venue=r.venue,
            symbol=r.symbol,
            id=self.id,
            client_order_id=r.client_order_id,
            side=r.side,
            type=r.type,
            amount=r.amount,
            price=r.price,
            status=self.status,
            filled=self.filled,
            average=self.cost / self.filled if self.filled else None,
            fee=self.fee,
            ts=self.ts,
            fills=tuple(self.fills),
            reduce_only=r.reduce_only,
            reason=self.reason,
        )


def precision_problem(request: OrderRequest, listing: Listing) -> str | None:
    """Why a venue would refuse this order's numbers, or None (the venue never rounds for you)."""
    info = listing.info
    if request.amount <= 0:
        return f"amount must be positive, not {request.amount}"
    if request.amount < info.min_amount:
        return f"amount {request.amount} is below the minimum {info.min_amount}"
    if request.amount % info.amount_step != 0:
        return f"amount {request.amount} is not a multiple of the lot size {info.amount_step}"
    if request.type is OrderType.LIMIT:
        if request.price is None or request.price <= 0:
            return "a limit order needs a positive price"
        if request.price % info.price_tick != 0:
            return f"price {request.price} is not a multiple of the tick size {info.price_tick}"
    elif request.post_only:
        return "a market order cannot be post-only"
    return None
