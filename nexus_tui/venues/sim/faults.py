"""Switchable faults of a simulated venue, for rehearsing what real venues do on a bad day.

- `reject`: create_order raises OrderRejected (params: `reason`, `probability` 0..1, default 1);
- `partial_fill`: fills stop at `fraction` of the order (default 0.5); a market order's rest
  expires, a limit order's rest stays open but fills no further while the fault lasts;
- `timeout`: every call waits `seconds` (default 10) of the clock, then raises VenueUnavailable.
  With `lands=True` (default) an order or cancel still takes effect on the venue: the answer is
  what got lost, which is the case reconciliation exists for;
- `disconnect`: every call raises VenueUnavailable at once;
- `stale`: market data stops moving (rates, marks, books and their timestamps stay as they were
  when the fault began) while orders still trade against the live market.

Any fault takes `for_seconds` to switch itself off after that much clock time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingRate, Ticker

FAULTS: tuple[str, ...] = ("reject", "partial_fill", "timeout", "disconnect", "stale")
_PARAMS: dict[str, frozenset[str]] = {
    "reject": frozenset({"reason", "probability", "for_seconds"}),
    "partial_fill": frozenset({"fraction", "for_seconds"}),
    "timeout": frozenset({"seconds", "lands", "for_seconds"}),
    "disconnect": frozenset({"for_seconds"}),
    "stale": frozenset({"for_seconds"}),
}


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    since: datetime
    until: datetime | None = None
    reason: str = "order rejected by the venue (simulated)"
    probability: float = 1.0
    fraction: Decimal = Decimal("0.5")
    seconds: float = 10.0
    lands: bool = True

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until


def make_fault(name: str, now: datetime, params: dict[str, object]) -> Fault:
    """Validate a fault request; BadInput names what is wrong."""
    if name not in FAULTS:
        raise BadInput(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
    unknown = set(params) - _PARAMS[name]
    if unknown:
        allowed = ", ".join(sorted(_PARAMS[name])) or "none"
        raise BadInput(f"fault {name!r} takes no {', '.join(sorted(unknown))} (allowed: {allowed})")
    until = None
    for_seconds = params.get("for_seconds")
    if for_seconds is not None:
        seconds = _positive(name, "for_seconds", for_seconds)
        until = now + timedelta(seconds=seconds)
    fault = Fault(name=name, since=now, until=until)
    if "reason" in params:
        fault = replace(fault, reason=str(params["reason"]))
    if "probability" in params:
        probability = _number(name, "probability", params["probability"])
        if not 0.0 <= probability <= 1.0:
            raise BadInput(f"fault {name!r}: probability must be between 0 and 1, not {probability}")
        fault = replace(fault, probability=probability)
    if "fraction" in params:
        fraction = Decimal(str(params["fraction"]))
        if not Decimal(0) <= fraction < Decimal(1):
            raise BadInput(f"fault {name!r}: fraction must be at least 0 and below 1, not {fraction}")
        fault = replace(fault, fraction=fraction)
    if "seconds" in params:
        fault = replace(fault, seconds=_positive(name, "seconds", params["seconds"]))
    if "lands" in params:
        fault = replace(fault, lands=bool(params["lands"]))
    return fault


def _number(fault: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise BadInput(f"fault {fault!r}: {key} must be a number, not {value!r}")
    try:
        return float(value)
    except ValueError:
        raise BadInput(f"fault {fault!r}: {key} must be a number, not {value!r}") from None


def _positive(fault: str, key: str, value: object) -> float:
    number = _number(fault, key, value)
    if number <= 0:
        raise BadInput(f"fault {fault!r}: {key} must be positive, not {number}")
    return number


@dataclass(slots=True)
class FaultBoard:
    """The faults currently switched on for one venue."""

    active: dict[str, Fault] = field(default_factory=dict)
    # faults that switched themselves off (for_seconds ran out), until the venue reports them
    ran_out: list[Fault] = field(default_factory=list)

    def set(self, fault: Fault) -> None:
        self.active[fault.name] = fault

    def clear(self, name: str) -> None:
        if name not in FAULTS:
            raise BadInput(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
        self.active.pop(name, None)

    def get(self, name: str, now: datetime) -> Fault | None:
        fault = self.active.get(name)
        if fault is None:
            return None
        if not fault.active(now):
            del self.active[name]
            self.ran_out.append(fault)
            return None
        return fault

    def take_ran_out(self, now: datetime) -> list[Fault]:
        """The faults that have switched themselves off by `now` and were not reported yet."""
        if self.active:
            self.names(now)  # an expired fault is only noticed when asked about
        if not self.ran_out:
            return []
        ended, self.ran_out = self.ran_out, []
        return ended

    def names(self, now: datetime) -> list[str]:
        return [name for name in FAULTS if self.get(name, now) is not None]


@dataclass(frozen=True, slots=True)
class FrozenView:
    """What a stale feed keeps showing: the market data of one instant."""

    ts: datetime
    second: int
    rates: tuple[FundingRate, ...]
    tickers: tuple[Ticker, ...]
    mids: dict[str, tuple[float, float]]  # symbol -> (mid, spread factor)
