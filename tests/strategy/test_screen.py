"""The asset screen never rules out a trade the exact search would find.

The screen's float bounds (screen.py) and the cost floors the searches skip pairs on (FLOOR_MARGIN
in context.py) must be upper bounds of the Decimal results: on random markets, whatever kind the
screen rules out, brute force finds nothing viable of that kind, and a screened scan lists exactly
what the unscreened search lists.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.models import MarketInfo, MarketKind, Ticker
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.strategy.context import MarketKey
from nexus_tui.strategy.models import LegRow, OpportunityType, ScanInputs, ScanResult
from nexus_tui.strategy.opportunities import brute_force_base, evaluate_base
from nexus_tui.strategy.params import FeeOverride, StrategyParams
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from nexus_tui.strategy.screen import constants, screen
from nexus_tui.strategy.synthetic import build_market, venue_update
from tests.strategy.helpers import NOW, book, funding, inputs, perp_market, spot_market, ticker
from tests.strategy.markets import LegSpec, build_inputs, leg_specs

KIND = {
    OpportunityType.CROSS_PERP: 0,
    OpportunityType.CEX_DEX: 0,
    OpportunityType.SPOT_PERP: 1,
    OpportunityType.TEMPORAL: 2,
}

# Mostly the small rates real books carry (a few parts per million per interval), sometimes a
# wide one, so assets land on both sides of every bound.
rates = st.one_of(st.integers(-40, 160), st.integers(-3000, 3000))
specs = st.tuples(leg_specs, rates, st.booleans()).map(
    lambda t: (replace(t[0], rate_ppm=t[1]), t[2])  # (spec, its ticker quotes a spread)
)
asset = st.lists(specs, min_size=1, max_size=8, unique_by=lambda t: t[0].venue)

PARAMS = (
    StrategyParams(),
    StrategyParams(min_net_apr=Decimal("0.02"), max_break_even_hours=Decimal(200)),
    StrategyParams(
        min_net_apr=Decimal("-0.5"),
        min_expected_value_usd=Decimal(-50),
        horizon_hours=Decimal(8),
        use_maker_fees=True,
        fee_overrides={"okx": FeeOverride(Decimal("-0.0001"), Decimal("0.0002"))},  # a maker rebate
        borrow_apr={("binanceusdm", "BTC"): Decimal("0.05"), ("bybit", "BTC"): Decimal("-0.01")},
    ),
)


def _inputs(legs: list[tuple[LegSpec, bool]]) -> ScanInputs:
    """build_inputs, with a quoted bid/ask on the tickers of markets without a book when asked."""
    inputs = build_inputs([s for s, _ in legs])
    quoted = {s.venue for s, q in legs if q}
    tickers = dict(inputs.tickers)
    for key, quote in inputs.tickers.items():
        if key[0] in quoted and key not in inputs.order_books:
            half = Decimal(1 + len(key[0]) % 7) / 100
            tickers[key] = replace(quote, bid=Decimal(100) - half, ask=Decimal(100) + half)
    return replace(inputs, tickers=tickers)


def _rows(scanner: Scanner) -> dict[MarketKey, LegRow]:
    return {(r.venue, r.symbol): r for r in scanner.rows()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asset)
def test_a_kind_the_screen_rules_out_has_nothing_viable(legs: list[tuple[LegSpec, bool]]) -> None:
    inputs = _inputs(legs)
    for params in PARAMS:
        scanner = Scanner(params)
        scanner.load(inputs)
        ctx = scanner.context(NOW)
        verdict = screen(ctx, constants(ctx), _rows(scanner))
        allowed = (verdict.cross, verdict.spot_perp, verdict.temporal)
        brute = brute_force_base(ctx, scanner.rows())
        for opp in brute.viable:
            assert allowed[KIND[opp.type]], (opp.type, opp.net_apr, verdict)


def _listing(result: ScanResult) -> list[tuple[object, ...]]:
    """Each listed opportunity's figures (not when its rows were last seen: a row delivered again
    unchanged waits for the periodic re-cost to move that, in a running scanner)."""
    return [
        (o.id, o.uos, o.uos_parts, o.net_apr, o.expected_value_usd, o.break_even_hours, o.costs, o.flags)
        for o in result.opportunities
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asset)
def test_a_screened_scan_lists_what_the_unscreened_search_lists(legs: list[tuple[LegSpec, bool]]) -> None:
    inputs = _inputs(legs)
    for params in PARAMS:
        screened = scan_inputs(inputs, params)
        scanner = Scanner(params)
        scanner.load(inputs)
        unscreened = evaluate_base(scanner.context(NOW), scanner.rows())
        assert [repr(o) for o in screened.opportunities] == [
            repr(o) for o in sorted(unscreened.viable, key=lambda o: (-o.uos, -float(o.net_apr), o.id))
        ]
        brute = scan_inputs(inputs, params, brute_force=True)
        assert {(o.base, KIND[o.type]): o.net_apr for o in screened.opportunities} == {
            (o.base, KIND[o.type]): o.net_apr for o in brute.opportunities
        }


def test_on_a_large_market_the_screen_rules_out_most_assets_and_changes_nothing() -> None:
    market = build_market(NOW, n_venues=12, n_symbols=60, seed=5, history_points=4)
    screened = scan_inputs(market.inputs)
    brute = scan_inputs(market.inputs, brute_force=True)
    assert screened.opportunities  # the book has a minority of trades worth taking
    assert {(o.base, KIND[o.type]): o.net_apr for o in screened.opportunities} == {
        (o.base, KIND[o.type]): o.net_apr for o in brute.opportunities
    }
    scanner = Scanner()
    scanner.load(market.inputs)
    ctx = scanner.context(NOW)
    limits = constants(ctx)
    by_base: dict[str, dict[MarketKey, LegRow]] = {}
    for row in scanner.rows():
        by_base.setdefault(row.base, {})[(row.venue, row.symbol)] = row
    verdicts = [screen(ctx, limits, rows) for rows in by_base.values()]
    assert sum(v.anything for v in verdicts) < len(verdicts) / 2  # a typical book: most are ruled out
    assert sum(v.anything for v in verdicts) >= len({o.base for o in screened.opportunities})


def test_a_running_scanner_follows_every_kind_of_update_as_a_fresh_one_would() -> None:
    """What the scanner remembers of each asset's screen is dropped by whatever it read."""
    market = build_market(NOW, n_venues=8, n_symbols=60, seed=3, history_points=4)
    scanner = Scanner()
    scanner.load(market.inputs)
    scanner.scan(NOW)
    inputs = market.inputs
    at = NOW  # at one instant, an asset left alone keeps figures a fresh scan would give it

    def step(new_inputs: ScanInputs, update: object) -> None:
        nonlocal inputs
        inputs = replace(new_inputs, now=at)
        fresh = scan_inputs(inputs)
        assert _listing(scanner.scan(at)) == _listing(fresh), update

    # new rates on one venue (rows changed), then tickers quoting a new spread on another
    rows = venue_update(market, "okx", at, 0.5, seed=1)
    scanner.update_quotes(rows)
    step(replace(inputs, quotes=[q for q in inputs.quotes if q.venue != "okx"] + rows), "rows")
    tickers = dict(inputs.tickers)
    changed = []
    for key, t in inputs.tickers.items():
        if key[0] == "bybit" and t.bid is not None and t.ask is not None:
            changed.append(replace(t, bid=t.bid * Decimal("0.999"), ask=t.ask * Decimal("1.001")))
            tickers[key] = changed[-1]
    scanner.update_tickers(changed)
    step(replace(inputs, tickers=tickers), "tickers")
    # books dropped (costed from tickers again), fees cut on a venue, a spot market listed
    dropped = [k for k in inputs.order_books if k[0] == "binanceusdm"]
    scanner.drop_order_books(dropped)
    books = {k: b for k, b in inputs.order_books.items() if k not in dropped}
    step(replace(inputs, order_books=books), "books")
    markets = dict(inputs.markets)
    cheaper = {
        k: replace(m, taker_fee=Decimal("0.0001"))
        for k, m in inputs.markets.items()
        if k[0] == "gate" and m.kind is MarketKind.PERP
    }
    markets.update(cheaper)
    scanner.update_markets(cheaper)
    step(replace(inputs, markets=markets), "fees")
    base = next(iter(sorted({k[1].split("/")[0] for k in markets if k[0] == "gate"})))
    spot = MarketInfo(
        "gate",
        f"{base}/USDT",
        base,
        "USDT",
        None,
        MarketKind.SPOT,
        Decimal("0.000001"),
        Decimal("0.001"),
        Decimal("0.001"),
        maker_fee=Decimal("0"),
        taker_fee=Decimal("0"),
    )
    scanner.update_markets({("gate", spot.symbol): spot})
    markets[("gate", spot.symbol)] = spot
    tickers = dict(inputs.tickers)
    tickers[("gate", spot.symbol)] = Ticker("gate", spot.symbol, NOW, None, None)
    scanner.update_tickers({("gate", spot.symbol): tickers[("gate", spot.symbol)]})
    step(replace(inputs, markets=markets, tickers=tickers), "spot listing")


