"""Read, set and reset one config value by its dotted key.

Setting a key validates the whole new config (the model is rebuilt, never patched), so the old
config stays in force when the new one is invalid, and cross-field rules (live mode needs keys,
reserve + utilisation <= 1, ...) hold after every change.
"""

from __future__ import annotations

from typing import Any

import yaml

from nexus_tui.config.keys import KeyInfo, resolve_key
from nexus_tui.config.schema import NexusConfig, default_config
from nexus_tui.config.validation import validate_config
from nexus_tui.core.errors import BadInput


def get_value(config: NexusConfig, key: str) -> Any:
    info = resolve_key(key)
    node: Any = config
    for part in info.path:
        if isinstance(node, dict):
            if part not in node:
                raise BadInput(f"config key {key!r} is not set")
            node = node[part]
        else:
            node = getattr(node, part)
    return node


def set_value(config: NexusConfig, key: str, raw: str) -> NexusConfig:
    """A new config with `key` set from its text form; ConfigError if the result is invalid."""
    info = resolve_key(key)
    if info.kind == "section":
        raise BadInput(f"{key!r} is a section: set one of its keys, e.g. {_example_child(info)}")
    data = config.model_dump()
    _parent(data, info.path)[info.path[-1]] = _parse(raw, info)
    return validate_config(data)


def unset_value(config: NexusConfig, key: str) -> NexusConfig:
    """A new config with `key` back at its default (an entry of a mapping is removed)."""
    info = resolve_key(key)
    data = config.model_dump()
    parent = _parent(data, info.path)
    defaults = _parent(default_config().model_dump(), info.path)
    name = info.path[-1]
    if name in defaults:
        parent[name] = defaults[name]
    elif name in parent:
        del parent[name]
    else:
        raise BadInput(f"config key {key!r} is not set")
    return validate_config(data)


def _parent(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def _example_child(info: KeyInfo) -> str:
    annotation = info.annotation
    if info.kind == "section":
        return f"{info.key}.{next(iter(annotation.model_fields))}"
    return f"{info.key}.<name>"


def _parse(raw: str, info: KeyInfo) -> Any:
    """Text to the shape pydantic expects. Scalars stay text: pydantic converts and reports."""
    if info.kind == "list":
        text = raw.strip()
        if text.startswith("["):
            parsed = _yaml(raw, info)
            if not isinstance(parsed, list):
                raise BadInput(f"{info.key}: {raw!r} is not allowed; expected a list such as [a, b]")
            return parsed
        return [item.strip() for item in text.split(",") if item.strip()]
    if info.kind == "mapping":
        parsed = _yaml(raw, info)
        if not isinstance(parsed, dict):
            raise BadInput(f"{info.key}: {raw!r} is not allowed; expected a mapping such as {{a: 1}}")
        return parsed
    return raw


def _yaml(raw: str, info: KeyInfo) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        raise BadInput(f"{info.key}: {raw!r} is not valid YAML") from None
