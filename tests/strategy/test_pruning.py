"""Pruning never loses the best pair: the pruned search agrees with costing every pair."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from nexus_tui.strategy.models import Opportunity, OpportunityType
from nexus_tui.strategy.opportunities import brute_force_base, evaluate_base
from nexus_tui.strategy.params import StrategyParams
from nexus_tui.strategy.scanner import Scanner, scan_inputs
from nexus_tui.strategy.synthetic import build_market
from tests.strategy.helpers import NOW
from tests.strategy.markets import LegSpec, build_inputs, markets

GROUPS = {
    OpportunityType.CROSS_PERP: "cross",
    OpportunityType.CEX_DEX: "cross",
    OpportunityType.SPOT_PERP: "spot",
    OpportunityType.TEMPORAL: "temporal",
}


def _best_by_group(opps: tuple[Opportunity, ...]) -> dict[str, Decimal]:
    return {GROUPS[o.type]: o.net_apr for o in opps}


def _both(
    specs: list[LegSpec], params: StrategyParams
) -> tuple[dict[str, Decimal], dict[str, Decimal], int, int]:
    """Best net APR per kind from the pruned search and from brute force (separate scanners)."""
    results = []
    for evaluate in (evaluate_base, brute_force_base):
        scanner = Scanner(params)
        scanner.load(build_inputs(specs))
        [legs] = [scanner.rows()]
        results.append(evaluate(scanner.context(NOW), legs))
    pruned, brute = results
    return (
        _best_by_group(pruned.viable),
        _best_by_group(brute.viable),
        pruned.pairs_costed,
        brute.pairs_costed,
    )


LENIENT = StrategyParams(min_net_apr=Decimal("0.02"), max_break_even_hours=Decimal(200))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_pruned_search_finds_the_brute_force_best(specs: list[LegSpec]) -> None:
    for params in (StrategyParams(), LENIENT):
        pruned, brute, costed, possible = _both(specs, params)
        assert pruned.keys() == brute.keys()
        for group, net in brute.items():
            assert abs(pruned[group] - net) <= Decimal("1e-12"), group
        assert costed <= possible


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_with_loose_filters_most_pairs_are_viable_and_pruning_still_agrees(specs: list[LegSpec]) -> None:
    loose = StrategyParams(
        min_net_apr=Decimal(-100),
        min_expected_value_usd=Decimal(-(10**6)),
        max_break_even_hours=Decimal(10**6),
        max_quote_age_s=10**6,
        max_latency_ms=10**6,
    )
    pruned, brute, _, _ = _both([replace(s, volume_musd=100) for s in specs], loose)
    assert pruned.keys() == brute.keys()
    for group, net in brute.items():
        assert abs(pruned[group] - net) <= Decimal("1e-12")


def test_pruning_on_a_large_synthetic_market_matches_brute_force() -> None:
    market = build_market(NOW, n_venues=12, n_symbols=40, seed=11, history_points=4)
    pruned = scan_inputs(market.inputs)
    brute = scan_inputs(market.inputs, brute_force=True)
    by_key = lambda r: {(o.base, GROUPS[o.type]): o.net_apr for o in r.opportunities}  # noqa: E731
    assert by_key(pruned) == by_key(brute)
    assert pruned.stats.pairs_costed * 5 < brute.stats.pairs_costed  # and it costs far fewer pairs
