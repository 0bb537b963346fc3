"""Inside one simulated venue: order entry, matching, resting orders, the account, settlement, liquidation.

SimVenue (venue.py) is the door: latency, faults, health and the port's calls. This is the room
behind it. Orders are refused for the reasons real venues refuse them (precision, margin,
duplicate client order id, reduce-only with nothing to reduce), matched on arrival through
matching.py against the market's book (less what our own orders already took from it this step),
and, if they rest, filled on the queue-position model as the market steps. Funding is credited at
each settlement and positions are liquidated when the mark crosses their liquidation price.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from nexus_tui.core.errors import BadInput, OrderRejected, VenueError
from nexus_tui.core.models import Fill, OrderBook, OrderRequest, OrderStatus, OrderType, Side
from nexus_tui.core.money import ONE, ZERO, quantize_down
from nexus_tui.venues.sim.account import Account, FundingPayment, Liquidation, money
from nexus_tui.venues.sim.book import depleted
from nexus_tui.venues.sim.events import SimEvent
from nexus_tui.venues.sim.listings import Listing
from nexus_tui.venues.sim.matching import arrive, crossed_fill, queue_fills
from nexus_tui.venues.sim.orders import OrderState, precision_problem
from nexus_tui.venues.sim.profiles import VenueProfile
from nexus_tui.venues.sim.units import fixed

if TYPE_CHECKING:
    from nexus_tui.venues.sim.market import SimMarket

DEFAULT_LEVERAGE = Decimal(5)


class Exchange:
    def __init__(
        self,
        market: SimMarket,
        index: int,
        profile: VenueProfile,
        initial_balance: Decimal,
        partial_fill_fraction: Callable[[], Decimal | None],
    ) -> None:
        self._market = market
        self._index = index
        self.profile = profile
        self._id = profile.venue_id
        # the fraction a partial-fill fault lets an order fill, None when no such fault is on
        self._partial_fill_fraction = partial_fill_fraction
        self.account = Account(venue=self._id, currency=profile.margin_currency)
        self.account.deposit(profile.margin_currency, initial_balance)
        self.default_leverage = DEFAULT_LEVERAGE
        self._orders: dict[str, OrderState] = {}
        self._by_client_id: dict[str, str] = {}
        self._resting: list[OrderState] = []
        self._order_seq = 0
        self._taken: dict[str, tuple[int, int, int]] = {}  # symbol -> (step, bid lots, ask lots) we took

    def listing(self, symbol: str) -> Listing:
        listing = self._market.listings[self._index].get(symbol)
        if listing is None:
            raise VenueError(self._id, f"unknown symbol {symbol}")
        return listing

    def book(self, listing: Listing, depth: int) -> OrderBook:
        """The live book now, less what our own taker orders took from it during this step."""
        market = self._market
        second = int(market.clock.now().timestamp())
        bids, asks = market.book_levels(listing, depth, second)
        taken = self._taken.get(listing.symbol)
        if taken is not None and taken[0] == market.step_index:
            bids, asks = depleted(bids, taken[1]), depleted(asks, taken[2])
        return market.order_book(listing, market.now, (bids, asks))

    def marks(self) -> dict[str, Decimal]:
        marks: dict[str, Decimal] = {}
        for symbol in self.account.positions:
            listing = self.listing(symbol)
            marks[symbol] = _price(self._market.mark(listing), listing)
        return marks

    def open_orders(self, symbol: str | None = None) -> list[OrderState]:
        return [o for o in self._resting if symbol is None or o.request.symbol == symbol]

    def cancel(self, order: OrderState) -> None:
        if order.is_open:
            self._close_resting(order, OrderStatus.CANCELED, "canceled by the user")

    def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        """Leverage for new exposure on `symbol` (an open position keeps the margin it posted)."""
        listing = self.listing(symbol)
        value = Decimal(leverage)
        maximum = listing.info.max_leverage or Decimal(1)
        if not listing.is_perp:
            raise BadInput(f"{self._id}: {symbol} is a spot market, it has no leverage")
        if not ONE <= value <= maximum:
            raise BadInput(f"{self._id}: leverage for {symbol} must be between 1 and {maximum}, not {value}")
        self.account.leverage[symbol] = value

    def funding_payments(self, symbol: str | None = None) -> list[FundingPayment]:
        """Funding paid and received so far (the market first catches up with the clock)."""
        self._market.advance_to(self._market.clock.now())
        return [p for p in self.account.funding_payments if symbol is None or p.symbol == symbol]

    def liquidations(self) -> list[Liquidation]:
        """Positions the venue liquidated so far (the market first catches up with the clock)."""
        self._market.advance_to(self._market.clock.now())
        return list(self.account.liquidations)

    def find(self, order_id: str, symbol: str) -> OrderState:
        order = self._orders.get(order_id) or self._orders.get(self._by_client_id.get(order_id, ""))
        if order is None or order.request.symbol != symbol:
            raise VenueError(self._id, f"order {order_id} not found for {symbol}")
        return order

    def _reject(self, message: str) -> OrderRejected:
        return OrderRejected(self._id, message)

    def accept(self, request: OrderRequest) -> OrderState:
        """Validate, match on arrival, and book the result; raises OrderRejected like a venue would."""
        if request.venue != self._id:
            raise self._reject(f"order for {request.venue} sent to {self._id}")
        listing = self._market.listings[self._index].get(request.symbol)
        if listing is None:
            raise self._reject(f"unknown symbol {request.symbol}")
        if request.client_order_id in self._by_client_id:
            raise self._reject(f"duplicate client order id {request.client_order_id}")
        problem = precision_problem(request, listing)
        if problem:
            raise self._reject(problem)
        amount = self._allowed_amount(request, listing)
        book = self.book(listing, _MATCHING_DEPTH)
        side = request.side
        reference = (
            request.price
            if request.type is OrderType.LIMIT
            else (book.best_ask if side is Side.BUY else book.best_bid)
        )
        if reference is None:
            raise self._reject(f"no liquidity in {request.symbol}")
        self._check_funds(request, listing, amount, reference)

        cap = self._fill_cap(request.amount, listing.info.amount_step)
        arrival = arrive(_with_amount(request, min(amount, cap)), book, listing.info.price_tick)
        if arrival.rejected:
            raise self._reject(arrival.rejected)

        now = self._market.clock.now()
        self._order_seq += 1
        order = OrderState(f"{self.profile.name}-{self._order_seq:08d}", request, listing, now)
        self._orders[order.id] = order
        self._by_client_id[request.client_order_id] = order.id
        if arrival.taker.amount > 0 and arrival.taker.price is not None:
            self._fill(order, arrival.taker.amount, arrival.taker.price, maker=False, ts=now)
            self._record_taken(listing, side, arrival.taker.amount)
        if not order.is_open:
            return order
        if request.type is OrderType.MARKET:
            order.status = OrderStatus.EXPIRED
            if amount < request.amount and order.filled >= amount:
                order.reason = "reduce-only: the position is closed, the rest expired"
            elif cap < request.amount and order.filled >= cap:
                order.reason = "partially filled: the rest was cancelled by the venue (simulated fault)"
            else:
                order.reason = "not enough liquidity in the book: the rest expired"
        else:
            order.queue = arrival.queue
            self._resting.append(order)
            self._reserve(order)
        return order

    def _allowed_amount(self, request: OrderRequest, listing: Listing) -> Decimal:
        if not request.reduce_only:
            return request.amount
        if not listing.is_perp:
            raise self._reject("reduce-only applies to perpetuals, not spot")
        closable = self.account.closable(request.symbol, request.side)
        if closable <= 0:
            raise self._reject(
                f"reduce-only {request.side.value} but no position in {request.symbol} to reduce"
            )
        return min(request.amount, closable)

    def _check_funds(self, request: OrderRequest, listing: Listing, amount: Decimal, price: Decimal) -> None:
        info = listing.info
        if listing.is_perp:
            leverage = self.account.leverage_for(request.symbol, self._default_leverage(listing))
            opening = self.account.opening_amount(request.symbol, request.side, amount)
            needed = opening * price / leverage + amount * price * info.taker_fee
        elif request.side is Side.BUY:
            needed = amount * price * (ONE + info.taker_fee)
        else:
            held = self.account.wallet.get(info.base, ZERO)
            if held < amount:
                raise self._reject(f"insufficient {info.base}: have {held}, selling {amount}")
            return
        free = self.account.free()
        if needed > free:
            ccy = self.account.currency
            raise self._reject(f"insufficient margin: needs {needed:.2f} {ccy}, free {free:.2f} {ccy}")

    def _default_leverage(self, listing: Listing) -> Decimal:
        return min(self.default_leverage, listing.info.max_leverage or self.default_leverage)

    def _fill_cap(self, amount: Decimal, step: Decimal) -> Decimal:
        """How much of an order may fill in all while a partial-fill fault is on."""
        fraction = self._partial_fill_fraction()
        if fraction is None:
            return amount
        return quantize_down(amount * fraction, step)

    def _fill(self, order: OrderState, amount: Decimal, price: Decimal, maker: bool, ts: datetime) -> None:
        listing = order.listing
        info = listing.info
        fee = money(amount * price * (info.maker_fee if maker else info.taker_fee))
        side = order.request.side
        if listing.is_perp:
            leverage = self.account.leverage_for(order.request.symbol, self._default_leverage(listing))
            self.account.apply_perp_fill(
                order.request.symbol, side, amount, price, fee, leverage, listing.maintenance_rate, ts
            )
        else:
            self.account.apply_spot_fill(info.base, side, amount, price, fee)
        order.add_fill(
            Fill(price=price, amount=amount, fee=fee, fee_currency=self.account.currency, ts=ts, maker=maker)
        )

    def _record_taken(self, listing: Listing, side: Side, amount: Decimal) -> None:
        lots = int(amount / listing.info.amount_step)
        step = self._market.step_index
        prev = self._taken.get(listing.symbol)
        bid, ask = (prev[1], prev[2]) if prev is not None and prev[0] == step else (0, 0)
        if side is Side.BUY:
            ask += lots
        else:
            bid += lots
        self._taken[listing.symbol] = (step, bid, ask)

    def _reserve(self, order: OrderState) -> None:
        """Hold margin (or cash, for a spot buy) for what a resting order may still fill."""
        listing = order.listing
        request = order.request
        price = request.price or ZERO
        if listing.is_perp:
            leverage = self.account.leverage_for(request.symbol, self._default_leverage(listing))
            opening = self.account.opening_amount(request.symbol, request.side, order.remaining)
            held = opening * price / leverage
        elif request.side is Side.BUY:
            held = order.remaining * price * (ONE + listing.info.maker_fee)
        else:
            held = ZERO
        if held > 0:
            self.account.reserved[order.id] = held
        else:
            self.account.reserved.pop(order.id, None)

    def _close_resting(self, order: OrderState, status: OrderStatus, reason: str | None) -> None:
        order.status = status
        order.reason = reason
        order.queue = None
        self.account.reserved.pop(order.id, None)
        if order in self._resting:
            self._resting.remove(order)

    # -- driven by the market ------------------------------------------------------------------
    def on_step(self, step: int, t: datetime) -> None:
        if self.account.positions:
            self._liquidate(t)
        if self._resting:
            self._fill_resting(step, t)

    def _liquidate(self, t: datetime) -> None:
        for symbol in list(self.account.positions):
            listing = self.listing(symbol)
            event = self.account.liquidate_if_breached(symbol, _price(self._market.mark(listing), listing), t)
            if event is not None:
                self._market.events.append(
                    _event(
                        "sim.liquidation",
                        t,
                        self._id,
                        f"{self._id} {symbol}: {event.side.value} {event.amount} liquidated at "
                        f"{event.price:.6g}, lost {event.loss:.2f} {self.account.currency}",
                        symbol=symbol,
                        loss=str(event.loss),
                        currency=self.account.currency,
                    )
                )

    def _fill_resting(self, step: int, t: datetime) -> None:
        market = self._market
        second = int(t.timestamp())
        for order in list(self._resting):
            queue = order.queue
            if queue is None:
                continue
            listing = order.listing
            request = order.request
            remaining = order.remaining
            if request.reduce_only:
                remaining = min(remaining, self.account.closable(request.symbol, request.side))
                if remaining <= 0:
                    self._close_resting(
                        order, OrderStatus.CANCELED, "reduce-only: no position left to reduce"
                    )
                    continue
            cap = self._fill_cap(request.amount, listing.info.amount_step) - order.filled
            if cap <= 0:
                continue
            trades = market.step_trades(listing, step)
            queue, from_trades = queue_fills(request.side, queue, remaining, order.filled, trades)
            bids, asks = market.book_levels(listing, _CROSS_DEPTH, second)
            book = market.order_book(listing, t, (bids, asks))
            queue, from_cross = crossed_fill(request.side, queue, remaining, order.filled, book)
            order.queue = queue
            amount = min(max(from_trades, from_cross), remaining, cap)
            amount = quantize_down(amount, listing.info.amount_step)
            if amount <= 0:
                continue
            if not listing.is_perp and request.side is Side.SELL:
                held = self.account.wallet.get(listing.info.base, ZERO)
                if held < amount:
                    self._close_resting(
                        order, OrderStatus.CANCELED, f"insufficient {listing.info.base} to deliver"
                    )
                    continue
            assert request.price is not None
            self._fill(order, amount, request.price, maker=True, ts=t)
            if order.is_open:
                self._reserve(order)
            else:
                self._close_resting(order, OrderStatus.CLOSED, None)

    def on_settlement(self, t: datetime, settled: list[tuple[Listing, float, float]]) -> None:
        positions = self.account.positions
        if not positions:
            return
        for listing, rate, mark in settled:
            if listing.symbol not in positions:
                continue
            payment = self.account.credit_funding(
                listing.symbol,
                fixed(rate, self.profile.rate_decimals),
                _price(mark, listing),
                t,
            )
            if payment is not None:
                verb = "received" if payment.amount >= 0 else "paid"
                self._market.events.append(
                    _event(
                        "sim.funding",
                        t,
                        self._id,
                        f"{self._id} {listing.symbol}: funding {verb} {abs(payment.amount):.4f} "
                        f"{self.account.currency} at rate {payment.rate}",
                        symbol=listing.symbol,
                        amount=str(payment.amount),
                        rate=str(payment.rate),
                        currency=self.account.currency,
                    )
                )


_MATCHING_DEPTH = 200
_CROSS_DEPTH = 20


def _price(value: float, listing: Listing) -> Decimal:
    return fixed(value, listing.shape.tick_decimals)


def _with_amount(request: OrderRequest, amount: Decimal) -> OrderRequest:
    return request if amount == request.amount else replace(request, amount=amount)


def _event(kind: str, ts: datetime, venue: str, message: str, **data: object) -> SimEvent:
    return SimEvent(kind=kind, ts=ts, venue=venue, message=message, data=dict(data))
