"""Construction of each opportunity type, with the figures worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.models import MarketKind, PositionSide
from nexus_tui.strategy.models import OpportunityState, OpportunityType
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import scan_inputs
from tests.strategy.helpers import (
    LOOSE,
    NOW,
    D,
    book,
    funding,
    healthy,
    inputs,
    perp_market,
    spot_market,
    ticker,
)

TAKER = D("0.0005")


def test_one_hour_against_eight_hours_per_hour_and_on_the_schedule() -> None:
    """bybit (8 h) reports 0.08 % per 8 h = 0.01 %/h; hyperliquid (1 h) 0.005 % per hour.

    Per period hyperliquid looks cheaper (0.005 % < 0.08 %), per hour it is the venue with the
    LOWER rate, so the trade is long hyperliquid, short bybit: 0.005 %/h spread, 43.8 % gross APR.
    Over the 72 h horizon from 05:00 bybit settles 9 times (08:00 then every 8 h) and hyperliquid
    72 times: 9 x 0.08 % - 72 x 0.005 % = 0.36 % of $10,000 = $36 of funding.
    Costs (tier fees, no books): 4 fills, bybit taker 0.055 %, hyperliquid 0.045 %:
    2 x 0.055 % + 2 x 0.045 % = 0.2 % = $20. EV $16; net APR 43.8 % - 0.2 % x 8760 / 72 = 19.47 %.
    Break-even: cumulative funding first reaches 0.2 % at the 08:00 + 16 h = 21:00 settlement?
    At +3 h: 0.08 - 0.015 = 0.065 %; +11 h: 0.16 - 0.055 = 0.105 %; +19 h: 0.24 - 0.095 = 0.145 %;
    +27 h: 0.32 - 0.135 = 0.185 %; +35 h: 0.40 - 0.175 = 0.225 % >= 0.2 %  -> 35 h.
    """
    rows = [funding("bybit", "0.0008", 8), funding("hyperliquid", "0.00005", 1, "BTC/USDC:USDC")]
    result = scan_inputs(inputs(rows), LOOSE)
    [opp] = result.opportunities
    assert (opp.long.venue, opp.short.venue) == ("hyperliquid", "bybit")
    assert opp.type is OpportunityType.CEX_DEX  # hyperliquid is a DEX
    assert opp.long_rate_hourly == D("0.00005") and opp.short_rate_hourly == D("0.0001")
    assert opp.gross_apr == D("0.00005") * 8760
    assert opp.funding_usd == D("36")
    assert opp.costs.total == D("20")
    assert opp.expected_value_usd == D("16")
    assert opp.net_apr == D("0.438") - D("0.002") * 8760 / 72
    assert opp.break_even_hours == 35.0
    assert {"stablecoin_basis", "dex", "fees_only", "no_order_book"} <= opp.flags
    assert opp.symbol == "BTC"  # USDT- against USDC-margined: the shared asset
    assert opp.state is OpportunityState.DETECTED  # no book walked yet


def test_comparing_per_period_would_pick_the_wrong_side() -> None:
    # 8 h venue 0.04 % per 8 h = 0.005 %/h; hourly venue 0.01 % per hour: the hourly one is higher
    rows = [funding("okx", "0.0004", 8), funding("dydx", "0.0001", 1, "BTC/USD:USD")]
    [opp] = scan_inputs(inputs(rows), LOOSE).opportunities
    assert opp.short.venue == "dydx" and opp.long.venue == "okx"


def test_type_b_between_two_cexs_with_books_is_scored() -> None:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009"), funding("okx", "0.0003")]
    venues = ("binanceusdm", "bybit", "okx")
    result = scan_inputs(
        inputs(
            rows,
            markets=[perp_market(v) for v in venues],
            books=[book(v) for v in venues],
            tickers=[ticker(v) for v in venues],
            health=healthy(*venues),
        ),
    )
    [opp] = result.opportunities
    assert opp.type is OpportunityType.CROSS_PERP
    assert (opp.long.venue, opp.short.venue) == ("binanceusdm", "bybit")
    assert opp.state is OpportunityState.SCORED
    assert opp.costs.cost_basis == "order_book"
    # spread 0.02 / 100 on each book = 0.02 %: two legs cross it once each way
    assert opp.costs.spread == D("0.0002") * 2 * D(10_000)
    assert opp.costs.fees == TAKER * 4 * D(10_000)
    assert opp.viable and not opp.reasons and opp.uos > 0
    assert opp.id.startswith("B-BTC-")


def test_type_a_positive_rate_spot_long_perp_short() -> None:
    rows = [funding("binanceusdm", "0.0003")]
    result = scan_inputs(
        inputs(rows, markets=[perp_market("binanceusdm"), spot_market("binanceusdm")]),
        LOOSE,
    )
    [opp] = result.opportunities
    assert opp.type is OpportunityType.SPOT_PERP
    assert opp.long.kind is MarketKind.SPOT and opp.long.symbol == "BTC/USDT"
    assert opp.short.kind is MarketKind.PERP and opp.short.side is PositionSide.SHORT
    assert opp.gross_apr == D("0.0003") / 8 * 8760
    # perp 2 x 0.05 % + spot 2 x 0.1 % = 0.3 % of $10k
    assert opp.costs.total == D(30)
    assert opp.symbol == "BTC/USDT:USDT"


def test_type_a_negative_rate_needs_a_borrow() -> None:
    rows = [funding("binanceusdm", "-0.0006")]
    scan_in = inputs(rows, markets=[perp_market("binanceusdm"), spot_market("binanceusdm")])
    skipped = scan_inputs(scan_in, LOOSE, explain=True)
    assert not skipped.opportunities
    [why] = skipped.rejected
    assert why.hard_fail and why.uos == 0
    assert any("needs a borrow" in r for r in why.reasons)

    params = replace(LOOSE, borrow_apr={("binanceusdm", "BTC"): D("0.05")})
    [opp] = scan_inputs(scan_in, params).opportunities
    assert opp.long.kind is MarketKind.PERP and opp.short.kind is MarketKind.SPOT
    # borrow 5 % APR on $10k over 72 h
    assert opp.costs.borrow == D("0.05") * D(10_000) * 72 / 8760
    assert opp.net_apr == D("0.0006") / 8 * 8760 - D("0.003") * 8760 / 72 - D("0.05")
    assert "borrow" in opp.flags


def test_type_e_captures_one_settlement() -> None:
    # gate settles in 1 h at 1 % per 8 h (an extreme rate); okx settles in 3 h, so the hedge
    # pays nothing inside the window (1 h + 0.25 h exit delay)
    rows = [
        funding("gate", "0.01", 8, next_in_h=1),
        funding("okx", "0.0001", 8, next_in_h=3),
    ]
    result = scan_inputs(inputs(rows), LOOSE)
    temporal = [o for o in result.opportunities if o.type is OpportunityType.TEMPORAL]
    [opp] = temporal
    assert opp.short.venue == "gate" and opp.long.venue == "okx"
    assert opp.hold_hours == D("1.25")
    assert opp.capture_ts == NOW + timedelta(hours=1)
    assert opp.funding_usd == D(100)  # one settlement of 1 % on $10k
    assert opp.costs.total == D(20)
    assert opp.expected_value_usd == D(80)
    assert opp.break_even_hours == 1.0
    assert opp.id.startswith("E-BTC-")
    # the held version of the same pair is type B, with its own id
    held = [o for o in result.opportunities if o.type is OpportunityType.CROSS_PERP]
    assert held and held[0].id != opp.id


def test_usdt_and_usdc_perps_pair_up() -> None:
    rows = [
        funding("binanceusdm", "0.0001", symbol="ETH/USDT:USDT"),
        funding("binanceusdm", "0.0004", symbol="ETH/USDC:USDC"),  # same venue: never paired
        funding("paradex", "0.0012", symbol="ETH/USDC:USDC"),
    ]
    [opp] = [o for o in scan_inputs(inputs(rows), LOOSE).opportunities if o.type is OpportunityType.CEX_DEX]
    assert (opp.long.symbol, opp.short.symbol) == ("ETH/USDT:USDT", "ETH/USDC:USDC")
    assert opp.long.venue == "binanceusdm" and opp.short.venue == "paradex"
    assert "stablecoin_basis" in opp.flags and opp.symbol == "ETH"


def test_simulated_dex_venues_are_flagged() -> None:
    rows = [funding("sim:bybit", "0.0001"), funding("sim:hyperliquid", "0.00015", 1, "BTC/USDC:USDC")]
    [opp] = scan_inputs(inputs(rows), LOOSE).opportunities
    assert opp.type is OpportunityType.CEX_DEX and "dex" in opp.flags


def test_coin_margined_perps_are_left_out() -> None:
    rows = [funding("okx", "0.0001", symbol="BTC/USD:BTC"), funding("bybit", "0.0009")]
    assert not scan_inputs(inputs(rows), LOOSE).opportunities


def test_type_switches() -> None:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]
    assert not scan_inputs(inputs(rows), replace(LOOSE, cross_perp=False)).opportunities
    assert scan_inputs(inputs(rows), replace(LOOSE, symbols=frozenset({"BTC"}))).opportunities
    assert not scan_inputs(inputs(rows), replace(LOOSE, symbols=frozenset({"ETH"}))).opportunities


def test_default_filters_drop_thin_spreads_with_a_reason() -> None:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.00012")]
    result = scan_inputs(inputs(rows), StrategyParams(), explain=True)
    assert not result.opportunities
    [why] = result.rejected
    assert why.reasons and "funding delta" in why.reasons[0]
    assert why.uos == 0 and why.hard_fail


@pytest.mark.parametrize("size", ["1000", "250000"])
def test_size_changes_costs_not_the_funding_rate(size: str) -> None:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]
    [opp] = scan_inputs(inputs(rows), replace(LOOSE, size_usd=Decimal(size))).opportunities
    assert opp.size_usd == Decimal(size)
    assert opp.costs.fees == TAKER * 2 * Decimal(size) + D("0.00055") * 2 * Decimal(size)
