"""The funding stream reports to its venue's guard on the stream's own path: failures count
toward DEGRADED without spending REST rate tokens, rows delivered again restore the venue, and
the health says the websocket is what failed."""

from __future__ import annotations

import ccxt
import pytest

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import VenueUnavailable
from nexus_tui.core.models import HealthState
from nexus_tui.venues.ccxt_stream import CcxtFundingStream
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import VenueGuard
from nexus_tui.venues.parsing import ParseReport
from nexus_tui.venues.rate_budget import RateBudget
from tests.venues.recorded import preload_markets, swap_market
from tests.venues.test_ccxt_stream import NOW, _okx_answer
from tests.venues.ws_replay import ScriptedPro


def okx_with_budget() -> tuple[CcxtVenue, RateBudget]:
    clock = ManualClock(NOW)
    budget = RateBudget(clock, rate_per_s=1, burst=10, order_reserve=0)
    venue = CcxtVenue("okx", clock, guard=VenueGuard("okx", clock, failure_threshold=5, budget=budget))
    venue.exchange.enableRateLimit = False
    preload_markets(venue.exchange, [swap_market("BTC/USDT:USDT", "BTC-USDT-SWAP")])
    venue.last_funding_report = ParseReport("okx")  # as after its first REST poll
    return venue, budget


async def test_stream_failures_degrade_the_venue_and_rows_delivered_again_restore_it() -> None:
    venue, budget = okx_with_budget()
    dropped = ccxt.NetworkError("okx ws connection closed by remote server, code 1006")
    pro = ScriptedPro([dropped] * 5)
    stream = CcxtFundingStream(venue, pro=pro)
    await stream.open()
    spent = budget.granted["data"]  # what preparing the stream asked of REST
    for attempt in range(5):
        if attempt:
            await stream.open()
        with pytest.raises(VenueUnavailable, match="connection closed"):
            await stream.next_rows()
    health = venue.health()
    assert health.state is HealthState.DEGRADED and health.consecutive_failures == 5
    assert health.message.startswith("circuit open: websocket watch_funding: ")
    assert health.details["failed_via"] == "websocket"
    assert budget.granted["data"] == spent  # reporting the failures spent no REST token
    pro.feed(await _okx_answer())
    await stream.open()
    (row,) = await stream.next_rows()
    assert row.symbol == "BTC/USDT:USDT"
    health = venue.health()
    assert health.state is HealthState.OK and health.consecutive_failures == 0
    assert venue.guard.restored_count == 1 and health.details["last_ok_via"] == "websocket"
    await stream.close()
