"""What every desk screen shares: the header, a body, the footer, and a way to the running desk."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from nexus_tui.ui.widgets.desk_footer import DeskFooter
from nexus_tui.ui.widgets.desk_header import DeskHeader

if TYPE_CHECKING:
    from nexus_tui.engine import Engine
    from nexus_tui.ui.app import NexusApp


class DeskScreen(Screen[None]):
    """One of the six screens on keys 1-6. Subclasses write `compose_body`.

    A screen that shows a table sets `CAN_FILTER = True` and implements `start_filter`; the
    App's `/` binding is greyed out on every other screen.
    """

    CAN_FILTER: ClassVar[bool] = False

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield from self.compose_body()
        yield DeskFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def own_bindings(self) -> list[Binding]:
        """This screen's keys beyond the desk's (for the help screen)."""
        return [b for b in self.BINDINGS if isinstance(b, Binding)]

    def start_filter(self) -> None:
        """Open this screen's filter (only called when CAN_FILTER)."""

    @property
    def desk(self) -> NexusApp:
        return cast("NexusApp", self.app)

    @property
    def engine(self) -> Engine | None:
        """The running engine, None until the desk is unlocked."""
        return self.desk.engine
