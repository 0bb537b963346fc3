"""What every desk screen shares: the header, a body, the footer, and a way to the running desk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from nexus_tui.ui.widgets.desk_footer import DeskFooter
from nexus_tui.ui.widgets.desk_header import DeskHeader
from nexus_tui.ui.widgets.filter_bar import FilterBar

if TYPE_CHECKING:
    from nexus_tui.engine import Engine
    from nexus_tui.ui.app import NexusApp


class DeskScreen(Screen[None]):
    """One of the six screens on keys 1-6. Subclasses write `compose_body`.

    A screen that shows a table sets `CAN_FILTER = True` and implements `start_filter` (a
    FilteredTableScreen does both); the App's `/` binding is greyed out on every other screen.
    """

    CAN_FILTER: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self._suspended_in: StyleContext | None = None
        self._footer = DeskFooter()

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield from self.compose_body()
        yield self._footer

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    # -- coming back to this screen ----------------------------------------------------------
    # Runs before Textual's own Screen handlers (the subclass comes first in the dispatch order).
    def _on_screen_suspend(self) -> None:
        self._suspended_in = style_context(self.app)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual restyles every widget of a screen it switches to, which also drops every
        table's rendered lines: ~12 ms of CPU a switch, then a table re-rendered from its cells
        (ui.screen_switch). A widget's own classes and states restyle it at once even while its
        screen is hidden (focus, hover, disabled...), so only the App's state can have moved under
        this screen: when that is as it was at suspend, the styles are current and are kept.
        A stylesheet change is caught by Textual itself before the switch and restyles it then."""
        if not event.refresh_styles:
            return  # back from a modal (Textual's pop_screen): left as Textual does it
        if self._footer.keys_stale(self):
            # Its keys changed while hidden (e.g. `p` paused from another screen): hold painting
            # briefly, as Textual does for every mode switch, so the stale keys never show.
            self.app.delay_update()
        if self._suspended_in == style_context(self.app):
            event.refresh_styles = False

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


class FilteredTableScreen(DeskScreen):
    """A desk screen whose table (its AUTO_FOCUS) has the `/` filter line under it: `compose_body`
    yields a FilterBar with id "filter", and `apply_filter` says what the typed text narrows."""

    CAN_FILTER = True

    def apply_filter(self, text: str) -> None:
        raise NotImplementedError

    def start_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        if self.AUTO_FOCUS:  # the table gets the keys back
            self.query_one(self.AUTO_FOCUS).focus()


StyleContext = tuple[str, frozenset[str], frozenset[str]]


def style_context(app: App[Any]) -> StyleContext:
    """What the App contributes to its widgets' styles: its theme, pseudo-classes (focus/blur,
    dark/light, ansi...) and classes. The App restyles only the screen showing when these move."""
    return (app.theme, frozenset(app.get_pseudo_classes()), frozenset(app.classes))
