"""ArbitrageScanner, the secondary funding source: client, strict parsing, slug map, refresh feed.

Seed 000 §2.1 / §7.0.2 document two endpoints:

- the funding table (every 5 s): a JSON list of tokens, each
  `{"slug", "symbol": "BTCUSDT", "ticker": "BTC", "tokenId", "maxSpread", "rates": [
  {"exchange": "binance_futures", "rate": 0.01, "nextFundingTime": <unix ms>, "ticker", "symbol"}]}`
  where `rate` is in PERCENT per funding interval (0.01 = 0.01 % = 0.0001 as a fraction);
- the exchange registry (hourly): `{"rows": [{"slug", "title", "enabled_futures",
  "enabled_funding_rates", "enabled_spot", "ref_trading_pair_url", "chain"}]}`.

Parsing is strict and never stops the loop: each rate entry becomes one FundingRate or is dropped
and counted under a reason. Only a response that is not the documented shape at all (not JSON,
not a list) fails the fetch, as MalformedResponse, which the VenueGuard counts like any failure.

The table does not say how long each venue's funding interval is. A row takes the interval the
venue's own API reported for that market when the caller can tell us (`interval_for`), else the
venue's protocol-fixed interval (the hourly DEX perps), else the table's own convention: its
documented annualisation is `rate * 3 * 365`, i.e. 8-hour intervals. Rows that got their interval
from that convention carry the `interval_assumed` flag, so nobody mistakes it for a fact.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import aiohttp

from nexus_tui.core.clock import Clock, from_ms
from nexus_tui.core.errors import MalformedResponse, VenueError, VenueUnavailable
from nexus_tui.core.events import Event, EventBus
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.core.money import D
from nexus_tui.venues.health import VenueGuard

log = logging.getLogger(__name__)

SOURCE_ID = "arbitragescanner"  # the id its VenueGuard and health events use
UNKNOWN_VENUE_PREFIX = "as:"
SCANNER_INTERVAL_HOURS = 8  # the table's documented convention (annualised as rate * 3 * 365)
INTERVAL_ASSUMED = "interval_assumed"  # FundingRate flag: the interval is the convention, not a fact
MAX_ABS_RATE = Decimal("0.1")  # 10 % per interval: beyond any venue's cap, so a unit or parse error
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_PERCENT = Decimal(100)
_EARLIEST_MS = 1_262_304_000_000  # 2010-01-01: an older "next funding time" is not in ms
_LATEST_MS = 4_102_444_800_000  # 2100-01-01

IntervalLookup = Callable[[str, str], int | None]  # (venue, symbol) -> hours the venue reported


# -- slug map --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlugVenue:
    """How one ArbitrageScanner exchange slug maps onto our venues (ccxt ids and symbols)."""

    venue: str
    quote: str | None = None  # forced quote: the DEX perps are all USDC-margined on ccxt
    settle: str | None = None
    fixed_interval_hours: int | None = None  # set by the protocol for every market


def _usdc_hourly(venue: str) -> SlugVenue:
    return SlugVenue(venue, quote="USDC", settle="USDC", fixed_interval_hours=1)


# `binance_futures` is the documented example; the other slugs are the spellings seen in public
# clients of this API (OKX still appears under its old name, okex). Aliases cost nothing.
_SLUGS: Mapping[str, SlugVenue] = {
    "binance_futures": SlugVenue("binanceusdm"),
    "binance_usdm": SlugVenue("binanceusdm"),
    "bybit_futures": SlugVenue("bybit"),
    "bybit": SlugVenue("bybit"),
    "okex_futures": SlugVenue("okx"),
    "okx_futures": SlugVenue("okx"),
    "okx": SlugVenue("okx"),
    "gate_futures": SlugVenue("gate"),
    "gateio_futures": SlugVenue("gate"),
    "gate_io_futures": SlugVenue("gate"),
    "kucoin_futures": SlugVenue("kucoinfutures"),
    "bitget_futures": SlugVenue("bitget"),
    "mexc_futures": SlugVenue("mexc"),
    "bingx_futures": SlugVenue("bingx"),
    "htx_futures": SlugVenue("htx"),
    "huobi_futures": SlugVenue("htx"),
    "hyperliquid": _usdc_hourly("hyperliquid"),
    "hyperliquid_futures": _usdc_hourly("hyperliquid"),
    "dydx": _usdc_hourly("dydx"),
    "dydx_futures": _usdc_hourly("dydx"),
    "dydx_v4": _usdc_hourly("dydx"),
    "lighter": _usdc_hourly("lighter"),
    "lighter_futures": _usdc_hourly("lighter"),
    "extended": _usdc_hourly("extended"),
    "extended_futures": _usdc_hourly("extended"),
    "paradex": SlugVenue("paradex", quote="USD", settle="USDC"),
    "paradex_futures": SlugVenue("paradex", quote="USD", settle="USDC"),
}

_SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_KNOWN_QUOTES = ("FDUSD", "USDT", "USDC", "USDE", "BUSD", "USD")  # longest first: USDT before USD


def slug_to_venue(slug: str) -> str | None:
    """The ccxt id for an ArbitrageScanner exchange slug; None when we do not know the slug."""
    entry = _SLUGS.get(slug.strip().lower())
    return entry.venue if entry else None


def _market_in(wire_symbol: object, ticker: str) -> tuple[str, str] | None:
    """(base, quote) read from a venue's own symbol: BTCUSDT, BTC-USDT-SWAP, BTC_USDT, BTCUSDTM
    (KuCoin) with ticker BTC give (BTC, USDT); 1000PEPEUSDT with ticker PEPE gives (1000PEPE,
    USDT), which is how ccxt names Binance's multiplied contracts."""
    if not isinstance(wire_symbol, str) or len(wire_symbol) > 64:
        return None
    return _market_in_text(wire_symbol, ticker)


