"""Order books at any simulated speed: a row the service costs on its books stays SCORED from scan to
scan, however much simulated time a cycle spans, and no scan ever walks a book older than the max age.

At `--speed 30` or `--speed 100` a cycle of the running service (fetch, scan) spans tens of
simulated seconds, more than a book's max age. These tests move a ManualClock by such steps on the
seeded simulator and run the service's own cycle, so they say the same thing on any machine.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import OrderBook
from nexus_tui.engine import Engine
from nexus_tui.strategy.models import OpportunityState, ScanResult
from nexus_tui.strategy.service import OpportunityService
from nexus_tui.venues.sim import build_sim_market
from tests.strategy.helpers import NOW, StubVenue, funding

SEED = 7
SYMBOLS = 60
START = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def _sim_desk() -> tuple[Engine, OpportunityService, ManualClock]:
    clock = ManualClock(START)
    market = build_sim_market(seed=SEED, clock=clock, n_symbols=SYMBOLS, latency_scale=0)
    engine = build_engine(None, clock=clock, venues=list(market.venues()))
    service = engine.opportunities
    assert service is not None
    return engine, service, clock


async def _run(
    engine: Engine, service: OpportunityService, clock: ManualClock, step_s: float, cycles: int
) -> list[ScanResult]:
    """What the running service does, `step_s` of simulated time apart: the funding refresher's
    pass, then one service cycle."""
    assert engine.funding_refresher is not None
    await engine.funding_refresher.refresh_all()
    scans = [await service.scan_once()]
    for _ in range(cycles):
        clock.advance(step_s)
        await engine.funding_refresher.refresh_all()
        published = service.scans
        scans.append(await service.cycle())
        assert service.scans == published + 1, "one scan a cycle: every scan a screen sees is checked"
        _assert_no_book_older_than_max_age(service, scans[-1].as_of)
    return scans


def _assert_no_book_older_than_max_age(service: OpportunityService, now: datetime) -> None:
    held = service.scanner.order_books
    too_old = [
        key
        for key, at in service._book_fetched.items()
        if key in held and (now - at).total_seconds() > service.book_max_age_s
    ]
    assert not too_old, f"scanned with books older than {service.book_max_age_s} s: {too_old[:3]}"
    assert set(held) <= set(service._book_fetched), "every book the scanner holds has an age"


def _flaps(scans: Sequence[ScanResult]) -> list[str]:
    """Ids SCORED in one scan and DETECTED in the next."""
    flaps = []
    for before, after in itertools.pairwise(scans):
        scored = {o.id for o in before.opportunities if o.state is OpportunityState.SCORED}
        flaps += [
            o.id for o in after.opportunities if o.id in scored and o.state is OpportunityState.DETECTED
        ]
    return flaps


async def test_at_speed_one_a_scored_row_stays_scored() -> None:
    engine, service, clock = _sim_desk()
    scans = await _run(engine, service, clock, step_s=2.0, cycles=60)  # two minutes, a cycle every 2 s
    assert sum(o.state is OpportunityState.SCORED for o in scans[-1].opportunities) >= 10
    assert _flaps(scans) == []


async def test_when_a_cycle_spans_more_than_the_max_age_a_scored_row_stays_scored() -> None:
    """`--speed 100`: 40 simulated seconds between cycles, the max age being 30."""
    engine, service, clock = _sim_desk()
    assert 40.0 > service.book_max_age_s
    scans = await _run(engine, service, clock, step_s=40.0, cycles=30)
    for before, after in itertools.pairwise(scans):
        # Whatever was among the best at one scan is costed on its books at the next.
        was_best = {o.id for o in before.opportunities[: service.books_for_top]}
        still = [o for o in after.opportunities if o.id in was_best]
        assert still and all(o.state is OpportunityState.SCORED for o in still)
    assert _flaps(scans) == []


async def test_books_are_refetched_before_they_age_out_not_every_cycle() -> None:
    """The cadence follows the engine's clock: a book is asked for again once it is half its max age."""
    engine, service, clock = _sim_desk()
    await _run(engine, service, clock, step_s=1.0, cycles=0)
    await service.refresh_due_books()  # the best of the last scan not walked yet (time stands still)
    assert service.books_wanted() and service.books_due(clock.now()) == []
    clock.advance(service.book_refresh_after_s - 1)
    assert service.books_due(clock.now()) == []
    clock.advance(1)
    assert set(service.books_due(clock.now())) == set(service.books_wanted())


