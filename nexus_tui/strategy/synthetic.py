"""A seeded, synthetic market of any size for benches and property tests: funding rows, order
books, tickers, venue health, fee data, spot listings and funding history.

Shaped like the real thing where it matters to the scanner (8 h, 4 h and 1 h venues on their
UTC grids, USDT- and USDC-margined perps, a common funding level per asset plus venue noise,
books of 20 levels a few basis points wide), not a market model: the simulator is that.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from nexus_tui.core.models import (
    FundingRate,
    HealthState,
    MarketInfo,
    MarketKind,
    OrderBook,
    Ticker,
    VenueHealth,
)
from nexus_tui.strategy.models import History, ScanInputs

# (venue, interval hours, settle currency, lists spot)
VENUES: tuple[tuple[str, int, str, bool], ...] = (
    ("binanceusdm", 8, "USDT", True),
    ("bybit", 8, "USDT", True),
    ("okx", 8, "USDT", True),
    ("bitget", 8, "USDT", False),
    ("gate", 8, "USDT", False),
    ("kucoinfutures", 8, "USDT", False),
    ("mexc", 8, "USDT", False),
    ("htx", 4, "USDT", False),
    ("hyperliquid", 1, "USDC", False),
    ("dydx", 1, "USD", False),
    ("paradex", 8, "USDC", False),
    ("lighter", 1, "USDC", False),
)


@dataclass(frozen=True, slots=True)
class SyntheticMarket:
    inputs: ScanInputs
    venues: tuple[str, ...]
    symbols: tuple[str, ...]  # base assets


def _q(x: float, places: str) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(places))


def _next_settlement(now: datetime, interval: int) -> datetime:
    start = now.replace(minute=0, second=0, microsecond=0)
    hour = start.hour
    ahead = interval - hour % interval
    return start + timedelta(hours=ahead)


def build_market(
    now: datetime,
    n_venues: int = 12,
    n_symbols: int = 600,
    seed: int = 7,
    history_points: int = 24,
    with_books: bool = True,
) -> SyntheticMarket:
    rng = random.Random(seed)
    venues = VENUES[:n_venues]
    quotes: list[FundingRate] = []
    markets: dict[tuple[str, str], MarketInfo] = {}
    books: dict[tuple[str, str], OrderBook] = {}
    tickers: dict[tuple[str, str], Ticker] = {}
    histories: dict[tuple[str, str], History] = {}
    health = {
        v: VenueHealth(v, HealthState.OK, latency_ms=rng.uniform(40, 400), last_ok=now) for v, *_ in venues
    }
    bases = tuple(f"C{i:03d}" for i in range(n_symbols))
    for base in bases:
        price = 10 ** rng.uniform(-2, 4)
        level = rng.gauss(0.0001, 0.00025)  # the asset's funding per 8 h, common to all venues
        for venue, interval, settle, lists_spot in venues:
            if rng.random() < 0.1:  # not every venue lists every asset
                continue
            symbol = f"{base}/{settle}:{settle}"
            per_8h = level + rng.gauss(0, 0.00015)
            rate = _q(per_8h * interval / 8, "0.00000001")
            mark = _q(price * (1 + rng.gauss(0, 0.0005)), "0.000001")
            key = (venue, symbol)
            quotes.append(
                FundingRate(
                    venue,
                    symbol,
                    rate,
                    interval,
                    now - timedelta(seconds=rng.uniform(0, 20)),
                    _next_settlement(now, interval),
                    mark,
                )
            )
            taker = Decimal("0.0005") if interval == 8 else Decimal("0.00045")
            markets[key] = MarketInfo(
                venue,
                symbol,
                base,
                settle,
                settle,
                MarketKind.PERP,
                Decimal("0.000001"),
                Decimal("0.001"),
                Decimal("0.001"),
                maker_fee=Decimal("0.0002"),
                taker_fee=taker,
                funding_interval_hours=interval,
            )
            depth_usd = 10 ** rng.uniform(4.3, 6.3)  # per side, across 20 levels
            tickers[key] = Ticker(
                venue,
                symbol,
                now,
                None,
                None,
                None,
                volume_24h_usd=_q(depth_usd * rng.uniform(20, 200), "1"),
                open_interest_usd=_q(depth_usd * rng.uniform(5, 50), "1"),
            )
            if with_books:
                books[key] = _book(rng, venue, symbol, float(mark), depth_usd, now)
            points = []
            for k in range(history_points, 0, -1):
                points.append(
                    (now - timedelta(hours=interval * k), per_8h * interval / 8 + rng.gauss(0, 0.00005))
                )
            histories[key] = points
            if lists_spot and rng.random() < 0.5:
                spot_symbol = f"{base}/{settle}"
                spot_key = (venue, spot_symbol)
                markets[spot_key] = MarketInfo(
                    venue,
                    spot_symbol,
                    base,
                    settle,
                    None,
                    MarketKind.SPOT,
                    Decimal("0.000001"),
                    Decimal("0.001"),
                    Decimal("0.001"),
                    maker_fee=Decimal("0.001"),
                    taker_fee=Decimal("0.001"),
                )
                if with_books:
                    books[spot_key] = _book(rng, venue, spot_symbol, float(mark), depth_usd, now)
    inputs = ScanInputs(
        now=now,
        quotes=quotes,
        markets=markets,
        order_books=books,
        health=health,
        tickers=tickers,
        histories=histories,
    )
    return SyntheticMarket(inputs, tuple(v for v, *_ in venues), bases)


def _book(
    rng: random.Random, venue: str, symbol: str, mid: float, depth_usd: float, now: datetime
) -> OrderBook:
    half_spread = mid * rng.uniform(0.00005, 0.0003)
    tick = mid * 0.0001
    per_level = depth_usd / 20
    bids = []
    asks = []
    for i in range(20):
        size = per_level * rng.uniform(0.5, 1.5) / mid
        bids.append((_q(mid - half_spread - i * tick, "0.000001"), _q(size, "0.0001")))
        asks.append((_q(mid + half_spread + i * tick, "0.000001"), _q(size, "0.0001")))
    return OrderBook(venue, symbol, now, tuple(bids), tuple(asks))


def venue_update(
    market: SyntheticMarket | list[FundingRate], venue: str, now: datetime, changed_share: float, seed: int
) -> list[FundingRate]:
    """One venue's rows delivered again as of `now` (from the market, or from the venue's previous
    delivery), `changed_share` of them with a new rate."""
    rng = random.Random(seed)
    previous = market.inputs.quotes if isinstance(market, SyntheticMarket) else market
    rows = []
    for quote in previous:
        if quote.venue != venue:
            continue
        rate = quote.rate
        if rng.random() < changed_share:
            rate = _q(float(rate) + rng.gauss(0, 0.00003), "0.00000001")
        rows.append(replace(quote, rate=rate, ts=now))
    return rows
