"""StreamedFunding: a venue's websocket rows into the book, REST as fallback and safety net, no row
published twice, health following what happens; shutdown closes the stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.models import FundingRate, HealthState
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FundingRefresher
from nexus_tui.market.stream_feed import StreamedFunding
from nexus_tui.venues.ccxt_stream import CcxtFundingStream
from nexus_tui.venues.parsing import ParseReport
from tests.market.helpers import T0, FakeVenue, rate
from tests.venues.ccxt_helpers import make_venue
from tests.venues.recorded import preload_markets, swap_market
from tests.venues.ws_replay import ScriptedPro, ccxt_answers

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


class FakeStream:
    """Scripted stream: each next_rows takes the next batch (an exception is raised); when the
    script is spent it waits, like a quiet socket."""

    venue_id = "okx"

    def __init__(self, *script: Sequence[FundingRate] | Exception) -> None:
        self.script: list[Sequence[FundingRate] | Exception] = list(script)
        self.open_errors: list[Exception] = []
        self.opens = 0
        self.closes = 0
        self._more = asyncio.Event()

    def feed(self, *items: Sequence[FundingRate] | Exception) -> None:
        self.script.extend(items)
        self._more.set()

    async def open(self) -> None:
        self.opens += 1
        if self.open_errors:
            raise self.open_errors.pop(0)

    async def next_rows(self) -> Sequence[FundingRate]:
        while not self.script:
            self._more.clear()
            await self._more.wait()
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def close(self) -> None:
        self.closes += 1


class Pauses:
    """The backoff sleep: records each pause and returns at once."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        await asyncio.sleep(0)


def okx(
    value: str, symbol: str = BTC, clock: ManualClock | None = None, next_funding_ts: datetime | None = None
) -> FundingRate:
    ts = clock.now() if clock is not None else T0
    return rate(value, venue="okx", symbol=symbol, ts=ts, next_funding_ts=next_funding_ts)


async def until(condition: Callable[[], bool], turns: int = 200) -> None:
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def _feed(
    stream: FakeStream,
    clock: ManualClock,
    rest: Callable[[], list[FundingRate]] | None = None,
    **kwargs: object,
) -> tuple[StreamedFunding, FundingBook, Pauses, list[bool]]:
    book = FundingBook(clock, stale_after_s=30)
    pauses = Pauses()
    changes: list[bool] = []

    async def fetch() -> list[FundingRate]:
        return rest() if rest is not None else []

    feed = StreamedFunding(
        stream,
        book,
        clock,
        fetch,
        on_live=changes.append,
        sleep=pauses,
        **kwargs,  # type: ignore[arg-type]
    )
    return feed, book, pauses, changes


async def test_streamed_rows_reach_the_book_and_unchanged_ones_are_coalesced() -> None:
    clock = ManualClock(T0)
    stream = FakeStream([okx("0.0001", clock=clock), okx("0.0002", ETH, clock=clock)])
    feed, book, _, changes = _feed(stream, clock, republish_s=5.0)
    task = asyncio.create_task(feed.run())
    await until(lambda: feed.stats.batches == 1)
    assert feed.live and changes == [True]
    assert {q.symbol: q.rate for q in book.quotes()} == {BTC: Decimal("0.0001"), ETH: Decimal("0.0002")}
    version = book.version
    clock.advance(1)
    stream.feed([okx("0.0001", clock=clock), okx("0.0003", ETH, clock=clock)])  # BTC unchanged
    await until(lambda: feed.stats.batches == 2)
    assert feed.stats.coalesced == 1 and feed.stats.published == 3
    assert book.version == version + 1 and book.quote("okx", ETH).rate == Decimal("0.0003")  # type: ignore[union-attr]
    clock.advance(5)  # unchanged, but a republish is due: the quote stays fresh
    stream.feed([okx("0.0001", clock=clock)])
    await until(lambda: feed.stats.batches == 3)
    assert feed.stats.published == 4
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert stream.closes == 1  # shutdown closes the stream


