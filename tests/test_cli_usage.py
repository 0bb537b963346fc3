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


def test_bare_command_takes_the_run_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """`nexus-tui --speed 30` is `nexus-tui run --speed 30` (screens.md and README say so)."""
    from typer.testing import CliRunner

    import nexus_tui.ui.launch as launch
    from nexus_tui.cli import app

    seen: dict[str, object] = {}

    def fake_run_desk(session: object, *, password_given: bool, speed: float | None, seed: int | None) -> int:
        seen.update(speed=speed, seed=seed)
        return 0

    monkeypatch.setattr(launch, "run_desk", fake_run_desk)
    result = CliRunner().invoke(app, ["--speed", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert seen == {"speed": 30.0, "seed": 7}


def test_run_options_before_another_command_are_a_usage_error() -> None:
    result = _run("--seed", "3", "scan")
    assert result.returncode == 2
    assert "go after the command" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
