"""Bad usage is one line on stderr and exit 2, never click's multi-line block or a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nexus_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bogus"], "No such option: --bogus"),
        (["nosuch"], "No such command 'nosuch'"),
        (["config", "get"], "Missing argument 'key'"),
        (["funding", "--venues"], "requires an argument"),
    ],
)
def test_usage_error_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert "Traceback" not in result.stderr


def test_version_and_help_exit_0() -> None:
    assert _run("--version").stdout.startswith("nexus-tui ")
    result = _run("--help")
    assert result.returncode == 0
    assert "funding" in result.stdout and "scan" in result.stdout
