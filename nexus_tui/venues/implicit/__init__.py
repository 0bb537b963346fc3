"""Funding for venues whose ccxt class has no fetchFundingRates, read from their public endpoints
through ccxt's implicit API (same client, same signing, rate limiter and error handling).

Each fetcher answers ccxt-unified funding-rate dicts (`symbol`, `fundingRate`, `markPrice`, ...)
so the one strict parser (venues/parsing.py) judges every venue's rows the same way. A row the
fetcher cannot read comes back with `symbol` None, to be counted as bad rather than raised.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from nexus_tui.venues.implicit import dydx, extended

ImplicitFetcher = Callable[[Any], Awaitable[list[dict[str, Any]]]]

FUNDING_FETCHERS: Mapping[str, ImplicitFetcher] = MappingProxyType(
    {
        "dydx": dydx.fetch_funding_rates,
        "extended": extended.fetch_funding_rates,
    }
)
