"""The plaintext inside the vault: the config as JSON, credentials in clear (it is then encrypted).

Only the vault calls `to_payload`; everything else sees `SecretStr`, which masks itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from nexus_tui.config.schema import NexusConfig
from nexus_tui.config.validation import validate_config
from nexus_tui.core.errors import DamagedVault

PAYLOAD_FORMAT = 1
# The plaintext is padded with spaces (valid trailing JSON whitespace) to a multiple of this, so
# the file's size does not tell how long the stored keys are, or whether one was just added.
PAD_TO = 1024


def _plain(node: Any) -> Any:
    if isinstance(node, SecretStr):
        return node.get_secret_value()
    if isinstance(node, Decimal):
        return str(node)  # exact: a float would round money and rates
    if isinstance(node, Mapping):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(item) for item in node]
    return node


def to_payload(config: NexusConfig) -> bytes:
    document = {"format": PAYLOAD_FORMAT, "config": _plain(config.model_dump())}
    text = json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return text + b" " * (-len(text) % PAD_TO)


def from_payload(payload: bytes) -> NexusConfig:
    """The config in a decrypted payload. A payload that authenticated but does not parse can
    only come from a bug or a forger holding the key: reported as damage, never half-loaded."""
    try:
        document = json.loads(payload)
        if document.get("format") != PAYLOAD_FORMAT or not isinstance(document.get("config"), dict):
            raise ValueError("unknown payload format")
    except (ValueError, AttributeError):
        raise DamagedVault() from None
    return validate_config(document["config"])
