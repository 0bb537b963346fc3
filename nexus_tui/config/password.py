"""Getting the master password from the person: a file, stdin, or a hidden prompt. Never argv.

- `--password-file F`: the first line of F, refused unless only its owner can read it (0600 or
  stricter) and it belongs to the current user.
- `--password-stdin`: one line of stdin. When a new password is set, a second line, if present,
  must repeat it. Commands that also read a value from stdin read the password line(s) first.
- otherwise a hidden prompt on the terminal (/dev/tty), twice for a new password.

Trailing newline characters are removed; every other character, spaces included, counts.
"""

from __future__ import annotations

import getpass
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from nexus_tui.core.errors import BadInput

Prompt = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class PasswordSource:
    """Where the master password comes from (the `--password-file` / `--password-stdin` options)."""

    file: Path | None = None
    stdin: bool = False

    def __post_init__(self) -> None:
        if self.file is not None and self.stdin:
            raise BadInput("use either --password-file or --password-stdin, not both")


def _strip_newline(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def read_password_file(path: Path) -> str:
    """The first line of `path`, which only its owner may read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise BadInput(f"cannot read password file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"password file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise BadInput(f"password file {path} has mode {mode:04o}; it must be 0600 (run: chmod 600 {path})")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise BadInput(f"password file {path} belongs to another user")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise BadInput(f"cannot read password file {path} as UTF-8 text") from None
    password = _strip_newline(text.splitlines(keepends=True)[0]) if text else ""
    if not password:
        raise BadInput(f"password file {path} is empty")
    return password


def read_line(stream: TextIO, what: str) -> str:
    """One line from `stream` without its newline; BadInput at end of input."""
    line = stream.readline()
    if not line:
        raise BadInput(f"no {what} on stdin")
    return _strip_newline(line)


def hidden_prompt(prompt: str) -> str:
    """Ask on the terminal without echo. BadInput when there is no terminal to ask on."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise BadInput(
            "no terminal to ask for the master password: use --password-file F or --password-stdin"
        ) from None
    os.close(tty)
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise BadInput("no password given") from None


class PasswordReader:
    """Reads the master password as the options say. `stdin` and `prompt` are injectable."""

    def __init__(
        self,
        source: PasswordSource,
        *,
        stdin: TextIO | None = None,
        prompt: Prompt = hidden_prompt,
    ) -> None:
        self.source = source
        self.stdin = stdin if stdin is not None else sys.stdin
        self.prompt = prompt

    def current(self, label: str = "Master password: ") -> str:
        """The password of an existing vault."""
        if self.source.file is not None:
            password = read_password_file(self.source.file)
        elif self.source.stdin:
            password = read_line(self.stdin, "master password")
        else:
            password = self.prompt(label)
        if not password:
            raise BadInput("no master password given")
        return password

    def new(self, label: str = "New master password: ") -> str:
        """A password to set, confirmed: asked twice at the prompt; on stdin, a second line, if
        any, must match; a password file is its own confirmation."""
        if self.source.file is not None:
            return read_password_file(self.source.file)
        if self.source.stdin:
            first = read_line(self.stdin, "master password")
            second = self.stdin.readline()
            if second and _strip_newline(second) != first:
                raise BadInput("the two passwords given on stdin do not match")
        else:
            first = self.prompt(label)
            if first and self.prompt("Repeat it: ") != first:
                raise BadInput("the two passwords do not match")
        if not first:
            raise BadInput("the master password must not be empty")
        return first

    def new_after_current(self, label: str = "New master password: ") -> str:
        """For `config passwd`: the new password comes from stdin after the current one when
        --password-stdin is used, else from the prompt (twice), never from the password file
        (which holds the current one)."""
        if self.source.stdin:
            return PasswordReader(PasswordSource(stdin=True), stdin=self.stdin).new(label)
        return PasswordReader(PasswordSource(), prompt=self.prompt).new(label)
