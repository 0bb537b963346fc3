"""The UOS parts, each against hand-worked values, and their ranges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.core.models import HealthState, VenueHealth
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scoring import (
    ScoreInputs,
    execution_score,
    return_score,
    risk_score,
    timing_score,
    uos,
    venue_reliability,
)


def test_return_score_hand_worked() -> None:
    # net 12.5 % against a 25 % benchmark: 5; persistence 36 of 72 h at confidence 0.8:
    # 10 * (0.8 * 0.5 + 0.2 * 0.5) = 5; win rate 0.7: 7  -> 17
    assert return_score(0.125, 0.25, 36, 72, 0.8, 0.7) == pytest.approx(17.0)
    # base capped at 20, total capped at 40
    assert return_score(5.0, 0.25, 500, 72, 1.0, 1.0) == 40.0
    # a negative net return scores no base; unknowns take the middle
    assert return_score(-0.5, 0.25, 0, 72, 0.0, None) == pytest.approx(10.0)


def test_risk_score_hand_worked() -> None:
    # stability: stdev 0.5 of the spread -> 5; basis 0.1 % of 0.5 % -> 8;
    # liquidation: (1/3) / 0.05 = 6.67 daily sigmas -> min(10, 13.3) = 10
    assert risk_score(1e-4, 5e-5, 0.001, False, 0.005, 0.001, 3.0, 0.05) == pytest.approx(23.0)
    # USDT against USDC adds 0.1 % to the basis gap: 8 -> 6
    assert risk_score(1e-4, 5e-5, 0.001, True, 0.005, 0.001, 3.0, 0.05) == pytest.approx(21.0)
    # unknown history and marks: 5 + 5
    assert risk_score(1e-4, None, None, False, 0.005, 0.001, 3.0, 0.05) == pytest.approx(20.0)
    # 10x leverage with 5 % daily vol: 2 sigmas -> 4
    assert risk_score(1e-4, None, None, False, 0.005, 0.001, 10.0, 0.05) == pytest.approx(14.0)


def test_execution_score_hand_worked() -> None:
    # depth 1.5x size -> 7.5; slippage 0.04 % of 0.1 % -> 3; reliability 0.8 -> 4
    assert execution_score(1.5, 0.0004, 0.001, 0.8) == pytest.approx(14.5)
    assert execution_score(None, None, 0.001, 1.0) == pytest.approx(12.5)
    assert execution_score(10.0, 0.0, 0.001, 1.0) == 20.0


def test_venue_reliability() -> None:
    ok = VenueHealth("bybit", HealthState.OK, latency_ms=100)
    slow = VenueHealth("bybit", HealthState.OK, latency_ms=800)
    down = VenueHealth("bybit", HealthState.DOWN)
    assert venue_reliability(ok, 1000, dex=False, secondary=False) == 1.0
    assert venue_reliability(slow, 1000, dex=False, secondary=False) == 0.8
    assert venue_reliability(None, 1000, dex=False, secondary=False) == 0.6
    assert venue_reliability(down, 1000, dex=False, secondary=False) == 0.0
    assert venue_reliability(ok, 1000, dex=True, secondary=True) == pytest.approx(0.64)


def test_timing_score_hand_worked() -> None:
    # next paying settlement in 1.5 h (inside the 2 h window), spread expected to hold: 6 + 4
    assert timing_score(1.5, 1e-4, 1e-4, 2.0, 0.25) == 10.0
    # 8 h away: 6 * 2 / 8 = 1.5; expected to halve: 2
    assert timing_score(8.0, 1e-4, 5e-5, 2.0, 0.25) == pytest.approx(3.5)
    # 10 minutes away: too late to get both legs in: 3
    assert timing_score(1 / 6, 1e-4, 2e-4, 2.0, 0.25) == pytest.approx(7.0)


def test_uos_uses_the_expected_spread_for_the_return_part() -> None:
    params = StrategyParams()
    inputs = ScoreInputs(
        net_apr=0.30,
        spread_now_hourly=1e-4,
        spread_expected_hourly=5e-5,  # predicted to halve: net APR falls by 0.438
        confidence=0.9,
        persistence_hours=72,
        win_rate=0.9,
        spread_stdev_hourly=2e-5,
        basis=0.0,
        stablecoin_mixed=False,
        depth_ratio=3.0,
        slippage=0.0002,
        reliability=1.0,
        wait_hours=1.5,
        horizon_hours=72,
    )
    parts = uos(inputs, params)
    expected_net = 0.30 - 5e-5 * 8760
    # base: the expected net is negative -> 0; persistence 10 * (0.9 * 1 + 0.1 * 0.5) = 9.5; history 9
    assert expected_net < 0
    assert parts.return_ == pytest.approx(0 + 9.5 + 9.0)
    assert parts.timing == pytest.approx(6 + 2)
    assert 0 <= parts.total <= 100


score_inputs = st.builds(
    ScoreInputs,
    net_apr=st.floats(-10, 10),
    spread_now_hourly=st.floats(-1e-3, 1e-3),
    spread_expected_hourly=st.floats(-1e-3, 1e-3),
    confidence=st.floats(0, 1),
    persistence_hours=st.floats(0, 10_000),
    win_rate=st.one_of(st.none(), st.floats(0, 1)),
    spread_stdev_hourly=st.one_of(st.none(), st.floats(0, 1e-3)),
    basis=st.one_of(st.none(), st.floats(-0.05, 0.05)),
    stablecoin_mixed=st.booleans(),
    depth_ratio=st.one_of(st.none(), st.floats(0, 100)),
    slippage=st.one_of(st.none(), st.floats(0, 0.05)),
    reliability=st.floats(0, 1),
    wait_hours=st.floats(0, 100),
    horizon_hours=st.floats(0.1, 1000),
)


@settings(max_examples=200, deadline=None)
@given(score_inputs)
def test_parts_stay_in_their_ranges(inputs: ScoreInputs) -> None:
    parts = uos(inputs, StrategyParams())
    assert 0 <= parts.return_ <= 40
    assert 0 <= parts.risk <= 30
    assert 0 <= parts.execution <= 20
    assert 0 <= parts.timing <= 10