async def test_a_trade_that_fails_on_its_books_is_not_listed_again_on_fees_alone() -> None:
    """Hysteresis for what went: its books stay walked while it is remembered as gone, so it does
    not come back DETECTED each time they would have aged out."""
    engine, service, clock = _sim_desk()
    scans = await _run(engine, service, clock, step_s=10.0, cycles=90)  # fifteen minutes
    remembered_s = service.params.expired_retention_s
    went_scored: dict[str, datetime] = {}  # id -> when it went, walked on its books
    came_back = []
    for before, after in itertools.pairwise(scans):
        listed = {o.id for o in after.opportunities}
        for o in before.opportunities:
            if o.id not in listed and o.state is OpportunityState.SCORED:
                went_scored[o.id] = after.as_of
        came_back += [
            o.id
            for o in after.opportunities
            if o.id in went_scored
            and (after.as_of - went_scored[o.id]).total_seconds() <= remembered_s
            and o.state is OpportunityState.DETECTED
        ]
    assert went_scored, "some trades went in fifteen minutes (else this says nothing)"
    assert came_back == []


# -- a book whose replacement is in flight -------------------------------------------------------
class SlowBooks(StubVenue):
    """One perp of a venue; its order book answers only when the test says so (or fails: `broken`)."""

    def __init__(self, venue_id: str) -> None:
        super().__init__(venue_id)
        self.release = asyncio.Event()
        self.hold = False

    async def fetch_order_book(self, symbol: str, depth: int = 20) -> OrderBook:
        if self.hold:
            await self.release.wait()
        return await super().fetch_order_book(symbol, depth)


async def test_a_scan_during_a_book_refresh_keeps_the_row_scored_until_the_fetch_fails() -> None:
    slow = SlowBooks("bybit")
    clock = ManualClock(NOW)
    engine = Engine(clock=clock, venues=[SlowBooks("binanceusdm"), slow])  # type: ignore[list-item]
    service = OpportunityService(engine)

    def ingest() -> None:
        at = clock.now()
        rows = [funding("binanceusdm", "0.0001", age_s=0), funding("bybit", "0.0009", age_s=0)]
        engine.funding_book.ingest([replace(row, ts=at) for row in rows])

    ingest()
    [opp] = (await service.scan_once()).opportunities
    assert opp.state is OpportunityState.SCORED

    slow.hold = True
    clock.advance(service.book_max_age_s + 5)
    ingest()
    refreshing = asyncio.create_task(service.refresh_due_books())
    await asyncio.sleep(0)  # the fetch is under way: binance's has landed, bybit's is held
    [during] = service.rescan().opportunities
    assert during.state is OpportunityState.SCORED, "the old book stands while its replacement is in flight"

    slow.broken = True
    slow.release.set()
    await refreshing
    [after] = service.rescan().opportunities
    assert after.state is OpportunityState.DETECTED, "the fetch failed: the old book is too old to use"
    assert "no_order_book" in after.flags
    _assert_no_book_older_than_max_age(service, clock.now())
    assert timedelta(seconds=service.book_max_age_s) < clock.now() - NOW


async def test_a_walked_row_keeps_its_books_down_to_the_wider_rank() -> None:
    """Hysteresis on rank: fetched in the best `books_for_top`, kept while in the best `books_keep_top`."""
    engine, service, clock = _sim_desk()
    service.books_for_top, service.books_keep_top = 4, 12
    await _run(engine, service, clock, step_s=10.0, cycles=20)
    latest = service.latest
    assert latest is not None and len(latest.opportunities) > service.books_keep_top
    wanted = set(service.books_wanted())
    held = set(service.scanner.order_books)
    for rank, opp in enumerate(latest.opportunities[: service.books_keep_top]):
        legs = {(opp.long.venue, opp.long.symbol), (opp.short.venue, opp.short.symbol)}
        if rank < service.books_for_top or legs & held:
            assert legs <= wanted, f"rank {rank + 1} {opp.id}"
    kept = [o for o in latest.opportunities[4:12] if o.state is OpportunityState.SCORED]
    assert kept, "some walked rows below the best four keep their books"
