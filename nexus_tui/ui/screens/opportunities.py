"""Screen 2: the engine's ranked opportunities, each one explained, narrowed by type, venue, UOS, text.

The screen reads `engine.opportunities.latest` when an "opportunities.updated" event arrives
(through the App's `engine_events` signal: messages only, no worker touches a widget). However
fast the scans come, it repaints at most once per `ui.repaint_interval_ms`, and not at all while
another screen is showing: it catches up when shown again.

An opportunity that expires leaves the table at the next repaint. If it was the one being read,
the cursor follows the trade that replaced it on the same asset (the engine lists one per asset
and kind), else the row that took its place, and the detail panel says for a while why it went.

"Why not the others?": under the selected trade's score, the panel lists its asset's obvious
trades the engine does not list, with the engine's reasons; when the text filter leaves no row,
it explains the asset the filter names. The engine costs them on demand, for that one asset, once
per scan on screen, in a worker thread (it shares the scanner with the scan).
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from nexus_tui.strategy.models import Opportunity, OpportunityType, ScanResult
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.report import pct
from nexus_tui.strategy.service import EVENT as OPPORTUNITIES_UPDATED
from nexus_tui.strategy.service import AssetExplanation
from nexus_tui.ui.keys import OPPORTUNITY_BINDINGS
from nexus_tui.ui.messages import EngineEvents
from nexus_tui.ui.screens.base import FilteredTableScreen
from nexus_tui.ui.widgets.desk_footer import DeskFooter
from nexus_tui.ui.widgets.filter_bar import FilterBar
from nexus_tui.ui.widgets.opportunity_cells import AGE_COLUMN, age, row_cells
from nexus_tui.ui.widgets.opportunity_detail import OpportunityDetail
from nexus_tui.ui.widgets.opportunity_filter import OpportunityFilter, venues_of
from nexus_tui.ui.widgets.opportunity_table import OpportunityTable
from nexus_tui.ui.widgets.opportunity_why_not import not_an_asset_line, unlisted_lines, why_not_lines
from nexus_tui.ui.widgets.venue_names import short_names

DEFAULT_REPAINT_S = 0.25
DEFAULT_MAX_ROWS = 500
AGE_TICK_S = 1.0  # ages and settlement countdowns follow the desk clock between scans
GONE_NOTE_S = 15.0  # how long the detail panel says why the opportunity being read went

NO_SERVICE = "This engine has no opportunity scanner."
WAITING = "Scanning: the first ranked list appears once funding rates and markets are loaded."
NOTHING_PASSES = "Nothing passes the filter: t, v, - or escape on the filter line widen it."
NO_RATES = (
    "No funding rates to scan: no venue has answered yet. The header shows each venue's health;"
    " 6 Events says what failed."
)
NONE_VIABLE = (
    "No trade clears the strategy's limits in this scan of {assets} assets ({rates} funding rates),"
    " net APR at least {min_apr} after every cost. /ASSET (e.g. /btc) says why an asset has none."
)
EXPLAIN_GROUP = "opportunity-explain"


class OpportunitiesScreen(FilteredTableScreen):
    SUB_TITLE = "2 Opportunities"
    AUTO_FOCUS = "OpportunityTable"
    BINDINGS: ClassVar[list[BindingType]] = [*OPPORTUNITY_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.view = OpportunityFilter()
        self.scan: ScanResult | None = None
        """The scan on screen (the service may already hold a newer one, shown at the next repaint)."""
        self.repaints = 0
        self._by_id: dict[str, Opportunity] = {}
        self._pending = False
        self._repaint_timer: Timer | None = None
        self._last_paint = -math.inf
        self._gone_id = ""
        self._gone_note = ""
        self._gone_note_until = -math.inf
        self._ranks: dict[str, int] = {}
        self._passing = 0
        self.explained: AssetExplanation | None = None
        """The engine's last answer to "why not?" (None: none of the words asked is an asset)."""
        self._asked: tuple[tuple[str, ...], datetime] | None = None  # words, and the scan they follow
        self._answered: tuple[str, ...] | None = None  # the words `explained` answers
        self._failed: tuple[tuple[str, ...], str] | None = None  # words asked, why no answer came
        self.explain_worker: Worker[None] | None = None

    def compose_body(self) -> ComposeResult:
        yield OpportunityTable(id="opportunity-table")
        yield FilterBar(id="filter")
        yield Static(id="opportunity-status", classes="table-status")
        yield OpportunityDetail(id="opportunity-detail")

    def on_mount(self) -> None:
        # This screen's four keys and the desk's do not fit 140 columns with the footer's padding.
        self.query_one(DeskFooter).compact = True
        self.desk.engine_events.subscribe(self, self._on_engine_events)
        self.set_interval(AGE_TICK_S, self._tick, name="opportunity ages")
        self._repaint()

    # -- the engine's scans -> a repaint at a steady pace -------------------------------------
    @property
    def repaint_s(self) -> float:
        config = self.desk.config
        return config.ui.repaint_interval_ms / 1000 if config else DEFAULT_REPAINT_S

    @property
    def max_rows(self) -> int:
        config = self.desk.config
        return config.ui.max_table_rows if config else DEFAULT_MAX_ROWS

    @property
    def params(self) -> StrategyParams:
        service = self.engine.opportunities if self.engine else None
        return service.params if service else StrategyParams()

    def _on_engine_events(self, batch: EngineEvents) -> None:
        if any(event.kind == OPPORTUNITIES_UPDATED for event in batch.events):
            self._pending = True
            self._schedule()

    def _schedule(self) -> None:
        """Repaint now if the last one was long enough ago, else once when it is; never twice."""
        if self._repaint_timer is not None or not self.is_current:
            return
        wait = self._last_paint + self.repaint_s - time.monotonic()
        if wait <= 0:
            self._repaint()
        else:
            self._repaint_timer = self.set_timer(wait, self._repaint_when_due, name="opportunities repaint")

    def _repaint_when_due(self) -> None:
        self._repaint_timer = None
        self._repaint()

    def on_screen_resume(self) -> None:
        if self._pending:
            self._schedule()
        else:
            self._tick()

    def _repaint(self) -> None:
        self._pending = False
        self._last_paint = time.monotonic()
        service = self.engine.opportunities if self.engine else None
        if service is None:
            self._show_empty(NO_SERVICE)
            return
        scan = service.latest
        if scan is None:
            self._show_empty(WAITING)
            return
        self.repaints += 1
        self.show_scan(scan)

    # -- what is shown ---------------------------------------------------------------------------
    def show_scan(self, scan: ScanResult) -> None:
        """Show `scan` now, whatever the pace (the repaint calls it; so does a bench)."""
        table = self.query_one(OpportunityTable)
        reading = self._by_id.get(table.selected_id or "")
        now = self.desk.desk_clock.now()
        self.scan = scan
        self._by_id = {opp.id: opp for opp in scan.opportunities}
        passing = [opp for opp in scan.opportunities if self.view.passes(opp)]
        ranks = self._ranks = {opp.id: rank for rank, opp in enumerate(scan.opportunities, 1)}
        self._passing = len(passing)
        shown = passing[: self.max_rows]
        successor = None
        if reading is not None and reading.id not in self._by_id:
            successor = next((o.id for o in shown if _same_trade_family(o, reading)), None)
            self._note_gone(reading, scan)
        names = short_names(venues_of(scan.opportunities))
        table.show([(opp.id, row_cells(opp, ranks[opp.id], now, names)) for opp in shown], instead=successor)
        self._show_status(len(passing))
        self._show_detail()

    def _note_gone(self, gone: Opportunity, scan: ScanResult) -> None:
        reason = next((e.reason for e in scan.expired if e.id == gone.id), "no longer listed")
        self._gone_id = gone.id
        self._gone_note = f"{gone.base} long {gone.long.venue} short {gone.short.venue} went: {reason}"
        self._gone_note_until = time.monotonic() + GONE_NOTE_S

    def _show_status(self, passing: int) -> None:
        scan = self.scan
        if scan is None:
            return
        total = len(scan.opportunities)
        shown = min(passing, self.max_rows)
        count = (
            f"{shown} of {total} opportunities"
            if self.view.active or shown < total
            else f"{total} opportunities"
        )
        if shown < passing:
            count += f" (the best {shown} of {passing} that pass)"
        as_of = scan.as_of.strftime("%H:%M:%S UTC")
        expired = f" · {len(scan.expired)} expired lately" if scan.expired else ""
        status = f"{count} · {self.view.describe()} · scan of {as_of}{expired}"
        self.query_one("#opportunity-status", Static).update(status)

    def _show_detail(self) -> None:
        table = self.query_one(OpportunityTable)
        selected = table.selected_id
        opp = self._by_id.get(selected) if selected else None
        empty = self._nothing_listed()
        # Said for a while, and only while it is still gone (a stale row can come back next scan).
        still_gone = self._gone_id not in self._by_id and time.monotonic() < self._gone_note_until
        note = self._gone_note if still_gone else ""
        detail = self.query_one(OpportunityDetail)
        now = self.desk.desk_clock.now()
        if opp is not None:
            words: tuple[str, ...] = (opp.base,)
            self._explain(words)
            answer = self.explained if self._answered == words else None
            why_not = why_not_lines(answer, opp.base, opp.id, self._ranks, failed=self._failure(words))
            detail.show(opp, now, self.params, empty, note=note, why_not=why_not)
            return
        words = self._asset_words()
        if words:
            self._explain(words)
            detail.show(None, now, self.params, note=note, empty_markup=self._unlisted_markup(words))
            return
        detail.show(None, now, self.params, empty, note=note)

    def _nothing_listed(self) -> str:
        """What the panel says when no row is selected: why the table is empty."""
        scan = self.scan
        if scan is None:
            return ""
        if scan.opportunities:
            return NOTHING_PASSES  # there are some: the filter hides them
        if not scan.stats.quotes:
            return NO_RATES
        return NONE_VIABLE.format(
            assets=scan.stats.symbols, rates=scan.stats.quotes, min_apr=pct(self.params.min_net_apr, 0)
        )

    def _asset_words(self) -> tuple[str, ...]:
        """The words of the text filter while it leaves no row: the trader is asking about them."""
        if self.scan is None or self._passing or not self.view.text:
            return ()
        return tuple(self.view.text.split())

    def _unlisted_markup(self, words: tuple[str, ...]) -> str:
        said = escape(self._nothing_listed())
        if self._failure(words):
            return f"{said}\n{escape(self._failure(words))}"
        if self._answered != words:
            return f"{said}\nAsking the engine about {escape(' '.join(words))}…"
        if self.explained is None:
            return f"{said}\n{not_an_asset_line(words)}"
        others = self.view.with_text("")
        hidden_by = f"the filter ({others.describe()})"
        return "\n".join(unlisted_lines(self.explained, self._ranks, hidden_by))

    def _explain(self, words: tuple[str, ...]) -> None:
        """Ask the engine about the first of `words` it knows as an asset: once per scan on screen,
        off the UI thread (the answer is a few trades costed now; the scan may hold the scanner)."""
        service = self.engine.opportunities if self.engine else None
        if service is None or self.scan is None:
            return
        asked = (words, self.scan.as_of)
        if asked == self._asked:
            return
        self._asked = asked

        async def ask() -> None:
            await self._ask(words)

        worker: Worker[None] = self.run_worker(
            ask,  # a function, not a coroutine: one cancelled before it starts leaves nothing behind
            group=EXPLAIN_GROUP,
            exclusive=True,  # a newer question (another row, the next scan) replaces this one
            exit_on_error=False,  # a failed answer is said in the panel, it never stops the desk
            description=f"Why not: {' '.join(words)}",
        )
        self.explain_worker = worker

    async def _ask(self, words: tuple[str, ...]) -> None:
        service = self.engine.opportunities if self.engine else None
        if service is None:
            return
        found: AssetExplanation | None = None
        for word in words:
            answer = await service.explain_asset_async(word)
            if answer.known:
                found = answer
                break
        self.explained = found
        self._answered = words
        self._failed = None
        if self.is_attached:
            self._show_detail()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The engine could not answer: the panel says so, and the next scan asks again."""
        worker = event.worker
        if worker.group != EXPLAIN_GROUP or event.state is not WorkerState.ERROR:
            return
        self.log.error(f"why not: {worker.error!r}")
        asked = self._asked[0] if self._asked else ()
        self._failed = (asked, f"the engine could not say ({worker.error})")
        self._show_detail()

    def _failure(self, words: tuple[str, ...]) -> str:
        return self._failed[1] if self._failed is not None and self._failed[0] == words else ""

    def _show_empty(self, why: str) -> None:
        self.query_one("#opportunity-status", Static).update(why)
        self.query_one(OpportunityDetail).show(None, self.desk.desk_clock.now(), self.params, why)

    def _tick(self) -> None:
        """Between scans: ages and countdowns move with the desk clock."""
        if self.scan is None or not self.is_current:
            return
        now = self.desk.desk_clock.now()
        table = self.query_one(OpportunityTable)
        ages = {key: age(self._by_id[key], now) for key in table.shown_ids if key in self._by_id}
        table.update_column_text(AGE_COLUMN, ages)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#opportunity-table")
    def _row_highlighted(self) -> None:
        self._show_detail()

    # -- filters ---------------------------------------------------------------------------------
    def _refilter(self, view: OpportunityFilter) -> None:
        self.view = view
        if self.scan is not None:
            self.show_scan(self.scan)

    def action_cycle_type(self) -> None:
        self._refilter(self.view.next_type())

    def action_cycle_venue(self) -> None:
        venues = venues_of(self.scan.opportunities) if self.scan else []
        self._refilter(self.view.next_venue(venues))

    def action_raise_min_uos(self) -> None:
        self._refilter(self.view.raise_uos())

    def action_lower_min_uos(self) -> None:
        self._refilter(self.view.lower_uos())

    def apply_filter(self, text: str) -> None:
        self._refilter(self.view.with_text(text))


def _same_trade_family(opp: Opportunity, other: Opportunity) -> bool:
    """Same asset and kind: the engine lists at most one per asset for A, for B/C together, for E."""
    return opp.base == other.base and _FAMILY.get(opp.type, opp.type) == _FAMILY.get(other.type, other.type)


_FAMILY = {OpportunityType.CEX_DEX: OpportunityType.CROSS_PERP}
