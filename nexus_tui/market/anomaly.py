"""The anomaly guard: what may enter the funding book, and what looks like a sudden jump.

A funding rate is a small number per interval (0.0001 = 0.01 %). A unit mistake (a percent read as
a fraction, a Hyperliquid rate multiplied into 1.79e+11 %) or a garbled row must never reach a
screen or a trading decision, so rows are screened before the book keeps them:

* rejected: not a funding row, a rate that is not a finite number, |rate| above the limit per
  interval (3 % by default), an interval that is not a whole number of hours in 1..24, a timestamp
  that is not a time, lies in the future, or predates perpetual funding (a seconds/ms mix-up);
* repaired: an optional field that is nonsense (a NaN mark price, an absurd predicted rate) is
  cleared rather than costing the whole row;
* flagged, not dropped: a rate far from its own recent history (z-score over a window of hourly
  points) is kept and marked "jump" — real markets do spike, and a person should see it.

`screen` never raises: whatever comes in, the answer is a clean row or a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.core.money import D

# Perpetual funding started in 2016; an epoch earlier than 2010 means seconds were read as ms
# (or the reverse), so the row cannot be trusted.
EARLIEST_PLAUSIBLE_S = datetime(2010, 1, 1, tzinfo=UTC).timestamp()
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class GuardLimits:
    max_abs_rate: Decimal = Decimal("0.03")  # per funding interval
    min_interval_hours: int = 1
    max_interval_hours: int = 24
    max_future_s: float = 300.0  # venue clocks run a little ahead; minutes ahead is a bad row
    jump_z: float = 6.0
    jump_window: int = 24  # hourly points
    jump_min_points: int = 6
    # Smallest spread assumed for a series: a rate that sat still for a day must move more than
    # jump_z * jump_floor (per interval) before it counts as a jump, not any tick at all.
    jump_floor: float = 0.00005


def reason_kind(reason: str) -> str:
    """The stable category of a rejection reason ("rate out of range", ...), for counters."""
    return reason.partition(":")[0]


def screen(row: Any, limits: GuardLimits, now_s: float) -> tuple[FundingRate, float] | str:
    """(the row, possibly repaired, and its epoch seconds) or the reason it is rejected."""
    try:
        ts_s = clean_row_checker(limits, now_s)(row)
        if ts_s is not None:
            return row, ts_s
        return _screen(row, limits, now_s)
    except Exception as exc:  # a garbage object must cost a row, never the refresh
        return f"malformed row: {type(exc).__name__}"


def clean_row_checker(limits: GuardLimits, now_s: float) -> Callable[[Any], float | None]:
    """The guard's fast path for one batch: a row every check passes unchanged -> its epoch
    seconds; None -> `screen` must look at it (to repair it or say why it is rejected).

    A well-typed, in-range row is what every venue sends thousands of times a minute, so this
    is one expression over locals bound once per batch, not per row; anything else takes the
    careful path, which says why. A garbage object may make the check raise: hand it to
    `screen` then, which never does.
    """
    max_rate = limits.max_abs_rate
    min_rate = -max_rate
    min_hours, max_hours = limits.min_interval_hours, limits.max_interval_hours
    earliest_s, latest_s = EARLIEST_PLAUSIBLE_S, now_s + limits.max_future_s
    zero = _ZERO
    # A venue stamps a whole answer with one time (or we stamp it with the time we observed
    # it), and the rows share that datetime object: convert it once, not once a row.
    last_ts: datetime | None = None
    last_ts_s = 0.0

    def check(row: Any) -> float | None:
        nonlocal last_ts, last_ts_s
        if type(row) is FundingRate:
            rate, interval, ts = row.rate, row.interval_hours, row.ts
            mark, index, predicted, next_ts = (
                row.mark_price,
                row.index_price,
                row.predicted_rate,
                row.next_funding_ts,
            )
            if (
                type(rate) is Decimal
                and rate.is_finite()
                and min_rate <= rate <= max_rate
                and type(interval) is int
                and min_hours <= interval <= max_hours
                and type(ts) is datetime
                and ts.tzinfo is not None
                and type(row.venue) is str
                and row.venue
                and type(row.symbol) is str
                and row.symbol
                and type(row.source) is FundingSource
                and type(flags := row.flags) is tuple
                and (not flags or all(type(flag) is str for flag in flags))
                and (mark is None or (type(mark) is Decimal and mark.is_finite() and mark > zero))
                and (index is None or (type(index) is Decimal and index.is_finite() and index > zero))
                and (
                    predicted is None
                    or (
                        type(predicted) is Decimal
                        and predicted.is_finite()
                        and min_rate <= predicted <= max_rate
                    )
                )
                and (next_ts is None or (type(next_ts) is datetime and next_ts.tzinfo is not None))
            ):
                if ts is last_ts:
                    ts_s = last_ts_s
                else:
                    ts_s = ts.timestamp()
                    last_ts, last_ts_s = ts, ts_s
                if earliest_s <= ts_s <= latest_s:
                    return ts_s
        return None

    return check


def _screen(row: Any, limits: GuardLimits, now_s: float) -> tuple[FundingRate, float] | str:
    if not isinstance(row, FundingRate):
        return f"malformed row: not a funding rate ({type(row).__name__})"
    venue, symbol, rate, interval, ts = row.venue, row.symbol, row.rate, row.interval_hours, row.ts
    if type(venue) is not str or not venue or type(symbol) is not str or not symbol:
        return "malformed row: missing venue or symbol"
    repairs: dict[str, object] = {}

    if type(rate) is not Decimal:
        try:
            rate = D(rate)
        except ValueError:
            return f"rate not a number: {_short(row.rate)}"
        repairs["rate"] = rate
    if not rate.is_finite():
        return f"rate not a number: {_short(rate)}"
    if abs(rate) > limits.max_abs_rate:
        return f"rate out of range: {_short(rate)} per interval is beyond ±{limits.max_abs_rate}"

    if type(interval) is not int or not limits.min_interval_hours <= interval <= limits.max_interval_hours:
        return (
            f"bad interval: {_short(interval)} hours "
            f"(expected a whole number {limits.min_interval_hours}..{limits.max_interval_hours})"
        )

    if type(ts) is not datetime:
        return f"bad timestamp: {_short(ts)}"
    if ts.tzinfo is None:  # naive times are UTC by the project's rule (core.clock.utc)
        ts = ts.replace(tzinfo=UTC)
        repairs["ts"] = ts
    ts_s = ts.timestamp()
    if ts_s > now_s + limits.max_future_s:
        return f"timestamp in the future: {ts.isoformat()}"
    if ts_s < EARLIEST_PLAUSIBLE_S:
        return f"timestamp implausibly old: {ts.isoformat()} (seconds read as milliseconds?)"

    mark, index, predicted, next_ts = row.mark_price, row.index_price, row.predicted_rate, row.next_funding_ts
    if mark is not None and not _is_price(mark):
        repairs["mark_price"] = None
    if index is not None and not _is_price(index):
        repairs["index_price"] = None
    if predicted is not None and not _is_rate(predicted, limits.max_abs_rate):
        repairs["predicted_rate"] = None
    if next_ts is not None and (type(next_ts) is not datetime or next_ts.tzinfo is None):
        repairs["next_funding_ts"] = None
    caveats = row.flags
    if type(caveats) is not tuple or not all(type(flag) is str for flag in caveats):
        repairs["flags"] = tuple(f for f in caveats if type(f) is str) if _is_iterable(caveats) else ()
    if type(row.source) is not FundingSource:
        try:
            repairs["source"] = FundingSource(row.source)
        except ValueError:
            return f"malformed row: unknown source {_short(row.source)}"

    if repairs:
        row = dataclasses.replace(row, **repairs)  # type: ignore[arg-type]
    return row, ts_s


def jump_band(baseline: tuple[float, float] | None, limits: GuardLimits) -> tuple[float, float] | None:
    """(centre, half-width) of the normal range for a series' next value, from its recent
    (mean, standard deviation); None while there is too little history to judge."""
    if baseline is None:
        return None
    mean, std = baseline
    return mean, limits.jump_z * max(std, limits.jump_floor)


def is_jump(value: float, band: tuple[float, float] | None) -> bool:
    """True when `value` falls outside the series' normal range."""
    return band is not None and abs(value - band[0]) > band[1]


def _is_price(value: object) -> bool:
    return type(value) is Decimal and value.is_finite() and value > 0


def _is_rate(value: object, max_abs: Decimal) -> bool:
    return type(value) is Decimal and value.is_finite() and abs(value) <= max_abs


def _is_iterable(value: object) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
