"""Shared set-up for the simulated market's tests: a small market on a manual clock, no latency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.venues.sim import SimMarket, build_sim_market

START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def market(clock: ManualClock) -> SimMarket:
    return build_sim_market(seed=7, clock=clock, n_symbols=30, latency_scale=0)
