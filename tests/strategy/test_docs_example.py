"""docs/strategy.md §11: the worked example and the predictor example, reproduced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from nexus_tui.core.models import FundingRate, HealthState, OrderBook, Ticker, VenueHealth
from nexus_tui.strategy.models import OpportunityState, OpportunityType, ScanInputs
from nexus_tui.strategy.predictor import fit, predict_from
from nexus_tui.strategy.scanner import scan_inputs

DOC = Path(__file__).resolve().parents[2] / "docs" / "strategy.md"
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
D = Decimal


def _example() -> ScanInputs:
    rows = [
        FundingRate(
            "bybit",
            "BTC/USDT:USDT",
            D("0.0006"),
            8,
            NOW - timedelta(seconds=5),
            NOW + timedelta(hours=3),
            D(100),
        ),
        FundingRate(
            "hyperliquid",
            "BTC/USDC:USDC",
            D("0.00001"),
            1,
            NOW - timedelta(seconds=5),
            NOW + timedelta(hours=1),
            D(100),
        ),
    ]
    keys = [("bybit", "BTC/USDT:USDT"), ("hyperliquid", "BTC/USDC:USDC")]
    books = {k: OrderBook(*k, NOW, ((D("99.99"), D(2000)),), ((D("100.01"), D(2000)),)) for k in keys}
    tickers = {
        k: Ticker(*k, NOW, None, None, volume_24h_usd=D(50_000_000), open_interest_usd=D(20_000_000))
        for k in keys
    }
    health = {v: VenueHealth(v, HealthState.OK, latency_ms=80.0) for v, _ in keys}
    return ScanInputs(NOW, rows, {}, books, health, tickers)


def test_worked_example() -> None:
    [opp] = scan_inputs(_example()).opportunities
    assert opp.type is OpportunityType.CEX_DEX
    assert (opp.long.venue, opp.short.venue) == ("hyperliquid", "bybit")
    assert {"dex", "stablecoin_basis"} <= opp.flags
    assert opp.gross_apr == D("0.5694")
    assert (opp.costs.entry_fees, opp.costs.exit_fees) == (D(10), D(10))
    assert opp.costs.spread == D(4) and opp.costs.slippage == 0
    assert opp.costs.total == D(24)
    assert opp.net_apr == D("0.2774")
    assert opp.funding_usd == D("46.8")
    assert opp.expected_value_usd == D("22.8")
    assert opp.break_even_hours == 35.0
    parts = opp.uos_parts
    assert (parts.return_, parts.risk, parts.execution, parts.timing) == (21.1, 23.0, 18.5, 8.0)
    assert opp.uos == pytest.approx(70.6)
    assert opp.state is OpportunityState.SCORED


def test_predictor_example() -> None:
    history = [x * 1e-4 for x in (1, 2, 3, 4, 5, 4, 3, 2, 1, 0, -1, 0)]
    model = fit(history, span=2, min_points=12)
    assert model is not None
    assert model.mean == pytest.approx(2e-4)
    assert model.reversion == pytest.approx(30 / 38)
    assert model.ema == pytest.approx(-0.1671e-4, abs=5e-9)  # the document shows 4 places
    assert model.confidence == pytest.approx(0.5322, abs=1e-4)
    p = predict_from(model, 1e-4, span=2)
    assert p.level == pytest.approx(0.6110e-4, abs=5e-9)
    assert p.predicted == pytest.approx(0.9034e-4, abs=5e-9)


def test_the_document_states_these_numbers() -> None:
    text = DOC.read_text()
    for figure in (
        "56.94 %",
        "$24.00",
        "27.74 %",
        "$46.80",
        "$22.80",
        "35 h",
        "21.10",
        "23.00",
        "18.50",
        "8.00",
        "UOS 70.60",
        "0.7895",
        "0.6110",
        "0.9034",
        "0.5322",
    ):
        assert figure in text, figure