@lru_cache(maxsize=65536)  # the same few thousand symbols come back every 5 seconds
def _market_in_text(wire_symbol: str, ticker: str) -> tuple[str, str] | None:
    compact = re.sub(r"[^A-Z0-9]", "", wire_symbol.upper())
    at = compact.find(ticker)
    if at < 0:
        return None
    multiplier = compact[:at]
    if multiplier and not multiplier.isdigit():
        return None  # e.g. XBTUSDTM for BTC: the token's own symbol will tell
    rest = compact[at + len(ticker) :]
    quote = next((q for q in _KNOWN_QUOTES if rest.startswith(q)), None)
    return (multiplier + ticker, quote) if quote else None


# -- parsed values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScannerExchange:
    """One exchange of the ArbitrageScanner registry."""

    slug: str
    title: str
    venue: str | None  # ccxt id when we know the slug
    futures: bool
    funding_rates: bool
    spot: bool
    chain: str = ""
    trading_url_template: str = ""

    @property
    def is_dex(self) -> bool:
        return bool(self.chain)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One funding-table fetch: the rows we could read, and how many we could not, and why."""

    fetched_at: datetime
    rows: list[FundingRate]
    dropped: int
    reasons: dict[str, int]
    tokens: int = 0
    max_spread: dict[str, Decimal] = field(default_factory=dict)  # ticker -> maxSpread (percent)


_BAD = object()  # a cached "this value does not parse"


class _Drop(Exception):
    """A row is unusable: the reason is counted, the loop goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- parsing ---------------------------------------------------------------------------------


def _tokens_of(payload: object) -> list[object]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):  # tolerate an envelope such as {"data": [...]}
        for key in ("data", "rows", "items", "result"):
            if isinstance(payload.get(key), list):
                return list(payload[key])
    raise MalformedResponse(SOURCE_ID, f"funding table is a {type(payload).__name__}, expected a list")


def _rate_fraction(value: object) -> Decimal:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Drop("bad rate")
    try:
        fraction = D(value) / _PERCENT
    except ValueError:
        raise _Drop("bad rate") from None
    if abs(fraction) > MAX_ABS_RATE:
        raise _Drop("rate out of range")
    return fraction


