"""The venue health strip in the header: one short item per venue, coloured by its state.

`BIN BYB OKX DOWN GATE stale ...`: a venue that is fine shows only its name (green); any other
state is spelled out beside it, so the strip reads without colour too. When many venues are in
trouble at once the words no longer fit beside the title, and each state shrinks to one mark:
`~` stale, `!` degraded, `↓` down, `?` not contacted yet (the tooltip spells them out). Eight
venues always fit a 140-column header. A venue's state is the worst of what its adapter reports
(VenueHealth: OK, DEGRADED, DOWN) and what the funding book sees (its funding API marked down:
degraded; or every rate of it stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, cast

from textual.content import Content
from textual.widgets import Static

from nexus_tui.core.models import HealthState, VenueHealth
from nexus_tui.market.funding_book import FLAG_STALE, BookQuote
from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.widgets.funding_quotes import current_quotes
from nexus_tui.ui.widgets.venue_names import short_names

if TYPE_CHECKING:
    from nexus_tui.engine import Engine
    from nexus_tui.ui.app import NexusApp

# Engine events after which a venue's state may have changed.
HEALTH_EVENTS = frozenset(
    {"venue.health", "funding.stale", "funding.fresh", "funding.venue_down", "funding.venue_up"}
)


REFRESH_S = 1.0  # staleness creeps in with time, not with events
MAX_WIDTH = 60  # 140 columns less the icon, the longest title, the badges and the clock


class Light(StrEnum):
    OK = "ok"
    STALE = "stale"  # reachable, but its funding rates are older than data.stale_after_seconds
    DEGRADED = "deg"  # circuit open or too slow: no new positions there
    DOWN = "DOWN"  # unreachable
    UNKNOWN = "?"  # not contacted yet


# The one-character form, for when the words do not fit.
_MARKS = {Light.OK: "", Light.STALE: "~", Light.DEGRADED: "!", Light.DOWN: "↓", Light.UNKNOWN: "?"}


# Worst first: the state shown is the first that applies.
_SEVERITY = (Light.DOWN, Light.DEGRADED, Light.STALE, Light.OK, Light.UNKNOWN)
_STYLES = {
    Light.OK: "$success",
    Light.STALE: "$warning",
    Light.DEGRADED: "bold $warning",
    Light.DOWN: "bold $error",
    Light.UNKNOWN: "$text-muted",
}


@dataclass(frozen=True, slots=True)
class VenueLight:
    venue: str
    light: Light
    why: str = ""


def venue_lights(
    health: Sequence[VenueHealth], quotes: Iterable[BookQuote], down: Iterable[str] = ()
) -> list[VenueLight]:
    """Each venue's light, in the engine's venue order (then any venue only the book knows)."""
    marked_down = set(down)
    fresh: dict[str, bool] = {}
    for quote in quotes:
        fresh[quote.venue] = fresh.get(quote.venue, False) or FLAG_STALE not in quote.flags
    reported = {h.venue: h for h in health}
    lights = []
    for venue in dict.fromkeys([*reported, *fresh]):
        states: list[Light] = []
        why = ""
        report = reported.get(venue)
        if report is not None:
            why = report.message
            if report.state is HealthState.DOWN:
                states.append(Light.DOWN)
            elif report.state is HealthState.DEGRADED:
                states.append(Light.DEGRADED)
            elif report.state is HealthState.OK:
                states.append(Light.OK)
        if venue in marked_down:
            # The book gives up on a venue's funding API after two failed refreshes: degraded
            # (no new positions), not DOWN, which the venue's own health keeps for a lasting
            # outage (venues/health.py).
            states.append(Light.DEGRADED)
            why = why or "its funding API is failing; a second source's rates stand in where it has them"
        if venue in fresh:
            if fresh[venue]:
                states.append(Light.OK)
            else:
                states.append(Light.STALE)
                why = why or "every funding rate from it is stale"
        light = next((s for s in _SEVERITY if s in states), Light.UNKNOWN)
        lights.append(VenueLight(venue, light, why))
    return lights


def strip_content(lights: Sequence[VenueLight], max_width: int = MAX_WIDTH) -> Content:
    names = short_names(light.venue for light in lights)
    words = [
        names[light.venue] if light.light is Light.OK else f"{names[light.venue]} {light.light.value}"
        for light in lights
    ]
    if sum(len(word) + 1 for word in words) - 1 > max_width:
        words = [names[light.venue] + _MARKS[light.light] for light in lights]
    parts: list[Content | str | tuple[str, str]] = []
    for light, word in zip(lights, words, strict=True):
        if parts:
            parts.append(" ")
        parts.append((word, _STYLES[light.light]))
    return Content.assemble(*parts)


def strip_tooltip(lights: Sequence[VenueLight]) -> str:
    return "\n".join(
        f"{light.venue}: {light.light.name}{f' ({light.why})' if light.why else ''}" for light in lights
    )


class VenueHealthStrip(Static):
    """Repaints on venue and staleness events, and once a second while its screen is showing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lights: list[VenueLight] = []
        self._seen: tuple[int, float] | None = None  # (book version, desk time) last shown

    def on_mount(self) -> None:
        cast("NexusApp", self.app).engine_events.subscribe(self, self._on_engine_events)
        self.set_interval(REFRESH_S, self.show_lights, name="venue health strip")
        self.show_lights()

    def _on_engine_events(self, batch: EngineEvents) -> None:
        if any(event.kind in HEALTH_EVENTS for event in batch.events):
            self.show_lights(force=True)

    def show_lights(self, force: bool = False) -> None:
        if not self.screen.is_current and not force:
            return  # another screen's header is on show; this one catches up when it returns
        engine: Engine | None = cast("NexusApp", self.app).engine
        if engine is None:
            self.lights = []
            self.update("")
            return
        book = engine.funding_book
        seen = (book.version, book.clock.now().timestamp() // REFRESH_S)
        if seen == self._seen and not force:
            return
        self._seen = seen
        quotes = current_quotes(book)
        known = {*engine.venues, *(q.venue for q in quotes)}
        down = [venue for venue in known if book.is_venue_down(venue)]
        lights = venue_lights(engine.snapshot().venues, quotes, down)
        if lights != self.lights:
            self.lights = lights
            self.update(strip_content(lights))
            self.tooltip = strip_tooltip(lights)
