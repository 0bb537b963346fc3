"""What `nexus-tui init` and `nexus-tui config ...` do, without the command-line plumbing.

Each action takes the home directory and a PasswordReader, and returns the text to print on
stdout; expected failures raise NexusError (one line, exit code attached). Messages for stderr
(warnings) go through `warn`. cli.py only maps options to these calls.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TextIO, TypeVar

from nexus_tui.config.edits import get_value, set_value, unset_value
from nexus_tui.config.files import load_config_file
from nexus_tui.config.keys import KeyInfo, resolve_key
from nexus_tui.config.password import PasswordReader, hidden_prompt, read_line
from nexus_tui.config.paths import ensure_home, vault_path
from nexus_tui.config.redact import install_redaction
from nexus_tui.config.render import masked, to_yaml, value_text
from nexus_tui.config.vault import Vault, VaultExists, password_strength
from nexus_tui.core.errors import BadInput, NexusError

STDIN_VALUE = "-"
P = ParamSpec("P")
R = TypeVar("R")


def _file_errors_as_messages(action: Callable[P, R]) -> Callable[P, R]:
    """A file-system failure (no permission, disk full, ...) becomes one line, not a traceback."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return action(*args, **kwargs)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise NexusError(f"{where}{exc.strerror or exc}") from None

    return run


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class ConfigSession:
    """One command's inputs: where the vault is, how to get the password, where values come from."""

    home: Path
    passwords: PasswordReader
    warn: Callable[[str], None] = field(default=_stderr)
    value_prompt: Callable[[str], str] = field(default=hidden_prompt)

    @property
    def stdin(self) -> TextIO:
        return self.passwords.stdin

    def unlock(self) -> Vault:
        password = self.passwords.current()
        install_redaction([password])
        vault = Vault.open(self.home, password)
        install_redaction(vault.secrets())
        return vault


@_file_errors_as_messages
def init(session: ConfigSession, source: Path | None = None) -> str:
    """Create the vault with the default config (sim mode, no keys), or with the non-secret
    values of the YAML file `source` (e.g. config/example.yaml)."""
    if Vault.exists(session.home):
        # Checked before asking anything, so nobody types a password twice for nothing.
        raise VaultExists(f"a config already exists at {vault_path(session.home)}")
    config = load_config_file(source) if source is not None else None
    ensure_home(session.home)  # a home we cannot use fails now, not after the password
    password = session.passwords.new()
    install_redaction([password])
    score, hint = password_strength(password)
    if score < 3:
        session.warn(f"warning: master password strength {score}/4: {hint}")
    vault = Vault.create(session.home, password, config)
    return (
        f"created {vault.path} ({vault.config.trading.mode} mode; "
        "set API keys with `nexus-tui config set venues.<id>.api_key -`)"
    )


@_file_errors_as_messages
def show(session: ConfigSession) -> str:
    vault = session.unlock()
    return to_yaml(masked(vault.config)).rstrip("\n")


@_file_errors_as_messages
def get(session: ConfigSession, key: str) -> str:
    info = resolve_key(key)
    vault = session.unlock()
    return value_text(get_value(vault.config, key), info)


@_file_errors_as_messages
def set_(session: ConfigSession, key: str, value: str) -> str:
    info = resolve_key(key)
    if info.secret and value != STDIN_VALUE:
        raise BadInput(
            f"{key} is a secret: give it as `-` and type it at the prompt or pipe it on stdin, "
            "never on the command line"
        )
    vault = session.unlock()
    if value == STDIN_VALUE:
        value = _value_from_stdin(session, info)
        if info.secret:
            install_redaction([value])
    new_config = set_value(vault.config, key, value)
    vault.save(new_config)
    shown = value_text(get_value(new_config, key), info)
    return f"{key} = {shown}"


@_file_errors_as_messages
def unset(session: ConfigSession, key: str) -> str:
    info = resolve_key(key)
    vault = session.unlock()
    new_config = unset_value(vault.config, key)
    vault.save(new_config)
    try:
        return f"{key} = {value_text(get_value(new_config, key), info)} (default)"
    except BadInput:
        return f"{key} removed"


@_file_errors_as_messages
def passwd(session: ConfigSession) -> str:
    vault = session.unlock()
    new_password = session.passwords.new_after_current()
    install_redaction([new_password])
    score, hint = password_strength(new_password)
    if score < 3:
        session.warn(f"warning: master password strength {score}/4: {hint}")
    vault.change_password(new_password)
    return f"master password changed for {vault.path}"


def _value_from_stdin(session: ConfigSession, info: KeyInfo) -> str:
    """The value for `config set KEY -`: the next stdin line, or a hidden prompt at a terminal."""
    if session.stdin.isatty():
        value = session.value_prompt(f"{info.key}: ")
    else:
        value = read_line(session.stdin, f"value for {info.key}")
    # Pasted keys often carry a stray space or newline; no credential has leading/trailing blanks.
    value = value.strip() if info.secret else value
    if not value:
        raise BadInput(f"no value given for {info.key} (to remove it: nexus-tui config unset {info.key})")
    return value
