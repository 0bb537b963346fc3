"""Dual-source reconciliation rules (seed 000 §3.1, §7.0.3): which rate the book shows, and why.

The venue's own API is authoritative. ArbitrageScanner (the secondary source) validates it within
a tolerance (0.05 % per interval by default), fills gaps for pairs the venue API does not give us
(shown flagged "secondary"), and stands in while a venue's API is down or its data has gone stale
(flagged "fallback"). A disagreement never replaces the venue's number: it is logged, counted and
marked "discrepancy" so a person can look at both side by side.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from nexus_tui.core.models import FundingRate


class Verdict(StrEnum):
    MATCH = "validated"  # both sources agree within tolerance
    DISCREPANCY = "discrepancy"  # both sources present, and they disagree
    UNCHECKED = "unchecked"  # only one source, or the two are too far apart in time to compare


class Role(StrEnum):
    PRIMARY = "primary"  # the venue's own rate is shown
    GAP_FILL = "gap_fill"  # only the secondary source knows this pair
    FALLBACK = "fallback"  # the venue is down or its rate is stale: the secondary stands in


def compare(
    primary: FundingRate,
    primary_ts_s: float,
    secondary: FundingRate,
    secondary_ts_s: float,
    tolerance: Decimal,
    max_skew_s: float,
) -> Verdict:
    """Do the two sources agree? Rates are compared per the primary's funding interval."""
    if abs(primary_ts_s - secondary_ts_s) > max_skew_s:
        return Verdict.UNCHECKED
    other = secondary.rate
    if secondary.interval_hours != primary.interval_hours:
        other = other * primary.interval_hours / secondary.interval_hours
    return Verdict.MATCH if abs(primary.rate - other) <= tolerance else Verdict.DISCREPANCY


def choose(
    primary: FundingRate | None,
    primary_age_s: float,
    secondary: FundingRate | None,
    secondary_age_s: float,
    *,
    venue_down: bool,
    stale_after_s: float,
    secondary_stale_after_s: float | None = None,
) -> tuple[FundingRate, Role] | None:
    """The row to show for one (venue, symbol), and the role it plays; None if neither exists.

    The primary wins unless the venue is marked down, or its rate is stale (older than
    `stale_after_s`) while the secondary's is fresh (no older than `secondary_stale_after_s`,
    the secondary table's own limit; `stale_after_s` when None); a secondary older than the
    venue's own last number never displaces it.
    """
    if secondary_stale_after_s is None:
        secondary_stale_after_s = stale_after_s
    if primary is None:
        return None if secondary is None else (secondary, Role.GAP_FILL)
    if secondary is None:
        return primary, Role.PRIMARY
    if venue_down and secondary_age_s <= primary_age_s:
        return secondary, Role.FALLBACK
    if primary_age_s > stale_after_s and secondary_age_s <= secondary_stale_after_s:
        return secondary, Role.FALLBACK
    return primary, Role.PRIMARY
