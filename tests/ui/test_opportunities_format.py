"""The Opportunities screen's words and numbers, without an app: cells, flags, filters, the detail.

The opportunities are real: the scanner builds them from the small funding book in
opportunity_desk.py.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from nexus_tui.config.schema import NexusConfig
from nexus_tui.core.clock import ManualClock
from nexus_tui.strategy.models import Opportunity, OpportunityType, ScanResult
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.report import pct, usd
from nexus_tui.ui.widgets.opportunity_cells import (
    COLUMNS,
    FLAGS,
    PINNED_COLUMNS,
    compact_usd,
    duration,
    flag_codes,
    hold,
    row_cells,
)
from nexus_tui.ui.widgets.opportunity_detail import detail_markup
from nexus_tui.ui.widgets.opportunity_filter import UOS_MAX, OpportunityFilter, venues_of
from nexus_tui.ui.widgets.venue_names import SHORT_NAMES, short_name, short_names
from tests.ui.conftest import DESK_TIME
from tests.ui.opportunity_desk import OpportunityDesk

VENUE_WIDTH = 5  # a venue column holds a short name ("LIGHT" the longest) or its "Short" label


def _scan(with_books: bool = True) -> ScanResult:
    desk = OpportunityDesk(ManualClock(DESK_TIME), with_books=with_books)
    desk.build(NexusConfig())
    return desk.scan()


@pytest.fixture(scope="module")
def scan() -> ScanResult:
    return _scan()


def _plain(markup: str) -> str:
    from rich.text import Text

    return Text.from_markup(markup).plain


def test_the_fixture_book_gives_every_type(scan: ScanResult) -> None:
    assert {o.type for o in scan.opportunities} == set(OpportunityType)


def test_a_row_says_what_the_engine_says_and_fits_its_columns(scan: ScanResult) -> None:
    for rank, opp in enumerate(scan.opportunities, 1):
        cells = dict(zip((c.key for c in COLUMNS), row_cells(opp, rank, DESK_TIME), strict=True))
        assert cells["rank"] == str(rank)
        assert cells["type"] == opp.type.letter
        assert (cells["long"], cells["short"]) == (short_name(opp.long.venue), short_name(opp.short.venue))
        assert cells["net_apr"] == f"{float(opp.net_apr) * 100:.1f}%"
        assert cells["uos"] == f"{opp.uos:.1f}"
        assert cells["return"] == f"{opp.uos_parts.return_:.0f}"
        assert cells["size"] == "$10k"
        assert cells["age"] == "0s"  # first seen in this very scan
        for spec, text in zip(COLUMNS, cells.values(), strict=True):
            width = VENUE_WIDTH if spec.width is None else spec.width
            assert len(text) <= width, f"{spec.key} {text!r} wider than {width}"


def test_venues_read_by_their_short_names_and_two_alike_in_full(scan: ScanResult) -> None:
    opp = next(o for o in scan.opportunities if o.long.venue == "bybit" and o.short.venue == "binance")
    cells = dict(zip((c.key for c in COLUMNS), row_cells(opp, 1, DESK_TIME), strict=True))
    assert (cells["long"], cells["short"]) == ("BYB", "BIN")
    # binance (spot) and binanceusdm would both read BIN: in a list holding both, each is in full
    names = short_names(["binance", "binanceusdm", "bybit"])
    cells = dict(zip((c.key for c in COLUMNS), row_cells(opp, 1, DESK_TIME, names), strict=True))
    assert (cells["long"], cells["short"]) == ("BYB", "binance")


def test_rates_per_hour_are_signed_percent(scan: ScanResult) -> None:
    btc = next(o for o in scan.opportunities if o.base == "BTC")
    cells = dict(zip((c.key for c in COLUMNS), row_cells(btc, 1, DESK_TIME), strict=True))
    assert cells["long_rate"] == "-0.0013%"  # bybit -0.01 % per 8 h
    assert cells["short_rate"] == "+0.0100%"  # binance 0.08 % per 8 h
    doge = next(o for o in scan.opportunities if o.type is OpportunityType.SPOT_PERP)
    cells = dict(zip((c.key for c in COLUMNS), row_cells(doge, 1, DESK_TIME), strict=True))
    assert (cells["long_rate"], cells["short_rate"]) == ("spot", "+0.0150%")  # spot long, perp short


def test_flag_codes_are_one_character_each_in_a_stable_order() -> None:
    assert flag_codes(frozenset({"no_history", "dex", "stablecoin_basis"})) == "D$h"
    assert flag_codes(frozenset({"something_new"})) == "*"
    assert len({f.code for f in FLAGS.values()}) == len(FLAGS), "codes are unique"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("10000", "$10k"), ("2500", "$2.5k"), ("1000000", "$1M"), ("12500000", "$12M"), ("999", "$999")],
)
def test_sizes_are_compact(value: str, shown: str) -> None:
    assert compact_usd(Decimal(value)) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(-5, "0s"), (45, "45s"), (720, "12m"), (3 * 3600 + 300, "3h05"), (2 * 86400 + 4 * 3600, "2d04")],
)
def test_durations(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.parametrize(
    ("hours", "shown"),
    [(720.0, "720 h"), (0.616431, "0.62 h (37m)"), (4.6, "4.60 h (4h36)"), (0.004, "0.00 h (0s)")],
)
def test_holding_times(hours: float, shown: str) -> None:
    """A horizon in whole hours; a capture's window (to a settlement) with its minutes."""
    assert hold(hours) == shown


