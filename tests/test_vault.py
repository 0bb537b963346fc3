"""The encrypted vault: round trip, wrong password, damage anywhere, truncation, crash safety,
permissions, backups, password change."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from nexus_tui.config import envelope, kdf
from nexus_tui.config.edits import set_value
from nexus_tui.config.paths import backup_path, vault_path
from nexus_tui.config.schema import default_config
from nexus_tui.config.vault import Vault, VaultChanged, VaultExists, VaultMissing, unlock_file
from nexus_tui.core.errors import BadInput, DamagedVault, WrongPassword

PASSWORD = "correct horse battery staple"
API_KEY = "AKIA-test-key-7f3a9c2e41b8"
API_SECRET = "s3cr3t/+=test-value-5d8e0b"


def _with_keys() -> object:
    config = set_value(default_config(), "venues.binanceusdm.api_key", API_KEY)
    return set_value(config, "venues.binanceusdm.api_secret", API_SECRET)


@pytest.fixture
def vault(nexus_home: Path) -> Vault:
    created = Vault.create(nexus_home, PASSWORD)
    created.save(_with_keys())  # type: ignore[arg-type]
    return created


def _recompute_checksum(data: bytes) -> bytes:
    body = data[: -envelope.CHECKSUM_BYTES]
    return body + hashlib.sha256(body).digest()


def _header_span(data: bytes) -> tuple[int, int]:
    start = len(envelope.MAGIC) + 2
    return start, start + int.from_bytes(data[len(envelope.MAGIC) : start], "big")


# -- round trip ------------------------------------------------------------------------------


def test_round_trip_keeps_every_value_including_secrets(vault: Vault, nexus_home: Path) -> None:
    reopened = Vault.open(nexus_home, PASSWORD)
    assert reopened.config == vault.config
    venue = reopened.config.venues["binanceusdm"]
    assert venue.api_key is not None and venue.api_key.get_secret_value() == API_KEY
    assert sorted(reopened.secrets()) == sorted([API_KEY, API_SECRET])


def test_create_with_defaults_is_sim_mode_without_keys(nexus_home: Path) -> None:
    created = Vault.create(nexus_home, PASSWORD)
    assert created.config == default_config()
    assert created.config.trading.mode == "sim"
    assert created.secrets() == []
    assert Vault.exists(nexus_home)


def test_create_refuses_an_existing_vault_and_leaves_it(vault: Vault, nexus_home: Path) -> None:
    before = vault_path(nexus_home).read_bytes()
    with pytest.raises(VaultExists, match="already exists"):
        Vault.create(nexus_home, "another password")
    assert vault_path(nexus_home).read_bytes() == before


def test_empty_password_is_refused(nexus_home: Path) -> None:
    with pytest.raises(BadInput):
        Vault.create(nexus_home, "")
    assert not Vault.exists(nexus_home)


def test_open_without_a_vault_says_to_init(nexus_home: Path) -> None:
    with pytest.raises(VaultMissing, match="nexus-tui init"):
        Vault.open(nexus_home, PASSWORD)


def test_no_secret_in_clear_in_any_file(vault: Vault, nexus_home: Path) -> None:
    for path in nexus_home.iterdir():
        content = path.read_bytes()
        for secret in (API_KEY, API_SECRET, PASSWORD):
            assert secret.encode() not in content, path


def test_repr_of_vault_and_config_hides_secrets(vault: Vault) -> None:
    for text in (repr(vault), repr(vault.config), str(vault.config), vault.config.model_dump_json()):
        assert API_KEY not in text and API_SECRET not in text
    assert PASSWORD not in repr(vault._keys)


# -- wrong password and damage --------------------------------------------------------------


def test_wrong_password(vault: Vault, nexus_home: Path) -> None:
    with pytest.raises(WrongPassword) as caught:
        Vault.open(nexus_home, PASSWORD + "!")
    assert str(caught.value) == "wrong master password"


def test_every_flipped_byte_is_damage(vault: Vault, nexus_home: Path) -> None:
    """Every byte position, in memory, through the same code as Vault.open (the file itself is
    exercised by the sampled test below)."""
    original = vault_path(nexus_home).read_bytes()
    assert unlock_file(original, PASSWORD)[0] == vault.config
    for position in range(len(original)):
        for bit in (0x01, 0x80):
            damaged = bytearray(original)
            damaged[position] ^= bit
            with pytest.raises(DamagedVault) as caught:
                unlock_file(bytes(damaged), PASSWORD)
            assert str(caught.value) == "config file is damaged or was modified"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(min_value=0, max_value=1, exclude_max=True), bit=st.integers(0, 7))
def test_a_flipped_byte_in_the_file_is_damage(
    vault: Vault, nexus_home: Path, fraction: float, bit: int
) -> None:
    path = vault_path(nexus_home)
    original = path.read_bytes()
    damaged = bytearray(original)
    damaged[int(fraction * len(original))] ^= 1 << bit
    path.write_bytes(bytes(damaged))
    try:
        with pytest.raises(DamagedVault):
            Vault.open(nexus_home, PASSWORD)
    finally:
        path.write_bytes(original)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(min_value=0, max_value=1, exclude_max=True), bit=st.integers(0, 7))
def test_a_forged_checksum_does_not_hide_a_change(
    vault: Vault, nexus_home: Path, fraction: float, bit: int
) -> None:
    """Someone who flips a byte and rewrites the checksum is still caught: by the GCM tag (with
    the right password: 'damaged'), or, for the KDF fields, as a key that no longer matches."""
    path = vault_path(nexus_home)
    original = Vault.open(nexus_home, PASSWORD)._on_disk
    body_length = len(original) - envelope.CHECKSUM_BYTES
    position = int(fraction * body_length)
    forged = bytearray(original)
    forged[position] ^= 1 << bit
    path.write_bytes(_recompute_checksum(bytes(forged)))
    header_start, header_end = _header_span(original)
    if header_start <= position < header_end:
        with pytest.raises((DamagedVault, WrongPassword)):
            Vault.open(nexus_home, PASSWORD)
    else:
        with pytest.raises(DamagedVault):
            Vault.open(nexus_home, PASSWORD)
    path.write_bytes(original)


def test_forged_ciphertext_with_right_password_reads_as_damage(vault: Vault, nexus_home: Path) -> None:
    path = vault_path(nexus_home)
    forged = bytearray(path.read_bytes())
    forged[-envelope.CHECKSUM_BYTES - 1] ^= 0xFF  # last byte of the GCM tag
    path.write_bytes(_recompute_checksum(bytes(forged)))
    with pytest.raises(DamagedVault):
        Vault.open(nexus_home, PASSWORD)
    with pytest.raises(WrongPassword):
        Vault.open(nexus_home, "not the password")


def test_every_truncation_is_damage(vault: Vault, nexus_home: Path) -> None:
    original = vault_path(nexus_home).read_bytes()
    for length in range(len(original)):
        with pytest.raises(DamagedVault):
            unlock_file(original[:length], PASSWORD)
    path = vault_path(nexus_home)
    path.write_bytes(original[: len(original) // 2])
    with pytest.raises(DamagedVault):
        Vault.open(nexus_home, PASSWORD)


def test_appended_bytes_are_damage(vault: Vault, nexus_home: Path) -> None:
    path = vault_path(nexus_home)
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(DamagedVault):
        Vault.open(nexus_home, PASSWORD)


def test_absurd_kdf_cost_in_header_is_refused_before_any_kdf(nexus_home: Path) -> None:
    """A header is untrusted: asking for terabytes of memory must not be obeyed."""
    Vault.create(nexus_home, PASSWORD)
    path = vault_path(nexus_home)
    data = path.read_bytes()
    start, end = _header_span(data)
    header = json.loads(data[start:end])
    header["kdf"]["memory_kib"] = 2**40
    new_header = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    forged = data[: len(envelope.MAGIC)] + len(new_header).to_bytes(2, "big") + new_header + data[end:]
    path.write_bytes(_recompute_checksum(forged))
    with pytest.raises(DamagedVault):
        Vault.open(nexus_home, PASSWORD)


def test_a_damaged_file_is_never_overwritten(vault: Vault, nexus_home: Path) -> None:
    path = vault_path(nexus_home)
    damaged = bytearray(path.read_bytes())
    damaged[200] ^= 0x10
    path.write_bytes(bytes(damaged))
    backup_before = backup_path(nexus_home).read_bytes()
    with pytest.raises(DamagedVault):
        vault.save(default_config())
    with pytest.raises(DamagedVault):
        vault.change_password("a new password")
    assert path.read_bytes() == bytes(damaged)
    assert backup_path(nexus_home).read_bytes() == backup_before


def test_a_file_changed_by_another_process_is_not_overwritten(vault: Vault, nexus_home: Path) -> None:
    other = Vault.open(nexus_home, PASSWORD)
    other.save(set_value(other.config, "trading.mode", "paper"))
    written_by_other = vault_path(nexus_home).read_bytes()
    with pytest.raises(VaultChanged):
        vault.save(set_value(vault.config, "strategy.min_net_apr", "0.2"))
    assert vault_path(nexus_home).read_bytes() == written_by_other


# -- KDF cost lives in the file -------------------------------------------------------------


def test_raising_the_kdf_cost_later_still_opens_old_files(
    nexus_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kdf, "DEFAULT_KDF", kdf.KdfParams(iterations=1, memory_kib=64, lanes=1))
    Vault.create(nexus_home, PASSWORD)
    monkeypatch.setattr(kdf, "DEFAULT_KDF", kdf.KdfParams(iterations=2, memory_kib=128, lanes=2))
    opened = Vault.open(nexus_home, PASSWORD)
    assert envelope.parse(vault_path(nexus_home).read_bytes()).params == kdf.KdfParams(1, 64, 1)
    opened.change_password(PASSWORD)  # a password change writes today's cost
    assert envelope.parse(vault_path(nexus_home).read_bytes()).params == kdf.KdfParams(2, 128, 2)
    assert Vault.open(nexus_home, PASSWORD).config == opened.config


def test_product_kdf_cost_is_strong() -> None:
    """What ships (tests lower DEFAULT_KDF through conftest): RFC 9106's second recommendation."""
    assert kdf.PRODUCT_KDF == kdf.KdfParams(iterations=3, memory_kib=64 * 1024, lanes=4)
    assert kdf.PRODUCT_KDF.acceptable()


