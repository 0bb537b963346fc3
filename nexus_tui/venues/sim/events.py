"""Things that happen in the simulated market worth a line in the events log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SimEvent:
    kind: str  # sim.funding, sim.liquidation, sim.fault, sim.settlement, sim.shock
    ts: datetime
    venue: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


def fault_event(venue: str, fault: str, on: bool, ts: datetime, **details: object) -> SimEvent:
    """A fault switched on or off; `details` say how (`until`, its params, `ran_out`, `was_on`)."""
    state = "on" if on else "off"
    return SimEvent(
        "sim.fault",
        ts,
        venue,
        f"{venue}: simulated fault {fault} {state}",
        {"fault": fault, "on": on, **details},
    )


def settlement_event(venue: str, ts: datetime, perps: int, interval_hours: tuple[int, ...]) -> SimEvent:
    """One venue settled funding on `perps` perpetuals at `ts` (one event a venue, not one a perp)."""
    return SimEvent(
        "sim.settlement",
        ts,
        venue,
        f"{venue}: settled funding on {perps} perps",
        {"perps": perps, "interval_hours": interval_hours},
    )
