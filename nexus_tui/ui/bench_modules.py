"""The TUI's benchmarks, added to `nexus-tui bench` by the CLI.

The headless bench runner never names the UI (the engine never imports it)."""

from __future__ import annotations

UI_BENCH_MODULES: list[str] = [
    "nexus_tui.ui.bench_ui",
    "nexus_tui.ui.bench_funding",
    "nexus_tui.ui.bench_opportunities",
]
