"""The one injected clock. Everything that asks "what time is it" asks a Clock, never datetime.now().

All times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


def utc(ts: datetime) -> datetime:
    """Return ts as an aware UTC datetime; a naive value is taken to be UTC already."""
    if ts.tzinfo is None:
        return ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def from_ms(ms: int | float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def to_ms(ts: datetime) -> int:
    return int(utc(ts).timestamp() * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def epoch_ms(ts: datetime) -> int:
    """Exact integer milliseconds since the epoch of an aware datetime (no float rounding, so
    settlement times count exactly)."""
    return (ts - _EPOCH) // _ONE_MS


def iso(ts: datetime) -> str:
    """ISO-8601 in UTC with a trailing Z, millisecond precision."""
    return utc(ts).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AcceleratedClock:
    """Runs `speed` times faster than real time from `start` (for demos: `--speed N`)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = utc(start) if start else datetime.now(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


class ManualClock:
    """Time moves only when told to: for tests and deterministic replays.

    `sleep` advances the clock by the requested amount and yields control once, so code
    that loops on `clock.sleep` runs as fast as the event loop allows.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, ts: datetime) -> None:
        self._now = utc(ts)

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class SteppedClock:
    """Time stands still until `advance`; a sleeper wakes once time has reached its deadline.

    Unlike ManualClock, sleeping never moves time, so any number of concurrent services can share
    it and a test (or a replay) decides exactly how far the whole desk moves.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 1, 1, tzinfo=UTC)
        self._moved: asyncio.Event | None = None

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        deadline = self._now + timedelta(seconds=max(0.0, seconds))
        while self._now < deadline:
            if self._moved is None:
                self._moved = asyncio.Event()
            await self._moved.wait()
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        moved, self._moved = self._moved, None
        if moved is not None:
            moved.set()
