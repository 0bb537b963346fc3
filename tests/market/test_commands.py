"""`nexus-tui funding` and `nexus-tui record`: the JSON contract, the table, tapes over time."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus_tui.bootstrap import build_engine
from nexus_tui.cli import app
from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingSource
from nexus_tui.market.commands import Recording, funding_json, funding_report, record_tape, sorted_quotes
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.tape import read_tape, write_tape

from .helpers import T0, FakeVenue, rate

CONTRACT_KEYS = {
    "venue",
    "symbol",
    "rate",
    "interval_hours",
    "rate_hourly",
    "apr",
    "next_funding_ts",
    "mark_price",
    "source",
    "flags",
}


@pytest.fixture
def tape(tmp_path: Path) -> Path:
    path = tmp_path / "snap.csv"
    write_tape(
        [
            rate(
                "0.0001",
                venue="binanceusdm",
                next_funding_ts=T0 + timedelta(hours=8),
                mark_price=Decimal("43000.1"),
            ),
            rate("0.0000125", venue="hyperliquid", symbol="BTC/USDC:USDC", interval=1),
            rate("0.0002", venue="bybit", interval=4, ts=T0 - timedelta(minutes=10)),
            rate("1.79E+9", venue="hyperliquid", symbol="ETH/USDC:USDC", interval=1),
        ],
        path,
    )
    return path


def test_funding_json_has_the_contract_shape(tape: Path) -> None:
    warnings: list[str] = []
    doc = json.loads(funding_report(None, json_out=True, snapshot=tape, warn=warnings.append))
    assert doc["as_of"] == "2026-01-01T00:00:00.000Z"
    assert [(r["venue"], r["symbol"]) for r in doc["rows"]] == [
        ("binanceusdm", "BTC/USDT:USDT"),
        ("bybit", "BTC/USDT:USDT"),
        ("hyperliquid", "BTC/USDC:USDC"),
    ]
    first = doc["rows"][0]
    assert CONTRACT_KEYS <= set(first)
    assert first["rate"] == 0.0001 and first["rate_hourly"] == 0.0000125 and first["apr"] == 0.1095
    assert first["interval_hours"] == 8
    assert first["next_funding_ts"] == "2026-01-01T08:00:00.000Z"
    assert first["mark_price"] == 43000.1
    assert first["source"] == "exchange" and first["flags"] == []  # a tape keeps its rows' source
    assert doc["rows"][1]["flags"] == ["stale"]  # ten minutes older than the tape's newest row
    assert doc["rows"][2]["mark_price"] is None
    assert warnings == [
        f"warning: 1 row(s) of {tape} rejected; first: hyperliquid ETH/USDC:USDC: "
        "rate out of range: 1790000000 per interval is beyond ±0.03"  # written plainly by the tape
    ]


def test_funding_text_is_a_readable_table(tape: Path) -> None:
    text = funding_report(None, json_out=False, snapshot=tape, warn=lambda _: None)
    lines = text.splitlines()
    assert lines[0].split() == [
        "VENUE", "SYMBOL", "RATE", "INT", "RATE/H", "APR", "NEXT", "(UTC)", "MARK", "SOURCE", "AGE", "FLAGS"
    ]  # fmt: skip
    assert lines[1].split() == [
        "binanceusdm", "BTC/USDT:USDT", "0.01000%", "8h", "0.00125%", "10.95%", "2026-01-01", "08:00",
        "43000.1", "exchange", "0s", "-",
    ]  # fmt: skip
    assert "hyperliquid  BTC/USDC:USDC" in text and "0.00125%" in lines[3]
    assert lines[-1] == "3 funding rate(s) as of 2026-01-01T00:00:00.000Z"


def test_funding_venue_filter_applies_to_a_tape(tape: Path) -> None:
    doc = json.loads(
        funding_report(None, json_out=True, snapshot=tape, venues=["bybit"], warn=lambda _: None)
    )
    assert [r["venue"] for r in doc["rows"]] == ["bybit"]


def test_a_venue_filter_that_matches_nothing_on_a_tape_names_the_tape_s_venues(tape: Path) -> None:
    on_tape = ", ".join(sorted({row.venue for row in read_tape(tape)}))
    with pytest.raises(BadInput, match=f"no funding rows for nosuch; the tape has {on_tape}$"):
        funding_report(None, json_out=True, snapshot=tape, venues=["nosuch"], warn=lambda _: None)
    result = CliRunner().invoke(app, ["funding", "--snapshot", str(tape), "--venues", "nosuch"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_funding_json_carries_both_sources_for_the_detail_view() -> None:
    book = FundingBook(ManualClock(T0))
    book.ingest([rate("0.0001"), rate("0.0021", source=FundingSource.SECONDARY)])
    (row,) = funding_json(sorted_quotes(book), T0)["rows"]
    assert row["rate"] == 0.0001 and row["secondary_rate"] == 0.0021 and row["flags"] == ["discrepancy"]


def test_cli_funding_snapshot_and_bad_input(tape: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["funding", "--snapshot", str(tape), "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["rows"]) == 3

    bad = tmp_path / "bad.csv"
    bad.write_text("ts,venue,symbol,rate,interval_hours\n2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,lots,8\n")
    result = runner.invoke(app, ["funding", "--snapshot", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == f"nexus-tui: {bad}:2: rate is not a finite number: 'lots'\n"
    assert "Traceback" not in result.output


def test_cli_funding_reads_ccxt_json_with_venue(tmp_path: Path) -> None:
    path = tmp_path / "hist.json"
    path.write_text(
        json.dumps([{"symbol": "BTC/USDT:USDT", "fundingRate": 0.0001, "timestamp": 1767225600000}])
    )
    result = CliRunner().invoke(
        app, ["funding", "--snapshot", str(path), "--venue", "binanceusdm", "--interval-hours", "8", "--json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["venue"], row["interval_hours"], row["rate"]) == ("binanceusdm", 8, 0.0001)


# -- record ---------------------------------------------------------------------------------


def _engine(clock: ManualClock) -> tuple[object, FakeVenue]:
    venue = FakeVenue(
        "sim:bybit",
        [rate("0.0001", venue="sim:bybit"), rate("0.0002", venue="sim:bybit", symbol="ETH/USDT:USDT")],
        clock,
    )
    return build_engine(None, clock=clock, venues=[venue]), venue  # type: ignore[list-item]


@pytest.mark.parametrize("name", ["rec.csv", "rec.jsonl"])
async def test_record_writes_each_observation_once_over_the_duration(tmp_path: Path, name: str) -> None:
    clock = ManualClock(T0)
    engine, venue = _engine(clock)
    recording = Recording(tmp_path / name)
    await record_tape(engine, recording, duration_s=20, interval_s=5)  # type: ignore[arg-type]
    assert recording.passes == 5 and venue.calls == 5
    rows = read_tape(recording.path)
    assert len(rows) == recording.rows == 10
    assert sorted({r.ts for r in rows}) == [T0 + timedelta(seconds=s) for s in (0, 5, 10, 15, 20)]
    assert {r.source for r in rows} == {FundingSource.EXCHANGE}


async def test_record_does_not_repeat_a_rate_that_was_not_refreshed(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    engine, venue = _engine(clock)
    venue.clock = None  # the venue keeps answering the same observation
    recording = Recording(tmp_path / "rec.csv")
    await record_tape(engine, recording, duration_s=10, interval_s=5)  # type: ignore[arg-type]
    assert recording.passes == 3 and recording.rows == 2


def test_ctrl_c_keeps_every_finished_pass(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    venue = FakeVenue(
        "sim:bybit",
        [rate("0.0001", venue="sim:bybit"), rate("0.0002", venue="sim:bybit", symbol="ETH/USDT:USDT")],
        clock,
    )
    answer = venue.fetch_funding_rates

    async def interrupted_on_third_pass(symbols: object = None) -> list:
        if venue.calls == 2:
            raise KeyboardInterrupt
        return await answer()

    venue.fetch_funding_rates = interrupted_on_third_pass  # type: ignore[method-assign]
    engine = build_engine(None, clock=clock, venues=[venue])  # type: ignore[list-item]
    recording = Recording(tmp_path / "rec.csv")
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(record_tape(engine, recording, duration_s=None, interval_s=5))
    assert recording.passes == 2 and recording.rows == 4
    assert len(read_tape(recording.path)) == 4


async def test_record_rejects_nonsense_options(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    engine, _ = _engine(clock)
    with pytest.raises(BadInput, match="--interval 0"):
        await record_tape(engine, Recording(tmp_path / "r.csv"), duration_s=5, interval_s=0)  # type: ignore[arg-type]


def test_cli_record_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "kept.csv"
    out.write_text("precious\n")
    result = CliRunner().invoke(app, ["record", "--out", str(out), "--duration", "0"])
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_text() == "precious\n"


# -- on the simulated market, as a user runs them ----------------------------------------------


def test_same_seed_same_instant_gives_the_same_book() -> None:
    from datetime import UTC, datetime

    from nexus_tui.market.commands import refresh_once

    def snapshot(seed: int) -> dict[str, object]:
        clock = ManualClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
        engine = build_engine(None, clock=clock, seed=seed, venue_ids=["sim:binance", "sim:hyperliquid"])
        asyncio.run(refresh_once(engine))
        return funding_json(sorted_quotes(engine.funding_book), clock.now())

    first = snapshot(11)
    assert len(first["rows"]) > 100  # type: ignore[arg-type]
    assert {r["interval_hours"] for r in first["rows"]} >= {1, 8}  # type: ignore[attr-defined]
    assert snapshot(11) == first
    assert snapshot(12) != first


def test_cli_funding_on_the_simulated_market() -> None:
    result = CliRunner().invoke(app, ["funding", "--json", "--venues", "sim:okx"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["rows"] and {r["venue"] for r in doc["rows"]} == {"sim:okx"}
    for row in doc["rows"]:
        assert CONTRACT_KEYS <= set(row)
        assert isinstance(row["rate"], float) and abs(row["rate"]) <= 0.03
        assert row["source"] == "sim"
    result = CliRunner().invoke(app, ["funding", "--venues", "kraken"])
    assert result.exit_code == 2
    assert result.stderr.startswith("nexus-tui: unknown venue 'kraken'; available: sim:binance")


def test_cli_record_on_the_simulated_market(tmp_path: Path) -> None:
    out = tmp_path / "sim.jsonl"
    args = ["record", "--out", str(out), "--duration", "10", "--interval", "5", "--speed", "200"]
    result = CliRunner().invoke(app, [*args, "--venues", "sim:hyperliquid"])
    assert result.exit_code == 0, result.output
    rows = read_tape(out)
    assert rows and {r.venue for r in rows} == {"sim:hyperliquid"}
    assert {r.interval_hours for r in rows} == {1}
    assert result.stderr.startswith(f"nexus-tui: recorded {len(rows)} row(s), 3 pass(es), to {out}")