async def test_rest_fills_only_what_the_stream_does_not_cover_while_live() -> None:
    clock = ManualClock(T0)
    nxt = T0 + timedelta(hours=8)
    rest_rows = [
        okx("0.0001", BTC, clock, next_funding_ts=nxt),
        okx("0.0005", ETH, clock, next_funding_ts=nxt),
    ]
    stream = FakeStream()
    feed, _, _, _ = _feed(stream, clock, rest=lambda: list(rest_rows), covered_s=15.0)
    # not live: REST is the source, every row
    assert await feed.fetch_rest() == rest_rows
    task = asyncio.create_task(feed.run())
    stream.feed([okx("0.0002", BTC, clock)])  # the stream carries BTC, without a next settlement
    await until(lambda: feed.live)
    # the REST row for BTC is left out (the stream has it); ETH is a gap REST fills
    assert [r.symbol for r in await feed.fetch_rest()] == [ETH]
    assert feed.stats.rest_rows_left_out == 1
    clock.advance(16)  # the stream has said nothing about BTC for longer than covered_s
    assert [r.symbol for r in await feed.fetch_rest()] == [BTC, ETH]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_stream_row_without_next_settlement_keeps_the_rest_one_while_ahead() -> None:
    clock = ManualClock(T0)
    nxt = T0 + timedelta(hours=1)
    stream = FakeStream()
    feed, book, _, _ = _feed(stream, clock, rest=lambda: [okx("0.0001", clock=clock, next_funding_ts=nxt)])
    await feed.fetch_rest()
    task = asyncio.create_task(feed.run())
    stream.feed([okx("0.0002", clock=clock)])
    await until(lambda: feed.stats.batches == 1)
    assert book.quote("okx", BTC).next_funding_ts == nxt  # type: ignore[union-attr]
    clock.advance(3601)  # that settlement has passed: not carried over any more
    stream.feed([okx("0.0003", clock=clock)])
    await until(lambda: feed.stats.batches == 2)
    assert book.quote("okx", BTC).next_funding_ts is None  # type: ignore[union-attr]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_stream_failure_falls_back_to_rest_then_the_stream_is_restored() -> None:
    clock = ManualClock(T0)
    venue = FakeVenue("okx", [okx("0.0001")], clock=clock)
    book = FundingBook(clock, stale_after_s=30)
    refresher = FundingRefresher(book, clock, interval_s=5.0)
    stream = FakeStream([okx("0.0002", clock=clock)], VenueUnavailable("okx", "connection closed"))
    pauses = Pauses()

    def follow(live: bool) -> None:
        refresher.set_interval("okx", 15.0 if live else 5.0, due_now=not live)

    feed = StreamedFunding(stream, book, clock, venue.fetch_funding_rates, on_live=follow, sleep=pauses)
    refresher.add_venue(venue, fetch=feed.fetch_rest)  # type: ignore[arg-type]
    task = asyncio.create_task(feed.run())
    # live, then the socket drops: the REST poll is back at its pace and due at once
    await until(lambda: feed.stats.failures == 1)
    poll = refresher.feeds["okx"]
    assert not feed.live and feed.last_error == "okx: connection closed"
    assert poll.interval_s == 5.0 and poll.next_due_s <= clock.now().timestamp()
    assert pauses.taken == [2.0]  # retried after the first backoff
    await refresher.refresh_all()
    quote = book.quote("okx", BTC)
    assert quote is not None and quote.rate == Decimal("0.0001")  # REST stands in
    # one more failed attempt, backing off further; then the stream answers again
    stream.feed(VenueUnavailable("okx", "still down"))
    await until(lambda: feed.stats.failures == 2)
    clock.advance(1)
    stream.feed([okx("0.0003", clock=clock)])
    await until(lambda: feed.stats.connects == 2)
    assert feed.live and poll.interval_s == 15.0  # REST slowed to the safety net
    assert pauses.taken == [2.0, 4.0]
    quote = book.quote("okx", BTC)
    assert quote is not None and quote.rate == Decimal("0.0003")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert stream.opens == 3 and stream.closes == 1


async def test_a_venue_whose_stream_and_rest_both_fail_turns_degraded_while_others_carry_on() -> None:
    clock = ManualClock(T0)
    venue, _ = make_venue("okx", clock)  # guard opens after 5 consecutive failures
    markets = [swap_market(BTC, "BTC-USDT-SWAP")]
    preload_markets(venue.exchange, markets)
    venue.last_funding_report = ParseReport("okx")
    good = (await ccxt_answers("okx", markets, "okx_funding_rate.json", "fundingRates"))[0]
    other = FakeVenue("sim:bybit", [rate("0.0001", venue="sim:bybit")], clock=clock)
    book = FundingBook(clock, stale_after_s=30)
    refresher = FundingRefresher(book, clock, interval_s=5.0)
    pro = ScriptedPro([good] + [ConnectionResetError("reset by peer")] * 3)
    stream = CcxtFundingStream(venue, pro=pro)
    pauses = Pauses()
    feed = StreamedFunding(stream, book, clock, venue.fetch_funding_rates, sleep=pauses)
    refresher.add_venue(venue, fetch=feed.fetch_rest)
    refresher.add_venue(other)  # type: ignore[arg-type]
    task = asyncio.create_task(feed.run())
    await until(lambda: feed.stats.failures == 3, turns=2000)
    assert venue.health().state is HealthState.OK  # three stream failures: not yet
    reports = await refresher.refresh_all()  # okx's REST fails too (no answer recorded)
    assert reports["okx"] is None and reports["sim:bybit"] is not None
    await refresher.refresh_all()
    health = venue.health()
    assert health.state is HealthState.DEGRADED and health.consecutive_failures == 5
    assert book.is_venue_down("okx") and not book.is_venue_down("sim:bybit")
    assert book.quote("sim:bybit", BTC) is not None
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert pro.closed >= 1
    await venue.close()


async def test_bootstrap_streams_the_venues_whose_profile_has_a_stream_unless_switched_off() -> None:
    from nexus_tui.bootstrap import build_engine
    from nexus_tui.config.schema import NexusConfig

    def config(websockets: bool) -> NexusConfig:
        return NexusConfig.model_validate(
            {
                "trading": {"mode": "paper"},
                "data": {"websockets": websockets},
                "venues": {"okx": {"enabled": True}, "dydx": {"enabled": True}},
            }
        )

    engine = build_engine(config(True), clock=ManualClock(T0))
    services = set(engine._services)
    assert "funding.stream:okx" in services and "funding.stream:dydx" not in services
    assert engine.funding_refresher is not None and set(engine.funding_refresher.feeds) >= {"okx", "dydx"}
    await engine.stop()
    engine = build_engine(config(False), clock=ManualClock(T0))
    assert not [name for name in engine._services if name.startswith("funding.stream")]
    await engine.stop()
    sim = build_engine(None, clock=ManualClock(T0))  # the simulator: unchanged, REST-shaped polling
    assert not [name for name in sim._services if name.startswith("funding.stream")]
    await sim.stop()
