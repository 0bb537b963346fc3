"""Where the user's files live: one home directory holding the encrypted config and its backup."""

from __future__ import annotations

import os
from pathlib import Path

from nexus_tui.core.errors import BadInput

HOME_ENV = "NEXUS_HOME"
VAULT_FILE = "config.enc"
BACKUP_FILE = "config.enc.bak"


def resolve_home(home: Path | None = None) -> Path:
    """`--home` if given, else `$NEXUS_HOME`, else `~/.config/nexus-tui`."""
    if home is not None:
        return Path(home).expanduser()
    from_env = os.environ.get(HOME_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return Path.home() / ".config" / "nexus-tui"


def vault_path(home: Path) -> Path:
    return home / VAULT_FILE


def backup_path(home: Path) -> Path:
    return home / BACKUP_FILE


def ensure_home(home: Path) -> Path:
    """Create the home directory if needed, readable by its owner only (0700)."""
    if home.exists() and not home.is_dir():
        raise BadInput(f"{home} is not a directory: give --home a directory")
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home
