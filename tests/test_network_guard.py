from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkAccessInTest


def test_outbound_connection_fails_loudly() -> None:
    with pytest.raises(NetworkAccessInTest):
        socket.create_connection(("203.0.113.1", 443), timeout=0.1)


def test_dns_lookup_fails_loudly() -> None:
    with pytest.raises(NetworkAccessInTest):
        socket.getaddrinfo("api.binance.com", 443)
