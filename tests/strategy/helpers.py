"""Builders for the strategy tests: funding rows, books, markets, tickers, health, a stub venue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.models import (
    FundingRate,
    HealthState,
    MarketInfo,
    MarketKind,
    OrderBook,
    Ticker,
    VenueHealth,
)
from nexus_tui.strategy.models import ScanInputs
from nexus_tui.strategy.params import StrategyParams

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 05:00 UTC: 8 h venues settle in 3 h, hourly in 1 h


def D(x: str | int | float | Decimal) -> Decimal:
    return Decimal(str(x))


def funding(
    venue: str,
    rate: str | Decimal,
    interval: int = 8,
    symbol: str = "BTC/USDT:USDT",
    *,
    next_in_h: float | None = None,
    age_s: float = 5.0,
    mark: str | None = None,
) -> FundingRate:
    """A funding row as of NOW - age_s. Without next_in_h the venue's UTC grid applies."""
    if next_in_h is None:
        hours_past = NOW.hour % interval
        next_in_h = interval - hours_past
    return FundingRate(
        venue=venue,
        symbol=symbol,
        rate=D(rate),
        interval_hours=interval,
        ts=NOW - timedelta(seconds=age_s),
        next_funding_ts=NOW + timedelta(hours=next_in_h),
        mark_price=D(mark) if mark else None,
    )


def book(
    venue: str,
    symbol: str = "BTC/USDT:USDT",
    mid: str = "100",
    half_spread: str = "0.01",
    level_usd: str = "50000",
    levels: int = 10,
    tick: str = "0.01",
) -> OrderBook:
    """A symmetric book: `levels` levels a side of about `level_usd` each."""
    m, hs, t = D(mid), D(half_spread), D(tick)
    bids = []
    asks = []
    for i in range(levels):
        bid = m - hs - i * t
        ask = m + hs + i * t
        bids.append((bid, (D(level_usd) / bid).quantize(D("0.0001"))))
        asks.append((ask, (D(level_usd) / ask).quantize(D("0.0001"))))
    return OrderBook(venue, symbol, NOW, tuple(bids), tuple(asks))


def perp_market(
    venue: str, symbol: str = "BTC/USDT:USDT", taker: str = "0.0005", maker: str = "0.0002"
) -> MarketInfo:
    base, rest = symbol.split("/")
    quote, settle = rest.split(":")
    return MarketInfo(
        venue,
        symbol,
        base,
        quote,
        settle,
        MarketKind.PERP,
        D("0.01"),
        D("0.001"),
        D("0.001"),
        maker_fee=D(maker),
        taker_fee=D(taker),
    )


def spot_market(venue: str, symbol: str = "BTC/USDT", taker: str = "0.001") -> MarketInfo:
    base, quote = symbol.split("/")
    return MarketInfo(
        venue,
        symbol,
        base,
        quote,
        None,
        MarketKind.SPOT,
        D("0.01"),
        D("0.001"),
        D("0.001"),
        maker_fee=D("0.001"),
        taker_fee=D(taker),
    )


def ticker(
    venue: str, symbol: str = "BTC/USDT:USDT", volume: str = "50000000", oi: str = "20000000"
) -> Ticker:
    return Ticker(venue, symbol, NOW, None, None, volume_24h_usd=D(volume), open_interest_usd=D(oi))


def healthy(*venues: str, latency_ms: float = 80.0) -> dict[str, VenueHealth]:
    return {v: VenueHealth(v, HealthState.OK, latency_ms=latency_ms, last_ok=NOW) for v in venues}


def inputs(
    quotes: Sequence[FundingRate],
    *,
    markets: Sequence[MarketInfo] = (),
    books: Sequence[OrderBook] = (),
    tickers: Sequence[Ticker] = (),
    health: dict[str, VenueHealth] | None = None,
    now: datetime = NOW,
) -> ScanInputs:
    return ScanInputs(
        now=now,
        quotes=list(quotes),
        markets={(m.venue, m.symbol): m for m in markets},
        order_books={(b.venue, b.symbol): b for b in books},
        tickers={(t.venue, t.symbol): t for t in tickers},
        health=health or {},
    )


# Filters that would otherwise hide small hand-worked examples behind "net APR below 10 %".
LOOSE = StrategyParams(
    min_net_apr=D("-100"), min_expected_value_usd=D("-1000000"), max_break_even_hours=D(100000)
)


class StubVenue:
    """Markets, tickers and books from memory; `broken` makes books fail like an unreachable venue."""

    def __init__(self, venue_id: str, symbol: str = "BTC/USDT:USDT", broken: bool = False) -> None:
        self._id = venue_id
        self.symbol = symbol
        self.broken = broken
        self.book_calls = 0

    @property
    def id(self) -> str:
        return self._id

    @property
    def has_private(self) -> bool:
        return False

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        return {self.symbol: perp_market(self._id, self.symbol, taker="0.0004")}

    async def fetch_tickers(self, symbols: Sequence[str] | None = None) -> list[Ticker]:
        return [ticker(self._id, self.symbol)]

    async def fetch_order_book(self, symbol: str, depth: int = 20) -> OrderBook:
        self.book_calls += 1
        if self.broken:
            raise VenueUnavailable(self._id, "timed out")
        return book(self._id, symbol)

    def health(self) -> VenueHealth:
        return VenueHealth(self._id, HealthState.OK, latency_ms=60.0, last_ok=NOW)

    async def close(self) -> None:
        return None
