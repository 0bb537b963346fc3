"""Bench: one venue's full funding refresh from a recorded answer, ccxt's parse measured beside it.

The answer is Binance's real premiumIndex capture (379 symbols, 2024-11-27) grown to 600
perpetuals: its 373 USDT/USDC perpetual rows plus 227 copies of them under renamed symbols
(BTCUSDT -> BTC2USDT, ...); the 6 dated or BTC-quoted rows are left out. Markets are derived
from those ids. HTTP is answered from memory (no socket, JSON already decoded), the interval
listing answers "all standard" once, ccxt's request spacing and our rate budget are off (a bench
measures work, not waiting).

Each sample times, back to back on the same answer (in alternating order):
- ccxt alone: `fetch_funding_rates()` of a plain ccxt binanceusdm client answered from the same
  memory (its request building and its parse; the parse is nearly all of it);
- the refresh: `CcxtVenue.fetch_funding_rates()` (guard, ccxt's parse, our strict normalization
  and interval resolution) then `FundingBook.ingest` (screening, reconciliation, publishing).
Our part is the refresh minus ccxt alone, reported as a share of ccxt's own parse time.
Each side's CPU time (this thread's) is recorded beside its wall time: on a shared machine the
wall clock also counts time the scheduler gave to other processes.

Every sample replays the same answer, so every pair's rate is the one the book charted on the
previous sample: FundingBook takes its unchanged-rate path for all 600 rows (keeping the chart
point and jump verdict). Live, only pairs whose rate did not move since the last refresh take
it (many do between settlements); a pair whose rate moved costs a history write and a band
check more (about 0.2 µs a row). The normalization parses and builds every row afresh; only
its cache of rate strings hits more often on a replay than live.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import ccxt.async_support as ccxt_async

from nexus_tui.bench.registry import BenchResult, bench, summarize
from nexus_tui.core.clock import ManualClock
from nexus_tui.market.funding_book import FundingBook
from nexus_tui.venues.ccxt_venue import CcxtVenue
from nexus_tui.venues.health import VenueGuard

SYMBOLS = 600
SAMPLES = 80
WARMUP = 3
CAPTURED_AT = datetime(2024, 11, 27, 13, 54, 20, tzinfo=UTC)
_QUOTES = ("USDT", "USDC")


def _split(market_id: str) -> tuple[str, str] | None:
    if "_" in market_id:
        return None
    for quote in _QUOTES:
        if market_id.endswith(quote) and len(market_id) > len(quote):
            return market_id[: -len(quote)], quote
    return None


def premium_index_600() -> list[dict[str, Any]]:
    """The capture's perpetual rows, then renamed copies of them until there are SYMBOLS rows."""
    text = resources.files("nexus_tui.bench").joinpath("data/binance_premiumIndex_2024-11-27.json")
    capture = json.loads(text.read_text(encoding="utf-8"))
    perpetuals = [row for row in capture if _split(row["symbol"]) is not None]
    rows = list(perpetuals)
    copy_no = 2
    while len(rows) < SYMBOLS:
        for row in perpetuals[: SYMBOLS - len(rows)]:
            base, quote = _split(row["symbol"]) or ("", "")
            rows.append({**row, "symbol": f"{base}{copy_no}{quote}"})
        copy_no += 1
    return rows


def _markets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    markets = []
    for row in rows:
        base, quote = _split(row["symbol"]) or ("", "")
        markets.append(
            {
                "id": row["symbol"],
                "symbol": f"{base}/{quote}:{quote}",
                "base": base,
                "quote": quote,
                "settle": quote,
                "baseId": base,
                "quoteId": quote,
                "settleId": quote,
                "type": "swap",
                "spot": False,
                "swap": True,
                "future": False,
                "option": False,
                "contract": True,
                "linear": True,
                "inverse": False,
                "active": True,
                "contractSize": 1,
                "precision": {"price": 0.0001, "amount": 0.001},
                "limits": {"amount": {"min": 0.001}, "leverage": {"max": 20}},
                "info": {},
            }
        )
    return markets


def _answering(exchange: Any, answers: dict[str, Any]) -> None:
    async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        for path, answer in answers.items():
            if path in url:
                return answer
        raise RuntimeError(f"bench: no recorded answer for {url}")

    exchange.fetch = fetch


