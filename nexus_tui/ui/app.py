"""NexusApp: the terminal desk. Unlock, then six screens over one running engine.

The App owns the engine (started on unlock as App-level workers by `EngineBridge`, stopped on
quit), the desk-wide state the header shows (`desk_mode`, `trading_state`), the event log since
unlock, and the `engine_events` signal that screens subscribe to. It never computes a trading
decision; it asks the engine.

For other screens and widgets:
- the running engine: `app.engine` (None until unlocked); the config: `app.config`;
- engine events: the bridge posts `EngineEvents` messages to the App, which keeps them in
  `app.event_log` and re-publishes each batch on `app.engine_events`:
  `self.app.engine_events.subscribe(self, callback)` in `on_mount`; the callback gets the
  `EngineEvents` message and runs on the subscriber's own message queue.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal
from textual.widget import AwaitMount
from textual.worker import Worker, WorkerState

from nexus_tui.config.redact import install_redaction
from nexus_tui.core.clock import Clock, SystemClock
from nexus_tui.core.errors import NexusError
from nexus_tui.core.events import Event
from nexus_tui.engine import Engine, TradingState
from nexus_tui.ui.bridge import ENGINE_GROUP, EngineBridge
from nexus_tui.ui.commands import DeskCommands
from nexus_tui.ui.keys import DESK_BINDINGS
from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.modals.confirm import ConfirmModal
from nexus_tui.ui.modals.help import HelpModal
from nexus_tui.ui.modals.kill_switch import KillSwitchModal
from nexus_tui.ui.screens import DESK_SCREENS, DeskScreen
from nexus_tui.ui.screens.unlock import UnlockScreen

if TYPE_CHECKING:
    from nexus_tui.config.schema import NexusConfig
    from nexus_tui.config.vault import Vault

log = logging.getLogger(__name__)

EngineFactory = Callable[["NexusConfig"], Engine]

FIRST_SCREEN = "funding"
EVENT_LOG_SIZE = 2000

# Actions that need an unlocked desk; before unlock they are hidden from footer and palette.
DESK_ACTIONS = frozenset({"show_screen", "pause_entries", "resume_entries", "kill_switch", "filter", "help"})

# Engine events worth a toast on whatever screen is showing (all of them are on screen 6).
TOAST_SEVERITY = {
    "trading.halted": "error",
    "engine.service_failed": "error",
}


class NexusApp(App[None]):
    TITLE = "NEXUS TUI"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*DESK_BINDINGS]  # added to App's own (ctrl+q, ...)
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {**DESK_SCREENS}
    COMMANDS = App.COMMANDS | {DeskCommands}

    desk_mode: reactive[str] = reactive("")
    """sim / paper / live, from the unlocked config (the header badge watches it)."""
    trading_state: reactive[str] = reactive("", bindings=True)
    """ACTIVE / REDUCING / HALTED as last reported by the engine (p and ctrl+k depend on it)."""
    unlocked: reactive[bool] = reactive(False, bindings=True)

    def __init__(
        self,
        home: Path,
        *,
        clock: Clock | None = None,
        engine_factory: EngineFactory | None = None,
        vault: Vault | None = None,
        event_log_size: int = EVENT_LOG_SIZE,
    ) -> None:
        """`vault`: an already opened vault (from --password-file / --password-stdin) skips the
        unlock screen. `engine_factory` builds the engine from the unlocked config (default:
        `bootstrap.build_engine` on `clock`)."""
        super().__init__()
        self.home = home
        self.clock: Clock = clock or SystemClock()
        self._engine_factory = engine_factory or self._build_engine
        self._preopened_vault = vault
        self.vault: Vault | None = None
        self.config: NexusConfig | None = None
        self.engine: Engine | None = None
        self.bridge: EngineBridge | None = None
        self.event_log: deque[Event] = deque(maxlen=event_log_size)
        self.events_dropped = 0
        self._quitting = False
        self._modes_opened: set[str] = set()
        self._back_to_open_screen = False  # True while switch_mode runs for a screen already open
        self.engine_events: Signal[EngineEvents] = Signal(self, "engine-events")

    @property
    def desk_clock(self) -> Clock:
        """The clock the desk runs on: the engine's once it exists (simulated time in sim)."""
        return self.engine.clock if self.engine is not None else self.clock

    def _build_engine(self, config: NexusConfig) -> Engine:
        from nexus_tui.bootstrap import build_engine

        return build_engine(config, clock=self.clock)

    # -- unlock -> desk ----------------------------------------------------------------------
    def on_mount(self) -> None:
        if self._preopened_vault is not None:
            self.open_desk(self._preopened_vault)
        else:
            self.push_screen(UnlockScreen(self.home), self.open_desk)

    def open_desk(self, vault: Vault | None) -> None:
        """Build and start the engine for the unlocked config, then show screen 1."""
        if vault is None:
            self.exit()
            return
        self.vault = vault
        self.config = vault.config
        install_redaction(vault.secrets())  # no API key ever reaches a log line
        try:
            engine = self._engine_factory(self.config)
        except NexusError as exc:
            self.exit(return_code=exc.exit_code, message=f"nexus-tui: {exc}")
            return
        self.engine = engine
        self.desk_mode = str(engine.mode)
        self.trading_state = engine.trading_state.value
        self._apply_ui_settings(self.config)
        self.bridge = EngineBridge(self, engine, pace_s=self.config.ui.repaint_interval_ms / 1000)
        self.bridge.start()
        self.unlocked = True
        self.switch_mode(FIRST_SCREEN)

    def _apply_ui_settings(self, config: NexusConfig) -> None:
        if config.ui.theme in self.available_themes:  # an unknown name keeps the default, not a crash
            self.theme = config.ui.theme
        else:
            log.warning("ui.theme %r is not a known theme; keeping %r", config.ui.theme, self.theme)

    # -- engine -> app -----------------------------------------------------------------------
    def on_engine_events(self, message: EngineEvents) -> None:
        self.event_log.extend(message.events)
        self.events_dropped += message.dropped
        self._refresh_trading_state()
        for event in message.events:
            severity = TOAST_SEVERITY.get(event.kind)
            if severity is not None:
                self.notify(event.message or event.kind, severity=severity, timeout=10)  # type: ignore[arg-type]
        self.engine_events.publish(message)

    @on(Worker.StateChanged)
    def _engine_worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place engine worker failures are handled: said in one line, logged in full."""
        worker = event.worker
        if worker.group != ENGINE_GROUP or event.state is not WorkerState.ERROR:
            return
        error = worker.error
        reason = str(error) if isinstance(error, NexusError) else f"{type(error).__name__}: {error}"
        log.error("%s failed", worker.name, exc_info=error)
        self.notify(f"{worker.description} failed: {reason}", severity="error", timeout=30)
        self._refresh_trading_state()

    def _refresh_trading_state(self) -> None:
        if self.engine is not None:
            self.trading_state = self.engine.trading_state.value

    # -- which keys do something now ---------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DESK_ACTIONS and not self.unlocked:
            return False
        if action == "pause_entries":
            if self.trading_state == TradingState.REDUCING:
                return False  # `p` shows as Resume instead
            return True if self.trading_state == TradingState.ACTIVE else None  # HALTED: greyed
        if action == "resume_entries":
            return self.trading_state == TradingState.REDUCING
        if action == "filter":
            screen = self.screen
            return True if isinstance(screen, DeskScreen) and screen.CAN_FILTER else None
        return True

    # -- actions -----------------------------------------------------------------------------
    def action_show_screen(self, mode: str) -> None:
        if mode in DESK_SCREENS and mode != self.current_mode:
            self._back_to_open_screen = mode in self._modes_opened
            try:
                self.switch_mode(mode)
            finally:
                self._back_to_open_screen = False

    def switch_mode(self, mode: str) -> AwaitMount:
        self._modes_opened.add(mode)
        return super().switch_mode(mode)

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual holds painting 50 ms after every mode switch, to hide a footer rebuilding its
        keys. A desk screen already open has its footer built, so going back to one paints as soon
        as it has resumed; the screen itself asks for the hold when its keys did change while it
        was hidden (DeskScreen). The hold was ~50 of the ~115 ms a key like `2` took (ui.screen_switch)."""
        if self._back_to_open_screen:
            return
        super().delay_update(delay)

    def action_pause_entries(self) -> None:
        if self.engine is not None:
            self.engine.pause("paused from the desk (p)")
            self._refresh_trading_state()

    def action_resume_entries(self) -> None:
        if self.engine is not None:
            self.engine.resume("resumed from the desk (p)")
            self._refresh_trading_state()

    def action_kill_switch(self) -> None:
        if self.bridge is None or isinstance(self.screen, KillSwitchModal):
            return
        self.push_screen(KillSwitchModal(), self._kill_answered)

    def _kill_answered(self, confirmed: bool | None) -> None:
        if confirmed and self.bridge is not None:
            self.bridge.kill("kill switch pressed at the desk (ctrl+k)")

    def action_filter(self) -> None:
        screen = self.screen
        if isinstance(screen, DeskScreen) and screen.CAN_FILTER:
            screen.start_filter()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpModal):
            return
        screen = self.screen
        self.push_screen(HelpModal(screen.own_bindings() if isinstance(screen, DeskScreen) else []))

    async def action_quit(self) -> None:
        """Quit; once the desk is open, ask first unless `ui.confirm_quit` is off (the engine
        stops either way, cleanly; open positions stay open on the venues)."""
        if not self.unlocked:
            self.exit()
            return
        if self._quitting or isinstance(self.screen, ConfirmModal):
            return
        if self.config is not None and not self.config.ui.confirm_quit:
            self._quit_answered(True)
            return
        self.push_screen(ConfirmModal(self.quit_question(), yes="Quit", no="Stay"), self._quit_answered)

    def quit_question(self) -> str:
        """What `q` asks. The hook for "N positions are open, they stay open on the venues" once
        positions exist."""
        return (
            "[b]Quit NEXUS TUI?[/b]\n\nThe engine stops cleanly.\n\n"
            "[b]y[/b] quit  ·  [b]n[/b] / [b]escape[/b] stay"
        )

    def _quit_answered(self, confirmed: bool | None) -> None:
        if confirmed and not self._quitting:
            self._quitting = True
            # A worker, so the screen stays alive while a kill in progress finishes and venues close.
            self.run_worker(
                self.close_desk(),
                name="close-desk",
                group=ENGINE_GROUP,
                description="Stopping the engine",
                exclusive=False,
                exit_on_error=False,
            )

    async def close_desk(self) -> None:
        """Stop the engine cleanly (a running kill first, then services and venues), then exit."""
        try:
            if self.bridge is not None:
                self.notify("Stopping the engine…", timeout=30)
                await self.bridge.stop()
        finally:
            self.exit()
