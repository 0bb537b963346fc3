"""The funding predictor, seed 000's "simple" option: an EMA pulled back toward the long-run mean.

Per perpetual, on its funding history over the lookback (in its own per-interval units):

    mean  m = average of the history
    phi     = lag-1 autocorrelation of the deviations from m, clipped to [0, 0.999]
    level e = EMA of the history (alpha = 2 / (span + 1)), then the current rate as its newest point
    next    = m + phi * (e - m)

Confidence is the share of the history's variation this one-step rule explained on that history
(R squared, clipped to [0, 1]), scaled down when there are fewer than `min_points` samples.
The fit depends only on the history, so it is cached until the history grows; the current rate
moves the level in O(1).
Persistence is how many intervals the path m + phi^k * (e - m) keeps the current rate's sign.
Floats throughout: a prediction ranks, it never settles money.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from nexus_tui.strategy.models import Outlook, Prediction

MAX_PERSISTENCE_PERIODS = 10_000
_tuple_new = tuple.__new__


class FundingModel(NamedTuple):
    """The predictor fitted on one perpetual's history (without the current rate)."""

    mean: float
    reversion: float  # phi
    ema: float  # EMA of the history
    confidence: float
    stdev: float
    samples: int


def fit(rates: Sequence[float], span: int = 8, min_points: int = 12) -> FundingModel | None:
    """Fit on `rates`, oldest first. None with fewer than two points: nothing to learn from."""
    n = len(rates)
    if n < 2:
        return None
    mean = math.fsum(rates) / n
    alpha = 2.0 / (span + 1)
    keep = 1.0 - alpha
    ema = rates[0]
    emas = [ema]
    prev_dev = rates[0] - mean
    sst0 = prev_dev * prev_dev
    sst = 0.0  # over k = 1..n-1, the points the one-step rule predicts
    lag_cov = 0.0
    for x in rates[1:]:
        dev = x - mean
        sst += dev * dev
        lag_cov += dev * prev_dev
        prev_dev = dev
        ema = alpha * x + keep * ema
        emas.append(ema)
    total = sst + sst0
    sample_share = min(1.0, n / min_points)
    if total <= 0.0:  # a flat history: the next rate is the same, and that is certain
        return FundingModel(mean, 0.0, mean, sample_share, 0.0, n)
    phi = min(max(lag_cov / total, 0.0), 0.999)
    sse = 0.0
    for x, before in zip(rates[1:], emas, strict=False):  # each point against the EMA up to the one before
        miss = x - (mean + phi * (before - mean))
        sse += miss * miss
    r_squared = 1.0 - sse / sst if sst > 0.0 else 0.0
    confidence = min(max(r_squared, 0.0), 1.0) * sample_share
    return FundingModel(mean, phi, ema, confidence, math.sqrt(total / n), n)


def predict_from(model: FundingModel | None, current: float, span: int = 8) -> Prediction:
    """The next rate from a fitted model and the rate now (the EMA's newest point)."""
    if model is None:
        return Prediction(current, current, current, current, 1.0, 0.0, MAX_PERSISTENCE_PERIODS, 0.0, 0)
    alpha = 2.0 / (span + 1)
    level = alpha * current + (1.0 - alpha) * model.ema
    mean, phi = model.mean, model.reversion
    # Positional (current, predicted, level, mean, reversion, confidence, persistence_periods,
    # stdev, samples): made for both legs of every opportunity a scan lists.
    prediction: Prediction = _tuple_new(
        Prediction,
        (
            current,
            mean + phi * (level - mean),
            level,
            mean,
            phi,
            model.confidence,
            persistence(current, mean, level - mean, phi),
            model.stdev,
            model.samples,
        ),
    )
    return prediction


def predict(history: Sequence[float], current: float, span: int = 8, min_points: int = 12) -> Prediction:
    """Predict the next rate from `history` (oldest first, not including the current rate)."""
    return predict_from(fit(history, span, min_points), current, span)


