"""Hard constraints, eligibility and the filter pipeline: a failure always scores 0 and is never listed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings

from nexus_tui.core.models import HealthState, VenueHealth
from nexus_tui.strategy.assemble import assemble
from nexus_tui.strategy.candidates import cost_cross
from nexus_tui.strategy.models import ZERO_PARTS, OpportunityType, ScanInputs
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from tests.strategy.helpers import LOOSE, NOW, D, book, funding, healthy, inputs, ticker
from tests.strategy.markets import LegSpec, build_inputs, markets

PARAMS = StrategyParams()


def _expected_hard_failure(specs: dict[str, LegSpec], scan: ScanInputs, long: str, short: str) -> bool:
    """Worked out from the inputs alone, not from the scanner's code."""
    size = PARAMS.size_usd
    for venue in (long, short):
        spec = specs[venue]
        if spec.age_s > PARAMS.max_quote_age_s or spec.latency_ms > PARAMS.max_latency_ms:
            return True
        settle = "USDC" if spec.usdc else "USDT"
        ob = scan.order_books.get((venue, f"BTC/{settle}:{settle}"))
        if ob is not None:
            depth = min(sum(p * a for p, a in ob.bids), sum(p * a for p, a in ob.asks))
            if depth < 2 * size:
                return True
    hourly = {v: Decimal(specs[v].rate_ppm) / 1_000_000 / specs[v].interval for v in (long, short)}
    return hourly[short] - hourly[long] <= Decimal("0.0001") / 8


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_a_failed_hard_constraint_always_scores_zero_and_is_never_listed(specs_list: list[LegSpec]) -> None:
    specs = {s.venue: s for s in specs_list}
    scan = build_inputs(specs_list)
    scanner = Scanner(PARAMS)
    scanner.load(scan)
    ctx = scanner.context(NOW)
    rows = {r.venue: r for r in scanner.rows()}
    failing: set[tuple[str, str]] = set()
    for long in rows.values():
        for short in rows.values():
            if long.venue == short.venue:
                continue
            opp = assemble(ctx, cost_cross(ctx, long, short))
            expected = _expected_hard_failure(specs, scan, long.venue, short.venue)
            assert opp.hard_fail == expected, (long.venue, short.venue, opp.reasons)
            if expected:
                failing.add((long.venue, short.venue))
                assert opp.uos == 0 and opp.uos_parts == ZERO_PARTS
                assert not opp.viable and opp.reasons
    result = scanner.scan(NOW, explain=True)
    for opp in result.opportunities:
        assert opp.viable and not opp.hard_fail and opp.uos > 0
        if opp.type in (OpportunityType.CROSS_PERP, OpportunityType.CEX_DEX):
            assert (opp.long.venue, opp.short.venue) not in failing
    for opp in result.rejected:
        assert not opp.viable
        assert (opp.uos == 0) or not opp.hard_fail


def _pair(**overrides: object) -> ScanInputs:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009")]
    base: dict[str, Any] = {
        "markets": (),
        "books": [book("binanceusdm"), book("bybit")],
        "tickers": [ticker("binanceusdm"), ticker("bybit")],
        "health": healthy("binanceusdm", "bybit"),
    }
    base.update(overrides)
    return inputs(rows, **base)


def _why(scan: ScanInputs, params: StrategyParams = PARAMS) -> tuple[str, ...]:
    result = scan_inputs(scan, params, explain=True)
    assert not result.opportunities
    [rejected] = result.rejected
    return rejected.reasons


def test_the_clean_pair_is_listed() -> None:
    [opp] = scan_inputs(_pair()).opportunities
    assert opp.viable and opp.uos > 0


def test_thin_book_fails_depth() -> None:
    thin = book("bybit", level_usd="1500")  # 10 levels of $1,500: $15k < 2 x $10k
    reasons = _why(_pair(books=[book("binanceusdm"), thin]))
    assert any(r.startswith("depth: bybit") for r in reasons)


def test_slow_venue_fails_latency() -> None:
    health = healthy("binanceusdm") | healthy("bybit", latency_ms=2500)
    assert any(r.startswith("latency: bybit 2500 ms") for r in _why(_pair(health=health)))


def test_stale_row_fails_freshness() -> None:
    rows = [funding("binanceusdm", "0.0001"), funding("bybit", "0.0009", age_s=600)]
    scan = inputs(rows, books=[book("binanceusdm"), book("bybit")], health=healthy("binanceusdm", "bybit"))
    assert any(r.startswith("stale: bybit") for r in _why(scan))


def test_venue_down_and_low_volume_make_a_pair_ineligible() -> None:
    health = healthy("binanceusdm") | {
        "bybit": VenueHealth("bybit", HealthState.DOWN, message="circuit open")
    }
    reasons = _why(_pair(health=health))
    assert "venue down: bybit (circuit open)" in reasons
    low = _why(_pair(tickers=[ticker("binanceusdm"), ticker("bybit", volume="200000")]))
    assert any(r.startswith("volume: bybit") for r in low)
    low_oi = _why(_pair(tickers=[ticker("binanceusdm"), ticker("bybit", oi="100000")]))
    assert any(r.startswith("open interest: bybit") for r in low_oi)


def test_filter_pipeline_order_and_reasons() -> None:
    # blacklist first
    assert _why(_pair(), replace(PARAMS, blacklist=frozenset({"BTC"}))) == ("blacklisted: BTC",)
    # spread limit: a 1 % wide book
    wide = book("bybit", half_spread="0.5")
    assert _why(_pair(books=[book("binanceusdm"), wide]))[0].startswith("spread: bybit bid-ask 1.00 %")
    # minimum APY
    assert _why(_pair(), replace(PARAMS, min_net_apr=D(5)))[0].startswith("net APR")
    # liquidity: depth between 2x and 3x passes the hard constraint but not the filter
    mid = book("bybit", level_usd="2500")  # $25k
    assert _why(_pair(books=[book("binanceusdm"), mid]))[0].startswith("liquidity: bybit")
    # expected value
    assert _why(_pair(), replace(PARAMS, min_expected_value_usd=D(10_000)))[0].startswith("expected value")
    # break-even
    assert _why(_pair(), replace(PARAMS, max_break_even_hours=D(1)))[0].startswith("break-even")


def test_entry_prices_too_far_apart() -> None:
    rows = [funding("binanceusdm", "0.0001", mark="100"), funding("bybit", "0.0009", mark="101")]
    reasons = _why(inputs(rows))
    assert reasons[0].startswith("spread: entry prices differ by 1.00 %")
    assert scan_inputs(inputs(rows), replace(LOOSE, max_spread=D("0.02"))).opportunities


def test_a_funding_delta_reason_shows_the_limit_exactly_and_tells_near_values_apart() -> None:
    from nexus_tui.strategy.constraints import funding_delta_failure

    params = StrategyParams(min_funding_delta_8h=Decimal("0.0001"))  # 0.00125 % an hour
    assert funding_delta_failure(Decimal("0.0000126"), params) is None
    assert funding_delta_failure(Decimal("0.0000125"), params) == (
        "funding delta 0.00125 %/h at or below 0.00125 %/h"
    )
    assert funding_delta_failure(Decimal("0.0000124999"), params) == (
        "funding delta 0.00124999 %/h at or below 0.00125000 %/h"
    )
