"""Screen 1: funding rates across venues, one row per base asset, one column per venue.

The matrix shows the engine's FundingBook, the same object `nexus-tui funding --json` prints, so
the two agree. It repaints at its own steady pace (config `ui.repaint_interval_ms`), whatever the
feed rate (STYLE.md habit 4): each tick asks whether the book's `version` moved or enough desk
time passed (ages, staleness and countdowns move with time alone), and only then takes one
snapshot and updates the cells that changed (habit 5).

Keys: `u` unit (per interval → per hour → APR), `s` sort (best spread → asset → next settlement →
each venue), `S` reverse, `/` filter, `d` detail panel on/off, `enter` taller/shorter panel.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from nexus_tui.core.clock import utc
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.ui.keys import FUNDING_BINDINGS, FUNDING_TABLE_BINDINGS
from nexus_tui.ui.screens.base import FilteredTableScreen
from nexus_tui.ui.widgets.filter_bar import FilterBar
from nexus_tui.ui.widgets.funding_cells import LEGEND, UNIT_TITLES, RateUnit, next_unit
from nexus_tui.ui.widgets.funding_detail import FundingDetail
from nexus_tui.ui.widgets.funding_matrix import SORT_TITLES, AssetRow, MatrixView, SortOrder, build_view
from nexus_tui.ui.widgets.funding_quotes import current_quotes
from nexus_tui.ui.widgets.funding_table import FundingTable
from nexus_tui.ui.widgets.venue_names import short_name

# With the book unchanged, time alone still moves ages (staleness) and countdowns: the matrix
# (minutes, `~` marks) is worth a repaint every few desk seconds, the detail panel (its
# countdowns show seconds) every second. A repaint of the whole matrix costs tens of ms.
MATRIX_AGE_STEP_S = 5.0
DETAIL_AGE_STEP_S = 1.0


class FundingScreen(FilteredTableScreen):
    SUB_TITLE = "1 Funding"
    AUTO_FOCUS = "FundingTable"
    BINDINGS: ClassVar[list[BindingType]] = [*FUNDING_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.unit = RateUnit.APR
        self.sort_by = SortOrder()
        self.filter_text = ""
        self.view: MatrixView | None = None
        self.repaint_s = 0.25
        self.max_rows: int | None = None
        self._painted: tuple[int, float] | None = None  # (book version, desk seconds) on screen
        self._detail_painted_at = 0.0  # time.monotonic() of the last detail repaint
        self._detail_time_s = 0.0  # desk seconds of the last detail repaint
        self._detail_due = False
        self._history_asked: str | None = None  # the asset whose history was last asked for

    def compose_body(self) -> ComposeResult:
        yield FundingTable(id="funding-table")
        yield FilterBar(id="filter")
        yield Static(id="funding-status", classes="table-status")
        yield Static(LEGEND, id="funding-legend", classes="table-status", markup=False)
        yield FundingDetail(id="funding-detail")

    def own_bindings(self) -> list[Binding]:
        return [*super().own_bindings(), *FUNDING_TABLE_BINDINGS]

    def on_mount(self) -> None:
        config = self.desk.config
        if config is not None:
            self.unit = RateUnit(config.ui.rate_display)
            self.repaint_s = config.ui.repaint_interval_ms / 1000
            self.max_rows = config.ui.max_table_rows
        engine = self.engine
        if engine is not None:
            self.query_one(FundingDetail).venues = engine.venues
        self.set_interval(self.repaint_s, self._tick, name="funding repaint")
        self.repaint()

    def on_screen_resume(self) -> None:
        self._tick()

    # -- the steady repaint --------------------------------------------------------------------
    @property
    def book(self) -> FundingBook | None:
        engine = self.engine
        return None if engine is None else engine.funding_book

    def _tick(self) -> None:
        if not self.is_current:
            return  # another screen is showing: catch up when this one comes back
        book = self.book
        if book is None:
            return
        now_s = book.clock.now().timestamp()
        if (
            self._painted is None
            or self._painted[0] != book.version
            or now_s - self._painted[1] >= MATRIX_AGE_STEP_S
        ):
            self.repaint()
        elif self._detail_due or now_s - self._detail_time_s >= DETAIL_AGE_STEP_S:
            self._repaint_detail()

    def repaint(self) -> None:
        """One snapshot of the book onto the matrix, its status line and the detail panel."""
        book = self.book
        table = self.query_one(FundingTable)
        if book is None:
            self.query_one("#funding-status", Static).update("The engine is not running.")
            return
        now = book.clock.now()
        quotes = current_quotes(book)
        # Columns keep the engine's venue order, even before a venue has answered.
        engine_venues = list(self.engine.venues) if self.engine is not None else []
        venues = [
            *engine_venues,
            *(v for v in dict.fromkeys(q.venue for q in quotes) if v not in engine_venues),
        ]
        self.view = build_view(
            quotes,
            unit=self.unit,
            order=self.sort_by,
            now=now,
            filter_text=self.filter_text,
            max_rows=self.max_rows,
            venues=venues,
        )
        table.show(self.view, self.sort_by)
        self._painted = (book.version, now.timestamp())
        self._show_status(book)
        self._repaint_detail()

    def _repaint_detail(self) -> None:
        self._detail_due = False
        self._detail_painted_at = time.monotonic()
        detail = self.query_one(FundingDetail)
        book = self.book
        if book is not None:
            self._detail_time_s = book.clock.now().timestamp()
        if not detail.display or book is None or self.view is None:
            return
        base = self.query_one(FundingTable).selected_base
        row = None if base is None else self.view.rows.get(base)
        detail.show(row, book, self.unit, book.clock.now(), self.view.venues)
        if row is not None and row.base != self._history_asked:
            self._ask_for_history(row)

    def _ask_for_history(self, row: AssetRow) -> None:
        """The panel charts the venues' settled funding it fetched itself; the engine is asked
        for the same markets' lookback too, so the book holds it for the predictor."""
        self._history_asked = row.base
        service = self.engine.opportunities if self.engine is not None else None
        if service is not None:
            service.want_history_of((q.venue, q.symbol) for q in row.quotes())

    def _show_status(self, book: FundingBook) -> None:
        """One line: when, how much, in which unit and order, and what needs a look (stale rates,
        disagreements with ArbitrageScanner), most telling first so a narrow screen cuts the rest."""
        view = self.view
        if view is None:
            return
        arrow = "▼" if self.sort_by.descending else "▲"
        key = self.sort_by.key
        sort = SORT_TITLES.get(key) or f"{short_name(key)} rate"
        parts = [f"{utc(book.clock.now()):%H:%M:%S} UTC"]
        if not view.quotes:
            parts.append(self._no_rates_yet())
        else:
            shown = f"{len(view.order)} of {view.total}" if len(view.order) != view.total else f"{view.total}"
            parts.append(f"{shown} assets × {len(view.venues)} venues ({view.quotes} rates)")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        if view.stale:
            parts.append(f"{view.stale} stale")
        episodes = book.stats.discrepancy_episodes
        if view.discrepancies or episodes:
            parts.append(f"{view.discrepancies} disagree with ArbScanner ({episodes} since start)")
        parts.append(f"{UNIT_TITLES[self.unit]} (u)")
        parts.append(f"by {sort} {arrow} (s)")
        # One line high whatever it says (app.tcss): no layout pass of the whole screen per repaint.
        self.query_one("#funding-status", Static).update(" · ".join(parts), layout=False)

    def _no_rates_yet(self) -> str:
        """Why the table is empty: still waiting, or every source failing (6 Events says why)."""
        refresher = self.engine.funding_refresher if self.engine is not None else None
        feeds = list(refresher.feeds.values()) if refresher is not None else []
        failing = sum(1 for feed in feeds if feed.failures)
        if feeds and failing == len(feeds):
            return f"no funding rates: none of the {len(feeds)} sources answers (6 Events says why)"
        if failing:
            return f"no funding rates yet: {failing} of {len(feeds)} sources failing so far (6 Events)"
        return "no funding rates yet: waiting for the venues' first answer"

    # -- selection -----------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#funding-table")
    def _row_highlighted(self) -> None:
        detail = self.query_one(FundingDetail)
        if detail.base == self.query_one(FundingTable).selected_base:
            return
        # Holding an arrow key must not redraw the chart for every row passed: at most one
        # detail repaint per repaint interval, the last selection always wins.
        if time.monotonic() - self._detail_painted_at >= self.repaint_s:
            self._repaint_detail()
        else:
            self._detail_due = True

    # -- keys ----------------------------------------------------------------------------------
    def action_cycle_unit(self) -> None:
        self.unit = next_unit(self.unit)
        self.repaint()

    def action_cycle_sort(self) -> None:
        venues = self.view.venues if self.view is not None else ()
        self.sort_by = self.sort_by.cycled(venues)
        self.repaint()

    def action_reverse_sort(self) -> None:
        self.sort_by = self.sort_by.reversed()
        self.repaint()

    def action_toggle_detail(self) -> None:
        detail = self.query_one(FundingDetail)
        detail.display = not detail.display
        if detail.display:
            self._repaint_detail()
        self._keep_selection_in_view()

    def action_expand_detail(self) -> None:
        detail = self.query_one(FundingDetail)
        if not detail.display:
            detail.display = True
        else:
            detail.toggle_class("-tall")
        self._repaint_detail()
        self._keep_selection_in_view()

    def _keep_selection_in_view(self) -> None:
        """The matrix just changed height: once laid out again, scroll back to the selected row."""
        table = self.query_one(FundingTable)
        self.call_after_refresh(lambda: table.move_cursor(row=table.cursor_row))

    def apply_filter(self, text: str) -> None:
        self.filter_text = text
        self.repaint()
