"""`nexus-tui init` and `nexus-tui config ...`: exit codes, one-line messages, secrets masked."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus_tui.cli import app
from nexus_tui.config import envelope, kdf
from nexus_tui.config.paths import vault_path
from nexus_tui.config.redact import REDACTOR
from nexus_tui.config.render import MASK_SET
from nexus_tui.config.vault import Vault

PASSWORD = "desk master passphrase 42"
SECRET = "binance-api-key-Zx81Qm44Lp0"


@pytest.fixture(autouse=True)
def _forget_redactions() -> Iterator[None]:
    yield
    REDACTOR.clear()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "desk"


def nexus(*args: str, stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def init(home: Path) -> None:
    code, _, err = nexus("--home", str(home), "init", "--password-stdin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, err


def with_password(home: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    return nexus(*args, "--home", str(home), "--password-stdin", stdin=f"{PASSWORD}\n{stdin}")


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nexus-tui: ")
    return lines[0]


# -- init -------------------------------------------------------------------------------------


def test_init_creates_the_vault_with_defaults(home: Path) -> None:
    init(home)
    assert Vault.open(home, PASSWORD).config.trading.mode == "sim"
    assert oct(vault_path(home).stat().st_mode & 0o777) == "0o600"


def test_init_twice_fails_with_one_line(home: Path) -> None:
    init(home)
    before = vault_path(home).read_bytes()
    code, _, err = nexus("init", "--home", str(home), "--password-stdin", stdin="other\nother\n")
    assert code == 2
    assert "a config already exists at" in one_line_error(err)
    assert vault_path(home).read_bytes() == before


def test_init_with_mismatched_passwords_creates_nothing(home: Path) -> None:
    code, _, err = nexus("init", "--home", str(home), "--password-stdin", stdin="one\ntwo\n")
    assert code == 2 and "do not match" in one_line_error(err)
    assert not vault_path(home).exists()


def test_init_warns_about_a_weak_password(home: Path) -> None:
    code, out, err = nexus("init", "--home", str(home), "--password-stdin", stdin="pw\npw\n")
    assert code == 0 and "created" in out
    assert "warning: master password strength 0/4" in err


def test_home_from_environment(nexus_home: Path) -> None:
    code, _, err = nexus("init", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    assert Vault.exists(nexus_home)


def test_init_from_the_example_file(home: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "config" / "example.yaml"
    code, out, err = nexus(
        "init", "--from", str(example), "--home", str(home), "--password-stdin", stdin="a b c d e\n"
    )
    assert code == 0, err
    assert "paper mode" in out
    assert Vault.open(home, "a b c d e").config.risk.profile == "conservative"


# -- the done-when check ------------------------------------------------------------------------


def test_secret_set_from_stdin_is_never_in_clear_and_shown_masked(home: Path) -> None:
    init(home)
    code, out, err = with_password(
        home, "config", "set", "venues.binanceusdm.api_key", "-", stdin=f"{SECRET}\n"
    )
    assert code == 0, err
    assert SECRET not in out + err
    assert out.strip() == f"venues.binanceusdm.api_key = {MASK_SET}"
    for path in home.rglob("*"):
        assert SECRET.encode() not in path.read_bytes(), path
    code, shown, _ = with_password(home, "config", "show")
    assert code == 0
    assert SECRET not in shown
    assert f"api_key: '{MASK_SET}'" in shown
    code, got, _ = with_password(home, "config", "get", "venues.binanceusdm.api_key")
    assert (code, got.strip()) == (0, MASK_SET)
    key = Vault.open(home, PASSWORD).config.venues["binanceusdm"].api_key
    assert key is not None and key.get_secret_value() == SECRET


def test_secret_on_the_command_line_is_refused(home: Path) -> None:
    init(home)
    code, _, err = with_password(home, "config", "set", "venues.okx.api_secret", "abc123secret")
    assert code == 2
    line = one_line_error(err)
    assert "is a secret" in line and "abc123secret" not in line


def test_empty_secret_from_stdin_is_refused(home: Path) -> None:
    init(home)
    code, _, err = with_password(home, "config", "set", "venues.okx.api_key", "-", stdin="\n")
    assert code == 2 and "no value given" in one_line_error(err)


# -- show / get / set / unset ------------------------------------------------------------------


def test_get_and_set_plain_values(home: Path) -> None:
    init(home)
    assert with_password(home, "config", "get", "strategy.min_net_apr")[1].strip() == "0.10"
    code, out, _ = with_password(home, "config", "set", "strategy.min_net_apr", "0.15")
    assert (code, out.strip()) == (0, "strategy.min_net_apr = 0.15")
    assert with_password(home, "config", "get", "strategy.min_net_apr")[1].strip() == "0.15"
    code, out, _ = with_password(home, "config", "get", "risk.standard")
    assert code == 0 and "max_leverage: 3" in out


def test_invalid_value_exits_2_and_keeps_the_old_config(home: Path) -> None:
    init(home)
    before = vault_path(home).read_bytes()
    code, _, err = with_password(home, "config", "set", "trading.mode", "yolo")
    assert code == 2
    assert one_line_error(err) == (
        "nexus-tui: trading.mode: 'yolo' is not allowed; expected 'sim', 'paper' or 'live'"
    )
    assert vault_path(home).read_bytes() == before


def test_unknown_key_exits_2_before_asking_the_password(home: Path) -> None:
    init(home)
    code, _, err = nexus("config", "get", "strategy.min_apr", "--home", str(home), "--password-stdin")
    assert code == 2
    assert one_line_error(err) == (
        "nexus-tui: unknown config key 'strategy.min_apr': did you mean 'strategy.min_net_apr'?"
    )


def test_unset_restores_the_default(home: Path) -> None:
    init(home)
    with_password(home, "config", "set", "trading.mode", "paper")
    code, out, _ = with_password(home, "config", "unset", "trading.mode")
    assert (code, out.strip()) == (0, "trading.mode = sim (default)")


def test_live_mode_without_keys_is_refused(home: Path) -> None:
    init(home)
    code, _, err = with_password(home, "config", "set", "trading.mode", "live")
    assert code == 2 and "live trading needs an enabled venue with credentials" in one_line_error(err)


# -- passwords -----------------------------------------------------------------------------


def test_wrong_password_exits_2(home: Path) -> None:
    init(home)
    code, out, err = nexus("config", "show", "--home", str(home), "--password-stdin", stdin="not it\n")
    assert (code, out) == (2, "")
    assert one_line_error(err) == "nexus-tui: wrong master password"


def test_password_file_must_be_0600(home: Path, tmp_path: Path) -> None:
    init(home)
    file = tmp_path / "pw.txt"
    file.write_text(PASSWORD + "\n", encoding="utf-8")
    os.chmod(file, 0o644)
    code, _, err = nexus("config", "get", "trading.mode", "--home", str(home), "--password-file", str(file))
    assert code == 2 and "must be 0600" in one_line_error(err)
    os.chmod(file, 0o600)
    code, out, _ = nexus("config", "get", "trading.mode", "--home", str(home), "--password-file", str(file))
    assert (code, out.strip()) == (0, "sim")


def test_root_level_options_work_too(home: Path, tmp_path: Path) -> None:
    init(home)
    file = tmp_path / "pw.txt"
    file.write_text(PASSWORD, encoding="utf-8")
    os.chmod(file, 0o600)
    code, out, _ = nexus("--home", str(home), "--password-file", str(file), "config", "get", "ui.theme")
    assert (code, out.strip()) == (0, "textual-dark")


def test_passwd_reencrypts_under_the_new_password(home: Path) -> None:
    init(home)
    with_password(home, "config", "set", "venues.bybit.api_key", "-", stdin=f"{SECRET}\n")
    code, out, err = with_password(home, "config", "passwd", stdin="the new one 99\nthe new one 99\n")
    assert code == 0, err
    assert "master password changed" in out
    code, _, err = with_password(home, "config", "show")
    assert code == 2 and "wrong master password" in err
    code, out, _ = nexus(
        "config",
        "get",
        "venues.bybit.api_key",
        "--home",
        str(home),
        "--password-stdin",
        stdin="the new one 99\n",
    )
    assert (code, out.strip()) == (0, MASK_SET)


def test_no_password_source_and_no_terminal_is_bad_usage(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init(home)
    monkeypatch.setattr(os, "open", _no_tty(os.open))
    code, _, err = nexus("config", "show", "--home", str(home))
    assert code == 2 and "use --password-file F or --password-stdin" in one_line_error(err)


def _no_tty(real_open):  # type: ignore[no-untyped-def]
    def guarded(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path) == "/dev/tty":
            raise OSError(6, "No such device or address")
        return real_open(path, *args, **kwargs)

    return guarded


# -- damaged files and missing vault --------------------------------------------------------


def test_missing_vault_says_to_init(home: Path) -> None:
    code, _, err = with_password(home, "config", "show")
    assert code == 2 and "run `nexus-tui init` first" in one_line_error(err)


def test_tampered_file_exits_2_and_is_left_as_is(home: Path) -> None:
    init(home)
    path = vault_path(home)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x04
    path.write_bytes(bytes(damaged))
    for args in (("config", "show"), ("config", "set", "trading.mode", "paper"), ("config", "passwd")):
        code, _, err = with_password(home, *args, stdin="x y z w\n")
        assert code == 2
        assert one_line_error(err) == "nexus-tui: config file is damaged or was modified"
    assert path.read_bytes() == bytes(damaged)


def test_home_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = nexus("init", "--home", str(blocker), "--password-stdin", stdin="pw\n")
    assert code == 2
    assert "is not a directory" in one_line_error(err)


# -- the real program, end to end ----------------------------------------------------------------


def test_done_when_check_with_the_installed_program(tmp_path: Path) -> None:
    """As a user would run it (the product KDF cost, a real process, pipes)."""
    home = tmp_path / "real-home"
    program = [sys.executable, "-m", "nexus_tui", "--home", str(home)]

    def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*program, *args], input=stdin, capture_output=True, text=True, timeout=120)

    assert run("init", "--password-stdin", stdin=f"{PASSWORD}\n{PASSWORD}\n").returncode == 0
    done = run(
        "config",
        "set",
        "venues.binanceusdm.api_key",
        "-",
        "--password-stdin",
        stdin=f"{PASSWORD}\n{SECRET}\n",
    )
    assert done.returncode == 0, done.stderr
    for path in home.rglob("*"):
        assert SECRET.encode() not in path.read_bytes(), path
    shown = run("config", "show", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert shown.returncode == 0 and SECRET not in shown.stdout and MASK_SET in shown.stdout
    assert envelope.parse(vault_path(home).read_bytes()).params == kdf.PRODUCT_KDF
    wrong = run("config", "show", "--password-stdin", stdin="nope\n")
    assert (wrong.returncode, wrong.stderr.strip()) == (2, "nexus-tui: wrong master password")


def test_a_file_system_failure_is_one_line_exit_1(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init(home)

    def refuse(path: Path, data: bytes, *, exclusive: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("nexus_tui.config.vault.write_atomic", refuse)
    code, _, err = with_password(home, "config", "set", "ui.theme", "nord")
    assert code == 1
    assert one_line_error(err).endswith("config.enc.bak: Permission denied")


def test_secret_value_at_a_terminal_is_asked_hidden(home: Path) -> None:
    """With stdin at a terminal, `config set KEY -` asks with a hidden prompt (not echoed)."""
    import io

    from nexus_tui.config import commands
    from nexus_tui.config.password import PasswordReader, PasswordSource

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    init(home)
    asked: list[str] = []

    def hidden(label: str) -> str:
        asked.append(label)
        return {"Master password: ": PASSWORD}.get(label, f"  {SECRET}  ")

    session = commands.ConfigSession(
        home=home,
        passwords=PasswordReader(PasswordSource(), stdin=Terminal(""), prompt=hidden),
        value_prompt=hidden,
    )
    assert commands.set_(session, "venues.okx.api_key", "-") == f"venues.okx.api_key = {MASK_SET}"
    assert asked == ["Master password: ", "venues.okx.api_key: "]
    key = Vault.open(home, PASSWORD).config.venues["okx"].api_key
    assert key is not None and key.get_secret_value() == SECRET  # pasted blanks trimmed
