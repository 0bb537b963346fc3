"""OpportunityService.explain_asset: the trader's "why not?" for one asset, however it is typed."""

from __future__ import annotations

from nexus_tui.core.clock import ManualClock
from nexus_tui.engine import Engine
from nexus_tui.strategy.service import OpportunityService, asset_of
from tests.strategy.helpers import NOW, StubVenue, funding


def _service(bybit_rate: str) -> OpportunityService:
    engine = Engine(clock=ManualClock(NOW), venues=[StubVenue("binanceusdm"), StubVenue("bybit")])  # type: ignore[list-item]
    engine.funding_book.ingest(
        [funding("binanceusdm", "0.0001", age_s=0), funding("bybit", bybit_rate, age_s=0)]
    )
    return OpportunityService(engine)


def test_asset_of_reads_what_a_trader_types() -> None:
    assert asset_of(" btc ") == "BTC"
    assert asset_of("BTC/USDT:USDT") == "BTC"
    assert asset_of("eth/usdc:usdc") == "ETH"


async def test_a_listed_asset_names_its_trades_and_nothing_rejected_it_lists() -> None:
    service = _service("0.0009")
    [opp] = (await service.scan_once()).opportunities
    for typed in ("btc", "BTC", "BTC/USDT:USDT"):
        answer = service.explain_asset(typed)
        assert answer.asset == "BTC" and answer.known
        assert answer.venues == ("binanceusdm", "bybit")
        assert answer.listed == (opp,)
        assert answer.rejected == (), "the widest pair is the listed one"


async def test_an_asset_with_no_trade_says_why_and_an_unknown_one_is_not_known() -> None:
    service = _service("0.000105")  # the two rates nearly agree: nothing to earn
    assert (await service.scan_once()).opportunities == ()
    answer = await service.explain_asset_async("btc")
    assert answer.known and answer.listed == ()
    [rejected] = answer.rejected
    assert {rejected.long.venue, rejected.short.venue} == {"binanceusdm", "bybit"}
    assert rejected.reasons and any("funding delta" in reason for reason in rejected.reasons)
    assert rejected.reasons == service.explain("BTC")[0].reasons
    unknown = service.explain_asset("DOGE")
    assert not unknown.known and unknown.rejected == () and unknown.listed == ()
