"""The Unified Opportunity Score: return (0-40) + risk (0-30) + execution (0-20) + timing (0-10).

Seed 000 §3.2 and seed 001 §5.4, with each input the seeds leave open pinned down here and in
docs/strategy.md. Where an input is unknown (no history, no order book) the part takes the middle
of its range: unknown is neither good nor bad, and it is flagged on the opportunity.
"""

from __future__ import annotations

from typing import NamedTuple

from nexus_tui.core.models import HealthState, VenueHealth
from nexus_tui.strategy.models import UosParts
from nexus_tui.strategy.params import StrategyParams


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def return_score(
    expected_net_apr: float,
    benchmark_apr: float,
    persistence_hours: float,
    horizon_hours: float,
    confidence: float,
    win_rate: float | None,
) -> float:
    """base (0-20) + persistence (0-10) + history (0-10), capped at 40.

    base        = clamp(10 * expected_net_apr / benchmark_apr, 0, 20)
    persistence = 10 * (c * min(1, persistence_hours / horizon_hours) + (1 - c) * 0.5)
    history     = 10 * win_rate (0.5 when unknown)
    """
    base = _clamp(10.0 * expected_net_apr / benchmark_apr, 0.0, 20.0)
    lasting = min(1.0, persistence_hours / horizon_hours) if horizon_hours > 0 else 0.0
    c = _clamp(confidence, 0.0, 1.0)
    persistence = 10.0 * (c * lasting + (1.0 - c) * 0.5)
    history = 10.0 * (0.5 if win_rate is None else _clamp(win_rate, 0.0, 1.0))
    return min(40.0, base + persistence + history)


def risk_score(
    spread_hourly: float,
    spread_stdev_hourly: float | None,
    basis: float | None,
    stablecoin_mixed: bool,
    params_max_basis: float,
    stablecoin_basis_risk: float,
    leverage: float,
    daily_vol: float,
) -> float:
    """stability (0-10) + basis (0-10) + liquidation (0-10).

    stability   = 10 * (1 - min(1, stdev / |spread|))    5 when there is no history
    basis       = 10 * (1 - min(1, (|basis| + stablecoin) / max_basis))    |basis| = max_basis / 2 unknown
    liquidation = min(10, 2 * buffer), buffer = (1 / leverage) / daily_vol: the move, in daily
                  standard deviations, that liquidates a leg
    """
    if spread_stdev_hourly is None:
        stability = 5.0
    elif spread_hourly <= 0.0:
        stability = 0.0
    else:
        stability = 10.0 * (1.0 - min(1.0, spread_stdev_hourly / spread_hourly))
    gap = params_max_basis / 2.0 if basis is None else abs(basis)
    if stablecoin_mixed:
        gap += stablecoin_basis_risk
    basis_part = 10.0 * (1.0 - min(1.0, gap / params_max_basis)) if params_max_basis > 0 else 0.0
    buffer = (1.0 / leverage) / daily_vol if daily_vol > 0 else 5.0
    liquidation = min(10.0, 2.0 * buffer)
    return stability + basis_part + liquidation


def execution_score(
    depth_ratio: float | None, slippage: float | None, max_slippage: float, reliability: float
) -> float:
    """liquidity (0-10) + slippage (0-5) + reliability (0-5).

    liquidity   = min(10, 5 * depth / size) on the thinner leg     5 without a book
    slippage    = 5 * max(0, 1 - slippage / max_slippage), the worse leg's entry   2.5 without a book
    reliability = 5 * venue factor of the weaker leg (see venue_reliability)
    """
    liquidity = 5.0 if depth_ratio is None else min(10.0, 5.0 * depth_ratio)
    if slippage is None:
        slip = 2.5
    else:
        slip = 5.0 * max(0.0, 1.0 - slippage / max_slippage) if max_slippage > 0 else 0.0
    return liquidity + slip + 5.0 * _clamp(reliability, 0.0, 1.0)


def venue_reliability(health: VenueHealth | None, max_latency_ms: float, dex: bool, secondary: bool) -> float:
    """1.0 for a healthy, quick venue; 0.8 when slower than half the latency limit; 0.6 unknown.

    A DEX leg (block times, gas, contract risk) and a rate seen only on the secondary source
    each multiply by 0.8. A degraded or down venue scores 0 (and fails eligibility anyway).
    """
    if health is None or health.state is HealthState.UNKNOWN:
        factor = 0.6
    elif health.state is not HealthState.OK:
        factor = 0.0
    elif health.latency_ms is not None and health.latency_ms > max_latency_ms / 2:
        factor = 0.8
    else:
        factor = 1.0
    if dex:
        factor *= 0.8
    if secondary:
        factor *= 0.8
    return factor


def timing_score(
    wait_hours: float,
    spread_now_hourly: float,
    spread_expected_hourly: float,
    window_hours: float,
    min_lead_hours: float,
) -> float:
    """settlement (0-6) + trend (0-4).

    settlement = 6 when the next settlement that pays is between min_lead and window hours away
                 (seed 001 §6.2: enter 1-2 h before), 3 when it is too close to get both legs in,
                 and 6 * window / wait further out
    trend      = 4 * clamp(expected spread / spread now, 0, 1): stable or rising scores 4
    """
    if wait_hours < min_lead_hours:
        settlement = 3.0
    elif wait_hours <= window_hours:
        settlement = 6.0
    else:
        settlement = 6.0 * window_hours / wait_hours
    if spread_now_hourly <= 0.0:
        trend = 0.0
    else:
        trend = 4.0 * _clamp(spread_expected_hourly / spread_now_hourly, 0.0, 1.0)
    return settlement + trend


class ScoreInputs(NamedTuple):
    """Everything the four parts read, in floats (scores are floats; money was settled upstream)."""

    net_apr: float
    spread_now_hourly: float
    spread_expected_hourly: float
    confidence: float
    persistence_hours: float
    win_rate: float | None
    spread_stdev_hourly: float | None
    basis: float | None
    stablecoin_mixed: bool
    depth_ratio: float | None
    slippage: float | None
    reliability: float
    wait_hours: float
    horizon_hours: float


def uos(inputs: ScoreInputs, params: StrategyParams) -> UosParts:
    """The four parts. The return part uses the net APR at the expected (predicted) spread."""
    expected_net_apr = inputs.net_apr + (inputs.spread_expected_hourly - inputs.spread_now_hourly) * 8760.0
    max_slippage = float(params.max_slippage)
    # Positional, in UosParts' field order (return_, risk, execution, timing): one per opportunity.
    parts: UosParts = _tuple_new(
        UosParts,
        (
            return_score(
                expected_net_apr,
                params.benchmark_apr,
                inputs.persistence_hours,
                inputs.horizon_hours,
                inputs.confidence,
                inputs.win_rate,
            ),
            risk_score(
                inputs.spread_now_hourly,
                inputs.spread_stdev_hourly,
                inputs.basis,
                inputs.stablecoin_mixed,
                params.max_basis,
                params.stablecoin_basis_risk,
                params.leverage,
                params.price_daily_vol,
            ),
            execution_score(inputs.depth_ratio, inputs.slippage, max_slippage, inputs.reliability),
            timing_score(
                inputs.wait_hours,
                inputs.spread_now_hourly,
                inputs.spread_expected_hourly,
                params.optimal_entry_window_hours,
                params.min_entry_lead_hours,
            ),
        ),
    )
    return parts


_tuple_new = tuple.__new__
