"""The funding matrix reuses rendered cells: what it paints is what DataTable itself would paint.

FundingTable keeps a cell's rendered lines while the cell's value is the same object, and gives
a row moved by a re-sort its lines again with the click target (meta) pointing at its new row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from nexus_tui.core.models import FundingSource
from nexus_tui.market.funding_book import BookQuote
from nexus_tui.ui.widgets.funding_cells import RateUnit
from nexus_tui.ui.widgets.funding_matrix import ASSET, MatrixView, SortOrder, build_view
from nexus_tui.ui.widgets.funding_table import FundingTable

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
VENUES = ("sim:binance", "sim:bybit", "sim:hyperliquid")
ASSETS = 21  # odd: reversing the order keeps each row's stripe, so moved rows can be reused


def _quote(venue: str, n: int) -> BookQuote:
    rate = Decimal(n * 7 % 23 - 5 + VENUES.index(venue) * 3) / Decimal(100_000)
    return BookQuote(
        venue=venue,
        symbol=f"A{n:02d}/USDT:USDT",
        base=f"A{n:02d}",
        quote="USDT",
        rate=rate,
        interval_hours=8,
        rate_hourly=rate / 8,
        apr=rate / 8 * 8760,
        next_funding_ts=NOW + timedelta(minutes=30),
        mark_price=Decimal(100),
        index_price=None,
        predicted_rate=None,
        source=FundingSource.EXCHANGE,
        flags=frozenset(),
        observed_at=NOW,
        age_s=0.0,
        secondary_rate=None,
    )


def _view(order: SortOrder) -> MatrixView:
    quotes = [_quote(venue, n) for venue in VENUES for n in range(ASSETS)]
    return build_view(quotes, unit=RateUnit.APR, order=order, now=NOW, venues=VENUES)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FundingTable()


def _painted(lines: list[list[Segment]]) -> list[tuple[str, object, object]]:
    return [(s.text, s.style, None if s.style is None else s.style.meta) for line in lines for s in line]


async def test_rows_moved_by_a_re_sort_paint_as_datatable_renders_them() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(FundingTable)
        order = SortOrder(ASSET, descending=False)
        table.show(_view(order), order)
        await pilot.pause()
        first = table.order
        renders: list[int] = []
        original = DataTable._render_cell

        def counted(*args: object, **kwargs: object) -> list[list[Segment]]:
            renders.append(1)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        DataTable._render_cell = counted  # type: ignore[method-assign]
        try:
            order = order.reversed()
            table.show(_view(order), order)
            await pilot.pause()
        finally:
            DataTable._render_cell = original  # type: ignore[method-assign]
        assert table.order == tuple(reversed(first))
        visible_cells = min(table.row_count, table.size.height - table.header_height) * len(table.columns)
        assert len(renders) < visible_cells // 2  # moved rows were reused, not rendered again

        checked = 0
        for key, (value, lines) in table._rendered.items():
            row, column, base_style, width, cursor, hover = key[:6]
            assert isinstance(row, int) and isinstance(column, int)
            if row >= table.row_count or table.get_cell_at(Coordinate(row, column)) is not value:
                continue  # an entry from before the re-sort: no longer on screen
            table._cell_render_cache.clear()
            fresh = original(table, row, column, base_style, width, cursor, hover)  # type: ignore[arg-type]
            assert _painted(lines) == _painted(fresh), (row, column)
            checked += 1
        assert checked >= visible_cells // 2
