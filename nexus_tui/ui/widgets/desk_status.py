"""The engine's state in a few plain lines: trading state, engine, services, venues."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.widgets import Static

from nexus_tui.engine import EngineSnapshot, TradingState
from nexus_tui.ui.messages import EngineEvents

if TYPE_CHECKING:
    from nexus_tui.ui.app import NexusApp

WHAT_THE_STATE_MEANS = {
    TradingState.ACTIVE: "new positions may open (p pauses new entries, ctrl+k halts everything)",
    TradingState.REDUCING: "no new positions; open ones may only shrink (p resumes new entries)",
    TradingState.HALTED: "kill switch: nothing trades until a person resets it",
}


def describe(snapshot: EngineSnapshot) -> str:
    state = snapshot.trading_state
    services = ", ".join(snapshot.services) or "none running"
    venues = (
        ", ".join(f"{v.venue} {v.state.value}" for v in snapshot.venues) if snapshot.venues else "none yet"
    )
    return "\n".join(
        (
            f"[b]Trading state[/b]  {state.value}: {WHAT_THE_STATE_MEANS.get(state, '')}",
            f"[b]Engine[/b]         {snapshot.status.value}, {snapshot.mode} mode",
            f"[b]Services[/b]       {services}",
            f"[b]Venues[/b]         {venues}",
        )
    )


class DeskStatus(Static):
    """Repaints on every engine event batch and once a second (services come and go quietly)."""

    def on_mount(self) -> None:
        app = cast("NexusApp", self.app)
        app.engine_events.subscribe(self, self._on_engine_events)
        self.set_interval(1.0, self.show_snapshot, name="desk status")
        self.show_snapshot()

    def _on_engine_events(self, _: EngineEvents) -> None:
        self.show_snapshot()

    def show_snapshot(self) -> None:
        engine = cast("NexusApp", self.app).engine
        self.update(describe(engine.snapshot()) if engine is not None else "The engine is not running.")
