"""Compact, bounded funding history for one (venue, symbol) series: the data behind the charts.

A week of hourly points for thousands of series must stay small, so points live in two flat
arrays (epoch seconds as `q`, rate per interval as `d`: 16 bytes a point) used as a ring once
full, instead of lists of Decimal/datetime objects (~150 bytes a point). History is for charts
and jump detection only; money is never computed from these floats.

One point per time bucket (an hour by default): a newer value in the same bucket replaces the
previous one, so a feed polled every few seconds still yields one point an hour.
"""

from __future__ import annotations

import math
from array import array
from datetime import UTC, datetime


class SeriesHistory:
    """Ring buffer of (bucket-aligned epoch seconds, rate per interval), oldest first."""

    __slots__ = ("_baseline", "_baseline_at", "_capacity", "_head", "_rates", "_ts", "appended")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("history capacity must be at least 1")
        self._capacity = capacity
        self._ts = array("q")
        self._rates = array("d")
        self._head = 0  # index of the oldest point once the ring is full
        self.appended = 0  # points ever appended (not counting in-bucket replacements)
        self._baseline: tuple[float, float] | None = None
        self._baseline_at = -1

    def __len__(self) -> int:
        return len(self._ts)

    def _newest_index(self) -> int:
        if len(self._ts) < self._capacity:
            return len(self._ts) - 1
        return (self._head - 1) % self._capacity

    def record(self, bucket_start_s: int, rate: float) -> None:
        """Add a point for the bucket starting at `bucket_start_s`, or replace that bucket's value.

        A point for a bucket older than the newest one is ignored: history only moves forward.
        """
        n = len(self._ts)
        if n:
            newest = self._newest_index()
            last = self._ts[newest]
            if bucket_start_s == last:
                self._rates[newest] = rate
                return
            if bucket_start_s < last:
                return
        if n < self._capacity:
            self._ts.append(bucket_start_s)
            self._rates.append(rate)
        else:
            self._ts[self._head] = bucket_start_s
            self._rates[self._head] = rate
            self._head = (self._head + 1) % self._capacity
        self.appended += 1

    def _ordered_indices(self) -> range | list[int]:
        n = len(self._ts)
        if n < self._capacity or self._head == 0:
            return range(n)
        return [*range(self._head, n), *range(self._head)]

    def points(self) -> list[tuple[datetime, float]]:
        """All points as (aware UTC datetime, rate per interval), oldest first."""
        ts, rates = self._ts, self._rates
        return [(datetime.fromtimestamp(ts[i], tz=UTC), rates[i]) for i in self._ordered_indices()]

    def rates(self) -> list[float]:
        rates = self._rates
        return [rates[i] for i in self._ordered_indices()]

    def baseline(self, window: int, min_points: int) -> tuple[float, float] | None:
        """(mean, standard deviation) of up to `window` points before the newest one.

        The newest point is the bucket still being filled (the value under test), so it is left
        out. Cached until a new bucket is appended, which keeps the per-update cost constant.
        """
        if self._baseline_at == self.appended:
            return self._baseline
        values = self.rates()[:-1][-window:]
        result: tuple[float, float] | None = None
        if len(values) >= min_points:
            mean = math.fsum(values) / len(values)
            var = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
            result = (mean, math.sqrt(var))
        self._baseline = result
        self._baseline_at = self.appended
        return result
