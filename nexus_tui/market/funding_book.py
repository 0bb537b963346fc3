"""The FundingBook: the one normalized, reconciled view of funding that the engine and screens read.

Per (venue, symbol) it keeps the venue's own latest report (primary), ArbitrageScanner's latest
report (secondary), whether they agree, whether the rate just jumped, and a compact bounded
history. A snapshot (`quotes()`) turns that into `BookQuote` rows: rate per interval and per hour,
APR, interval, next settlement, mark, source, flags and age against the book's clock.

Every row passes the anomaly guard (market/anomaly.py) before it is kept, so an absurd rate can
never be shown or traded on. `ingest` is the hot path (a full refresh of thousands of rows must
take milliseconds): plain attribute access, no per-row validation framework, no per-row event.
Events ("funding.updated", "funding.stale", ...) are published once per venue per change, with
coalesce keys so a slow subscriber only ever sees the latest state.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from nexus_tui.core.clock import Clock
from nexus_tui.core.events import Event, EventBus, Subscription
from nexus_tui.core.leg_row import BookRows, LegRow, leg_row
from nexus_tui.core.models import FundingRate, FundingSource, split_symbol
from nexus_tui.core.money import apr_from_hourly, hourly
from nexus_tui.market.anomaly import GuardLimits, clean_row_checker, jump_band, reason_kind, screen
from nexus_tui.market.history import SeriesHistory
from nexus_tui.market.reconcile import Role, Verdict, choose, compare

log = logging.getLogger(__name__)

FLAG_STALE = "stale"
FLAG_SECONDARY = "secondary"
FLAG_FALLBACK = "fallback"
FLAG_VALIDATED = "validated"
FLAG_DISCREPANCY = "discrepancy"
FLAG_JUMP = "jump"
FLAG_VENUE_DOWN = "venue_down"
# Flags the book derives itself; any other flag on a quote is a caveat the venue row carried.
BOOK_FLAGS = frozenset(
    {FLAG_STALE, FLAG_SECONDARY, FLAG_FALLBACK, FLAG_VALIDATED, FLAG_DISCREPANCY, FLAG_JUMP, FLAG_VENUE_DOWN}
)

_SECONDARY = FundingSource.SECONDARY
_NEVER = -math.inf
_MAX_KEPT_REJECTIONS = 1000


@dataclass(frozen=True, slots=True)
class BookQuote:
    """One reconciled row per (venue, symbol), as of the snapshot that produced it."""

    venue: str
    symbol: str
    base: str
    quote: str
    rate: Decimal  # per funding interval, as the venue reports it
    interval_hours: int
    rate_hourly: Decimal
    apr: Decimal  # simple annualized, as a fraction (0.1 = 10 %)
    next_funding_ts: datetime | None
    mark_price: Decimal | None
    index_price: Decimal | None
    predicted_rate: Decimal | None
    source: FundingSource
    flags: frozenset[
        str
    ]  # "stale", "secondary", "fallback", "validated", "discrepancy", "jump", "venue_down"
    observed_at: datetime
    age_s: float  # relative to the book's clock at snapshot time
    secondary_rate: Decimal | None  # ArbitrageScanner's rate per its interval, for side-by-side display
    secondary_interval_hours: int | None = None
    secondary_age_s: float | None = None

    def as_funding_rate(self) -> FundingRate:
        return FundingRate(
            venue=self.venue,
            symbol=self.symbol,
            rate=self.rate,
            interval_hours=self.interval_hours,
            ts=self.observed_at,
            next_funding_ts=self.next_funding_ts,
            mark_price=self.mark_price,
            index_price=self.index_price,
            predicted_rate=self.predicted_rate,
            source=self.source,
            flags=tuple(sorted(self.flags - BOOK_FLAGS)),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    venue: str
    symbol: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one `ingest` call did. `rejections` keeps the first 1,000 reasons."""

    accepted: int
    rejected: int
    ignored: int  # older than the row already held for that pair (arrived out of order)
    jumps: int  # accepted rows flagged "jump"
    discrepancies: int  # accepted rows whose two sources disagree
    rejections: tuple[Rejection, ...] = ()

    @property
    def flagged(self) -> int:
        return self.jumps + self.discrepancies