def test_type_cycles_through_every_type_and_back(scan: ScanResult) -> None:
    view = OpportunityFilter()
    seen = []
    for _ in range(5):
        view = view.next_type()
        seen.append(view.type)
        shown = [o for o in scan.opportunities if view.passes(o)]
        if view.type is None:
            assert len(shown) == len(scan.opportunities)
        else:
            assert shown and all(o.type is view.type for o in shown)
    assert seen == [
        OpportunityType.SPOT_PERP,
        OpportunityType.CROSS_PERP,
        OpportunityType.CEX_DEX,
        OpportunityType.TEMPORAL,
        None,
    ]


def test_venue_cycles_through_the_listed_venues_and_back(scan: ScanResult) -> None:
    venues = venues_of(scan.opportunities)
    assert venues == ["binance", "bybit", "hyperliquid", "okx"]
    view = OpportunityFilter()
    for venue in venues:
        view = view.next_venue(venues)
        assert view.venue == venue
        shown = [o for o in scan.opportunities if view.passes(o)]
        assert shown and all(venue in (o.long.venue, o.short.venue) for o in shown)
    assert view.next_venue(venues).venue is None
    assert OpportunityFilter(venue="gone").next_venue(venues).venue is None


def test_min_uos_steps_by_ten_within_0_and_100(scan: ScanResult) -> None:
    view = OpportunityFilter()
    assert view.lower_uos().min_uos == 0
    for _ in range(12):
        view = view.raise_uos()
    assert view.min_uos == UOS_MAX
    view = OpportunityFilter(min_uos=80)
    assert [o.id for o in scan.opportunities if view.passes(o)] == [
        o.id for o in scan.opportunities if o.uos >= 80
    ]


def test_text_matches_asset_venue_type_and_flags(scan: ScanResult) -> None:
    def ids(text: str) -> set[str]:
        return {o.id for o in scan.opportunities if OpportunityFilter().with_text(text).passes(o)}

    assert ids("eth") == {o.id for o in scan.opportunities if o.base == "ETH"}
    assert ids("dex") == {o.id for o in scan.opportunities if "dex" in o.flags}
    assert ids("bybit binance") == {
        o.id for o in scan.opportunities if {o.long.venue, o.short.venue} == {"bybit", "binance"}
    }
    # the short name the table shows finds its venue, even where it is no part of the full name
    opp = scan.opportunities[0]
    on_paradex = dataclasses.replace(opp, long=opp.long._replace(venue="paradex"))
    assert OpportunityFilter().with_text("pdx").passes(on_paradex)
    assert not OpportunityFilter().with_text("pdx").passes(opp)
    assert OpportunityFilter().with_text("  ").active is False


