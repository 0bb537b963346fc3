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
