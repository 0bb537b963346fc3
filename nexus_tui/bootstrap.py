"""Builds a ready-to-start Engine from the user's config: venues, funding book, services.

The one place that wires the layers together, so the TUI, the headless CLI commands and the
tests all get the same engine for the same config.

Seams for the venue work: `make_venues` turns the config into the venues that feed the funding
book (today the simulated market; real ccxt venues for paper/live extend it), and
`secondary_feeds` adds the secondary funding source (ArbitrageScanner) outside sim mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from nexus_tui.core.clock import AcceleratedClock, Clock, SystemClock
from nexus_tui.core.errors import BadInput, ConfigError
from nexus_tui.core.events import EventBus
from nexus_tui.engine import Closer, Engine, ServiceFactory
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.refresh import FundingRefresher
from nexus_tui.market.stream_feed import StreamedFunding
from nexus_tui.strategy.params import params_from_config
from nexus_tui.strategy.service import OpportunityService
from nexus_tui.venues.latency_probe import LatencyProbe
from nexus_tui.venues.port import Venue

log = logging.getLogger(__name__)

DEFAULT_SEED = 7
SIM_SYMBOLS = 240
# a day of settled funding behind the desk's first screen, so its history chart and the predictor
# have something to show at once (about 0.3 s at start-up)
SIM_HISTORY_HOURS = 24


@dataclass
class MarketWiring:
    """The venues for one config, plus what keeps them running."""

    venues: list[Venue]
    services: dict[str, ServiceFactory] = field(default_factory=dict)
    # Runs before each funding refresh pass: brings a simulated market up to the clock's time.
    before_refresh: Callable[[], object] | None = None


def build_engine(
    config: Any = None,
    *,
    clock: Clock | None = None,
    speed: float | None = None,
    seed: int | None = None,
    venue_ids: Sequence[str] | None = None,
    venues: Sequence[Venue] | None = None,
) -> Engine:
    """An Engine for `config` (None = built-in defaults: the simulated market).

    `speed` and `seed` override the config's `data.sim` values (defaults 1.0 and 7); `venue_ids`
    keeps only those venues; `venues` replaces the config's venues outright (tests, replays).
    """
    mode = str(_setting(config, "trading", "mode", default="sim"))
    if speed is None:
        speed = float(_setting(config, "data", "sim", "speed", default=1.0))
    if seed is None:
        seed = int(_setting(config, "data", "sim", "seed", default=DEFAULT_SEED))
    if clock is None:
        clock = AcceleratedClock(speed) if speed != 1.0 else SystemClock()
    bus = EventBus()
    book = FundingBook(
        clock,
        stale_after_s=float(_setting(config, "data", "stale_after_seconds", default=30.0)),
        secondary_stale_after_s=float(
            _setting(config, "data", "arbitragescanner", "stale_after_seconds", default=30.0)
        ),
        bus=bus,
        tolerance=Decimal(str(_setting(config, "data", "arbitragescanner", "tolerance", default="0.0005"))),
    )
    wiring = (
        MarketWiring(list(venues)) if venues is not None else make_venues(config, clock, seed=seed, bus=bus)
    )
    if venue_ids:
        wiring.venues = _only(wiring.venues, venue_ids)
    engine = Engine(mode=mode, clock=clock, venues=wiring.venues, bus=bus, funding_book=book)

    refresher = FundingRefresher(
        book,
        clock,
        interval_s=float(_setting(config, "data", "exchange_refresh_seconds", default=5.0)),
        # each feed's deadline is derived from it, longer, so a venue's own guard times out first
        request_timeout_s=float(_setting(config, "data", "request_timeout_seconds", default=10.0)),
        before_refresh=wiring.before_refresh,
    )
    websockets = bool(_setting(config, "data", "websockets", default=True))
    for venue in wiring.venues:
        streamed = funding_stream(venue, config, clock, book, refresher) if websockets else None
        if streamed is None:
            refresher.add_venue(venue)
            continue
        refresher.add_venue(venue, fetch=streamed.fetch_rest)
        engine.add_service(f"funding.stream:{venue.id}", streamed.run)
        # the service closes its stream when cancelled; this also covers a service cancelled
        # before it ever ran
        engine.add_closer(f"funding.stream:{venue.id}", streamed.stream.close)
    if mode != "sim":
        for name, close in secondary_feeds(config, clock, book, bus, refresher).items():
            engine.add_closer(name, close)
    engine.funding_refresher = refresher
    engine.add_service("funding.refresh", refresher.run)
    latency = LatencyProbe(wiring.venues, clock)  # only guarded (real) venues: none in sim
    if latency.targets:
        engine.add_service("venues.latency", latency.run)
    engine.opportunities = OpportunityService(engine, params_from_config(config))
    engine.add_service("strategy.opportunities", engine.opportunities.run)
    for name, service in wiring.services.items():
        engine.add_service(name, service)
    _sim_events(engine, wiring.venues)
    return engine


def _sim_events(engine: Engine, venues: Sequence[Venue]) -> None:
    """On the simulated market: its events on the engine's bus, and its faults for rehearsal."""
    if not any(v.id.startswith("sim:") for v in venues):
        return
    from nexus_tui.venues.sim.event_feed import SimEventFeed, sim_market_of
    from nexus_tui.venues.sim.rehearsal import FaultRehearsal

    market = sim_market_of(venues)
    if market is None:
        return
    feed = SimEventFeed(market, engine.clock, engine.bus)
    engine.add_service("sim.events", feed.run)
    engine.fault_rehearsal = FaultRehearsal(market, feed, [v.id for v in venues])


