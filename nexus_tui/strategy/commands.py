"""What `nexus-tui scan` does, without the command-line plumbing.

From a funding tape: the latest row per venue and symbol (through the FundingBook's guard, as of
the tape's newest row), the earlier rows as each market's history, no order books (costs are
fees and the row says so). Otherwise: the engine for the config (the simulator by default), one
refresh of its feeds, then the same pass the opportunity service makes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from nexus_tui.core.clock import ManualClock
from nexus_tui.core.errors import BadInput
from nexus_tui.strategy.models import ScanInputs, ScanResult
from nexus_tui.strategy.params import StrategyParams, params_from_config
from nexus_tui.strategy.report import scan_json, scan_text
from nexus_tui.strategy.scanner import scan_inputs

# Settled funding history for the listed legs before the headless scan answers (so its outlook is
# not a guess): at most this many requests, a few at a time per venue.
HEADLESS_HISTORY_REQUESTS = 200


def snapshot_inputs(
    path: Path,
    venues: Sequence[str] = (),
    warn: Callable[[str], None] = print,
    *,
    venue: str | None = None,
    interval_hours: int | None = None,
) -> tuple[ScanInputs, float]:
    """Scan inputs from a tape (`venue`: the exchange of a ccxt JSON file, which does not name
    it; `interval_hours`: for a one-entry ccxt history), and the data age to allow.

    A tape's rows were recorded at their venue's pace: an 8 h venue's last settled rate is hours
    older than an hourly venue's. A row counts as current for one funding interval (the longest
    on the tape), relative to the tape's newest row.
    """
    from nexus_tui.market.funding_book import FundingBook
    from nexus_tui.market.tape import of_venues, read_tape

    rows = of_venues(path, read_tape(path, venue, interval_hours=interval_hours), venues)
    if not rows:
        raise BadInput(f"{path}: no funding rows to scan")
    on_tape = sorted({r.venue for r in rows})
    if len(on_tape) == 1:  # a ccxt JSON file is one exchange's: say why nothing cross-venue is listed
        warn(f"warning: {path} holds one venue ({on_tape[0]}): a cross-venue trade needs two")
    as_of = max(r.ts for r in rows)
    max_age_s = max(r.interval_hours for r in rows) * 3600.0
    book = FundingBook(ManualClock(as_of), stale_after_s=max_age_s)
    report = book.ingest(sorted(rows, key=lambda r: r.ts))
    if report.rejected:
        first = report.rejections[0]
        warn(
            f"warning: {report.rejected} row(s) rejected; first: {first.venue} {first.symbol}: {first.reason}"
        )
    quotes = book.scan_rows()
    histories = {(q.venue, q.symbol): book.history(q.venue, q.symbol) for q in quotes}
    return ScanInputs(now=as_of, quotes=quotes, histories=histories), max_age_s


def snapshot_scan(
    path: Path,
    params: StrategyParams,
    *,
    venues: Sequence[str] = (),
    venue: str | None = None,
    interval_hours: int | None = None,
    explain: bool = False,
    warn: Callable[[str], None] = print,
) -> ScanResult:
    inputs, max_age_s = snapshot_inputs(path, venues, warn, venue=venue, interval_hours=interval_hours)
    return scan_inputs(inputs, replace(params, max_quote_age_s=max_age_s), explain=explain)


async def live_scan(engine: Any, params: StrategyParams, *, explain: bool = False) -> ScanResult:
    """One refresh of the engine's feeds, then markets, tickers, a scan, books for the best and
    settled funding history for the listed legs, and the scan again."""
    from nexus_tui.market.commands import refresh_once
    from nexus_tui.strategy.service import OpportunityService

    try:
        await refresh_once(engine)
        service = engine.opportunities or OpportunityService(engine, params)
        service.set_params(params)
        result = await service.scan_once(history_requests=HEADLESS_HISTORY_REQUESTS)
        if explain:
            result = service.scanner.scan(engine.clock.now(), explain=True)
        return result
    finally:
        await engine.stop()


def desk_config(session: Any) -> Any:
    """The unlocked config, or None (built-in defaults: the simulated market) without a vault."""
    from nexus_tui.config.vault import Vault

    return session.unlock().config if Vault.exists(session.home) else None


def scan_report(
    config: Any,
    *,
    json_out: bool,
    size: float | None = None,
    snapshot: Path | None = None,
    venues: Sequence[str] = (),
    venue: str | None = None,
    interval_hours: int | None = None,
    seed: int | None = None,
    explain: bool = False,
    limit: int | None = None,
    warn: Callable[[str], None] = print,
) -> str:
    """`nexus-tui scan`: ranked opportunities from a tape, or from the venues (or simulator) now."""
    overrides: dict[str, Any] = {}
    if size is not None:
        if not (size > 0 and math.isfinite(size)):
            raise BadInput(f"--size {size} is not allowed: it must be a positive amount of USD")
        overrides["size_usd"] = Decimal(str(size))
    params = params_from_config(config, **overrides)
    logging.getLogger("ccxt").setLevel(logging.WARNING)
    if snapshot is not None:
        result = snapshot_scan(
            snapshot,
            params,
            venues=venues,
            venue=venue,
            interval_hours=interval_hours,
            explain=explain,
            warn=warn,
        )
    else:
        from nexus_tui.bootstrap import build_engine
        from nexus_tui.market.commands import headless_warnings, require_an_answer

        engine = build_engine(config, seed=seed, venue_ids=venues or None)
        with headless_warnings(engine, warn):
            result = asyncio.run(live_scan(engine, params, explain=explain))
        require_an_answer(engine)
    if json_out:
        return json.dumps(scan_json(result))
    return scan_text(result, limit)
