"""One trading account on one simulated venue: balances, positions, margin, funding and liquidation.

The account is a one-way-mode, isolated-margin futures account plus spot holdings, all in one
wallet per venue (the way unified accounts work on Bybit, OKX or Hyperliquid):

- the wallet holds the margin currency (USDT or USDC) and any spot coins bought;
- opening or adding to a perp posts `notional / leverage` of the wallet as the position's margin;
  reducing releases it pro rata and books the realised P&L into the wallet;
- funding is paid or received in the wallet at each settlement: a long pays `amount * mark * rate`
  when the rate is positive, a short receives it;
- a position is liquidated when the mark crosses its liquidation price, the price at which its
  margin plus unrealised P&L only just covers the maintenance margin. The whole position margin
  is then lost (the remainder goes to the insurance fund, as on real venues).

All money is Decimal. `Balance.free` is what a new order may use: wallet minus posted and reserved
margin (unrealised profits of isolated positions are not spendable, their losses are borne by
their own margin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from nexus_tui.core.models import Balance, Position, PositionSide, Side
from nexus_tui.core.money import ONE, ZERO

MONEY_STEP = Decimal("1e-10")  # amounts booked in the wallet are rounded here, so the books add up exactly


def money(amount: Decimal) -> Decimal:
    """An amount of money as the venue books it (10 decimals, banker's rounding)."""
    return amount.quantize(MONEY_STEP)


@dataclass(slots=True)
class PerpPosition:
    symbol: str
    qty: Decimal  # signed: > 0 long, < 0 short
    entry_price: Decimal
    leverage: Decimal
    margin: Decimal
    maintenance_rate: Decimal
    realized_funding: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    opened_at: datetime | None = None

    @property
    def side(self) -> PositionSide:
        return PositionSide.LONG if self.qty > 0 else PositionSide.SHORT

    def unrealized(self, mark: Decimal) -> Decimal:
        return (mark - self.entry_price) * self.qty

    def liquidation_price(self) -> Decimal | None:
        """Where margin + unrealised P&L = maintenance margin (isolated, linear contract)."""
        size = abs(self.qty)
        if size == 0:
            return None
        if self.qty > 0:
            price = (self.entry_price * size - self.margin) / (size * (ONE - self.maintenance_rate))
            return price if price > 0 else None
        return (self.entry_price * size + self.margin) / (size * (ONE + self.maintenance_rate))


@dataclass(frozen=True, slots=True)
class FundingPayment:
    ts: datetime
    symbol: str
    rate: Decimal
    mark_price: Decimal
    position_amount: Decimal  # signed
    amount: Decimal  # credited to the wallet (negative = paid)


@dataclass(frozen=True, slots=True)
class Liquidation:
    ts: datetime
    symbol: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    price: Decimal  # the liquidation price it closed at
    loss: Decimal  # the margin lost


@dataclass(slots=True)
class Account:
    venue: str
    currency: str  # margin and settle currency
    wallet: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, PerpPosition] = field(default_factory=dict)
    leverage: dict[str, Decimal] = field(default_factory=dict)
    reserved: dict[str, Decimal] = field(default_factory=dict)  # order id -> margin held for it
    funding_payments: list[FundingPayment] = field(default_factory=list)
    liquidations: list[Liquidation] = field(default_factory=list)
    fees_paid: Decimal = ZERO

    # -- reading ---------------------------------------------------------------------------
    @property
    def cash(self) -> Decimal:
        return self.wallet.get(self.currency, ZERO)

    def posted_margin(self) -> Decimal:
        return sum((p.margin for p in self.positions.values()), ZERO)

    def free(self) -> Decimal:
        return self.cash - self.posted_margin() - sum(self.reserved.values(), ZERO)

    def balances(self, marks: dict[str, Decimal]) -> list[Balance]:
        upnl = sum(
            (p.unrealized(marks[p.symbol]) for p in self.positions.values() if p.symbol in marks), ZERO
        )
        total = self.cash + upnl
        free = self.free()
        out = [Balance(self.venue, self.currency, total, free, total - free)]
        for coin, amount in sorted(self.wallet.items()):
            if coin != self.currency and amount != 0:
                out.append(Balance(self.venue, coin, amount, amount, ZERO))
        return out

    def position_view(self, p: PerpPosition, mark: Decimal | None) -> Position:
        return Position(
            venue=self.venue,
            symbol=p.symbol,
            side=p.side,
            amount=abs(p.qty),
            entry_price=p.entry_price,
            mark_price=mark,
            liquidation_price=p.liquidation_price(),
            leverage=p.leverage,
            margin=p.margin,
            unrealized_pnl=p.unrealized(mark) if mark is not None else ZERO,
            realized_funding=p.realized_funding,
        )

    def leverage_for(self, symbol: str, default: Decimal) -> Decimal:
        return self.leverage.get(symbol, default)

    def opening_amount(self, symbol: str, side: Side, amount: Decimal) -> Decimal:
        position = self.positions.get(symbol)
        current = position.qty if position else ZERO
        signed = amount if side is Side.BUY else -amount
        if current == 0 or (current > 0) == (signed > 0):
            return amount
        return max(ZERO, abs(signed) - abs(current))

    def closable(self, symbol: str, side: Side) -> Decimal:
        """How much a reduce-only order on `side` may trade."""
        position = self.positions.get(symbol)
        if position is None:
            return ZERO
        if (position.qty > 0 and side is Side.SELL) or (position.qty < 0 and side is Side.BUY):
            return abs(position.qty)
        return ZERO

    # -- writing ---------------------------------------------------------------------------
    def deposit(self, coin: str, amount: Decimal) -> None:
        self.wallet[coin] = self.wallet.get(coin, ZERO) + amount

    def pay_fee(self, fee: Decimal) -> None:
        fee = money(fee)
        self.deposit(self.currency, -fee)
        self.fees_paid += fee

    def apply_perp_fill(
        self,
        symbol: str,
        side: Side,
        amount: Decimal,
        price: Decimal,
        fee: Decimal,
        leverage: Decimal,
        maintenance_rate: Decimal,
        ts: datetime,
    ) -> Decimal:
        """Book a perp fill; returns the realised P&L (before the fee)."""
        self.pay_fee(fee)
        signed = amount if side is Side.BUY else -amount
        position = self.positions.get(symbol)
        if position is None:
            self.positions[symbol] = PerpPosition(
                symbol,
                signed,
                price,
                leverage,
                money(amount * price / leverage),
                maintenance_rate,
                opened_at=ts,
            )
            return ZERO
        if (position.qty > 0) == (signed > 0):
            size = abs(position.qty)
            position.entry_price = (position.entry_price * size + price * amount) / (size + amount)
            position.qty += signed
            position.margin += money(amount * price / position.leverage)
            return ZERO
        closing = min(amount, abs(position.qty))
        direction = ONE if position.qty > 0 else -ONE
        realized = money((price - position.entry_price) * closing * direction)
        released = money(position.margin * closing / abs(position.qty))
        position.margin -= released
        position.qty += closing * -direction
        position.realized_pnl += realized
        self.deposit(self.currency, realized)
        if position.qty == 0:
            del self.positions[symbol]
        opening = amount - closing
        if opening > 0:
            self.positions[symbol] = PerpPosition(
                symbol,
                opening * -direction,
                price,
                leverage,
                money(opening * price / leverage),
                maintenance_rate,
                opened_at=ts,
            )
        return realized

    def apply_spot_fill(self, base: str, side: Side, amount: Decimal, price: Decimal, fee: Decimal) -> None:
        """Spot fills move coins and margin currency; the fee is charged in the margin currency."""
        cost = money(amount * price)
        if side is Side.BUY:
            self.deposit(self.currency, -cost)
            self.deposit(base, amount)
        else:
            self.deposit(base, -amount)
            self.deposit(self.currency, cost)
        self.pay_fee(fee)

    def credit_funding(
        self, symbol: str, rate: Decimal, mark: Decimal, ts: datetime
    ) -> FundingPayment | None:
        position = self.positions.get(symbol)
        if position is None:
            return None
        amount = money(-position.qty * mark * rate)
        self.deposit(self.currency, amount)
        position.realized_funding += amount
        payment = FundingPayment(ts, symbol, rate, mark, position.qty, amount)
        self.funding_payments.append(payment)
        return payment

    def liquidate_if_breached(self, symbol: str, mark: Decimal, ts: datetime) -> Liquidation | None:
        position = self.positions.get(symbol)
        if position is None:
            return None
        price = position.liquidation_price()
        if price is None:
            return None
        breached = mark <= price if position.qty > 0 else mark >= price
        if not breached:
            return None
        # Closed at the liquidation price; what the margin still covers there goes to the insurance fund.
        self.deposit(self.currency, -position.margin)
        del self.positions[symbol]
        event = Liquidation(
            ts, symbol, position.side, abs(position.qty), position.entry_price, price, position.margin
        )
        self.liquidations.append(event)
        return event
