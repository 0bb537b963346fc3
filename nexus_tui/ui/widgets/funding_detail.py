"""The detail panel under the funding matrix: every venue's numbers for the selected asset, and
their history as a chart.

Per venue: the rate per interval (with its mark), per hour, APR, the countdown to its next
settlement, the mark price, the source, ArbitrageScanner's rate for the same pair side by side,
and the book's flags. The venues' settled history is fetched by a worker the first time an asset
is shown (STYLE.md habits 2 and 3: a named worker that reports back only by a message).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from nexus_tui.core.models import FundingRate
from nexus_tui.market.funding_book import FLAG_DISCREPANCY, BookQuote, FundingBook
from nexus_tui.ui.widgets.funding_cells import (
    HUNDRED,
    MARK_DISCREPANCY,
    MARK_FALLBACK,
    MARK_STALE,
    Cell,
    RateUnit,
    countdown,
    mark,
    percent,
    rate_cell,
    rate_style,
    source_name,
)
from nexus_tui.ui.widgets.funding_chart import FundingHistoryChart, series_style
from nexus_tui.ui.widgets.funding_history import (
    Pair,
    SettledHistory,
    chart_series,
    fetch_settled,
)
from nexus_tui.ui.widgets.funding_matrix import AssetRow
from nexus_tui.ui.widgets.kept_cells import KeptCellsTable
from nexus_tui.ui.widgets.venue_names import short_names
from nexus_tui.venues.port import Venue

HISTORY_GROUP = "funding-history"
CHART_REFRESH_S = 10.0  # real seconds between two redraws of the same asset's chart

# (key, label, width): 100 columns with the cell padding, the chart takes the rest.
DETAIL_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("venue", "Venue", 8),
    ("rate", "Rate/int", 11),
    ("hourly", "Rate/h", 9),
    ("apr", "APR", 8),
    ("next", "Next", 8),
    ("mark_price", "Mark px", 9),
    ("source", "Source", 7),
    ("secondary", "ArbScanner", 11),
    ("flags", "Flags", 11),
)
_LEFT = {"venue", "source", "flags"}
_WARNING_MARKS = {MARK_STALE, MARK_DISCREPANCY, MARK_FALLBACK}


@dataclass
class HistoryLoaded(Message):
    """The settled history the worker fetched for one asset (a failure is its reason)."""

    base: str
    results: dict[Pair, list[FundingRate] | str]
    fetched_at: datetime


def venue_line(quote: BookQuote, label: str, style: str, now: datetime) -> tuple[Cell, ...]:
    """One venue's row of the detail table."""
    rate_text, _ = rate_cell(quote, RateUnit.PER_INTERVAL)
    colour = rate_style(quote.apr)
    if quote.secondary_rate is None:
        secondary: Cell = ("–", "dim")
    else:
        hours = quote.secondary_interval_hours or quote.interval_hours
        disagree = FLAG_DISCREPANCY in quote.flags
        secondary = (f"{quote.secondary_rate * HUNDRED:+.4f}%/{hours}h", "bold red" if disagree else "")
    return (
        (label, style),
        (rate_text, colour),
        (percent(quote.rate_hourly, RateUnit.PER_HOUR), colour),
        (percent(quote.apr, RateUnit.APR), colour),
        (countdown(quote.next_funding_ts, now, seconds=True), ""),
        ("–" if quote.mark_price is None else f"{quote.mark_price:f}", ""),
        (source_name(quote.source), ""),
        secondary,
        (",".join(sorted(quote.flags)) or "–", "yellow" if mark(quote.flags) in _WARNING_MARKS else "dim"),
    )


def detail_title(row: AssetRow, now: datetime) -> str:
    names = short_names(row.cells)
    parts = [f"[b]{row.base}[/b]  {len(row.quotes())} perp(s) on {len(row.cells)} venue(s)"]
    if row.spread_apr is not None and row.short_venue and row.long_venue:
        parts.append(
            f"best spread {row.spread_apr * HUNDRED:.1f}% APR: short {names[row.short_venue]}, "
            f"long {names[row.long_venue]}"
        )
    soonest = min(row.quotes(), key=lambda q: q.next_funding_ts or datetime.max.replace(tzinfo=now.tzinfo))
    if soonest.next_funding_ts is not None:
        parts.append(
            f"next settlement {names.get(soonest.venue, soonest.venue)} in "
            f"{countdown(soonest.next_funding_ts, now, seconds=True)}"
        )
    return "  ·  ".join(parts)


