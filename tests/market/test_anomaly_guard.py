"""The anomaly guard: absurd funding never enters the book; sudden jumps are flagged, not dropped."""

from __future__ import annotations

import dataclasses
import logging
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.funding_book import FundingBook

from .helpers import T0, rate

LIMIT = Decimal("0.03")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> FundingBook:
    return FundingBook(clock)


def test_hyperliquid_unit_bug_cannot_reach_the_book(
    book: FundingBook, caplog: pytest.LogCaptureFixture
) -> None:
    # Another bot showed a Hyperliquid rate as 1.79e+11 %: the guard rejects it with its reason.
    sub = book.subscribe()
    with caplog.at_level(logging.WARNING):
        report = book.ingest(
            [rate("1.79E+9", venue="hyperliquid", interval=1), rate("0.0000125", venue="bybit")]
        )
    assert (report.accepted, report.rejected) == (1, 1)
    assert report.rejections[0].venue == "hyperliquid"
    assert report.rejections[0].reason.startswith("rate out of range")
    assert book.quote("hyperliquid", "BTC/USDT:USDT") is None
    assert book.stats.rejected_by_kind == {"rate out of range": 1}
    assert "hyperliquid: rejected 1 funding row" in caplog.text
    kinds = {e.kind for e in sub.drain()}
    assert kinds == {"funding.rejected", "funding.updated"}
    assert book.recent_rejections[-1][1].venue == "hyperliquid"


@pytest.mark.parametrize("value", ["0.03", "-0.03", "0.0299999"])
def test_rate_at_the_limit_is_accepted(book: FundingBook, value: str) -> None:
    assert book.ingest([rate(value)]).accepted == 1


@pytest.mark.parametrize("value", ["0.0300001", "-0.031", "1", "NaN", "Infinity", "-Infinity", "sNaN"])
def test_rate_beyond_the_limit_or_not_a_number_is_rejected(book: FundingBook, value: str) -> None:
    report = book.ingest([rate(value)])
    assert (report.accepted, report.rejected) == (0, 1)
    assert book.quotes() == []


def test_limit_is_configurable(clock: ManualClock) -> None:
    book = FundingBook(clock, max_abs_rate=Decimal("0.001"))
    assert book.ingest([rate("0.002")]).rejected == 1


@pytest.mark.parametrize("interval", [0, -8, 25, 1000, True, 8.0, "8", None])
def test_interval_must_be_a_whole_number_of_hours_from_1_to_24(book: FundingBook, interval: object) -> None:
    row = FundingRate("bybit", "BTC/USDT:USDT", Decimal("0.0001"), interval, T0)  # type: ignore[arg-type]
    report = book.ingest([row])
    assert report.rejected == 1
    assert report.rejections[0].reason.startswith("bad interval")


def test_timestamps_in_the_future_or_before_2010_are_rejected(book: FundingBook) -> None:
    report = book.ingest(
        [
            rate("0.0001", symbol="A/USDT:USDT", ts=T0 + timedelta(hours=1)),
            rate("0.0001", symbol="B/USDT:USDT", ts=datetime(1970, 1, 21, tzinfo=UTC)),  # ms read as s
            rate("0.0001", symbol="C/USDT:USDT", ts=T0 + timedelta(seconds=60)),  # small clock skew: fine
        ]
    )
    assert report.accepted == 1
    assert [r.reason.split(":")[0] for r in report.rejections] == [
        "timestamp in the future",
        "timestamp implausibly old",
    ]


def test_repairable_fields_are_cleared_not_fatal(book: FundingBook) -> None:
    row = rate(
        "0.0001",
        ts=T0.replace(tzinfo=None),  # naive: UTC by the project's rule
        mark_price=Decimal("NaN"),
        index_price=Decimal("-5"),
        predicted_rate=Decimal("1.79E+9"),
        next_funding_ts="tomorrow",
    )
    assert book.ingest([row]).accepted == 1
    quote = book.quotes()[0]
    assert quote.observed_at == T0
    assert (quote.mark_price, quote.index_price, quote.predicted_rate, quote.next_funding_ts) == (None,) * 4


def test_rates_given_as_text_or_float_are_read_exactly(book: FundingBook) -> None:
    rows = [
        FundingRate("bybit", "A/USDT:USDT", "0.0001", 8, T0),  # type: ignore[arg-type]
        FundingRate("bybit", "B/USDT:USDT", 0.0001, 8, T0),  # type: ignore[arg-type]
        FundingRate("bybit", "C/USDT:USDT", "1e400", 8, T0),  # type: ignore[arg-type]
    ]
    report = book.ingest(rows)
    assert report.accepted == 2
    assert {q.rate for q in book.quotes()} == {Decimal("0.0001")}


def test_things_that_are_not_funding_rows_are_rejected(book: FundingBook) -> None:
    garbage: list[object] = [None, "BTC 0.01", {"rate": "0.0001"}, 42, FundingRate("", "", Decimal(0), 8, T0)]
    report = book.ingest(garbage)  # type: ignore[arg-type]
    assert (report.accepted, report.rejected) == (0, 5)
    assert all(r.reason.startswith("malformed row") for r in report.rejections)


# -- jumps --------------------------------------------------------------------------------


def _steady_day(book: FundingBook, clock: ManualClock, hours: int = 24) -> None:
    for h in range(hours):
        clock.set(T0 + timedelta(hours=h))
        wobble = Decimal(h % 3 - 1) / Decimal(1_000_000)  # +-0.0001 % around 0.01 %
        book.ingest([rate(str(Decimal("0.0001") + wobble), ts=clock.now())])


