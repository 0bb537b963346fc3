"""Hypothesis strategies for random single-asset markets (the property tests' input)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from hypothesis import strategies as st

from nexus_tui.core.models import FundingRate, HealthState, MarketInfo, OrderBook, Ticker, VenueHealth
from nexus_tui.strategy.models import ScanInputs
from tests.strategy.helpers import NOW, book, perp_market, spot_market

VENUES = ("binanceusdm", "bybit", "okx", "gate", "hyperliquid", "dydx", "paradex", "bitget")


@dataclass(frozen=True)
class LegSpec:
    venue: str
    rate_ppm: int  # per interval, millionths
    interval: int
    next_in_min: int
    taker_bp10: int  # taker fee in tenths of a basis point
    level_usd: int  # per book level; 0 = no book
    half_spread_bp: int
    age_s: int
    latency_ms: int
    volume_musd: int
    usdc: bool
    spot: bool


leg_specs = st.builds(
    LegSpec,
    venue=st.sampled_from(VENUES),
    rate_ppm=st.integers(-3000, 3000),
    interval=st.sampled_from([1, 4, 8]),
    next_in_min=st.integers(1, 480),
    taker_bp10=st.integers(0, 8),
    # mostly tradable, sometimes not: each gate fails now and then
    level_usd=st.sampled_from([0, 3_000, 10_000, 50_000, 50_000, 50_000, 200_000]),
    half_spread_bp=st.sampled_from([0, 1, 2, 5, 10, 40]),
    age_s=st.sampled_from([1, 5, 30, 60, 100, 4000]),
    latency_ms=st.sampled_from([50, 50, 400, 1500]),
    volume_musd=st.sampled_from([0, 2, 100, 100, 100]),
    usdc=st.booleans(),
    spot=st.booleans(),
)

markets = st.lists(leg_specs, min_size=2, max_size=8, unique_by=lambda s: s.venue)


def build_inputs(specs: list[LegSpec]) -> ScanInputs:
    quotes: list[FundingRate] = []
    infos: dict[tuple[str, str], MarketInfo] = {}
    books: dict[tuple[str, str], OrderBook] = {}
    tickers: dict[tuple[str, str], Ticker] = {}
    health: dict[str, VenueHealth] = {}
    for s in specs:
        settle = "USDC" if s.usdc else "USDT"
        symbol = f"BTC/{settle}:{settle}"
        interval = s.interval
        next_in = min(s.next_in_min, interval * 60)
        quotes.append(
            FundingRate(
                s.venue,
                symbol,
                Decimal(s.rate_ppm) / 1_000_000,
                interval,
                NOW - timedelta(seconds=s.age_s),
                NOW + timedelta(minutes=next_in),
                Decimal(100),
            )
        )
        taker = str(Decimal(s.taker_bp10) / 100_000)
        infos[(s.venue, symbol)] = perp_market(s.venue, symbol, taker=taker)
        if s.level_usd:
            half = str(Decimal(s.half_spread_bp) / 100)
            books[(s.venue, symbol)] = book(s.venue, symbol, half_spread=half, level_usd=str(s.level_usd))
        tickers[(s.venue, symbol)] = Ticker(
            s.venue,
            symbol,
            NOW,
            None,
            None,
            volume_24h_usd=Decimal(s.volume_musd) * 1_000_000,
            open_interest_usd=Decimal(s.volume_musd) * 500_000,
        )
        if s.spot:
            spot_symbol = f"BTC/{settle}"
            infos[(s.venue, spot_symbol)] = spot_market(s.venue, spot_symbol)
            if s.level_usd:
                books[(s.venue, spot_symbol)] = book(s.venue, spot_symbol, level_usd=str(s.level_usd))
        health[s.venue] = VenueHealth(s.venue, HealthState.OK, latency_ms=float(s.latency_ms), last_ok=NOW)
    return ScanInputs(NOW, quotes, infos, books, health, tickers)
