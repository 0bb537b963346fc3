"""The embedded simulated market: the default data source and counterparty (DESIGN.md §5).

Eight venues with their real namesakes' profiles (8 h Binance, Bybit, OKX, Gate, Bitget; KuCoin
on its 04/12/20 UTC grid; hourly Hyperliquid and dYdX on USDC), up to 343 real coins, funding
calibrated on real history, order books, a queue-position matching engine, funding settlement,
margin and liquidation, latency and switchable faults. Seeded and deterministic; it runs on
whatever clock it is given, so an accelerated clock makes it run faster.

    market = build_sim_market(seed=7, clock=ManualClock())
    venue = market.venue("sim:binance")        # a venues.port.Venue
    market.set_fault("sim:okx", "disconnect")   # rehearse a bad day
"""

from __future__ import annotations

from decimal import Decimal

from nexus_tui.core.clock import Clock
from nexus_tui.venues.sim.events import SimEvent
from nexus_tui.venues.sim.faults import FAULTS
from nexus_tui.venues.sim.market import DEFAULT_BALANCE, SimMarket
from nexus_tui.venues.sim.venue import SimVenue

__all__ = ["FAULTS", "SimEvent", "SimMarket", "SimVenue", "build_sim_market"]


def build_sim_market(
    seed: int = 7,
    clock: Clock | None = None,
    n_symbols: int = 240,
    *,
    latency_scale: float = 1.0,
    history_hours: int = 0,
    initial_balance: Decimal = DEFAULT_BALANCE,
    fee_tier: int = 0,
) -> SimMarket:
    """A simulated market on `clock` (the system clock if None), starting now.

    `latency_scale` multiplies every venue's latency (0 = instant, for tests), `history_hours` of
    funding are simulated before the start so history and charts have something to show,
    `initial_balance` is each venue's starting cash in its margin currency, `fee_tier` picks the
    fee tier index on every venue (0 = entry tier).
    """
    return SimMarket(
        seed,
        clock,
        n_symbols,
        latency_scale=latency_scale,
        history_hours=history_hours,
        initial_balance=initial_balance,
        fee_tier=fee_tier,
    )