def _next_funding(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Drop("bad next funding time")
    try:
        ms = D(value)
    except ValueError:
        raise _Drop("bad next funding time") from None
    if not _EARLIEST_MS <= ms <= _LATEST_MS:
        raise _Drop("bad next funding time")
    return from_ms(int(ms))


def _is_base(text: str) -> bool:
    """[A-Z0-9]{1,20}, without a regex: this runs for every row of every table."""
    return 0 < len(text) <= 20 and text.isascii() and text.isalnum() and text == text.upper()


def _ticker_of(entry: Mapping[str, Any], token: Mapping[str, Any]) -> str:
    for raw in (entry.get("ticker"), token.get("ticker")):
        if isinstance(raw, str):
            ticker = raw.strip().upper()
            if _is_base(ticker):
                return ticker
    raise _Drop("no usable ticker")


def _symbol_for(mapping: SlugVenue | None, entry: Mapping[str, Any], token: Mapping[str, Any]) -> str:
    ticker = _ticker_of(entry, token)
    market = _market_in(entry.get("symbol"), ticker) or _market_in(token.get("symbol"), ticker)
    if market is None and not (mapping and mapping.quote):
        raise _Drop("cannot tell quote currency")
    base = market[0] if market else ticker
    quote = mapping.quote if mapping and mapping.quote else market[1] if market else ""
    settle = mapping.settle if mapping and mapping.settle else quote
    if settle == "USD":
        raise _Drop("cannot tell settle currency")  # a USD quote without a known settle may be inverse
    if not _is_base(base):
        raise _Drop("no usable ticker")
    return f"{base}/{quote}:{settle}"


def _venue_for(slug_raw: object) -> tuple[str, SlugVenue | None]:
    if not isinstance(slug_raw, str):
        raise _Drop("no exchange slug")
    slug = slug_raw.strip().lower()
    mapping = _SLUGS.get(slug)
    if mapping is None and not _SLUG_PATTERN.match(slug):
        raise _Drop("no exchange slug")
    return (mapping.venue if mapping else f"{UNKNOWN_VENUE_PREFIX}{slug}"), mapping


class _TableParser:
    """Accumulates one funding table: rows keyed by market, drop counts by reason."""

    def __init__(self, observed_at: datetime, interval_for: IntervalLookup | None) -> None:
        self.observed_at = observed_at
        self.interval_for = interval_for
        self.reasons: Counter[str] = Counter()
        self.rows: dict[tuple[str, str], FundingRate] = {}
        self.ambiguous: set[tuple[str, str]] = set()
        self._next_times: dict[tuple[type, object], object] = {}
        self.max_spread: dict[str, Decimal] = {}

    def token(self, token: object) -> None:
        if not isinstance(token, dict):
            self.reasons["token not an object"] += 1
            return
        rates = token.get("rates")
        if not isinstance(rates, list):
            self.reasons["token without a rates list"] += 1
            return
        self._note_max_spread(token)
        for entry in rates:
            try:
                self._entry(entry, token)
            except _Drop as drop:
                self.reasons[drop.reason] += 1

    def _note_max_spread(self, token: Mapping[str, Any]) -> None:
        ticker, spread = token.get("ticker"), token.get("maxSpread")
        if isinstance(ticker, str) and isinstance(spread, int | float | str) and not isinstance(spread, bool):
            try:
                self.max_spread[ticker.strip().upper()] = D(spread)
            except ValueError:
                pass  # an unreadable maxSpread only loses the discovery hint, never the rates

    def _entry(self, entry: object, token: Mapping[str, Any]) -> None:
        if not isinstance(entry, dict):
            raise _Drop("rate entry not an object")
        venue, mapping = _venue_for(entry.get("exchange"))
        rate = _rate_fraction(entry.get("rate"))
        next_ts = self._next_funding(entry.get("nextFundingTime"))
        symbol = _symbol_for(mapping, entry, token)
        key = (venue, symbol)
        interval, assumed = self._interval(key, mapping)
        row = FundingRate(
            venue=venue,
            symbol=symbol,
            rate=rate,
            interval_hours=interval,
            ts=self.observed_at,
            next_funding_ts=next_ts,
            source=FundingSource.SECONDARY,
            flags=(INTERVAL_ASSUMED,) if assumed else (),
        )
        self._keep(key, row)

    def _next_funding(self, value: object) -> datetime | None:
        # most rows share a handful of settlement times: parse each distinct value once
        if not isinstance(value, int | str) or isinstance(value, bool):
            return _next_funding(value)
        key = (type(value), value)
        if key not in self._next_times:
            try:
                self._next_times[key] = _next_funding(value)
            except _Drop:
                self._next_times[key] = _BAD
        parsed = self._next_times[key]
        if parsed is _BAD:
            raise _Drop("bad next funding time")
        return parsed  # type: ignore[return-value]

    def _interval(self, key: tuple[str, str], mapping: SlugVenue | None) -> tuple[int, bool]:
        """(hours, assumed): the venue's own figure, else the protocol's, else the 8 h convention."""
        if self.interval_for is not None:
            try:
                known = self.interval_for(*key)
            except Exception:  # a lookup bug must not cost us the row; the convention applies
                log.warning("interval lookup failed for %s %s", *key, exc_info=True)
                known = None
            if isinstance(known, int) and not isinstance(known, bool) and known > 0:
                return known, False
        if mapping is not None and mapping.fixed_interval_hours:
            return mapping.fixed_interval_hours, False
        return SCANNER_INTERVAL_HOURS, True

    def _keep(self, key: tuple[str, str], row: FundingRate) -> None:
        if key in self.ambiguous:
            self.reasons["ambiguous market"] += 1
            return
        previous = self.rows.get(key)
        if previous is None:
            self.rows[key] = row
        elif previous.rate == row.rate and previous.next_funding_ts == row.next_funding_ts:
            self.reasons["duplicate market"] += 1
        else:
            # two tokens claim the same market with different numbers (same ticker, different
            # coins): we cannot tell which is right, so neither is used
            del self.rows[key]
            self.ambiguous.add(key)
            self.reasons["ambiguous market"] += 2

    def result(self, tokens: int) -> ScanResult:
        return ScanResult(
            fetched_at=self.observed_at,
            rows=list(self.rows.values()),
            dropped=sum(self.reasons.values()),
            reasons=dict(self.reasons),
            tokens=tokens,
            max_spread=self.max_spread,
        )


def parse_funding_table(
    payload: object, observed_at: datetime, interval_for: IntervalLookup | None = None
) -> ScanResult:
    """Rows from a decoded funding-table response. Raises only MalformedResponse (not a list)."""
    tokens = _tokens_of(payload)
    parser = _TableParser(observed_at, interval_for)
    for token in tokens:
        parser.token(token)
    return parser.result(len(tokens))


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return False


def parse_exchanges(payload: object) -> tuple[list[ScannerExchange], dict[str, int]]:
    """The registry's exchanges (all of them, with their flags) and the rows dropped, by reason."""
    rows: object = payload.get("rows") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise MalformedResponse(SOURCE_ID, "exchange registry has no rows list")
    exchanges: list[ScannerExchange] = []
    reasons: Counter[str] = Counter()
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, dict):
            reasons["exchange not an object"] += 1
            continue
        slug_raw = row.get("slug")
        slug = slug_raw.strip().lower() if isinstance(slug_raw, str) else ""
        if not _SLUG_PATTERN.match(slug):
            reasons["no exchange slug"] += 1
            continue
        if slug in seen:
            reasons["duplicate exchange"] += 1
            continue
        seen.add(slug)
        title, chain, url = row.get("title"), row.get("chain"), row.get("ref_trading_pair_url")
        exchanges.append(
            ScannerExchange(
                slug=slug,
                title=title.strip() if isinstance(title, str) and title.strip() else slug,
                venue=slug_to_venue(slug),
                futures=_flag(row.get("enabled_futures")),
                funding_rates=_flag(row.get("enabled_funding_rates")),
                spot=_flag(row.get("enabled_spot")),
                chain=chain.strip() if isinstance(chain, str) else "",
                trading_url_template=url if isinstance(url, str) else "",
            )
        )
    return exchanges, dict(reasons)


