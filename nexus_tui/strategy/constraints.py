"""Hard constraints, eligibility rules and the filter pipeline, each failure a reason in words.

Hard constraints (seed 002 §3): book depth at least 2x the size on both legs, venue latency and
data freshness within limits, funding delta above the threshold. Any failure scores 0.
Eligibility (seed 000 §5.1): 24 h volume and open interest minimums, venue health.
Filter pipeline (seed 004), stopping at the first failure: blacklist -> spread limit -> minimum
APY -> liquidity -> expected value -> break-even.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from nexus_tui.core.models import HealthState, Ticker, VenueHealth
from nexus_tui.strategy.costs import MarketCosts
from nexus_tui.strategy.params import StrategyParams


def pct(x: Decimal | float, places: int = 2) -> str:
    return f"{float(x) * 100:.{places}f} %"


def usd(x: Decimal | float) -> str:
    value = float(x)
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f}M"
    if abs(value) >= 10_000:
        return f"${value / 1000:,.0f}k"
    return f"${value:,.2f}"


# -- hard constraints ---------------------------------------------------------------------


def leg_hard_failures(
    venue: str,
    symbol: str,
    observed_at: datetime,
    flags: frozenset[str],
    health: VenueHealth | None,
    now: datetime,
    params: StrategyParams,
) -> list[str]:
    """Freshness and latency: true of a market whatever it is paired with."""
    failures: list[str] = []
    age = (now - observed_at).total_seconds()
    if age > params.max_quote_age_s:
        failures.append(
            f"stale: {venue} {symbol} funding is {age:.0f} s old (limit {params.max_quote_age_s:.0f} s)"
        )
    elif "stale" in flags:
        failures.append(f"stale: the funding book flags {venue} {symbol} as stale")
    if health is not None and health.latency_ms is not None and health.latency_ms > params.max_latency_ms:
        failures.append(f"latency: {venue} {health.latency_ms:.0f} ms (limit {params.max_latency_ms:.0f} ms)")
    return failures


def depth_failures(venue: str, costs: MarketCosts, params: StrategyParams) -> list[str]:
    """Book depth >= min_depth_multiple x size on both sides. Unknown without a book: not failed."""
    if not costs.has_book or costs.depth_usd is None:
        return []
    need = params.min_depth_multiple * params.size_usd
    if costs.depth_usd < need:
        return [
            f"depth: {venue} book holds {usd(costs.depth_usd)} on its thinner side, "
            f"needs {usd(need)} ({params.min_depth_multiple}x size)"
        ]
    return []


def pct_apart(x: Decimal, limit: Decimal, places: int = 4) -> tuple[str, str]:
    """Both as percentages, with enough places (up to 8) to show the limit exactly and to tell
    unequal values apart: "0.0013 %/h at or below 0.0013 %/h" explains nothing."""
    exponent = (limit * 100).normalize().as_tuple().exponent
    if isinstance(exponent, int):
        places = max(places, min(8, -exponent))
    while places < 8 and x != limit and pct(x, places) == pct(limit, places):
        places += 1
    return pct(x, places), pct(limit, places)


def funding_delta_failure(delta_hourly: Decimal, params: StrategyParams) -> str | None:
    threshold = params.min_funding_delta_hourly
    if delta_hourly <= threshold:
        delta_text, threshold_text = pct_apart(delta_hourly, threshold)
        return f"funding delta {delta_text}/h at or below {threshold_text}/h"
    return None


# -- eligibility -------------------------------------------------------------------------


def venue_failures(venue: str, health: VenueHealth | None) -> list[str]:
    if health is not None and health.state in (HealthState.DOWN, HealthState.DEGRADED):
        detail = f" ({health.message})" if health.message else ""
        return [f"venue {health.state.value}: {venue}{detail}"]
    return []


def liquidity_eligibility_failures(
    venue: str, symbol: str, ticker: Ticker | None, perp: bool, params: StrategyParams
) -> list[str]:
    """24 h volume and (perps) open interest minimums. Unknown values are flagged, not failed."""
    if ticker is None:
        return []
    failures: list[str] = []
    if ticker.volume_24h_usd is not None and ticker.volume_24h_usd < params.min_volume_24h_usd:
        failures.append(
            f"volume: {venue} {symbol} 24 h volume {usd(ticker.volume_24h_usd)} "
            f"below {usd(params.min_volume_24h_usd)}"
        )
    if (
        perp
        and ticker.open_interest_usd is not None
        and ticker.open_interest_usd < params.min_open_interest_usd
    ):
        failures.append(
            f"open interest: {venue} {symbol} {usd(ticker.open_interest_usd)} "
            f"below {usd(params.min_open_interest_usd)}"
        )
    return failures


def blacklist_failure(venue: str, symbol: str, base: str, params: StrategyParams) -> str | None:
    if venue in params.venue_blacklist:
        return f"blacklisted venue: {venue}"
    if base in params.blacklist or symbol in params.blacklist:
        return f"blacklisted: {base if base in params.blacklist else symbol}"
    return None


# -- filter pipeline ---------------------------------------------------------------------


def spread_failure(venue: str, costs: MarketCosts, params: StrategyParams) -> str | None:
    if costs.spread is not None and costs.spread > params.max_spread:
        return f"spread: {venue} bid-ask {pct(costs.spread)} above {pct(params.max_spread)}"
    return None


def entry_gap_failure(
    long_venue: str,
    long_price: Decimal | None,
    short_venue: str,
    short_price: Decimal | None,
    params: StrategyParams,
) -> str | None:
    """The two legs' prices should agree: a wide gap is a different contract, a stale mark, or basis
    the funding will not pay for. Unknown prices are not a failure."""
    if not long_price or not short_price:
        return None
    gap = abs(short_price - long_price) / ((short_price + long_price) / 2)
    if gap > params.max_spread:
        return (
            f"spread: entry prices differ by {pct(gap)} between {long_venue} and {short_venue}, "
            f"above {pct(params.max_spread)}"
        )
    return None


def liquidity_failure(
    venue: str, costs: MarketCosts, entry_slippage: Decimal | None, params: StrategyParams
) -> str | None:
    if costs.depth_usd is not None:
        need = params.min_liquidity_multiple * params.size_usd
        if costs.depth_usd < need:
            return (
                f"liquidity: {venue} book holds {usd(costs.depth_usd)}, "
                f"below {params.min_liquidity_multiple}x size ({usd(need)})"
            )
    if entry_slippage is not None and entry_slippage > params.max_slippage:
        return (
            f"liquidity: {venue} entry slippage {pct(entry_slippage, 3)} above {pct(params.max_slippage, 3)}"
        )
    return None


def min_apr_failure(net_apr: Decimal, params: StrategyParams) -> str | None:
    if net_apr < params.min_net_apr:
        return f"net APR {pct(net_apr, 1)} below {pct(params.min_net_apr, 1)}"
    return None


def expected_value_failure(ev_usd: Decimal, hold_hours: Decimal, params: StrategyParams) -> str | None:
    if ev_usd < params.min_expected_value_usd:
        return (
            f"expected value {usd(ev_usd)} over {float(hold_hours):g} h "
            f"below {usd(params.min_expected_value_usd)}"
        )
    return None


def break_even_failure(break_even: float | None, params: StrategyParams) -> str | None:
    if break_even is None:
        return f"never breaks even within {float(params.max_hold_hours):g} h"
    if break_even > params.max_break_even_hours:
        return f"break-even {break_even:.1f} h above {float(params.max_break_even_hours):g} h"
    return None
