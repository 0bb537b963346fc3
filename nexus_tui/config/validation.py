"""Turn pydantic's validation errors into one line: the field, the bad value, what is allowed.

pydantic's own message is never shown as is: it embeds the input (which may be a whole config
with credentials in it) and spans several lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from nexus_tui.config.keys import is_secret_path
from nexus_tui.config.schema import NexusConfig
from nexus_tui.core.errors import ConfigError

HIDDEN = "(secret, hidden)"
_MAX_VALUE_CHARS = 60


def validate_config(data: Mapping[str, Any]) -> NexusConfig:
    """A NexusConfig from plain data, or ConfigError with a one-line reason."""
    try:
        return NexusConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(describe(exc, secret_values(data))) from None


def describe(exc: ValidationError, secrets: Sequence[str] = ()) -> str:
    errors = exc.errors(include_url=False)
    line = _one(errors[0], secrets)
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return line


def _one(error: ErrorDetails, secrets: Sequence[str]) -> str:
    field = ".".join(str(part) for part in error["loc"])
    allowed = _allowed(error["msg"])
    value = error.get("input")
    if "is not allowed" in allowed:
        # Our own cross-field validators write the whole sentence (field, value, rule).
        return allowed
    if error["type"] == "extra_forbidden":
        return f"{field}: unknown key"
    if error["type"] == "missing":
        return f"{field}: missing"
    if not field:
        return allowed
    if not _is_scalar(value):
        # A section or list: the message names the bad item; the container may hold credentials.
        return f"{field}: {allowed}"
    shown = HIDDEN if is_secret_path(tuple(error["loc"])) else _shown(value, secrets)
    return f"{field}: {shown} is not allowed; {allowed}"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool | int | float | Decimal | SecretStr)


def _allowed(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if msg.startswith("Input should be "):
        msg = "expected " + msg[len("Input should be ") :]
    return msg.rstrip(".")


def _shown(value: Any, secrets: Sequence[str]) -> str:
    if isinstance(value, SecretStr):
        return HIDDEN
    text = repr(value) if isinstance(value, str) else str(value)
    if any(secret in text for secret in secrets):
        return HIDDEN
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def secret_values(data: Any) -> list[str]:
    """Every SecretStr's clear value inside plain data (nested dicts, lists, models)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, SecretStr):
            value = node.get_secret_value()
            if value:
                found.append(value)
        elif isinstance(node, Mapping):
            for child in node.values():
                walk(child)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name))

    walk(data)
    return found
