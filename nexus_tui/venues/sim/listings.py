"""Which venue lists which market, on what terms: the static side of the simulated market.

Every venue lists BTC and ETH and a share of the rest that shrinks down the tiers (a DEX lists
fewer small caps than Binance or Gate). Binance keeps the funding interval Binance really had for
each coin; other 8 h venues put some small caps on 4 h, more often the ones Binance also runs at
4 h. Spot markets exist on the centralised venues for the large and mid caps and some small ones,
so spot-perp (cash and carry) trades are possible there. Everything here is fixed per (venue,
coin) and independent of the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from nexus_tui.core.models import MarketInfo, MarketKind
from nexus_tui.venues.sim import calibration as cal
from nexus_tui.venues.sim.book import BookShape
from nexus_tui.venues.sim.profiles import VenueProfile
from nexus_tui.venues.sim.rng import unit_hash
from nexus_tui.venues.sim.universe import SymbolSpec, amount_decimals, price_decimals

_SPOT_VOLUME_SHARE = 0.3  # spot trades about a third of the perp volume
_SPOT_SMALL_CAP_SHARE = 0.5  # share of tier 4 coins with a spot market on a CEX


@dataclass(frozen=True, slots=True)
class Listing:
    """One market on one venue."""

    venue_index: int
    symbol_index: int
    info: MarketInfo
    shape: BookShape
    series_index: int | None  # index into the funding model (perps only)
    maintenance_rate: Decimal
    spot_offset: float  # spot only: where the venue's spot sits relative to the index

    @property
    def symbol(self) -> str:
        return self.info.symbol

    @property
    def is_perp(self) -> bool:
        return self.info.kind is MarketKind.PERP


def lists(profile: VenueProfile, spec: SymbolSpec) -> bool:
    if spec.tier == 1:
        return True
    return unit_hash("listing", profile.name, spec.base) < profile.listing_share_by_tier[spec.tier_index]


def interval_for(profile: VenueProfile, spec: SymbolSpec) -> int:
    if profile.funding_interval_hours != 8:
        return profile.funding_interval_hours
    if profile.name == "binance":
        return spec.binance_interval_hours
    if spec.tier <= 2 or profile.four_hour_share <= 0:
        return 8
    lean = 1.5 if spec.binance_interval_hours == 4 else 0.5
    return 4 if unit_hash("4h", profile.name, spec.base) < profile.four_hour_share * lean else 8


def lists_spot(profile: VenueProfile, spec: SymbolSpec) -> bool:
    if profile.spot_fees is None:
        return False
    return spec.tier <= 3 or unit_hash("spot", profile.name, spec.base) < _SPOT_SMALL_CAP_SHARE


def book_shape(profile: VenueProfile, spec: SymbolSpec, spot: bool) -> BookShape:
    volume = spec.volume_24h_usd * profile.volume_share * (_SPOT_VOLUME_SHARE if spot else 1.0)
    tick_decimals = price_decimals(spec.reference_price, profile.price_sig_figs)
    half_spread = 0.5 * 6e3 / math.sqrt(volume) * 1e-4
    tick = 10.0**-tick_decimals
    return BookShape(
        tick_decimals=tick_decimals,
        lot_decimals=amount_decimals(spec.reference_price, profile.lot_usd),
        half_spread=half_spread,
        level_gap_ticks=max(1, round(half_spread * spec.reference_price / tick)),
        level_usd=0.55 * volume**0.6,
        volume_per_second_usd=volume / 86_400.0,
    )


def perp_listing(
    profile: VenueProfile,
    venue_index: int,
    spec: SymbolSpec,
    symbol_index: int,
    series_index: int,
    fee_tier: int,
) -> Listing:
    shape = book_shape(profile, spec, spot=False)
    tier = profile.fee_tier(fee_tier)
    ccy = profile.margin_currency
    info = MarketInfo(
        venue=profile.venue_id,
        symbol=f"{spec.base}/{ccy}:{ccy}",
        base=spec.base,
        quote=ccy,
        settle=ccy,
        kind=MarketKind.PERP,
        price_tick=shape.tick_size,
        amount_step=shape.lot_size,
        min_amount=shape.lot_size,
        maker_fee=tier.maker,
        taker_fee=tier.taker,
        funding_interval_hours=interval_for(profile, spec),
        max_leverage=Decimal(profile.max_leverage_by_tier[spec.tier_index]),
    )
    return Listing(
        venue_index=venue_index,
        symbol_index=symbol_index,
        info=info,
        shape=shape,
        series_index=series_index,
        maintenance_rate=profile.maintenance_by_tier[spec.tier_index],
        spot_offset=0.0,
    )


def spot_listing(profile: VenueProfile, venue_index: int, spec: SymbolSpec, symbol_index: int) -> Listing:
    assert profile.spot_fees is not None
    shape = book_shape(profile, spec, spot=True)
    maker, taker = profile.spot_fees
    info = MarketInfo(
        venue=profile.venue_id,
        symbol=f"{spec.base}/USDT",
        base=spec.base,
        quote="USDT",
        settle=None,
        kind=MarketKind.SPOT,
        price_tick=shape.tick_size,
        amount_step=shape.lot_size,
        min_amount=shape.lot_size,
        maker_fee=maker,
        taker_fee=taker,
    )
    # a venue's spot trades a hair off the index (+-0.5 bp), fixed per market
    offset = (unit_hash("spot-offset", profile.name, spec.base) - 0.5) * 1e-4
    return Listing(venue_index, symbol_index, info, shape, None, Decimal(0), offset)


def funding_cap(profile: VenueProfile, spec: SymbolSpec) -> float:
    cap = profile.funding_cap_major if spec.tier <= 2 else profile.funding_cap_alt
    return float(cap)


def funding_bias(profile: VenueProfile) -> float:
    return cal.VENUES[profile.name].bias
