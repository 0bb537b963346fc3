"""SeriesHistory: the bounded ring behind the charts and the jump detector."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime

import pytest

from nexus_tui.market.history import SeriesHistory


@pytest.mark.parametrize("capacity", [3, 30, 168])
def test_ring_keeps_the_newest_points_in_order_and_its_baseline_matches_statistics(capacity: int) -> None:
    rng = random.Random(capacity)
    history = SeriesHistory(capacity)
    values: list[float] = []
    for hour in range(3 * capacity + 7):
        value = rng.gauss(0.0001, 0.00005)
        assert history.record(hour * 3600, value) is True
        values.append(value)
        kept = values[-capacity:]
        assert history.rates() == kept
        before = kept[:-1][-24:]
        baseline = history.baseline(24, 6)
        if len(before) < 6:
            assert baseline is None
        else:
            assert baseline is not None
            assert baseline[0] == pytest.approx(statistics.fmean(before), abs=1e-15)
            assert baseline[1] == pytest.approx(statistics.stdev(before), abs=1e-15)
    points = history.points()
    assert len(points) == min(capacity, len(values))
    assert points[-1][0] == datetime.fromtimestamp((len(values) - 1) * 3600, tz=UTC)


def test_same_bucket_replaces_and_older_bucket_is_ignored() -> None:
    history = SeriesHistory(4)
    assert history.record(7200, 1.0)
    assert not history.record(7200, 2.0)
    assert not history.record(3600, 3.0)
    assert history.rates() == [2.0] and history.appended == 1
    with pytest.raises(ValueError):
        SeriesHistory(0)


def test_merge_takes_older_points_and_settled_values_and_keeps_the_newest_within_capacity() -> None:
    h = SeriesHistory(capacity=4)
    for ts, rate in ((300, 0.3), (400, 0.4), (500, 0.5)):
        h.record(ts, rate)
    h.record(600, 0.6)  # full: the ring wraps on the next record
    h.record(700, 0.7)
    assert [ts for ts, _ in _raw(h)] == [400, 500, 600, 700]
    # an older point and a settled value for a held hour: one added, one replaced, oldest dropped
    assert h.merge([(350, 0.35), (500, 0.55)]) == 1
    assert _raw(h) == [(400, 0.4), (500, 0.55), (600, 0.6), (700, 0.7)]
    assert h.merge([(100, 0.1), (200, 0.2), (800, 0.8)]) == 3
    assert _raw(h) == [(500, 0.55), (600, 0.6), (700, 0.7), (800, 0.8)]
    h.record(900, 0.9)  # recording goes on after a merge
    assert _raw(h)[-1] == (900, 0.9) and len(h) == 4
    assert h.merge([]) == 0


def _raw(h: SeriesHistory) -> list[tuple[int, float]]:
    return [(int(ts.timestamp()), rate) for ts, rate in h.points()]