def _detail(opp: Opportunity) -> str:
    return _plain(detail_markup(opp, DESK_TIME, StrategyParams()))


def test_the_detail_explains_legs_costs_money_and_score(scan: ScanResult) -> None:
    opp = next(o for o in scan.opportunities if o.type is OpportunityType.CROSS_PERP)
    text = _detail(opp)
    c = opp.costs
    for needed in (
        opp.id,
        f"long  {opp.long.venue}",
        f"short {opp.short.venue}",
        "per 8 h",
        "settles 16:00 (in 6h33)",  # 8 h venues settle at 16:00; the desk clock says 09:26:53
        f"fees {usd(c.fees)} (entry {usd(c.entry_fees)} + exit {usd(c.exit_fees)})",
        f"spread {usd(c.spread)}",
        f"slippage {usd(c.slippage)}",
        f"= {usd(c.total)}",
        "order books walked at size",
        f"gross {pct(opp.gross_apr)}",
        f"{pct(opp.gross_apr - opp.net_apr)} = net {pct(opp.net_apr)}",
        f"expected value {usd(opp.expected_value_usd)}",
        f"funding {usd(opp.funding_usd)}",
        f"break-even {opp.break_even_hours:.1f} h",
        f"UOS {opp.uos:.1f} = return {opp.uos_parts.return_:.1f}/40 + risk {opp.uos_parts.risk:.1f}/30",
        f"execution {opp.uos_parts.execution:.1f}/20 + timing {opp.uos_parts.timing:.1f}/10",
        "vs the 25% benchmark",
        "no_history: no funding history yet",
    ):
        assert needed in text, needed


def test_the_detail_of_a_spot_perp_and_of_a_capture(scan: ScanResult) -> None:
    spot_perp = next(o for o in scan.opportunities if o.type is OpportunityType.SPOT_PERP)
    assert "spot, no funding" in _detail(spot_perp)
    capture = next(o for o in scan.opportunities if o.type is OpportunityType.TEMPORAL)
    text = _detail(capture)
    assert "captures the settlement at 10:00 (in 33m)" in text
    window = float(capture.hold_hours)
    assert window != int(window)  # it ends at a settlement, not on a whole hour
    assert f"over the {window:.2f} h ({duration(round(window * 60) * 60)}) window" in text


def test_without_books_the_detail_says_fees_only() -> None:
    scan = _scan(with_books=False)
    assert scan.opportunities
    opp = scan.opportunities[0]
    assert opp.costs.cost_basis == "fees_only"
    text = _detail(opp)
    assert "fees only: no order book" in text
    assert "no book walked: liquidity and slippage score the middle" in text
    assert "F fees_only" in text


def test_an_80_column_terminal_shows_the_decision_first() -> None:
    """Rank, type, asset, UOS, net APR and break-even stay in view when the table scrolls
    sideways; with both venues (by short name) and their hourly rates they fit 80 columns (a
    cell is padded by one on each side)."""
    keys = [c.key for c in COLUMNS]
    assert keys[:PINNED_COLUMNS] == ["rank", "type", "base", "uos", "net_apr", "break_even"]
    assert max(len(name) for name in SHORT_NAMES.values()) <= VENUE_WIDTH
    shown = keys.index("short_rate") + 1
    widths = [VENUE_WIDTH if c.width is None else c.width for c in COLUMNS[:shown]]
    assert sum(width + 2 for width in widths) <= 80 - 2  # the scroll bar and a border
