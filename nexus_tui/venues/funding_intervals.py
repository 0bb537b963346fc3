"""What we know about one venue's funding intervals, and where each fact came from.

Intervals are learned, never assumed to be 8 h: from the funding row itself, from the venue's
interval listing, from its market structure, or from the spacing of its settled funding. Each
symbol's interval is cached with its source; a fresher report replaces an older one (venues do
move symbols between 8 h, 4 h and 1 h). The venue's documented schedule is the last resort and
marks the row `interval_assumed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nexus_tui.venues.parsing import interval_hours_from_label
from nexus_tui.venues.profiles import IntervalSource, VenueProfile

Answer = tuple[int, bool]  # (hours, assumed)


@dataclass(frozen=True, slots=True)
class KnownInterval:
    hours: int
    source: IntervalSource
    learned_at: datetime


class FundingIntervals:
    """Per-symbol funding intervals of one venue (plus a venue-wide one where the venue has one)."""

    def __init__(self, profile: VenueProfile) -> None:
        self.profile = profile
        self._by_symbol: dict[str, KnownInterval] = {}
        self._answers: dict[str, Answer] = {}  # what lookup says per symbol, ready-made
        self._venue_wide: KnownInterval | None = None
        self._listing_at: datetime | None = None  # when the venue's interval listing last answered
        self._from_row = IntervalSource.RATE_ROW in profile.interval_sources
        self._documented = (
            profile.documented_interval_hours
            if IntervalSource.DOCUMENTED in profile.interval_sources
            else None
        )
        self._fallback: Answer | None = None  # for a symbol with no interval of its own
        self._now: datetime | None = None
        self._refresh_fallback()

    # -- learning ------------------------------------------------------------------------
    def learn(self, symbol: str, hours: int, source: IntervalSource, at: datetime) -> None:
        known = self._by_symbol.get(symbol)
        if known is None or known.hours != hours or known.source != source:
            self._by_symbol[symbol] = KnownInterval(hours, source, at)
            self._answers[symbol] = (hours, False)

    def learn_venue_wide(self, hours: int, source: IntervalSource, at: datetime) -> None:
        self._venue_wide = KnownInterval(hours, source, at)
        self._refresh_fallback()

    def listing_answered(self, at: datetime) -> None:
        """The venue's interval listing answered: symbols it did not name run the standard schedule."""
        self._listing_at = at
        self._refresh_fallback()

    def _refresh_fallback(self) -> None:
        if self._venue_wide is not None:
            self._fallback = (self._venue_wide.hours, False)
        elif self._listing_at is not None and self.profile.unlisted_interval_hours is not None:
            self._fallback = (self.profile.unlisted_interval_hours, False)
        elif self._documented is not None:
            self._fallback = (self._documented, True)
        else:
            self._fallback = None

    @property
    def listing_at(self) -> datetime | None:
        return self._listing_at

    @property
    def venue_wide(self) -> KnownInterval | None:
        return self._venue_wide

    # -- answering -----------------------------------------------------------------------
    def begin(self, now: datetime) -> None:
        """Stamp facts learned from rows parsed from now on with this time."""
        self._now = now

    def lookup(self, symbol: str, row: Mapping[str, Any]) -> Answer | None:
        """(hours, assumed) for a funding row, or None when the interval is not known at all.

        The per-row hot path of a refresh: a few dictionary look-ups, no allocation.
        """
        label = row.get("interval") if self._from_row else None
        if label is not None:
            hours = interval_hours_from_label(label)
            if hours is not None:
                answer = self._answers.get(symbol)
                if answer is None or answer[0] != hours:
                    known = self._by_symbol.get(symbol)
                    at = self._now or (known.learned_at if known else None)
                    if at is not None:
                        self.learn(symbol, hours, IntervalSource.RATE_ROW, at)
                    return hours, False
                return answer
        answer = self._answers.get(symbol)
        return answer if answer is not None else self._fallback

    def source_of(self, symbol: str) -> IntervalSource | str | None:
        known = self._by_symbol.get(symbol)
        if known is not None:
            return known.source
        if self._venue_wide is not None:
            return self._venue_wide.source
        if self._listing_at is not None and self.profile.unlisted_interval_hours is not None:
            return "listing (not named: standard schedule)"
        if self._documented is not None:
            return IntervalSource.DOCUMENTED
        return None

    def unknown(self, symbols: Iterable[str]) -> list[str]:
        """Symbols with no interval of their own and no venue-wide or listing rule to fall back on."""
        if self._fallback is not None and not self._fallback[1]:
            return []
        return [s for s in symbols if s not in self._by_symbol]

    def known(self) -> dict[str, KnownInterval]:
        return dict(self._by_symbol)
