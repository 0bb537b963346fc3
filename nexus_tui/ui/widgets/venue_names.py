"""Short venue names for narrow places: the header's health strip and the funding matrix columns.

Eight venues must fit in a 140-column header beside the title, badges and clock, so each venue
gets at most five letters. The `sim:` prefix is dropped: the mode badge already says SIM.
"""

from __future__ import annotations

from collections.abc import Iterable

SHORT_NAMES = {
    "binance": "BIN",
    "binanceusdm": "BIN",
    "bybit": "BYB",
    "okx": "OKX",
    "gate": "GATE",
    "gateio": "GATE",
    "bitget": "BITG",
    "kucoin": "KUC",
    "kucoinfutures": "KUC",
    "hyperliquid": "HYPE",
    "dydx": "DYDX",
    "paradex": "PDX",
    "lighter": "LIGHT",
    "extended": "EXT",
    "arbitragescanner": "ARBS",
}


def short_name(venue: str) -> str:
    """`sim:hyperliquid` -> `HYPE`; an unknown venue -> its first five letters, upper case."""
    name = venue.removeprefix("sim:")
    return SHORT_NAMES.get(name) or name[:5].upper()


def short_names(venues: Iterable[str]) -> dict[str, str]:
    """Short names that stay distinct: a clash (two venues both `BIN`) keeps the full name."""
    venues = list(venues)
    names = {venue: short_name(venue) for venue in venues}
    taken: dict[str, int] = {}
    for name in names.values():
        taken[name] = taken.get(name, 0) + 1
    return {venue: name if taken[name] == 1 else venue for venue, name in names.items()}
