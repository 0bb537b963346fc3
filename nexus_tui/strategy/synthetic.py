"""A seeded, synthetic market of any size for benches and property tests: funding rows, order
books, tickers, venue health, fee data, spot listings and funding history.

Shaped like the real thing where it matters to the scanner (8 h, 4 h and 1 h venues on their
UTC grids, USDT- and USDC-margined perps, a common funding level per asset plus venue noise,
books of 20 levels a few basis points wide, tickers quoting each book's touch), not a market
model: the simulator is that. `with_books_for_top` keeps only the books the opportunity service
would fetch (the legs of the 20 best).

Two books of funding rates:

* "typical" (the default): drawn like real funding. Most cross-venue spreads are small and a
  minority open wide. Per 8 h, an asset's level is the usual 0.01 % (60 %), above it by an
  exponential premium of mean 0.02 % (30 %), or below it (10 %); each venue departs from the
  level by a normal deviation whose scale is the asset's (0.006 % x a lognormal factor,
  sigma 0.45), plus now and then a dislocation (exponential, mean 0.04 %; 1 % of rows for the
  majors, up to 4 % for the long tail, as the simulator's spike rates by liquidity tier,
  venues/sim/calibration.py). On seven venues this reproduces the real cross-venue range of
  the BTC and ETH perpetuals (Binance, Bybit, Gate, HTX, KuCoin, MEXC and dYdX at the same
  8 h instants, 2022-2023: 2,190 instants each): quantiles 10/25/50/75/90/95/99 % of
  0.77/1.09/1.61/2.40/3.50/4.57/8.77 bp against the real 0.70/1.07/1.60/2.41/3.58/4.57/8.50 bp
  (15 % of instants above 3 bp, a gross 33 % APR). Tiers follow the simulator's universe
  (1 % majors, 5 % large caps, 26 % mid caps, the rest long tail).
* "heavy": every asset's venues scattered widely (venue noise 0.015 % per 8 h around a level of
  0.01 % +- 0.025 %), so about half the assets carry a viable cross-venue trade: a stress book
  for the search, not a realistic one.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

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


Book = Literal["typical", "heavy"]

# Liquidity tiers as in the simulator's universe (venues/sim/universe.py: of Binance's 343 perps,
# 2 majors, 18 large caps, 90 mid caps, the rest long tail), as cumulative shares of the assets.
_TIER_UPTO = (0.01, 0.06, 0.32, 1.0)
# A venue's rate dislocated from the others: 1 % of the majors' rows (fitted on the real BTC and
# ETH cross-venue range), more often down the tiers by the simulator's spike rates (1, 1.5, 2.5,
# 4) and more often downward (its up-shares 1.0, 0.8, 0.65, 0.55).
_DISLOCATION_SHARE = (0.01, 0.015, 0.025, 0.04)
_DISLOCATION_UP = (1.0, 0.8, 0.65, 0.55)
_DISLOCATION_MEAN = 0.0004
_DEVIATION = 0.00006  # a venue's usual departure from the asset's level, per 8 h
_DEVIATION_SPREAD = 0.45  # lognormal sigma of that scale across assets
_USUAL = 0.0001  # the 0.01 % per 8 h most rates sit at (the interest-rate component)


class _Funding:
    """Draws an asset's funding per 8 h on each venue, for the chosen book."""

    def __init__(self, rng: random.Random, book: Book, index: int, n_symbols: int) -> None:
        self.rng = rng
        self.heavy = book == "heavy"
        if self.heavy:
            self.level = rng.gauss(0.0001, 0.00025)  # the asset's funding per 8 h, common to all venues
            return
        share = (index + 0.5) / n_symbols
        tier = next(t for t, upto in enumerate(_TIER_UPTO) if share <= upto)
        u = rng.random()
        if u < 0.6:
            self.level = _USUAL + rng.gauss(0, 0.00002)
        elif u < 0.9:
            self.level = _USUAL + rng.expovariate(1 / 0.0002)
        else:
            self.level = _USUAL - rng.expovariate(1 / 0.0002)
        self.scale = _DEVIATION * math.exp(rng.gauss(0, _DEVIATION_SPREAD))
        self.dislocation = _DISLOCATION_SHARE[tier]
        self.up = _DISLOCATION_UP[tier]

    def per_8h(self) -> float:
        rng = self.rng
        if self.heavy:
            return self.level + rng.gauss(0, 0.00015)
        rate = self.level + rng.gauss(0, self.scale)
        if rng.random() < self.dislocation:
            jump = rng.expovariate(1 / _DISLOCATION_MEAN)
            rate += jump if rng.random() < self.up else -jump
        return rate


