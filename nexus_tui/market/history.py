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

    __slots__ = ("_capacity", "_head", "_newest", "_rates", "_ts", "appended")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("history capacity must be at least 1")
        self._capacity = capacity
        self._ts = array("q")
        self._rates = array("d")
        self._head = 0  # index of the oldest point once the ring is full
        self._newest = -1  # index of the newest point
        self.appended = 0  # points ever appended (not counting in-bucket replacements)

    def __len__(self) -> int:
        return len(self._ts)

    def record(self, bucket_start_s: int, rate: float) -> bool:
        """Add a point for the bucket starting at `bucket_start_s`, or replace that bucket's value.

        Returns True when a new point was appended. A point for a bucket older than the newest
        one is ignored: history only moves forward.
        """
        stamps = self._ts
        newest = self._newest
        if newest >= 0:
            last = stamps[newest]
            if bucket_start_s == last:
                self._rates[newest] = rate
                return False
            if bucket_start_s < last:
                return False
        if len(stamps) < self._capacity:
            stamps.append(bucket_start_s)
            self._rates.append(rate)
            self._newest = len(stamps) - 1
        else:
            head = self._head
            stamps[head] = bucket_start_s
            self._rates[head] = rate
            self._newest = head
            self._head = (head + 1) % self._capacity
        self.appended += 1
        return True

    def merge(self, points: list[tuple[int, float]]) -> int:
        """Add settled points (bucket-aligned epoch seconds, rate), older ones included, which
        `record` refuses (history there only moves forward). A bucket already held takes the
        settled value, as `record` would: what a venue settled is what that hour paid. Once over
        capacity the oldest points go. Returns how many points were added (not replaced).
        Rebuilds the ring: for a backfill, not a feed."""
        if not points:
            return 0
        held = {self._ts[i]: self._rates[i] for i in self._ordered_indices()}
        added = sum(1 for ts in {ts for ts, _ in points} if ts not in held)
        held.update(points)
        merged = sorted(held.items())[-self._capacity :]
        self._ts = array("q", [ts for ts, _ in merged])
        self._rates = array("d", [rate for _, rate in merged])
        self._head = 0
        self._newest = len(merged) - 1
        self.appended += added
        return added

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
        """(mean, sample standard deviation) of up to `window` points before the newest one, or
        None with fewer than `min_points` of them.

        The newest point is the bucket still being filled (the value under test), so it is left
        out. It changes only when a point is appended: callers cache it against `appended`.
        """
        count = min(window, len(self._ts) - 1)
        if count < max(2, min_points):
            return None
        rates, newest = self._rates, self._newest
        start = newest - count
        # Slices of the flat array, not a rebuilt list: this runs for every pair once an hour.
        values = rates[start:newest] if start >= 0 else rates[start:] + rates[:newest]
        mean = math.fsum(values) / count
        var = math.fsum([(v - mean) * (v - mean) for v in values]) / (count - 1)
        return mean, math.sqrt(var)
