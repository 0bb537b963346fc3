"""The venue port: what the engine needs from any venue, real (ccxt) or simulated.

Shaped after ccxt's unified API (loadMarkets, fetchFundingRates, fetchFundingRateHistory,
fetchTickers, fetchOrderBook, fetchBalance, fetchPositions, createOrder, cancelOrder,
fetchOrder, fetchTime) so a ccxt-backed venue implements it without contortions, but speaking
our domain values (core/models.py), never raw dicts.

Failures raise `nexus_tui.core.errors.VenueError` subclasses (VenueUnavailable,
OrderRejected, MalformedResponse) with a one-line reason; nothing else escapes a venue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from nexus_tui.core.models import (
    Balance,
    FundingRate,
    MarketInfo,
    Order,
    OrderBook,
    OrderRequest,
    Position,
    Ticker,
    VenueHealth,
)


@runtime_checkable
class Venue(Protocol):
    """One exchange. `id` is the ccxt id or `sim:<name>`."""

    @property
    def id(self) -> str: ...

    @property
    def has_private(self) -> bool:
        """True when credentials are configured (balances, positions and orders work)."""
        ...

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        """All markets (perps and, where listed, spot) keyed by unified symbol."""
        ...

    async def fetch_funding_rates(self, symbols: Sequence[str] | None = None) -> list[FundingRate]:
        """Current funding for every perpetual (or the given ones). Bad rows are dropped, not raised."""
        ...

    async def fetch_funding_history(
        self, symbol: str, since: datetime | None = None, limit: int | None = None
    ) -> list[FundingRate]:
        """Settled funding rates for one perpetual, oldest first."""
        ...

    async def fetch_tickers(self, symbols: Sequence[str] | None = None) -> list[Ticker]: ...

    async def fetch_order_book(self, symbol: str, depth: int = 20) -> OrderBook: ...

    async def fetch_balances(self) -> list[Balance]: ...

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]: ...

    async def create_order(self, request: OrderRequest) -> Order: ...

    async def cancel_order(self, order_id: str, symbol: str) -> Order: ...

    async def fetch_order(self, order_id: str, symbol: str) -> Order: ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def fetch_server_time(self) -> datetime:
        """The venue's clock (for latency and clock skew)."""
        ...

    def health(self) -> VenueHealth:
        """Current health as last observed (no I/O)."""
        ...

    async def close(self) -> None:
        """Release connections. Idempotent."""
        ...
