"""CcxtVenue: one real exchange through ccxt.async_support, speaking our domain values.

One ccxt client per venue, closed on shutdown. Every request goes through the venue's VenueGuard
(rate budget with orders ahead of data, timeout, circuit breaker, latency), and every ccxt
exception is translated into ours with a one-line message free of secrets (ccxt_errors.py).
What differs between exchanges lives in their profile (profiles.py), not in branches here.

Funding intervals are discovered (funding_intervals.py): from the rate row, the venue's
interval listing, its market structure or the spacing of its settled funding, in the order the
profile gives; the documented schedule is a last resort that flags the row `interval_assumed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

import ccxt
import ccxt.async_support as ccxt_async

from nexus_tui.core.clock import Clock, from_ms, to_ms
from nexus_tui.core.errors import (
    ConfigError,
    MalformedResponse,
    NotSupportedByVenue,
    VenueError,
    VenueUnavailable,
)
from nexus_tui.core.events import EventBus
from nexus_tui.core.models import (
    Balance,
    FundingRate,
    MarketInfo,
    MarketKind,
    Order,
    OrderBook,
    OrderRequest,
    OrderType,
    Position,
    Ticker,
    VenueHealth,
)
from nexus_tui.venues import parsing
from nexus_tui.venues.ccxt_errors import PARSE_FAILURES, translate
from nexus_tui.venues.funding_intervals import FundingIntervals
from nexus_tui.venues.health import REQUEST_TIMEOUT_S, VenueGuard
from nexus_tui.venues.implicit import FUNDING_FETCHERS
from nexus_tui.venues.key_permissions import PERMISSION_FETCHERS, KeyPermissions
from nexus_tui.venues.parsing import ParseReport
from nexus_tui.venues.profiles import FundingMethod, IntervalSource, VenueProfile, profile_for
from nexus_tui.venues.rate_budget import RateBudget

log = logging.getLogger(__name__)

T = TypeVar("T")

# ccxt credential fields -> where CcxtVenue takes them from (constructor argument or `extra`)
_EXTRA_CREDENTIALS = ("walletAddress", "privateKey", "uid", "accountId")
_REFERENCE_BASES = ("BTC", "ETH", "SOL")  # the perpetual probed for a venue-wide schedule


class _NothingHeard(Exception):
    """ccxt refused a call itself (NotSupported: the exchange has no such method in ccxt, e.g.
    dYdX's fetchTickers), before any request left. That says nothing about the venue, so it must
    not reach the VenueGuard as a VenueAnswered: the guard would count it as proof of life, reset
    the venue's failure count and set its last_ok, and a venue whose every request was failing
    never turned DEGRADED (the opportunity service asks dYdX for tickers every minute). Raised
    inside the guard as an error that is neither an answer nor a failure (VenueGuard.call
    re-raises it without counting), then unwrapped into the NotSupportedByVenue callers expect."""

    def __init__(self, error: VenueError) -> None:
        super().__init__(str(error))
        self.error = error


class CcxtVenue:
    """A Venue (venues/port.py) backed by one ccxt.async_support exchange."""

    def __init__(
        self,
        exchange_id: str,
        clock: Clock,
        *,
        api_key: str | None = None,
        secret: str | None = None,
        password: str | None = None,
        testnet: bool = False,
        extra: Mapping[str, str] | None = None,
        exchange: Any = None,
        guard: VenueGuard | None = None,
        bus: EventBus | None = None,
        timeout_s: float = REQUEST_TIMEOUT_S,
        history_probes_per_refresh: int = 4,
        listing_max_age_s: float = 3600.0,
        history_retry_s: float = 600.0,
    ) -> None:
        self.profile: VenueProfile = profile_for(exchange_id)
        self._id = exchange_id
        self._clock = clock
        extra = dict(extra or {})
        unknown = sorted(set(extra) - set(_EXTRA_CREDENTIALS))
        if unknown:
            raise ConfigError(f"{exchange_id}: unknown credential field(s) {', '.join(unknown)}")
        # every secret we hold, so no error message can ever echo one
        self._secrets = tuple(v for v in (api_key, secret, password, extra.get("privateKey")) if v)
        if exchange is None:
            exchange = self._build_exchange(api_key, secret, password, extra, timeout_s)
        if testnet:
            if not self.profile.sandbox:
                raise ConfigError(f"{exchange_id} has no testnet/sandbox in ccxt; set testnet: false")
            exchange.set_sandbox_mode(True)
        self._exchange = exchange
        if guard is None:
            # our budget keeps orders ahead of data; ccxt's own limiter (real time) stays on behind it
            interval_ms = float(getattr(exchange, "rateLimit", 0) or 0)
            budget = None
            if interval_ms > 0:
                budget = RateBudget.from_interval_ms(clock, interval_ms, venue_id=exchange_id)
            guard = VenueGuard(exchange_id, clock, timeout_s=timeout_s, bus=bus, budget=budget)
        self._guard = guard
        self._intervals = FundingIntervals(self.profile)
        self._markets: dict[str, MarketInfo] | None = None
        self._perpetuals: frozenset[str] = frozenset()
        self._closed = False
        self._row_failures = 0
        self._history_probes_per_refresh = history_probes_per_refresh
        self._listing_max_age = timedelta(seconds=listing_max_age_s)
        self._history_retry = timedelta(seconds=history_retry_s)
        self._history_probed: dict[str, datetime] = {}  # symbol ("*" = venue-wide) -> last attempt
        self.last_funding_report: ParseReport | None = None
        # what the websocket funding stream is doing (venues/ccxt_stream.py); None = no stream
        self.stream_status: str | None = None
        self._guard_row_parser()

    def _build_exchange(
        self,
        api_key: str | None,
        secret: str | None,
        password: str | None,
        extra: Mapping[str, str],
        timeout_s: float,
    ) -> Any:
        exchange_class = getattr(ccxt_async, self._id, None)
        if exchange_class is None:
            raise ConfigError(f"the installed ccxt has no exchange {self._id!r}")
        config = self.public_client_config(timeout_s)
        for field, value in (("apiKey", api_key), ("secret", secret), ("password", password), *extra.items()):
            if value:
                config[field] = value
        return exchange_class(config)

    def public_client_config(self, timeout_s: float | None = None) -> dict[str, Any]:
        """The ccxt constructor config without credentials (the websocket client uses it too)."""
        options: dict[str, Any] = dict(self.profile.ccxt_options)
        if self.profile.market_types is not None:
            options["fetchMarkets"] = {"types": list(self.profile.market_types)}
        if timeout_s is None:
            timeout_s = self._guard.timeout_s
        return {"enableRateLimit": True, "timeout": int(timeout_s * 1000), "options": options}

    def _guard_row_parser(self) -> None:
        """Make one malformed row cost one row, not the whole response, and count the rows ccxt
        leaves out (its parseFundingRates silently drops a row it cannot give a symbol).

        The whole answer goes through ccxt's own batch parse first (no per-row cost); only if a
        row makes ccxt's parser raise is the answer parsed again row by row, each broken row
        then being dropped."""
        exchange = self._exchange
        original_row = exchange.parse_funding_rate
        original_many = exchange.parse_funding_rates

        def guarded_row(contract: Any, market: Any = None) -> dict[str, Any]:
            try:
                parsed = original_row(contract, market)
            except (*PARSE_FAILURES, ccxt.BaseError):
                return {"symbol": None}
            return parsed if isinstance(parsed, dict) else {"symbol": None}

        def parse_funding_rates(response: Any, symbols: Any = None) -> Any:
            # ccxt hands over the raw text when the body is not JSON; iterating it would turn
            # every character into a "bad row"
            if not isinstance(response, list):
                raise ccxt.BadResponse(f"funding answer is not a JSON list ({type(response).__name__})")
            try:
                result = original_many(response, symbols)
            except (*PARSE_FAILURES, ccxt.BaseError):
                exchange.parse_funding_rate = guarded_row
                try:
                    result = original_many(response, symbols)
                finally:
                    exchange.parse_funding_rate = original_row
            if symbols is None and isinstance(result, Mapping):
                self._row_failures += max(0, len(response) - len(result))
            return result

        exchange.parse_funding_rates = parse_funding_rates

    # -- identity ------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def exchange(self) -> Any:
        """The ccxt client (for tests and diagnostics; callers use the Venue methods)."""
        return self._exchange

    @property
    def intervals(self) -> FundingIntervals:
        return self._intervals

    @property
    def guard(self) -> VenueGuard:
        return self._guard

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def has_private(self) -> bool:
        return all(getattr(self._exchange, field, None) for field in self.profile.credentials)

    # -- the call path -------------------------------------------------------------------
    async def _call(
        self, op: str, factory: Callable[[], Awaitable[T]], *, kind: Literal["data", "order"] = "data"
    ) -> T:
        if self._closed:
            raise VenueUnavailable(self._id, "client closed")

        async def request() -> T:
            try:
                return await factory()
            except (VenueError, asyncio.CancelledError):
                raise
            except ccxt.NotSupported as exc:
                raise _NothingHeard(translate(exc, self._id, op, self._secrets)) from None
            except Exception as exc:
                raise translate(exc, self._id, op, self._secrets, placing_order=kind == "order") from None

        try:
            return await self._guard.call(op, request, kind=kind)
        except _NothingHeard as refused:
            raise refused.error from None

    def _require_private(self, op: str) -> None:
        if not self.has_private:
            raise VenueError(self._id, f"{op} needs API credentials; add them with `nexus-tui config set`")

    # -- markets -------------------------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        if self._markets is not None and not reload:
            return self._markets
        raw = await self._call("load_markets", lambda: self._exchange.load_markets(reload))
        if not isinstance(raw, Mapping):
            raise MalformedResponse(self._id, "markets answer is not a mapping")
        now = self._clock.now()
        report = ParseReport(self._id)
        profile = self.profile
        use_info = IntervalSource.MARKET_INFO in profile.interval_sources
        markets: dict[str, MarketInfo] = {}
        for symbol, market in raw.items():
            if not isinstance(market, Mapping):
                report.reject("not_an_object")
                continue
            hours = None
            if use_info and market.get("swap"):
                hours = parsing.market_info_interval_hours(
                    market, profile.market_info_interval, profile.market_info_unit_ms
                )
            if hours is not None:
                self._intervals.learn(str(symbol), hours, IntervalSource.MARKET_INFO, now)
            info = parsing.market_info(
                self._id,
                market,
                precision_mode=int(getattr(self._exchange, "precisionMode", parsing.TICK_SIZE_MODE)),
                interval_hours=hours,
                report=report,
            )
            if info is not None:
                markets[info.symbol] = info
        self._markets = markets
        self._perpetuals = frozenset(
            symbol
            for symbol, m in markets.items()
            if m.kind is MarketKind.PERP and m.active and m.settle in profile.settle
        )
        if report.bad:
            log.info("%s markets: %s", self._id, report.summary())
        return markets

    def perpetuals(self) -> frozenset[str]:
        """Live perpetuals settled in one of the profile's currencies (after load_markets)."""
        return self._perpetuals

    # -- funding -------------------------------------------------------------------------
    async def fetch_funding_rates(self, symbols: Sequence[str] | None = None) -> list[FundingRate]:
        await self.load_markets()
        await self._discover_intervals()
        unified, row_failures = await self._call("fetch_funding_rates", self._fetch_unified_funding)
        now = self._clock.now()
        report = ParseReport(self._id)
        for _ in range(row_failures):
            report.reject("venue_row_unparseable")
        wanted = self._perpetuals if symbols is None else self._perpetuals.intersection(symbols)
        rows = self.funding_rows_from(unified, now, report, perpetuals=wanted)
        self.last_funding_report = report
        if report.reasons.get("interval_unknown"):
            await self._probe_history_for_unknown(unified, wanted)
        return rows

    async def prepare_funding(self) -> None:
        """Markets and the venue-wide interval sources, as a funding fetch asks them first (the
        websocket stream calls it before it subscribes)."""
        await self.load_markets()
        await self._discover_intervals()

    def funding_rows_from(
        self,
        unified: Sequence[Any],
        observed_at: datetime,
        report: ParseReport,
        *,
        perpetuals: frozenset[str] | None = None,
        exact_fields: parsing.ExactFields | None = None,
    ) -> list[FundingRate]:
        """ccxt funding structures -> FundingRate rows, the one normalization of this venue's
        funding (REST answers and websocket messages alike): its perpetuals only, intervals
        from what was discovered, its profile's unit quirks. `exact_fields` replaces the
        profile's where a message puts the venue's strings under other keys."""
        self._intervals.begin(observed_at)
        return parsing.funding_rows(
            self._id,
            unified,
            perpetuals=self._perpetuals if perpetuals is None else perpetuals,
            interval_for=self._intervals.lookup,
            observed_at=observed_at,
            report=report,
            reported_rate_hours=self.profile.reported_rate_hours,
            next_funding_on_schedule=self.profile.next_funding_on_schedule,
            exact_fields=self.profile.exact_fields if exact_fields is None else exact_fields,
        )

    async def _fetch_unified_funding(self) -> tuple[list[Any], int]:
        self._row_failures = 0
        exchange = self._exchange
        if self.profile.funding_method is FundingMethod.IMPLICIT:
            rows: list[Any] = await FUNDING_FETCHERS[self._id](exchange)
            return rows, 0
        rows = []
        for params in self.profile.funding_params:
            answer = await exchange.fetch_funding_rates(None, dict(params))
            if not isinstance(answer, Mapping):
                raise ccxt.BadResponse("fetchFundingRates did not answer a mapping")
            rows.extend(answer.values())
        return rows, self._row_failures

    async def _discover_intervals(self) -> None:
        """Ask the venue-wide sources before parsing: the interval listing and, for a venue with
        one schedule and no interval in its rows, the spacing of one perpetual's history."""
        profile, now, exchange = self.profile, self._clock.now(), self._exchange
        sources = profile.interval_sources
        listing_at = self._intervals.listing_at
        if (
            IntervalSource.FUNDING_INTERVALS in sources
            and exchange.has.get("fetchFundingIntervals")
            and (listing_at is None or now - listing_at >= self._listing_max_age)
        ):
            try:
                listing = await self._call(
                    "fetch_funding_intervals", lambda: exchange.fetch_funding_intervals(None, {})
                )
            except VenueError as exc:
                log.info("%s: interval listing unavailable: %s", self._id, exc)
            else:
                if isinstance(listing, Mapping):
                    for symbol, row in listing.items():
                        label = row.get("interval") if isinstance(row, Mapping) else None
                        hours = parsing.interval_hours_from_label(label)
                        if hours is not None:
                            self._intervals.learn(str(symbol), hours, IntervalSource.FUNDING_INTERVALS, now)
                    self._intervals.listing_answered(now)
        if (
            profile.uniform_interval
            and IntervalSource.HISTORY in sources
            and IntervalSource.RATE_ROW not in sources
            and self._intervals.venue_wide is None
            and self._due("*", now)
        ):
            reference = self._reference_perpetual()
            if reference is not None:
                hours = await self._history_spacing(reference)
                if hours is not None:
                    self._intervals.learn_venue_wide(hours, IntervalSource.HISTORY, now)

    def _due(self, key: str, now: datetime) -> bool:
        last = self._history_probed.get(key)
        if last is not None and now - last < self._history_retry:
            return False
        self._history_probed[key] = now
        return True

    def _reference_perpetual(self) -> str | None:
        by_base: dict[str, str] = {}
        for symbol in sorted(self._perpetuals):
            by_base.setdefault(symbol.split("/", 1)[0], symbol)
        for base in _REFERENCE_BASES:
            if base in by_base:
                return by_base[base]
        return min(self._perpetuals) if self._perpetuals else None

    async def _history_spacing(self, symbol: str) -> int | None:
        if not self._exchange.has.get("fetchFundingRateHistory"):
            return None
        try:
            history = await self._call(
                "fetch_funding_history", lambda: self._exchange.fetch_funding_rate_history(symbol, None, 10)
            )
        except VenueError as exc:
            log.info("%s: funding history of %s unavailable: %s", self._id, symbol, exc)
            return None
        if not isinstance(history, list):
            return None
        stamps = (row.get("timestamp") for row in history if isinstance(row, Mapping))
        return parsing.interval_hours_from_spacing([ts for ts in stamps if isinstance(ts, int)])

    async def _probe_history_for_unknown(self, unified: Sequence[Any], wanted: frozenset[str]) -> None:
        """Rows left out for want of an interval: learn a few symbols' intervals from the spacing
        of their history, so they appear on a following refresh (bounded per refresh)."""
        if IntervalSource.HISTORY not in self.profile.interval_sources:
            return
        now = self._clock.now()
        symbols = [row.get("symbol") for row in unified if isinstance(row, Mapping)]
        candidates = self._intervals.unknown(s for s in symbols if isinstance(s, str) and s in wanted)
        for symbol in candidates[: self._history_probes_per_refresh]:
            if not self._due(symbol, now):
                continue
            hours = await self._history_spacing(symbol)
            if hours is not None:
                self._intervals.learn(symbol, hours, IntervalSource.HISTORY, now)

    async def fetch_funding_history(
        self, symbol: str, since: datetime | None = None, limit: int | None = None
    ) -> list[FundingRate]:
        await self.load_markets()
        since_ms = to_ms(since) if since is not None else None
        raw = await self._call(
            "fetch_funding_history",
            lambda: self._exchange.fetch_funding_rate_history(symbol, since_ms, limit),
        )
        if not isinstance(raw, list):
            raise MalformedResponse(self._id, "funding history is not a list")
        current = self._intervals.lookup(symbol, {})
        report = ParseReport(self._id)
        rows = parsing.funding_history_rows(
            self._id, raw, symbol=symbol, fallback_interval=current, report=report
        )
        newest = rows[-1].ts if rows else None
        if newest is not None and self._clock.now() - newest < timedelta(days=1):
            spacing = parsing.interval_hours_from_spacing([to_ms(r.ts) for r in rows])
            if spacing is not None:
                self._intervals.learn(symbol, spacing, IntervalSource.HISTORY, self._clock.now())
        return rows

    # -- market data ---------------------------------------------------------------------
    async def fetch_tickers(self, symbols: Sequence[str] | None = None) -> list[Ticker]:
        await self.load_markets()
        wanted = list(symbols) if symbols is not None else None
        raw = await self._call("fetch_tickers", lambda: self._exchange.fetch_tickers(wanted))
        if not isinstance(raw, Mapping):
            raise MalformedResponse(self._id, "tickers answer is not a mapping")
        now = self._clock.now()
        tickers = (parsing.ticker(self._id, t, now) for t in raw.values() if isinstance(t, Mapping))
        return [t for t in tickers if t is not None]

    async def fetch_order_book(self, symbol: str, depth: int = 20) -> OrderBook:
        await self.load_markets()
        raw = await self._call("fetch_order_book", lambda: self._exchange.fetch_order_book(symbol, depth))
        if not isinstance(raw, Mapping):
            raise MalformedResponse(self._id, "order book answer is not a mapping")
        report = ParseReport(self._id)
        book = parsing.order_book(
            self._id, symbol, raw, self._clock.now(), report, self._contract_size(symbol)
        )
        if report.bad:
            log.info("%s %s book: %s", self._id, symbol, report.summary())
        return book

    async def fetch_server_time(self) -> datetime:
        sent = self._clock.now()
        server_ms = await self._call("fetch_time", self._exchange.fetch_time)
        received = self._clock.now()
        if not isinstance(server_ms, int | float) or parsing.ms_or_none(server_ms) is None:
            raise MalformedResponse(self._id, f"server time {server_ms!r} is not a timestamp")
        server = from_ms(server_ms)
        self._guard.record_server_time(server, sent, received)
        return server

    # -- private -------------------------------------------------------------------------
    async def fetch_balances(self) -> list[Balance]:
        self._require_private("fetch_balances")
        raw = await self._call("fetch_balances", self._exchange.fetch_balance)
        if not isinstance(raw, Mapping):
            raise MalformedResponse(self._id, "balance answer is not a mapping")
        return parsing.balances(self._id, raw)

    async def fetch_key_permissions(self) -> KeyPermissions:
        """What the configured API key may do ({"withdraw": bool | None, "trade": ..., ...}), for
        the venues that report it (key_permissions.py); NotSupportedByVenue for the others."""
        self._require_private("fetch_key_permissions")
        fetcher = PERMISSION_FETCHERS.get(self._id)
        if fetcher is None:
            raise NotSupportedByVenue(self._id, "this venue does not report an API key's permissions")
        return await self._call("fetch_key_permissions", lambda: fetcher(self._exchange))

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        self._require_private("fetch_positions")
        await self.load_markets()
        wanted = list(symbols) if symbols is not None else None
        raw = await self._call("fetch_positions", lambda: self._exchange.fetch_positions(wanted))
        if not isinstance(raw, list):
            raise MalformedResponse(self._id, "positions answer is not a list")
        report = ParseReport(self._id)
        positions = (parsing.position(self._id, p, report) for p in raw if isinstance(p, Mapping))
        return [p for p in positions if p is not None]

    async def create_order(self, request: OrderRequest) -> Order:
        self._require_private("create_order")
        await self.load_markets()
        params: dict[str, Any] = {"clientOrderId": request.client_order_id}
        if request.reduce_only:
            params["reduceOnly"] = True
        if request.post_only:
            params["postOnly"] = True
        price = float(request.price) if request.price is not None else None
        if request.type is OrderType.LIMIT and price is None:
            raise VenueError(self._id, f"limit order {request.client_order_id} has no price")
        # ccxt counts contracts; we count base units
        contracts = float(request.amount / self._contract_size(request.symbol))
        raw = await self._call(
            "create_order",
            lambda: self._exchange.create_order(
                request.symbol, request.type.value, request.side.value, contracts, price, params
            ),
            kind="order",
        )
        asked = parsing.OrderDefaults(
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            amount=request.amount,
            price=request.price,
            client_order_id=request.client_order_id,
            reduce_only=request.reduce_only,
        )
        return self._order(raw, "create_order", asked)

    async def cancel_order(self, order_id: str, symbol: str) -> Order:
        self._require_private("cancel_order")
        await self.load_markets()
        raw = await self._call(
            "cancel_order", lambda: self._exchange.cancel_order(order_id, symbol), kind="order"
        )
        return self._order(raw, "cancel_order")

    async def fetch_order(self, order_id: str, symbol: str) -> Order:
        self._require_private("fetch_order")
        await self.load_markets()
        raw = await self._call("fetch_order", lambda: self._exchange.fetch_order(order_id, symbol))
        return self._order(raw, "fetch_order")

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        self._require_private("fetch_open_orders")
        await self.load_markets()
        raw = await self._call("fetch_open_orders", lambda: self._exchange.fetch_open_orders(symbol))
        if not isinstance(raw, list):
            raise MalformedResponse(self._id, "open orders answer is not a list")
        orders = (
            parsing.order(self._id, o, None, self._contract_size(o.get("symbol")))
            for o in raw
            if isinstance(o, Mapping)
        )
        return [o for o in orders if o is not None]

    def _order(self, raw: object, op: str, asked: parsing.OrderDefaults | None = None) -> Order:
        order = None
        if isinstance(raw, Mapping):
            symbol = raw.get("symbol") or (asked.symbol if asked else None)
            order = parsing.order(self._id, raw, asked, self._contract_size(symbol))
        if order is None:
            raise MalformedResponse(self._id, f"{op}: the answer is not an order")
        return order

    def _contract_size(self, symbol: object) -> Decimal:
        market = self._markets.get(symbol) if self._markets is not None and isinstance(symbol, str) else None
        return market.contract_size if market is not None else Decimal(1)

    # -- health and lifecycle ------------------------------------------------------------
    def health(self) -> VenueHealth:
        health = self._guard.health()
        report = self.last_funding_report
        if report is None and self.stream_status is None:
            return health
        details = dict(health.details)
        if report is not None:
            details["funding_rows"] = report.summary()
        if self.stream_status is not None:
            details["funding_stream"] = self.stream_status
        return replace(health, details=details)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._exchange.close()
        except Exception as exc:  # closing must never fail shutdown
            log.info("%s: close failed: %s", self._id, translate(exc, self._id, "close", self._secrets))


def _secret(value: Any) -> str | None:
    """The clear text of a pydantic SecretStr (or a plain string), None when unset."""
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    text = getter() if callable(getter) else value
    return str(text) if text else None


def make_ccxt_venue(
    venue_id: str,
    venue_config: Any,
    clock: Clock,
    *,
    bus: EventBus | None = None,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> CcxtVenue:
    """A CcxtVenue from the config's VenueConfig (config/schema.py): credentials, testnet."""
    extra: dict[str, str] = {}
    wallet = getattr(venue_config, "wallet_address", None)
    private_key = _secret(getattr(venue_config, "private_key", None))
    if wallet:
        extra["walletAddress"] = str(wallet)
    if private_key:
        extra["privateKey"] = private_key
    return CcxtVenue(
        venue_id,
        clock,
        api_key=_secret(getattr(venue_config, "api_key", None)),
        secret=_secret(getattr(venue_config, "api_secret", None)),
        password=_secret(getattr(venue_config, "passphrase", None)),
        testnet=bool(getattr(venue_config, "testnet", False)),
        extra=extra,
        bus=bus,
        timeout_s=timeout_s,
    )
