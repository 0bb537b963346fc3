"""A small funding book the real scanner turns into real opportunities, for the Opportunities screen.

Four venues (three 8 h CEXs and hourly hyperliquid, a DEX), five assets. The rates are chosen so
the engine finds a spot-perp (A), cross-perps (B), a CEX-DEX (C) and a one-settlement capture (E),
all viable under the default parameters, costed on the books below (so SCORED). The engine here
has no services: a test moves funding with `set_rates` and asks the service to `rescan`, the
same public path its own loop takes. `open_opportunities` opens screen 2 on the unlocked desk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from textual.pilot import Pilot

from nexus_tui.config.schema import NexusConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate, MarketInfo, MarketKind, OrderBook, Ticker
from nexus_tui.engine import Engine
from nexus_tui.strategy.models import ScanResult
from nexus_tui.strategy.service import OpportunityService
from nexus_tui.ui.screens.opportunities import OpportunitiesScreen
from nexus_tui.ui.widgets.opportunity_detail import OpportunityDetail
from tests.ui.conftest import settle

D = Decimal

INTERVALS = {"binance": 8, "bybit": 8, "okx": 8, "hyperliquid": 1}
SETTLE = {"binance": "USDT", "bybit": "USDT", "okx": "USDT", "hyperliquid": "USDC"}
PRICES = {"BTC": "60000", "ETH": "3000", "SOL": "150", "DOGE": "0.2", "XRP": "0.6"}

#: (asset, venue) -> funding rate per the venue's interval.
RATES: dict[tuple[str, str], str] = {
    ("BTC", "binance"): "0.0008",
    ("BTC", "bybit"): "-0.0001",
    ("BTC", "okx"): "0.0002",
    ("ETH", "okx"): "0.0006",
    ("ETH", "binance"): "0.00005",
    ("ETH", "hyperliquid"): "-0.00003",
    ("SOL", "bybit"): "0.0007",
    ("SOL", "okx"): "0.0000",
    ("DOGE", "binance"): "0.0012",
    ("XRP", "hyperliquid"): "0.003",
    ("XRP", "okx"): "0.0001",
}
SPOT = {("binance", "DOGE")}  # DOGE/USDT spot is listed on binance: type A


def perp_symbol(asset: str, venue: str) -> str:
    settle = SETTLE[venue]
    return f"{asset}/{settle}:{settle}"


def next_settlement(now: datetime, interval_hours: int) -> datetime:
    """The venue's UTC grid: the next whole multiple of its interval."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hours = (now - midnight).total_seconds() / 3600
    return midnight + timedelta(hours=(int(hours // interval_hours) + 1) * interval_hours)


def funding_rows(now: datetime, rates: Mapping[tuple[str, str], str]) -> list[FundingRate]:
    return [
        FundingRate(
            venue,
            perp_symbol(asset, venue),
            D(rate),
            INTERVALS[venue],
            now,
            next_settlement(now, INTERVALS[venue]),
            D(PRICES[asset]),
        )
        for (asset, venue), rate in rates.items()
    ]


def _market(venue: str, symbol: str, kind: MarketKind, taker: str) -> MarketInfo:
    base, rest = symbol.split("/")
    quote, _, settle = rest.partition(":")
    return MarketInfo(
        venue,
        symbol,
        base,
        quote,
        settle or None,
        kind,
        D("0.0001"),
        D("0.001"),
        D("0.001"),
        maker_fee=D("0.0002"),
        taker_fee=D(taker),
    )


def _book(venue: str, symbol: str, price: str, now: datetime) -> OrderBook:
    """Ten levels a side, about $50k each, a 0.02 % spread."""
    mid = D(price)
    tick = mid * D("0.0001")
    bids = tuple((mid - tick * (i + 1), (D(50_000) / mid).quantize(D("0.0001"))) for i in range(10))
    asks = tuple((mid + tick * (i + 1), (D(50_000) / mid).quantize(D("0.0001"))) for i in range(10))
    return OrderBook(venue, symbol, now, bids, asks)


def _markets_books_tickers(
    now: datetime,
) -> tuple[dict[tuple[str, str], MarketInfo], list[OrderBook], list[Ticker]]:
    markets: dict[tuple[str, str], MarketInfo] = {}
    books: list[OrderBook] = []
    tickers: list[Ticker] = []
    listed = [(venue, perp_symbol(asset, venue), MarketKind.PERP, asset) for asset, venue in RATES]
    listed += [(venue, f"{asset}/USDT", MarketKind.SPOT, asset) for venue, asset in SPOT]
    for venue, symbol, kind, asset in listed:
        taker = "0.001" if kind is MarketKind.SPOT else "0.0005"
        markets[(venue, symbol)] = _market(venue, symbol, kind, taker)
        books.append(_book(venue, symbol, PRICES[asset], now))
        tickers.append(
            Ticker(
                venue, symbol, now, None, None, volume_24h_usd=D(50_000_000), open_interest_usd=D(20_000_000)
            )
        )
    return markets, books, tickers


class OpportunityDesk:
    """A bare engine with a real OpportunityService over the fixture book; the test moves it."""

    def __init__(self, clock: ManualClock, *, with_books: bool = True) -> None:
        """Without books the costs are fees only (the tickers carry no bid/ask either)."""
        self.clock = clock
        self.with_books = with_books
        self.engine: Engine | None = None
        self.rates = dict(RATES)

    def build(self, config: NexusConfig) -> Engine:
        """The App's engine factory."""
        engine = Engine(mode=config.trading.mode, clock=self.clock)
        engine.opportunities = OpportunityService(engine)
        self.engine = engine
        return engine

    @property
    def service(self) -> OpportunityService:
        assert self.engine is not None and self.engine.opportunities is not None
        return self.engine.opportunities

    def scan(self) -> ScanResult:
        """Load markets, tickers and books as of now, ingest the funding rows, rescan (announced)."""
        now = self.clock.now()
        markets, books, tickers = _markets_books_tickers(now)
        scanner = self.service.scanner
        scanner.update_markets(markets)
        scanner.update_tickers(tickers)
        if self.with_books:
            scanner.update_order_books(books)
        assert self.engine is not None
        self.engine.funding_book.ingest(funding_rows(now, self.rates))
        return self.service.rescan()

    def set_rates(self, changes: Mapping[tuple[str, str], str], *, after_s: float = 60.0) -> ScanResult:
        """Funding moves: `after_s` later, some rates are different; rescan."""
        self.clock.advance(after_s)
        self.rates.update(changes)
        return self.scan()


async def open_opportunities(pilot: Pilot[None]) -> OpportunitiesScreen:
    """The unlocked desk's screen 2, as the reader opens it (key 2)."""
    await settle(pilot)
    await pilot.press("2")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, OpportunitiesScreen)
    return screen


def detail_of(screen: OpportunitiesScreen) -> str:
    """The detail panel's text."""
    return screen.query_one(OpportunityDetail).text
