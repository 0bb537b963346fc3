"""The latency probe: asks every guarded venue for its server time, every `interval_s` seconds.

Seed 002 §2 measures a venue's latency from its server time. A guarded venue's
fetch_server_time (CcxtVenue's) sends the request through the venue's VenueGuard and hands the
answer to VenueGuard.record_server_time with our clock's readings on either side, so each probe
renews the guard's round trip and clock skew: a venue slower than 200 ms one way turns DEGRADED
(venues/health.py), and the header shows the latency even while no other call is made.

A failed probe is a failed request like any other (the guard counts it). While a venue's
circuit is open the guard refuses the probe without sending anything, and once the open period
is over the probe is the half-open call that can restore it, so an idle venue recovers without
waiting for the next funding refresh. There is no outer timeout here: the guard's request
timeout is the one that counts (an outer one would cancel the request before the guard could
count it; see market/refresh.py).

Venues without a guard (the simulated market's SimVenue) are not probed: every call they answer
already sets the latency their health() reports. A venue that says it has no server time
(NotSupportedByVenue) is dropped from the probe after its first answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import NotSupportedByVenue, VenueError
from nexus_tui.venues.health import VenueGuard

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 30.0


class GuardedVenue(Protocol):
    """A venue whose fetch_server_time goes through `guard` and records its sample there."""

    @property
    def id(self) -> str: ...

    @property
    def guard(self) -> VenueGuard: ...

    async def fetch_server_time(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class ProbeResult:
    venue: str
    server_time: datetime | None
    error: str = ""  # the one-line reason when the probe failed

    @property
    def ok(self) -> bool:
        return self.server_time is not None


def guarded_venues(venues: Iterable[object]) -> list[GuardedVenue]:
    """The venues that have a VenueGuard (and so something for the probe to feed)."""
    found: list[GuardedVenue] = []
    for venue in venues:
        if isinstance(getattr(venue, "guard", None), VenueGuard) and hasattr(venue, "fetch_server_time"):
            found.append(venue)  # type: ignore[arg-type]  # checked just above
    return found


class LatencyProbe:
    """An engine service: `engine.add_service("venues.latency", probe.run)`."""

    def __init__(
        self, venues: Iterable[object], clock: Clock, *, interval_s: float = DEFAULT_INTERVAL_S
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.clock = clock
        self.interval_s = interval_s
        self.targets: list[GuardedVenue] = guarded_venues(venues)
        self.rounds = 0
        self.last: dict[str, ProbeResult] = {}

    async def probe_once(self) -> list[ProbeResult]:
        """Probe every target at once; one venue's failure or hang never holds up the others."""
        results = list(await asyncio.gather(*(self._probe(venue) for venue in self.targets)))
        self.rounds += 1
        for result in results:
            self.last[result.venue] = result
        return results

    async def _probe(self, venue: GuardedVenue) -> ProbeResult:
        try:
            server_time = await venue.fetch_server_time()
        except asyncio.CancelledError:
            raise
        except NotSupportedByVenue as exc:
            log.info("%s has no server time to probe; its latency comes from its other calls", venue.id)
            self.targets = [v for v in self.targets if v is not venue]
            return ProbeResult(venue.id, None, str(exc))
        except VenueError as exc:  # already counted by the guard; the header shows the health
            log.debug("latency probe of %s failed: %s", venue.id, exc)
            return ProbeResult(venue.id, None, str(exc))
        except Exception as exc:  # an adapter bug must not stop the probe of the other venues
            log.exception("latency probe of %s failed unexpectedly", venue.id)
            return ProbeResult(venue.id, None, f"unexpected {type(exc).__name__}: {exc}")
        return ProbeResult(venue.id, server_time)

    async def run(self, engine: object = None) -> None:
        """Probe, sleep `interval_s` on the injected clock, for ever (cancel to stop). Returns at
        once when no venue has a guard (the simulated market)."""
        while self.targets:
            await self.probe_once()
            await self.clock.sleep(self.interval_s)


__all__ = ["DEFAULT_INTERVAL_S", "GuardedVenue", "LatencyProbe", "ProbeResult", "guarded_venues"]
