"""SimEventFeed: what happens in the simulated market, on the engine's event bus, in the trader's words.

The market keeps its events in a list (settlements, our funding payments, liquidations, price
shocks, faults switched on and off); this feed drains it on the engine's clock and publishes
one line per thing a trader should see. Kinds that come in bursts are summed up, never relayed
one by one: one line per venue per settlement pass (not one per perp), one line per venue for a
wave of liquidations, and past `MAX_EVENTS_PER_PASS` lines a pass the rest become one count.

Every event carries `data["severity"]` (`info`, `warning`, `error`) so a screen can colour it
without knowing the simulator, and `data["venue"]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from nexus_tui.core.clock import Clock, utc
from nexus_tui.core.events import Event, EventBus
from nexus_tui.venues.sim.events import SimEvent
from nexus_tui.venues.sim.market import SimMarket

INFO = "info"
WARNING = "warning"
ERROR = "error"

FAULT_STARTED = "sim.fault.started"
FAULT_ENDED = "sim.fault.ended"
SETTLEMENT = "sim.settlement"
LIQUIDATION = "sim.liquidation"
SHOCK = "sim.shock"
OVERFLOW = "sim.overflow"

PASS_SECONDS = 1.0  # of the engine's clock: a fault shows within a second of simulated time
MAX_EVENTS_PER_PASS = 40


@dataclass(frozen=True, slots=True)
class FaultWords:
    """How a trader names a simulator fault and what it does to the venue."""

    label: str
    effect: str
    restored: str


FAULT_WORDS: dict[str, FaultWords] = {
    "disconnect": FaultWords("outage", "orders and data refused", "orders and data flow again"),
    "timeout": FaultWords("latency spike", "every call hangs, then times out", "calls answer on time again"),
    "stale": FaultWords(
        "stale data", "rates, marks and books frozen, orders still trade", "market data moves again"
    ),
    "reject": FaultWords("order rejections", "new orders refused", "orders accepted again"),
    "partial_fill": FaultWords("partial fills", "orders fill only in part", "orders fill in full again"),
}


def fault_label(fault: str) -> str:
    words = FAULT_WORDS.get(fault)
    return words.label if words else fault


class SimEventFeed:
    """Drains one simulated market into the bus; `run` is an engine service, `flush` a pass now."""

    def __init__(self, market: SimMarket, clock: Clock, bus: EventBus) -> None:
        self.market = market
        self.clock = clock
        self.bus = bus
        self.published = 0
        self.last_pass: datetime | None = None  # the clock's time at the last flush
        self._since: dict[tuple[str, str], datetime] = {}  # (venue, fault) -> when it started

    async def run(self, engine: object = None) -> None:
        """Drain the market every PASS_SECONDS of the clock, for ever (cancel to stop)."""
        while True:
            self.flush()
            await self.clock.sleep(PASS_SECONDS)

    def flush(self) -> list[Event]:
        """Bring the market up to the clock, publish what happened since the last pass, return it."""
        now = self.clock.now()
        self.market.advance_to(now)
        self.market.report_ended_faults()
        events = self.translate(self.market.drain_events())
        for event in events:
            self.bus.publish(event)
        self.published += len(events)
        self.last_pass = now
        return events

    def translate(self, sim_events: Sequence[SimEvent]) -> list[Event]:
        """One pass's simulator events as the desk's events, bursts summed up, in time order."""
        out: list[Event] = []
        settlements: dict[str, list[SimEvent]] = {}
        payments: dict[str, list[SimEvent]] = {}
        liquidations: dict[str, list[SimEvent]] = {}
        for sim in sim_events:
            if sim.kind == "sim.settlement":
                settlements.setdefault(sim.venue, []).append(sim)
            elif sim.kind == "sim.funding":
                payments.setdefault(sim.venue, []).append(sim)
            elif sim.kind == "sim.liquidation":
                liquidations.setdefault(sim.venue, []).append(sim)
            elif sim.kind == "sim.fault":
                fault = self._fault(sim)
                if fault is not None:
                    out.append(fault)
            elif sim.kind == "sim.shock":
                out.append(_event(SHOCK, sim.ts, sim.venue, WARNING, sim.message))
            else:
                out.append(_event(sim.kind, sim.ts, sim.venue, INFO, sim.message, **sim.data))
        for venue in sorted(settlements.keys() | payments.keys()):
            out.append(_settlement(venue, settlements.get(venue, []), payments.get(venue, [])))
        for venue in sorted(liquidations):
            out.append(_liquidations(venue, liquidations[venue]))
        out.sort(key=lambda e: e.ts)  # stable: same-instant events keep the order above
        return _capped(out)

    def _fault(self, sim: SimEvent) -> Event | None:
        fault = str(sim.data.get("fault", ""))
        words = FAULT_WORDS.get(fault, FaultWords(fault, "simulated fault", "back to normal"))
        key = (sim.venue, fault)
        details = {"fault": fault, "label": words.label}
        if sim.data.get("on"):
            self._since[key] = sim.ts
            until = sim.data.get("until")
            duration = (
                f" for {_seconds(utc(until) - sim.ts)}" if isinstance(until, datetime) else " until cleared"
            )
            message = (
                f"{sim.venue} {words.label} started (fault rehearsal): "
                f"{_effect(fault, words, sim.data)}{duration}"
            )
            return _event(FAULT_STARTED, sim.ts, sim.venue, WARNING, message, **details)
        since = self._since.pop(key, None)
        if not sim.data.get("ran_out") and not sim.data.get("was_on", True):
            return None  # clearing a fault that was not on changes nothing on the desk
        how = "ran out" if sim.data.get("ran_out") else "cleared"
        lasted = f" after {_seconds(sim.ts - since)}" if since is not None else ""
        message = f"{sim.venue} {words.label} over ({how}{lasted}): {words.restored}"
        return _event(FAULT_ENDED, sim.ts, sim.venue, INFO, message, **details)


def _effect(fault: str, words: FaultWords, data: dict[str, Any]) -> str:
    """The fault's effect with the parameters it was given."""
    if fault == "timeout":
        seconds = float(data.get("seconds", 10.0))
        landing = "" if data.get("lands", True) else "; orders do not land"
        return f"every call hangs {seconds:g} s, then times out{landing}"
    if fault == "reject":
        probability = float(data.get("probability", 1.0))
        share = "new orders refused" if probability >= 1.0 else f"{probability:.0%} of new orders refused"
        reason = data.get("reason")
        return f"{share} ({reason})" if reason else share
    if fault == "partial_fill":
        fraction = Decimal(str(data.get("fraction", "0.5")))
        return f"orders fill only {(fraction * 100).normalize():f} %"
    return words.effect


