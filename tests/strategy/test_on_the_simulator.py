"""On the simulated market: the engine's opportunity service fills with ranked, explained
opportunities, and they move as funding moves (ids stay, figures change)."""

from __future__ import annotations

from datetime import UTC, datetime

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock
from nexus_tui.market.commands import refresh_once
from nexus_tui.strategy.models import OpportunityState


async def test_the_simulator_fills_and_moves_the_ranking() -> None:
    clock = ManualClock(datetime(2026, 2, 2, 9, 10, tzinfo=UTC))
    engine = build_engine(None, clock=clock, seed=7)
    service = engine.opportunities
    assert service is not None
    try:
        await refresh_once(engine)
        first = await service.scan_once()
        assert len(first.opportunities) >= 5
        ranked = [o.uos for o in first.opportunities]
        assert ranked == sorted(ranked, reverse=True)
        best = first.opportunities[0]
        assert best.viable and best.state is OpportunityState.SCORED  # its books were walked
        parts = best.uos_parts  # the score is explained by its four parts, the money by its costs
        assert abs(parts.return_ + parts.risk + parts.execution + parts.timing - best.uos) <= 0.03
        assert best.costs.total > 0 and best.expected_value_usd > 0

        clock.advance(3 * 3600)  # three hours of simulated funding
        await refresh_once(engine)
        later = await service.rescan_async()
        assert later.as_of > first.as_of and later.opportunities
        before = {o.id: o for o in first.opportunities}
        kept = [o for o in later.opportunities if o.id in before]
        assert kept, "some trades are still there, under the same id"
        assert any(o.spread_hourly != before[o.id].spread_hourly for o in kept), "and their figures moved"
        assert all(o.detected_at == before[o.id].detected_at for o in kept)
    finally:
        await engine.stop()
