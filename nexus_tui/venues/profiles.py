"""One profile per real exchange: only the ways it differs from the others.

Everything the generic CcxtVenue needs to know about a venue and cannot ask ccxt is here: how its
funding is fetched (ccxt's unified fetchFundingRates, or a public endpoint through ccxt's implicit
API), where its funding interval can be discovered and in what order to try, which settle
currencies its perpetuals use, whether a testnet exists, any unit quirk in what it reports, and
which ccxt.pro method (if any) carries its funding live (`ws`; `ws_note` says why not).

The facts were read from the installed ccxt (each exchange's parseFundingRate, `has` and `urls`)
and from the venues' API documentation. `documented_interval_hours` is a LAST resort: a row that
gets its interval from it carries the `interval_assumed` flag, so nobody mistakes it for a fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from nexus_tui.core.errors import ConfigError


class FundingMethod(StrEnum):
    UNIFIED = "fetch_funding_rates"  # ccxt's unified fetchFundingRates
    IMPLICIT = "implicit"  # a public endpoint through ccxt's implicit API (nexus_tui/venues/implicit/)


class WsMethod(StrEnum):
    """The ccxt.pro method a venue's live funding rides on."""

    FUNDING_RATES = "watch_funding_rates"  # funding-rate structures, many symbols a subscription
    MARK_PRICES = "watch_mark_prices"  # mark-price tickers whose venue payload carries funding
    TICKERS = "watch_tickers"  # tickers whose venue payload carries funding
    TICKER = "watch_ticker"  # the same, one symbol a call (the venue has no multi-symbol channel)


@dataclass(frozen=True, slots=True)
class WsFunding:
    """How a venue's funding is watched over its websocket (venues/ccxt_stream.py)."""

    method: WsMethod
    # A ticker is not a funding structure: these are the keys in its `info` (the venue's own
    # payload) of the rate, the next settlement time, the mark and the index price. None for
    # FUNDING_RATES, whose structures ccxt maps itself (the profile's exact_fields apply).
    ticker_fields: tuple[str, str | None, str | None, str | None] | None = None
    whole_venue: bool = False  # one all-market stream, subscribed without symbols
    per_settle: bool = False  # one subscription per settle currency (ccxt picks the channel from it)


class IntervalSource(StrEnum):
    """Where a symbol's funding interval came from, best first."""

    RATE_ROW = "rate_row"  # the funding-rate row itself carries it (ccxt `interval`)
    FUNDING_INTERVALS = "funding_intervals"  # the venue's own interval listing (fetchFundingIntervals)
    MARKET_INFO = "market_info"  # the market structure the venue publishes
    HISTORY = "history"  # the spacing of settled funding (fetchFundingRateHistory)
    DOCUMENTED = "documented"  # the venue's documented schedule: last resort, flagged


@dataclass(frozen=True, slots=True)
class VenueProfile:
    exchange_id: str
    funding_method: FundingMethod
    # tried in this order for a symbol whose interval is not yet known; HISTORY is per symbol
    # unless `uniform_interval` says the venue runs one schedule for every perpetual
    interval_sources: tuple[IntervalSource, ...]
    settle: tuple[str, ...]  # settle currencies of the perpetuals we use (USDT / USDC)
    sandbox: bool  # ccxt has a testnet/demo URL set for it
    credentials: tuple[str, ...]  # the ccxt credential fields private calls need
    # one fetch per entry, merged (e.g. Bitget per product type); params go to ccxt as is
    funding_params: tuple[Mapping[str, Any], ...] = (MappingProxyType({}),)
    market_types: tuple[str, ...] | None = None  # ccxt options.fetchMarkets.types; None = ccxt's default
    ccxt_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    uniform_interval: bool = False  # one funding schedule for the whole venue (protocol rule)
    # a venue listing (fetchFundingIntervals) that names only the symbols off the standard
    # schedule: a symbol it does not name runs this many hours (Binance's fundingInfo)
    unlisted_interval_hours: int | None = None
    # the period the reported figure covers when it differs from the settlement interval
    # (Lighter's funding-rates endpoint quotes every venue on an 8-hour basis; Lighter settles hourly)
    reported_rate_hours: int | None = None
    documented_interval_hours: int | None = None
    market_info_interval: str | None = None  # key in market['info'] holding the interval
    market_info_unit_ms: int = 3_600_000  # the unit of that key's value, in milliseconds
    # ccxt makes up the next settlement time from the wall clock (Hyperliquid): take the next
    # interval boundary on our clock instead, so an accelerated or replayed desk stays coherent
    next_funding_on_schedule: bool = False
    # keys of the venue's own strings for (rate, mark, index) inside ccxt's `info`: read as
    # Decimal from there they keep every digit (ccxt's unified numbers are floats)
    exact_fields: tuple[str | None, str | None, str | None] | None = None
    # live funding over ccxt.pro; None = REST polling only, and `ws_note` says why
    ws: WsFunding | None = None
    ws_note: str = ""
    notes: str = ""

    @property
    def ws_funding(self) -> bool:
        return self.ws is not None


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


