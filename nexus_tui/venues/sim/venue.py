"""SimVenue: one simulated exchange behind the venue port (venues/port.py).

It speaks the same domain values as a ccxt-backed venue and fails the same ways: every call pays
the venue's latency on the injected clock, and faults raise VenueUnavailable or OrderRejected or
freeze the feed. What happens behind the door (order entry, matching, the account, settlement,
liquidation) is exchange.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from nexus_tui.core.errors import OrderRejected, VenueUnavailable
from nexus_tui.core.models import (
    Balance,
    FundingRate,
    HealthState,
    MarketInfo,
    Order,
    OrderBook,
    OrderRequest,
    Position,
    Ticker,
    VenueHealth,
)
from nexus_tui.venues.sim.account import Account, FundingPayment, Liquidation
from nexus_tui.venues.sim.events import fault_event
from nexus_tui.venues.sim.exchange import Exchange
from nexus_tui.venues.sim.faults import FaultBoard, FrozenView, make_fault
from nexus_tui.venues.sim.listings import Listing
from nexus_tui.venues.sim.profiles import VenueProfile
from nexus_tui.venues.sim.rng import stream

if TYPE_CHECKING:
    from nexus_tui.venues.sim.market import SimMarket

_DOWN_AFTER_FAILURES = 3


class SimVenue:
    def __init__(
        self,
        market: SimMarket,
        index: int,
        profile: VenueProfile,
        *,
        latency_scale: float = 1.0,
        initial_balance: Decimal = Decimal(100_000),
    ) -> None:
        self._market = market
        self._index = index
        self.profile = profile
        self._id = profile.venue_id
        self.latency_scale = latency_scale
        self._faults = FaultBoard()
        self._frozen: FrozenView | None = None
        self._latency_rng = stream(market.seed, "latency", profile.name)
        self._fault_rng = stream(market.seed, "faults", profile.name)
        self.exchange = Exchange(market, index, profile, initial_balance, self._partial_fill_fraction)
        self._state = HealthState.UNKNOWN
        self._failures = 0
        self._last_ok: datetime | None = None
        self._latency_ms: float | None = None
        self._message = ""

    # -- identity --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def has_private(self) -> bool:
        return True  # the simulated account needs no keys

    @property
    def account(self) -> Account:
        return self.exchange.account

    def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        """Leverage for new exposure on `symbol` (an open position keeps the margin it posted)."""
        self.exchange.set_leverage(symbol, leverage)

    def funding_payments(self, symbol: str | None = None) -> list[FundingPayment]:
        """Funding paid and received so far (the market first catches up with the clock)."""
        return self.exchange.funding_payments(symbol)

    def liquidations(self) -> list[Liquidation]:
        """Positions the venue liquidated so far (the market first catches up with the clock)."""
        return self.exchange.liquidations()

    @property
    def market(self) -> SimMarket:
        """The simulated market this venue belongs to (its events, its other venues)."""
        return self._market

    def on_step(self, step: int, t: datetime) -> None:
        self.exchange.on_step(step, t)
        if self._faults.active or self._faults.ran_out:
            self.report_ended_faults(t)

    def report_ended_faults(self, now: datetime) -> None:
        """A fault whose for_seconds ran out ends in the events too, at the instant it ended."""
        for fault in self._faults.take_ran_out(now):
            if fault.name == "stale":
                self._frozen = None
            ended = fault.until or now
            self._market.events.append(fault_event(self._id, fault.name, False, ended, ran_out=True))

    def on_settlement(self, t: datetime, settled: list[tuple[Listing, float, float]]) -> None:
        self.exchange.on_settlement(t, settled)

    # -- network, latency, faults ----------------------------------------------------------------
    def _draw_latency_s(self) -> float:
        if self.latency_scale <= 0:
            return 0.0
        p = self.profile
        ms = max(1.0, p.latency_ms + p.latency_jitter_ms * self._latency_rng.gauss(0.0, 1.0))
        self._latency_ms = ms * self.latency_scale
        return self._latency_ms / 1000.0

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            await self._market.clock.sleep(seconds)

    def _fail(self, message: str, down: bool) -> VenueUnavailable:
        self._failures += 1
        self._state = (
            HealthState.DOWN if down or self._failures >= _DOWN_AFTER_FAILURES else HealthState.DEGRADED
        )
        self._message = message
        return VenueUnavailable(self._id, message)

    def _succeed(self) -> None:
        self._state = HealthState.OK
        self._failures = 0
        self._last_ok = self._market.clock.now()
        self._message = ""

    def _check_disconnect(self, what: str) -> None:
        if self._faults.get("disconnect", self._market.clock.now()):
            raise self._fail(f"{what}: connection refused (simulated disconnect)", down=True)

    async def _arrive(self, what: str) -> float:
        """The request travels to the venue; returns the time its answer will take to come back."""
        self._check_disconnect(what)
        latency = self._draw_latency_s()
        await self._sleep(latency / 2)
        self._market.advance_to(self._market.clock.now())
        return latency / 2

    async def _timeout_if_set(self, what: str) -> None:
        fault = self._faults.get("timeout", self._market.clock.now())
        if fault is not None:
            await self._sleep(fault.seconds)
            raise self._fail(f"{what}: no answer within {fault.seconds:g} s (simulated timeout)", down=False)

    async def _answer(self, remaining_latency: float) -> None:
        await self._sleep(remaining_latency)
        self._succeed()

    async def _read(self, what: str) -> float:
        """Common path of every read: connect, wait out a timeout fault, pay the latency."""
        back = await self._arrive(what)
        await self._timeout_if_set(what)
        return back

    def set_fault(self, fault: str, on: bool = True, **params: object) -> None:
        now = self._market.clock.now()
        self.report_ended_faults(now)  # an earlier fault's end comes before what happens now
        if not on:
            was_on = self._faults.get(fault, now) is not None
            self._faults.clear(fault)
            if fault == "stale":
                self._frozen = None
            self._market.events.append(fault_event(self._id, fault, False, now, was_on=was_on))
            return
        made = make_fault(fault, now, dict(params))
        self._faults.set(made)
        if fault == "stale":
            self._market.advance_to(now)
            self._frozen = self._market.freeze(self._index)
        self._market.events.append(fault_event(self._id, fault, True, now, until=made.until, **params))

    def faults(self) -> list[str]:
        return self._faults.names(self._market.clock.now())

    def _partial_fill_fraction(self) -> Decimal | None:
        fault = self._faults.get("partial_fill", self._market.clock.now())
        return None if fault is None else fault.fraction

    def _stale_view(self) -> FrozenView | None:
        if self._frozen is not None and self._faults.get("stale", self._market.clock.now()) is None:
            self._frozen = None  # the fault ran out
        return self._frozen

    # -- markets and market data -------------------------------------------------------------
    def markets(self) -> Mapping[str, MarketInfo]:
        """All markets, without a network round trip (for the engine's own set-up)."""
        return {symbol: listing.info for symbol, listing in self._market.listings[self._index].items()}

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        back = await self._read("load_markets")
        out = self.markets()
        await self._answer(back)
        return out

    async def fetch_funding_rates(self, symbols: Sequence[str] | None = None) -> list[FundingRate]:
        back = await self._read("fetch_funding_rates")
        frozen = self._stale_view()
        if frozen is not None:
            wanted = None if symbols is None else set(symbols)
            rates = [r for r in frozen.rates if wanted is None or r.symbol in wanted]
        else:
            rates = self._market.funding_rates(self._index, symbols)
        await self._answer(back)
        return rates

    async def fetch_funding_history(
        self, symbol: str, since: datetime | None = None, limit: int | None = None
    ) -> list[FundingRate]:
        back = await self._read("fetch_funding_history")
        listing = self.exchange.listing(symbol)
        history = self._market.funding_history(self._index, listing, since, limit)
        frozen = self._stale_view()
        if frozen is not None:
            history = [row for row in history if row.ts <= frozen.ts]
        await self._answer(back)
        return history

    async def fetch_tickers(self, symbols: Sequence[str] | None = None) -> list[Ticker]:
        back = await self._read("fetch_tickers")
        wanted = None if symbols is None else set(symbols)
        frozen = self._stale_view()
        if frozen is not None:
            tickers = [t for t in frozen.tickers if wanted is None or t.symbol in wanted]
        else:
            ts = self._market.now
            tickers = [
                self._market.ticker(listing, ts)
                for symbol, listing in self._market.listings[self._index].items()
                if wanted is None or symbol in wanted
            ]
        await self._answer(back)
        return tickers

    async def fetch_order_book(self, symbol: str, depth: int = 20) -> OrderBook:
        back = await self._read("fetch_order_book")
        listing = self.exchange.listing(symbol)
        depth = max(1, min(depth, 500))
        frozen = self._stale_view()
        if frozen is not None:
            mid, factor = frozen.mids[symbol]
            levels = self._market.book_levels(listing, depth, frozen.second, mid, factor)
            book = self._market.order_book(listing, frozen.ts, levels)
        else:
            book = self.exchange.book(listing, depth)
        await self._answer(back)
        return book

    async def fetch_server_time(self) -> datetime:
        back = await self._read("fetch_server_time")
        now = self._market.clock.now()
        await self._answer(back)
        return now

    # -- account -----------------------------------------------------------------------------
    async def fetch_balances(self) -> list[Balance]:
        back = await self._read("fetch_balances")
        balances = self.account.balances(self.exchange.marks())
        await self._answer(back)
        return balances

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        back = await self._read("fetch_positions")
        marks = self.exchange.marks()
        wanted = None if symbols is None else set(symbols)
        positions = [
            self.account.position_view(p, marks.get(p.symbol))
            for symbol, p in sorted(self.account.positions.items())
            if wanted is None or symbol in wanted
        ]
        await self._answer(back)
        return positions

    # -- orders ------------------------------------------------------------------------------
    async def create_order(self, request: OrderRequest) -> Order:
        back = await self._arrive("create_order")
        timeout = self._faults.get("timeout", self._market.clock.now())
        if timeout is not None and not timeout.lands:
            await self._timeout_if_set("create_order")
        reject = self._faults.get("reject", self._market.clock.now())
        if reject is not None and self._fault_rng.random() < reject.probability:
            self._succeed()  # the venue answered: with a refusal
            raise OrderRejected(self._id, reject.reason)
        order = self.exchange.accept(request)
        if timeout is not None:
            await self._timeout_if_set("create_order")  # it landed; the answer is what got lost
        await self._answer(back)
        return order.view()

    async def cancel_order(self, order_id: str, symbol: str) -> Order:
        """Cancel an open order. Cancelling one that is no longer open returns it as it is."""
        back = await self._arrive("cancel_order")
        timeout = self._faults.get("timeout", self._market.clock.now())
        if timeout is not None and not timeout.lands:
            await self._timeout_if_set("cancel_order")
        order = self.exchange.find(order_id, symbol)
        self.exchange.cancel(order)
        if timeout is not None:
            await self._timeout_if_set("cancel_order")
        await self._answer(back)
        return order.view()

    async def fetch_order(self, order_id: str, symbol: str) -> Order:
        """An order by venue id or by client order id (what a retry after a timeout knows)."""
        back = await self._read("fetch_order")
        order = self.exchange.find(order_id, symbol)
        await self._answer(back)
        return order.view()

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        back = await self._read("fetch_open_orders")
        orders = [o.view() for o in self.exchange.open_orders(symbol)]
        await self._answer(back)
        return orders

    # -- health ------------------------------------------------------------------------------
    def health(self) -> VenueHealth:
        return VenueHealth(
            venue=self._id,
            state=self._state,
            latency_ms=self._latency_ms,
            clock_skew_ms=0.0 if self._last_ok is not None else None,
            last_ok=self._last_ok,
            consecutive_failures=self._failures,
            message=self._message,
        )

    async def close(self) -> None:
        """Nothing to release: the market lives in memory."""
