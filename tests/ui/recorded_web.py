"""aiohttp's ClientSession answered from recordings, by host: no socket is ever opened.

ccxt's async clients and ArbitrageScannerClient both open their HTTP session lazily with
`aiohttp.ClientSession(...)`. `RecordedWeb.install(monkeypatch)` puts a stand-in for that class
on the aiohttp module, so every session the desk opens answers from the recordings here, and
everything above the socket runs as it does in production: ccxt's `fetch` (its exception
mapping, `parse_json`, `handle_errors`, `handle_http_status_code`), its parsers, the scanner
client's status and JSON checks.

Two deliberate behaviours, both said where a test relies on them:

- `go_down(host)`: every request to the host fails as a refused connection does
  (aiohttp.ClientConnectionError), which ccxt turns into ExchangeNotAvailable and the scanner
  client into VenueUnavailable: the transport error a venue outage produces.
- A request no recording answers raises `NoRecording`, a ccxt NotSupported, which CcxtVenue
  reports as NotSupportedByVenue and its guard counts neither as an answer nor as a failure.
  The desk's other services (order books, tickers, the latency probe, settled history) ask for
  things nobody recorded; refused as network errors they would open a healthy venue's circuit,
  taken as answers they would hide a failing one, and either would say nothing about the venue.
  Every such request is kept in `unrecorded`, so a test can check that none of them was on the
  path it asserts about.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import ccxt
import pytest

Body = str | object | Callable[[], object]  # text, JSON-able value, or made at request time


class NoRecording(ccxt.NotSupported):
    """No recording answers this request (see the module docstring)."""


@dataclass
class WebRecording:
    host: str
    method: str
    path: str  # a suffix of the URL path, e.g. "/fapi/v1/premiumIndex"
    body: Body
    status: int = 200
    when: Mapping[str, Any] = field(default_factory=dict)  # query or JSON-body fields that must match

    def text(self) -> str:
        body = self.body() if callable(self.body) else self.body
        return body if isinstance(body, str) else json.dumps(body)


@dataclass(frozen=True)
class WebRequest:
    host: str
    method: str
    path: str
    fields: Mapping[str, Any]


class RecordedWeb:
    """The recordings of every host the desk talks to, and what was asked of them."""

    def __init__(self) -> None:
        self.recordings: list[WebRecording] = []
        self.sent: list[WebRequest] = []
        self.unrecorded: list[WebRequest] = []
        self.down: set[str] = set()
        self.sessions_opened = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        web = self

        def session(*args: Any, **kwargs: Any) -> RecordedSession:
            web.sessions_opened += 1
            return RecordedSession(web)

        monkeypatch.setattr(aiohttp, "ClientSession", session)

    def answer(
        self,
        host: str,
        method: str,
        path: str,
        body: Body,
        *,
        status: int = 200,
        when: Mapping[str, Any] | None = None,
    ) -> None:
        """Answer requests to `host` `path` with `body`; a later answer for the same request wins
        (the venue's next response)."""
        self.recordings.insert(0, WebRecording(host, method.upper(), path, body, status, dict(when or {})))

    def go_down(self, host: str) -> None:
        self.down.add(host)

    def requests_to(self, host: str, path: str = "") -> list[WebRequest]:
        return [r for r in self.sent if r.host == host and r.path.endswith(path)]

    def respond(self, method: str, url: str, data: object) -> RecordedResponse:
        parts = urlsplit(url)
        host = parts.hostname or ""
        fields: dict[str, Any] = dict(parse_qsl(parts.query))
        if isinstance(data, bytes | str) and data:
            try:
                decoded = json.loads(data)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                fields.update(decoded)
        request = WebRequest(host, method.upper(), parts.path, fields)
        self.sent.append(request)
        if host in self.down:
            raise aiohttp.ClientConnectionError(
                f"Cannot connect to host {host}:443 ssl:default [Connection refused]"
            )
        for recording in self.recordings:
            if (
                recording.host == host
                and recording.method == request.method
                and parts.path.endswith(recording.path)
                and all(str(fields.get(k)) == str(v) for k, v in recording.when.items())
            ):
                return RecordedResponse(recording.status, recording.text())
        self.unrecorded.append(request)
        raise NoRecording(f"no recording for {method.upper()} {host}{parts.path}")


class RecordedResponse:
    """What ccxt's fetch and the scanner client read from an aiohttp response."""

    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.reason = "OK" if status < 400 else "Error"
        self._body = text.encode()
        self.headers = {"Content-Type": "application/json"}
        self.content_length = len(self._body)

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        return self._body.decode(encoding or "utf-8", errors)

    async def read(self) -> bytes:
        return self._body


class _Exchange:
    """One request: `async with session.get(url) as response` (the error surfaces on entry)."""

    def __init__(self, web: RecordedWeb, method: str, url: object, data: object) -> None:
        self._web, self._method, self._url, self._data = web, method, str(url), data

    async def __aenter__(self) -> RecordedResponse:
        return self._web.respond(self._method, self._url, self._data)

    async def __aexit__(self, *exc: object) -> None:
        return None


class RecordedSession:
    """Stands in for aiohttp.ClientSession (whatever it was constructed with)."""

    def __init__(self, web: RecordedWeb) -> None:
        self._web = web
        self.closed = False
        self.headers: dict[str, str] = {}  # the session's default headers (ccxt merges them in)

    def request(self, method: str, url: object, *, data: object = None, **kwargs: Any) -> _Exchange:
        return _Exchange(self._web, method, url, data)

    def get(self, url: object, **kwargs: Any) -> _Exchange:
        return self.request("GET", url, **kwargs)

    def post(self, url: object, **kwargs: Any) -> _Exchange:
        return self.request("POST", url, **kwargs)

    def put(self, url: object, **kwargs: Any) -> _Exchange:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: object, **kwargs: Any) -> _Exchange:
        return self.request("DELETE", url, **kwargs)

    async def close(self) -> None:
        self.closed = True
