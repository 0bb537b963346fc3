"""The Funding screen's data, without a screen: rows, spreads, sorting, marks, history, health lights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from nexus_tui.core.models import FundingRate, FundingSource, HealthState, VenueHealth
from nexus_tui.market.funding_book import BookQuote
from nexus_tui.ui.widgets.funding_cells import (
    RateUnit,
    countdown,
    mark,
    next_unit,
    percent,
    rate_cell,
    rate_style,
)
from nexus_tui.ui.widgets.funding_history import SettledHistory, chart_series
from nexus_tui.ui.widgets.funding_matrix import (
    ASSET,
    NEXT,
    SPREAD,
    SortOrder,
    build_rows,
    build_view,
    sort_rows,
)
from nexus_tui.ui.widgets.venue_health_strip import Light, strip_content, venue_lights
from nexus_tui.ui.widgets.venue_names import short_name, short_names

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def quote(
    venue: str,
    symbol: str,
    rate: str,
    hours: int = 8,
    *,
    flags: frozenset[str] = frozenset(),
    next_in_s: float | None = 3600,
    secondary: str | None = None,
) -> BookQuote:
    base, _, rest = symbol.partition("/")
    rate_d = Decimal(rate)
    hourly = rate_d / hours
    return BookQuote(
        venue=venue,
        symbol=symbol,
        base=base,
        quote=rest.partition(":")[0],
        rate=rate_d,
        interval_hours=hours,
        rate_hourly=hourly,
        apr=hourly * 8760,
        next_funding_ts=None if next_in_s is None else NOW + timedelta(seconds=next_in_s),
        mark_price=Decimal("100"),
        index_price=None,
        predicted_rate=None,
        source=FundingSource.EXCHANGE,
        flags=flags,
        observed_at=NOW,
        age_s=0.0,
        secondary_rate=None if secondary is None else Decimal(secondary),
    )


# -- rows and spreads ------------------------------------------------------------------------


def test_a_row_is_a_base_asset_across_usdt_and_usdc_perps() -> None:
    rows = build_rows(
        [
            quote("sim:binance", "BTC/USDC:USDC", "0.0002"),
            quote("sim:binance", "BTC/USDT:USDT", "0.0001"),
            quote("sim:hyperliquid", "BTC/USDC:USDC", "0.00005", 1),
        ]
    )
    btc = rows["BTC"]
    assert btc.cells["sim:binance"].symbol == "BTC/USDT:USDT", "the USDT perp takes the cell"
    assert [q.symbol for q in btc.extra] == ["BTC/USDC:USDC"], "the USDC one goes to the detail"
    assert btc.cells["sim:hyperliquid"].symbol == "BTC/USDC:USDC"
    assert len(btc.quotes()) == 3


def test_the_best_spread_is_per_hour_and_ignores_stale_rates() -> None:
    rows = build_rows(
        [
            quote("a", "X/USDT:USDT", "0.0008", 8),  # 0.0001 per hour
            quote("b", "X/USDC:USDC", "0.0003", 1),  # 0.0003 per hour: short here
            quote("c", "X/USDT:USDT", "-0.0008", 8),  # -0.0001 per hour: long here
            quote("d", "X/USDT:USDT", "0.02", 8, flags=frozenset({"stale"})),  # would win, but stale
        ]
    )
    x = rows["X"]
    assert (x.short_venue, x.long_venue) == ("b", "c")
    assert x.spread_hourly == Decimal("0.0004")
    assert x.spread_apr == Decimal("0.0004") * 8760


def test_two_venues_at_the_same_rate_make_a_spread_of_zero_and_one_venue_none() -> None:
    rows = build_rows(
        [
            quote("a", "X/USDT:USDT", "0.0001"),
            quote("b", "X/USDT:USDT", "0.0001"),
            quote("a", "Y/USDT:USDT", "0.0001"),
        ]
    )
    assert rows["X"].spread_hourly == 0 and {rows["X"].short_venue, rows["X"].long_venue} == {"a", "b"}
    assert rows["Y"].spread_hourly is None and rows["Y"].short_venue is None


def test_the_row_countdown_is_its_soonest_settlement() -> None:
    rows = build_rows(
        [quote("a", "X/USDT:USDT", "0.0001", next_in_s=7200), quote("b", "X/USDT:USDT", "0", next_in_s=600)]
    )
    assert rows["X"].next_funding_ts == NOW + timedelta(seconds=600)


# -- sorting ------------------------------------------------------------------------------------


def test_sort_keys_cycle_through_spread_asset_next_and_each_venue() -> None:
    order = SortOrder()
    seen = []
    for _ in range(6):
        seen.append((order.key, order.descending))
        order = order.cycled(["a", "b"])
    assert seen == [
        (SPREAD, True),
        (ASSET, False),
        (NEXT, False),
        ("a", True),
        ("b", True),
        (SPREAD, True),
    ]
    assert SortOrder(ASSET, False).reversed() == SortOrder(ASSET, True)


def test_rows_without_a_value_go_last_whichever_the_direction() -> None:
    rows = build_rows(
        [
            quote("a", "B/USDT:USDT", "0.0002"),
            quote("a", "A/USDT:USDT", "0.0001"),
            quote("a", "C/USDT:USDT", "0.0001"),
            quote("b", "D/USDT:USDT", "0.0009"),  # not on venue a
        ]
    ).values()
    assert sort_rows(rows, SortOrder("a", True), RateUnit.APR) == ["B", "A", "C", "D"]
    assert sort_rows(rows, SortOrder("a", False), RateUnit.APR) == ["A", "C", "B", "D"]


def test_sorting_by_a_venue_follows_the_unit_shown() -> None:
    # Per interval, the 8 h rate is larger; per hour, the 1 h one is.
    rows = build_rows(
        [quote("a", "X/USDT:USDT", "0.0008", 8), quote("a", "Y/USDT:USDT", "0.0002", 1)]
    ).values()
    assert sort_rows(rows, SortOrder("a"), RateUnit.PER_INTERVAL) == ["X", "Y"]
    assert sort_rows(rows, SortOrder("a"), RateUnit.PER_HOUR) == ["Y", "X"]


def test_the_view_filters_on_the_asset_and_keeps_venue_columns() -> None:
    quotes = [quote("a", "BTC/USDT:USDT", "0.0001"), quote("b", "ETH/USDT:USDT", "0.0001", 1)]
    view = build_view(quotes, unit=RateUnit.APR, order=SortOrder(), now=NOW, filter_text="eth")
    assert view.order == ("ETH",) and view.total == 2
    assert view.venues == ("a", "b")
    assert view.intervals == {"a": (8,), "b": (1,)}
    assert view.cells["ETH"][1] == ("", ""), "an empty cell where the venue does not list it"


# -- cells --------------------------------------------------------------------------------------


def test_units_cycle_and_format_by_hand() -> None:
    q = quote("a", "X/USDT:USDT", "0.0001", 8)
    assert next_unit(RateUnit.PER_INTERVAL) is RateUnit.PER_HOUR
    assert next_unit(RateUnit.PER_HOUR) is RateUnit.APR
    assert next_unit(RateUnit.APR) is RateUnit.PER_INTERVAL
    assert rate_cell(q, RateUnit.PER_INTERVAL)[0] == "+0.0100%·8h"
    assert rate_cell(q, RateUnit.PER_HOUR)[0] == "+0.00125%·"
    assert rate_cell(q, RateUnit.APR)[0] == "+11.0%·"  # 0.0001 / 8 x 8760 = 0.1095
    assert percent(Decimal("-0.00001"), RateUnit.PER_INTERVAL) == "-0.0010%"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (set(), "·"),
        ({"validated"}, "="),
        ({"jump", "validated"}, "^"),
        ({"secondary"}, "s"),
        ({"secondary", "fallback"}, "f"),
        ({"discrepancy", "validated"}, "!"),
        ({"stale", "discrepancy", "secondary", "fallback"}, "~"),
    ],
)
def test_the_most_important_flag_decides_the_mark(flags: set[str], expected: str) -> None:
    assert mark(frozenset(flags)) == expected


def test_colour_follows_the_sign_and_grows_with_size() -> None:
    assert rate_style(Decimal("0.005")) == "dim"
    assert rate_style(Decimal("0.05")) == "green"
    assert rate_style(Decimal("-0.05")) == "red"
    assert rate_style(Decimal("0.2")) == "bold bright_green"
    assert rate_style(Decimal("-2")) == "bold reverse bright_red"
    stale = quote("a", "X/USDT:USDT", "0.001", flags=frozenset({"stale"}))
    assert rate_cell(stale, RateUnit.APR)[1] == "dim italic"
    assert rate_cell(quote("a", "X/USDT:USDT", "0.0001"), RateUnit.APR, best_leg=True)[1].endswith(
        "underline"
    )


def test_countdowns() -> None:
    assert countdown(NOW + timedelta(hours=7, minutes=5, seconds=12), NOW) == "7h05m"
    assert countdown(NOW + timedelta(hours=7, minutes=5, seconds=12), NOW, seconds=True) == "7h05m12s"
    assert countdown(NOW + timedelta(minutes=42, seconds=7), NOW) == "42m"
    assert countdown(NOW + timedelta(minutes=42, seconds=7), NOW, seconds=True) == "42m07s"
    assert countdown(NOW + timedelta(seconds=30), NOW) == "<1m"
    assert countdown(NOW + timedelta(hours=30), NOW) == "1d06h"
    assert countdown(NOW, NOW) == "due"
    assert countdown(None, NOW) == "–"


# -- history --------------------------------------------------------------------------------------


def settled(venue: str, symbol: str, rate: str, hours: int, at: datetime) -> FundingRate:
    return FundingRate(venue=venue, symbol=symbol, rate=Decimal(rate), interval_hours=hours, ts=at)


def test_the_chart_joins_settled_history_and_the_books_live_points_per_hour() -> None:
    q = quote("a", "X/USDT:USDT", "0.0008", 8)
    history = SettledHistory(window_hours=72)
    history.store(
        ("a", "X/USDT:USDT"),
        [
            settled("a", "X/USDT:USDT", "0.0016", 8, NOW - timedelta(hours=100)),  # outside the window
            settled("a", "X/USDT:USDT", "0.0016", 8, NOW - timedelta(hours=16)),
            settled("a", "X/USDT:USDT", "0.0024", 8, NOW - timedelta(hours=8)),
            settled("a", "X/USDT:USDT", "0.0040", 8, NOW - timedelta(hours=1)),  # the book has this hour
        ],
        NOW,
    )
    live = [(NOW - timedelta(hours=2), 0.0008), (NOW - timedelta(hours=1), 0.0008)]
    (line,) = chart_series([q], lambda venue, symbol: live, history, NOW, RateUnit.PER_HOUR)
    assert line.hours == (-16.0, -8.0, -2.0, -1.0)
    assert line.values == pytest.approx((0.02, 0.03, 0.01, 0.01))  # percent per hour
    (annual,) = chart_series([q], lambda venue, symbol: live, history, NOW, RateUnit.APR)
    assert annual.values[-1] == pytest.approx(0.01 * 8760)


def test_settled_history_is_fetched_once_and_a_failure_retried_later() -> None:
    q = quote("a", "X/USDT:USDT", "0.0001")
    history = SettledHistory(refetch_after_s=3600, retry_after_s=60)
    assert history.missing([q], NOW) == [("a", "X/USDT:USDT")]
    history.store(("a", "X/USDT:USDT"), "connection refused", NOW)
    assert history.missing([q], NOW + timedelta(seconds=30)) == []
    assert history.missing([q], NOW + timedelta(seconds=60)) == [("a", "X/USDT:USDT")]
    history.store(("a", "X/USDT:USDT"), [], NOW)
    assert history.errors == {}
    assert history.missing([q], NOW + timedelta(minutes=59)) == []
    assert history.missing([q], NOW + timedelta(hours=1)) == [("a", "X/USDT:USDT")]


# -- venue health -------------------------------------------------------------------------------


def health(venue: str, state: HealthState, message: str = "") -> VenueHealth:
    return VenueHealth(venue=venue, state=state, message=message)


def test_a_venue_shows_the_worst_of_its_adapter_and_its_data() -> None:
    fresh = quote("sim:binance", "X/USDT:USDT", "0")
    stale = quote("sim:okx", "X/USDT:USDT", "0", flags=frozenset({"stale"}))
    lights = venue_lights(
        [
            health("sim:binance", HealthState.OK),
            health("sim:okx", HealthState.OK),
            health("sim:bybit", HealthState.DEGRADED, "circuit open"),
            health("sim:gate", HealthState.DOWN, "connection refused"),
            health("sim:kucoin", HealthState.UNKNOWN),
            health("sim:dydx", HealthState.OK),
        ],
        [fresh, stale, quote("sim:dydx", "X/USDC:USDC", "0", 1), quote("paradex", "X/USDC:USDC", "0", 1)],
        down=["sim:dydx"],
    )
    assert [(light.venue, light.light) for light in lights] == [
        ("sim:binance", Light.OK),
        ("sim:okx", Light.STALE),
        ("sim:bybit", Light.DEGRADED),
        ("sim:gate", Light.DOWN),
        ("sim:kucoin", Light.UNKNOWN),
        ("sim:dydx", Light.DEGRADED),  # the book marked its funding API down: degraded, not DOWN
        ("paradex", Light.OK),  # known only from the book: its data is fresh
    ]
    assert strip_content(lights).plain == "BIN OKX stale BYB deg GATE DOWN KUC ? DYDX deg PDX"
    assert lights[3].why == "connection refused"


def test_eight_venues_fit_beside_the_title_even_when_every_one_is_stale() -> None:
    venues = ["binance", "bybit", "okx", "gate", "bitget", "kucoin", "hyperliquid", "dydx"]
    quotes = [quote(f"sim:{v}", "X/USDT:USDT", "0", flags=frozenset({"stale"})) for v in venues]
    worst = strip_content(venue_lights([], quotes)).plain
    fine = strip_content(venue_lights([], [quote(f"sim:{v}", "X/USDT:USDT", "0") for v in venues])).plain
    assert fine == "BIN BYB OKX GATE BITG KUC HYPE DYDX"
    # 140 columns: icon 8, longest title 27, mode/state/clock badges 42, padding: 60 for the strip.
    assert worst == "BIN~ BYB~ OKX~ GATE~ BITG~ KUC~ HYPE~ DYDX~"
    down = [health(f"sim:{v}", HealthState.DOWN) for v in venues]
    assert len(strip_content(venue_lights(down, [])).plain) <= 60


def test_short_names_stay_distinct() -> None:
    assert short_name("sim:hyperliquid") == "HYPE"
    assert short_name("kucoinfutures") == "KUC"
    assert short_name("newvenue") == "NEWVE"
    assert short_names(["binance", "sim:binance", "okx"]) == {
        "binance": "binance",
        "sim:binance": "sim:binance",
        "okx": "OKX",
    }
