"""A call ccxt refuses itself (NotSupported, nothing sent) is not news from the venue: it must
neither reset a failing venue's count nor pass for proof of life."""

from __future__ import annotations

import ccxt
import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import NotSupportedByVenue, VenueUnavailable
from nexus_tui.core.models import HealthState
from nexus_tui.venues.health import CircuitState
from tests.venues.ccxt_helpers import DYDX_CAPTURE_AT, dydx_venue


async def test_a_down_venue_opens_its_circuit_though_ccxt_keeps_refusing_a_call_in_between() -> None:
    clock = ManualClock(DYDX_CAPTURE_AT)
    venue, http = dydx_venue(clock)
    await venue.fetch_funding_rates()
    heard_at = venue.health().last_ok
    assert heard_at == clock.now()
    assert venue.guard.failure_threshold == 5

    sent = len(http.sent)
    for attempt in range(5):
        clock.advance(5)
        http.fail_next.append(ccxt.ExchangeNotAvailable(f"dydx GET /v4/perpetualMarkets ({attempt})"))
        with pytest.raises(VenueUnavailable):
            await venue.fetch_funding_rates()
        if attempt < 4:
            # ccxt has no fetchTickers for dydx: it says so without sending anything
            with pytest.raises(NotSupportedByVenue, match="fetch_tickers is not supported"):
                await venue.fetch_tickers()
    assert len(http.sent) == sent + 5, "only the funding requests left"

    health = venue.health()
    assert venue.guard.circuit is CircuitState.OPEN
    assert health.state is HealthState.DEGRADED and health.consecutive_failures == 5
    assert health.last_ok == heard_at, "a refusal by ccxt is not news from the venue"
    await venue.close()


async def test_a_refused_call_is_not_the_half_open_probe_that_restores_a_venue() -> None:
    clock = ManualClock(DYDX_CAPTURE_AT)
    venue, http = dydx_venue(clock)
    await venue.load_markets()
    http.fail_next.extend(ccxt.ExchangeNotAvailable("dydx down") for _ in range(5))
    for _ in range(5):
        with pytest.raises(VenueUnavailable):
            await venue.fetch_funding_rates()
    assert venue.guard.circuit is CircuitState.OPEN
    clock.advance(venue.guard.retry_in_s())

    with pytest.raises(NotSupportedByVenue):
        await venue.fetch_tickers()
    assert venue.guard.circuit is not CircuitState.CLOSED and venue.guard.restored_count == 0
    rows = await venue.fetch_funding_rates()  # the venue itself answers the probe: restored
    assert len(rows) == 3
    assert venue.guard.circuit is CircuitState.CLOSED and venue.guard.restored_count == 1
    await venue.close()
