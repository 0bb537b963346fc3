"""ccxt.pro's own websocket parsing, offline: documented push messages -> what a watch returns.

`ccxt_answers` hands each message of a fixture (tests/fixtures/ws) to a real ccxt.pro client's
`handle_message`, as its socket reader would, and collects what the message put in the client's
cache, keyed by symbol: the shape `watch_funding_rates` / `watch_tickers` / `watch_mark_prices`
return with ccxt's default `newUpdates`. No socket is opened (ccxt only dials on a watch).

`ScriptedPro` stands in for the ccxt.pro client in the stream: each watch call takes the next
scripted answer (an exception is raised), and once the script is spent the call waits for ever,
like a quiet socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import ccxt.pro as ccxt_pro

from tests.venues.recorded import load_json


async def ccxt_answers(
    exchange_id: str, markets: list[dict[str, Any]], fixture: str, cache: str
) -> list[dict[str, Any]]:
    document = load_json(f"ws/{fixture}")
    pro = getattr(ccxt_pro, exchange_id)()
    try:
        pro.set_markets(markets)
        client = pro.client(document["url"])
        answers = []
        for message in document["messages"]:
            before = dict(getattr(pro, cache))
            pro.handle_message(client, message)
            after = getattr(pro, cache)
            answers.append({s: v for s, v in after.items() if before.get(s) is not v})
        return answers
    finally:
        await pro.close()


class ScriptedPro:
    def __init__(self, script: Sequence[object] | None = None) -> None:
        self.script: list[object] = list(script or [])
        self.calls: list[tuple[str, object]] = []
        self.markets: dict[str, Any] | None = None
        self.closed = 0
        self._more = asyncio.Event()

    def feed(self, *answers: object) -> None:
        self.script.extend(answers)
        self._more.set()

    def set_markets(self, markets: Any, currencies: Any = None) -> None:
        self.markets = dict(markets)

    async def _next(self, method: str, arg: object) -> Any:
        self.calls.append((method, arg))
        while not self.script:
            self._more.clear()
            await self._more.wait()
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def watch_funding_rates(self, symbols: list[str]) -> Any:
        return await self._next("watch_funding_rates", tuple(symbols))

    async def watch_tickers(self, symbols: list[str]) -> Any:
        return await self._next("watch_tickers", tuple(symbols))

    async def watch_mark_prices(self) -> Any:
        return await self._next("watch_mark_prices", None)

    async def watch_ticker(self, symbol: str) -> Any:
        answer = await self._next("watch_ticker", symbol)
        return answer[symbol] if isinstance(answer, dict) and symbol in answer else answer

    async def close(self) -> None:
        self.closed += 1
