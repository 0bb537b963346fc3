"""`nexus-tui doctor`: is each venue usable, and if not, why, in one line.

Per venue (all venues at once, each under its own timeout, so one dead venue never holds up or
hides the others):

- reachable: the venue's server time answers (seed 002 §2 measures latency the same way);
- latency: half the round trip of that request; slower than 200 ms one way is a warning
  (seed 002 §2 puts no confidence in a venue beyond it), not a failure;
- clock skew: the venue's clock against ours (Cristian's method, see venues/health.py); more than
  1 s apart fails, because venues refuse signed requests whose timestamp is that far off;
- markets loaded: at least one perpetual;
- keys valid: a private call (balances) succeeds, when keys are configured; a simulated venue
  (id `sim:<name>`, venues/port.py) needs none, and its account must answer instead;
- no withdrawal permission: seed 003 §11.1 says never enable it. Venues that report a key's
  permissions expose `async fetch_key_permissions() -> Mapping[str, bool | None]` with a
  "withdraw" entry (and optionally "trade"); a venue without that method is reported as
  "not reported by the venue", never as safe.

Outside sim mode the secondary funding source (ArbitrageScanner) gets a line too: its funding
table answers and parses (rows, and rows dropped), and its exchange registry answers.

Venues are taken as a parameter, so tests run the doctor against fakes; the CLI builds them with
`bootstrap.make_venues(config, clock)`, the desk's own wiring: in sim mode the simulated market's
venues, otherwise one ccxt client per enabled venue. Nothing here prints, and no exception escapes a check: an
unexpected error becomes that check's one-line reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from nexus_tui.core.clock import Clock, SystemClock, iso
from nexus_tui.core.errors import BadInput, NexusError, NotSupportedByVenue, VenueError, VenueUnavailable
from nexus_tui.core.models import Balance, MarketInfo, MarketKind

log = logging.getLogger(__name__)

T = TypeVar("T")

SLOW_ONE_WAY_MS = 200.0  # seed 002 §2
MAX_CLOCK_SKEW_MS = 1000.0  # e.g. Binance refuses a request stamped over 1 s ahead of its clock
SIMULATED_PREFIX = "sim:"  # the simulated market's venue ids (venues/port.py)


class DoctorVenue(Protocol):
    """The part of the Venue port (venues/port.py) the doctor uses; every Venue is one."""

    @property
    def id(self) -> str: ...

    @property
    def has_private(self) -> bool: ...

    async def fetch_server_time(self) -> datetime: ...

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]: ...

    async def fetch_balances(self) -> Sequence[Balance]: ...

    async def close(self) -> None: ...


class CheckStatus(StrEnum):
    OK = "ok"
    WARN = "warn"  # worth knowing, does not stop the venue from working
    FAIL = "fail"  # the venue cannot be used as configured
    SKIP = "skip"  # not applicable (no keys) or not possible (unreachable)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: CheckStatus
    detail: str


@dataclass(frozen=True, slots=True)
class VenueReport:
    venue: str
    checks: tuple[Check, ...]
    latency_ms: float | None = None  # round trip of the server-time request
    clock_skew_ms: float | None = None
    markets: int | None = None
    perps: int | None = None

    @property
    def ok(self) -> bool:
        return all(c.status is not CheckStatus.FAIL for c in self.checks)

    @property
    def reason(self) -> str:
        """The first failure, or "" when the venue is fine."""
        return next((c.detail for c in self.checks if c.status is CheckStatus.FAIL), "")

    def line(self, width: int = 14) -> str:
        """One line for the terminal: status, venue, then the failure or a summary."""
        if not self.ok:
            return f"FAIL  {self.venue:<{width}} {self.reason}"
        parts = [c.detail for c in self.checks]  # skips say what was not checked, e.g. "no keys"
        warned = any(c.status is CheckStatus.WARN for c in self.checks)
        return f"{'warn' if warned else 'ok':<5} {self.venue:<{width}} " + " · ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "ok": self.ok,
            "reason": self.reason,
            "latency_ms": _round(self.latency_ms),
            "clock_skew_ms": _round(self.clock_skew_ms),
            "markets": self.markets,
            "perps": self.perps,
            "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail} for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class DoctorReport:
    as_of: datetime
    venues: tuple[VenueReport, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Every checked venue is fine (and there was at least one to check)."""
        return bool(self.venues) and all(v.ok for v in self.venues)

    def as_text(self) -> str:
        if not self.venues:
            return "no venues to check in this trading mode"
        width = max(len(v.venue) for v in self.venues)
        return "\n".join(v.line(width) for v in self.venues)

    def as_json(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "ok": self.ok, "venues": [v.as_json() for v in self.venues]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _reason(exc: BaseException, venue: str, timeout_s: float) -> str:
    """One line, without the venue's name (the report line already starts with it)."""
    if isinstance(exc, TimeoutError):
        return f"timeout after {timeout_s:g}s"
    text = " ".join(str(exc).split())
    if isinstance(exc, VenueError) and text.startswith(f"{venue}: "):
        text = text[len(venue) + 2 :]
    if isinstance(exc, NexusError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _VenueDoctor:
    """The checks for one venue, in order; an unreachable venue skips the rest."""

    def __init__(self, venue: DoctorVenue, clock: Clock, timeout_s: float) -> None:
        self.venue = venue
        self.clock = clock
        self.timeout_s = timeout_s
        self.checks: list[Check] = []
        self.latency_ms: float | None = None
        self.skew_ms: float | None = None
        self.markets: int | None = None
        self.perps: int | None = None

    def add(self, name: str, status: CheckStatus, detail: str) -> None:
        self.checks.append(Check(name, status, detail))

    async def attempt(self, call: Callable[[], Awaitable[T]]) -> tuple[T | None, str | None]:
        try:
            return await asyncio.wait_for(call(), self.timeout_s), None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a diagnosis must report every failure, never crash on one
            log.debug("doctor: %s failed", self.venue.id, exc_info=True)
            return None, _reason(exc, self.venue.id, self.timeout_s)

    async def run(self) -> VenueReport:
        time_error, unavailable = await self.server_time()
        if time_error is not None and unavailable:
            self._unreachable(time_error)
        else:
            await self.load_markets()
            if time_error is not None and self.markets is None:
                # neither call worked: report the first reason, not two symptoms of one outage
                self.checks = [c for c in self.checks if c.name not in ("clock", "markets")]
                self._unreachable(time_error)
            else:
                await self.keys()
        return VenueReport(
            venue=self.venue.id,
            checks=tuple(self.checks),
            latency_ms=self.latency_ms,
            clock_skew_ms=self.skew_ms,
            markets=self.markets,
            perps=self.perps,
        )

    def _unreachable(self, reason: str) -> None:
        detail = reason if reason.startswith("unreachable") else f"unreachable: {reason}"
        self.add("reachable", CheckStatus.FAIL, detail)
        for name in ("markets", "keys"):
            self.add(name, CheckStatus.SKIP, "skipped: unreachable")

    async def server_time(self) -> tuple[str | None, bool]:
        """Latency and clock skew from the venue's server time. Returns (why it failed, whether
        that failure means the venue is unreachable). A venue that answers but has no usable
        server time (unsupported, malformed) gets its reachability from the markets call."""
        sent = self.clock.now()
        try:
            server_ts = await asyncio.wait_for(self.venue.fetch_server_time(), self.timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("doctor: %s server time failed", self.venue.id, exc_info=True)
            reason = _reason(exc, self.venue.id, self.timeout_s)
            unavailable = isinstance(exc, VenueUnavailable | TimeoutError | OSError)
            if not unavailable:
                self.add("clock", CheckStatus.WARN, f"clock skew not checked: {reason}")
            return reason, unavailable
        if not isinstance(server_ts, datetime) or server_ts.tzinfo is None:
            self.add("clock", CheckStatus.WARN, f"clock skew not checked: server time {server_ts!r}")
            return None, False
        received = self.clock.now()
        rtt_ms = max(0.0, (received - sent).total_seconds() * 1000.0)
        self.latency_ms = rtt_ms
        self.skew_ms = (server_ts - (sent + timedelta(milliseconds=rtt_ms / 2))).total_seconds() * 1000.0
        one_way = rtt_ms / 2
        if one_way > SLOW_ONE_WAY_MS:
            self.add("latency", CheckStatus.WARN, f"slow: {one_way:.0f} ms one way (> {SLOW_ONE_WAY_MS:g})")
        else:
            self.add("latency", CheckStatus.OK, f"{one_way:.0f} ms")
        if abs(self.skew_ms) > MAX_CLOCK_SKEW_MS:
            self.add(
                "clock",
                CheckStatus.FAIL,
                f"clock skew {self.skew_ms:+.0f} ms (> {MAX_CLOCK_SKEW_MS:g}): signed requests "
                "will be refused; sync this machine's clock (NTP)",
            )
        else:
            self.add("clock", CheckStatus.OK, f"skew {round(self.skew_ms):+d} ms")
        return None, False

    async def load_markets(self) -> None:
        markets, error = await self.attempt(lambda: self.venue.load_markets())
        if error is not None or markets is None:
            self.add("markets", CheckStatus.FAIL, f"markets not loaded: {error}")
            return
        self.markets = len(markets)
        self.perps = sum(1 for m in markets.values() if m.kind is MarketKind.PERP)
        if not self.perps:
            self.add("markets", CheckStatus.FAIL, f"no perpetual markets among {self.markets} loaded")
        else:
            self.add("markets", CheckStatus.OK, f"{self.markets} markets ({self.perps} perps)")

    async def keys(self) -> None:
        if self.venue.id.startswith(SIMULATED_PREFIX):
            _, error = await self.attempt(lambda: self.venue.fetch_balances())
            if error is not None:
                self.add("keys", CheckStatus.FAIL, f"simulated account did not answer: {error}")
            else:
                self.add("keys", CheckStatus.OK, "simulated account, no keys needed")
            return
        if not self.venue.has_private:
            self.add("keys", CheckStatus.SKIP, "no keys: public data only")
            return
        _, error = await self.attempt(lambda: self.venue.fetch_balances())
        if error is not None:
            self.add("keys", CheckStatus.FAIL, f"keys refused: {error}")
            return
        self.add("keys", CheckStatus.OK, "keys valid")
        await self.withdrawal_permission()

    async def withdrawal_permission(self) -> None:
        fetch = getattr(self.venue, "fetch_key_permissions", None)
        if fetch is None:
            self.add("withdraw", CheckStatus.SKIP, "withdrawal permission not reported by the venue")
            return
        try:
            permissions = await asyncio.wait_for(fetch(), self.timeout_s)
        except asyncio.CancelledError:
            raise
        except NotSupportedByVenue:
            self.add("withdraw", CheckStatus.SKIP, "withdrawal permission not reported by the venue")
            return
        except Exception as exc:  # the keys work; not knowing their permissions is worth a warning
            reason = _reason(exc, self.venue.id, self.timeout_s)
            self.add("withdraw", CheckStatus.WARN, f"could not read key permissions: {reason}")
            return
        withdraw = permissions.get("withdraw") if isinstance(permissions, Mapping) else None
        if withdraw is True:
            self.add(
                "withdraw",
                CheckStatus.FAIL,
                "this API key can WITHDRAW funds: remove that permission on the exchange",
            )
        elif withdraw is False:
            self.add("withdraw", CheckStatus.OK, "no withdrawal permission")
        else:
            self.add("withdraw", CheckStatus.SKIP, "withdrawal permission not reported by the venue")


def parse_venue_list(text: str | None) -> list[str] | None:
    """`--venues a,b` -> ["a", "b"]; empty -> None (every configured venue)."""
    if not text or not text.strip():
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    return names or None


def select_venues(venues: Iterable[DoctorVenue], only: Sequence[str] | None) -> list[DoctorVenue]:
    """The venues to check, in the order asked. An unknown name is bad input (exit 2)."""
    available = list(venues)
    if only is None:
        return available
    by_name: dict[str, DoctorVenue] = {}
    for venue in available:
        by_name[venue.id] = venue
        by_name.setdefault(venue.id.removeprefix("sim:"), venue)  # `--venues binance` for sim:binance
    unknown = [name for name in only if name not in by_name]
    if unknown:
        known = ", ".join(v.id for v in available) or "none"
        raise BadInput(f"unknown venue {unknown[0]!r}; configured venues: {known}")
    return list({id(by_name[name]): by_name[name] for name in only}.values())


async def run_doctor(
    venues: Iterable[DoctorVenue],
    clock: Clock,
    *,
    only: Sequence[str] | None = None,
    timeout_s: float = 10.0,
    secondary: SecondarySource | None = None,
) -> DoctorReport:
    """Check every venue (or those in `only`) concurrently, and the secondary funding source when
    given (named `arbitragescanner` in `only`); never raises for a venue's failure."""
    wanted_secondary = secondary is not None and (only is None or SECONDARY_NAME in only)
    if secondary is not None and only is not None:
        only = [name for name in only if name != SECONDARY_NAME]
    selected = select_venues(venues, only) if only != [] else []
    as_of = clock.now()
    checks = [_VenueDoctor(v, clock, timeout_s).run() for v in selected]
    if wanted_secondary and secondary is not None:
        checks.append(check_secondary_source(secondary, timeout_s))
    reports = await asyncio.gather(*checks)
    return DoctorReport(as_of=as_of, venues=tuple(reports))


SECONDARY_NAME = "arbitragescanner"


class SecondarySource(Protocol):
    """The part of ArbitrageScannerClient (venues/arbitragescanner.py) the doctor uses."""

    async def fetch_funding(self) -> Any: ...

    async def fetch_exchanges(self) -> Sequence[Any]: ...

    async def close(self) -> None: ...


async def check_secondary_source(source: SecondarySource, timeout_s: float) -> VenueReport:
    """The funding table answers and parses (rows, and rows dropped), and the registry answers."""
    checks: list[Check] = []
    started = time.monotonic()  # a real round trip, whatever clock drives the desk
    try:
        table = await asyncio.wait_for(source.fetch_funding(), timeout_s)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.debug("doctor: %s failed", SECONDARY_NAME, exc_info=True)
        reason = _reason(exc, SECONDARY_NAME, timeout_s)
        checks.append(Check("reachable", CheckStatus.FAIL, f"unreachable: {reason}"))
        checks.append(Check("registry", CheckStatus.SKIP, "skipped: unreachable"))
        return VenueReport(SECONDARY_NAME, tuple(checks))
    latency_ms = (time.monotonic() - started) * 1000.0
    rows, dropped = len(table.rows), int(table.dropped)
    detail = f"funding table {rows} rows" + (f", {dropped} dropped" if dropped else "")
    if rows:
        checks.append(Check("funding table", CheckStatus.WARN if dropped else CheckStatus.OK, detail))
    else:
        checks.append(Check("funding table", CheckStatus.FAIL, f"{detail}: nothing usable"))
    try:
        exchanges = await asyncio.wait_for(source.fetch_exchanges(), timeout_s)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the registry only adds names and flags: worth a warning
        reason = _reason(exc, SECONDARY_NAME, timeout_s)
        checks.append(Check("registry", CheckStatus.WARN, f"exchange registry: {reason}"))
    else:
        checks.append(Check("registry", CheckStatus.OK, f"{len(exchanges)} exchanges listed"))
    return VenueReport(SECONDARY_NAME, tuple(checks), latency_ms=latency_ms)


def _secondary_from_config(config: Any, clock: Clock, timeout_s: float) -> SecondarySource | None:
    """ArbitrageScanner as configured, outside sim mode (where bootstrap does not use it either)."""
    mode = getattr(getattr(config, "trading", None), "mode", "sim")
    scanner = getattr(getattr(config, "data", None), "arbitragescanner", None)
    if mode == "sim" or scanner is None or not getattr(scanner, "enabled", False):
        return None
    from nexus_tui.venues.arbitragescanner import ArbitrageScannerClient

    return ArbitrageScannerClient(
        clock,
        funding_url=str(scanner.funding_table_url),
        exchanges_url=str(scanner.exchanges_url),
        timeout_s=min(timeout_s, float(scanner.timeout_seconds)),
    )


async def doctor_from_config(
    config: Any = None,
    *,
    only: Sequence[str] | None = None,
    clock: Clock | None = None,
    timeout_s: float | None = None,
) -> DoctorReport:
    """The CLI's entry: build the configured venues (None = the defaults) and the secondary
    source, check them, close them. The timeout per check is the config's
    `data.request_timeout_seconds` unless given."""
    from nexus_tui import bootstrap

    clock = clock or SystemClock()
    if timeout_s is None:
        configured = getattr(getattr(config, "data", None), "request_timeout_seconds", None)
        timeout_s = float(configured) if isinstance(configured, int | float) else 10.0
    sim = getattr(getattr(config, "data", None), "sim", None)
    seed = int(getattr(sim, "seed", bootstrap.DEFAULT_SEED))  # the same simulated market as the desk's
    wiring = bootstrap.make_venues(config, clock, seed=seed)
    venues: list[DoctorVenue] = list(wiring.venues)
    secondary = _secondary_from_config(config, clock, timeout_s)
    try:
        return await run_doctor(venues, clock, only=only, timeout_s=timeout_s, secondary=secondary)
    finally:
        closers = [v.close for v in venues] + ([secondary.close] if secondary is not None else [])
        for close in closers:
            try:
                await close()
            except Exception:  # closing one venue must not hide the report or the others
                log.debug("closing a venue failed", exc_info=True)