_R = IntervalSource

PROFILES: Mapping[str, VenueProfile] = MappingProxyType(
    {
        "binanceusdm": VenueProfile(
            exchange_id="binanceusdm",
            exact_fields=("lastFundingRate", "markPrice", "indexPrice"),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.FUNDING_INTERVALS, _R.HISTORY, _R.DOCUMENTED),
            settle=("USDT", "USDC"),
            sandbox=True,
            credentials=("apiKey", "secret"),
            # /fapi/v1/fundingInfo lists only symbols whose cap/floor/interval was adjusted
            unlisted_interval_hours=8,
            # only while fundingInfo is unreachable (retried every refresh); rows are flagged
            documented_interval_hours=8,
            # the all-market mark price stream (!markPrice@arr, every second) carries the rate
            # ("r") and the next settlement ("T"): Binance's USDⓈ-M mark price stream docs
            ws=WsFunding(WsMethod.MARK_PRICES, ("r", "T", "p", "i"), whole_venue=True),
            notes="premiumIndex has no interval; fundingInfo names the non-standard ones",
        ),
        "bybit": VenueProfile(
            exchange_id="bybit",
            exact_fields=("fundingRate", "markPrice", "indexPrice"),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.MARKET_INFO, _R.HISTORY),
            settle=("USDT", "USDC"),
            sandbox=True,
            credentials=("apiKey", "secret"),
            market_types=("spot", "linear"),
            ccxt_options=_frozen({"defaultType": "swap", "defaultSubType": "linear"}),
            market_info_interval="fundingInterval",  # minutes, in instruments-info
            market_info_unit_ms=60_000,
            # linear tickers carry fundingRate and nextFundingTime (ccxt merges deltas into info)
            ws=WsFunding(WsMethod.TICKERS, ("fundingRate", "nextFundingTime", "markPrice", "indexPrice")),
            notes="interval in the row only when markets are loaded (ccxt reads market info)",
        ),
        "okx": VenueProfile(
            exchange_id="okx",
            exact_fields=("fundingRate", None, None),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.HISTORY),
            settle=("USDT", "USDC"),
            sandbox=True,
            credentials=("apiKey", "secret", "password"),
            market_types=("spot", "swap"),
            # the funding-rate channel (OKX pushes each swap every 30 to 90 s)
            ws=WsFunding(WsMethod.FUNDING_RATES),
            notes="interval = nextFundingTime - fundingTime (instId=ANY returns every swap)",
        ),
        "hyperliquid": VenueProfile(
            exchange_id="hyperliquid",
            exact_fields=("funding", "markPx", "oraclePx"),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.HISTORY),
            settle=("USDC",),
            sandbox=True,
            credentials=("walletAddress", "privateKey"),
            market_types=("spot", "swap"),
            uniform_interval=True,
            next_funding_on_schedule=True,
            # per-coin activeAssetCtx carries "funding" (ccxt's watchTicker); watchTickers is
            # allMids, mid prices only
            ws=WsFunding(WsMethod.TICKER, ("funding", None, "markPx", "oraclePx")),
            notes="hourly since June 2023 (8-hourly before: see the recorded fundingHistory)",
        ),
        "dydx": VenueProfile(
            exchange_id="dydx",
            funding_method=FundingMethod.IMPLICIT,  # ccxt has no fetchFundingRates for dydx
            interval_sources=(_R.HISTORY, _R.DOCUMENTED),
            settle=("USDC",),
            sandbox=True,  # `has` says False but ccxt carries the v4 testnet indexer URLs
            credentials=("walletAddress", "privateKey"),
            uniform_interval=True,
            documented_interval_hours=1,
            ws_note="ccxt.pro watches nothing public on dydx",
            notes="indexer /v4/perpetualMarkets nextFundingRate is the hourly rate",
        ),
        "gate": VenueProfile(
            exchange_id="gate",
            exact_fields=("funding_rate", "mark_price", "index_price"),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.HISTORY),
            settle=("USDT",),
            sandbox=True,
            credentials=("apiKey", "secret"),
            market_types=("spot", "swap"),
            funding_params=(_frozen({"settle": "usdt"}),),
            # futures.tickers carries funding_rate, mark_price and index_price, not the next
            # settlement (kept from the REST row)
            ws=WsFunding(WsMethod.TICKERS, ("funding_rate", None, "mark_price", "index_price")),
            notes="one /futures/{settle}/contracts call; funding_interval in seconds",
        ),
        "kucoinfutures": VenueProfile(
            exchange_id="kucoinfutures",
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.MARKET_INFO, _R.HISTORY),
            settle=("USDT", "USDC"),
            sandbox=False,  # no test URLs in ccxt
            credentials=("apiKey", "secret", "password"),
            market_types=("swap",),
            market_info_interval="fundingRateGranularity",
            market_info_unit_ms=1,
            ws_note=(
                "ccxt.pro's watchFundingRate is the unified-account 'funding-fee' channel, one "
                "symbol a subscription, with no documented push cadence"
            ),
            notes="granularity in ms; funding-index symbols (.XBTUSDTMFPI8H) are not markets",
        ),
        "bitget": VenueProfile(
            exchange_id="bitget",
            exact_fields=("fundingRate", None, None),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.FUNDING_INTERVALS, _R.HISTORY),
            settle=("USDT", "USDC"),
            sandbox=False,  # demo trading needs S-prefixed product types: not wired
            credentials=("apiKey", "secret", "password"),
            market_types=("spot", "swap"),
            # current-fund-rate carries fundingRateInterval; the default tickers call does not
            funding_params=(
                _frozen({"method": "publicMixGetV2MixMarketCurrentFundRate", "productType": "USDT-FUTURES"}),
                _frozen({"method": "publicMixGetV2MixMarketCurrentFundRate", "productType": "USDC-FUTURES"}),
            ),
            # contract tickers carry fundingRate and nextFundingTime; ccxt takes the product
            # type (USDT-/USDC-FUTURES) of a subscription from its first symbol
            ws=WsFunding(
                WsMethod.TICKERS,
                ("fundingRate", "nextFundingTime", "markPrice", "indexPrice"),
                per_settle=True,
            ),
        ),
        "paradex": VenueProfile(
            exchange_id="paradex",
            exact_fields=("funding_rate", "mark_price", "underlying_price"),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.MARKET_INFO, _R.HISTORY),
            settle=("USDC",),
            sandbox=True,
            credentials=("walletAddress", "privateKey"),
            market_info_interval="funding_period_hours",
            ws=WsFunding(WsMethod.FUNDING_RATES),  # funding_data carries funding_period_hours
            notes="the rate is per funding_period_hours of the market",
        ),
        "lighter": VenueProfile(
            exchange_id="lighter",
            exact_fields=("rate", None, None),
            funding_method=FundingMethod.UNIFIED,
            interval_sources=(_R.RATE_ROW, _R.DOCUMENTED),
            settle=("USDC",),
            sandbox=True,
            credentials=("privateKey",),
            uniform_interval=True,
            reported_rate_hours=8,
            documented_interval_hours=1,
            ws_note=(
                "market_stats carries funding_rate and current_funding_rate in a unit the docs "
                "do not state (the REST figure is an 8-hour one)"
            ),
            notes="funding-rates quotes an 8 h figure; Lighter settles every hour; no history in ccxt",
        ),
        "extended": VenueProfile(
            exchange_id="extended",
            funding_method=FundingMethod.IMPLICIT,  # ccxt has no fetchFundingRates for extended
            interval_sources=(_R.HISTORY, _R.DOCUMENTED),
            settle=("USDC",),
            sandbox=True,
            credentials=("apiKey", "privateKey"),
            uniform_interval=True,
            documented_interval_hours=1,
            ws_note="ccxt.pro's watchFundingRate opens one socket per market (/funding/<market>)",
            notes="/api/v1/info/markets marketStats; nextFundingRate there is a timestamp",
        ),
    }
)


def profile_for(exchange_id: str) -> VenueProfile:
    try:
        return PROFILES[exchange_id]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"unknown exchange {exchange_id!r}; supported: {known}") from None
