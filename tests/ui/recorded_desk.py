"""A paper desk on real exchange recordings: the config a user writes, the real bootstrap, real
CcxtVenue clients, every HTTP answer from tests/fixtures (see recorded_web.py for how).

What is recorded and what is made here (each said again where it is made):

- Binance USDⓈ-M: the raw /fapi/v1/premiumIndex capture (373 perpetuals, 2024-11-27). Its rows
  carry the capture's `time`; a venue stamps every answer anew, so the replay stamps each
  answer with the desk clock's time (every other byte as captured). `binance_rates` changes
  chosen rates for "the venue's next answer". /fapi/v1/fundingInfo was never recorded: the
  listing is hand-made in the documented shape (as in tests/venues/test_ccxt_raw_captures.py),
  naming UXLINKUSDT 4-hourly. exchangeInfo was never recorded either: the markets are derived
  from the capture's ids and preloaded (tests/venues/ccxt_helpers.py).
- Hyperliquid: the raw POST /info metaAndAssetCtxs capture (142 perpetuals); only the perpetual
  universe was recorded, so the client is told not to ask for spot markets.
- dYdX v4: the raw /v4/perpetualMarkets and /v4/historicalFunding/BTC-USD captures.
- ArbitrageScanner: its fixture is constructed, not captured (fixtures/arbitragescanner/SOURCE.md).
  `scanner_table` keeps that fixture's shape (tokens with a `rates` list, rates in percent per
  interval) and fills the three venues' entries from the captures above, exactly or off by a
  stated amount, so the test knows which pairs agree and which do not.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from nexus_tui.bootstrap import build_engine
from nexus_tui.config.schema import NexusConfig
from nexus_tui.core.clock import Clock, to_ms
from nexus_tui.engine import Engine
from nexus_tui.venues.ccxt_venue import CcxtVenue
from tests.ui.recorded_web import RecordedWeb
from tests.venues.ccxt_helpers import (
    DYDX_HISTORY,
    DYDX_MARKETS,
    HL_META_AND_CTXS,
    PREMIUM_INDEX,
    binance_markets,
)
from tests.venues.recorded import BINANCE_FUNDING_INFO, load_json, preload_markets

BINANCE_HOST = "fapi.binance.com"
HYPERLIQUID_HOST = "api.hyperliquid.xyz"
DYDX_HOST = "indexer.dydx.trade"
SCANNER_HOST = "screener.arbitragescanner.io"
SCANNER_REGISTRY_HOST = "api.arbitragescanner.io"
VENUE_HOSTS = {"binanceusdm": BINANCE_HOST, "hyperliquid": HYPERLIQUID_HOST, "dydx": DYDX_HOST}


HUNDRED = Decimal(100)


def user_config(**ui: Any) -> NexusConfig:
    """What a user's config says for a paper desk on three venues with ArbitrageScanner, read
    through the schema as `nexus-tui` reads the vault. Websockets are off (`data.websockets:
    false`): the desk then polls REST only, which is what the recordings answer."""
    ui.setdefault("repaint_interval_ms", 5000)  # the test repaints when it has moved the clock
    return NexusConfig.model_validate(
        {
            "trading": {"mode": "paper"},
            "venues": {
                "binanceusdm": {"enabled": True},
                "hyperliquid": {"enabled": True},
                "dydx": {"enabled": True},
                "bybit": {"enabled": False},
                "okx": {"enabled": False},
            },
            "data": {"websockets": False, "arbitragescanner": {"enabled": True}},
            "ui": ui,
        }
    )


# -- the recordings -------------------------------------------------------------------------


def premium_index() -> list[dict[str, Any]]:
    return list(load_json(PREMIUM_INDEX))


def hyperliquid_meta() -> list[Any]:
    return list(load_json(HL_META_AND_CTXS))


def dydx_markets() -> dict[str, Any]:
    return dict(load_json(DYDX_MARKETS)["result"])


@dataclass
class VenueAnswers:
    """The venues' recorded answers, with the changes a test asks for in their next answers."""

    clock: Clock
    binance_rates: dict[str, str] = field(default_factory=dict)  # market id -> lastFundingRate
    hyperliquid_funding: dict[str, str] = field(default_factory=dict)  # coin -> funding

    def binance(self) -> list[dict[str, Any]]:
        now_ms = to_ms(self.clock.now())
        rows = []
        for row in premium_index():
            row = dict(row, time=now_ms)  # a venue stamps each answer with its own time
            if row["symbol"] in self.binance_rates:
                row["lastFundingRate"] = self.binance_rates[row["symbol"]]
            rows.append(row)
        return rows

    def hyperliquid(self) -> list[Any]:
        meta, contexts = hyperliquid_meta()
        changed = []
        for asset, ctx in zip(meta["universe"], contexts, strict=True):
            funding = self.hyperliquid_funding.get(asset["name"])
            changed.append(ctx if funding is None else dict(ctx, funding=funding))
        return [meta, changed]