@dataclass(frozen=True, slots=True)
class BookStats:
    """Running totals since the book was created (episodes, not rows, for jumps and discrepancies)."""

    accepted: int
    rejected: int
    ignored: int
    rejected_by_kind: dict[str, int]
    discrepancy_episodes: int
    jump_episodes: int


@dataclass(frozen=True, slots=True)
class ReconciliationSummary:
    """How the two sources line up right now, counted over the current quotes."""

    matched: int
    discrepancies: int
    exchange_only: int
    secondary_only: int
    fallback: int


class _Series:
    """Everything the book knows about one (venue, symbol)."""

    __slots__ = (
        "band",
        "band_at",
        "base",
        "history",
        "in_scan",
        "judged_bucket",
        "judged_value",
        "jump",
        "primary",
        "primary_ts",
        "quote",
        "scan_from",
        "scan_inputs",
        "scan_row",
        "scan_source",
        "scan_until",
        "secondary",
        "secondary_ts",
        "symbol",
        "venue",
        "verdict",
    )

    def __init__(self, venue: str, symbol: str, history_points: int) -> None:
        self.venue = venue
        self.symbol = symbol
        base, quote, _ = split_symbol(symbol)
        self.base = base
        self.quote = quote
        self.primary: FundingRate | None = None
        self.primary_ts = _NEVER
        self.secondary: FundingRate | None = None
        self.secondary_ts = _NEVER
        self.verdict = Verdict.UNCHECKED
        self.jump = False
        self.history = SeriesHistory(history_points)
        self.band: tuple[float, float] | None = None  # normal range for the next value (jumps)
        self.band_at = 0  # history.appended when `band` was derived
        # the shown rate and bucket `jump` was last judged on (and written to the history with)
        self.judged_value = math.nan
        self.judged_bucket = -1
        self.scan_row: LegRow | None = None  # scan_rows' row, kept while `scan_source` is shown
        self.scan_source: FundingRate | None = None
        # What scan_row was worked out from, and the clock span it stays right for unchanged.
        self.scan_inputs: tuple[object, ...] = ()
        self.scan_from = math.inf
        self.scan_until = -math.inf
        self.in_scan = False  # in the last set scan_rows handed out