# -- writes: atomic, 0600, backup -------------------------------------------------------------


def test_files_are_owner_only(vault: Vault, nexus_home: Path) -> None:
    assert stat.S_IMODE(nexus_home.stat().st_mode) == 0o700
    for path in (vault_path(nexus_home), backup_path(nexus_home)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert sorted(p.name for p in nexus_home.iterdir()) == ["config.enc", "config.enc.bak"]


def test_save_keeps_the_previous_version_as_backup(vault: Vault, nexus_home: Path) -> None:
    before = vault_path(nexus_home).read_bytes()
    vault.save(set_value(vault.config, "trading.mode", "paper"))
    assert backup_path(nexus_home).read_bytes() == before
    backup_home = nexus_home.parent / "restored"
    backup_home.mkdir()
    (backup_home / "config.enc").write_bytes(backup_path(nexus_home).read_bytes())
    assert Vault.open(backup_home, PASSWORD).config.trading.mode == "sim"
    assert Vault.open(nexus_home, PASSWORD).config.trading.mode == "paper"


def test_failed_rename_leaves_the_old_file_and_no_temp(
    vault: Vault, nexus_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = vault_path(nexus_home).read_bytes()

    def fail_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(OSError):
        vault.save(set_value(vault.config, "trading.mode", "paper"))
    monkeypatch.undo()
    assert vault_path(nexus_home).read_bytes() == before
    assert not [p for p in nexus_home.iterdir() if p.name.endswith(".tmp")]


def test_crash_between_temp_write_and_rename_leaves_the_old_file(vault: Vault, nexus_home: Path) -> None:
    """A real crash: the process dies (os._exit) after the temp file is written and fsynced,
    before the rename. The old config must open unchanged."""
    before = vault_path(nexus_home).read_bytes()
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from nexus_tui.config import kdf
        from nexus_tui.config.edits import set_value
        from nexus_tui.config.vault import Vault
        kdf.DEFAULT_KDF = kdf.TEST_KDF
        vault = Vault.open(Path({str(nexus_home)!r}), {PASSWORD!r})
        real_replace = os.replace
        def crash(src, dst):
            if str(dst).endswith("config.enc"):
                os._exit(9)
            real_replace(src, dst)
        os.replace = crash
        vault.save(set_value(vault.config, "trading.mode", "paper"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()
    assert vault_path(nexus_home).read_bytes() == before
    assert Vault.open(nexus_home, PASSWORD).config.trading.mode == "sim"
    leftovers = [p for p in nexus_home.iterdir() if p.name.endswith(".tmp")]
    assert leftovers, "the crash should have left its temp file behind"
    assert all(API_KEY.encode() not in p.read_bytes() for p in leftovers)


# -- password change --------------------------------------------------------------------------


def test_change_password(vault: Vault, nexus_home: Path) -> None:
    vault.change_password("a brand new passphrase")
    with pytest.raises(WrongPassword):
        Vault.open(nexus_home, PASSWORD)
    reopened = Vault.open(nexus_home, "a brand new passphrase")
    assert reopened.config == vault.config
    # The backup does not keep the keys readable with the old password.
    backup_home = nexus_home.parent / "from-backup"
    backup_home.mkdir()
    (backup_home / "config.enc").write_bytes(backup_path(nexus_home).read_bytes())
    with pytest.raises(WrongPassword):
        Vault.open(backup_home, PASSWORD)
    assert Vault.open(backup_home, "a brand new passphrase").config == vault.config


def test_save_after_password_change_uses_the_new_key(vault: Vault, nexus_home: Path) -> None:
    vault.change_password("second password")
    vault.save(set_value(vault.config, "ui.theme", "nord"))
    assert Vault.open(nexus_home, "second password").config.ui.theme == "nord"


def test_secrets_lists_every_credential(nexus_home: Path) -> None:
    config = default_config().model_copy(
        update={
            "alerts": default_config().alerts.model_copy(
                update={
                    "telegram": default_config().alerts.telegram.model_copy(
                        update={"bot_token": SecretStr("123:telegram-token")}
                    )
                }
            )
        }
    )
    created = Vault.create(nexus_home, PASSWORD, config)
    assert created.secrets() == ["123:telegram-token"]


def test_create_works_on_a_file_system_without_hard_links(
    nexus_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    Vault.create(nexus_home, PASSWORD)
    with pytest.raises(VaultExists):
        Vault.create(nexus_home, PASSWORD)
    assert Vault.open(nexus_home, PASSWORD).config == default_config()
    assert sorted(p.name for p in nexus_home.iterdir()) == ["config.enc"]
