"""Reading the master password: file (0600 only), stdin, hidden prompt (twice for a new one)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus_tui.config.password import PasswordReader, PasswordSource, read_password_file
from nexus_tui.config.vault import password_strength
from nexus_tui.core.errors import BadInput


def _prompts(*answers: str) -> tuple[list[str], object]:
    asked: list[str] = []
    replies: Iterator[str] = iter(answers)

    def prompt(label: str) -> str:
        asked.append(label)
        return next(replies)

    return asked, prompt


def test_password_file_must_be_owner_only(tmp_path: Path) -> None:
    file = tmp_path / "pw"
    file.write_text("s3cret pass\nignored second line\n", encoding="utf-8")
    for loose in (0o644, 0o640, 0o604, 0o660):
        os.chmod(file, loose)
        with pytest.raises(BadInput, match=f"has mode {loose:04o}; it must be 0600"):
            read_password_file(file)
    os.chmod(file, 0o600)
    assert read_password_file(file) == "s3cret pass"
    os.chmod(file, 0o400)
    assert read_password_file(file) == "s3cret pass"


def test_password_file_problems_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read password file"):
        read_password_file(tmp_path / "missing")
    with pytest.raises(BadInput, match="not a regular file"):
        read_password_file(tmp_path)
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    os.chmod(empty, 0o600)
    with pytest.raises(BadInput, match="is empty"):
        read_password_file(empty)


def test_stdin_password_keeps_spaces_and_drops_the_newline() -> None:
    reader = PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("  pass word \r\nnext\n"))
    assert reader.current() == "  pass word "
    assert reader.stdin.readline() == "next\n"  # the rest is left for the value


def test_new_password_on_stdin_may_be_confirmed_by_a_second_line() -> None:
    assert PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("pw1\npw1\n")).new() == "pw1"
    assert PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("pw1\n")).new() == "pw1"
    with pytest.raises(BadInput, match="do not match"):
        PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("pw1\npw2\n")).new()
    with pytest.raises(BadInput, match="no master password on stdin"):
        PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("")).new()
    with pytest.raises(BadInput, match="must not be empty"):
        PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("\n")).new()


def test_prompt_asks_twice_for_a_new_password() -> None:
    asked, prompt = _prompts("hunter2 hunter2", "hunter2 hunter2")
    assert PasswordReader(PasswordSource(), prompt=prompt).new() == "hunter2 hunter2"  # type: ignore[arg-type]
    assert len(asked) == 2
    _, prompt = _prompts("one", "two")
    with pytest.raises(BadInput, match="do not match"):
        PasswordReader(PasswordSource(), prompt=prompt).new()  # type: ignore[arg-type]


def test_prompt_asks_once_to_unlock() -> None:
    asked, prompt = _prompts("pw")
    assert PasswordReader(PasswordSource(), prompt=prompt).current() == "pw"  # type: ignore[arg-type]
    assert asked == ["Master password: "]


def test_file_and_stdin_together_is_bad_usage(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not both"):
        PasswordSource(file=tmp_path / "pw", stdin=True)


def test_new_password_after_current_on_stdin() -> None:
    reader = PasswordReader(PasswordSource(stdin=True), stdin=io.StringIO("old\nnew\nnew\n"))
    assert reader.current() == "old"
    assert reader.new_after_current() == "new"


@pytest.mark.parametrize(
    ("password", "lowest", "highest"),
    [
        ("", 0, 0),
        ("password", 0, 0),
        ("Password123", 0, 0),
        ("aaaaaaaaaaaaaaaaaaaa", 0, 0),
        ("abcdefghijklmnop", 0, 1),
        ("Tr0ub4dor&3", 2, 3),
        ("correct horse battery staple", 4, 4),
        ("x8Kq2mPzW4nR7tYb", 4, 4),
    ],
)
def test_password_strength(password: str, lowest: int, highest: int) -> None:
    score, hint = password_strength(password)
    assert lowest <= score <= highest
    assert hint and "\n" not in hint