@cache
def _measure() -> tuple[list[float], list[float], list[float], int, list[float], list[float]]:
    """(refresh ms, ccxt-alone ms, of which FundingBook.ingest ms, rows, refresh CPU ms,
    ccxt-alone CPU ms) per sample, side by side."""
    answer = premium_index_600()
    markets = _markets(answer)
    clock = ManualClock(CAPTURED_AT)

    plain = ccxt_async.binanceusdm({"enableRateLimit": False})
    plain.set_markets(markets)
    _answering(plain, {"/fapi/v1/premiumIndex": answer})

    venue = CcxtVenue("binanceusdm", clock, guard=VenueGuard("binanceusdm", clock))
    venue.exchange.enableRateLimit = False
    venue.exchange.set_markets(markets)
    _answering(venue.exchange, {"/fapi/v1/premiumIndex": answer, "/fapi/v1/fundingInfo": []})
    book = FundingBook(clock)

    ingest_ms: list[float] = []

    async def refresh() -> int:
        rows = await venue.fetch_funding_rates()
        t = time.perf_counter()
        book.ingest(rows)
        ingest_ms.append((time.perf_counter() - t) * 1000)
        return len(rows)

    loop = asyncio.new_event_loop()
    try:
        refresh_ms: list[float] = []
        parse_ms: list[float] = []
        refresh_cpu_ms: list[float] = []
        parse_cpu_ms: list[float] = []
        rows = 0
        for i in range(WARMUP + SAMPLES):
            gc.collect()
            gc.disable()  # as registry.timed: a collection landing in one sample is noise
            if i % 2:
                c0, t0 = time.thread_time(), time.perf_counter()
                loop.run_until_complete(plain.fetch_funding_rates())
                c1, t1 = time.thread_time(), time.perf_counter()
                rows = loop.run_until_complete(refresh())
                c2, t2 = time.thread_time(), time.perf_counter()
                ccxt_s, ours_s, ccxt_cpu, ours_cpu = t1 - t0, t2 - t1, c1 - c0, c2 - c1
            else:
                c0, t0 = time.thread_time(), time.perf_counter()
                rows = loop.run_until_complete(refresh())
                c1, t1 = time.thread_time(), time.perf_counter()
                loop.run_until_complete(plain.fetch_funding_rates())
                c2, t2 = time.thread_time(), time.perf_counter()
                ccxt_s, ours_s, ccxt_cpu, ours_cpu = t2 - t1, t1 - t0, c2 - c1, c1 - c0
            gc.enable()
            if i >= WARMUP:
                parse_ms.append(ccxt_s * 1000)
                refresh_ms.append(ours_s * 1000)
                parse_cpu_ms.append(ccxt_cpu * 1000)
                refresh_cpu_ms.append(ours_cpu * 1000)
        loop.run_until_complete(venue.close())
        loop.run_until_complete(plain.close())
    finally:
        loop.close()
    if rows != SYMBOLS:
        raise RuntimeError(f"bench: the refresh kept {rows} rows, expected {SYMBOLS}")
    return refresh_ms, parse_ms, ingest_ms[WARMUP:], rows, refresh_cpu_ms, parse_cpu_ms


@bench(
    "ccxt_refresh.binanceusdm_600",
    goal_ms=15.0,
    description=(
        "one venue's full funding refresh, 600 perpetuals (Binance's real 379-symbol premiumIndex "
        "capture, perpetual rows plus renamed copies): ccxt parse + our normalization + FundingBook ingest"
    ),
)
def refresh_600() -> BenchResult:
    refresh_ms, parse_ms, ingest_ms, rows, refresh_cpu_ms, parse_cpu_ms = _measure()
    result = summarize(refresh_ms, 15.0)
    ccxt_median = statistics.median(parse_ms)
    ingest_median = statistics.median(ingest_ms)
    result.extra.update(
        {
            "rows": rows,
            "cpu_median_ms": round(statistics.median(refresh_cpu_ms), 3),
            "ccxt_alone_cpu_median_ms": round(statistics.median(parse_cpu_ms), 3),
            "ccxt_alone_median_ms": round(ccxt_median, 3),
            "ccxt_alone_us_per_row": round(ccxt_median * 1000 / rows, 2),
            "ours_median_ms": round(result.median_ms - ccxt_median, 3),
            "of_which_ingest_median_ms": round(ingest_median, 3),
        }
    )
    return result


@bench(
    "ccxt_refresh.our_share_of_ccxt_parse",
    goal_ms=50.0,
    unit="%",
    description=(
        "what our part of that refresh (guard, normalization, interval resolution, ingest) adds on "
        "top of ccxt's own parse of the same answer, measured in the same run, per sample"
    ),
)
def our_share() -> BenchResult:
    refresh_ms, parse_ms, ingest_ms, _, refresh_cpu_ms, parse_cpu_ms = _measure()
    samples = list(zip(refresh_ms, parse_ms, ingest_ms, strict=True))
    shares = [(total - ccxt) / ccxt * 100 for total, ccxt, _ in samples]
    cpu_shares = [
        (total - ccxt) / ccxt * 100 for total, ccxt in zip(refresh_cpu_ms, parse_cpu_ms, strict=True)
    ]
    venue_shares = [(total - ingest - ccxt) / ccxt * 100 for total, ccxt, ingest in samples]
    ingest_shares = [ingest / ccxt * 100 for _, ccxt, ingest in samples]
    # on a busy machine the medians carry other processes' noise; the least disturbed samples
    # (fastest refresh against fastest ccxt-alone) show the intrinsic ratio
    least_disturbed = (min(refresh_ms) - min(parse_ms)) / min(parse_ms) * 100
    return summarize(
        shares,
        50.0,
        unit="%",
        venue_normalization_median_pct=round(statistics.median(venue_shares), 1),
        funding_book_ingest_median_pct=round(statistics.median(ingest_shares), 1),
        least_disturbed_samples_pct=round(least_disturbed, 1),
        cpu_time_median_pct=round(statistics.median(cpu_shares), 1),
    )