class FundingBook:
    """The reconciled funding view. Writers: `ingest` (both sources), `backfill` (history only),
    `mark_venue_down`, `check_stale`. Readers: `quotes`, `quote`, `by_base`, `history`, `version`
    (bumped on every change, for cheap change detection) and `subscribe` (funding events).

    `tolerance` is how far (per interval) the two sources may differ and still agree;
    `max_abs_rate` the guard's limit per interval (`limits` sets every guard parameter at once).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        stale_after_s: float = 120,
        secondary_stale_after_s: float | None = None,
        history_hours: int = 24 * 7,
        bus: EventBus | None = None,
        tolerance: Decimal = Decimal("0.0005"),
        max_abs_rate: Decimal = Decimal("0.03"),
        history_bucket_s: int = 3600,
        limits: GuardLimits | None = None,
    ) -> None:
        if stale_after_s <= 0 or (secondary_stale_after_s is not None and secondary_stale_after_s <= 0):
            raise ValueError("stale_after_s and secondary_stale_after_s must be positive")
        if history_bucket_s < 1:
            raise ValueError("history_bucket_s must be at least 1")
        self._clock = clock
        self.stale_after_s = float(stale_after_s)
        # The secondary table's own limit: an older secondary row does not stand in for a stale
        # venue rate, and is itself shown stale.
        self.secondary_stale_after_s = float(secondary_stale_after_s or stale_after_s)
        self.tolerance = tolerance
        self.limits = limits or GuardLimits(max_abs_rate=max_abs_rate)
        self._bucket_s = int(history_bucket_s)
        self._history_points = max(1, (int(history_hours) * 3600) // self._bucket_s)
        self._bus = bus or EventBus()
        self._series: dict[tuple[str, str], _Series] = {}  # first-seen order, for snapshots
        self._scan_layout: object | None = None  # the layout of scan_rows' last set
        self._by_venue: dict[str, dict[str, _Series]] = {}  # the same series, found without a key tuple
        self._down: set[str] = set()
        self._venue_newest: dict[str, float] = {}
        self._stale_venues: set[str] = set()
        self.version = 0
        self._accepted = 0
        self._rejected = 0
        self._ignored = 0
        self._rejected_by_kind: Counter[str] = Counter()
        self._discrepancy_episodes = 0
        self._jump_episodes = 0
        self.recent_rejections: deque[tuple[datetime, Rejection]] = deque(maxlen=100)

    @property
    def clock(self) -> Clock:
        """The clock ages and staleness are measured against."""
        return self._clock

    # -- writing -------------------------------------------------------------------------
    def ingest(self, rows: Iterable[FundingRate]) -> IngestReport:
        """Screen and keep a batch of rows (either source, any venues). Never raises on bad rows."""
        now = self._clock.now()
        now_s = now.timestamp()
        limits = self.limits
        clean = clean_row_checker(limits, now_s)
        stale_after = self.stale_after_s
        secondary_stale_after = self.secondary_stale_after_s
        tolerance = self.tolerance
        bucket_s = self._bucket_s
        by_venue = self._by_venue
        down = self._down

        accepted = ignored = jumps = discrepancies = rejected = 0
        rejections: list[Rejection] = []
        per_venue: dict[str, int] = {}
        rejected_venues: dict[str, list[Rejection]] = {}
        new_discrepancies: dict[str, list[str]] = {}
        new_jumps: dict[str, list[str]] = {}
        # Rows arrive grouped by venue: count per run of one venue, not per row.
        run_venue = ""  # venues are never empty (the guard rejects such rows)
        run_count = 0
        run_newest = _NEVER
        venue_series: dict[str, _Series] = {}

        for raw in rows:
            try:
                ts_s = clean(raw)
            except Exception:  # a garbage object: the careful path below says why
                ts_s = None
            if ts_s is not None:
                row: FundingRate = raw
            else:
                screened = screen(raw, limits, now_s)
                if isinstance(screened, str):
                    rejected += 1
                    rejection = Rejection(_field(raw, "venue"), _field(raw, "symbol"), screened)
                    if len(rejections) < _MAX_KEPT_REJECTIONS:
                        rejections.append(rejection)
                    rejected_venues.setdefault(rejection.venue, []).append(rejection)
                    continue
                row, ts_s = screened
            venue = row.venue
            if venue != run_venue:
                if run_count:  # a run of rows all ignored as out of order updated nothing
                    self._count_run(per_venue, run_venue, run_count, run_newest)
                run_venue, run_count, run_newest = venue, 0, _NEVER
                venue_series = by_venue.get(venue) or by_venue.setdefault(venue, {})
            st = venue_series.get(row.symbol)
            if st is None:
                st = self._add_series(venue, row.symbol)

            secondary = st.secondary
            if row.source is _SECONDARY:
                if ts_s < st.secondary_ts:
                    ignored += 1
                    continue
                st.secondary = secondary = row
                st.secondary_ts = ts_s
                primary = st.primary
                effective = primary is None
            else:
                if ts_s < st.primary_ts:
                    ignored += 1
                    continue
                st.primary = primary = row
                st.primary_ts = ts_s
                effective = secondary is None

            if primary is not None and secondary is not None:
                # Only the row the screen would show right now writes the chart history and is
                # tested for jumps (the secondary only when it fills a gap or stands in).
                shown = choose(
                    primary,
                    now_s - st.primary_ts,
                    secondary,
                    now_s - st.secondary_ts,
                    venue_down=venue in down,
                    stale_after_s=stale_after,
                    secondary_stale_after_s=secondary_stale_after,
                )
                effective = shown is not None and shown[0] is row
                verdict = compare(primary, st.primary_ts, secondary, st.secondary_ts, tolerance, stale_after)
                if verdict is Verdict.DISCREPANCY:
                    discrepancies += 1
                    if st.verdict is not Verdict.DISCREPANCY:
                        new_discrepancies.setdefault(venue, []).append(row.symbol)
                st.verdict = verdict

            if effective:
                value = float(row.rate)
                bucket = int(ts_s // bucket_s) * bucket_s
                history = st.history
                if value == st.judged_value and bucket == st.judged_bucket and st.band_at == history.appended:
                    # The rate shown a moment ago, in the same bucket, against the same band (the
                    # usual case between settlements): the chart already holds it, the verdict stands.
                    jumped = st.jump
                else:
                    history.record(bucket, value)
                    if st.band_at != history.appended:
                        self._refresh_band(st)
                    band = st.band
                    jumped = band is not None and abs(value - band[0]) > band[1]
                    st.judged_value, st.judged_bucket = value, bucket
                if jumped:
                    jumps += 1
                    if not st.jump:
                        new_jumps.setdefault(venue, []).append(row.symbol)
                st.jump = jumped

            accepted += 1
            run_count += 1
            if ts_s > run_newest:
                run_newest = ts_s
        if run_count:
            self._count_run(per_venue, run_venue, run_count, run_newest)

        self._accepted += accepted
        self._rejected += rejected
        self._ignored += ignored
        if accepted:
            self.version += 1
        self._announce(now, per_venue, rejected_venues, new_discrepancies, new_jumps)
        return IngestReport(accepted, rejected, ignored, jumps, discrepancies, tuple(rejections))

    def _add_series(self, venue: str, symbol: str) -> _Series:
        st = _Series(venue, symbol, self._history_points)
        self._series[(venue, symbol)] = st
        self._by_venue.setdefault(venue, {})[symbol] = st
        return st

    def _count_run(self, per_venue: dict[str, int], venue: str, count: int, newest_s: float) -> None:
        per_venue[venue] = per_venue.get(venue, 0) + count
        if newest_s > self._venue_newest.get(venue, _NEVER):
            self._venue_newest[venue] = newest_s

    def _refresh_band(self, st: _Series) -> None:
        """Re-derive a series' normal range after its history gained a point (once a bucket)."""
        history = st.history
        st.band = jump_band(
            history.baseline(self.limits.jump_window, self.limits.jump_min_points), self.limits
        )
        st.band_at = history.appended

    def backfill(self, rows: Iterable[FundingRate]) -> int:
        """Load settled history (oldest first) into the charts without touching current quotes.

        Rows pass the same guard; returns how many were kept. For a pair's history only: a
        backfilled row never becomes the rate the book shows.
        """
        now_s = self._clock.now().timestamp()
        kept = 0
        points: dict[tuple[str, str], list[tuple[int, float]]] = {}
        for raw in rows:
            screened = screen(raw, self.limits, now_s)
            if isinstance(screened, str):
                continue
            row, ts_s = screened
            key = (row.venue, row.symbol)
            if key not in self._series:
                self._add_series(row.venue, row.symbol)
            points.setdefault(key, []).append((int(ts_s // self._bucket_s) * self._bucket_s, float(row.rate)))
            kept += 1
        for key, series_points in points.items():
            st = self._series[key]
            # Settled history is usually older than what the book has seen live: merge, not record.
            st.history.merge(series_points)
            st.judged_bucket = -1  # the chart changed under the last verdict: judge afresh
        if kept:
            self.version += 1
        return kept

    def mark_venue_down(self, venue: str, down: bool = True) -> None:
        """A venue's API is unreachable (or back): while down, ArbitrageScanner's rate stands in."""
        if down == (venue in self._down):
            return
        if down:
            self._down.add(venue)
            if any(st.venue == venue and st.secondary is not None for st in self._series.values()):
                message = f"{venue}: funding API down; showing ArbitrageScanner's rates where available"
            else:  # no second source for this venue (the simulator, or ArbitrageScanner off)
                message = f"{venue}: funding API down; its rates go stale until it answers again"
            log.warning(message)
        else:
            self._down.discard(venue)
            message = f"{venue}: funding API back; venue rates are authoritative again"
            log.info(message)
        self.version += 1
        self._publish(
            "funding.venue_down" if down else "funding.venue_up",
            f"funding.venue:{venue}",
            message,
            venue=venue,
            down=down,
        )

    def check_stale(self) -> list[str]:
        """Publish "funding.stale" for venues whose newest row got too old (and "funding.fresh"
        when they recover). Returns the venues that are stale now. Call it on a timer."""
        now_s = self._clock.now().timestamp()
        stale_now = []
        for venue, newest in self._venue_newest.items():
            age = now_s - newest
            if age > self.stale_after_s:
                stale_now.append(venue)
                if venue not in self._stale_venues:
                    self._stale_venues.add(venue)
                    self.version += 1
                    self._publish(
                        "funding.stale",
                        f"funding.stale:{venue}",
                        f"{venue}: no funding update for {age:.0f} s",
                        venue=venue,
                        age_s=age,
                    )
            elif venue in self._stale_venues:
                self._stale_venues.discard(venue)
                self.version += 1
                self._publish(
                    "funding.fresh",
                    f"funding.stale:{venue}",
                    f"{venue}: funding updates resumed",
                    venue=venue,
                    age_s=age,
                )
        return stale_now

    # -- reading -------------------------------------------------------------------------
    def quotes(self) -> list[BookQuote]:
        """Every pair the book can show, in first-seen order."""
        now_s = self._clock.now().timestamp()
        out = []
        for st in self._series.values():
            quote = self._quote(st, now_s)
            if quote is not None:
                out.append(quote)
        return out

    def quote(self, venue: str, symbol: str) -> BookQuote | None:
        st = self._series.get((venue, symbol))
        return None if st is None else self._quote(st, self._clock.now().timestamp())

    def symbols(self) -> list[str]:
        return sorted({st.symbol for st in self._series.values() if _has_quote(st)})

    def venues(self) -> list[str]:
        return sorted({st.venue for st in self._series.values() if _has_quote(st)})

    def by_base(self) -> dict[str, list[BookQuote]]:
        """Quotes grouped by base asset (BTC across its USDT and USDC perps on every venue)."""
        groups: dict[str, list[BookQuote]] = {}
        for quote in self.quotes():
            groups.setdefault(quote.base, []).append(quote)
        return groups

    def history(self, venue: str, symbol: str) -> list[tuple[datetime, float]]:
        """(bucket start, rate per interval) for charts, oldest first; empty if unknown."""
        st = self._series.get((venue, symbol))
        return [] if st is None else st.history.points()

    def is_venue_down(self, venue: str) -> bool:
        return venue in self._down

    def subscribe(self, maxsize: int = 100) -> Subscription:
        """Funding events only: funding.updated (one per venue, coalesced), funding.stale, ..."""
        return self._bus.subscribe(maxsize=maxsize, accept=_is_funding_event)

    @property
    def stats(self) -> BookStats:
        return BookStats(
            accepted=self._accepted,
            rejected=self._rejected,
            ignored=self._ignored,
            rejected_by_kind=dict(self._rejected_by_kind),
            discrepancy_episodes=self._discrepancy_episodes,
            jump_episodes=self._jump_episodes,
        )

    def reconciliation(self) -> ReconciliationSummary:
        matched = discrepancies = exchange_only = secondary_only = fallback = 0
        for quote in self.quotes():
            flags = quote.flags
            if FLAG_FALLBACK in flags:
                fallback += 1
            elif FLAG_SECONDARY in flags:
                secondary_only += 1
            elif quote.secondary_rate is None:
                exchange_only += 1
            if FLAG_VALIDATED in flags:
                matched += 1
            if FLAG_DISCREPANCY in flags:
                discrepancies += 1
        return ReconciliationSummary(matched, discrepancies, exchange_only, secondary_only, fallback)

    # -- internals -----------------------------------------------------------------------
    def _shown(self, st: _Series, now_s: float) -> tuple[FundingRate, float, frozenset[str]] | None:
        """The row the book shows for a series now, its age in seconds and its flags."""
        primary, secondary = st.primary, st.secondary
        primary_age = now_s - st.primary_ts
        venue_down = st.venue in self._down
        if secondary is None and primary is not None:  # the common case: the venue's own rate only
            row, role = primary, Role.PRIMARY
        else:
            chosen = choose(
                primary,
                primary_age,
                secondary,
                now_s - st.secondary_ts,
                venue_down=venue_down,
                stale_after_s=self.stale_after_s,
                secondary_stale_after_s=self.secondary_stale_after_s,
            )
            if chosen is None:
                return None
            row, role = chosen
        flags: list[str] = []
        if role is Role.PRIMARY:
            age = primary_age
            stale = age > self.stale_after_s
            if st.verdict is Verdict.MATCH:
                flags.append(FLAG_VALIDATED)
        else:
            age = now_s - st.secondary_ts
            stale = age > self.secondary_stale_after_s
            flags.append(FLAG_SECONDARY)
            if role is Role.FALLBACK:
                flags.append(FLAG_FALLBACK)
        if st.verdict is Verdict.DISCREPANCY:
            flags.append(FLAG_DISCREPANCY)
        if stale:
            flags.append(FLAG_STALE)
        if st.jump:
            flags.append(FLAG_JUMP)
        if venue_down:
            flags.append(FLAG_VENUE_DOWN)
        if row.flags:
            flags.extend(row.flags)  # the venue adapter's own caveats, e.g. "interval_assumed"
        return row, age, _flag_set(flags)

    def _quote(self, st: _Series, now_s: float) -> BookQuote | None:
        shown = self._shown(st, now_s)
        if shown is None:
            return None
        row, age, flags = shown
        secondary = st.secondary
        rate_hourly = hourly(row.rate, row.interval_hours)
        # Positional: a snapshot builds thousands of these, and keywords cost a third more.
        return BookQuote(
            st.venue,
            st.symbol,
            st.base,
            st.quote,
            row.rate,
            row.interval_hours,
            rate_hourly,
            apr_from_hourly(rate_hourly),
            row.next_funding_ts,
            row.mark_price,
            row.index_price,
            row.predicted_rate,
            row.source,
            flags,
            row.ts,
            age if age > 0.0 else 0.0,
            None if secondary is None else secondary.rate,
            None if secondary is None else secondary.interval_hours,
            None if secondary is None else max(0.0, now_s - st.secondary_ts),
        )

    def scan_rows(self) -> BookRows:
        """What `quotes()` shows, as the opportunity scanner reads it: one LegRow per pair,
        kept and handed out again (the same object) until the row shown or its flags change,
        so the scanner passes over unchanged pairs by identity and converts nothing. The set's
        `layout` is the previous set's while the same pairs are in it, in the same order.

        Called on every fold-in of the scanner (on the event loop), so a pair whose inputs are
        the same objects as when its row was built, and whose ages have crossed no threshold
        since, is not worked out again."""
        now_s = self._clock.now().timestamp()
        stale_after = self.stale_after_s
        secondary_stale_after = self.secondary_stale_after_s
        down = self._down
        out = BookRows()
        joined_or_left = False
        for st in self._series.values():
            kept = st.scan_row
            inputs = (st.primary, st.secondary, st.verdict, st.jump, st.venue in down)
            if kept is None or st.scan_inputs != inputs or not st.scan_from <= now_s <= st.scan_until:
                shown = self._shown(st, now_s)
                if shown is None:
                    if st.in_scan:
                        st.in_scan = False
                        joined_or_left = True
                    continue
                row, _, flags = shown
                if kept is None or st.scan_source is not row or kept.flags is not flags:
                    kept = st.scan_row = leg_row(
                        st.venue,
                        st.symbol,
                        st.base,
                        row.rate,
                        row.interval_hours,
                        row.next_funding_ts,
                        row.mark_price,
                        row.ts,
                        flags,
                        row.source,
                    )
                    st.scan_source = row
                # What is shown changes with time only where an age crosses its stale limit.
                until = math.inf
                for edge in (st.primary_ts + stale_after, st.secondary_ts + secondary_stale_after):
                    if now_s <= edge < until:
                        until = edge
                st.scan_inputs = inputs
                st.scan_from = now_s
                st.scan_until = until
            out.append(kept)
            if not st.in_scan:
                st.in_scan = joined_or_left = True
        if joined_or_left or self._scan_layout is None:
            self._scan_layout = object()
        out.layout = self._scan_layout
        return out

    def _announce(
        self,
        now: datetime,
        per_venue: dict[str, int],
        rejected_venues: dict[str, list[Rejection]],
        new_discrepancies: dict[str, list[str]],
        new_jumps: dict[str, list[str]],
    ) -> None:
        """One event per venue and kind for the whole batch, never one per row."""
        for venue, count in per_venue.items():
            self._publish(
                "funding.updated",
                f"funding.updated:{venue}",
                f"{venue}: {count} funding rate(s) updated",
                venue=venue,
                rows=count,
                version=self.version,
            )
        for venue, venue_rejections in rejected_venues.items():
            for rejection in venue_rejections:
                self._rejected_by_kind[reason_kind(rejection.reason)] += 1
                self.recent_rejections.append((now, rejection))
            first = venue_rejections[0]
            message = (
                f"{venue}: rejected {len(venue_rejections)} funding row(s); "
                f"first: {first.symbol or '?'}: {first.reason}"
            )
            log.warning(message)
            self._publish(
                "funding.rejected",
                f"funding.rejected:{venue}",
                message,
                venue=venue,
                count=len(venue_rejections),
                reason=first.reason,
            )
        for venue, symbols in new_discrepancies.items():
            self._discrepancy_episodes += len(symbols)
            message = (
                f"{venue}: venue and ArbitrageScanner disagree beyond {self.tolerance} on "
                f"{len(symbols)} pair(s): {_listing(symbols)}; showing the venue's rate"
            )
            log.warning(message)
            self._publish(
                "funding.discrepancy", f"funding.discrepancy:{venue}", message, venue=venue, symbols=symbols
            )
        for venue, symbols in new_jumps.items():
            self._jump_episodes += len(symbols)
            message = f"{venue}: funding jumped on {len(symbols)} pair(s): {_listing(symbols)}"
            log.info(message)
            self._publish("funding.jump", f"funding.jump:{venue}", message, venue=venue, symbols=symbols)

    def _publish(self, kind: str, coalesce_key: str, message: str, **data: Any) -> None:
        self._bus.publish(
            Event(kind=kind, ts=self._clock.now(), data=data, coalesce_key=coalesce_key, message=message)
        )


_FLAG_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _flag_set(flags: list[str]) -> frozenset[str]:
    """The same few combinations recur on thousands of quotes: share one frozenset for each."""
    key = tuple(flags)
    found = _FLAG_SETS.get(key)
    if found is None:
        found = frozenset(flags)
        if len(_FLAG_SETS) < 4096:  # venue caveats are few, but never let this grow unbounded
            _FLAG_SETS[key] = found
    return found


def _has_quote(st: _Series) -> bool:
    return st.primary is not None or st.secondary is not None


def _is_funding_event(event: Event) -> bool:
    return event.kind.startswith("funding.")


def _field(row: object, name: str) -> str:
    value = getattr(row, name, "")
    return value if isinstance(value, str) else ""


def _listing(symbols: list[str], limit: int = 5) -> str:
    shown = ", ".join(symbols[:limit])
    return shown if len(symbols) <= limit else f"{shown} and {len(symbols) - limit} more"


__all__ = [
    "BookQuote",
    "BookStats",
    "FundingBook",
    "IngestReport",
    "ReconciliationSummary",
    "Rejection",
]
