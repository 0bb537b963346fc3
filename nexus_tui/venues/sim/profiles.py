"""Venue profiles of the simulated market: what each simulated venue copies from its real namesake.

Funding schedule (interval and the hour the grid starts at), fee tiers, how prices and sizes are
stepped, margin currency, leverage and maintenance margin by liquidity tier, typical API latency,
how much of the market it lists, and which funding formula it applies. Figures are the venues'
published entry tiers and contract specs as of 2024-2025; they drift, which is why the sim owns
a copy instead of pretending to be authoritative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from nexus_tui.core.errors import BadInput


class FundingFormula(StrEnum):
    """How a venue turns its averaged premium into the rate it charges."""

    # Binance-style: rate = P + clamp(I - P, -band, +band), capped. Sticks at the interest rate I
    # whenever the premium sits inside the band: why ~45 % of real 8 h rates are exactly 0.01 %.
    CLAMP = "clamp"
    # OKX-style as observed 2023-2024: no sticky band, rate = P + I, capped.
    LINEAR = "linear"
    # Hyperliquid: the 8 h clamp formula, paid 1/8 every hour.
    HOURLY_CLAMP = "hourly_clamp"
    # dYdX: premium / 8 every hour, no interest band.
    HOURLY_LINEAR = "hourly_linear"


@dataclass(frozen=True, slots=True)
class FeeTier:
    name: str
    min_30d_volume_usd: Decimal  # the tier applies from this trailing volume up
    maker: Decimal
    taker: Decimal


@dataclass(frozen=True, slots=True)
class VenueProfile:
    name: str  # the venue id is "sim:<name>"
    margin_currency: str  # USDT or USDC: also the settle currency of its perps
    funding_interval_hours: int  # the default interval for its perps
    funding_offset_hours: int  # the settlement grid: hours h with (h - offset) % interval == 0
    formula: FundingFormula
    fee_tiers: tuple[FeeTier, ...]
    spot_fees: tuple[Decimal, Decimal] | None  # (maker, taker); None = no spot markets
    price_sig_figs: int  # tick = 10 ** (floor(log10(price)) - sig_figs + 1)
    lot_usd: float  # the amount step is the power of ten nearest below lot_usd / price
    max_leverage_by_tier: tuple[int, int, int, int]
    maintenance_by_tier: tuple[Decimal, Decimal, Decimal, Decimal]
    funding_cap_major: Decimal  # |rate| per interval never exceeds this for tier 1-2
    funding_cap_alt: Decimal  # and this for tier 3-4
    rate_decimals: int  # how many decimals the venue reports rates with
    latency_ms: float  # typical round trip of one REST call from a retail connection
    latency_jitter_ms: float
    volume_share: float  # its 24 h volume relative to Binance for the same symbol
    listing_share_by_tier: tuple[float, float, float, float]  # share of the universe it lists
    four_hour_share: float  # share of its tier 3-4 perps on a 4 h interval (0 on hourly venues)

    @property
    def venue_id(self) -> str:
        return f"sim:{self.name}"

    def fee_tier(self, index: int) -> FeeTier:
        if not 0 <= index < len(self.fee_tiers):
            raise BadInput(f"{self.venue_id}: fee tier {index} does not exist (0..{len(self.fee_tiers) - 1})")
        return self.fee_tiers[index]

    def settles_at_hour(self, hour: int, interval_hours: int) -> bool:
        """True when a perp with this interval settles at `hour` (UTC) on this venue."""
        return (hour - self.funding_offset_hours) % interval_hours == 0


def _tiers(*rows: tuple[str, int, str, str]) -> tuple[FeeTier, ...]:
    return tuple(
        FeeTier(name, Decimal(vol), Decimal(maker), Decimal(taker)) for name, vol, maker, taker in rows
    )


_MM_CEX = (Decimal("0.004"), Decimal("0.0065"), Decimal("0.01"), Decimal("0.025"))

# Published USDT-M / linear perpetual fee schedules (maker, taker as fractions), without token
# discounts. Thresholds are 30-day futures volume in USD (Hyperliquid and dYdX count 14/30 days).
PROFILES: tuple[VenueProfile, ...] = (
    VenueProfile(
        name="binance",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=0,
        formula=FundingFormula.CLAMP,
        fee_tiers=_tiers(
            ("VIP0", 0, "0.0002", "0.0005"),
            ("VIP1", 15_000_000, "0.00016", "0.0004"),
            ("VIP2", 50_000_000, "0.00014", "0.00035"),
            ("VIP3", 100_000_000, "0.00012", "0.00032"),
            ("VIP4", 600_000_000, "0.0001", "0.0003"),
            ("VIP5", 1_000_000_000, "0.00008", "0.00027"),
            ("VIP6", 2_500_000_000, "0.00006", "0.00025"),
            ("VIP7", 5_000_000_000, "0.00004", "0.00022"),
            ("VIP8", 12_500_000_000, "0.00002", "0.0002"),
            ("VIP9", 25_000_000_000, "0", "0.00017"),
        ),
        spot_fees=(Decimal("0.001"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=100.0,
        max_leverage_by_tier=(125, 75, 50, 20),
        maintenance_by_tier=_MM_CEX,
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.02"),
        rate_decimals=8,
        latency_ms=35.0,
        latency_jitter_ms=15.0,
        volume_share=1.0,
        listing_share_by_tier=(1.0, 1.0, 1.0, 0.97),
        four_hour_share=0.45,
    ),
    VenueProfile(
        name="bybit",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=0,
        formula=FundingFormula.CLAMP,
        fee_tiers=_tiers(
            ("VIP0", 0, "0.0002", "0.00055"),
            ("VIP1", 10_000_000, "0.00018", "0.0004"),
            ("VIP2", 25_000_000, "0.00016", "0.000375"),
            ("VIP3", 50_000_000, "0.00014", "0.00035"),
            ("VIP4", 100_000_000, "0.00012", "0.00032"),
            ("VIP5", 250_000_000, "0.0001", "0.00032"),
        ),
        spot_fees=(Decimal("0.001"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=100.0,
        max_leverage_by_tier=(100, 75, 50, 25),
        maintenance_by_tier=(Decimal("0.005"), Decimal("0.0075"), Decimal("0.01"), Decimal("0.025")),
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.02"),
        rate_decimals=8,
        latency_ms=40.0,
        latency_jitter_ms=15.0,
        volume_share=0.55,
        listing_share_by_tier=(1.0, 1.0, 0.97, 0.9),
        four_hour_share=0.35,
    ),
    VenueProfile(
        name="okx",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=0,
        formula=FundingFormula.LINEAR,
        fee_tiers=_tiers(
            ("Lv1", 0, "0.0002", "0.0005"),
            ("VIP1", 5_000_000, "0.00016", "0.00045"),
            ("VIP2", 10_000_000, "0.00014", "0.0004"),
            ("VIP3", 20_000_000, "0.0001", "0.00035"),
            ("VIP4", 100_000_000, "0.00008", "0.0003"),
            ("VIP5", 200_000_000, "0.00005", "0.00025"),
        ),
        spot_fees=(Decimal("0.0008"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=10.0,
        max_leverage_by_tier=(100, 75, 50, 20),
        maintenance_by_tier=_MM_CEX,
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.015"),
        rate_decimals=10,
        latency_ms=45.0,
        latency_jitter_ms=20.0,
        volume_share=0.45,
        listing_share_by_tier=(1.0, 1.0, 0.9, 0.6),
        four_hour_share=0.0,
    ),
    VenueProfile(
        name="gate",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=0,
        formula=FundingFormula.CLAMP,
        fee_tiers=_tiers(
            ("VIP0", 0, "0.0002", "0.0005"),
            ("VIP1", 1_500_000, "0.00015", "0.00045"),
            ("VIP2", 10_000_000, "0.00012", "0.0004"),
            ("VIP3", 20_000_000, "0.0001", "0.00035"),
        ),
        spot_fees=(Decimal("0.001"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=10.0,
        max_leverage_by_tier=(100, 50, 25, 20),
        maintenance_by_tier=(Decimal("0.005"), Decimal("0.01"), Decimal("0.015"), Decimal("0.03")),
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.03"),
        rate_decimals=8,
        latency_ms=70.0,
        latency_jitter_ms=30.0,
        volume_share=0.2,
        listing_share_by_tier=(1.0, 1.0, 1.0, 1.0),
        four_hour_share=0.5,
    ),
    VenueProfile(
        name="bitget",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=0,
        formula=FundingFormula.CLAMP,
        fee_tiers=_tiers(
            ("VIP0", 0, "0.0002", "0.0006"),
            ("VIP1", 30_000_000, "0.00016", "0.0004"),
            ("VIP2", 100_000_000, "0.00014", "0.00035"),
            ("VIP3", 250_000_000, "0.00012", "0.00032"),
        ),
        spot_fees=(Decimal("0.001"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=10.0,
        max_leverage_by_tier=(125, 75, 50, 20),
        maintenance_by_tier=_MM_CEX,
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.02"),
        rate_decimals=8,
        latency_ms=55.0,
        latency_jitter_ms=20.0,
        volume_share=0.35,
        listing_share_by_tier=(1.0, 1.0, 0.95, 0.85),
        four_hour_share=0.3,
    ),
    VenueProfile(
        name="kucoin",
        margin_currency="USDT",
        funding_interval_hours=8,
        funding_offset_hours=4,  # KuCoin Futures settles at 04:00, 12:00 and 20:00 UTC
        formula=FundingFormula.CLAMP,
        fee_tiers=_tiers(
            ("LV0", 0, "0.0002", "0.0006"),
            ("LV1", 5_000_000, "0.00016", "0.0005"),
            ("LV2", 10_000_000, "0.00014", "0.00045"),
            ("LV3", 20_000_000, "0.00012", "0.0004"),
        ),
        spot_fees=(Decimal("0.001"), Decimal("0.001")),
        price_sig_figs=6,
        lot_usd=100.0,
        max_leverage_by_tier=(100, 75, 50, 20),
        maintenance_by_tier=_MM_CEX,
        funding_cap_major=Decimal("0.00375"),
        funding_cap_alt=Decimal("0.02"),
        rate_decimals=6,
        latency_ms=60.0,
        latency_jitter_ms=25.0,
        volume_share=0.12,
        listing_share_by_tier=(1.0, 1.0, 0.85, 0.6),
        four_hour_share=0.0,
    ),
    VenueProfile(
        name="hyperliquid",
        margin_currency="USDC",
        funding_interval_hours=1,
        funding_offset_hours=0,
        formula=FundingFormula.HOURLY_CLAMP,
        fee_tiers=_tiers(
            ("Tier0", 0, "0.00015", "0.00045"),
            ("Tier1", 5_000_000, "0.00012", "0.0004"),
            ("Tier2", 25_000_000, "0.00008", "0.00035"),
            ("Tier3", 100_000_000, "0.00004", "0.0003"),
            ("Tier4", 500_000_000, "0", "0.00028"),
        ),
        spot_fees=None,
        price_sig_figs=5,
        lot_usd=1.0,
        max_leverage_by_tier=(40, 20, 10, 5),
        maintenance_by_tier=(Decimal("0.0125"), Decimal("0.025"), Decimal("0.05"), Decimal("0.1")),
        funding_cap_major=Decimal("0.04"),
        funding_cap_alt=Decimal("0.04"),
        rate_decimals=8,
        latency_ms=90.0,
        latency_jitter_ms=40.0,
        volume_share=0.25,
        listing_share_by_tier=(1.0, 1.0, 0.8, 0.45),
        four_hour_share=0.0,
    ),
    VenueProfile(
        name="dydx",
        margin_currency="USDC",
        funding_interval_hours=1,
        funding_offset_hours=0,
        formula=FundingFormula.HOURLY_LINEAR,
        fee_tiers=_tiers(
            ("T1", 0, "0.0001", "0.0005"),
            ("T2", 1_000_000, "0.0001", "0.00045"),
            ("T3", 5_000_000, "0.00005", "0.0004"),
            ("T4", 25_000_000, "0", "0.00035"),
        ),
        spot_fees=None,
        price_sig_figs=5,
        lot_usd=10.0,
        max_leverage_by_tier=(50, 20, 10, 5),
        maintenance_by_tier=(Decimal("0.012"), Decimal("0.03"), Decimal("0.05"), Decimal("0.1")),
        funding_cap_major=Decimal("0.04"),
        funding_cap_alt=Decimal("0.04"),
        rate_decimals=10,
        latency_ms=120.0,
        latency_jitter_ms=50.0,
        volume_share=0.04,
        listing_share_by_tier=(1.0, 1.0, 0.6, 0.25),
        four_hour_share=0.0,
    ),
)

PROFILES_BY_NAME: dict[str, VenueProfile] = {p.name: p for p in PROFILES}


def profile(name_or_id: str) -> VenueProfile:
    name = name_or_id.removeprefix("sim:")
    try:
        return PROFILES_BY_NAME[name]
    except KeyError:
        known = ", ".join(p.venue_id for p in PROFILES)
        raise BadInput(f"unknown simulated venue {name_or_id!r} (known: {known})") from None