def record_venues(web: RecordedWeb, answers: VenueAnswers) -> None:
    web.answer(BINANCE_HOST, "GET", "/fapi/v1/premiumIndex", answers.binance)
    web.answer(BINANCE_HOST, "GET", "/fapi/v1/fundingInfo", BINANCE_FUNDING_INFO)
    web.answer(HYPERLIQUID_HOST, "POST", "/info", answers.hyperliquid, when={"type": "metaAndAssetCtxs"})
    web.answer(DYDX_HOST, "GET", "/v4/perpetualMarkets", dydx_markets())
    web.answer(DYDX_HOST, "GET", "/v4/historicalFunding/BTC-USD", load_json(DYDX_HISTORY)["result"])


@dataclass(frozen=True)
class ScannerEntry:
    """One rate entry of the constructed table: `rate_fraction` per the venue's interval."""

    token: str  # the table's token ticker
    exchange: str  # its exchange slug
    venue_symbol: str  # the venue's own spelling
    rate_fraction: Decimal
    next_funding: datetime | None


def scanner_table(entries: list[ScannerEntry]) -> list[dict[str, Any]]:
    """The funding table in the constructed fixture's shape: each token of the fixture keeps its
    slug, symbol, tokenId and maxSpread; its rates are `entries` (rate in percent, as a string
    so the capture's digits survive; nextFundingTime in ms)."""
    tokens = {t["ticker"]: t for t in copy.deepcopy(load_json("arbitragescanner/funding_table.json"))}
    table = []
    for ticker in dict.fromkeys(e.token for e in entries):
        token = tokens.get(ticker) or {"slug": ticker.lower(), "symbol": f"{ticker}USDT", "ticker": ticker}
        token["rates"] = [
            {
                "exchange": e.exchange,
                "rate": f"{e.rate_fraction * HUNDRED:f}",
                "nextFundingTime": None if e.next_funding is None else to_ms(e.next_funding),
                "ticker": ticker,
                "symbol": e.venue_symbol,
            }
            for e in entries
            if e.token == ticker
        ]
        table.append(token)
    return table


def record_scanner(web: RecordedWeb, table: Callable[[], object] | object) -> None:
    web.answer(SCANNER_HOST, "GET", "/api/funding-table", table)
    web.answer(SCANNER_REGISTRY_HOST, "GET", "/exchanges", load_json("arbitragescanner/exchanges.json"))


# -- the desk -------------------------------------------------------------------------------


def recorded_engine_factory(clock: Clock, built: list[Engine]) -> Callable[[NexusConfig], Engine]:
    """`NexusApp`'s default engine (bootstrap.build_engine on the desk clock), with the three
    things the recordings cannot answer set on the real clients it built."""

    def build(config: NexusConfig) -> Engine:
        engine = build_engine(config, clock=clock)
        for venue in engine.venues.values():
            assert isinstance(venue, CcxtVenue), f"{venue.id} is not a ccxt venue"
            exchange = venue.exchange
            # ccxt's own limiter sleeps in real time between requests the recordings answer at
            # once; our RateBudget (on the desk clock) still meters every request
            exchange.enableRateLimit = False
            if venue.id == "binanceusdm":
                preload_markets(exchange, binance_markets(premium_index()))  # exchangeInfo: not recorded
            elif venue.id == "hyperliquid":
                exchange.options["fetchMarkets"]["types"] = ["swap"]  # spot metadata: not recorded
                exchange.has["fetchCurrencies"] = False
        built.append(engine)
        return engine

    return build


def next_hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def by_id(rows: list[dict[str, Any]], key: str) -> Mapping[str, dict[str, Any]]:
    return {str(row[key]): row for row in rows}
