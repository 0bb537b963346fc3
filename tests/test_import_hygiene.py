"""The engine never imports the UI (STYLE.md habit 1, DESIGN.md §1).

Every module outside nexus_tui/ui and the command line is imported in a fresh interpreter, and
none of them may pull in textual, rich or nexus_tui.ui, directly or through a dependency.
import-linter checks the same rule statically (`lint-imports`, contract in pyproject.toml).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nexus_tui

PACKAGE_DIR = Path(nexus_tui.__file__).parent
REPO = PACKAGE_DIR.parent
FORBIDDEN = ("textual", "rich", "nexus_tui.ui")
# The TUI itself, and the command line that starts it (typer brings rich along).
UI_SIDE = ("nexus_tui.ui", "nexus_tui.cli", "nexus_tui.__main__")


def headless_modules() -> list[str]:
    """Found on disk, not by importing: walking packages would import the UI in this process."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if not any(name == side or name.startswith(side + ".") for side in UI_SIDE):
            names.append(name)
    return names


PROBE = """
import importlib, json, sys
forbidden = {forbidden!r}
def loaded():
    return sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))
offenders, broken = {{}}, {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception as exc:  # reported below; the other modules are still checked
        broken[name] = f"{{type(exc).__name__}}: {{exc}}"
    if loaded():
        offenders[name] = loaded()
        break
print(json.dumps({{"offenders": offenders, "broken": broken}}))
"""


def test_the_walk_finds_the_engine_and_skips_the_ui() -> None:
    modules = headless_modules()
    assert {"nexus_tui", "nexus_tui.engine", "nexus_tui.core.events", "nexus_tui.bootstrap"} <= set(modules)
    assert not [m for m in modules if m.startswith("nexus_tui.ui") or m == "nexus_tui.cli"]


def test_no_headless_module_imports_textual_rich_or_the_ui() -> None:
    modules = headless_modules()
    probe = PROBE.format(forbidden=FORBIDDEN, modules=modules)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["offenders"] == {}, f"first module to pull in a UI package, and what: {report['offenders']}"
    assert report["broken"] == {}, f"modules that do not import at all: {report['broken']}"


def test_the_probe_would_catch_an_offender() -> None:
    """The check itself can fail: a module importing rich is reported."""
    probe = PROBE.format(forbidden=FORBIDDEN, modules=["json", "rich.text"])
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "rich.text" in json.loads(done.stdout)["offenders"]


def test_import_linter_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint_imports).exists():
        pytest.skip("import-linter is not installed")
    done = subprocess.run(
        [lint_imports, "--no-cache"], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
