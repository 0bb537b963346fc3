"""`nexus-tui scan --snapshot` on a real tape: the careful trader's pick, and DESIGN.md's JSON."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus_tui.cli import app
from nexus_tui.strategy.commands import snapshot_scan
from nexus_tui.strategy.models import OpportunityType
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.report import scan_text
from nexus_tui.strategy.venues import BASE_TIER_FEES
from tests.conftest import FIXTURES

TAPE = FIXTURES / "strategy" / "eth_merge_2022-09-15.csv"


def careful_trader(path: Path, horizon: Decimal = Decimal(72)) -> dict[str, tuple[str, str, Decimal]]:
    """Per asset: the latest rate per venue, per hour; each pair's APR minus four taker fills
    spread over the hold; the best pair if it clears 10 % (written independently of the scanner)."""
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for row in csv.DictReader(path.open()):
        key = (row["venue"], row["symbol"])
        if key not in latest or row["ts"] >= latest[key]["ts"]:
            latest[key] = row
    by_asset: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for (venue, symbol), row in latest.items():
        hourly = Decimal(row["rate"]) / int(row["interval_hours"])
        taker = BASE_TIER_FEES[venue][1]
        by_asset.setdefault(symbol.split("/")[0], []).append((venue, hourly, taker))
    picks = {}
    for asset, legs in by_asset.items():
        best = None
        for long_venue, long_h, long_fee in legs:
            for short_venue, short_h, short_fee in legs:
                if long_venue == short_venue:
                    continue
                net = (short_h - long_h) * 8760 - 2 * (long_fee + short_fee) * 8760 / horizon
                if best is None or net > best[2]:
                    best = (long_venue, short_venue, net)
        if best is not None and best[2] >= Decimal("0.10"):
            picks[asset] = best
    return picks


def test_the_scan_picks_the_careful_traders_venues() -> None:
    result = snapshot_scan(TAPE, StrategyParams())
    expected = careful_trader(TAPE)
    held = {
        o.base: o
        for o in result.opportunities
        if o.type in (OpportunityType.CROSS_PERP, OpportunityType.CEX_DEX)
    }
    assert set(held) == set(expected) == {"ETH"}  # BTC's best pair nets under 10 % after fees
    for asset, (long_venue, short_venue, net) in expected.items():
        opp = held[asset]
        assert (opp.long.venue, opp.short.venue) == (long_venue, short_venue)
        assert opp.net_apr == net
        assert "fees_only" in opp.flags  # a tape has no order books, and the row says so
    # the merge: every CEX paid longs heavily, dYdX did not: long the most negative CEX, short dYdX
    assert (held["ETH"].long.venue, held["ETH"].short.venue) == ("bybit", "dydx")


def test_a_bigger_size_costs_proportionally_on_a_tape() -> None:
    small = snapshot_scan(TAPE, StrategyParams())
    big = snapshot_scan(TAPE, StrategyParams(size_usd=Decimal(50_000)))
    assert big.opportunities[0].costs.total == small.opportunities[0].costs.total * 5
    assert big.opportunities[0].net_apr == small.opportunities[0].net_apr


DESIGN_KEYS = {
    "id",
    "type",
    "symbol",
    "long_venue",
    "short_venue",
    "long_rate_hourly",
    "short_rate_hourly",
    "gross_apr",
    "net_apr",
    "break_even_hours",
    "size_usd",
    "uos",
    "uos_parts",
    "flags",
}


def test_scan_json_is_designs_document() -> None:
    out = CliRunner().invoke(app, ["scan", "--snapshot", str(TAPE), "--json", "--size", "25000"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["as_of"] == "2022-09-15T08:00:00.000Z"
    opps = doc["opportunities"]
    assert opps
    for opp in opps:
        assert DESIGN_KEYS <= opp.keys()
        assert set(opp["uos_parts"]) == {"return", "risk", "execution", "timing"}
        for key in ("long_rate_hourly", "short_rate_hourly", "gross_apr", "net_apr", "size_usd", "uos"):
            assert isinstance(opp[key], int | float)
        assert opp["size_usd"] == 25000
        assert isinstance(opp["flags"], list)
    assert [o["uos"] for o in opps] == sorted((o["uos"] for o in opps), reverse=True)


def test_scan_text_and_all() -> None:
    out = CliRunner().invoke(app, ["scan", "--snapshot", str(TAPE), "--all", "--json"])
    doc = json.loads(out.stdout)
    assert any(r["base"] == "BTC" and r["reasons"] for r in doc["rejected"])
    text = CliRunner().invoke(app, ["scan", "--snapshot", str(TAPE)])
    assert text.exit_code == 0 and "bybit" in text.stdout and "dydx" in text.stdout
    assert "not viable" not in text.stdout
    # In text, --all lists them too, each with the first reason it fails, as the JSON has it.
    every = CliRunner().invoke(app, ["scan", "--snapshot", str(TAPE), "--all"])
    assert every.exit_code == 0
    assert f"not viable ({len(doc['rejected'])})" in every.stdout
    listed = every.stdout.split("not viable", 1)[1]
    for rejected in doc["rejected"]:
        assert rejected["reasons"][0] in listed


def test_scan_text_limits_the_not_viable_list_and_says_so() -> None:
    result = snapshot_scan(TAPE, StrategyParams(), explain=True)
    assert len(result.rejected) == 1
    three = replace(result, rejected=result.rejected * 3)
    capped = scan_text(three, limit=2)
    assert "not viable (3, the first 2)" in capped
    assert capped.split("not viable", 1)[1].count("\n  - ") == 2
    assert "not viable (3)," in scan_text(three)


def test_scan_text_never_cuts_a_venue_rate_or_symbol() -> None:
    result = snapshot_scan(TAPE, StrategyParams(), explain=True)
    opp = result.opportunities[0]
    long = opp.long._replace(venue="sim:hyperliquid-testnet")
    wide = replace(opp, symbol="1000000MOG/USDC:USDC", long=long)
    text = scan_text(replace(result, opportunities=(wide, *result.opportunities[1:])))
    hourly = f"{float(long.rate_hourly) * 100:+.4f}%/h"
    assert f" 1000000MOG/USDC:USDC sim:hyperliquid-testnet {hourly} " in text
    lines = text.splitlines()
    header, first = lines[1], lines[2]
    # the columns line up: the figures sit under their headings
    assert header.index("UOS") + 3 == first.index(f"{opp.uos:.1f}") + len(f"{opp.uos:.1f}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--snapshot", "/no/such/tape.csv"], "no such file"),
        (["--snapshot", str(TAPE), "--size", "0"], "--size"),
        (["--snapshot", str(TAPE), "--size", "inf"], "--size inf is not allowed"),
        (["--snapshot", str(TAPE), "--size", "nan"], "--size nan is not allowed"),
        (["--snapshot", str(TAPE), "--venues", "nosuch"], "no funding rows for nosuch; the tape has binance"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["scan", *args])
    assert out.exit_code == 2
    assert message in out.output and "Traceback" not in out.output


def test_a_malformed_tape_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ts,venue,symbol,rate,interval_hours\n2024-01-01T00:00:00Z,bybit,BTC/USDT:USDT,abc,8\n")
    out = CliRunner().invoke(app, ["scan", "--snapshot", str(bad)])
    assert out.exit_code == 2 and "bad.csv:2" in out.output


def test_a_ccxt_json_snapshot_is_scanned_with_its_venue() -> None:
    """ccxt's own JSON does not name its exchange: scan asks for --venue (an option it has), then
    reads it, and says why one venue lists no cross-venue trade."""
    ccxt_file = FIXTURES / "market" / "bybit_fetchFundingRates.json"
    unnamed = CliRunner().invoke(app, ["scan", "--snapshot", str(ccxt_file)])
    assert unnamed.exit_code == 2 and "--venue" in unnamed.output and "Traceback" not in unnamed.output
    named = CliRunner().invoke(app, ["scan", "--snapshot", str(ccxt_file), "--venue", "bybit", "--json"])
    assert named.exit_code == 0
    doc = json.loads(named.stdout)
    assert doc["stats"]["quotes"] == 1 and doc["opportunities"] == []
    assert "holds one venue (bybit): a cross-venue trade needs two" in named.stderr


def test_a_one_entry_ccxt_history_needs_its_interval() -> None:
    history = FIXTURES / "market" / "dydx_fetchFundingRateHistory.json"
    args = ["scan", "--snapshot", str(history), "--venue", "dydx"]
    asked = CliRunner().invoke(app, args)
    assert asked.exit_code == 2 and "--interval-hours" in asked.output
    read = CliRunner().invoke(app, [*args, "--interval-hours", "1", "--json"])
    assert read.exit_code == 0 and json.loads(read.stdout)["stats"]["quotes"] == 1
