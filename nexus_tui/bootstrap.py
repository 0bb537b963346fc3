"""Builds a ready-to-start Engine from the user's config: venues, funding book, services.

The one place that wires the layers together, so the TUI, the headless CLI commands and the
tests all get the same engine for the same config.
"""

from __future__ import annotations

from typing import Any

from nexus_tui.core.clock import AcceleratedClock, Clock, SystemClock
from nexus_tui.engine import Engine


def build_engine(config: Any = None, *, clock: Clock | None = None, speed: float = 1.0) -> Engine:
    """An Engine for `config` (None = built-in defaults: the simulated market)."""
    mode = getattr(getattr(config, "trading", None), "mode", "sim")
    if clock is None:
        clock = AcceleratedClock(speed) if speed != 1.0 else SystemClock()
    return Engine(mode=str(mode), clock=clock)