def test_sudden_jump_is_flagged_but_kept(book: FundingBook, clock: ManualClock) -> None:
    _steady_day(book, clock)
    sub = book.subscribe()
    clock.set(T0 + timedelta(hours=24, minutes=5))
    report = book.ingest([rate("0.0025", ts=clock.now())])
    assert (report.accepted, report.jumps, report.flagged) == (1, 1, 1)
    quote = book.quotes()[0]
    assert quote.rate == Decimal("0.0025")
    assert "jump" in quote.flags
    assert "funding.jump" in {e.kind for e in sub.drain()}
    assert book.stats.jump_episodes == 1

    clock.set(T0 + timedelta(hours=24, minutes=10))
    book.ingest([rate("0.0001", ts=clock.now())])
    assert "jump" not in book.quotes()[0].flags


def test_a_jump_repeated_within_the_hour_stays_flagged_and_is_announced_once(
    book: FundingBook, clock: ManualClock
) -> None:
    _steady_day(book, clock)
    sub = book.subscribe()
    for minute in (5, 6, 7):
        clock.set(T0 + timedelta(hours=24, minutes=minute))
        report = book.ingest([rate("0.0025", ts=clock.now())])
        assert (report.accepted, report.jumps) == (1, 1)
        assert "jump" in book.quotes()[0].flags
    assert [e.kind for e in sub.drain()].count("funding.jump") == 1
    assert book.stats.jump_episodes == 1


def test_rows_carrying_a_venue_caveat_pass_the_guard_unchanged(book: FundingBook) -> None:
    row = rate("0.0001", flags=("interval_assumed",))
    report = book.ingest([row])
    assert report.accepted == 1
    quote = book.quotes()[0]
    assert "interval_assumed" in quote.flags
    assert quote.as_funding_rate() == row


def test_ordinary_moves_are_not_jumps(book: FundingBook, clock: ManualClock) -> None:
    _steady_day(book, clock)
    clock.set(T0 + timedelta(hours=24, minutes=5))
    report = book.ingest([rate("0.00025", ts=clock.now())])  # 0.015 % move: within the floor
    assert report.jumps == 0


def test_no_jump_judgement_without_enough_history(book: FundingBook, clock: ManualClock) -> None:
    _steady_day(book, clock, hours=3)
    clock.set(T0 + timedelta(hours=3, minutes=5))
    assert book.ingest([rate("0.02", ts=clock.now())]).jumps == 0


# -- property: whatever comes in, ingest never raises and nothing absurd is shown -----------

_numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=Decimal("-0.05"), max_value=Decimal("0.05"), places=8),
    st.builds(lambda e: Decimal(f"1.79E+{e}"), st.integers(0, 400)),
    st.builds(lambda e: Decimal(f"-3E-{e}"), st.integers(0, 30)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e+11", "", " ", "0.0001"]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.none(),
    st.booleans(),
)
_times = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),
    st.none(),
    st.text(max_size=5),
)
_garbage = st.one_of(_numbers, _times, st.lists(st.integers(), max_size=2))
_valid_rows = st.builds(
    FundingRate,
    venue=st.sampled_from(["hyperliquid", "bybit", "sim:okx"]),
    symbol=st.sampled_from(["BTC/USDT:USDT", "ETH/USDC:USDC"]),
    rate=st.one_of(
        st.decimals(min_value=Decimal("-0.05"), max_value=Decimal("0.05"), places=6),
        st.builds(lambda e: Decimal(f"1.79E{e:+d}"), st.integers(-12, 40)),
    ),
    interval_hours=st.sampled_from([1, 4, 8]),
    ts=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)),
    mark_price=st.one_of(
        st.none(), st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**6), places=4)
    ),
    predicted_rate=st.one_of(
        st.none(), st.decimals(min_value=Decimal("-0.05"), max_value=Decimal("0.05"), places=6)
    ),
    source=st.sampled_from(list(FundingSource)),
)
_FIELDS = [field.name for field in dataclasses.fields(FundingRate)]


@st.composite
def _funding_ish(draw: st.DrawFn) -> object:
    """A plausible row with a few fields (sometimes none) replaced by garbage, or plain garbage."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(st.none(), st.text(max_size=5), st.integers()))
    row = draw(_valid_rows)
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=3, unique=True)):
        object.__setattr__(row, name, draw(_garbage))
    return row


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_funding_ish(), max_size=25))
def test_ingest_never_raises_and_never_shows_an_absurd_rate(rows: list[object]) -> None:
    clock = ManualClock(T0)
    book = FundingBook(clock)
    report = book.ingest(rows)  # type: ignore[arg-type]
    assert report.accepted + report.rejected + report.ignored == len(rows)
    clock.advance(3600)
    for quote in book.quotes():
        assert isinstance(quote.rate, Decimal) and quote.rate.is_finite()
        assert abs(quote.rate) <= LIMIT
        assert type(quote.interval_hours) is int and 1 <= quote.interval_hours <= 24
        assert quote.predicted_rate is None or abs(quote.predicted_rate) <= LIMIT
        assert quote.mark_price is None or (quote.mark_price.is_finite() and quote.mark_price > 0)
        assert quote.observed_at.tzinfo is not None
        assert all(isinstance(flag, str) for flag in quote.flags)
        assert abs(quote.apr) <= LIMIT * 24 * 365
    for quote in book.quotes():
        for _, value in book.history(quote.venue, quote.symbol):
            assert math.isfinite(value) and abs(value) <= float(LIMIT)