def build_market(
    now: datetime,
    n_venues: int = 12,
    n_symbols: int = 600,
    seed: int = 7,
    history_points: int = 24,
    with_books: bool = True,
    book: Book = "typical",
) -> SyntheticMarket:
    """`book` picks how funding is drawn (module docstring): "typical" or "heavy"."""
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
    for index, base in enumerate(bases):
        price = 10 ** rng.uniform(-2, 4)
        draw = _Funding(rng, book, index, n_symbols)
        for venue, interval, settle, lists_spot in venues:
            if rng.random() < 0.1:  # not every venue lists every asset
                continue
            symbol = f"{base}/{settle}:{settle}"
            per_8h = draw.per_8h()
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
            order_book = _book(rng, venue, symbol, float(mark), depth_usd, now)
            tickers[key] = Ticker(
                venue,
                symbol,
                now,
                order_book.bids[0][0],  # a venue's ticker quotes the touch
                order_book.asks[0][0],
                None,
                volume_24h_usd=_q(depth_usd * rng.uniform(20, 200), "1"),
                open_interest_usd=_q(depth_usd * rng.uniform(5, 50), "1"),
            )
            if with_books:
                books[key] = order_book
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
                spot_book = _book(rng, venue, spot_symbol, float(mark), depth_usd, now)
                tickers[spot_key] = Ticker(
                    venue,
                    spot_symbol,
                    now,
                    spot_book.bids[0][0],
                    spot_book.asks[0][0],
                    None,
                    volume_24h_usd=_q(depth_usd * rng.uniform(20, 200), "1"),
                )
                if with_books:
                    books[spot_key] = spot_book
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


def with_books_for_top(market: SyntheticMarket, n: int = 20) -> SyntheticMarket:
    """The market as the opportunity service sees it: order books only for the legs of the `n`
    best opportunities of a scan costed on tickers (service.py fetches no others), every other
    market costed from its ticker's quoted spread."""
    from nexus_tui.strategy.scanner import scan_inputs  # the scanner does not import this module

    quoted = replace(market.inputs, order_books={})
    wanted: set[tuple[str, str]] = set()
    for opp in scan_inputs(quoted).opportunities[:n]:
        wanted.update(((opp.long.venue, opp.long.symbol), (opp.short.venue, opp.short.symbol)))
    books = {key: book for key, book in market.inputs.order_books.items() if key in wanted}
    return replace(market, inputs=replace(market.inputs, order_books=books))


def venue_update(
    market: SyntheticMarket | list[FundingRate], venue: str, now: datetime, changed_share: float, seed: int
) -> list[FundingRate]:
    """One venue's rows delivered again as of `now` (from the market, or from the venue's previous
    delivery), `changed_share` of them with a new rate (moved by 0.003 % per 8 h, one sigma)."""
    rng = random.Random(seed)
    previous = market.inputs.quotes if isinstance(market, SyntheticMarket) else market
    rows = []
    for quote in previous:
        if quote.venue != venue:
            continue
        rate = quote.rate
        if rng.random() < changed_share:
            rate = _q(float(rate) + rng.gauss(0, 0.00003) * quote.interval_hours / 8, "0.00000001")
        rows.append(replace(quote, rate=rate, ts=now))
    return rows
