"""Funding on each venue's real settlement schedule: what a hold collects, and when it breaks even.

Rates are compared per hour, but money arrives at settlements: an 8 h venue pays three times a
day at its own times, an hourly one every hour. Times here are integer milliseconds from `now`
so counting settlements inside a window is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from nexus_tui.core.clock import epoch_ms as epoch_ms  # exact milliseconds: settlements count exactly
from nexus_tui.core.money import ZERO

MS_PER_HOUR = 3_600_000


class Schedule(NamedTuple):
    """Settlements of one perpetual: the first `first_ms` after now, then every `interval_ms`."""

    first_ms: int  # > 0: a settlement exactly now is already gone for a position opened now
    interval_ms: int
    assumed: bool  # True when the venue gave no next settlement time and UTC alignment was assumed

    def count(self, window_ms: int) -> int:
        """Settlements in (now, now + window]."""
        first, interval, _ = self  # unpacked: a NamedTuple's fields read slowly by name (3.11)
        if window_ms < first:
            return 0
        return (window_ms - first) // interval + 1

    @property
    def first_hours(self) -> float:
        return self.first_ms / MS_PER_HOUR


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
    rates = [float(r) for r, _ in flows]
    return break_even_from(
        fixed_cost, float(fixed_cost), flows, rates, carry_per_hour, hours_to_ms(max_hours)
    )


def break_even_from(
    fixed_cost: Decimal,
    fixed_f: float,
    flows: Sequence[Flow],
    rates_f: Sequence[float],
    carry_per_hour: Decimal,
    max_ms: int,
) -> float | None:
    """break_even_hours with the floats the caller already has: `fixed_f` and `rates_f` (each
    flow's per_settlement) within a few ulps of the Decimals, and the cap in milliseconds.

    The floats only bound and screen the settlements; each answer is decided in Decimal, so it is
    the same settlement whatever the floats' last bits."""
    if fixed_cost <= 0:
        return 0.0
    carry_ms = float(carry_per_hour) / MS_PER_HOUR if carry_per_hour else 0.0
    rate_ms = -carry_ms  # average accrual per millisecond
    upper = 0.0  # funding(t) <= rate_ms * t + upper for every t
    lower = 0.0  # funding(t) >= rate_ms * t + lower once every leg has settled once
    last_first = 0
    slack = 0
    legs: list[tuple[float, int, int]] = []
    # Between two settlements that pay, funding only falls (payments, carry): the line is
    # first crossed at a settlement of a leg that receives.
    paying: list[tuple[int, int]] = []
    for (per_settlement, (first, interval, _)), r in zip(flows, rates_f, strict=True):
        rate_ms += r / interval
        phase = -r * first / interval
        if r > 0.0:
            upper += phase + r
            lower += phase
        else:
            upper += phase
            lower += phase + r
        if first > last_first:
            last_first = first
        if interval > slack:
            slack = interval
        legs.append((r, first, interval))
        if per_settlement > 0:
            paying.append((first, interval))
    if not legs:
        slack = MS_PER_HOUR
    fixed = fixed_f
    if rate_ms > 0:
        start = max(0, int((fixed - upper) / rate_ms) - slack)
        end = max(last_first, int((fixed - lower) / rate_ms)) + slack
    elif upper >= fixed:
        start = 0
        end = max_ms if rate_ms == 0 else min(max_ms, int((upper - fixed) / -rate_ms) + slack)
    else:
        return None
    if end > max_ms:
        end = max_ms
    if start > end:
        return None
    near = fixed - 1e-12  # floats find the settlement; Decimal decides it
    for t in _paying_times(paying, start, end):
        collected_f = -carry_ms * t
        for r, first, interval in legs:
            if t >= first:
                collected_f += r * ((t - first) // interval + 1)
        if collected_f >= near:
            collected = scheduled_funding(flows, t)
            if carry_per_hour:
                collected -= carry_per_hour * t / MS_PER_HOUR
            if collected >= fixed_cost:
                return t / MS_PER_HOUR
    return None


def _paying_times(paying: Sequence[tuple[int, int]], start: int, end: int) -> Sequence[int]:
    """The settlement times of `paying` (first, interval) in [start, end], in order."""
    if len(paying) == 1:
        first, step = paying[0]
        k = 0 if start <= first else -((first - start) // step)  # ceil((start - first) / step)
        return range(first + k * step, end + 1, step)
    times: set[int] = set()
    for first, step in paying:
        k = 0 if start <= first else -((first - start) // step)
        times.update(range(first + k * step, end + 1, step))
    return sorted(times)
