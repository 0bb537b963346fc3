"""A venue's live funding over its ccxt.pro websocket, as FundingRate rows.

One ccxt.pro client per venue, made when the stream first opens and closed with it. What is
watched is the venue profile's choice (profiles.py `ws`): funding-rate structures (OKX,
Paradex) or tickers whose venue payload carries the funding (Binance's mark price stream,
Bybit's, Gate's and Bitget's tickers, Hyperliquid's per-coin context). A ticker is turned into
the shape of a funding structure, then every message goes through the venue's own funding
normalization (CcxtVenue.funding_rows_from): the same strict parsing and the same discovered
intervals as its REST answers. A message that cannot be read costs its rows, counted in
`malformed`; it never stops the stream.

The stream fails, with a VenueUnavailable, when a watch raises (socket closed, subscription
refused) or when nothing arrives for `silence_s` (real seconds: a socket's silence is real
time whatever clock drives the desk). Each failure is reported to the venue's VenueGuard
(record_failure, no rate token spent) and counts like a failed request, so a venue whose stream
and REST both fail turns DEGRADED; rows delivered again report the venue reachable
(record_success), which restores it unless its REST requests are what keeps failing. Falling back to REST
and retrying is the caller's business (market/stream_feed.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ccxt.pro as ccxt_pro

from nexus_tui.core.errors import ConfigError, VenueError, VenueUnavailable
from nexus_tui.core.models import FundingRate
from nexus_tui.venues.ccxt_errors import translate
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.parsing import ExactFields, ParseReport
from nexus_tui.venues.profiles import WsFunding, WsMethod

log = logging.getLogger(__name__)

WATCH_OP = "watch_funding"
WS_SOURCE = "websocket"  # the path named in the venue's health when the stream fails
# A socket that says nothing for this long is taken for dead: Binance pushes every second,
# Bybit on every ticker change, OKX each swap every 30 to 90 s (hundreds of swaps in all).
SILENCE_S = 30.0


@dataclass(frozen=True, slots=True)
class Subscription:
    """One watch call, repeated: its ccxt.pro method and the symbols it names (None = all)."""

    method: WsMethod
    symbols: tuple[str, ...] | None


def subscriptions(ws: WsFunding, perpetuals: Iterable[str]) -> list[Subscription]:
    """The watch calls that cover `perpetuals` for a venue whose profile says `ws`."""
    symbols = sorted(perpetuals)
    if ws.whole_venue:
        return [Subscription(ws.method, None)]
    if ws.method is WsMethod.TICKER:
        return [Subscription(ws.method, (symbol,)) for symbol in symbols]
    if ws.per_settle:
        by_settle: dict[str, list[str]] = {}
        for symbol in symbols:
            by_settle.setdefault(symbol.rpartition(":")[2], []).append(symbol)
        return [Subscription(ws.method, tuple(group)) for _, group in sorted(by_settle.items())]
    return [Subscription(ws.method, tuple(symbols))] if symbols else []


def funding_view(ticker: object, fields: tuple[str, str | None, str | None, str | None]) -> object:
    """A ccxt ticker whose venue payload carries funding, in the shape of a funding structure.

    The rate is left to the venue's own string in `info` (read by the normalization through
    `exact_fields`); a ticker without it is dropped there as `no_rate`. Anything not a ticker
    is passed through for the normalization to reject and count."""
    if not isinstance(ticker, dict):
        return ticker
    info = ticker.get("info")
    _, next_key, _, _ = fields
    next_funding = info.get(next_key) if isinstance(info, dict) and next_key is not None else None
    return {
        "symbol": ticker.get("symbol"),
        "info": info,
        "timestamp": ticker.get("timestamp"),
        "fundingRate": None,
        "fundingTimestamp": next_funding,
        "markPrice": ticker.get("markPrice"),
        "indexPrice": ticker.get("indexPrice"),
        "interval": None,
    }


def make_pro_client(venue: CcxtVenue) -> Any:
    """The venue's ccxt.pro client: public data only (no credentials), same options and
    sandbox as its REST client, sharing the markets the REST client loaded."""
    exchange_class = getattr(ccxt_pro, venue.id, None)
    if exchange_class is None:
        raise ConfigError(f"the installed ccxt.pro has no exchange {venue.id!r}")
    pro = exchange_class(venue.public_client_config())
    if getattr(venue.exchange, "isSandboxModeEnabled", False):
        pro.set_sandbox_mode(True)
    return pro


class CcxtFundingStream:
    """The live funding of one CcxtVenue. open() -> next_rows() ... -> close(); open again
    after a failure or a close (the same ccxt.pro client dials again)."""

    def __init__(self, venue: CcxtVenue, *, pro: Any = None, silence_s: float = SILENCE_S) -> None:
        ws = venue.profile.ws
        if ws is None:
            raise ConfigError(f"{venue.id}: no websocket funding: {venue.profile.ws_note}")
        if silence_s <= 0:
            raise ValueError("silence_s must be positive")
        self.venue = venue
        self.ws = ws
        self.silence_s = silence_s
        self._pro = pro
        self._exact: ExactFields | None = None
        if ws.ticker_fields is not None:
            rate, _, mark, index = ws.ticker_fields
            self._exact = (rate, mark, index)
        self._answers: asyncio.Queue[object] = asyncio.Queue()
        self._watchers: list[asyncio.Task[None]] = []
        self._heard_since_open = False
        self.messages = 0  # answers taken from the socket
        self.malformed = 0  # answers or rows that could not be read (dropped)
        self.failures = 0
        self.last_report: ParseReport | None = None

    @property
    def venue_id(self) -> str:
        return self.venue.id

    @property
    def pro(self) -> Any:
        """The ccxt.pro client (None before the first open)."""
        return self._pro

    # -- lifecycle -----------------------------------------------------------------------
    async def open(self) -> None:
        """Learn the venue's markets and intervals (REST, through its guard), then subscribe.

        Until the venue has answered one REST funding fetch, a symbol whose interval only its
        REST rows carry (Gate, Bitget, Hyperliquid) would be unknown to the stream's rows: the
        first open asks for one (its rows are the REST poll's to publish, not ours)."""
        await self.close_watchers()
        try:
            if self.venue.last_funding_report is None:
                await self.venue.fetch_funding_rates()
            else:
                await self.venue.prepare_funding()
        except VenueError as exc:  # already charged by the guard the REST call went through
            self.venue.stream_status = f"websocket not started ({exc}); REST polling"
            raise
        if self._pro is None:
            self._pro = make_pro_client(self.venue)
        exchange = self.venue.exchange
        if getattr(self._pro, "markets", None) is None and getattr(exchange, "markets", None):
            self._pro.set_markets(exchange.markets, getattr(exchange, "currencies", None))
        wanted = subscriptions(self.ws, self.venue.perpetuals())
        if not wanted:
            raise VenueUnavailable(self.venue_id, "no perpetuals to watch")
        self._answers = asyncio.Queue()
        self._heard_since_open = False
        self._watchers = [
            asyncio.create_task(self._watch(sub), name=f"funding.ws:{self.venue_id}:{i}")
            for i, sub in enumerate(wanted)
        ]
        self.venue.stream_status = "websocket connecting"

    async def close_watchers(self) -> None:
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            watcher.cancel()
        if watchers:
            await asyncio.wait(watchers)

    async def close(self) -> None:
        """Stop watching and close the ccxt.pro client (its sockets and HTTP session)."""
        await self.close_watchers()
        pro = self._pro
        if pro is not None:
            try:
                await pro.close()
            except Exception as exc:  # closing must never fail shutdown
                log.info("%s: closing the websocket client failed: %s", self.venue_id, exc)

    async def _watch(self, sub: Subscription) -> None:
        method = getattr(self._pro, sub.method.value)
        try:
            while True:
                if sub.symbols is None:
                    answer = await method()
                elif sub.method is WsMethod.TICKER:
                    answer = {sub.symbols[0]: await method(sub.symbols[0])}
                else:
                    answer = await method(list(sub.symbols))
                self._answers.put_nowait(answer)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure ends this subscription and is reported once
            self._answers.put_nowait(_Failed(exc))

    # -- reading -------------------------------------------------------------------------
    async def next_rows(self) -> list[FundingRate]:
        """The rows of every answer that arrived since the last call, waiting for at least one.
        May be empty (all it brought was malformed). Raises VenueUnavailable when the stream
        failed or fell silent; the failure is charged to the venue's guard first."""
        if not self._watchers:
            raise VenueUnavailable(self.venue_id, "funding stream is not open")
        try:
            async with asyncio.timeout(self.silence_s):
                first = await self._answers.get()
        except TimeoutError:
            silent = VenueUnavailable(self.venue_id, f"websocket silent for {self.silence_s:g} s")
            raise await self._failed(silent) from None
        answers = [first]
        while not self._answers.empty():
            answers.append(self._answers.get_nowait())
        failed = next((a for a in answers if isinstance(a, _Failed)), None)
        if failed is not None:
            raise await self._failed(translate(failed.error, self.venue_id, WATCH_OP, ()))
        if not self._heard_since_open:
            self._heard_since_open = True
            self.venue.stream_status = "websocket live"
        rows = self._rows(answers)
        if rows:  # the venue demonstrably answers: this may restore it (no rate token spent)
            self.venue.guard.record_success(source=WS_SOURCE)
        return rows

    def _rows(self, answers: list[object]) -> list[FundingRate]:
        structures: list[object] = []
        for answer in answers:
            self.messages += 1
            if not isinstance(answer, Mapping):
                self.malformed += 1
                continue
            if self.ws.ticker_fields is None:
                structures.extend(answer.values())
            else:
                fields = self.ws.ticker_fields
                structures.extend(funding_view(t, fields) for t in answer.values())
        report = ParseReport(self.venue_id)
        now = self.venue.clock.now()
        rows = self.venue.funding_rows_from(structures, now, report, exact_fields=self._exact)
        self.malformed += report.bad
        if report.bad:
            log.info("%s websocket funding: %s", self.venue_id, report.summary())
        self.last_report = report
        return rows

    async def _failed(self, error: VenueError) -> VenueError:
        """Stop the subscriptions and charge the failure; returns the error to raise."""
        self.failures += 1
        self.venue.stream_status = f"websocket down ({error}); REST polling"
        # closed, not just unsubscribed: a silent socket may still look connected, and the next
        # open must dial afresh (a closed ccxt.pro client reconnects on its next watch)
        await self.close()
        # counts toward DEGRADED like a failed request, without spending a REST rate token
        self.venue.guard.record_failure(error, source=WS_SOURCE, op=WATCH_OP)
        return error


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


__all__ = [
    "SILENCE_S",
    "WATCH_OP",
    "WS_SOURCE",
    "CcxtFundingStream",
    "Subscription",
    "funding_view",
    "make_pro_client",
    "subscriptions",
]
