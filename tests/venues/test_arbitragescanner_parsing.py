"""ArbitrageScanner parsing: the documented shapes (constructed fixtures), and malformed input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.core.errors import MalformedResponse
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.venues.arbitragescanner import (
    INTERVAL_ASSUMED,
    parse_exchanges,
    parse_funding_table,
    slug_to_venue,
)
from tests.conftest import FIXTURES

OBSERVED = datetime(2025, 12, 16, 20, 0, 5, tzinfo=UTC)
NEXT_8H = datetime(2025, 12, 17, 0, 0, tzinfo=UTC)  # 1765929600000
NEXT_1H = datetime(2025, 12, 16, 17, 0, tzinfo=UTC)  # 1765904400000


def load(name: str) -> Any:
    return json.loads((FIXTURES / "arbitragescanner" / name).read_text())


def by_market(rows: list[FundingRate]) -> dict[tuple[str, str], FundingRate]:
    return {(r.venue, r.symbol): r for r in rows}


@pytest.mark.parametrize(
    ("slug", "venue"),
    [
        ("binance_futures", "binanceusdm"),
        ("okex_futures", "okx"),
        ("kucoin_futures", "kucoinfutures"),
        ("Hyperliquid ", "hyperliquid"),
        ("dydx", "dydx"),
        ("coinex_futures", None),
    ],
)
def test_slug_to_venue(slug: str, venue: str | None) -> None:
    assert slug_to_venue(slug) == venue


def test_documented_table_maps_every_row() -> None:
    result = parse_funding_table(load("funding_table.json"), OBSERVED)
    assert result.dropped == 0
    assert result.reasons == {}
    assert result.tokens == 4
    assert result.fetched_at == OBSERVED
    rows = by_market(result.rows)
    assert len(rows) == len(result.rows) == 14

    binance = rows[("binanceusdm", "BTC/USDT:USDT")]
    assert binance.rate == Decimal("0.0001")  # 0.01 percent
    assert binance.source is FundingSource.SECONDARY
    assert binance.next_funding_ts == NEXT_8H
    assert binance.ts == OBSERVED
    assert binance.interval_hours == 8
    assert binance.flags == (INTERVAL_ASSUMED,)  # the table's 8 h convention, not a fact

    assert rows[("okx", "BTC/USDT:USDT")].rate == Decimal("0.000071")  # from BTC-USDT-SWAP
    assert rows[("kucoinfutures", "BTC/USDT:USDT")].rate == Decimal("0.000099")  # XBTUSDTM: token symbol
    assert rows[("gate", "BTC/USDT:USDT")].rate == Decimal("-0.000012")
    assert rows[("as:coinex_futures", "BTC/USDT:USDT")].rate == Decimal("0.000134")  # unknown slug kept

    for venue in ("hyperliquid", "dydx"):  # USDC-margined, hourly by protocol: no assumption
        row = rows[(venue, "BTC/USDC:USDC")]
        assert row.interval_hours == 1
        assert row.flags == ()
        assert row.next_funding_ts == NEXT_1H
    assert rows[("hyperliquid", "BTC/USDC:USDC")].rate == Decimal("0.0000125")

    eth = rows[("binanceusdm", "ETH/USDT:USDT")]
    assert eth.rate == Decimal("0.000054")  # string "0.0054": exact, no float on the way
    assert rows[("bybit", "ETH/USDT:USDT")].next_funding_ts == NEXT_8H  # ms given as a string
    assert rows[("bitget", "ETH/USDT:USDT")].rate == Decimal("-0.000088")

    assert rows[("binanceusdm", "1000PEPE/USDT:USDT")].rate == Decimal("0.000312")  # ccxt's name
    assert ("okx", "PEPE/USDT:USDT") in rows
    assert ("binanceusdm", "SOL/USDC:USDC") in rows
    assert result.max_spread["BTC"] == Decimal("0.0234")


def test_the_venue_reported_interval_wins() -> None:
    known = {("binanceusdm", "ETH/USDT:USDT"): 4, ("hyperliquid", "BTC/USDC:USDC"): 1}
    result = parse_funding_table(load("funding_table.json"), OBSERVED, lambda v, s: known.get((v, s)))
    rows = by_market(result.rows)
    assert rows[("binanceusdm", "ETH/USDT:USDT")].interval_hours == 4
    assert rows[("binanceusdm", "ETH/USDT:USDT")].flags == ()
    assert rows[("binanceusdm", "BTC/USDT:USDT")].flags == (INTERVAL_ASSUMED,)


def test_a_broken_interval_lookup_costs_no_row() -> None:
    def broken(venue: str, symbol: str) -> int | None:
        raise RuntimeError("book not ready")

    result = parse_funding_table(load("funding_table.json"), OBSERVED, broken)
    assert result.dropped == 0
    assert len(result.rows) == 14


def test_malformed_rows_are_dropped_and_counted() -> None:
    result = parse_funding_table(load("funding_table_malformed.json"), OBSERVED)
    assert [(r.venue, r.symbol) for r in result.rows] == [("binanceusdm", "BTC/USDT:USDT")]
    assert result.reasons == {
        "token not an object": 1,
        "token without a rates list": 2,
        "rate entry not an object": 1,
        "no exchange slug": 3,
        "bad rate": 4,
        "rate out of range": 1,
        "bad next funding time": 2,
        "duplicate market": 1,
        "cannot tell quote currency": 1,
        "ambiguous market": 2,
    }
    assert result.dropped == sum(result.reasons.values()) == 18
    assert "BTC" not in result.max_spread  # "not a number": the hint is lost, the rates are not


@pytest.mark.parametrize("payload", [{"error": "rate limited"}, "<html>", 42, None])
def test_a_response_that_is_not_a_table_is_malformed(payload: object) -> None:
    with pytest.raises(MalformedResponse, match="arbitragescanner: funding table is a"):
        parse_funding_table(payload, OBSERVED)


def test_an_envelope_around_the_list_is_accepted() -> None:
    result = parse_funding_table({"data": load("funding_table.json")}, OBSERVED)
    assert len(result.rows) == 14


def test_registry() -> None:
    exchanges, dropped = parse_exchanges(load("exchanges.json"))
    by_slug = {e.slug: e for e in exchanges}
    assert list(by_slug) == [
        "binance_futures",
        "bybit_futures",
        "okex_futures",
        "hyperliquid",
        "binance",
        "coinex_futures",
    ]
    assert dropped == {"no exchange slug": 1, "exchange not an object": 1, "duplicate exchange": 1}
    assert by_slug["binance_futures"].title == "Binance (Futures)"
    assert by_slug["binance_futures"].venue == "binanceusdm"
    assert by_slug["hyperliquid"].is_dex
    assert not by_slug["okex_futures"].is_dex
    assert not by_slug["binance"].funding_rates
    coinex = by_slug["coinex_futures"]
    assert coinex.venue is None
    assert (coinex.futures, coinex.funding_rates, coinex.spot) == (True, True, False)
    assert coinex.trading_url_template == ""


def test_registry_without_rows_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_exchanges({"data": "nope"})


# -- properties --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
slugs = st.sampled_from(["binance_futures", "okex_futures", "hyperliquid", "dydx", "weird_dex", "", "B!"])
entry_fields = st.fixed_dictionaries(
    {},
    optional={
        "exchange": slugs | json_values,
        "rate": st.decimals(allow_nan=True, allow_infinity=True).map(str)
        | st.floats()
        | st.integers()
        | json_values,
        "nextFundingTime": st.integers(min_value=-(10**15), max_value=10**16) | json_values,
        "ticker": st.sampled_from(["BTC", "ETH", "1000PEPE", "", "b t c"]) | json_values,
        "symbol": st.sampled_from(["BTCUSDT", "BTC-USDT-SWAP", "ETHUSDC", "XBTUSDTM"]) | json_values,
    },
)
tokens = st.fixed_dictionaries(
    {"rates": st.lists(entry_fields | json_values, max_size=6)},
    optional={
        "ticker": st.sampled_from(["BTC", "ETH", "PEPE"]) | json_values,
        "symbol": st.sampled_from(["BTCUSDT", "ETHUSDT"]) | json_values,
        "maxSpread": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=json_values | st.lists(tokens | json_values, max_size=5))
def test_the_parser_never_raises_past_its_boundary(payload: object) -> None:
    try:
        result = parse_funding_table(payload, OBSERVED)
    except MalformedResponse:
        assert not isinstance(payload, list)
        return
    assert result.dropped == sum(result.reasons.values())
    for row in result.rows:
        assert row.source is FundingSource.SECONDARY
        assert row.rate.is_finite() and abs(row.rate) <= Decimal("0.1")
        assert row.interval_hours in (1, 8)


@settings(max_examples=100, deadline=None)
@given(token_list=st.lists(tokens, max_size=5))
def test_every_rate_entry_is_either_a_row_or_counted(token_list: list[dict[str, Any]]) -> None:
    result = parse_funding_table(token_list, OBSERVED)
    entries = sum(len(t["rates"]) for t in token_list)
    assert len(result.rows) + result.dropped == entries


good_entries = st.builds(
    lambda slug, pct, ticker: {
        "exchange": slug,
        "rate": pct,
        "nextFundingTime": 1765929600000,
        "ticker": ticker,
        "symbol": f"{ticker}USDT",
    },
    st.sampled_from(["binance_futures", "bybit_futures", "okex_futures", "gate_futures"]),
    st.decimals(min_value=Decimal("-9.99"), max_value=Decimal("9.99"), places=6).map(str),
    st.sampled_from(["BTC", "ETH", "SOL", "DOGE"]),
)


@settings(max_examples=100, deadline=None)
@given(entries=st.lists(good_entries, max_size=12, unique_by=lambda e: (e["exchange"], e["ticker"])))
def test_good_rows_are_all_kept_with_exact_rates(entries: list[dict[str, Any]]) -> None:
    result = parse_funding_table([{"ticker": "X", "symbol": "XUSDT", "rates": entries}], OBSERVED)
    assert result.dropped == 0
    got = {(r.venue, r.symbol): r.rate for r in result.rows}
    for e in entries:
        venue = slug_to_venue(e["exchange"])
        assert venue is not None
        assert got[(venue, f"{e['ticker']}/USDT:USDT")] == Decimal(e["rate"]) / 100