def persistence(current: float, mean: float, deviation: float, phi: float) -> int:
    """Intervals (k = 1, 2, ...) for which mean + phi^k * deviation keeps the sign of `current`."""
    if current == 0.0:
        return 0
    sign = 1.0 if current > 0 else -1.0
    first = mean + phi * deviation
    if first * sign <= 0.0:
        return 0
    if mean * sign > 0.0:  # the path moves monotonically from a favourable level to a favourable mean
        return MAX_PERSISTENCE_PERIODS
    if phi <= 0.0:
        return 0
    # mean + phi^k * deviation = 0  ->  k = ln(-mean / deviation) / ln(phi)
    k = math.log(-mean / deviation) / math.log(phi)
    return min(MAX_PERSISTENCE_PERIODS, max(1, math.floor(k)))


def pair_outlook(
    short: Prediction | None,
    short_interval: int | None,
    long: Prediction | None,
    long_interval: int | None,
    threshold_hourly: float,
    cap_hours: float,
    confidence_threshold: float,
) -> Outlook:
    """The hourly funding spread (short minus long) now, predicted and expected, and how long it lasts.

    A None side is a spot leg: no funding, nothing to predict. Confidence is that of the less
    certain perp; below `confidence_threshold` the prediction is shown but not used (seed 001 §5.5).
    """
    # Made for every opportunity a scan lists: plain loops over at most two legs, no generators.
    # The sums start from 0 and add the short leg then the long, as sum() over them would.
    legs: list[tuple[Prediction, int, float]] = []
    if short and short_interval:
        legs.append((short, short_interval, 1.0))
    if long and long_interval:
        legs.append((long, long_interval, -1.0))
    now: float = 0
    predicted: float = 0
    confidence = 0.0
    all_history = bool(legs)
    for n, (p, i, s) in enumerate(legs):
        now += s * p.current / i
        predicted += s * p.predicted / i
        if n == 0 or p.confidence < confidence:
            confidence = p.confidence
        if p.samples < 2:
            all_history = False
    expected = now
    if confidence >= confidence_threshold:
        expected = confidence * predicted + (1.0 - confidence) * now
    stdev = None
    win_rate = None
    if all_history:
        variance: float = 0
        mean_spread: float = 0
        for p, i, s in legs:
            variance += (p.stdev / i) ** 2
            mean_spread += s * p.mean / i
        stdev = math.sqrt(variance)
        if stdev > 0.0:
            win_rate = 0.5 * (1.0 + math.erf(mean_spread / (stdev * math.sqrt(2.0))))
        else:
            win_rate = 1.0 if mean_spread > 0 else 0.0

    # Each leg's path as plain floats (a NamedTuple's fields read slowly by name, and the search
    # below asks for the spread a dozen times): (phi, the rate held when there is no history,
    # else None, mean, the deviation from it now, interval, sign).
    paths = [
        (p.reversion, p.current if p.samples < 2 else None, p.mean, p.level - p.mean, i, s)
        for p, i, s in legs
    ]

    def spread_at(hours: float) -> float:
        total = 0.0
        for phi, held, mean, deviation, i, s in paths:
            if held is None:
                decay = phi ** (hours / i) if phi > 0.0 else 0.0
                total += s * (mean + decay * deviation) / i
            else:
                total += s * held / i
        return total

    # Positional (spread now, predicted, expected, confidence, persistence hours, stdev, win rate).
    outlook: Outlook = _tuple_new(
        Outlook,
        (
            now,
            predicted,
            expected,
            confidence,
            _first_below(spread_at, threshold_hourly, cap_hours) if legs else 0.0,
            stdev,
            win_rate,
        ),
    )
    return outlook


def _first_below(f: Callable[[float], float], threshold: float, cap_hours: float) -> float:
    """First hour at which the spread path falls to the threshold (doubling, then bisection)."""
    if f(0.0) <= threshold:
        return 0.0
    if f(cap_hours) > threshold:  # the path relaxes to its long-run level: still paying at the cap
        return cap_hours
    lo, hi = 0.0, 1.0
    while f(hi) > threshold:
        if hi >= cap_hours:
            return cap_hours
        lo, hi = hi, min(hi * 2.0, cap_hours)
    while hi - lo > max(1.0, lo / 8):  # within an hour, or an eighth: an estimate, not a schedule
        mid = (lo + hi) / 2.0
        if f(mid) > threshold:
            lo = mid
        else:
            hi = mid
    return hi
