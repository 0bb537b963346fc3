"""Opportunity lifecycle across scans: detected -> scored -> expired, under a stable id.

An id is made from the legs (and, for type E, the settlement captured), so the same trade keeps
its id from scan to scan. The state on an Opportunity says how far it was assessed (DETECTED:
fees only, no book walked yet; SCORED: costed against both books). When an id stops being viable
it is EXPIRED with the reason, and stays listed for `retention_s` so a screen can show it going.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nexus_tui.strategy.models import ExpiredOpportunity, Opportunity


@dataclass
class Lifecycle:
    retention_s: float = 300.0
    _first_seen: dict[str, datetime] = field(default_factory=dict)
    _live: dict[str, Opportunity] = field(default_factory=dict)
    _expired: dict[str, ExpiredOpportunity] = field(default_factory=dict)

    def first_seen(self, opportunity_id: str) -> datetime | None:
        return self._first_seen.get(opportunity_id)

    def observe(
        self, now: datetime, viable: Sequence[Opportunity], why_gone: Callable[[Opportunity], str]
    ) -> tuple[ExpiredOpportunity, ...]:
        """Record this scan's viable opportunities; return those expired within the retention."""
        live = {opp.id: opp for opp in viable}
        for gone_id in self._live.keys() - live.keys():
            gone = self._live[gone_id]
            self._expired[gone_id] = ExpiredOpportunity(gone_id, gone, now, why_gone(gone))
            self._first_seen.pop(gone_id, None)
        for opp_id, opp in live.items():
            if opp_id not in self._first_seen:
                self._first_seen[opp_id] = opp.detected_at or now
            self._expired.pop(opp_id, None)
        self._live = live
        horizon = now - timedelta(seconds=self.retention_s)
        for old_id in [i for i, e in self._expired.items() if e.expired_at < horizon]:
            del self._expired[old_id]
        return tuple(sorted(self._expired.values(), key=lambda e: (e.expired_at, e.id), reverse=True))
