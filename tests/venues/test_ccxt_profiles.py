"""Profiles against the installed ccxt, construction from the user's config, and the venues with
unit quirks (Lighter's 8-hour figure, Extended's timestamp-valued `nextFundingRate`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import pytest
from pydantic import SecretStr

from nexus_tui.bootstrap import build_engine
from nexus_tui.config.schema import VenueConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import ConfigError, VenueError
from nexus_tui.venues.ccxt_venue import CcxtVenue, make_ccxt_venue
from nexus_tui.venues.implicit import FUNDING_FETCHERS
from nexus_tui.venues.parsing import FLAG_INTERVAL_ASSUMED
from nexus_tui.venues.port import Venue
from nexus_tui.venues.profiles import PROFILES, FundingMethod, IntervalSource, profile_for
from tests.venues.ccxt_helpers import make_venue
from tests.venues.recorded import preload_markets, swap_market

ELEVEN = {
    "binanceusdm",
    "bybit",
    "okx",
    "hyperliquid",
    "dydx",
    "gate",
    "kucoinfutures",
    "bitget",
    "paradex",
    "lighter",
    "extended",
}


def test_there_is_one_profile_per_supported_exchange() -> None:
    assert set(PROFILES) == ELEVEN
    with pytest.raises(ConfigError, match="supported: "):
        profile_for("binance")


@pytest.mark.parametrize("exchange_id", sorted(ELEVEN))
async def test_each_profile_matches_what_the_installed_ccxt_can_do(exchange_id: str) -> None:
    profile = PROFILES[exchange_id]
    exchange = getattr(ccxt_async, exchange_id)()
    try:
        has = exchange.has
        if profile.funding_method is FundingMethod.UNIFIED:
            assert has.get("fetchFundingRates") is True
        else:
            assert not has.get("fetchFundingRates") and exchange_id in FUNDING_FETCHERS
        if IntervalSource.FUNDING_INTERVALS in profile.interval_sources:
            assert has.get("fetchFundingIntervals")
        if IntervalSource.HISTORY in profile.interval_sources:
            assert has.get("fetchFundingRateHistory")
        if IntervalSource.DOCUMENTED in profile.interval_sources:
            assert profile.documented_interval_hours is not None
        if profile.sandbox:
            assert exchange.urls.get("test"), f"{exchange_id}: ccxt has no testnet URLs"
        required = {field for field, needed in exchange.requiredCredentials.items() if needed}
        missing = required - set(profile.credentials)
        assert not missing, f"{exchange_id} also needs {missing}"
    finally:
        await exchange.close()
    pro = getattr(ccxt_pro, exchange_id)()
    try:
        if profile.ws is None:
            assert profile.ws_note, f"{exchange_id}: say why its funding is not streamed"
        else:
            head, *rest = profile.ws.method.value.split("_")
            assert pro.has.get(head + "".join(word.title() for word in rest)) is True
            assert callable(getattr(pro, profile.ws.method.value))
    finally:
        await pro.close()


@pytest.mark.parametrize("exchange_id", sorted(ELEVEN))
async def test_every_venue_builds_offline_and_is_a_venue(exchange_id: str) -> None:
    venue = CcxtVenue(exchange_id, ManualClock())
    assert isinstance(venue, Venue)
    assert venue.id == exchange_id and not venue.has_private
    await venue.close()
    await venue.close()


async def test_make_ccxt_venue_reads_secret_credentials_from_the_config() -> None:
    config = VenueConfig(
        enabled=True,
        api_key=SecretStr("okx-key-1234"),
        api_secret=SecretStr("okx-secret-5678"),
        passphrase=SecretStr("okx-pass-9012"),
    )
    venue = make_ccxt_venue("okx", config, ManualClock())
    try:
        assert venue.has_private
        assert (venue.exchange.apiKey, venue.exchange.secret, venue.exchange.password) == (
            "okx-key-1234",
            "okx-secret-5678",
            "okx-pass-9012",
        )
    finally:
        await venue.close()


async def test_wallet_venues_take_address_and_private_key() -> None:
    wallet, key = "0x" + "ab" * 20, SecretStr("0x" + "11" * 32)
    config = VenueConfig(enabled=True, wallet_address=wallet, private_key=key)
    venue = make_ccxt_venue("hyperliquid", config, ManualClock())
    try:
        assert venue.has_private
        assert venue.exchange.walletAddress == "0x" + "ab" * 20
    finally:
        await venue.close()


async def test_testnet_where_ccxt_has_one_and_a_clear_refusal_where_not() -> None:
    venue = make_ccxt_venue("bybit", VenueConfig(enabled=True, testnet=True), ManualClock())
    try:
        assert "testnet" in str(venue.exchange.urls["api"])
    finally:
        await venue.close()
    with pytest.raises(ConfigError, match="no testnet"):
        make_ccxt_venue("kucoinfutures", VenueConfig(enabled=True, testnet=True), ManualClock())


async def test_paper_mode_engine_gets_one_ccxt_client_per_enabled_venue() -> None:
    from nexus_tui.config.schema import NexusConfig

    config = NexusConfig.model_validate(
        {
            "trading": {"mode": "paper"},
            "venues": {"binanceusdm": {"enabled": True}, "dydx": {"enabled": True}},
        }
    )
    enabled = {vid for vid, vc in config.venues.items() if vc.enabled}
    engine = build_engine(config, clock=ManualClock())
    assert set(engine.venues) == enabled and "dydx" in enabled
    assert all(isinstance(v, CcxtVenue) for v in engine.venues.values())
    await engine.stop()  # closes every client
    with pytest.raises(VenueError, match="closed"):
        await engine.venues["dydx"].fetch_funding_rates()


# -- unit quirks ------------------------------------------------------------------------------


async def test_lighter_rescales_its_8_hour_figure_to_its_hourly_settlement() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    venue, http = make_venue("lighter", clock)
    preload_markets(venue.exchange, [swap_market("ETH/USDC:USDC", "0")])
    # shape and values of ccxt's documented example (ccxt/async_support/lighter.py), with one
    # other venue's row, which the endpoint also lists and ccxt filters out
    http.answer(
        "GET",
        "/funding-rates",
        '{"code": 200, "funding_rates": ['
        '{"market_id": 0, "exchange": "lighter", "symbol": "ETH", "rate": 0.00009599999999999999},'
        '{"market_id": 0, "exchange": "binance", "symbol": "ETH", "rate": 0.0001}]}',
    )
    (row,) = await venue.fetch_funding_rates()
    assert row.symbol == "ETH/USDC:USDC" and row.interval_hours == 1
    assert row.rate == Decimal("0.00009599999999999999") / 8
    assert row.rate_hourly == row.rate
    assert row.flags == (FLAG_INTERVAL_ASSUMED,)  # Lighter's hour is documented, not reported
    assert row.next_funding_ts is None


async def test_extended_markets_stats_through_the_implicit_api() -> None:
    clock = ManualClock(datetime(2026, 4, 29, 5, 30, tzinfo=UTC))
    venue, http = make_venue("extended", clock)
    preload_markets(venue.exchange, [swap_market("BTC/USDC:USDC", "BTC-USD")])
    # ccxt's documented example answer for GET /api/v1/info/markets (ccxt/async_support/extended.py)
    http.answer(
        "GET",
        "/info/markets",
        {
            "status": "OK",
            "data": [
                {
                    "name": "BTC-USD",
                    "assetName": "BTC",
                    "collateralAssetName": "USD",
                    "active": True,
                    "status": "ACTIVE",
                    "marketStats": {
                        "lastPrice": "77259",
                        "markPrice": "77259.680250000004",
                        "indexPrice": "77299.020412500001",
                        "fundingRate": "0.000013",
                        "nextFundingRate": 1777442400000,
                    },
                },
                {"name": "BROKEN-USD", "marketStats": None},
            ],
        },
    )
    http.answer(
        "GET",
        "/info/BTC-USD/funding",
        {"status": "OK", "data": [{"m": "BTC-USD", "f": "0.000008", "T": 1777507201028}]},
    )
    (row,) = await venue.fetch_funding_rates()
    assert row.rate == Decimal("0.000013")
    assert row.mark_price == Decimal("77259.680250000004")  # every digit the venue sent
    assert row.next_funding_ts == datetime(2026, 4, 29, 6, tzinfo=UTC)
    # one settled row proves no spacing: the documented hour stands in, flagged
    assert row.interval_hours == 1 and row.flags == (FLAG_INTERVAL_ASSUMED,)
    report = venue.last_funding_report
    assert report is not None and report.bad == 1 and report.reasons["no_symbol"] == 1


# -- venues with no recording: ccxt's documented example answers through ccxt and our parser ----

OKX_FUNDING_EXAMPLE = {  # ccxt/async_support/okx.py, fetchFundingRates
    "fundingRate": "0.00027815",
    "fundingTime": "1634256000000",
    "instId": "BTC-USD-SWAP",
    "instType": "SWAP",
    "nextFundingRate": "0.00017",
    "nextFundingTime": "1634284800000",
}
BITGET_FUNDING_EXAMPLE = {  # ccxt/async_support/bitget.py, fetchFundingRates (current-fund-rate)
    "symbol": "BTCUSDT",
    "fundingRate": "-0.000024",
    "fundingRateInterval": "8",
    "nextUpdate": "1761667200000",
    "minFundingRate": "-0.003",
    "maxFundingRate": "0.003",
}


@pytest.mark.parametrize(
    ("exchange_id", "market", "example", "rate", "next_ms"),
    [
        (
            "okx",
            swap_market("BTC/USD:BTC", "BTC-USD-SWAP", linear=False),
            OKX_FUNDING_EXAMPLE,
            "0.00027815",
            1634256000000,
        ),
        (
            "bitget",
            swap_market("BTC/USDT:USDT", "BTCUSDT"),
            BITGET_FUNDING_EXAMPLE,
            "-0.000024",
            1761667200000,
        ),
    ],
)
async def test_interval_from_the_row_on_venues_without_a_recording(
    exchange_id: str, market: dict[str, object], example: dict[str, str], rate: str, next_ms: int
) -> None:
    from nexus_tui.venues.funding_intervals import FundingIntervals
    from nexus_tui.venues.parsing import ParseReport, funding_rows

    exchange = getattr(ccxt_async, exchange_id)()
    try:
        exchange.set_markets([market])
        unified = exchange.parse_funding_rates([example])
    finally:
        await exchange.close()
    intervals = FundingIntervals(profile_for(exchange_id))
    now = datetime(2025, 1, 1, tzinfo=UTC)
    intervals.begin(now)
    (row,) = funding_rows(
        exchange_id,
        list(unified.values()),
        perpetuals={str(market["symbol"])},
        interval_for=intervals.lookup,
        observed_at=now,
        report=ParseReport(exchange_id),
        exact_fields=profile_for(exchange_id).exact_fields,
    )
    assert row.interval_hours == 8 and row.flags == ()
    assert row.rate == Decimal(rate)
    assert row.next_funding_ts is not None and int(row.next_funding_ts.timestamp() * 1000) == next_ms
    assert intervals.source_of(str(market["symbol"])) is IntervalSource.RATE_ROW
