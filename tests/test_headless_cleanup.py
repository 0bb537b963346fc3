"""Headless commands close every client they opened (ccxt REST, ccxt.pro, ArbitrageScanner's
HTTP session) on success, on failure and on Ctrl-C: no "Unclosed client session", no
ResourceWarning. The network is blocked (conftest), so every request fails fast and offline."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nexus_tui.config.edits import set_value
from nexus_tui.config.schema import NexusConfig, default_config
from nexus_tui.core.errors import NexusError
from nexus_tui.doctor import doctor_from_config
from nexus_tui.market.commands import Recording, funding_report, record_command
from nexus_tui.strategy.commands import scan_report
from nexus_tui.venues.arbitragescanner import ArbitrageScannerClient, SecondaryFundingFeed

LEAK_MARKS = ("Unclosed", "unclosed", "release all resources", "was never awaited")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name resolution fails as on a machine without network (an OSError, which the venues
    report as unreachable), instead of conftest's louder refusal; still nothing leaves."""
    real = socket.getaddrinfo

    def no_such_host(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (None, "127.0.0.1", "::1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)


def paper_config() -> NexusConfig:
    """Paper trading on OKX alone, with ArbitrageScanner as the secondary source."""
    config = default_config()
    for key, value in (
        ("trading.mode", "paper"),
        ("data.arbitragescanner.enabled", "true"),
        ("data.request_timeout_seconds", "2"),
    ):
        config = set_value(config, key, value)
    for venue in config.venues:
        config = set_value(config, f"venues.{venue}.enabled", "true" if venue == "okx" else "false")
    return config


@pytest.fixture
def leaks(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], list[str]]]:
    """Every leak report the command left behind, once its objects are collected: warnings
    (ResourceWarning included), log records and anything written on stderr."""
    caplog.set_level(logging.DEBUG, logger="asyncio")
    # pytest keeps every log record of a test, and a record keeps its arguments (exceptions, so
    # their frames, so the clients) alive: a leaked session would never be finalized, never seen
    monkeypatch.setattr(logging.getLogger("nexus_tui"), "propagate", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def found() -> list[str]:
            reports = [r.getMessage() for r in caplog.records]
            caplog.clear()
            gc.collect()
            gc.collect()
            reports += [f"{w.category.__name__}: {w.message}" for w in caught]
            reports += [r.getMessage() for r in caplog.records]
            reports += capfd.readouterr().err.splitlines()
            return [line for line in reports if any(mark in line for mark in LEAK_MARKS)]

        yield found


def test_funding_closes_every_client(leaks: Callable[[], list[str]]) -> None:
    said: list[str] = []
    with pytest.raises(NexusError):  # nothing answered: the command fails in one line
        funding_report(paper_config(), json_out=True, warn=said.append)
    assert any(line.startswith("warning: arbitragescanner:") for line in said)
    assert leaks() == []


def test_scan_closes_every_client(leaks: Callable[[], list[str]]) -> None:
    said: list[str] = []
    with pytest.raises(NexusError, match="no source answered"):
        scan_report(paper_config(), json_out=True, warn=said.append)
    # one line per source that did not answer; its markets and tickers failing too go unsaid
    assert sorted(line.split(":")[1].strip() for line in said) == ["arbitragescanner", "okx"]
    assert leaks() == []


def test_record_closes_every_client(tmp_path: Path, leaks: Callable[[], list[str]]) -> None:
    recording = Recording(tmp_path / "tape.csv")
    record_command(paper_config(), recording, duration_s=0, interval_s=1, speed=None, fmt=None)
    assert recording.passes == 1 and recording.rows == 0
    assert leaks() == []


def test_doctor_closes_every_client(leaks: Callable[[], list[str]]) -> None:
    report = asyncio.run(doctor_from_config(paper_config(), timeout_s=2))
    assert not report.ok
    assert [v.venue for v in report.venues] == ["okx", "arbitragescanner"]
    assert leaks() == []


def _interrupt_after_opening(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """ArbitrageScanner's fetch opens its session, then the user presses Ctrl-C (a real SIGINT,
    handled by asyncio.run as it is for the command)."""
    original = SecondaryFundingFeed.fetch_rows
    opened: list[bool] = []

    async def fetch_then_interrupt(self: SecondaryFundingFeed) -> Any:
        try:
            await original(self)
        except Exception:  # the network is blocked: the session is open all the same
            pass
        client: ArbitrageScannerClient = self.client
        opened.append(client._session is not None and not client._session.closed)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(30)  # cancelled by the interrupt long before this ends

    monkeypatch.setattr(SecondaryFundingFeed, "fetch_rows", fetch_then_interrupt)
    return opened


def test_ctrl_c_during_funding_closes_every_client(
    monkeypatch: pytest.MonkeyPatch, leaks: Callable[[], list[str]]
) -> None:
    opened = _interrupt_after_opening(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        funding_report(paper_config(), json_out=True, warn=lambda line: None)
    assert opened == [True]
    assert leaks() == []


def test_ctrl_c_during_record_closes_every_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, leaks: Callable[[], list[str]]
) -> None:
    opened = _interrupt_after_opening(monkeypatch)
    recording = Recording(tmp_path / "tape.csv")
    with pytest.raises(KeyboardInterrupt):
        record_command(paper_config(), recording, duration_s=None, interval_s=1, speed=None, fmt=None)
    assert opened == [True]
    assert leaks() == []


def test_the_leak_check_sees_an_unclosed_session(leaks: Callable[[], list[str]]) -> None:
    """The check above can fail: a session left open is reported."""

    async def leave_open() -> None:
        from nexus_tui.core.clock import SystemClock

        client = ArbitrageScannerClient(SystemClock(), funding_url="https://x.invalid/f", exchanges_url="")
        client._http()

    asyncio.run(leave_open())
    assert leaks() != []
