"""The runtime settings every command starts with (core/runtime.py)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from nexus_tui.core.runtime import YOUNG_THRESHOLD, tune_gc


@pytest.fixture
def gc_thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_youngest_generation_is_collected_less_often_and_the_older_ones_as_before(
    gc_thresholds: tuple[int, int, int],
) -> None:
    tune_gc()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *gc_thresholds[1:])


def test_every_command_starts_with_it_and_the_bench_report_says_so() -> None:
    """The bench runs under the settings the desk runs under, and prints them with the machine."""
    code = (
        "import gc, sys\n"
        "from nexus_tui import cli\n"
        "seen = []\n"
        "cli.app = lambda **kw: seen.append(gc.get_threshold()[0]) or 0\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "from nexus_tui.bench.runner import machine\n"
        "print(seen[0], machine())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    threshold, _, machine = out.stdout.strip().partition(" ")
    assert int(threshold) == YOUNG_THRESHOLD
    assert f"gc thresholds ({YOUNG_THRESHOLD}," in machine
