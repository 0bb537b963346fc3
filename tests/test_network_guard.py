from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkAccessInTest


def test_outbound_connection_fails_loudly() -> None:
    with pytest.raises(NetworkAccessInTest):
        socket.create_connection(("203.0.113.1", 443), timeout=0.1)


@pytest.mark.parametrize("call", ["connect", "connect_ex"])
def test_a_raw_socket_cannot_reach_an_internet_address(call: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkAccessInTest):
        getattr(sock, call)(("203.0.113.1", 443))


def test_dns_lookup_fails_loudly() -> None:
    with pytest.raises(NetworkAccessInTest):
        socket.getaddrinfo("api.binance.com", 443)


def _refused_by_the_guard(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, NetworkAccessInTest) or "NetworkAccessInTest" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def test_an_http_client_cannot_reach_a_live_exchange() -> None:
    """The clients the venues use (aiohttp, through ccxt) resolve names with socket.getaddrinfo,
    which the guard refuses: a test that forgot its recorded answer fails instead of asking."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        with pytest.raises(Exception) as caught:
            await session.get("https://fapi.binance.com/fapi/v1/premiumIndex")
    assert _refused_by_the_guard(caught.value), repr(caught.value)


async def test_a_ccxt_client_cannot_reach_a_live_exchange() -> None:
    import ccxt.async_support as ccxt_async

    exchange = ccxt_async.binanceusdm()
    try:
        with pytest.raises(Exception) as caught:
            await exchange.fetch_time()
    finally:
        await exchange.close()
    assert _refused_by_the_guard(caught.value), repr(caught.value)
