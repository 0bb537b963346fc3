"""`nexus-tui run`: from command-line options to a running desk.

Kept out of cli.py so the command stays a thin wrapper and textual is imported only when the
TUI really starts (`nexus-tui --version` stays fast).
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import TYPE_CHECKING, Any

from nexus_tui.config.redact import install_redaction
from nexus_tui.config.vault import Vault
from nexus_tui.core.errors import BadInput
from nexus_tui.engine import Engine
from nexus_tui.ui.app import EngineFactory, NexusApp

if TYPE_CHECKING:
    from nexus_tui.config.commands import ConfigSession
    from nexus_tui.config.schema import NexusConfig


def engine_factory(*, speed: float | None = None, seed: int | None = None) -> EngineFactory:
    """build_engine with the --speed / --seed overrides (each only when given)."""
    from nexus_tui.bootstrap import build_engine

    if speed is not None and not speed > 0:
        raise BadInput(f"--speed {speed} is not allowed: it must be a positive number")
    accepted = inspect.signature(build_engine).parameters

    def build(config: NexusConfig) -> Engine:
        overrides: dict[str, Any] = {}
        if speed is not None:
            overrides["speed"] = speed
        if seed is not None and "seed" in accepted:  # the simulator's seed, once build_engine takes it
            overrides["seed"] = seed
        return build_engine(config, **overrides)

    return build


def unlock_without_screen(session: ConfigSession) -> Vault:
    """--password-file / --password-stdin: open the vault (or create it on first run) up front, so a
    wrong password is a one-line error and exit 2, never a half-started TUI."""
    if Vault.exists(session.home):
        return session.unlock()
    password = session.passwords.new()
    install_redaction([password])
    return Vault.create(session.home, password)


def give_stdin_back_to_the_terminal() -> None:
    """--password-stdin read stdin to get the password; the TUI reads its keys from fd 0, so put the
    controlling terminal there."""
    if os.isatty(0):
        return
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise BadInput("--password-stdin left no terminal for the TUI to read keys from") from None
    os.dup2(tty, 0)
    os.close(tty)


def has_terminal() -> bool:
    return sys.stdout.isatty()


def run_app(app: NexusApp) -> int:
    """Run the TUI until the user quits; its exit code."""
    app.run()
    return app.return_code or 0


def run_desk(
    session: ConfigSession,
    *,
    password_given: bool,
    speed: float | None = None,
    seed: int | None = None,
) -> int:
    """Everything `nexus-tui run` does; the exit code. Bad options fail before any file is touched."""
    if not has_terminal():
        raise BadInput("the TUI needs a terminal on stdout; for headless use see `nexus-tui --help`")
    factory = engine_factory(speed=speed, seed=seed)
    vault = unlock_without_screen(session) if password_given else None
    if session.passwords.source.stdin:
        give_stdin_back_to_the_terminal()
    return run_app(NexusApp(session.home, engine_factory=factory, vault=vault))
