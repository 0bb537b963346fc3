"""The header on every desk screen: product name, venue health, mode badge, trading state, UTC clock.

Built on Textual's own Header (title, sub-title, command-palette icon); only the right-hand side
differs: the stock clock reads the local wall clock, ours reads the engine's injected Clock in
UTC, so a simulated or accelerated session shows simulated time and a test shows a fixed time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Header, Static

from nexus_tui.core.clock import utc
from nexus_tui.ui.widgets.venue_health_strip import VenueHealthStrip

if TYPE_CHECKING:
    from nexus_tui.ui.app import NexusApp

MODE_BADGES = {"sim": "SIM", "paper": "PAPER", "live": "LIVE"}


class ModeBadge(Static):
    """[SIM] / [PAPER] / [LIVE]; LIVE is loud on purpose: real money."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)  # "[SIM]" is text, not a markup tag

    def on_mount(self) -> None:
        self.watch(self.app, "desk_mode", self._show)

    def _show(self, mode: str) -> None:
        label = MODE_BADGES.get(mode, mode.upper())
        self.update(f"[{label}]" if label else "")
        for name in MODE_BADGES:
            self.set_class(mode == name, f"-{name}")


class TradingStateBadge(Static):
    """ACTIVE / REDUCING / HALTED, coloured by how much trading is allowed."""

    def on_mount(self) -> None:
        self.watch(self.app, "trading_state", self._show)

    def _show(self, state: str) -> None:
        self.update(state)
        for name in ("ACTIVE", "REDUCING", "HALTED"):
            self.set_class(state == name, f"-{name.lower()}")


class UtcClock(Static):
    """The desk clock in UTC; repaints every real second, reads whatever clock the desk runs on."""

    TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"

    def on_mount(self) -> None:
        self.show_time()
        self.set_interval(1.0, self.show_time, name="desk clock")

    def show_time(self) -> None:
        app = cast("NexusApp", self.app)
        self.update(utc(app.desk_clock.now()).strftime(self.TIME_FORMAT))


class DeskHeader(Header):
    """Header + venue health + mode badge + trading state + UTC clock, right of the title."""

    DEFAULT_CSS = """
    DeskHeader HeaderClockSpace { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield from super().compose()  # icon + title; its wall-clock space is hidden by the CSS above
        with Horizontal(id="desk-badges"):
            yield VenueHealthStrip(id="venue-health")
            yield ModeBadge(id="mode-badge")
            yield TradingStateBadge(id="trading-state")
            yield UtcClock(id="desk-clock")