def _same_either_way(scan: ScanInputs, params: StrategyParams) -> bool:
    """The screened scan lists what the unscreened search lists, and the best of each kind brute
    force finds; returns whether it lists any."""
    screened = scan_inputs(scan, params)
    scanner = Scanner(params)
    scanner.load(scan)
    unscreened = evaluate_base(scanner.context(NOW), scanner.rows())
    expected = sorted(unscreened.viable, key=lambda o: (-o.uos, -float(o.net_apr), o.id))
    assert [repr(o) for o in screened.opportunities] == [repr(o) for o in expected]
    brute = scan_inputs(scan, params, brute_force=True)
    assert {KIND[o.type]: o.net_apr for o in screened.opportunities} == {
        KIND[o.type]: o.net_apr for o in brute.opportunities
    }
    return bool(expected)


ONLY_APR = StrategyParams(min_expected_value_usd=Decimal(-(10**6)), max_break_even_hours=Decimal(10**6))


@pytest.mark.parametrize("costed_from", ["fees", "ticker", "book"])
def test_across_the_minimum_apr_a_pair_is_listed_exactly_when_it_passes(costed_from: str) -> None:
    """binance pays 0, bybit r per 8 h: net APR = r x 1095 - costs x 8760 / 72 crosses 10 % within
    the sweep, and the screen's bounds sit right at it (fees only: exactly the net APR)."""
    listed = []
    for step in range(-30, 31):
        rate = Decimal("0.000325") + Decimal(step) * Decimal("0.0000002")
        if costed_from == "ticker":
            rate += Decimal("0.000045")  # pays the quoted spreads too
        if costed_from == "book":
            rate += Decimal("0.00005")
        rows = [funding("binanceusdm", "0"), funding("bybit", rate)]
        tickers = [ticker(v) for v in ("binanceusdm", "bybit")]
        if costed_from == "ticker":
            tickers = [replace(t, bid=Decimal("99.99"), ask=Decimal("100.01")) for t in tickers]
        books = [book(v) for v in ("binanceusdm", "bybit")] if costed_from == "book" else []
        listed.append(_same_either_way(inputs(rows, tickers=tickers, books=books), ONLY_APR))
    assert any(listed) and not all(listed)  # the sweep crosses the line