class FundingDetail(Vertical):
    """Shows one AssetRow; `show` is called on every repaint of the screen and on selection."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.base: str | None = None
        self.settled = SettledHistory()
        self.venues: Mapping[str, Venue] = {}
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._row: AssetRow | None = None
        self._book: FundingBook | None = None
        self._unit = RateUnit.APR
        self._loading: str | None = None
        self._venue_order: dict[str, int] = {}
        self._plotted: tuple[object, float] = (None, 0.0)  # (asset and unit, time.monotonic())
        self.history_worker: Worker[None] | None = None  # the latest fetch (tests wait for it)

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", markup=True)
        with Horizontal(id="detail-body"):
            table = KeptCellsTable(id="detail-venues", cursor_type="none", zebra_stripes=True)
            table.can_focus = False  # the matrix keeps the focus: arrows move the asset, not this
            yield table
            yield FundingHistoryChart(id="detail-chart")

    def on_mount(self) -> None:
        table = self.query_one("#detail-venues", DataTable)
        for key, label, width in DETAIL_COLUMNS:
            table.add_column(Text(label, justify="left" if key in _LEFT else "right"), key=key, width=width)

    # -- showing ---------------------------------------------------------------------------
    def show(
        self,
        row: AssetRow | None,
        book: FundingBook,
        unit: RateUnit,
        now: datetime,
        venues: Sequence[str] = (),
    ) -> None:
        """`venues`: the matrix's column order, which the detail lines follow."""
        self._row, self._book, self._unit = row, book, unit
        self._venue_order = {venue: i for i, venue in enumerate(venues)}
        title = self.query_one("#detail-title", Static)
        if row is None:
            self.base = None
            title.update("No asset selected.")
            self._show_lines([], now)
            self.query_one(FundingHistoryChart).show("", "", [], "nothing selected")
            return
        self.base = row.base
        # One line high whatever it says (app.tcss): no layout pass of the whole screen per repaint.
        title.update(detail_title(row, now), layout=False)
        quotes = self._ordered(row)
        self._show_lines(quotes, now)
        self._plot(quotes, now)
        missing = self.settled.missing(quotes, now)
        if missing and self._loading != row.base and self.venues:
            self._load_history(row.base, missing, now)

    def _show_lines(self, quotes: Sequence[BookQuote], now: datetime) -> None:
        table: DataTable[Text] = self.query_one("#detail-venues", DataTable)
        names = short_names(dict.fromkeys(q.venue for q in quotes))
        listed = Counter(q.venue for q in quotes)
        lines: dict[str, tuple[Cell, ...]] = {}
        for index, quote in enumerate(quotes):
            label = names[quote.venue] + (f" {quote.quote}" if listed[quote.venue] > 1 else "")
            lines[f"{quote.venue}|{quote.symbol}"] = venue_line(quote, label, series_style(index), now)
        with self.app.batch_update():
            if list(lines) != list(self._shown):
                table.clear()
                for key, cells in lines.items():
                    table.add_row(
                        *(_render(k, c) for (k, _, _), c in zip(DETAIL_COLUMNS, cells, strict=True)), key=key
                    )
            else:
                for key, cells in lines.items():
                    for (column, _, _), old, new in zip(DETAIL_COLUMNS, self._shown[key], cells, strict=True):
                        if old != new:
                            table.update_cell(key, column, _render(column, new))
        self._shown = lines

    def _plot(self, quotes: Sequence[BookQuote], now: datetime, *, force: bool = False) -> None:
        chart = self.query_one(FundingHistoryChart)
        if self._book is None or self._row is None:
            return
        # Drawing the chart costs tens of milliseconds and its newest point moves with every
        # refresh of the book: redraw at once for another asset, unit or history, else at most
        # every CHART_REFRESH_S.
        subject = (self._row.base, self._unit)
        moment = time.monotonic()
        if not force and subject == self._plotted[0] and moment - self._plotted[1] < CHART_REFRESH_S:
            return
        self._plotted = (subject, moment)
        # The x axis moves with the minute, not the second: no redraw on every tick of the clock.
        now = now.replace(second=0, microsecond=0)
        series = chart_series(quotes, self._book.history, self.settled, now, self._unit)
        unit_label = "APR %" if self._unit is RateUnit.APR else "% per hour"
        failed = [q.venue for q in quotes if (q.venue, q.symbol) in self.settled.errors]
        note = f"no settled history from {', '.join(short_names(failed).values())}" if failed else ""
        chart.show(f"{self._row.base} funding, last {self.settled.window_hours} h", unit_label, series, note)

    # -- history -----------------------------------------------------------------------------
    def _load_history(self, base: str, pairs: list[Pair], now: datetime) -> None:
        self._loading = base

        async def fetch() -> None:
            await self._fetch_history(base, pairs, now)

        worker: Worker[None] = self.run_worker(
            fetch,  # a function, not a coroutine: a fetch cancelled before it starts leaves nothing
            name=_worker_name(base),
            group=HISTORY_GROUP,
            exclusive=True,  # a newer selection cancels the fetch for the previous one
            exit_on_error=False,
            description=f"Loading {base} funding history",
        )
        self.history_worker = worker

    async def _fetch_history(self, base: str, pairs: list[Pair], now: datetime) -> None:
        since = now - timedelta(hours=self.settled.window_hours)
        results = await fetch_settled(self.venues, pairs, since)
        self.post_message(HistoryLoaded(base, results, now))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A fetch that was cancelled (another asset was selected) or failed may be asked again."""
        worker = event.worker
        if worker.group != HISTORY_GROUP or event.state not in (WorkerState.CANCELLED, WorkerState.ERROR):
            return
        if self._loading is not None and worker.name == _worker_name(self._loading):
            self._loading = None

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        message.stop()
        for pair, rows in message.results.items():
            self.settled.store(pair, rows, message.fetched_at)
        if self._loading == message.base:
            self._loading = None
        if message.base == self.base and self._row is not None:
            self._plot(self._ordered(self._row), message.fetched_at, force=True)

    def _ordered(self, row: AssetRow) -> list[BookQuote]:
        last = len(self._venue_order)
        return sorted(row.quotes(), key=lambda q: self._venue_order.get(q.venue, last))


def _render(column: str, cell: Cell) -> Text:
    text, style = cell
    if column in _LEFT:
        return Text.assemble((text, style), justify="left", no_wrap=True, overflow="ellipsis")
    return Text.assemble((text, style), justify="right", no_wrap=True, overflow="ellipsis")


def _worker_name(base: str) -> str:
    return f"funding history {base}"