def _settlement(venue: str, settled: list[SimEvent], paid: list[SimEvent]) -> Event:
    """One line for a venue's settlement pass: how many perps settled, what our positions got."""
    instants = sorted({sim.ts for sim in settled} | {sim.ts for sim in paid})
    last = instants[-1]
    perps = sum(int(sim.data.get("perps", 0)) for sim in settled if sim.ts == last)
    times = "" if len(instants) == 1 else f" ({len(instants)} settlements, last {last:%H:%M} UTC)"
    parts = [f"{venue} settled funding on {perps} perps{times}"]
    net = Decimal(0)
    currency = ""
    for sim in paid:
        net += _decimal(sim.data.get("amount"))
        currency = str(sim.data.get("currency", currency))
    if paid:
        verb = "received" if net >= 0 else "paid"
        count = len({sim.data.get("symbol") for sim in paid})
        noun = "position" if count == 1 else "positions"
        amount = f"{abs(net):.4f} {currency}" if currency else f"{abs(net):.4f}"
        parts.append(f"your {count} {noun} {verb} {amount} net")
    data: dict[str, Any] = {"perps": perps, "settlements": len(instants)}
    if paid:
        data.update(payments=len(paid), net=str(net), currency=currency)
    return _event(
        SETTLEMENT, last, venue, INFO, "; ".join(parts), coalesce_key=f"{SETTLEMENT}:{venue}", **data
    )


def _liquidations(venue: str, events: list[SimEvent]) -> Event:
    """A liquidation says itself; a wave of them on one venue is one line with the total loss."""
    last = max(sim.ts for sim in events)
    if len(events) == 1:
        only = events[0]
        return _event(LIQUIDATION, only.ts, venue, ERROR, only.message, **only.data)
    loss = sum((_decimal(sim.data.get("loss")) for sim in events), Decimal(0))
    currency = str(events[-1].data.get("currency", ""))
    symbols = sorted({str(sim.data.get("symbol", "?")) for sim in events})
    shown = ", ".join(symbols[:4]) + (f" and {len(symbols) - 4} more" if len(symbols) > 4 else "")
    message = f"{venue} liquidated {len(events)} positions ({shown}), lost {loss:.2f} {currency} in all"
    return _event(LIQUIDATION, last, venue, ERROR, message, count=len(events), loss=str(loss))


def _capped(events: list[Event]) -> list[Event]:
    """Past MAX_EVENTS_PER_PASS a pass, the rest is one line: the log stays readable in a storm."""
    if len(events) <= MAX_EVENTS_PER_PASS:
        return events
    kept = events[: MAX_EVENTS_PER_PASS - 1]
    rest = events[MAX_EVENTS_PER_PASS - 1 :]
    kinds = ", ".join(sorted({e.kind for e in rest}))
    message = f"sim: {len(rest)} more simulator events in this pass not listed ({kinds})"
    kept.append(
        _event(OVERFLOW, rest[-1].ts, "sim", WARNING, message, coalesce_key=OVERFLOW, count=len(rest))
    )
    return kept


def _event(
    kind: str,
    ts: datetime,
    venue: str,
    severity: str,
    message: str,
    coalesce_key: str | None = None,
    **data: object,
) -> Event:
    return Event(
        kind=kind,
        ts=ts,
        data={**data, "venue": venue, "severity": severity, "category": "simulator"},
        coalesce_key=coalesce_key,
        message=message,
    )


def _seconds(span: timedelta) -> str:
    seconds = span.total_seconds()
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def sim_market_of(venues: Iterable[object]) -> SimMarket | None:
    """The one simulated market behind `venues`, or None (real venues, or venues of two markets)."""
    markets = {id(m): m for v in venues if isinstance(m := getattr(v, "market", None), SimMarket)}
    return next(iter(markets.values())) if len(markets) == 1 else None