def test_across_the_minimum_apr_a_spot_perp_is_listed_exactly_when_it_passes() -> None:
    listed = []
    for step in range(-30, 31):
        rate = Decimal("0.000425") + Decimal(step) * Decimal("0.0000002")
        scan = inputs(
            [funding("binanceusdm", rate)],
            markets=[perp_market("binanceusdm"), spot_market("binanceusdm")],
            tickers=[ticker("binanceusdm"), ticker("binanceusdm", "BTC/USDT")],
        )
        listed.append(_same_either_way(scan, ONLY_APR))
    assert any(listed) and not all(listed)


def test_across_the_minimum_expected_value_a_capture_is_listed_exactly_when_it_passes() -> None:
    """hyperliquid settles in an hour: capturing it pays its rate once, hedged on okx (8 h away)."""
    listed = []
    for step in range(-30, 31):
        rate = Decimal("0.0020") + Decimal(step) * Decimal("0.000002")
        scan = inputs(
            [funding("hyperliquid", rate, 1, "BTC/USDC:USDC"), funding("okx", "0.00005")],
            tickers=[ticker("hyperliquid", "BTC/USDC:USDC"), ticker("okx")],
        )
        params = replace(ONLY_APR, cross_perp=False, min_expected_value_usd=Decimal(1))
        listed.append(_same_either_way(scan, params))
    assert any(listed) and not all(listed)


def test_where_the_capture_bound_is_tight_a_capture_is_listed_exactly_when_it_passes() -> None:
    """binance +r and okx -r, both settling in 1.5 h: shorting one and longing the other collects
    2r at that settlement, which is all the screen's bound allows (largest rate plus the most a
    hedge settles, less the two cheapest round trips): the bound is the expected value."""
    listed = []
    for step in range(-30, 31):
        rate = Decimal("0.00105") + Decimal(step) * Decimal("0.0000002")
        scan = inputs(
            [funding("binanceusdm", rate, next_in_h=1.5), funding("okx", -rate, next_in_h=1.5)],
            tickers=[ticker("binanceusdm"), ticker("okx")],
        )
        params = replace(ONLY_APR, cross_perp=False, min_expected_value_usd=Decimal(1))
        listed.append(_same_either_way(scan, params))
    assert any(listed) and not all(listed)


