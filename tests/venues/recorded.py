"""Answer a ccxt client's HTTP requests from recordings: no socket is ever opened.

`RecordedHttp(exchange)` replaces the instance's `fetch` (the one method through which ccxt's
async clients send every REST request) with a function that finds the recording for the request
(by method, URL path and optionally query or JSON-body fields), then runs ccxt's own
`parse_json`, `handle_errors` and `handle_http_status_code` on it, exactly as the real `fetch`
does after the socket. A request nobody recorded is kept in `unrecorded` and answered with a
connection error, so a test that expects success fails loudly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ccxt

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Binance's fundingInfo is not recorded anywhere we could find; this listing is hand-made in the
# documented shape (ccxt's fetchFundingIntervals docstring) and names one capture symbol as 4-hourly.
BINANCE_FUNDING_INFO = [
    {
        "symbol": "UXLINKUSDT",
        "adjustedFundingRateCap": "0.02500000",
        "adjustedFundingRateFloor": "-0.02500000",
        "fundingIntervalHours": 4,
        "disclaimer": False,
    }
]


def load_json(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def load_text(relative: str) -> str:
    return (FIXTURES / relative).read_text(encoding="utf-8")


@dataclass
class Recording:
    method: str
    path: str  # suffix of the URL path, e.g. "/fapi/v1/premiumIndex"
    body: str  # the response body as the venue sent it
    status: int = 200
    when: Mapping[str, Any] = field(default_factory=dict)  # query or JSON-body fields that must match
    times: int | None = None  # answer this many times, then fall through (None = forever)


@dataclass
class SentRequest:
    method: str
    url: str
    body: str | None


class RecordedHttp:
    def __init__(self, exchange: Any) -> None:
        self.exchange = exchange
        self.recordings: list[Recording] = []
        self.sent: list[SentRequest] = []
        self.unrecorded: list[SentRequest] = []
        self.fail_next: list[BaseException] = []  # raised (in order) before any recording is looked up
        exchange.fetch = self._fetch

    def answer(
        self,
        method: str,
        path: str,
        body: str | object,
        *,
        status: int = 200,
        when: Mapping[str, Any] | None = None,
        times: int | None = None,
    ) -> RecordedHttp:
        text = body if isinstance(body, str) else json.dumps(body)
        self.recordings.append(Recording(method.upper(), path, text, status, dict(when or {}), times))
        return self

    def requests_to(self, path: str) -> list[SentRequest]:
        return [r for r in self.sent if urlsplit(r.url).path.endswith(path)]

    def _match(self, method: str, url: str, body: str | None) -> Recording | None:
        parts = urlsplit(url)
        fields: dict[str, Any] = dict(parse_qsl(parts.query))
        if body:
            try:
                decoded = json.loads(body)
            except ValueError:
                decoded = dict(parse_qsl(body))
            if isinstance(decoded, dict):
                fields.update(decoded)
        for recording in self.recordings:
            if recording.method != method or not parts.path.endswith(recording.path):
                continue
            if recording.times == 0:
                continue
            if all(str(fields.get(k)) == str(v) for k, v in recording.when.items()):
                if recording.times is not None:
                    recording.times -= 1
                return recording
        return None

    async def _fetch(
        self, url: str, method: str = "GET", headers: Any = None, body: str | None = None
    ) -> Any:
        request = SentRequest(method.upper(), url, body)
        self.sent.append(request)
        if self.fail_next:
            raise self.fail_next.pop(0)
        recording = self._match(request.method, url, body)
        if recording is None:
            self.unrecorded.append(request)
            raise ccxt.ExchangeNotAvailable(f"{self.exchange.id} {method} {url} (no recording)")
        exchange = self.exchange
        text = recording.body
        reason = "OK" if recording.status < 400 else "Error"
        parsed = exchange.parse_json(text)
        exchange.handle_errors(recording.status, reason, url, method, {}, text, parsed, {}, body)
        exchange.handle_http_status_code(recording.status, reason, url, method, text)
        return parsed if parsed is not None else text


def static_entry(exchange_id: str, method: str, description: str) -> dict[str, Any]:
    """One entry of ccxt's static response fixtures (tests/fixtures/ccxt/<exchange>.json)."""
    document = load_json(f"ccxt/{exchange_id}.json")
    for entry in document["methods"][method]:
        if entry["description"] == description:
            return dict(entry)
    raise KeyError(f"{exchange_id}.{method}: no entry {description!r}")


def answer_everything_with(exchange: Any, body: object) -> list[SentRequest]:
    """ccxt's own static tests answer every request of the call with the one recorded body."""
    sent: list[SentRequest] = []
    text = json.dumps(body)

    async def fetch(
        url: str, method: str = "GET", headers: Any = None, request_body: str | None = None
    ) -> Any:
        sent.append(SentRequest(method, url, request_body))
        parsed = exchange.parse_json(text)
        exchange.handle_errors(200, "OK", url, method, {}, text, parsed, {}, request_body)
        return parsed

    exchange.fetch = fetch
    return sent


def swap_market(
    symbol: str,
    market_id: str,
    *,
    contract_size: float = 1,
    info: Mapping[str, Any] | None = None,
    linear: bool = True,
    price_tick: float = 0.01,
    amount_step: float = 0.001,
    active: bool = True,
) -> dict[str, Any]:
    """A ccxt market structure holding only what ccxt's parsers and ours read."""
    pair, _, settle = symbol.partition(":")
    base, _, quote = pair.partition("/")
    return {
        "id": market_id,
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "settle": settle,
        "baseId": base,
        "quoteId": quote,
        "settleId": settle,
        "type": "swap",
        "spot": False,
        "margin": False,
        "swap": True,
        "future": False,
        "option": False,
        "contract": True,
        "linear": linear,
        "inverse": not linear,
        "subType": "linear" if linear else "inverse",
        "active": active,
        "contractSize": contract_size,
        "precision": {"price": price_tick, "amount": amount_step},
        "limits": {"amount": {"min": amount_step}, "leverage": {"max": 50}},
        "taker": 0.0005,
        "maker": 0.0002,
        "info": dict(info or {}),
    }


def spot_market(symbol: str, market_id: str) -> dict[str, Any]:
    base, _, quote = symbol.partition("/")
    return {
        "id": market_id,
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "settle": None,
        "baseId": base,
        "quoteId": quote,
        "type": "spot",
        "spot": True,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "active": True,
        "precision": {"price": 0.01, "amount": 0.0001},
        "limits": {"amount": {"min": 0.0001}},
        "info": {},
    }


def preload_markets(exchange: Any, markets: list[dict[str, Any]]) -> None:
    """Install markets so `load_markets()` answers from memory (ccxt skips the request when set)."""
    exchange.set_markets(markets)
