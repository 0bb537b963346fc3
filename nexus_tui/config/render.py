"""The config as text for people: YAML with every credential masked.

A set credential shows as `******** (set)`, an empty one as `(not set)`: enough to check that a
key is in place, nothing that helps guess it (not even its length or last characters).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr

from nexus_tui.config.keys import KeyInfo, unwrap_annotation

MASK_SET = "******** (set)"
MASK_UNSET = "(not set)"


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes Decimal as a plain number, digit for digit."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    tag = (
        "tag:yaml.org,2002:int"
        if value == value.to_integral_value() and "." not in text
        else ("tag:yaml.org,2002:float")
    )
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)


def masked(node: Any, secret: bool = False) -> Any:
    """Plain data (dicts, lists, scalars) for `node` with every credential masked."""
    if secret or isinstance(node, SecretStr):
        return MASK_UNSET if node is None else MASK_SET
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        return {
            name: masked(getattr(node, name), unwrap_annotation(field.annotation)[1])
            for name, field in fields.items()
        }
    if isinstance(node, dict):
        return {str(key): masked(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [masked(item) for item in node]
    return node


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)


def scalar_text(value: Any) -> str:
    """One value as the user would type it back into `config set`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def value_text(value: Any, info: KeyInfo) -> str:
    """`config get` output: a scalar on one line, a section or list as YAML; secrets masked."""
    shown = masked(value, info.secret)
    if isinstance(shown, dict | list):
        return to_yaml(shown).rstrip("\n")
    return scalar_text(shown)
