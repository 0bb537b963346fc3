"""Dotted config keys (`venues.binanceusdm.api_key`, `strategy.min_net_apr`) resolved against
the schema, so an unknown key is reported (with the nearest known one) before any password is
asked, and a credential is recognised as one wherever it sits.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, SecretStr

from nexus_tui.config.schema import KNOWN_VENUES, NexusConfig
from nexus_tui.core.errors import BadInput

KeyKind = Literal["section", "mapping", "list", "value"]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    path: tuple[str, ...]
    kind: KeyKind
    secret: bool
    annotation: Any  # the leaf's type, Optional and Annotated unwrapped

    @property
    def key(self) -> str:
        return ".".join(self.path)


def unwrap_annotation(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_secret) with `X | None` and `Annotated[X, ...]` taken off."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap_annotation(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [unwrap_annotation(a) for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
        return annotation, any(secret for _, secret in inner)
    return annotation, annotation is SecretStr


def _kind(annotation: Any) -> KeyKind:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    origin = typing.get_origin(annotation)
    if origin is dict:
        return "mapping"
    if origin in (tuple, list):
        return "list"
    return "value"


def _split(key: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in key.split("."))
    if not key.strip() or any(not part for part in parts):
        raise BadInput(f"bad config key {key!r}: expected dotted names such as strategy.min_net_apr")
    return parts


def resolve_key(key: str) -> KeyInfo:
    """What `key` names in the schema; BadInput (one line, with a suggestion) if nothing."""
    path = _split(key)
    annotation: Any = NexusConfig
    secret = False
    for depth, part in enumerate(path):
        where = ".".join(path[:depth]) or "the config"
        kind = _kind(annotation)
        if kind == "section":
            fields = annotation.model_fields
            if part not in fields:
                raise BadInput(_unknown(key, path[:depth], part, list(fields), where))
            annotation, secret = unwrap_annotation(fields[part].annotation)
        elif kind == "mapping":
            if path[:depth] == ("venues",) and part not in KNOWN_VENUES:
                raise BadInput(_unknown(key, path[:depth], part, list(KNOWN_VENUES), "venues"))
            annotation, secret = unwrap_annotation(typing.get_args(annotation)[1])
        else:
            raise BadInput(f"unknown config key {key!r}: {where} is a single value, it has no keys")
    return KeyInfo(path, _kind(annotation), secret, annotation)


def _unknown(key: str, parent: tuple[str, ...], part: str, known: list[str], where: str) -> str:
    near = difflib.get_close_matches(part, known, n=1)
    hint = f"did you mean {'.'.join((*parent, near[0]))!r}?" if near else f"{where} has: {', '.join(known)}"
    return f"unknown config key {key!r}: {hint}"


def is_secret_path(path: tuple[str | int, ...]) -> bool:
    """True when `path` (e.g. a validation error location) points at a credential."""
    try:
        return resolve_key(".".join(str(p) for p in path)).secret
    except BadInput:
        return False
