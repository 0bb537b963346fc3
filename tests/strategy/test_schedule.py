"""Settlement schedules: counting settlements, scheduled funding, break-even, against hand-worked cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.strategy.schedule import (
    MS_PER_HOUR,
    Flow,
    Schedule,
    break_even_hours,
    scheduled_funding,
    settlement_schedule,
)

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
H = MS_PER_HOUR


def test_schedule_from_the_venues_next_settlement() -> None:
    s = settlement_schedule(NOW + timedelta(hours=3), 8, NOW)
    assert s == Schedule(3 * H, 8 * H, False)
    # settlements at +3, +11, +19 h inside 24 h; +27 h is outside
    assert s.count(24 * H) == 3
    assert s.count(3 * H - 1) == 0
    assert s.count(3 * H) == 1  # a settlement exactly at the end of the window counts


def test_a_due_settlement_is_rolled_forward() -> None:
    # the venue still reports the settlement that happened 30 min ago
    s = settlement_schedule(NOW - timedelta(minutes=30), 8, NOW)
    assert s.first_ms == 7 * H + 30 * 60_000
    # a settlement exactly now is gone for a position opened now
    assert settlement_schedule(NOW, 1, NOW).first_ms == H


def test_without_a_time_the_utc_grid_is_assumed() -> None:
    s = settlement_schedule(None, 8, NOW)  # 05:00 -> next 08:00
    assert s == Schedule(3 * H, 8 * H, True)
    assert settlement_schedule(None, 4, NOW).first_ms == 3 * H  # 05:00 -> 08:00
    assert settlement_schedule(None, 1, NOW + timedelta(minutes=20)).first_ms == 40 * 60_000


def test_mixed_intervals_scheduled_funding_hand_worked() -> None:
    """Short an 8 h venue at 0.08 % per 8 h (next in 3 h), long an hourly venue at 0.005 % per hour.

    Per hour: 0.01 % against 0.005 %, so the short earns 0.005 %/h net on average. Over 24 h the
    8 h venue settles 3 times (+3, +11, +19 h): 3 x 0.08 % = 0.24 %; the hourly venue 24 times:
    24 x 0.005 % = 0.12 % paid. Net 0.12 % of notional, not 24 x the hourly average by luck.
    """
    flows = [
        Flow(Decimal("0.0008"), Schedule(3 * H, 8 * H, False)),
        Flow(Decimal("-0.00005"), Schedule(1 * H, 1 * H, False)),
    ]
    assert scheduled_funding(flows, 24 * H) == Decimal("0.0012")
    # over the first 2 h the hourly leg has paid twice and the 8 h leg not yet settled
    assert scheduled_funding(flows, 2 * H) == Decimal("-0.0001")
    # just after the first 8 h settlement: +0.08 % - 3 x 0.005 %
    assert scheduled_funding(flows, 3 * H) == Decimal("0.00065")


def test_break_even_waits_for_the_settlement_that_pays() -> None:
    flows = [
        Flow(Decimal("0.0008"), Schedule(3 * H, 8 * H, False)),
        Flow(Decimal("-0.00005"), Schedule(1 * H, 1 * H, False)),
    ]
    # costs 0.1 %: at +3 h funding is 0.065 %; at +11 h it is 0.16 % - 0.055 % = 0.105 %
    assert break_even_hours(Decimal("0.001"), flows) == 11.0
    # costs 0.06 %: the first 8 h settlement already covers it
    assert break_even_hours(Decimal("0.0006"), flows) == 3.0
    # no costs: immediately
    assert break_even_hours(Decimal(0), flows) == 0.0


def test_break_even_never_when_funding_does_not_cover_the_costs() -> None:
    flows = [Flow(Decimal("-0.0001"), Schedule(H, 8 * H, False))]
    assert break_even_hours(Decimal("0.001"), flows) is None
    # a carry (borrow) larger than the funding: never
    flows = [Flow(Decimal("0.0001"), Schedule(H, 8 * H, False))]
    assert break_even_hours(Decimal("0.0001"), flows, carry_per_hour=Decimal("0.0001")) is None
    # within the cap only
    assert break_even_hours(Decimal("0.001"), flows, max_hours=24) is None
    assert break_even_hours(Decimal("0.001"), flows, max_hours=80) == 73.0


def _walk_every_settlement(fixed: Decimal, flows: list[Flow], carry: Decimal, max_ms: int) -> float | None:
    times = sorted(
        {s.first_ms + k * s.interval_ms for _, s in flows for k in range(max_ms // s.interval_ms + 2)}
    )
    for t in times:
        if t > max_ms:
            break
        if scheduled_funding(flows, t) - carry * t / MS_PER_HOUR >= fixed:
            return t / MS_PER_HOUR
    return None


flow_strategy = st.builds(
    lambda rate, interval, first: Flow(Decimal(rate) / Decimal(10**6), Schedule(first, interval * H, False)),
    st.integers(-3000, 3000),
    st.sampled_from([1, 4, 8]),
    st.integers(1, 8 * H).map(lambda x: x),
).filter(lambda f: f.schedule.first_ms <= f.schedule.interval_ms)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(flow_strategy, min_size=1, max_size=3),
    st.integers(0, 5000),
    st.integers(0, 50),
)
def test_break_even_matches_walking_every_settlement(
    flows: list[Flow], fixed_ppm: int, carry_ppm: int
) -> None:
    fixed = Decimal(fixed_ppm) / Decimal(10**6)
    carry = Decimal(carry_ppm) / Decimal(10**8)
    got = break_even_hours(fixed, flows, carry, max_hours=200)
    want = _walk_every_settlement(fixed, flows, carry, 200 * H) if fixed > 0 else 0.0
    assert got == want
