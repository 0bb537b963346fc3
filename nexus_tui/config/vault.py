"""The encrypted vault: the user's whole config, API keys included, in one file `config.enc`.

Encrypted with AES-256-GCM under a key derived from the master password by Argon2id (layout
and reasoning in envelope.py). Every write is atomic (atomic.py) and keeps the previous version
as `config.enc.bak`. A damaged or modified file is never overwritten: it is left for the user
to inspect or replace with the backup.

The Vault keeps the derived keys in memory (to save without asking the password again), never
the password itself.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from nexus_tui.config import kdf
from nexus_tui.config.atomic import write_atomic
from nexus_tui.config.envelope import KeyMaterial, decrypt, parse, seal, unlock
from nexus_tui.config.paths import backup_path, ensure_home, vault_path
from nexus_tui.config.payload import from_payload, to_payload
from nexus_tui.config.schema import NexusConfig, default_config
from nexus_tui.config.strength import password_strength
from nexus_tui.config.validation import secret_values
from nexus_tui.core.errors import BadInput, DamagedVault, NexusError, VaultError

__all__ = ["Vault", "VaultChanged", "VaultExists", "VaultMissing", "password_strength"]


class VaultExists(VaultError):
    """`init` on a home that already holds a config."""


class VaultMissing(VaultError):
    """No config yet in this home."""


class VaultChanged(VaultError):
    """The file on disk is not the one this Vault read (another nexus-tui process wrote it)."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise VaultMissing(f"no config in {path.parent}: run `nexus-tui init` first") from None
    except IsADirectoryError:
        raise DamagedVault() from None


def unlock_file(data: bytes, password: str) -> tuple[NexusConfig, KeyMaterial]:
    """The config in the bytes of a config.enc. Raises DamagedVault or WrongPassword."""
    envelope = parse(data)  # damage is reported before the (slow) KDF runs
    payload, keys = unlock(envelope, password)
    return from_payload(payload), keys


def _check_password(password: str) -> None:
    if not password:
        raise BadInput("the master password must not be empty")


class Vault:
    """An unlocked vault. Get one with `Vault.create` or `Vault.open`."""

    path: Path
    config: NexusConfig

    def __init__(self, path: Path, config: NexusConfig, keys: KeyMaterial, on_disk: bytes) -> None:
        self.path = path
        self.config = config
        self._keys = keys
        self._on_disk = on_disk  # the exact bytes we last read or wrote

    def __repr__(self) -> str:
        return f"Vault(path={str(self.path)!r})"

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def exists(cls, home: Path) -> bool:
        return vault_path(home).exists()

    @classmethod
    def create(cls, home: Path, password: str, config: NexusConfig | None = None) -> Vault:
        """A new vault holding `config` (default: the built-in defaults). VaultExists if any."""
        _check_password(password)
        path = vault_path(ensure_home(home))
        if path.exists():
            raise VaultExists(f"a config already exists at {path}")
        keys = KeyMaterial.derive(password, kdf.new_salt(), kdf.DEFAULT_KDF)
        config = config or default_config()
        data = seal(to_payload(config), keys)
        try:
            write_atomic(path, data, exclusive=True)
        except FileExistsError:
            raise VaultExists(f"a config already exists at {path}") from None
        return cls(path, config, keys, data)

    @classmethod
    def open(cls, home: Path, password: str) -> Vault:
        """Unlock the vault in `home`. Raises WrongPassword, DamagedVault or VaultMissing."""
        path = vault_path(home)
        data = _read(path)
        config, keys = unlock_file(data, password)
        return cls(path, config, keys, data)

    # -- changing ----------------------------------------------------------------------
    def save(self, config: NexusConfig) -> None:
        """Encrypt and write `config`; the file it replaces becomes config.enc.bak."""
        previous = self._current_file()
        data = seal(to_payload(config), self._keys)
        self._write(data, backup=previous)
        self.config = config

    def change_password(self, new_password: str) -> None:
        """Re-encrypt under `new_password` (fresh salt, today's KDF cost).

        The backup is re-encrypted too: a backup still readable with the old password would
        defeat a password change made because the old one leaked.
        """
        _check_password(new_password)
        self._current_file()
        keys = KeyMaterial.derive(new_password, kdf.new_salt(), kdf.DEFAULT_KDF)
        data = seal(to_payload(self.config), keys)
        self._write(data, backup=seal(to_payload(self.config), keys))
        self._keys = keys

    def secrets(self) -> list[str]:
        """Every credential value the config holds (for log redaction)."""
        return secret_values(self.config)

    # -- internals ---------------------------------------------------------------------
    def _current_file(self) -> bytes:
        """The file on disk, checked to be the one we hold: never overwrite a damaged file, nor
        one another process has written since we read it."""
        data = _read(self.path)
        if data == self._on_disk:
            return data
        envelope = parse(data)  # DamagedVault if damaged
        with contextlib.suppress(NexusError):
            if from_payload(decrypt(envelope, self._keys)) == self.config:
                return data  # same content, re-encrypted elsewhere (e.g. a save of equal config)
        raise VaultChanged(f"{self.path} was changed by another nexus-tui since it was opened; open it again")

    def _write(self, data: bytes, *, backup: bytes) -> None:
        write_atomic(backup_path(self.path.parent), backup)
        write_atomic(self.path, data)
        self._on_disk = data