def test_what_the_scanner_keeps_of_an_assets_markets_follows_them_as_a_fresh_scan_would() -> None:
    """The screen's kept layout of each asset (its linear perps, fee bounds, spot venues and
    cost floors) follows a new funding interval, a market listed for an asset and delisted, a
    ticker that moves a cost floor only, and new parameters."""
    market = build_market(NOW, n_venues=6, n_symbols=40, seed=11, history_points=4)
    book = FundingBook(ManualClock(NOW), stale_after_s=3600)
    book.ingest(market.inputs.quotes)
    scanner = Scanner()
    scanner.load(replace(market.inputs, quotes=book.scan_rows()))
    scanner.scan(NOW)
    inputs = market.inputs
    params = StrategyParams()

    def same(update: str) -> None:
        rows = book.scan_rows()
        scanner.update_book_rows(rows)
        fresh = scan_inputs(replace(inputs, quotes=rows), params)
        assert _listing(scanner.scan(NOW)) == _listing(fresh), update

    # Taken in place (the same markets at the same places): new rates, and one venue's perps
    # moved from 8 h to 1 h funding, which changes what each can settle in a window.
    venue = sorted({q.venue for q in inputs.quotes if q.interval_hours == 8})[0]
    book.ingest(
        [replace(q, interval_hours=1, rate=q.rate / 8) for q in venue_update(market, venue, NOW, 1.0, seed=4)]
    )
    same("a new interval")
    # An asset gains a market: a perp listed on a venue that did not list it, at a wide rate.
    venues = sorted({q.venue for q in inputs.quotes})
    listed = {(q.venue, q.symbol) for q in inputs.quotes}
    template, newcomer = next(
        (q, v) for q in inputs.quotes for v in venues if q.rate > 0 and (v, q.symbol) not in listed
    )
    book.ingest([replace(template, venue=newcomer, rate=template.rate * 40)])
    same("a market listed")
    # A ticker that keeps every verdict but moves the quoted spread of a market without a book.
    key = next(k for k, t in inputs.tickers.items() if k in listed and t.bid and t.ask)
    scanner.drop_order_books([key])
    inputs = replace(inputs, order_books={k: b for k, b in inputs.order_books.items() if k != key})
    same("a book dropped")
    quote = inputs.tickers[key]
    assert quote.bid is not None and quote.ask is not None
    tickers = dict(inputs.tickers)
    tickers[key] = replace(quote, bid=quote.bid * Decimal("0.99999"), ask=quote.ask * Decimal("1.00001"))
    scanner.update_tickers({key: tickers[key]})
    inputs = replace(inputs, tickers=tickers)
    same("a ticker")
    # New parameters: another horizon changes every fee's weight as APR.
    params = StrategyParams(horizon_hours=Decimal(24 * 7))
    scanner.set_params(params)
    same("new parameters")
    # The listed market is delisted again.
    scanner.remove_quotes([(newcomer, template.symbol)])
    rows = [r for r in book.scan_rows() if (r.venue, r.symbol) != (newcomer, template.symbol)]
    fresh = scan_inputs(replace(inputs, quotes=rows), params)
    assert _listing(scanner.scan(NOW)) == _listing(fresh), "a market delisted"


def test_a_book_that_narrows_reaches_an_asset_the_kept_cost_floors_ruled_out() -> None:
    """A wide book on one leg rules the asset's cross out on cost floors; when a tight book
    replaces it, the floors the screen keeps are worked out again and the trade is listed."""
    rows = [funding("binanceusdm", "0.0009"), funding("bybit", "-0.0002")]
    markets = [perp_market("binanceusdm"), perp_market("bybit")]
    tickers = [ticker("binanceusdm"), ticker("bybit")]
    wide = book("bybit", half_spread="5")  # a 10 % touch spread: no funding pays for it
    scanner = Scanner()
    scanner.load(inputs(rows, markets=markets, books=[book("binanceusdm"), wide], tickers=tickers))
    assert not scanner.scan(NOW).opportunities
    tight = book("bybit")
    scanner.update_order_books([tight])
    listed = scanner.scan(NOW).opportunities
    fresh = scan_inputs(inputs(rows, markets=markets, books=[book("binanceusdm"), tight], tickers=tickers))
    assert fresh.opportunities  # the trade is worth taking on the tight book
    assert _listing(ScanResult(NOW, listed, (), (), fresh.stats)) == _listing(fresh)