# -- the HTTP client -------------------------------------------------------------------------


class ArbitrageScannerClient:
    """Fetches and parses the two endpoints. Every request goes through one VenueGuard, so
    repeated failures open its circuit and show up as the `arbitragescanner` health."""

    def __init__(
        self,
        clock: Clock,
        *,
        funding_url: str,
        exchanges_url: str,
        session: aiohttp.ClientSession | None = None,
        api_key: str | None = None,
        guard: VenueGuard | None = None,
        timeout_s: float = 10.0,
        interval_for: IntervalLookup | None = None,
        api_key_header: str = "X-API-KEY",
    ) -> None:
        self._clock = clock
        self.funding_url = funding_url
        self.exchanges_url = exchanges_url
        self._session = session
        self._owns_session = session is None
        self._api_key = api_key
        self._api_key_header = api_key_header
        self.timeout_s = timeout_s
        self.guard = guard or VenueGuard(SOURCE_ID, clock, timeout_s=timeout_s)
        self.interval_for = interval_for
        self.exchanges: dict[str, ScannerExchange] = {}  # the latest registry, by slug
        self.registry_dropped: dict[str, int] = {}

    async def fetch_funding(self) -> ScanResult:
        payload = await self.guard.call("funding table", lambda: self._get_json(self.funding_url))
        observed_at = self._clock.now()
        return parse_funding_table(payload, observed_at, self.interval_for)

    async def fetch_exchanges(self) -> list[ScannerExchange]:
        payload = await self.guard.call("exchange registry", lambda: self._get_json(self.exchanges_url))
        exchanges, dropped = parse_exchanges(payload)
        self.exchanges = {ex.slug: ex for ex in exchanges}
        self.registry_dropped = dropped
        return exchanges

    async def close(self) -> None:
        """Close the HTTP session if we opened it (an injected one belongs to the caller)."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            if not session.closed:
                await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
            self._owns_session = True
        return self._session

    async def _get_json(self, url: str) -> object:
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers[self._api_key_header] = self._api_key
        try:
            async with self._http().get(url, headers=headers) as response:
                if response.status != 200:
                    reason = f"HTTP {response.status}"
                    if response.status in (401, 403):
                        reason += " (API key refused?)"
                    raise VenueUnavailable(SOURCE_ID, reason)
                if response.content_length is not None and response.content_length > MAX_RESPONSE_BYTES:
                    raise MalformedResponse(
                        SOURCE_ID, f"response too large ({response.content_length} bytes)"
                    )
                body = await response.read()
        except VenueError:
            raise
        except (aiohttp.ClientError, OSError) as exc:
            raise VenueUnavailable(SOURCE_ID, f"cannot reach {_host(url)}: {_one_line(exc)}") from exc
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            looks_html = body.lstrip()[:1] == b"<"
            raise MalformedResponse(
                SOURCE_ID,
                "answered with an HTML page, not JSON" if looks_html else "answered with invalid JSON",
            ) from None


def _host(url: str) -> str:
    match = re.match(r"^https?://([^/?#]+)", url)
    return match.group(1) if match else url


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# -- the feed the engine's funding refresher polls ------------------------------------------


class QuoteBook(Protocol):
    """What `primary_interval_lookup` needs from the funding book (market/funding_book.py)."""

    def quote(self, venue: str, symbol: str) -> Any: ...


def primary_interval_lookup(book: QuoteBook) -> IntervalLookup:
    """Interval lookup from the book: the interval the venue's own API reported for a market, or
    None when the book has no primary row for it (or that row's interval was itself assumed)."""

    def lookup(venue: str, symbol: str) -> int | None:
        quote = book.quote(venue, symbol)
        if quote is None or quote.source is not FundingSource.EXCHANGE:
            return None
        if INTERVAL_ASSUMED in quote.flags:
            return None
        hours = quote.interval_hours
        return hours if isinstance(hours, int) else None

    return lookup


class SecondaryFundingFeed:
    """ArbitrageScanner as a secondary feed of the engine's funding refresher:

        feed = SecondaryFundingFeed(client, clock, bus=bus)
        refresher.add_secondary(SOURCE_ID, feed.fetch_rows, interval_s=config.refresh_seconds)

    Each `fetch_rows` refreshes the exchange registry when it is due (hourly by default; a failed
    registry fetch is retried a minute later and never fails the funding fetch), fetches the
    funding table, keeps the ScanResult for display (dropped rows and why) and returns its rows,
    all marked source=SECONDARY. A failed table fetch raises VenueError for the refresher to
    count and back off on; the client's VenueGuard turns repeated failures into the
    `arbitragescanner` health. `close()` releases the HTTP session.
    """

    def __init__(
        self,
        client: ArbitrageScannerClient,
        clock: Clock,
        *,
        exchanges_every_s: float = 3600.0,
        bus: EventBus | None = None,
    ) -> None:
        if exchanges_every_s <= 0:
            raise ValueError("exchanges_every_s must be positive")
        self.client = client
        self.clock = clock
        self.exchanges_every_s = exchanges_every_s
        self.bus = bus
        self.fetches = 0
        self.rows_dropped_total = 0
        self.last_result: ScanResult | None = None
        self.last_registry_error = ""
        self._next_registry_at: datetime | None = None

    async def fetch_rows(self) -> list[FundingRate]:
        now = self.clock.now()
        if self._next_registry_at is None or now >= self._next_registry_at:
            await self._refresh_registry(now)
        result = await self.client.fetch_funding()
        self.fetches += 1
        self.rows_dropped_total += result.dropped
        self.last_result = result
        if result.dropped:
            log.debug("ArbitrageScanner: %d rows dropped %s", result.dropped, result.reasons)
        if self.bus is not None:
            summary = f"ArbitrageScanner: {len(result.rows)} rows" + (
                f", {result.dropped} dropped" if result.dropped else ""
            )
            self.bus.publish(
                Event(
                    kind="funding.secondary",
                    ts=self.clock.now(),
                    data={
                        "rows": len(result.rows),
                        "dropped": result.dropped,
                        "reasons": dict(result.reasons),
                    },
                    coalesce_key="funding.secondary",
                    message=summary,
                )
            )
        return result.rows

    async def _refresh_registry(self, now: datetime) -> None:
        try:
            exchanges = await self.client.fetch_exchanges()
        except VenueError as exc:
            # the registry only adds titles and flags: keep the last one, try again in a minute
            self._next_registry_at = now + timedelta(seconds=min(60.0, self.exchanges_every_s))
            self.last_registry_error = str(exc)
            return
        self._next_registry_at = now + timedelta(seconds=self.exchanges_every_s)
        self.last_registry_error = ""
        log.info("ArbitrageScanner registry: %d exchanges", len(exchanges))

    async def close(self) -> None:
        await self.client.close()
