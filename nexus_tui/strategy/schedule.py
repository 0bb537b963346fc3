"""Funding on each venue's real settlement schedule: what a hold collects, and when it breaks even.

Rates are compared per hour, but money arrives at settlements: an 8 h venue pays three times a
day at its own times, an hourly one every hour. Times here are integer milliseconds from `now`
so counting settlements inside a window is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from nexus_tui.core.money import ZERO

MS_PER_HOUR = 3_600_000
_ONE_MS = timedelta(milliseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Schedule(NamedTuple):
    """Settlements of one perpetual: the first `first_ms` after now, then every `interval_ms`."""

    first_ms: int  # > 0: a settlement exactly now is already gone for a position opened now
    interval_ms: int
    assumed: bool  # True when the venue gave no next settlement time and UTC alignment was assumed

    def count(self, window_ms: int) -> int:
        """Settlements in (now, now + window]."""
        if window_ms < self.first_ms:
            return 0
        return (window_ms - self.first_ms) // self.interval_ms + 1

    @property
    def first_hours(self) -> float:
        return self.first_ms / MS_PER_HOUR


def epoch_ms(ts: datetime) -> int:
    """Exact integer milliseconds since the epoch (no float rounding)."""
    return (ts - _EPOCH) // _ONE_MS


def settlement_schedule(next_funding_ts: datetime | None, interval_hours: int, now: datetime) -> Schedule:
    """The schedule from the venue's next settlement time, rolled forward past `now` if it is due.

    Without a time, settlements are taken to fall on UTC multiples of the interval (00/08/16 h for
    8 h venues), which is how the large venues schedule them; the schedule says it was assumed.
    """
    next_ms = None if next_funding_ts is None else epoch_ms(next_funding_ts)
    return schedule_from_ms(next_ms, interval_hours, epoch_ms(now))


def schedule_from_ms(next_ms: int | None, interval_hours: int, now_ms: int) -> Schedule:
    interval_ms = (interval_hours if interval_hours > 1 else 1) * MS_PER_HOUR
    if next_ms is None:
        return Schedule(interval_ms - now_ms % interval_ms, interval_ms, True)
    first = next_ms - now_ms
    if first <= 0:
        first += (-first // interval_ms + 1) * interval_ms
    return Schedule(first, interval_ms, False)


def hours_to_ms(hours: Decimal | float) -> int:
    exact = hours if isinstance(hours, Decimal) else Decimal(str(hours))
    return int(exact * MS_PER_HOUR)


class Flow(NamedTuple):
    """One leg's funding: `per_settlement` is what the position receives each time (negative: pays)."""

    per_settlement: Decimal  # fraction of notional
    schedule: Schedule


def scheduled_funding(flows: Sequence[Flow], window_ms: int) -> Decimal:
    """Funding received over (now, now + window], as a fraction of notional, settlement by settlement."""
    total = ZERO
    for per_settlement, schedule in flows:
        n = schedule.count(window_ms)
        if n:
            total += per_settlement * n
    return total


def break_even_hours(
    fixed_cost: Decimal,
    flows: Sequence[Flow],
    carry_per_hour: Decimal = ZERO,
    max_hours: Decimal | float = 720,
) -> float | None:
    """Hours until the first settlement after which the funding collected covers the costs.

    `fixed_cost` is the round trip (fees, spread, slippage) as a fraction of notional and
    `carry_per_hour` a cost that accrues with time (a borrow). Returns None when funding does not
    cover the costs within `max_hours`.

    Only settlement instants can cross the line, and funding collected by time t stays within a
    bounded distance of its average rate times t, so only the settlements between two bounds
    are examined; the answer is the same as walking every settlement from now.
    """
    if fixed_cost <= 0:
        return 0.0
    max_ms = hours_to_ms(max_hours)
    carry_ms = float(carry_per_hour) / MS_PER_HOUR
    rate_ms = -carry_ms  # average accrual per millisecond
    upper = 0.0  # funding(t) <= rate_ms * t + upper for every t
    lower = 0.0  # funding(t) >= rate_ms * t + lower once every leg has settled once
    last_first = 0
    for per_settlement, schedule in flows:
        r = float(per_settlement)
        rate_ms += r / schedule.interval_ms
        phase = -r * schedule.first_ms / schedule.interval_ms
        upper += phase + max(r, 0.0)
        lower += phase + min(r, 0.0)
        last_first = max(last_first, schedule.first_ms)
    fixed = float(fixed_cost)
    slack = max((s.interval_ms for _, s in flows), default=MS_PER_HOUR)
    if rate_ms > 0:
        start = max(0, int((fixed - upper) / rate_ms) - slack)
        end = max(last_first, int((fixed - lower) / rate_ms)) + slack
    elif upper >= fixed:
        start = 0
        end = max_ms if rate_ms == 0 else min(max_ms, int((upper - fixed) / -rate_ms) + slack)
    else:
        return None
    end = min(end, max_ms)
    if start > end:
        return None
    floats = [(float(r), s) for r, s in flows]
    near = fixed - 1e-12  # floats find the settlement; Decimal decides it
    # Between two settlements that pay, funding only falls (payments, carry): the line is
    # first crossed at a settlement of a leg that receives.
    paying = [f for f in flows if f.per_settlement > 0]
    for t in _settlement_times(paying, start, end):
        collected_f = -carry_ms * t
        for r, schedule in floats:
            collected_f += r * schedule.count(t)
        if collected_f >= near:
            collected = scheduled_funding(flows, t) - carry_per_hour * t / MS_PER_HOUR
            if collected >= fixed_cost:
                return t / MS_PER_HOUR
    return None


def _settlement_times(flows: Sequence[Flow], start: int, end: int) -> list[int]:
    times: set[int] = set()
    for _, schedule in flows:
        first, step = schedule.first_ms, schedule.interval_ms
        k = 0 if start <= first else -((first - start) // step)  # ceil((start - first) / step)
        t = first + k * step
        while t <= end:
            times.add(t)
            t += step
    return sorted(times)