def make_venues(
    config: Any, clock: Clock, *, seed: int = DEFAULT_SEED, bus: EventBus | None = None
) -> MarketWiring:
    """The venues that feed the funding book for `config`'s trading mode."""
    mode = str(_setting(config, "trading", "mode", default="sim"))
    if mode == "sim":
        return _sim_market(clock, seed)
    return _exchange_market(config, clock, mode, bus)


def _exchange_market(config: Any, clock: Clock, mode: str, bus: EventBus | None) -> MarketWiring:
    """paper / live: one ccxt client per enabled venue (closed by Engine.stop)."""
    from nexus_tui.venues.ccxt_venue import make_ccxt_venue  # ccxt loads slowly: only when used

    timeout_s = float(_setting(config, "data", "request_timeout_seconds", default=10.0))
    configured = _setting(config, "venues", default={})
    venues: list[Venue] = [
        make_ccxt_venue(venue_id, venue_config, clock, bus=bus, timeout_s=timeout_s)
        for venue_id, venue_config in configured.items()
        if getattr(venue_config, "enabled", False)
    ]
    if not venues:
        raise ConfigError(
            f"trading.mode {mode!r} needs at least one enabled venue "
            "(nexus-tui config set venues.<id>.enabled true)"
        )
    return MarketWiring(venues)


def _sim_market(clock: Clock, seed: int) -> MarketWiring:
    from nexus_tui.venues.sim import build_sim_market

    market = build_sim_market(seed=seed, clock=clock, n_symbols=SIM_SYMBOLS, history_hours=SIM_HISTORY_HOURS)

    async def keep_moving(engine: Engine) -> None:
        await market.run()

    # Each SimVenue brings the market up to the clock before answering; the service keeps
    # settlements and liquidations on time while nobody is asking.
    return MarketWiring(list(market.venues()), services={"sim.market": keep_moving})


def funding_stream(
    venue: Venue, config: Any, clock: Clock, book: FundingBook, refresher: FundingRefresher
) -> StreamedFunding | None:
    """The venue's websocket funding feed when its profile has one (real venues only); the
    REST poll slows to a safety net while the stream is live and resumes when it drops."""
    profile = getattr(venue, "profile", None)
    if getattr(profile, "ws", None) is None:
        return None
    from nexus_tui.venues.ccxt_stream import CcxtFundingStream  # loads ccxt.pro: only when used
    from nexus_tui.venues.ccxt_venue import CcxtVenue

    if not isinstance(venue, CcxtVenue):
        return None
    poll_s = float(_setting(config, "data", "exchange_refresh_seconds", default=5.0))
    stale_s = float(_setting(config, "data", "stale_after_seconds", default=30.0))
    # quiet symbols get a REST row before the book would call them stale
    safety_net_s = max(poll_s, stale_s / 2)

    def follow(live: bool) -> None:
        refresher.set_interval(venue.id, safety_net_s if live else poll_s, due_now=not live)

    return StreamedFunding(
        CcxtFundingStream(venue, silence_s=stale_s),
        book,
        clock,
        venue.fetch_funding_rates,
        republish_s=poll_s,
        covered_s=safety_net_s,
        on_live=follow,
    )


def secondary_feeds(
    config: Any, clock: Clock, book: FundingBook, bus: EventBus, refresher: FundingRefresher
) -> dict[str, Closer]:
    """ArbitrageScanner as the book's secondary source (paper/live only: sim has its own data).

    Returns what closes the feed's resources (its HTTP session), for Engine.stop() to call
    whether or not the engine ran: a headless command refreshes without starting it.
    """
    scanner = _setting(config, "data", "arbitragescanner", default=None)
    if scanner is None or not getattr(scanner, "enabled", False):
        return {}
    from nexus_tui.venues.arbitragescanner import (
        SOURCE_ID,
        ArbitrageScannerClient,
        SecondaryFundingFeed,
        primary_interval_lookup,
    )

    client = ArbitrageScannerClient(
        clock,
        funding_url=str(scanner.funding_table_url),
        exchanges_url=str(scanner.exchanges_url),
        timeout_s=float(scanner.timeout_seconds),
        interval_for=primary_interval_lookup(book),
    )
    feed = SecondaryFundingFeed(
        client, clock, exchanges_every_s=float(scanner.exchanges_refresh_seconds), bus=bus
    )
    refresher.add_secondary(
        SOURCE_ID,
        feed.fetch_rows,
        interval_s=float(scanner.refresh_seconds),
        request_timeout_s=client.guard.timeout_s,
        retry_attempts=int(scanner.retry_attempts),
        retry_delay_s=float(scanner.retry_delay_seconds),
    )

    return {f"{SOURCE_ID}.session": feed.close}


def _only(venues: list[Venue], wanted: Sequence[str]) -> list[Venue]:
    """The venues named in `wanted` (full id, or the name after `sim:`), in the order given."""
    by_name: dict[str, Venue] = {}
    for venue in venues:
        by_name[venue.id] = venue
        by_name.setdefault(venue.id.removeprefix("sim:"), venue)
    chosen: list[Venue] = []
    for name in wanted:
        found = by_name.get(name.strip())
        if found is None:
            known = ", ".join(v.id for v in venues) or "none"
            raise BadInput(f"unknown venue {name.strip()!r}; available: {known}")
        if found not in chosen:
            chosen.append(found)
    return chosen


def _setting(config: Any, *path: str, default: Any) -> Any:
    """config.a.b.c, or `default` when there is no config or the field does not exist."""
    node = config
    for name in path:
        if node is None:
            return default
        node = getattr(node, name, None)
    return default if node is None else node
