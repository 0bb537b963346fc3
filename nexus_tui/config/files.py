"""Reading a plain YAML config file (e.g. config/example.yaml) to start a vault from it.

Only non-secret values are accepted: a credential in a plain file is exactly what the vault
exists to prevent, so a file that holds one is refused (its value is never echoed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nexus_tui.config.keys import is_secret_path
from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.validation import validate_config
from nexus_tui.core.errors import BadInput


def _secret_keys(node: Any, path: tuple[str, ...] = ()) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _secret_keys(child, (*path, str(key)))
    elif path and node is not None and is_secret_path(path):
        found.append(".".join(path))
    return found


def load_config_file(path: Path) -> NexusConfig:
    """The config a YAML file describes (keys it leaves out keep their defaults)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise BadInput(f"{path} is not valid YAML{line}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInput(f"{path} must hold a mapping of sections (venues:, strategy:, ...)")
    secrets = _secret_keys(data)
    if secrets:
        raise BadInput(
            f"{path} holds a credential ({secrets[0]}): credentials never go in a plain file; "
            f"remove it and use `nexus-tui config set {secrets[0]} -`"
        )
    return validate_config(data)
