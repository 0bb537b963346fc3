"""The desk's commands in the command palette (ctrl+p), built from the same bindings as the footer,
plus the simulator's failure drills (sim mode only): pick a venue, then a fault."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.actions import parse
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand

from nexus_tui.core.errors import NexusError
from nexus_tui.engine import Engine
from nexus_tui.ui.keys import DESK_BINDINGS, SCREEN_BINDINGS


def command_title(binding: Binding) -> str:
    if binding in SCREEN_BINDINGS:
        return f"Show {binding.description} ({binding.key})"
    return binding.tooltip or binding.description


class DeskCommands(Provider):
    """Only commands that do something right now: a greyed-out key is not offered either."""

    def _available(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        for title, action, help_text in self._bound():
            yield title, partial(self.app.run_action, action), help_text
        yield from simulator_commands(self.app)

    def _bound(self) -> Iterator[tuple[str, str, str]]:
        seen: set[str] = set()
        for binding in DESK_BINDINGS:
            _, name, parameters = parse(binding.action)
            if not self.app.check_action(name, parameters):
                continue
            title = command_title(binding)
            if title in seen:
                continue
            seen.add(title)
            yield title, binding.action, f"key: {self.app.get_key_display(binding)}"

    async def discover(self) -> Hits:
        for title, run, help_text in self._available():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)


INJECT_FAULT = "Simulator: inject fault…"
END_FAULTS = "Simulator: end all faults"


def simulator_commands(app: App[Any]) -> Iterator[tuple[str, Callable[[], object], str]]:
    """Failure drills, offered only on the simulated market (the engine says whether it can)."""
    engine = getattr(app, "engine", None)
    rehearsal = getattr(engine, "fault_rehearsal", None)
    if engine is None or rehearsal is None or not getattr(app, "unlocked", False):
        return
    yield (
        INJECT_FAULT,
        partial(_choose_venue, app, engine),
        "rehearse a venue outage, latency spike, stale data, rejected orders or partial fills",
    )
    yield END_FAULTS, partial(_end_faults, app, engine), "end every injected fault now"


def _choose_venue(app: App[Any], engine: Engine) -> None:
    rehearsal = engine.fault_rehearsal
    if rehearsal is None:
        return
    active = rehearsal.active()
    venues = [
        SimpleCommand(
            venue,
            partial(_choose_fault, app, engine, venue),
            "faults on now: " + ", ".join(active[venue]) if venue in active else None,
        )
        for venue in rehearsal.venue_ids()
    ]
    app.search_commands(venues, placeholder="Inject a fault on which venue?")


def _choose_fault(app: App[Any], engine: Engine, venue: str) -> None:
    rehearsal = engine.fault_rehearsal
    if rehearsal is None:
        return
    seconds = f"{rehearsal.default_seconds:g} s of simulated time"
    faults = [
        SimpleCommand(
            f"{choice.label} ({choice.fault})",
            partial(_inject, app, engine, venue, choice.fault),
            f"{choice.effect}, for {seconds}",
        )
        for choice in rehearsal.choices
    ]
    app.search_commands(faults, placeholder=f"Which fault on {venue}?")


def _inject(app: App[Any], engine: Engine, venue: str, fault: str) -> None:
    try:
        engine.inject_fault(venue, fault)
    except NexusError as exc:
        app.notify(str(exc), severity="error")
        return
    app.notify(f"{venue}: {fault} injected (the Events screen, key 6, follows it)", severity="warning")


def _end_faults(app: App[Any], engine: Engine) -> None:
    try:
        ended = engine.clear_faults()
    except NexusError as exc:
        app.notify(str(exc), severity="error")
        return
    app.notify(f"ended {ended} simulated fault{'s' if ended != 1 else ''}" if ended else "no fault was on")
