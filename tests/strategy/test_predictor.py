"""The EMA + mean-reversion predictor against hand-worked and generated histories."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from nexus_tui.core.leg_row import to_leg_row
from nexus_tui.strategy.context import ScanContext
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.predictor import (
    MAX_PERSISTENCE_PERIODS,
    fit,
    pair_outlook,
    persistence,
    predict,
    predict_from,
)
from tests.strategy.helpers import NOW, funding


def test_no_history_predicts_the_current_rate_with_no_confidence() -> None:
    p = predict([], 0.0003)
    assert p.predicted == 0.0003 and p.confidence == 0.0 and p.samples == 0
    assert fit([0.0001]) is None


def test_flat_history_is_certain_once_there_are_enough_points() -> None:
    model = fit([0.0001] * 24, span=8, min_points=12)
    assert model is not None and model.reversion == 0.0 and model.confidence == 1.0
    p = predict_from(model, 0.0001)
    assert p.predicted == pytest.approx(0.0001)
    # half the points: half the confidence
    half = fit([0.0001] * 6, span=8, min_points=12)
    assert half is not None and half.confidence == 0.5


def test_hand_worked_prediction() -> None:
    """History 1, 3, 1, 3 (x 1e-4): mean 2, deviations -1, 1, -1, 1, lag-1 autocorrelation
    (-1 -1 -1) / 4 = -0.75, clipped to 0: the next rate is the mean whatever the level."""
    p = predict([1e-4, 3e-4, 1e-4, 3e-4], 5e-4)
    assert p.mean == pytest.approx(2e-4)
    assert p.reversion == 0.0
    assert p.predicted == pytest.approx(2e-4)


def test_trend_free_ar1_is_recovered() -> None:
    rng = random.Random(3)
    mean, phi = 1e-4, 0.8
    x, rates = mean, []
    for _ in range(2000):
        x = mean + phi * (x - mean) + rng.gauss(0, 2e-5)
        rates.append(x)
    model = fit(rates, span=1, min_points=12)  # span 1: the EMA is the last rate, plain AR(1)
    assert model is not None
    assert model.reversion == pytest.approx(phi, abs=0.05)
    assert model.mean == pytest.approx(mean, abs=1e-5)
    assert 0.5 < model.confidence < 0.8  # R^2 of an AR(1) with phi 0.8 is about phi^2
    p = predict_from(model, rates[-1], span=1)
    assert p.predicted == pytest.approx(model.mean + model.reversion * (rates[-1] - model.mean))


def test_persistence_periods() -> None:
    # level 5, mean -1, phi 0.5: path -1 + 6 * 0.5^k -> 2, 0.5, -0.25: two periods positive
    assert persistence(5.0, -1.0, 6.0, 0.5) == 2
    # a favourable mean: forever (capped)
    assert persistence(1.0, 0.5, 0.5, 0.9) == MAX_PERSISTENCE_PERIODS
    # already predicted to flip
    assert persistence(1.0, -1.0, 0.5, 0.5) == 0
    assert persistence(0.0, 1.0, 0.0, 0.5) == 0


def test_pair_outlook_of_constant_legs() -> None:
    short = predict([0.0008] * 30, 0.0008)  # 8 h venue, 0.01 %/h
    long = predict([0.00002] * 30, 0.00002)  # 1 h venue, 0.002 %/h
    o = pair_outlook(short, 8, long, 1, threshold_hourly=1.25e-5, cap_hours=720, confidence_threshold=0.6)
    assert o.spread_now_hourly == pytest.approx(0.0001 - 0.00002)
    assert o.spread_expected_hourly == pytest.approx(o.spread_now_hourly)
    assert o.persistence_hours == 720
    assert o.win_rate == 1.0 and o.spread_stdev_hourly == 0.0


def test_pair_outlook_decaying_spread_persists_until_the_threshold() -> None:
    # the short leg decays toward 0 from 0.001 per 8 h, halving each interval
    history = [*(0.001 * 0.5**k for k in range(20, 0, -1)), 0.0, 0.0]
    short = predict(history, 0.001)
    long = predict([], 0.0)  # spot-like: nothing to predict
    o = pair_outlook(short, 8, None, None, threshold_hourly=1.25e-5, cap_hours=720, confidence_threshold=0.0)
    assert o.spread_now_hourly == pytest.approx(0.001 / 8)
    assert 0 < o.persistence_hours < 720
    assert long.samples == 0
    # past the persistence the predicted path is at or below the threshold
    assert not math.isnan(o.persistence_hours)


@pytest.mark.parametrize("live_source", [False, True])
def test_a_prediction_is_fitted_on_the_lookback_before_the_current_observation(live_source: bool) -> None:
    """The scan's fit reads the history from `history_lookback_hours` ago up to (not including)
    the current observation: points older than the lookback, and a last point that already is
    the current observation, are left out."""
    params = StrategyParams(history_lookback_hours=24)
    row = to_leg_row(funding("binance", "0.0004", age_s=0))
    rnd = random.Random(5)
    # Hourly points from 40 h before now to now (the last one is the row's own observation).
    history = [(NOW - timedelta(hours=h), rnd.uniform(-1e-4, 5e-4)) for h in range(40, -1, -1)]
    inside = [rate for ts, rate in history if NOW - timedelta(hours=24) <= ts < NOW]
    assert len(inside) == 24
    key = (row.venue, row.symbol)
    source = (lambda venue, symbol: history) if live_source else {key: history}
    ctx = ScanContext(
        params=params, now=NOW, markets={}, order_books={}, tickers={}, health={}, histories=source
    )
    got = ctx.prediction(row)
    assert got == predict(inside, row.rate_f, params.ema_span, params.min_history_points)
    assert got.samples == 24
