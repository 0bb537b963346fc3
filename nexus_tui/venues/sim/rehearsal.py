"""FaultRehearsal: switch a simulated venue's faults on and off from the desk, for failure drills.

A trader rehearsing a bad day (an exchange outage, a latency spike, a frozen feed, refused
orders) injects the fault here; it runs for `for_seconds` of simulated time and ends by itself,
or is cleared. Start and end reach the event bus at once through the market's SimEventFeed,
so the Events screen shows them as they happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nexus_tui.core.errors import BadInput
from nexus_tui.venues.sim.event_feed import FAULT_WORDS, SimEventFeed
from nexus_tui.venues.sim.market import SimMarket

DEFAULT_REHEARSAL_S = 120.0  # of simulated time: long enough to watch, short enough to forget


@dataclass(frozen=True, slots=True)
class FaultChoice:
    """One fault as a menu offers it."""

    fault: str  # the simulator's name (faults.py)
    label: str  # the trader's name ("outage")
    effect: str


# Most rehearsed first: a venue going away, then slow, then lying, then refusing.
FAULT_CHOICES: tuple[FaultChoice, ...] = tuple(
    FaultChoice(name, FAULT_WORDS[name].label, FAULT_WORDS[name].effect)
    for name in ("disconnect", "timeout", "stale", "reject", "partial_fill")
)


class FaultRehearsal:
    choices: tuple[FaultChoice, ...] = FAULT_CHOICES
    default_seconds: float = DEFAULT_REHEARSAL_S

    def __init__(self, market: SimMarket, feed: SimEventFeed, venue_ids: Sequence[str]) -> None:
        self.market = market
        self.feed = feed
        self._venue_ids = tuple(venue_ids)

    def venue_ids(self) -> tuple[str, ...]:
        """The venues a fault can be injected on: the desk's simulated venues."""
        return self._venue_ids

    def inject(self, venue_id: str, fault: str, for_seconds: float | None = DEFAULT_REHEARSAL_S) -> None:
        """Switch `fault` on for `venue_id` (None: until cleared); BadInput for an unknown one."""
        venue = self._venue(venue_id)
        if for_seconds is None:
            self.market.set_fault(venue, fault)
        else:
            self.market.set_fault(venue, fault, for_seconds=for_seconds)
        self.feed.flush()

    def clear(self, venue_id: str | None = None) -> list[tuple[str, str]]:
        """End every fault (on one venue, or everywhere); returns the (venue, fault) pairs ended."""
        venues = self._venue_ids if venue_id is None else (self._venue(venue_id),)
        ended = [(venue, fault) for venue in venues for fault in self.market.faults(venue)]
        for venue, fault in ended:
            self.market.set_fault(venue, fault, on=False)
        self.feed.flush()
        return ended

    def active(self) -> dict[str, list[str]]:
        """The faults on now, by venue (venues without any left out)."""
        found = {venue: self.market.faults(venue) for venue in self._venue_ids}
        return {venue: faults for venue, faults in found.items() if faults}

    def _venue(self, venue_id: str) -> str:
        """A desk venue's full id from its id or its short name (`okx` for `sim:okx`)."""
        for known in self._venue_ids:
            if venue_id in (known, known.removeprefix("sim:")):
                return known
        raise BadInput(f"unknown simulated venue {venue_id!r} (known: {', '.join(self._venue_ids)})")
