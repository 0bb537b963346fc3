"""What the Opportunities screen shows of the engine's ranked list: by type, venue, minimum UOS, text.

A view of the list, never a trading decision: the engine's ranking and viability stay as they
are; the filter only hides rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from nexus_tui.strategy.models import Opportunity, OpportunityType
from nexus_tui.ui.widgets.filter_bar import matches
from nexus_tui.ui.widgets.venue_names import short_name

#: `t` cycles: all, then A, B, C, E, then all again.
TYPE_CYCLE: tuple[OpportunityType | None, ...] = (
    None,
    OpportunityType.SPOT_PERP,
    OpportunityType.CROSS_PERP,
    OpportunityType.CEX_DEX,
    OpportunityType.TEMPORAL,
)
UOS_STEP = 10.0
UOS_MAX = 100.0


def search_text(opp: Opportunity) -> str:
    """What `/` searches: asset, symbol, type, both venues (full and short names) and the flags."""
    venues = (opp.long.venue, opp.short.venue)
    return " ".join(
        (opp.type.letter, opp.type.value, opp.base, opp.symbol, *venues, *map(short_name, venues), *opp.flags)
    )


def venues_of(opportunities: Iterable[Opportunity]) -> list[str]:
    """Every venue with a leg in the list, sorted: what `v` cycles through."""
    return sorted({v for opp in opportunities for v in (opp.long.venue, opp.short.venue)})


@dataclass(frozen=True, slots=True)
class OpportunityFilter:
    type: OpportunityType | None = None
    venue: str | None = None  # either leg on this venue
    min_uos: float = 0.0
    text: str = ""

    @property
    def active(self) -> bool:
        return self != OpportunityFilter()

    def passes(self, opp: Opportunity) -> bool:
        if self.type is not None and opp.type is not self.type:
            return False
        if self.venue is not None and self.venue not in (opp.long.venue, opp.short.venue):
            return False
        if opp.uos < self.min_uos:
            return False
        return not self.text or matches(search_text(opp), self.text)

    def next_type(self) -> OpportunityFilter:
        index = TYPE_CYCLE.index(self.type)
        return replace(self, type=TYPE_CYCLE[(index + 1) % len(TYPE_CYCLE)])

    def next_venue(self, venues: list[str]) -> OpportunityFilter:
        """The venue after the current one; after the last (or one no longer listed), all venues."""
        if self.venue is None:
            return replace(self, venue=venues[0] if venues else None)
        if self.venue in venues:
            index = venues.index(self.venue) + 1
            return replace(self, venue=venues[index] if index < len(venues) else None)
        return replace(self, venue=None)

    def raise_uos(self) -> OpportunityFilter:
        return replace(self, min_uos=min(UOS_MAX, self.min_uos + UOS_STEP))

    def lower_uos(self) -> OpportunityFilter:
        return replace(self, min_uos=max(0.0, self.min_uos - UOS_STEP))

    def with_text(self, text: str) -> OpportunityFilter:
        return replace(self, text=text.strip())

    def describe(self) -> str:
        """The filter in one line for the status bar."""
        kind = f"{self.type.letter} ({self.type.value})" if self.type else "all"
        parts = [f"type {kind}", f"venue {self.venue or 'all'}", f"UOS ≥ {self.min_uos:.0f}"]
        if self.text:
            parts.append(f"text “{self.text}”")
        return " · ".join(parts)
