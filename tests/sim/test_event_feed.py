"""The simulated market's events reach the engine's bus: one line per venue per settlement, a
rehearsed fault's start and end with the venue named, and bursts summed up, never a flood.

The engine tests run the desk as bootstrap builds it, on a SteppedClock: time moves only when a
test moves it, and a test waits for the feed's pass at that time, never for real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock, SteppedClock
from nexus_tui.core.errors import BadInput
from nexus_tui.core.events import Event, EventBus
from nexus_tui.core.models import OrderRequest, OrderType, Side
from nexus_tui.engine import Engine
from nexus_tui.venues.sim import FAULTS, SimMarket, build_sim_market
from nexus_tui.venues.sim.event_feed import (
    FAULT_ENDED,
    FAULT_STARTED,
    LIQUIDATION,
    MAX_EVENTS_PER_PASS,
    OVERFLOW,
    SETTLEMENT,
    SimEventFeed,
)
from nexus_tui.venues.sim.events import SimEvent
from nexus_tui.venues.sim.rehearsal import FAULT_CHOICES, FaultRehearsal

BEFORE_EIGHT = datetime(2026, 3, 14, 7, 59, 30, tzinfo=UTC)
EIGHT = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
SYMBOLS = 30
SIM_KINDS = (FAULT_STARTED, FAULT_ENDED, SETTLEMENT, LIQUIDATION, OVERFLOW, "sim.shock")


class Recorder:
    """Every event the bus publishes, coalesced or not (a subscriber's queue would merge them)."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(accept=self._record)

    def _record(self, event: Event) -> bool:
        self.events.append(event)
        return False  # nothing queues: the list is the record

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def sim(self) -> list[Event]:
        return [e for e in self.events if e.kind in SIM_KINDS]


def settling_at(market: SimMarket, hour: int) -> dict[str, int]:
    """venue -> how many of its perps settle at `hour` UTC."""
    counts: dict[str, int] = {}
    for spec in market.funding.series:
        profile = market.profiles[spec.venue_index]
        if profile.settles_at_hour(hour, spec.interval_hours):
            counts[profile.venue_id] = counts.get(profile.venue_id, 0) + 1
    return counts


@pytest.fixture
def stepped() -> SteppedClock:
    return SteppedClock(BEFORE_EIGHT)


@pytest.fixture
def market(stepped: SteppedClock) -> SimMarket:
    return build_sim_market(seed=7, clock=stepped, n_symbols=SYMBOLS, latency_scale=0)


@pytest.fixture
async def desk(stepped: SteppedClock, market: SimMarket) -> AsyncIterator[Engine]:
    engine = build_engine(None, clock=stepped, venues=list(market.venues()))
    await engine.start()
    yield engine
    await engine.stop()


def feed_of(engine: Engine) -> SimEventFeed:
    assert engine.fault_rehearsal is not None, "bootstrap wires the simulator's events"
    return engine.fault_rehearsal.feed


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the engine's tasks run until `condition` holds; a bounded number of turns, no timing."""
    for _ in range(5000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


def passed(feed: SimEventFeed, now: datetime) -> Callable[[], bool]:
    return lambda: feed.last_pass == now


async def move_to(engine: Engine, clock: SteppedClock, ts: datetime, step_s: float = 10.0) -> None:
    """Simulated time moves to `ts` a step at a time; after each step the feed has drained it."""
    feed = feed_of(engine)
    while clock.now() < ts:
        clock.advance(min(step_s, (ts - clock.now()).total_seconds()))
        await until(passed(feed, clock.now()), f"the feed's pass at {clock.now()}")


async def test_a_settlement_is_one_event_per_venue(
    desk: Engine, stepped: SteppedClock, market: SimMarket
) -> None:
    seen = Recorder(desk.bus)
    await move_to(desk, stepped, EIGHT + timedelta(minutes=5))
    expected = settling_at(market, 8)
    assert "sim:kucoin" not in expected and len(expected) == 7  # KuCoin settles at 04/12/20
    settlements = seen.of(SETTLEMENT)
    assert sorted(e.data["venue"] for e in settlements) == sorted(expected), "one per venue, no repeats"
    for event in settlements:
        venue = event.data["venue"]
        assert event.ts == EIGHT
        assert event.message == f"{venue} settled funding on {expected[venue]} perps"
        assert event.coalesce_key == f"{SETTLEMENT}:{venue}"
        assert event.data["severity"] == "info"


async def test_an_injected_outage_starts_and_ends_with_the_venue_named(
    desk: Engine, stepped: SteppedClock, market: SimMarket
) -> None:
    seen = Recorder(desk.bus)
    start = stepped.now()
    desk.inject_fault("okx", "disconnect", for_seconds=120)
    [started] = seen.of(FAULT_STARTED)  # at once, not at the feed's next pass
    assert started.message == ("sim:okx outage started (fault rehearsal): orders and data refused for 2 min")
    assert started.ts == start and started.data["venue"] == "sim:okx"
    assert started.data["severity"] == "warning" and started.data["fault"] == "disconnect"
    assert market.faults("sim:okx") == ["disconnect"]

    await move_to(desk, stepped, start + timedelta(seconds=110))
    assert seen.of(FAULT_ENDED) == []
    await move_to(desk, stepped, start + timedelta(seconds=150))
    [ended] = seen.of(FAULT_ENDED)
    assert ended.message == "sim:okx outage over (ran out after 2 min): orders and data flow again"
    assert ended.ts == start + timedelta(seconds=120), "stamped when it ended, not when noticed"
    assert ended.data["venue"] == "sim:okx"
    assert market.faults("sim:okx") == []
    assert len(seen.of(FAULT_STARTED)) == 1


async def test_a_fault_ends_on_the_feeds_first_pass_after_it_ran_out(
    desk: Engine, stepped: SteppedClock
) -> None:
    """The market steps every 10 s; the end must not wait for its next step."""
    seen = Recorder(desk.bus)
    await move_to(desk, stepped, BEFORE_EIGHT + timedelta(seconds=3), step_s=1)
    start = stepped.now()
    desk.inject_fault("dydx", "timeout", for_seconds=4)
    await move_to(desk, stepped, start + timedelta(seconds=3), step_s=1)
    assert seen.of(FAULT_ENDED) == []
    await move_to(desk, stepped, start + timedelta(seconds=4), step_s=1)
    [ended] = seen.of(FAULT_ENDED)
    assert ended.ts == start + timedelta(seconds=4)
    assert ended.message == "sim:dydx latency spike over (ran out after 4 s): calls answer on time again"


async def test_clearing_ends_the_faults_that_are_on_and_only_those(
    desk: Engine, stepped: SteppedClock
) -> None:
    seen = Recorder(desk.bus)
    desk.inject_fault("sim:binance", "stale", for_seconds=600)
    desk.inject_fault("sim:bybit", "reject")
    await move_to(desk, stepped, stepped.now() + timedelta(seconds=30))
    assert desk.clear_faults("binance") == 1
    [ended] = seen.of(FAULT_ENDED)
    assert ended.message == "sim:binance stale data over (cleared after 30 s): market data moves again"
    assert desk.clear_faults("binance") == 0, "nothing left on binance"
    assert desk.clear_faults() == 1, "bybit's rejections"
    assert [e.data["venue"] for e in seen.of(FAULT_ENDED)] == ["sim:binance", "sim:bybit"]
    assert desk.clear_faults() == 0
    assert len(seen.of(FAULT_ENDED)) == 2, "clearing nothing says nothing"


async def test_every_fault_can_be_rehearsed_and_says_what_it_does(desk: Engine) -> None:
    seen = Recorder(desk.bus)
    assert {c.fault for c in FAULT_CHOICES} == set(FAULTS)
    for choice in FAULT_CHOICES:
        desk.inject_fault("gate", choice.fault, for_seconds=60)
    messages = [e.message for e in seen.of(FAULT_STARTED)]
    assert messages == [
        "sim:gate outage started (fault rehearsal): orders and data refused for 60 s",
        "sim:gate latency spike started (fault rehearsal): every call hangs 10 s, then times out for 60 s",
        "sim:gate stale data started (fault rehearsal): rates, marks and books frozen, orders still trade "
        "for 60 s",
        "sim:gate order rejections started (fault rehearsal): new orders refused for 60 s",
        "sim:gate partial fills started (fault rehearsal): orders fill only 50 % for 60 s",
    ]


async def test_bad_requests_are_one_line_errors(desk: Engine) -> None:
    with pytest.raises(BadInput, match=r"unknown simulated venue 'ftx'.*sim:binance"):
        desk.inject_fault("ftx", "disconnect")
    with pytest.raises(BadInput, match="unknown fault 'meteor'"):
        desk.inject_fault("okx", "meteor")
    with pytest.raises(BadInput, match="for_seconds must be positive"):
        desk.inject_fault("okx", "disconnect", for_seconds=0)
    bare = Engine(mode="paper")
    with pytest.raises(BadInput, match="only be rehearsed on the simulated market"):
        bare.inject_fault("okx", "disconnect")
    with pytest.raises(BadInput, match="only be rehearsed on the simulated market"):
        bare.clear_faults()


# -- the feed alone, on a ManualClock ------------------------------------------------------------


def manual_feed(start: datetime = BEFORE_EIGHT) -> tuple[SimEventFeed, SimMarket, ManualClock, Recorder]:
    clock = ManualClock(start)
    market = build_sim_market(seed=7, clock=clock, n_symbols=SYMBOLS, latency_scale=0)
    bus = EventBus()
    return SimEventFeed(market, clock, bus), market, clock, Recorder(bus)


async def test_our_positions_funding_joins_the_venues_settlement_line() -> None:
    feed, market, clock, seen = manual_feed()
    venue = market.venue("sim:binance")
    for cid, symbol in (("a", "BTC/USDT:USDT"), ("b", "ETH/USDT:USDT")):
        await venue.create_order(
            OrderRequest(cid, venue.id, symbol, Side.SELL, OrderType.MARKET, Decimal("0.1"))
        )
    clock.set(EIGHT + timedelta(seconds=30))
    feed.flush()
    payments = venue.funding_payments()
    assert len(payments) == 2
    net = sum((p.amount for p in payments), Decimal(0))
    [line] = [e for e in seen.of(SETTLEMENT) if e.data["venue"] == "sim:binance"]
    verb = "received" if net >= 0 else "paid"
    perps = settling_at(market, 8)["sim:binance"]
    assert line.message == (
        f"sim:binance settled funding on {perps} perps; your 2 positions {verb} {abs(net):.4f} USDT net"
    )
    assert Decimal(line.data["net"]) == net and line.data["payments"] == 2


def test_a_simulated_day_stays_a_few_lines_an_hour() -> None:
    feed, market, clock, seen = manual_feed(datetime(2026, 3, 14, 0, 0, 30, tzinfo=UTC))
    passes = 0
    for _ in range(24 * 12):  # a pass every 5 simulated minutes
        clock.advance(300)
        feed.flush()
        passes += 1
    expected = sum(len(settling_at(market, hour)) for hour in range(24))
    assert len(seen.of(SETTLEMENT)) == expected, "one line per venue per settlement, whatever the perps"
    assert expected <= 24 * len(market.profiles)
    assert len(seen.sim()) == len(seen.events) == expected, "a quiet market says nothing else"


def test_a_catch_up_pass_sums_several_settlements_per_venue() -> None:
    feed, market, clock, seen = manual_feed(datetime(2026, 3, 14, 0, 0, 30, tzinfo=UTC))
    clock.advance(6 * 3600)  # a laptop woke up: six hours in one pass
    feed.flush()
    lines = {e.data["venue"]: e for e in seen.of(SETTLEMENT)}
    settled = set().union(*(settling_at(market, hour) for hour in range(1, 7)))
    assert len(lines) == len(seen.of(SETTLEMENT)) == len(settled) >= 5, "still one line per venue"
    hyperliquid = lines["sim:hyperliquid"]
    assert hyperliquid.data["settlements"] == 6
    assert "(6 settlements, last 06:00 UTC)" in hyperliquid.message


def _sim(kind: str, venue: str, n: int, **data: object) -> SimEvent:
    return SimEvent(kind, BEFORE_EIGHT + timedelta(seconds=n), venue, f"{venue} {kind} {n}", dict(data))


def test_a_wave_of_liquidations_is_one_line_per_venue_with_the_total_loss() -> None:
    feed, *_ = manual_feed()
    wave = [
        _sim("sim.liquidation", "sim:binance", n, symbol=f"C{n}/USDT:USDT", loss="10.25", currency="USDT")
        for n in range(30)
    ]
    one = _sim("sim.liquidation", "sim:okx", 31, symbol="BTC/USDT:USDT", loss="5", currency="USDT")
    events = feed.translate([*wave, one])
    assert [e.kind for e in events] == [LIQUIDATION, LIQUIDATION]
    binance, okx = events
    assert binance.message == (
        "sim:binance liquidated 30 positions (C0/USDT:USDT, C1/USDT:USDT, C10/USDT:USDT, "
        "C11/USDT:USDT and 26 more), lost 307.50 USDT in all"
    )
    assert binance.data["severity"] == "error" and binance.ts == wave[-1].ts
    assert okx.message == one.message, "a single liquidation says itself"


def test_past_the_cap_the_rest_of_a_pass_is_one_count() -> None:
    feed, *_ = manual_feed()
    storm = [_sim("sim.something_new", "sim:gate", n) for n in range(100)]
    events = feed.translate(storm)
    assert len(events) == MAX_EVENTS_PER_PASS
    assert events[-1].kind == OVERFLOW
    assert events[-1].message == (
        f"sim: {100 - MAX_EVENTS_PER_PASS + 1} more simulator events in this pass not listed "
        "(sim.something_new)"
    )
    assert [e.message for e in events[:3]] == [
        "sim:gate sim.something_new 0",
        "sim:gate sim.something_new 1",
        "sim:gate sim.something_new 2",
    ]


def test_a_price_shock_is_a_warning() -> None:
    feed, market, _, seen = manual_feed()
    market.shock_price("BTC", -0.2)
    feed.flush()
    [shock] = seen.of("sim.shock")
    assert shock.message == "BTC index moved -20.0% (simulated shock)"
    assert shock.data["severity"] == "warning"


def test_the_rehearsal_lists_the_desks_venues_and_what_is_on() -> None:
    feed, market, _, seen = manual_feed()
    rehearsal = FaultRehearsal(market, feed, ["sim:okx", "sim:binance"])
    assert rehearsal.venue_ids() == ("sim:okx", "sim:binance")
    with pytest.raises(BadInput, match="unknown simulated venue 'bybit'"):
        rehearsal.inject("bybit", "disconnect")  # on the market, not on this desk
    rehearsal.inject("okx", "timeout", for_seconds=None)
    assert rehearsal.active() == {"sim:okx": ["timeout"]}
    assert seen.of(FAULT_STARTED)[0].message.endswith("until cleared")
    assert rehearsal.clear() == [("sim:okx", "timeout")]
    assert rehearsal.active() == {}
