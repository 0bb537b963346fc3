"""Domain values shared by every layer: frozen, typed, Decimal for money, aware UTC datetimes.

Wire formats are parsed into these at the venue boundary; nothing above `venues/` sees raw JSON.
Venue ids are ccxt ids (`binanceusdm`, `hyperliquid`, ...) or `sim:<name>` for the simulated
market. Symbols are ccxt unified symbols (`BTC/USDT:USDT` perp, `BTC/USDT` spot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from nexus_tui.core.money import ZERO, apr_from_hourly, hourly


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class MarketKind(StrEnum):
    PERP = "swap"
    SPOT = "spot"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # fully filled
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class HealthState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # circuit open or too slow: no new positions
    DOWN = "down"  # unreachable
    UNKNOWN = "unknown"  # not yet contacted


class FundingSource(StrEnum):
    EXCHANGE = "exchange"  # the venue's own API: authoritative
    SECONDARY = "arbitragescanner"  # ArbitrageScanner: validation, gaps, fallback
    SIM = "sim"  # the embedded simulated market
    TAPE = "tape"  # a recorded funding tape


def split_symbol(symbol: str) -> tuple[str, str, str | None]:
    """`BTC/USDT:USDT` -> ("BTC", "USDT", "USDT"); `BTC/USDT` -> ("BTC", "USDT", None)."""
    pair, _, settle = symbol.partition(":")
    base, _, quote = pair.partition("/")
    return base, quote, (settle or None)


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """One tradable market on one venue (ccxt `market` structure, reduced to what we use)."""

    venue: str
    symbol: str
    base: str
    quote: str
    settle: str | None
    kind: MarketKind
    price_tick: Decimal
    amount_step: Decimal
    min_amount: Decimal
    contract_size: Decimal = Decimal(1)
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    funding_interval_hours: int | None = None  # perps only; None = not yet discovered
    max_leverage: Decimal | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class FundingRate:
    """One venue's report of the current funding for one perpetual.

    `rate` is per funding interval as the venue reports it (0.0001 = 0.01 %). `interval_hours`
    is the venue's real interval for this symbol (1, 4, 8, ...), never assumed.
    """

    venue: str
    symbol: str
    rate: Decimal
    interval_hours: int
    ts: datetime  # when the venue reported it (or when we observed it)
    next_funding_ts: datetime | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    predicted_rate: Decimal | None = None
    source: FundingSource = FundingSource.EXCHANGE
    # caveats about this report, e.g. "interval_assumed" when the venue did not tell us the
    # interval and its documented schedule was used instead
    flags: tuple[str, ...] = ()

    @property
    def rate_hourly(self) -> Decimal:
        return hourly(self.rate, self.interval_hours)

    @property
    def apr(self) -> Decimal:
        return apr_from_hourly(self.rate_hourly)


@dataclass(frozen=True, slots=True)
class Ticker:
    venue: str
    symbol: str
    ts: datetime
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None = None
    volume_24h_usd: Decimal | None = None
    open_interest_usd: Decimal | None = None

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2


PriceLevel = tuple[Decimal, Decimal]  # (price, amount in base units)


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Bids best (highest) first, asks best (lowest) first. Amounts in base units."""

    venue: str
    symbol: str
    ts: datetime
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.bids[0][0] + self.asks[0][0]) / 2


@dataclass(frozen=True, slots=True)
class Balance:
    venue: str
    currency: str
    total: Decimal
    free: Decimal
    used: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Position:
    """An open position as the venue reports it. `amount` is in base units, always positive."""

    venue: str
    symbol: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal | None = None
    liquidation_price: Decimal | None = None
    leverage: Decimal | None = None
    margin: Decimal | None = None
    unrealized_pnl: Decimal = ZERO
    realized_funding: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What we ask a venue to do. `client_order_id` is deterministic so a retry cannot double it."""

    client_order_id: str
    venue: str
    symbol: str
    side: Side
    type: OrderType
    amount: Decimal  # base units
    price: Decimal | None = None  # limit orders only
    reduce_only: bool = False
    post_only: bool = False


@dataclass(frozen=True, slots=True)
class Fill:
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str
    ts: datetime
    maker: bool = False


@dataclass(frozen=True, slots=True)
class Order:
    """A venue's view of an order."""

    venue: str
    symbol: str
    id: str
    client_order_id: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None
    status: OrderStatus
    filled: Decimal = ZERO
    average: Decimal | None = None
    fee: Decimal = ZERO
    ts: datetime | None = None
    fills: tuple[Fill, ...] = ()
    reduce_only: bool = False
    reason: str | None = None  # why it was rejected/expired, in words

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled


@dataclass(frozen=True, slots=True)
class VenueHealth:
    venue: str
    state: HealthState = HealthState.UNKNOWN
    latency_ms: float | None = None
    clock_skew_ms: float | None = None
    last_ok: datetime | None = None
    consecutive_failures: int = 0
    message: str = ""
    details: dict[str, str] = field(default_factory=dict)

    @property
    def tradable(self) -> bool:
        """A degraded or down venue takes no new positions."""
        return self.state is HealthState.OK
