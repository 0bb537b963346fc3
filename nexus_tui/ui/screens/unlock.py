"""The first screen: create the master password (first run) or type it to unlock the config."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from nexus_tui.config.redact import install_redaction
from nexus_tui.config.vault import Vault, password_strength
from nexus_tui.core.errors import NexusError, WrongPassword
from nexus_tui.ui.widgets.desk_footer import DeskFooter
from nexus_tui.ui.widgets.new_password import NewPasswordField

log = logging.getLogger(__name__)

UNLOCK_GROUP = "unlock"
FIRST_STEP = "Step 1 of 2: choose it, then [b]enter[/b]."
SECOND_STEP = "Step 2 of 2: type the same password again, then [b]enter[/b]."


class UnlockScreen(Screen[Vault]):
    """Dismissed with the opened Vault. A wrong password only says so and lets the user retry."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.quit", "Quit", tooltip="Quit without unlocking", id="nexus.unlock.quit")
    ]
    AUTO_FOCUS = "#password"
    SUB_TITLE = "unlock"

    def __init__(self, home: Path, *, message: str = "") -> None:
        super().__init__()
        self.home = home
        self.first_run = not Vault.exists(home)
        self._initial_message = message

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="unlock-box", classes="dialog"):
            yield Static("NEXUS TUI", id="product")
            if self.first_run:
                yield Static("[b]Create the master password[/b]", id="heading")
                yield Static(
                    "It encrypts your config and API keys on this machine. "
                    "Nobody can recover it for you: keep it somewhere safe.",
                    classes="explain",
                )
                yield Static(FIRST_STEP, id="step")
                yield NewPasswordField(id="password")
                yield Static("", id="strength")
            else:
                yield Static("[b]Unlock[/b]", id="heading")
                yield Static(f"Config: {self.home}", classes="explain")
                yield Input(password=True, placeholder="master password", id="password")
            yield Static(self._initial_message, id="message")
            yield Static("[b]enter[/b] next  ·  [b]escape[/b] or [b]ctrl+q[/b] quit", classes="keys-hint")
        yield DeskFooter()

    # -- first run: the new password, twice -------------------------------------------------
    @on(Input.Changed, "#password")
    def _show_strength(self, event: Input.Changed) -> None:
        if not isinstance(event.input, NewPasswordField) or event.input.repeating:
            return  # the hint is about the password being chosen, not about the repeat
        strength = self.query_one("#strength", Static)
        if not event.value:
            strength.update("")
            return
        score, hint = password_strength(event.value)
        strength.update(f"strength: {hint}")
        strength.set_class(score <= 1, "-weak")
        strength.set_class(score == 2, "-fair")
        strength.set_class(score >= 3, "-strong")

    @on(NewPasswordField.Repeating)
    def _ask_again(self) -> None:
        self.query_one("#step", Static).update(SECOND_STEP)
        self._say("")

    @on(NewPasswordField.Entered)
    def _both_entered(self, event: NewPasswordField.Entered) -> None:
        if event.password != event.repeat:
            self.query_one("#step", Static).update(FIRST_STEP)
            self._retry("The two passwords differ. Choose it again.")
            return
        self._open_vault(event.password, create=True)

    @on(NewPasswordField.Empty)
    def _nothing_typed(self, event: NewPasswordField.Empty) -> None:
        self._say("Type it again first." if event.field.repeating else "Type a password first.", error=True)

    # -- later runs: unlock ------------------------------------------------------------------
    @on(Input.Submitted, "#password")
    def _password_entered(self, event: Input.Submitted) -> None:
        if isinstance(event.input, NewPasswordField):
            return
        if not event.value:
            self._say("Type the master password first.", error=True)
            return
        self._open_vault(event.value, create=False)

    # -- opening (a thread: the key derivation is slow on purpose) ---------------------------
    @work(exclusive=True, group=UNLOCK_GROUP, exit_on_error=False, description="Opening the encrypted config")
    async def _open_vault(self, password: str, *, create: bool) -> None:
        self._set_busy(True, "Creating the encrypted config…" if create else "Unlocking…")
        try:
            if create:
                vault = await asyncio.to_thread(Vault.create, self.home, password)
            else:
                vault = await asyncio.to_thread(Vault.open, self.home, password)
        except WrongPassword:
            self._retry("Wrong master password. Try again.")
            return
        except NexusError as exc:
            self._retry(f"{exc}.")
            return
        finally:
            self._set_busy(False)
        install_redaction([password])
        self.dismiss(vault)

    @on(Worker.StateChanged)
    def _unlock_failed(self, event: Worker.StateChanged) -> None:
        # Only a bug lands here (expected failures are NexusError, handled above): one line, no traceback.
        if event.worker.group == UNLOCK_GROUP and event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("opening the config failed", exc_info=error)
            self._retry(f"Could not open the config: {type(error).__name__}: {error}")

    # -- feedback ----------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def _retry(self, text: str) -> None:
        """Say why, clear what was typed, and put the cursor back in the field."""
        self._say(text, error=True)
        field = self.query_one("#password", Input)
        if isinstance(field, NewPasswordField):
            field.start_over()
        field.value = ""
        self.set_focus(field)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        field = self.query_one("#password", Input)
        field.disabled = busy
        if busy:
            self._say(text)
        else:
            self.set_focus(field)
