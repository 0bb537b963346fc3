"""What the strategy needs to know about venues that the venues' own data does not say.

One place for: which venues are DEXs (type C: on-chain settlement, different risks and costs),
the published base-tier fees used when a venue's market data carries none (a funding tape has
no markets), and which quote currencies count as US-dollar stablecoins.
"""

from __future__ import annotations

from decimal import Decimal

# Venues whose perpetuals settle on chain. A type B pair with a leg here is type C.
DEX_VENUES: frozenset[str] = frozenset({"hyperliquid", "dydx", "paradex", "lighter", "extended"})

# The simulator names its venues after real ones (`sim:hyperliquid`); ccxt ids differ from the
# plain names for a few (`binanceusdm`, `kucoinfutures`).
_ALIASES: dict[str, str] = {"binance": "binanceusdm", "kucoin": "kucoinfutures", "dydxv4": "dydx"}

# Published entry-tier perpetual fees (maker, taker), as fractions. Used only when neither the
# user's override nor the venue's market data gives a fee. Approximate by nature: tiers and
# promotions change, so the config override exists.
BASE_TIER_FEES: dict[str, tuple[Decimal, Decimal]] = {
    "binanceusdm": (Decimal("0.0002"), Decimal("0.0005")),
    "bybit": (Decimal("0.0002"), Decimal("0.00055")),
    "okx": (Decimal("0.0002"), Decimal("0.0005")),
    "bitget": (Decimal("0.0002"), Decimal("0.0006")),
    "gate": (Decimal("0.0002"), Decimal("0.0005")),
    "kucoinfutures": (Decimal("0.0002"), Decimal("0.0006")),
    "mexc": (Decimal("0"), Decimal("0.0002")),
    "htx": (Decimal("0.0002"), Decimal("0.0005")),
    "hyperliquid": (Decimal("0.00015"), Decimal("0.00045")),
    "dydx": (Decimal("0.0001"), Decimal("0.0005")),
    "paradex": (Decimal("0"), Decimal("0.0002")),
    "lighter": (Decimal("0"), Decimal("0")),
    "extended": (Decimal("0"), Decimal("0.00025")),
}
DEFAULT_FEES: tuple[Decimal, Decimal] = (Decimal("0.0002"), Decimal("0.0005"))

USD_STABLECOINS: frozenset[str] = frozenset(
    {"USDT", "USDC", "USD", "FDUSD", "USDE", "DAI", "TUSD", "BUSD", "USDS", "USDH"}
)

_profile_cache: dict[str, str] = {}


def venue_profile(venue: str) -> str:
    """The real venue a venue id stands for: `sim:binance` -> `binanceusdm`, `bybit` -> `bybit`."""
    cached = _profile_cache.get(venue)
    if cached is None:
        name = venue.split(":", 1)[1] if venue.startswith("sim:") else venue
        cached = _ALIASES.get(name, name)
        _profile_cache[venue] = cached
    return cached


def is_dex(venue: str) -> bool:
    return venue_profile(venue) in DEX_VENUES


def base_tier_fees(venue: str) -> tuple[Decimal, Decimal]:
    """(maker, taker) for a venue's entry tier, or the generic default for an unknown venue."""
    return BASE_TIER_FEES.get(venue_profile(venue), DEFAULT_FEES)
