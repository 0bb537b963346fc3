"""The funding tape: round trips, optional fields, malformed files, ccxt JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput
from nexus_tui.core.models import FundingRate, FundingSource
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.market.tape import TapeWriter, read_tape, write_tape

from .helpers import T0, rate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "market"
HEADER = "ts,venue,symbol,rate,interval_hours\n"


def _rows() -> list[FundingRate]:
    return [
        rate(
            "0.0001",
            ts=T0,
            next_funding_ts=T0 + timedelta(hours=8),
            mark_price=Decimal("43000.10"),
            index_price=Decimal("43001.5"),
            predicted_rate=Decimal("-0.00001234"),
            source=FundingSource.EXCHANGE,
            flags=("interval_assumed",),
        ),
        rate(
            "-0.000012345678901234567",
            venue="hyperliquid",
            symbol="ETH/USDC:USDC",
            interval=1,
            ts=T0 + timedelta(microseconds=123456),
        ),
        rate("1E-8", venue="sim:okx", interval=4, source=FundingSource.SIM),
        rate("0.0002", venue="mexc", source=FundingSource.SECONDARY, ts=T0 + timedelta(milliseconds=5)),
    ]


@pytest.mark.parametrize("name", ["tape.csv", "tape.jsonl", "tape.ndjson"])
def test_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    assert write_tape(_rows(), path) == 4
    assert read_tape(path) == _rows()


def test_format_can_be_forced_and_written_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "tape.txt"
    with TapeWriter(path, "jsonl") as writer:
        writer.write(_rows()[:2])
        writer.write(_rows()[2:])
        assert writer.rows_written == 4
    assert path.read_text().startswith('{"ts": "2026-01-01T00:00:00.000Z"')
    assert read_tape(path) == _rows()


def test_jsonl_numbers_are_json_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_tape(_rows()[:1], path)
    obj = json.loads(path.read_text())
    assert obj["rate"] == 0.0001 and obj["interval_hours"] == 8 and obj["mark_price"] == 43000.1
    assert obj["next_funding_ts"] == "2026-01-01T08:00:00.000Z"
    assert obj["flags"] == ["interval_assumed"]


def test_csv_has_the_documented_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_tape([], path)
    assert path.read_text() == (
        "ts,venue,symbol,rate,interval_hours,mark_price,index_price,next_funding_ts,predicted_rate,source,flags\n"
    )
    assert read_tape(path) == []


def test_missing_optional_fields_are_empty_not_errors(tmp_path: Path) -> None:
    csv_path = tmp_path / "min.csv"
    csv_path.write_text(
        "venue,symbol,ts,rate,interval_hours,mark_price,note\n"
        "bybit,BTC/USDT:USDT,2026-01-01T00:00:00Z,0.0001,8,,whatever\n"
        "\n"
        "okx,ETH/USDT:USDT,1767225600000,-0.0002,4h\n"  # short row: trailing optional cells absent
    )
    jsonl_path = tmp_path / "min.jsonl"
    jsonl_path.write_text(
        '{"ts": "2026-01-01T00:00:00+00:00", "venue": "bybit", "symbol": "BTC/USDT:USDT", '
        '"rate": "0.0001", "interval_hours": 8, "mark_price": null}\n'
        "\n"
        '{"ts": 1767225600000, "venue": "okx", "symbol": "ETH/USDT:USDT", "rate": -0.0002, '
        '"interval_hours": "4"}\n'
    )
    expected = [
        FundingRate("bybit", "BTC/USDT:USDT", Decimal("0.0001"), 8, T0, source=FundingSource.TAPE),
        FundingRate("okx", "ETH/USDT:USDT", Decimal("-0.0002"), 4, T0, source=FundingSource.TAPE),
    ]
    assert read_tape(csv_path) == expected
    assert read_tape(jsonl_path) == expected


def test_times_with_an_offset_are_converted_to_utc(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "2026-01-01T03:00:00+03:00,bybit,BTC/USDT:USDT,0.0001,8\n")
    (row,) = read_tape(path)
    assert row.ts == T0 and row.ts.tzinfo is UTC


def test_venue_option_fills_a_tape_without_venue_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ts,symbol,rate,interval_hours\n2026-01-01T00:00:00Z,BTC/USDT:USDT,0.0001,8\n")
    with pytest.raises(BadInput, match=r"t\.csv:1: missing column\(s\): venue"):
        read_tape(path)
    assert read_tape(path, venue="gate")[0].venue == "gate"


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,abc,8\n", 2, "rate is not a finite number: 'abc'"),
        ("2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,NaN,8\n", 2, "rate is not a finite number"),
        ("2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,,8\n", 2, "rate is missing"),
        (
            "2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,0.0001,8\nyesterday,bybit,BTC/USDT:USDT,0.0001,8\n",
            3,
            "ts is not an ISO-8601 time or epoch milliseconds",
        ),
        ("1767225600,bybit,BTC/USDT:USDT,0.0001,8\n", 2, "is not epoch milliseconds between 2010 and 2100"),
        ("2026-01-01T00:00:00Z,bybit,BTCUSDT,0.0001,8\n", 2, "not a unified symbol"),
        (
            "2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,0.0001,0\n",
            2,
            "interval_hours must be a positive number",
        ),
        ("2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT,0.0001,7.5\n", 2, "interval_hours is not a whole number"),
        ("2026-01-01T00:00:00Z,,BTC/USDT:USDT,0.0001,8\n", 2, "venue is missing"),
    ],
)
def test_malformed_csv_row_is_reported_with_its_line(
    tmp_path: Path, body: str, line: int, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + body)
    with pytest.raises(BadInput) as info:
        read_tape(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: ")
    assert reason in message
    assert "\n" not in message


def test_missing_required_column_is_reported_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ts,venue,symbol\n2026-01-01T00:00:00Z,bybit,BTC/USDT:USDT\n")
    with pytest.raises(BadInput, match=r"bad\.csv:1: missing column\(s\): rate, interval_hours"):
        read_tape(path)


@pytest.mark.parametrize(
    ("line2", "reason"),
    [
        ('{"ts": "2026-01-01T00:00:00Z", "venue": "bybit"', "not a JSON object"),
        ("[1, 2]", "expected a JSON object, got list"),
        (
            '{"ts": "2026-01-01T00:00:00Z", "venue": "bybit", "symbol": "BTC/USDT:USDT", "rate": NaN, '
            '"interval_hours": 8}',
            "rate is not a finite number",
        ),
        (
            '{"ts": true, "venue": "bybit", "symbol": "BTC/USDT:USDT", "rate": 0.1, "interval_hours": 8}',
            "ts is missing",
        ),
        (
            '{"ts": 1767225600000, "venue": "bybit", "symbol": "BTC/USDT:USDT", "rate": 0.1, '
            '"interval_hours": 8, "source": "twitter"}',
            "source 'twitter' is not one of",
        ),
    ],
)
def test_malformed_jsonl_line_is_reported_with_its_number(tmp_path: Path, line2: str, reason: str) -> None:
    path = tmp_path / "bad.jsonl"
    good = (
        '{"ts": 1767225600000, "venue": "bybit", "symbol": "BTC/USDT:USDT", "rate": 0.1, "interval_hours": 8}'
    )
    path.write_text(good + "\n" + line2 + "\n")
    with pytest.raises(BadInput) as info:
        read_tape(path)
    assert str(info.value).startswith(f"{path}:2: ")
    assert reason in str(info.value)


def test_unreadable_files_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        read_tape(tmp_path / "missing.csv")
    with pytest.raises(BadInput, match="is a directory"):
        read_tape(tmp_path)
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(BadInput, match="not a text file"):
        read_tape(binary)
    with pytest.raises(BadInput, match="unknown tape format"):
        TapeWriter(tmp_path / "x.csv", "xlsx")


def test_an_empty_file_is_an_empty_tape(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert read_tape(path) == []


# -- ccxt JSON ----------------------------------------------------------------------------


def test_ccxt_history_needs_the_venue(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="--venue"):
        read_tape(FIXTURES / "gate_fetchFundingRateHistory.derived.json")


def test_ccxt_history_infers_the_interval_from_settlement_spacing() -> None:
    rows = read_tape(FIXTURES / "gate_fetchFundingRateHistory.derived.json", venue="gate")
    assert len(rows) == 6
    assert {r.venue for r in rows} == {"gate"}
    assert {r.interval_hours for r in rows} == {8}
    assert rows[0].ts == datetime(2023, 12, 30, tzinfo=UTC)
    assert rows[0].rate == Decimal("0.000401")  # exact, not a float
    assert rows[-1].rate == Decimal("0.000313")
    assert {r.source for r in rows} == {FundingSource.TAPE}


def test_ccxt_history_with_one_entry_needs_the_interval() -> None:
    path = FIXTURES / "dydx_fetchFundingRateHistory.json"
    with pytest.raises(
        BadInput, match=r"dydx_fetchFundingRateHistory\.json:2: BTC/USDC:USDC: one settlement"
    ):
        read_tape(path, venue="dydx")
    (row,) = read_tape(path, venue="dydx", interval_hours=1)
    assert row == FundingRate(
        "dydx",
        "BTC/USDC:USDC",
        Decimal("0.000176"),
        1,
        datetime(2025, 7, 29, 5, 0, 1, 53000, tzinfo=UTC),
        source=FundingSource.TAPE,
    )


def test_ccxt_fetch_funding_rates_structure_is_read_with_its_interval() -> None:
    (row,) = read_tape(FIXTURES / "bybit_fetchFundingRates.json", venue="bybit")
    assert row.symbol == "BTC/USDT:USDT"
    assert row.rate == Decimal("0.0001")
    assert row.interval_hours == 8
    assert row.mark_price == Decimal("68649.9")
    assert row.index_price == Decimal("68650.75")
    assert row.next_funding_ts == datetime(2024, 11, 4, 16, tzinfo=UTC)
    assert row.ts == datetime(2024, 11, 4, 14, 18, 23, 941000, tzinfo=UTC)


def test_ccxt_entry_errors_carry_the_entry_line(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(
        "[\n"
        '  {"symbol": "BTC/USDT:USDT", "fundingRate": 0.0001, "timestamp": 1767225600000},\n'
        '  {"symbol": "BTC/USDT:USDT", "fundingRate": null, "timestamp": 1767254400000}\n'
        "]\n"
    )
    with pytest.raises(BadInput, match=r"h\.json:3: fundingRate is missing"):
        read_tape(path, venue="binanceusdm")
    path.write_text('[\n  {"symbol": 1,\n')
    with pytest.raises(BadInput, match=r"h\.json:\d+: not valid JSON"):
        read_tape(path, venue="binanceusdm")


def test_ccxt_history_keyed_by_symbol(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    history = {
        "BTC/USDT:USDT": [
            {"fundingRate": 0.0001, "timestamp": 1767225600000 + h * 14_400_000} for h in range(3)
        ],
        "ETH/USDT:USDT": [
            {"fundingRate": 0.0002, "datetime": f"2026-01-01T0{h}:00:00.000Z"} for h in range(3)
        ],
    }
    path.write_text(json.dumps(history, indent=1))
    rows = read_tape(path, venue="binanceusdm")
    assert {(r.symbol, r.interval_hours) for r in rows} == {("BTC/USDT:USDT", 4), ("ETH/USDT:USDT", 1)}


# -- tapes feed the book; garbage in a tape is either refused by the reader or by the guard --


def test_a_tape_replays_into_the_book(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_tape(_rows(), path)
    book = FundingBook(ManualClock(T0 + timedelta(seconds=1)))
    assert book.ingest(read_tape(path)).accepted == 4
    assert len(book.quotes()) == 4


_cell = st.one_of(
    st.sampled_from(
        [
            "0.0001",
            "-0.0002",
            "NaN",
            "nan",
            "inf",
            "1.79e+11",
            "1e-400",
            "",
            " ",
            "8",
            "8h",
            "0",
            "2026-01-01T00:00:00Z",
            "1767225600000",
            "BTC/USDT:USDT",
            "bybit",
            "sim",
            '"',
            ",",
            "\x00",
        ]
    ),
    st.text(max_size=8),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_cell, min_size=0, max_size=7), max_size=8), st.sampled_from(["t.csv", "t.jsonl"]))
def test_any_tape_is_read_or_refused_cleanly_and_never_shows_absurd_rates(
    tmp_path: Path, table: list[list[str]], name: str
) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text(HEADER + "\n".join(",".join(cells) for cells in table) + "\n", encoding="utf-8")
    else:
        keys = ["ts", "venue", "symbol", "rate", "interval_hours", "mark_price", "source"]
        path.write_text("\n".join(json.dumps(dict(zip(keys, cells, strict=False))) for cells in table) + "\n")
    try:
        rows = read_tape(path)
    except BadInput as exc:
        assert str(exc).startswith(f"{path}:")
        return
    book = FundingBook(ManualClock(T0))
    book.ingest(rows)
    assert all(abs(q.rate) <= Decimal("0.03") for q in book.quotes())


def test_the_examples_in_docs_formats_are_valid_tapes(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(csv|json)\n(.*?)```", doc, flags=re.S)
    tapes = [(kind, body) for kind, body in blocks if "venue" in body and '"as_of"' not in body]
    assert len(tapes) == 3
    read = []
    for i, (kind, body) in enumerate(tapes):
        path = tmp_path / f"example{i}.{'csv' if kind == 'csv' else 'jsonl'}"
        path.write_text(body, encoding="utf-8")
        read.append(read_tape(path))
    assert read[0] == read[1]  # the CSV and JSON Lines examples are the same rows
    assert read[0][0].flags == ("interval_assumed",) and read[0][0].mark_price == Decimal("43000.10")
    assert read[2][0].venue == "bybit" and read[2][0].ts == T0
