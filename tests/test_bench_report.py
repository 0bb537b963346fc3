"""The bench report: DESIGN.md §3's JSON shape, plus the machine's pace beside the figures."""

from __future__ import annotations

from nexus_tui.bench.registry import BenchResult
from nexus_tui.bench.runner import Pace, as_json, as_text, measure_pace


def _results() -> dict[str, BenchResult]:
    return {"demo.thing": BenchResult(12.5, 14.0, 30.0, "ms", {"rows": 600.0})}


def test_json_keeps_the_contract_fields_and_adds_the_pace() -> None:
    report = as_json(_results(), Pace(2.5, 2.75))
    assert set(report) == {"machine", "pace", "results"}
    assert report["pace"] == {"before_ms": 2.5, "after_ms": 2.75}
    entry = report["results"]["demo.thing"]
    assert {k: entry[k] for k in ("median_ms", "p95_ms", "goal_ms", "unit", "ok")} == {
        "median_ms": 12.5,
        "p95_ms": 14.0,
        "goal_ms": 30.0,
        "unit": "ms",
        "ok": True,
    }
    assert entry["rows"] == 600.0
    assert "pace" not in as_json(_results())


def test_text_says_the_pace_under_the_machine_line() -> None:
    lines = as_text(_results(), Pace(2.5, 2.75)).splitlines()
    assert lines[0].startswith("machine: ")
    assert lines[1].startswith("pace: 2.50 ms before, 2.75 ms after")
    assert any(line.startswith("demo.thing") and line.rstrip().endswith("ok") for line in lines)


def test_the_pace_is_a_positive_measurement() -> None:
    assert measure_pace(repeat=3) > 0.0
