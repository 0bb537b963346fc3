"""Things that happen in the simulated market worth a line in the events log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SimEvent:
    kind: str  # sim.funding, sim.liquidation, sim.fault
    ts: datetime
    venue: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


def fault_event(venue: str, fault: str, on: bool, ts: datetime) -> SimEvent:
    state = "on" if on else "off"
    return SimEvent(
        "sim.fault", ts, venue, f"{venue}: simulated fault {fault} {state}", {"fault": fault, "on": on}
    )
