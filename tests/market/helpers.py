"""Small builders for the market tests: funding rows and a fake venue with scripted answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from nexus_tui.core.clock import Clock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.models import FundingRate, FundingSource, HealthState, MarketInfo, VenueHealth

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rate(
    value: str | Decimal,
    *,
    venue: str = "sim:binance",
    symbol: str = "BTC/USDT:USDT",
    interval: int = 8,
    ts: datetime = T0,
    source: FundingSource = FundingSource.EXCHANGE,
    **extra: object,
) -> FundingRate:
    return FundingRate(
        venue=venue,
        symbol=symbol,
        rate=Decimal(value),
        interval_hours=interval,
        ts=ts,
        source=source,
        **extra,  # type: ignore[arg-type]
    )


class FakeVenue:
    """Answers fetch_funding_rates with `rows` (re-stamped at the clock's time when given one);
    `fail` makes calls raise VenueUnavailable, `hang` makes them never answer, `crash` raises
    that exception as an adapter bug would."""

    def __init__(self, venue_id: str, rows: Sequence[FundingRate] = (), clock: Clock | None = None) -> None:
        self._id = venue_id
        self.rows: list[FundingRate] = list(rows)
        self.clock = clock
        self.fail = False
        self.hang = False
        self.crash: BaseException | None = None
        self.calls = 0

    @property
    def id(self) -> str:
        return self._id

    @property
    def has_private(self) -> bool:
        return False

    async def load_markets(self, reload: bool = False) -> Mapping[str, MarketInfo]:
        return {}

    async def fetch_funding_rates(self, symbols: Sequence[str] | None = None) -> list[FundingRate]:
        import asyncio

        self.calls += 1
        if self.hang:
            await asyncio.Event().wait()
        if self.crash is not None:
            raise self.crash
        if self.fail:
            raise VenueUnavailable(self._id, "connection refused")
        if self.clock is not None:
            now = self.clock.now()
            return [replace(row, ts=now) for row in self.rows]
        return list(self.rows)

    def health(self) -> VenueHealth:
        return VenueHealth(self._id, HealthState.OK)

    async def close(self) -> None:
        return None
