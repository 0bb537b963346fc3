"""`nexus-tui run`: options, the --password-* shortcuts, and one-line refusals (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus_tui.cli import app as cli
from nexus_tui.config.vault import Vault
from nexus_tui.core.clock import AcceleratedClock
from nexus_tui.engine import Engine
from nexus_tui.ui import launch
from nexus_tui.ui.app import NexusApp
from tests.ui.conftest import PASSWORD


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[NexusApp]:
    """Apps `run` would have shown: a terminal is assumed and the app is recorded, not run."""
    apps: list[NexusApp] = []

    def record(app: NexusApp) -> int:
        apps.append(app)
        return 0

    monkeypatch.setattr(launch, "has_terminal", lambda: True)
    monkeypatch.setattr(launch, "run_app", record)
    return apps


def password_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "pw.txt"
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def one_line_refusal(result: object, code: int = 2) -> str:
    assert getattr(result, "exit_code", None) == code, getattr(result, "output", "")
    output = str(getattr(result, "output", ""))
    assert "Traceback" not in output and output.count("\n") == 1, output
    return output


def test_password_file_readable_by_others_is_refused(
    tmp_path: Path, nexus_home: Path, started: list[NexusApp]
) -> None:
    result = CliRunner().invoke(
        cli, ["run", "--password-file", str(password_file(tmp_path, PASSWORD, 0o644))]
    )
    assert "0600" in one_line_refusal(result)
    assert started == [] and not Vault.exists(nexus_home)


def test_wrong_password_in_a_file_is_one_line_and_exit_2(
    tmp_path: Path, vault: Vault, started: list[NexusApp]
) -> None:
    result = CliRunner().invoke(cli, ["run", "--password-file", str(password_file(tmp_path, "nope"))])
    assert one_line_refusal(result) == "nexus-tui: wrong master password\n"
    assert started == []


def test_root_options_reach_run(tmp_path: Path, started: list[NexusApp]) -> None:
    home = tmp_path / "elsewhere"
    Vault.create(home, PASSWORD)
    result = CliRunner().invoke(
        cli, ["--home", str(home), "--password-file", str(password_file(tmp_path, "x"))]
    )
    assert one_line_refusal(result) == "nexus-tui: wrong master password\n"


def test_right_password_opens_the_desk_without_the_unlock_screen(
    tmp_path: Path, vault: Vault, started: list[NexusApp]
) -> None:
    result = CliRunner().invoke(
        cli,
        ["run", "--password-file", str(password_file(tmp_path, PASSWORD)), "--speed", "60", "--seed", "3"],
    )
    assert result.exit_code == 0, result.output
    [desk] = started
    assert desk._preopened_vault is not None
    engine = desk._engine_factory(desk._preopened_vault.config)
    assert isinstance(engine, Engine) and isinstance(engine.clock, AcceleratedClock)
    assert engine.clock.speed == 60


def test_first_run_with_a_password_on_stdin_creates_the_config(
    nexus_home: Path, started: list[NexusApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launch, "give_stdin_back_to_the_terminal", lambda: None)
    result = CliRunner().invoke(cli, ["run", "--password-stdin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert len(started) == 1
    Vault.open(nexus_home, PASSWORD)


def test_no_password_option_shows_the_unlock_screen(started: list[NexusApp]) -> None:
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 0, result.output
    assert started[0]._preopened_vault is None


def test_bad_speed_is_refused(started: list[NexusApp]) -> None:
    assert "--speed" in one_line_refusal(CliRunner().invoke(cli, ["run", "--speed", "0"]))
    assert started == []


def test_without_a_terminal_nothing_is_touched(tmp_path: Path, nexus_home: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "--password-file", str(password_file(tmp_path, PASSWORD))])
    assert "needs a terminal" in one_line_refusal(result)
    assert not Vault.exists(nexus_home), "no config created for a TUI that cannot start"
