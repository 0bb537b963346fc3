"""Writes `config/default.yaml`: every non-secret default, commented with its field's description.

Generated from the schema so the two cannot drift (a test compares them):

    python -m nexus_tui.config.defaults_file > config/default.yaml
"""

from __future__ import annotations

import textwrap
from typing import Any

from pydantic import BaseModel

from nexus_tui.config.keys import unwrap_annotation
from nexus_tui.config.render import to_yaml
from nexus_tui.config.schema import NexusConfig, default_config

_WIDTH = 100

HEADER = """\
# NEXUS TUI: the built-in defaults (generated from nexus_tui/config/schema.py; do not edit).
#
# Your own config is not a YAML file: it lives encrypted in config.enc in the home directory
# (--home, else $NEXUS_HOME, else ~/.config/nexus-tui). Change it with
#     nexus-tui config set KEY VALUE         e.g. nexus-tui config set trading.mode paper
#     nexus-tui config set KEY -             for credentials: the value is read from stdin or a
#                                            hidden prompt, never from the command line
# KEY is the dotted path of a value below, e.g. risk.standard.max_leverage.
#
# Credentials (venues.*.api_key, api_secret, passphrase, private_key, alerts.telegram.bot_token,
# alerts.webhook.url) are secrets: they have no default and never appear in a plain file.
#
# Shares, rates and APRs are fractions: 0.05 means 5 %. Amounts are USD.
"""


def _comment(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    return [f"{indent}# {line}" for line in textwrap.wrap(text, _WIDTH - len(indent) - 2)]


def _scalar_line(name: str, value: Any, indent: str) -> list[str]:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list | dict) and not value:
        return [f"{indent}{name}: {'[]' if isinstance(value, list) else '{}'}"]
    rendered = to_yaml({name: value}).rstrip("\n").splitlines()
    return [indent + line for line in rendered]


def _field(name: str, description: str | None, value: Any, indent: str, comments: bool) -> list[str]:
    lines = _comment(description, indent) if comments else []
    if isinstance(value, BaseModel):
        return [*lines, f"{indent}{name}:", *_section(value, indent + "  ", comments)]
    if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
        lines.append(f"{indent}{name}:")
        for position, (key, child) in enumerate(value.items()):
            lines.append(f"{indent}  {key}:")
            # Field comments once, on the first entry: the others have the same fields.
            lines += _section(child, indent + "    ", comments and position == 0)
        return lines
    return lines + _scalar_line(name, value, indent)


def _section(model: BaseModel, indent: str, comments: bool) -> list[str]:
    lines: list[str] = []
    for name, field in type(model).model_fields.items():
        if unwrap_annotation(field.annotation)[1]:
            continue  # a secret: no default, never in a file
        lines += _field(name, field.description, getattr(model, name), indent, comments)
    return lines


def render_default_yaml(config: NexusConfig | None = None) -> str:
    config = config or default_config()
    blocks = [
        "\n".join(_field(name, field.description, getattr(config, name), "", True))
        for name, field in NexusConfig.model_fields.items()
    ]
    return HEADER + "\n" + "\n\n".join(blocks) + "\n"


if __name__ == "__main__":
    print(render_default_yaml(), end="")
