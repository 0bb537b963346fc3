"""SimMarket: owns the simulated market's state and advances it with the clock, deterministically.

Time moves on a fixed grid from `genesis` (the clock's time at construction, floored to 5 minutes):
prices step every 10 s, funding premiums every 5 minutes, and settlements fall on each venue's
own hour grid. `advance_to(ts)` runs every whole step up to `ts`, so the state at an instant is
the same however the time in between was sliced; it depends only on the seed, the options and
the orders placed. Venues advance the market to the clock before every call, so nobody has to
drive it; `run()` drives it anyway, for settlements and liquidations to happen on time while no
one is looking.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from nexus_tui.core.clock import Clock, SystemClock, utc
from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingRate, FundingSource, OrderBook, Ticker
from nexus_tui.venues.sim import book as books
from nexus_tui.venues.sim.events import SimEvent, settlement_event
from nexus_tui.venues.sim.faults import FrozenView
from nexus_tui.venues.sim.funding_model import STEP_MINUTES, FundingModel, SeriesSpec
from nexus_tui.venues.sim.listings import (
    Listing,
    funding_bias,
    funding_cap,
    lists,
    lists_spot,
    perp_listing,
    spot_listing,
)
from nexus_tui.venues.sim.matching import Trade
from nexus_tui.venues.sim.prices import STEP_SECONDS, PriceModel
from nexus_tui.venues.sim.profiles import PROFILES, VenueProfile
from nexus_tui.venues.sim.rng import stable_seed
from nexus_tui.venues.sim.units import fixed
from nexus_tui.venues.sim.universe import build_universe
from nexus_tui.venues.sim.venue import SimVenue

STEPS_PER_RATE_STEP = STEP_MINUTES * 60 // STEP_SECONDS
HISTORY_LIMIT = 1000  # settled rates kept per perpetual (1000 h on an hourly venue)
MATCHING_DEPTH = 200  # levels a taker order can walk
DEFAULT_BALANCE = Decimal(100_000)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SimMarket:
    def __init__(
        self,
        seed: int = 7,
        clock: Clock | None = None,
        n_symbols: int = 240,
        *,
        latency_scale: float = 1.0,
        history_hours: int = 0,
        initial_balance: Decimal = DEFAULT_BALANCE,
        fee_tier: int = 0,
        venues: Sequence[str] | None = None,
    ) -> None:
        if latency_scale < 0:
            raise BadInput("latency_scale must not be negative")
        if history_hours < 0:
            raise BadInput("history_hours must not be negative")
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.symbols = build_universe(n_symbols)
        self.profiles: tuple[VenueProfile, ...] = _select_profiles(venues)
        now = utc(self.clock.now())
        self.genesis = _floor(now, STEP_MINUTES * 60)
        self.step_index = 0
        self.events: list[SimEvent] = []
        self._rates_cache: dict[int, tuple[int, list[FundingRate]]] = {}

        self.listings: list[dict[str, Listing]] = []
        series: list[SeriesSpec] = []
        self._series_listing: list[Listing] = []
        for v, profile in enumerate(self.profiles):
            by_symbol: dict[str, Listing] = {}
            for s, spec in enumerate(self.symbols):
                if not (lists(profile, spec) or s < 2):
                    continue
                perp = perp_listing(profile, v, spec, s, len(series), fee_tier)
                interval = perp.info.funding_interval_hours or profile.funding_interval_hours
                series.append(
                    SeriesSpec(
                        v, s, interval, profile.formula, funding_cap(profile, spec), funding_bias(profile)
                    )
                )
                self._series_listing.append(perp)
                by_symbol[perp.symbol] = perp
                if lists_spot(profile, spec):
                    spot = spot_listing(profile, v, spec, s)
                    by_symbol[spot.symbol] = spot
            self.listings.append(by_symbol)

        self.funding = FundingModel(seed, [p.name for p in self.profiles], self.symbols, series)
        keep = max(HISTORY_LIMIT, history_hours + 24)
        self.history: list[deque[tuple[int, float, float | None]]] = [deque(maxlen=keep) for _ in series]
        if history_hours:
            self._warm_up(history_hours)
        self.prices = PriceModel(seed, self.symbols)
        self._book_keys = {
            (lst.venue_index, lst.symbol): stable_seed(
                seed, "book", self.profiles[lst.venue_index].name, lst.symbol
            )
            for by_symbol in self.listings
            for lst in by_symbol.values()
        }
        self._venues = [
            SimVenue(self, v, profile, latency_scale=latency_scale, initial_balance=initial_balance)
            for v, profile in enumerate(self.profiles)
        ]
        self._venue_by_id = {venue.id: venue for venue in self._venues}

    # -- public API -----------------------------------------------------------------------
    def venues(self) -> list[SimVenue]:
        return list(self._venues)

    def venue(self, venue_id: str) -> SimVenue:
        try:
            return self._venue_by_id[venue_id]
        except KeyError:
            known = ", ".join(self._venue_by_id)
            raise BadInput(f"unknown simulated venue {venue_id!r} (known: {known})") from None

    @property
    def now(self) -> datetime:
        """The market's own time: the last step it has reached."""
        return self.step_time(self.step_index)

    def step_time(self, step: int) -> datetime:
        return self.genesis + timedelta(seconds=step * STEP_SECONDS)

    def advance_to(self, ts: datetime) -> None:
        """Run every step up to `ts`. Time never runs backwards: an earlier `ts` changes nothing."""
        target = int((utc(ts) - self.genesis).total_seconds() // STEP_SECONDS)
        while self.step_index < target:
            self._step()

    def set_fault(self, venue_id: str, fault: str, on: bool = True, **params: object) -> None:
        """Switch a fault on or off for one venue (see faults.py for the faults and their params)."""
        self.venue(venue_id).set_fault(fault, on, **params)

    def faults(self, venue_id: str) -> list[str]:
        return self.venue(venue_id).faults()

    def report_ended_faults(self) -> None:
        """Put the faults that ran out by the clock's time in the events now, not at the next step."""
        now = self.clock.now()
        for venue in self._venues:
            venue.report_ended_faults(now)

    def shock_price(self, base: str, move: float) -> None:
        """Move a coin's index by `move` (-0.2 = a 20 % crash) at once: rehearse a liquidation cascade.

        The coins that follow BTC do not follow a shock to BTC: it is one coin's crash, not a market's.
        """
        if not -0.95 <= move <= 10.0:
            raise BadInput(f"a price shock must be between -95 % and +1000 %, not {move:+.0%}")
        for s, spec in enumerate(self.symbols):
            if spec.base == base:
                self.advance_to(self.clock.now())
                self.prices.shock(s, move)
                for venue in self._venues:
                    venue.on_step(self.step_index, self.now)
                self.events.append(
                    SimEvent(
                        "sim.shock", self.now, "sim", f"{base} index moved {move:+.1%} (simulated shock)"
                    )
                )
                return
        raise BadInput(f"no coin {base!r} in the simulated market")

    def drain_events(self) -> list[SimEvent]:
        events, self.events = self.events, []
        return events

    async def run(self, period_seconds: float = 1.0) -> None:
        """Keep the market moving with the clock (an engine service); cancelled to stop."""
        while True:
            self.advance_to(self.clock.now())
            await self.clock.sleep(period_seconds)

    # -- the step ------------------------------------------------------------------------
    def _step(self) -> None:
        self.step_index += 1
        k = self.step_index
        rate_step = k % STEPS_PER_RATE_STEP == 0
        spikes = self.funding.step() if rate_step else []
        self.prices.step(spikes)
        if rate_step:
            self.prices.update_activity()
        t = self.step_time(k)
        if rate_step and t.minute == 0 and t.second == 0:
            self._settle(t)
        for venue in self._venues:
            venue.on_step(k, t)

    def _settle(self, t: datetime) -> None:
        epoch = int((t - _EPOCH).total_seconds())
        payers: dict[int, list[tuple[Listing, float, float]]] = {}
        for i, spec in enumerate(self.funding.series):
            if not self.profiles[spec.venue_index].settles_at_hour(t.hour, spec.interval_hours):
                continue
            rate = self.funding.settle(i)
            listing = self._series_listing[i]
            mark = self.mark(listing)
            self.history[i].append((epoch, rate, mark))
            payers.setdefault(spec.venue_index, []).append((listing, rate, mark))
        for v, settled in payers.items():
            self._venues[v].on_settlement(t, settled)
            intervals = tuple(sorted({lst.info.funding_interval_hours or 0 for lst, _, _ in settled}))
            self.events.append(settlement_event(self.profiles[v].venue_id, t, len(settled), intervals))

    def _warm_up(self, hours: int) -> None:
        """Run the funding model alone for `hours` before genesis so there is a history to show."""
        start = self.genesis - timedelta(hours=hours)
        steps = hours * 60 // STEP_MINUTES
        for j in range(1, steps + 1):
            self.funding.step()
            t = start + timedelta(minutes=j * STEP_MINUTES)
            if t.minute == 0:
                epoch = int((t - _EPOCH).total_seconds())
                for i, spec in enumerate(self.funding.series):
                    if self.profiles[spec.venue_index].settles_at_hour(t.hour, spec.interval_hours):
                        self.history[i].append((epoch, self.funding.settle(i), None))

    # -- market data (floats inside, Decimal out) -------------------------------------------
    def index_price(self, listing: Listing) -> float:
        return self.prices.price(listing.symbol_index)

    def mark(self, listing: Listing) -> float:
        index = self.prices.price(listing.symbol_index)
        if listing.series_index is None:
            return index * (1.0 + listing.spot_offset)
        return index * (1.0 + self.funding.premium[listing.series_index])

    def previous_mid(self, listing: Listing) -> float:
        index = self.prices.previous_price(listing.symbol_index)
        if listing.series_index is None:
            return index * (1.0 + listing.spot_offset)
        return index * (1.0 + self.funding.premium[listing.series_index])

    def spread_factor(self, listing: Listing) -> float:
        return self.prices.spread_factor(listing.symbol_index)

    def next_funding(self, profile: VenueProfile, interval_hours: int, after: datetime) -> datetime:
        hour = after.replace(minute=0, second=0, microsecond=0)
        for j in range(1, interval_hours + 1):
            candidate = hour + timedelta(hours=j)
            if profile.settles_at_hour(candidate.hour, interval_hours):
                return candidate
        raise AssertionError("a settlement falls within every interval")  # pragma: no cover

    def funding_rates(self, venue_index: int, symbols: Sequence[str] | None) -> list[FundingRate]:
        """Every perp's current funding on one venue (or the given symbols), as of the last step."""
        cached = self._rates_cache.get(venue_index)
        if cached is None or cached[0] != self.step_index:
            cached = (self.step_index, self._compute_rates(venue_index))
            self._rates_cache[venue_index] = cached
        if symbols is None:
            return list(cached[1])
        wanted = set(symbols)
        return [r for r in cached[1] if r.symbol in wanted]

    def _compute_rates(self, venue_index: int) -> list[FundingRate]:
        profile = self.profiles[venue_index]
        ts = self.now
        next_by_interval: dict[int, datetime] = {}
        places = profile.rate_decimals
        funding = self.funding
        series, premium = funding.series, funding.premium
        log_price = self.prices.log_price
        venue_id = profile.venue_id
        out: list[FundingRate] = []
        for listing in self.listings[venue_index].values():
            i = listing.series_index
            if i is None:
                continue
            spec = series[i]
            interval = spec.interval_hours
            next_ts = next_by_interval.get(interval)
            if next_ts is None:
                next_ts = next_by_interval[interval] = self.next_funding(profile, interval, ts)
            index = math.exp(log_price[listing.symbol_index])
            tick_places = listing.shape.tick_decimals
            out.append(
                FundingRate(
                    venue=venue_id,
                    symbol=listing.symbol,
                    rate=fixed(funding.current_rate(i), places),
                    interval_hours=interval,
                    ts=ts,
                    next_funding_ts=next_ts,
                    mark_price=fixed(index * (1.0 + premium[i]), tick_places),
                    index_price=fixed(index, tick_places),
                    predicted_rate=fixed(funding.predicted_rate(i), places),
                    source=FundingSource.SIM,
                )
            )
        return out

    def funding_history(
        self, venue_index: int, listing: Listing, since: datetime | None, limit: int | None
    ) -> list[FundingRate]:
        i = listing.series_index
        if i is None:
            return []
        profile = self.profiles[venue_index]
        interval = self.funding.series[i].interval_hours
        rows = list(self.history[i])
        if since is not None:
            cutoff = (utc(since) - _EPOCH).total_seconds()
            rows = [r for r in rows if r[0] >= cutoff]
            if limit is not None:
                rows = rows[:limit]
        elif limit is not None:
            rows = rows[-limit:] if limit > 0 else []
        td = listing.shape.tick_decimals
        return [
            FundingRate(
                venue=profile.venue_id,
                symbol=listing.symbol,
                rate=fixed(rate, profile.rate_decimals),
                interval_hours=interval,
                ts=_EPOCH + timedelta(seconds=epoch),
                next_funding_ts=None,
                mark_price=None if mark is None else fixed(mark, td),
                source=FundingSource.SIM,
            )
            for epoch, rate, mark in rows
        ]

    def ticker(
        self, listing: Listing, ts: datetime, mid: float | None = None, factor: float | None = None
    ) -> Ticker:
        mid = self.mark(listing) if mid is None else mid
        factor = self.spread_factor(listing) if factor is None else factor
        bid, ask = books.touch_prices(listing.shape, mid, factor)
        profile = self.profiles[listing.venue_index]
        spec = self.symbols[listing.symbol_index]
        volume = spec.volume_24h_usd * profile.volume_share * (0.3 if not listing.is_perp else 1.0)
        busy = 1.0 + 0.25 * (factor - 1.0)  # a moving market trades more
        open_interest = None
        if listing.is_perp:
            open_interest = Decimal(round(0.45 * volume * (1.0 + 0.5 * self.funding.regime)))
        return Ticker(
            venue=profile.venue_id,
            symbol=listing.symbol,
            ts=ts,
            bid=bid,
            ask=ask,
            last=fixed(mid, listing.shape.tick_decimals),
            volume_24h_usd=Decimal(round(volume * busy)),
            open_interest_usd=open_interest,
        )

    def book_levels(
        self, listing: Listing, depth: int, second: int, mid: float | None = None, factor: float | None = None
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The book of `listing` at this step and second, as (ticks, lots) levels."""
        mid = self.mark(listing) if mid is None else mid
        factor = self.spread_factor(listing) if factor is None else factor
        key = self._book_keys[(listing.venue_index, listing.symbol)]
        rng = random.Random(key ^ second)
        return books.book_sides(listing.shape, mid, factor, rng, depth)

    def order_book(self, listing: Listing, ts: datetime, levels: tuple[list[Any], list[Any]]) -> OrderBook:
        return books.to_order_book(
            self.profiles[listing.venue_index].venue_id,
            listing.symbol,
            ts,
            listing.shape,
            levels[0],
            levels[1],
        )

    def step_trades(self, listing: Listing, step: int) -> list[Trade]:
        """What traded in `listing` during step `step` (only asked for markets with resting orders)."""
        key = self._book_keys[(listing.venue_index, listing.symbol)]
        rng = random.Random(key ^ (step << 20) ^ 0x5EED)
        return books.synthetic_trades(
            listing.shape,
            self.previous_mid(listing),
            self.mark(listing),
            self.spread_factor(listing),
            self.step_time(step - 1),
            float(STEP_SECONDS),
            rng,
        )

    def freeze(self, venue_index: int) -> FrozenView:
        """Everything a stale feed of this venue will keep showing."""
        ts = self.now
        listings = self.listings[venue_index]
        rates = tuple(self.funding_rates(venue_index, None))
        tickers = tuple(self.ticker(lst, ts) for lst in listings.values())
        mids = {symbol: (self.mark(lst), self.spread_factor(lst)) for symbol, lst in listings.items()}
        second = int(self.clock.now().timestamp())
        return FrozenView(ts, second, rates, tickers, mids)


def _select_profiles(names: Sequence[str] | None) -> tuple[VenueProfile, ...]:
    if names is None:
        return PROFILES
    wanted = [n.removeprefix("sim:") for n in names]
    known = {p.name: p for p in PROFILES}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BadInput(f"unknown simulated venue(s): {', '.join(unknown)} (known: {', '.join(known)})")
    if len(set(wanted)) < 2:
        raise BadInput("the simulated market needs at least two venues")
    return tuple(p for p in PROFILES if p.name in wanted)


def _floor(ts: datetime, seconds: int) -> datetime:
    epoch = (ts - _EPOCH).total_seconds()
    return _EPOCH + timedelta(seconds=math.floor(epoch / seconds) * seconds)
