"""Funding history behind the listed opportunities: the service fetches the listed legs' settled
funding (a bounded pass a cycle), the scanner refits on it at once, and rows stop reading
"no funding history yet"; a failing venue is retried with backoff; the headless scan does the same
before it answers. On the seeded simulator with a day of settled history, on a ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus_tui.bootstrap import build_engine
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.models import FundingRate
from nexus_tui.engine import Engine
from nexus_tui.strategy.commands import live_scan
from nexus_tui.strategy.models import History, Opportunity, OpportunityType
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner
from nexus_tui.strategy.service import OpportunityService, _legs
from nexus_tui.venues.sim import build_sim_market
from tests.strategy.helpers import LOOSE, NOW, funding, healthy

SEED = 7
SYMBOLS = 60
START = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def _sim_desk() -> tuple[Engine, OpportunityService, ManualClock]:
    clock = ManualClock(START)
    market = build_sim_market(seed=SEED, clock=clock, n_symbols=SYMBOLS, latency_scale=0, history_hours=24)
    engine = build_engine(None, clock=clock, venues=list(market.venues()))
    assert engine.opportunities is not None
    return engine, engine.opportunities, clock


def _guessing(opps: tuple[Opportunity, ...]) -> list[str]:
    """Ids of the rows whose outlook has no history to go on (a temporal trade never has one)."""
    return [o.id for o in opps if o.type is not OpportunityType.TEMPORAL and "no_history" in o.flags]


async def test_one_pass_gives_the_best_listed_legs_history_and_the_next_scan_uses_it() -> None:
    engine, service, clock = _sim_desk()
    assert engine.funding_refresher is not None
    await engine.funding_refresher.refresh_all()
    first = await service.scan_once()
    assert first.opportunities and len(_guessing(first.opportunities)) == len(
        [o for o in first.opportunities if o.type is not OpportunityType.TEMPORAL]
    ), "before any backfill the book holds one point per market: every row guesses"

    history = service.history
    due = history.due()
    assert 0 < len(due) <= history.max_requests
    assert all(sum(1 for k in due if k[0] == venue) <= history.per_venue for venue, _ in due)
    best = _legs(first.opportunities[0])
    assert all(leg in due for leg in best), "the best row's legs are asked for first"

    clock.advance(1)
    await engine.funding_refresher.refresh_all()
    result = await service.cycle()
    assert history.requests == len(due)
    for venue, symbol in due:
        assert history.loaded(venue, symbol)
        # the book itself now charts the settled history, not only its one live point
        assert len(engine.funding_book.history(venue, symbol)) > 1
        assert history.history(venue, symbol) == engine.funding_book.history(venue, symbol)
    covered = [o for o in result.opportunities if all(history.loaded(*leg) for leg in _legs(o))]
    assert covered
    for opp in covered:
        assert "no_history" not in opp.flags, opp.id
        assert opp.outlook is not None
        assert opp.outlook.spread_stdev_hourly is not None and opp.outlook.win_rate is not None


async def test_passes_stay_bounded_until_every_listed_row_has_history() -> None:
    engine, service, clock = _sim_desk()
    assert engine.funding_refresher is not None
    await engine.funding_refresher.refresh_all()
    result = await service.scan_once()
    history = service.history
    for _ in range(12):
        if not history.due():
            break
        asked = history.requests
        clock.advance(2)
        await engine.funding_refresher.refresh_all()
        result = await service.cycle()
        assert history.requests - asked <= history.max_requests
    assert result.opportunities and _guessing(result.opportunities) == []
    asked = history.requests
    for _ in range(3):  # once each: nothing is asked again
        clock.advance(2)
        await engine.funding_refresher.refresh_all()
        await service.cycle()
    assert history.requests == asked


async def test_a_venue_whose_history_fails_is_retried_with_backoff_not_every_cycle() -> None:
    engine, service, clock = _sim_desk()
    assert engine.funding_refresher is not None
    calls: list[str] = []

    async def unreachable(
        symbol: str, since: datetime | None = None, limit: int | None = None
    ) -> list[FundingRate]:
        calls.append(symbol)
        raise VenueUnavailable("sim:dydx", "timed out")

    engine.venues["sim:dydx"].fetch_funding_history = unreachable  # type: ignore[method-assign]
    await engine.funding_refresher.refresh_all()
    await service.scan_once()
    legs = {leg for o in service.latest.opportunities for leg in _legs(o)} if service.latest else set()
    assert any(venue == "sim:dydx" for venue, _ in legs), "the seed lists a trade with a dydx leg"
    for _ in range(20):
        clock.advance(1)
        await engine.funding_refresher.refresh_all()
        await service.cycle()
    assert len(calls) == 1, "one failure, then the venue waits out its backoff"
    assert service.history.backing_off("sim:dydx") is not None
    clock.advance(service.history.retry_s)
    await engine.funding_refresher.refresh_all()
    await service.cycle()
    assert len(calls) == 2
    assert any(venue != "sim:dydx" and service.history.loaded(venue, s) for venue, s in legs)


async def test_the_headless_scan_lists_rows_with_history() -> None:
    engine, _, _ = _sim_desk()
    result = await live_scan(engine, StrategyParams())
    assert result.opportunities
    assert _guessing(result.opportunities) == []
    assert all(
        o.outlook is not None and o.outlook.win_rate is not None
        for o in result.opportunities
        if o.type is not OpportunityType.TEMPORAL
    )


def test_scanner_refits_at_once_when_told_the_history_changed() -> None:
    histories: dict[tuple[str, str], History] = {}
    scanner = Scanner(LOOSE)
    scanner.set_histories(lambda venue, symbol: histories.get((venue, symbol), ()))
    scanner.update_health(healthy("binanceusdm", "bybit"))
    scanner.update_quotes([funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")])
    [opp] = scanner.scan(NOW).opportunities
    assert "no_history" in opp.flags
    for venue in ("binanceusdm", "bybit"):
        histories[(venue, "BTC/USDT:USDT")] = [
            (NOW - timedelta(hours=8 * k), 0.0001 * (1 + k % 3)) for k in range(20, 0, -1)
        ]
    [cached] = scanner.scan(NOW + timedelta(seconds=1)).opportunities
    assert "no_history" in cached.flags, "a live source is refitted on a timer, not every scan"
    scanner.history_changed([("binanceusdm", "BTC/USDT:USDT"), ("bybit", "BTC/USDT:USDT")])
    [refitted] = scanner.scan(NOW + timedelta(seconds=2)).opportunities
    assert "no_history" not in refitted.flags
    assert refitted.outlook is not None
    assert refitted.outlook.spread_stdev_hourly is not None and refitted.outlook.win_rate is not None
