"""The opportunity service inside an engine: rescans on funding updates, fetches books for the best,
publishes coalesced updates, tolerates a venue that fails."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import FundingRate
from nexus_tui.engine import Engine
from nexus_tui.strategy.models import OpportunityState
from nexus_tui.strategy.service import EVENT, OpportunityService
from tests.strategy.helpers import NOW, StubVenue, funding


def _engine(*venues: StubVenue) -> tuple[Engine, ManualClock]:
    clock = ManualClock(NOW)
    engine = Engine(clock=clock, venues=venues)  # type: ignore[arg-type]
    return engine, clock


def _fresh(row: FundingRate, at: datetime) -> FundingRate:
    return replace(row, ts=at)


async def test_scan_once_costs_the_best_on_their_books() -> None:
    engine, _ = _engine(StubVenue("binanceusdm"), StubVenue("bybit"))
    engine.funding_book.ingest(
        [funding("binanceusdm", "0.0001", age_s=0), funding("bybit", "0.0009", age_s=0)]
    )
    service = OpportunityService(engine)
    events = engine.events()
    result = await service.scan_once()
    [opp] = result.opportunities
    assert opp.state is OpportunityState.SCORED
    assert opp.long.fee_source == "market" and opp.long.taker_fee == Decimal("0.0004")
    assert service.latest is result
    published = [e for e in events.drain() if e.kind == EVENT]
    assert published and published[-1].data["top"] == [opp.id]


async def test_a_venue_whose_books_fail_is_costed_on_fees() -> None:
    broken = StubVenue("bybit", broken=True)
    engine, _ = _engine(StubVenue("binanceusdm"), broken)
    engine.funding_book.ingest(
        [funding("binanceusdm", "0.0001", age_s=0), funding("bybit", "0.0009", age_s=0)]
    )
    result = await OpportunityService(engine).scan_once()
    [opp] = result.opportunities
    assert broken.book_calls == 1
    assert opp.state is OpportunityState.DETECTED and "no_order_book" in opp.flags


async def test_the_running_service_follows_the_funding_book() -> None:
    engine, clock = _engine(StubVenue("binanceusdm"), StubVenue("bybit"), StubVenue("okx"))
    book_ = engine.funding_book
    book_.ingest([funding("binanceusdm", "0.0001", age_s=0), funding("bybit", "0.0009", age_s=0)])
    service = OpportunityService(engine, min_interval_s=0.5, idle_rescan_s=0.05)
    engine.opportunities = service
    engine.add_service("strategy.opportunities", service.run)
    updates = engine.events()
    await engine.start()
    try:
        await _until(lambda: service.latest is not None and bool(service.latest.opportunities))
        assert service.latest is not None
        first = service.latest.opportunities[0]
        assert first.short.venue == "bybit"
        clock.advance(5)
        book_.ingest([_fresh(funding("okx", "0.0030"), clock.now())])  # publishes funding.updated
        await _until(
            lambda: service.latest is not None and service.latest.opportunities[0].short.venue == "okx"
        )
        latest = service.latest
        assert latest is not None
        assert any(e.id == first.id and e.reason.startswith("replaced by") for e in latest.expired)
        kinds = [e.kind for e in updates.drain()]
        assert EVENT in kinds
    finally:
        await engine.stop()


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_the_bootstrapped_engine_carries_the_service() -> None:
    from nexus_tui.bootstrap import build_engine

    engine = build_engine(None)
    assert isinstance(engine.opportunities, OpportunityService)
    assert engine.opportunities.latest is None
    assert "strategy.opportunities" in engine._services


async def test_a_cancel_that_lands_with_a_funding_update_still_stops_the_service() -> None:
    """engine.stop() waits for the service: a cancellation must not be lost however it falls
    against the update that wakes the service (Python 3.11's wait_for dropped it when both came
    in the same turn, and the service then napped on for idle_rescan_s, holding up the stop)."""
    for turns_before_cancel in range(6):
        engine, clock = _engine(StubVenue("binanceusdm"), StubVenue("bybit"))
        book_ = engine.funding_book
        book_.ingest([funding("binanceusdm", "0.0001", age_s=0), funding("bybit", "0.0009", age_s=0)])
        service = OpportunityService(engine, min_interval_s=0.5, idle_rescan_s=3600)
        task = asyncio.create_task(service.run(engine))
        await _until(lambda service=service: service.scans >= 2)  # scan_once done
        for _ in range(3):
            await asyncio.sleep(0)  # parked, waiting for funding to move
        clock.advance(5)
        book_.ingest([_fresh(funding("bybit", "0.0012"), clock.now())])  # publishes funding.updated
        for _ in range(turns_before_cancel):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5.0)  # a guard: a lost cancel fails, never hangs
        if not done:
            task.cancel()
            await asyncio.wait({task})
        assert done and task.cancelled(), f"a cancel {turns_before_cancel} turn(s) after an update was lost"
