"""The data behind the detail panel's chart: each venue's funding history for one base asset.

Two sources, joined: the venues' own settled history (fetched once per series through the Venue
port when an asset is first looked at, refetched after an hour) and the book's live history
(one point per hour of what it saw). Settled points come first, the book's points from where
they start. Every point is a rate per hour, so 1 h, 4 h and 8 h venues share one axis; the
chart shows it per hour or annualised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from nexus_tui.core.errors import NexusError
from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import BookQuote
from nexus_tui.ui.widgets.funding_cells import RateUnit
from nexus_tui.venues.port import Venue

Pair = tuple[str, str]  # (venue, symbol)
BookHistory = Callable[[str, str], list[tuple[datetime, float]]]  # FundingBook.history

WINDOW_HOURS = 72
REFETCH_AFTER_S = 3600.0
RETRY_AFTER_S = 60.0  # a venue that failed is asked again, but not on every repaint
HOURS_PER_YEAR = 24 * 365


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One venue's line: x in hours before now (negative), y in percent of the chart's unit."""

    venue: str
    symbol: str
    hours: tuple[float, ...]
    values: tuple[float, ...]


class SettledHistory:
    """Settled funding fetched from the venues, per (venue, symbol), as rates per hour."""

    def __init__(
        self,
        *,
        window_hours: int = WINDOW_HOURS,
        refetch_after_s: float = REFETCH_AFTER_S,
        retry_after_s: float = RETRY_AFTER_S,
    ) -> None:
        self.window_hours = window_hours
        self.refetch_after = timedelta(seconds=refetch_after_s)
        self.retry_after = timedelta(seconds=retry_after_s)
        self._points: dict[Pair, list[tuple[datetime, float]]] = {}
        self._due: dict[Pair, datetime] = {}  # when each series should be fetched again
        self.errors: dict[Pair, str] = {}

    def missing(self, quotes: Iterable[BookQuote], now: datetime) -> list[Pair]:
        """Series of these quotes never fetched, or due again."""
        out = []
        for quote in quotes:
            pair = (quote.venue, quote.symbol)
            due = self._due.get(pair)
            if due is None or now >= due:
                out.append(pair)
        return out

    def store(self, pair: Pair, rows: Sequence[FundingRate] | str, fetched_at: datetime) -> None:
        """Keep a fetch's rows, or (a string) why it failed: asked again after `retry_after`."""
        if isinstance(rows, str):
            self.errors[pair] = rows
            self._due[pair] = fetched_at + self.retry_after
            return
        self.errors.pop(pair, None)
        self._due[pair] = fetched_at + self.refetch_after
        self._points[pair] = [(row.ts, float(row.rate) / row.interval_hours) for row in rows]

    def points(self, pair: Pair) -> list[tuple[datetime, float]]:
        return self._points.get(pair, [])


async def fetch_settled(
    venues: Mapping[str, Venue], pairs: Sequence[Pair], since: datetime
) -> dict[Pair, list[FundingRate] | str]:
    """Each pair's settled history since `since`, fetched concurrently; a failure is its reason."""

    async def one(pair: Pair) -> list[FundingRate] | str:
        venue = venues.get(pair[0])
        if venue is None:
            return "no such venue on this desk"
        try:
            return list(await venue.fetch_funding_history(pair[1], since=since))
        except NexusError as exc:
            return str(exc)

    results = await asyncio.gather(*(one(pair) for pair in pairs))
    return dict(zip(pairs, results, strict=True))


def chart_series(
    quotes: Sequence[BookQuote],
    book_history: BookHistory,
    settled: SettledHistory,
    now: datetime,
    unit: RateUnit,
) -> list[ChartSeries]:
    """One line per quote, in `quotes` order; per hour in percent, or APR in percent for APR."""
    scale = 100.0 * (HOURS_PER_YEAR if unit is RateUnit.APR else 1)
    start = now - timedelta(hours=settled.window_hours)
    out = []
    for quote in quotes:
        live = [(ts, rate / quote.interval_hours) for ts, rate in book_history(quote.venue, quote.symbol)]
        first_live = live[0][0] if live else None
        past = [
            p for p in settled.points((quote.venue, quote.symbol)) if first_live is None or p[0] < first_live
        ]
        points = [p for p in (*past, *live) if start <= p[0] <= now]
        out.append(
            ChartSeries(
                venue=quote.venue,
                symbol=quote.symbol,
                hours=tuple(round((ts - now).total_seconds() / 3600, 3) for ts, _ in points),
                values=tuple(value * scale for _, value in points),
            )
        )
    return out
