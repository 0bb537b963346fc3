"""Suite-wide guards: no network, no user home, deterministic environment."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


class NetworkAccessInTest(RuntimeError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkAccessInTest(f"a test tried to reach the network: {args!r}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any outbound connection fails loudly. Loopback sockets (asyncio's self-pipe) stay allowed."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_socket_call(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_socket_call(socket.socket.connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo(socket.getaddrinfo))
    monkeypatch.setattr(socket, "create_connection", _guarded_create_connection(socket.create_connection))


def _guarded_socket_call(real):  # type: ignore[no-untyped-def]
    """socket.connect or connect_ex, refusing any internet address but loopback."""

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1", "localhost"):
                _refuse(address)
        return real(self, address)

    return guarded


def _guarded_getaddrinfo(real):  # type: ignore[no-untyped-def]
    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in (None, "127.0.0.1", "::1", "localhost"):
            _refuse(host)
        return real(host, *args, **kwargs)

    return guarded


def _guarded_create_connection(real):  # type: ignore[no-untyped-def]
    def guarded(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            _refuse(address)
        return real(address, *args, **kwargs)

    return guarded


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real config: NEXUS_HOME and HOME point into tmp."""
    home = tmp_path / "nexus-home"
    monkeypatch.setenv("NEXUS_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    return home


@pytest.fixture
def nexus_home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture(autouse=True)
def _fast_vault_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vaults written by tests use Argon2id's cheapest cost (the product's takes ~0.3 s per unlock);
    the cost is stored in each file, so opening works the same."""
    from nexus_tui.config import kdf

    monkeypatch.setattr(kdf, "DEFAULT_KDF", kdf.TEST_KDF)
