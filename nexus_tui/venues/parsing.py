"""ccxt unified structures -> our domain values (core/models.py), strictly.

ccxt has already turned each venue's wire format into its unified dicts; this module decides
what of that we trust. A row that cannot be trusted is dropped and counted in a ParseReport with
the reason, never raised: one bad symbol must not blank a venue's whole funding table. Nothing
here does I/O or reads a clock; the caller passes the observation time.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any

from nexus_tui.core.models import (
    Balance,
    Fill,
    FundingRate,
    FundingSource,
    MarketInfo,
    MarketKind,
    Order,
    OrderBook,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    Ticker,
)

HOUR_MS = 3_600_000
_INF = math.inf
_ZERO = Decimal(0)  # compared against: a Decimal meets a Decimal faster than an int
# No venue we know settles more than 4 % in one interval (Hyperliquid's cap, per hour); a figure
# past 10 % is a unit error or garbage, not a market.
ABSURD_RATE = Decimal("0.1")
# Epoch-ms bounds for a plausible venue timestamp: 2015-01-01 .. 2100-01-01.
_MIN_MS = 1_420_070_400_000
_MAX_MS = 4_102_444_800_000

FLAG_INTERVAL_ASSUMED = "interval_assumed"


@dataclass(slots=True)
class ParseReport:
    """What happened to one response: rows kept, rows dropped as bad, rows skipped as not ours."""

    venue: str
    accepted: int = 0
    bad: int = 0  # malformed or absurd: something is wrong at the venue or in transit
    skipped: int = 0  # well-formed but not for us (not a perpetual, not funding any more)
    reasons: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: str) -> None:
        self.bad += 1
        self.reasons[reason] += 1

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] += 1

    def note(self, reason: str) -> None:
        """A row was kept but an optional field was unusable and left out."""
        self.reasons[reason] += 1

    def merge(self, other: ParseReport) -> None:
        self.accepted += other.accepted
        self.bad += other.bad
        self.skipped += other.skipped
        self.reasons.update(other.reasons)

    def summary(self) -> str:
        parts = [f"{self.accepted} ok"]
        if self.bad:
            parts.append(f"{self.bad} bad")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.reasons:
            parts.append(", ".join(f"{k}={v}" for k, v in sorted(self.reasons.items())))
        return "; ".join(parts)


# -- scalar readers ---------------------------------------------------------------------------


def decimal_or_none(value: object) -> Decimal | None:
    """A finite Decimal from a ccxt number (float, int or numeric string); None when absent or bad.

    A float goes through repr so the venue's printed digits survive (0.0001 stays 0.0001).
    """
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return None


def positive_or_none(value: object) -> Decimal | None:
    result = decimal_or_none(value)
    return result if result is not None and result > 0 else None


def ms_or_none(value: object) -> int | None:
    """Epoch milliseconds inside the plausible range, else None (0 means 'none' at many venues)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        ms = value
    elif isinstance(value, float) and math.isfinite(value):
        ms = int(value)
    elif isinstance(value, str) and value.isdigit():
        ms = int(value)
    else:
        return None
    return ms if _MIN_MS <= ms <= _MAX_MS else None


def utc_from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


# -- funding intervals ------------------------------------------------------------------------

_LABEL_UNITS_MS = {"h": HOUR_MS, "m": 60_000, "d": 24 * HOUR_MS}
_label_cache: dict[object, int | None] = {}


def whole_hours(ms: int | float, tolerance: float = 0.02) -> int | None:
    """`ms` as a whole number of hours (1..24), or None when it is not one within `tolerance`."""
    if not ms > 0 or ms == _INF:  # also NaN
        return None
    hours = ms / HOUR_MS
    rounded = round(hours)
    if rounded < 1 or rounded > 24 or abs(hours - rounded) > tolerance * rounded:
        return None
    return int(rounded)


def interval_hours_from_label(label: object) -> int | None:
    """ccxt's `interval` ("8h", "1h", "480m", or raw milliseconds) -> whole hours, or None."""
    try:
        return _label_cache[label]
    except (KeyError, TypeError):
        pass
    hours: int | None = None
    if isinstance(label, str) and label:
        unit = _LABEL_UNITS_MS.get(label[-1])
        number = label[:-1] if unit else label
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            hours = whole_hours(value * (unit or 1), tolerance=0.0)
    elif isinstance(label, int | float) and not isinstance(label, bool):
        hours = whole_hours(label, tolerance=0.0)
    if isinstance(label, str | int | float) and len(_label_cache) < 256:
        _label_cache[label] = hours
    return hours


def interval_hours_from_spacing(timestamps_ms: Sequence[int], recent: int = 8) -> int | None:
    """The funding interval implied by the spacing of settled funding times, oldest first.

    Only the most recent `recent` gaps count, so a venue that changed its schedule (Hyperliquid
    went from 8 h to 1 h in June 2023) is read as it is now. One odd gap (a late settlement, a
    maintenance pause) does not move the median; fewer than two gaps prove nothing.
    """
    ordered = sorted(ts for ts in timestamps_ms if ms_or_none(ts) is not None)
    gaps = [b - a for a, b in itertools.pairwise(ordered) if b > a][-recent:]
    if len(gaps) < 2:
        return None
    hours = whole_hours(median(gaps), tolerance=0.05)
    if hours is None:
        return None
    agreeing = sum(1 for gap in gaps if whole_hours(gap, tolerance=0.1) == hours)
    return hours if agreeing * 2 > len(gaps) else None


# -- funding rows -----------------------------------------------------------------------------

IntervalLookup = Callable[[str, Mapping[str, Any]], "tuple[int, bool] | None"]


_FUNDING_RATE_FIELDS = (
    "venue",
    "symbol",
    "rate",
    "interval_hours",
    "ts",
    "next_funding_ts",
    "mark_price",
    "index_price",
    "predicted_rate",
    "source",
    "flags",
)


class _FundingRateDraft:
    """A FundingRate under construction: the same slots, in the same order, but writable.

    A frozen dataclass's __init__ sets each field through object.__setattr__ (about 1.5 µs a
    row for eleven fields). Plain attribute stores on a class with the identical slot layout
    cost a fraction of that, and the finished draft then becomes a FundingRate by a __class__
    change (which Python allows exactly when the two layouts match). The result is an ordinary
    FundingRate: same type, equality, hash and immutability.
    """

    __slots__ = _FUNDING_RATE_FIELDS
    venue: str
    symbol: str
    rate: Decimal
    interval_hours: int
    ts: datetime
    next_funding_ts: datetime | None
    mark_price: Decimal | None
    index_price: Decimal | None
    predicted_rate: Decimal | None
    source: FundingSource
    flags: tuple[str, ...]


def _build_by_draft(
    venue: str,
    symbol: str,
    rate: Decimal,
    interval_hours: int,
    ts: datetime,
    next_funding_ts: datetime | None,
    mark_price: Decimal | None,
    index_price: Decimal | None,
    predicted_rate: Decimal | None,
    source: FundingSource,
    flags: tuple[str, ...],
) -> FundingRate:
    row = _FundingRateDraft()
    row.venue = venue
    row.symbol = symbol
    row.rate = rate
    row.interval_hours = interval_hours
    row.ts = ts
    row.next_funding_ts = next_funding_ts
    row.mark_price = mark_price
    row.index_price = index_price
    row.predicted_rate = predicted_rate
    row.source = source
    row.flags = flags
    row.__class__ = FundingRate  # type: ignore[assignment]
    return row  # type: ignore[return-value]


def _fast_funding_rate() -> Callable[..., FundingRate]:
    """FundingRate's constructor for the refresh hot path: the draft builder when FundingRate
    still has exactly the slots filled here (and the draft proves equal to a plainly built
    row), otherwise the plain constructor."""
    names = tuple(f.name for f in fields(FundingRate))
    if names != _FUNDING_RATE_FIELDS or getattr(FundingRate, "__slots__", None) != _FUNDING_RATE_FIELDS:
        return FundingRate
    probe = ("v", "s", Decimal("0.0001"), 8, datetime(2024, 1, 1, tzinfo=UTC), None, None, None, None)
    try:
        drafted = _build_by_draft(*probe, FundingSource.EXCHANGE, ())
    except TypeError:  # the layouts differ after all: __class__ cannot change
        return FundingRate
    if type(drafted) is not FundingRate or drafted != FundingRate(*probe):
        return FundingRate
    return _build_by_draft


_new_funding_rate = _fast_funding_rate()
# Funding rates repeat across symbols and refreshes (0.0001 is the default on most venues):
# converting each distinct float once saves a repr and a Decimal parse per row.
_rate_cache: dict[object, Decimal] = {}
_RATE_CACHE_MAX = 8192
_ASSUMED = (FLAG_INTERVAL_ASSUMED,)


def _price(value: object) -> Decimal | None:
    """A positive finite price; the venue's own string and ccxt's float are the fast paths."""
    cls = value.__class__
    if cls is str:
        try:
            price = Decimal(value)  # type: ignore[arg-type]
        except InvalidOperation:
            return None
        return price if price.is_finite() and price > _ZERO else None
    if cls is float:
        return Decimal(repr(value)) if 0 < value < _INF else None  # type: ignore[operator]
    return positive_or_none(value)


ExactFields = tuple[str | None, str | None, str | None]  # keys in ccxt's `info`: rate, mark, index


def funding_rows(
    venue: str,
    unified: Iterable[object],
    *,
    perpetuals: Container[str],
    interval_for: IntervalLookup,
    observed_at: datetime,
    report: ParseReport,
    reported_rate_hours: int | None = None,
    next_funding_on_schedule: bool = False,
    exact_fields: ExactFields | None = None,
    source: FundingSource = FundingSource.EXCHANGE,
) -> list[FundingRate]:
    """ccxt funding-rate structures -> FundingRate rows; bad rows are counted, never raised.

    `interval_for(symbol, row)` answers (hours, assumed) or None when the interval is unknown
    (the row is then dropped: a rate without its interval cannot be compared).
    `reported_rate_hours`: the period the venue's figure covers when it is not the settlement
    interval (the figure is rescaled to the interval).
    `next_funding_on_schedule`: the next settlement is the next interval boundary after
    `observed_at` (for venues that settle on the hour and do not say when).
    `exact_fields`: where the venue's own strings for the rate, mark and index price sit in
    ccxt's `info`; read from there they keep every digit the venue sent (ccxt's unified numbers
    are floats), and ccxt's number is the fallback when the string is missing or unreadable.

    This is the per-row hot path of every refresh (hundreds of rows per venue every few
    seconds), hence the local names and the inlined float fast paths.
    """
    rows: list[FundingRate] = []
    append = rows.append
    build = _new_funding_rate
    rate_cache = _rate_cache
    if len(rate_cache) > _RATE_CACHE_MAX:
        rate_cache.clear()
    times: dict[int, datetime] = {}  # venues stamp hundreds of rows with the same few times
    observed_ms = int(observed_at.timestamp() * 1000)
    latest_ok_ms = observed_ms + 24 * HOUR_MS
    absurd, least = ABSURD_RATE, -ABSURD_RATE
    zero = _ZERO
    rate_key, mark_key, index_key = exact_fields or (None, None, None)
    for row in unified:
        if row.__class__ is not dict:
            report.reject("not_an_object")
            continue
        get = row.get
        symbol = get("symbol")
        if symbol.__class__ is not str or not symbol:
            report.reject("no_symbol")
            continue
        if symbol not in perpetuals:
            report.skip("not_a_perpetual")
            continue
        info = get("info") if exact_fields is not None else None
        if info.__class__ is not dict:
            info = None
        raw_rate = info.get(rate_key) if info is not None and rate_key is not None else None
        if raw_rate.__class__ is not str:
            raw_rate = get("fundingRate")
        cls = raw_rate.__class__
        rate = rate_cache.get(raw_rate) if cls is float or cls is str else None
        if rate is None:
            rate = decimal_or_none(raw_rate)
            if rate is None and cls is str:  # the venue's string is unreadable: ccxt's number
                rate = decimal_or_none(get("fundingRate"))
                cls = None
            if rate is None:
                report.reject("no_rate")
                continue
            if cls is float or cls is str:
                rate_cache[raw_rate] = rate
        if rate > absurd or rate < least:
            report.reject("absurd_rate")
            continue
        raw_ts = get("timestamp")
        if raw_ts is None:
            ts = observed_at
        else:
            ts_ms = raw_ts if raw_ts.__class__ is int and _MIN_MS <= raw_ts <= _MAX_MS else ms_or_none(raw_ts)
            if ts_ms is None or ts_ms > latest_ok_ms:
                report.reject("bad_timestamp")
                continue
            ts = times.get(ts_ms) or times.setdefault(ts_ms, utc_from_ms(ts_ms))
        interval = interval_for(symbol, row)
        if interval is None:
            report.reject("interval_unknown")
            continue
        hours, assumed = interval
        if reported_rate_hours is not None and reported_rate_hours != hours:
            rate = rate * hours / reported_rate_hours
        if next_funding_on_schedule:
            step = hours * HOUR_MS
            next_ms: int | None = (observed_ms // step + 1) * step
        else:
            raw_next = get("fundingTimestamp")
            next_ms = (
                raw_next
                if raw_next.__class__ is int and _MIN_MS <= raw_next <= _MAX_MS
                else ms_or_none(raw_next)
            )
        next_ts = None
        if next_ms is not None:
            next_ts = times.get(next_ms) or times.setdefault(next_ms, utc_from_ms(next_ms))
        mark = info.get(mark_key) if info is not None and mark_key is not None else None
        if mark.__class__ is not str:
            mark = get("markPrice")
        mark_price = None
        if mark is not None:
            if mark.__class__ is str:  # the venue's own string: the common case, inlined
                try:
                    mark_price = Decimal(mark)
                except InvalidOperation:
                    mark_price = None
                if mark_price is not None and not (mark_price.is_finite() and mark_price > zero):
                    mark_price = None
            else:
                mark_price = _price(mark)
            if mark_price is None:
                report.note("bad_mark_price")
        index = info.get(index_key) if info is not None and index_key is not None else None
        if index.__class__ is not str:
            index = get("indexPrice")
        index_price = None
        if index.__class__ is str:  # as the mark price
            try:
                index_price = Decimal(index)
            except InvalidOperation:
                index_price = None
            if index_price is not None and not (index_price.is_finite() and index_price > zero):
                index_price = None
        elif index is not None:
            index_price = _price(index)
        predicted = get("nextFundingRate")
        predicted_rate = None
        if predicted is not None:
            predicted_rate = decimal_or_none(predicted)
            if predicted_rate is not None and abs(predicted_rate) > absurd:
                predicted_rate = None
                report.note("absurd_predicted_rate")
        append(
            build(
                venue,
                symbol,
                rate,
                hours,
                ts,
                next_ts,
                mark_price,
                index_price,
                predicted_rate,
                source,
                _ASSUMED if assumed else (),
            )
        )
    report.accepted += len(rows)
    return rows


def funding_history_rows(
    venue: str,
    unified: Iterable[object],
    *,
    symbol: str,
    fallback_interval: tuple[int, bool] | None,
    report: ParseReport,
) -> list[FundingRate]:
    """ccxt funding-rate-history structures for one symbol -> settled FundingRate rows, oldest first.

    Each settled rate covers the time since the settlement before it, so a row's interval is the
    gap to the previous row when that gap is a whole number of hours (a venue that changed its
    schedule keeps each era's interval); the first row takes the gap to the next one. Where no
    gap says anything, `fallback_interval` (hours, assumed) is used; without it the rows cannot
    be interpreted and are counted as `interval_unknown`.
    """
    settled: list[tuple[int, Decimal]] = []
    for row in unified:
        if type(row) is not dict:
            report.reject("not_an_object")
            continue
        if row.get("symbol") not in (symbol, None):
            report.skip("other_symbol")
            continue
        rate = decimal_or_none(row.get("fundingRate"))
        ts_ms = ms_or_none(row.get("timestamp"))
        if rate is None:
            report.reject("no_rate")
        elif abs(rate) > ABSURD_RATE:
            report.reject("absurd_rate")
        elif ts_ms is None:
            report.reject("bad_timestamp")
        else:
            settled.append((ts_ms, rate))
    settled.sort(key=lambda item: item[0])
    gaps = [whole_hours(b[0] - a[0], tolerance=0.1) for a, b in itertools.pairwise(settled)]
    rows: list[FundingRate] = []
    for i, (ts_ms, rate) in enumerate(settled):
        gap = gaps[i - 1] if i > 0 else (gaps[0] if gaps else None)
        if gap is not None:
            hours, assumed = gap, False
        elif fallback_interval is not None:
            hours, assumed = fallback_interval
        else:
            report.reject("interval_unknown")
            continue
        flags = (FLAG_INTERVAL_ASSUMED,) if assumed else ()
        rows.append(FundingRate(venue, symbol, rate, hours, utc_from_ms(ts_ms), flags=flags))
    report.accepted += len(rows)
    return rows


# -- markets ----------------------------------------------------------------------------------

TICK_SIZE_MODE = 4  # ccxt's TICK_SIZE precision mode; DECIMAL_PLACES (2) counts digits instead


def _step(value: object, precision_mode: int) -> Decimal | None:
    number = positive_or_none(value)
    if number is None:
        return None
    if precision_mode == TICK_SIZE_MODE:
        return number
    if number != number.to_integral_value():
        return None
    return Decimal(1).scaleb(-int(number))


def market_info(
    venue: str,
    market: Mapping[str, Any],
    *,
    precision_mode: int,
    interval_hours: int | None,
    report: ParseReport,
) -> MarketInfo | None:
    """A ccxt market structure -> MarketInfo for perpetual swaps and spot pairs; others skipped."""
    kind_name = market.get("type")
    if kind_name == "swap" and market.get("swap"):
        kind = MarketKind.PERP
    elif kind_name == "spot" and market.get("spot"):
        kind = MarketKind.SPOT
    else:
        report.skip("not_perp_or_spot")
        return None
    symbol, base, quote = market.get("symbol"), market.get("base"), market.get("quote")
    if not (isinstance(symbol, str) and isinstance(base, str) and isinstance(quote, str)):
        report.reject("no_symbol")
        return None
    settle = market.get("settle") if kind is MarketKind.PERP else None
    if kind is MarketKind.PERP and not isinstance(settle, str):
        report.reject("no_settle")
        return None
    precision = market.get("precision") or {}
    tick = _step(precision.get("price"), precision_mode)
    step = _step(precision.get("amount"), precision_mode)
    if tick is None or step is None:
        report.reject("no_precision")
        return None
    limits = market.get("limits") or {}
    min_amount = positive_or_none((limits.get("amount") or {}).get("min")) or step
    max_leverage = positive_or_none((limits.get("leverage") or {}).get("max"))
    extra: dict[str, Any] = {}
    maker, taker = decimal_or_none(market.get("maker")), decimal_or_none(market.get("taker"))
    if maker is not None:
        extra["maker_fee"] = maker
    if taker is not None:
        extra["taker_fee"] = taker
    contract_size = positive_or_none(market.get("contractSize"))
    if contract_size is not None:
        extra["contract_size"] = contract_size
    report.accepted += 1
    return MarketInfo(
        venue=venue,
        symbol=symbol,
        base=base,
        quote=quote,
        settle=settle if isinstance(settle, str) else None,
        kind=kind,
        price_tick=tick,
        amount_step=step,
        min_amount=min_amount,
        funding_interval_hours=interval_hours if kind is MarketKind.PERP else None,
        max_leverage=max_leverage,
        active=market.get("active") is not False,
        **extra,
    )


def market_info_interval_hours(market: Mapping[str, Any], key: str | None, unit_ms: int) -> int | None:
    """The funding interval a venue publishes in its market structure (`info[key]` in `unit_ms`)."""
    if key is None:
        return None
    info = market.get("info")
    if not isinstance(info, Mapping):
        return None
    value = decimal_or_none(info.get(key))
    if value is None:
        return None
    return whole_hours(float(value) * unit_ms, tolerance=0.0)


# -- tickers, books, balances, positions, orders ----------------------------------------------


def ticker(venue: str, raw: Mapping[str, Any], observed_at: datetime) -> Ticker | None:
    symbol = raw.get("symbol")
    if not isinstance(symbol, str):
        return None
    ts_ms = ms_or_none(raw.get("timestamp"))
    quote_volume = positive_or_none(raw.get("quoteVolume"))
    return Ticker(
        venue=venue,
        symbol=symbol,
        ts=utc_from_ms(ts_ms) if ts_ms is not None else observed_at,
        bid=positive_or_none(raw.get("bid")),
        ask=positive_or_none(raw.get("ask")),
        last=positive_or_none(raw.get("last")),
        volume_24h_usd=quote_volume,
    )


def _levels(
    raw: object, report: ParseReport, side: str, contract_size: Decimal
) -> tuple[tuple[Decimal, Decimal], ...]:
    levels: list[tuple[Decimal, Decimal]] = []
    if not isinstance(raw, list):
        report.reject(f"no_{side}")
        return ()
    for level in raw:
        if not isinstance(level, list | tuple) or len(level) < 2:
            report.reject(f"bad_{side}_level")
            continue
        price, amount = positive_or_none(level[0]), positive_or_none(level[1])
        if price is None or amount is None:
            report.reject(f"bad_{side}_level")
            continue
        levels.append((price, amount * contract_size))
    return tuple(levels)


def order_book(
    venue: str,
    symbol: str,
    raw: Mapping[str, Any],
    observed_at: datetime,
    report: ParseReport,
    contract_size: Decimal = Decimal(1),
) -> OrderBook:
    """Bids best first, asks best first, amounts in base units (ccxt gives contracts for
    contract markets: an OKX BTC-USDT-SWAP contract is 0.01 BTC). Unsorted levels are sorted."""
    bid_levels = _levels(raw.get("bids"), report, "bid", contract_size)
    ask_levels = _levels(raw.get("asks"), report, "ask", contract_size)
    bids = tuple(sorted(bid_levels, key=lambda lv: lv[0], reverse=True))
    asks = tuple(sorted(ask_levels, key=lambda lv: lv[0]))
    ts_ms = ms_or_none(raw.get("timestamp"))
    report.accepted += len(bids) + len(asks)
    return OrderBook(
        venue=venue,
        symbol=symbol,
        ts=utc_from_ms(ts_ms) if ts_ms is not None else observed_at,
        bids=bids,
        asks=asks,
    )


def balances(venue: str, raw: Mapping[str, Any]) -> list[Balance]:
    totals, free, used = raw.get("total") or {}, raw.get("free") or {}, raw.get("used") or {}
    result: list[Balance] = []
    for currency, total_raw in totals.items():
        total = decimal_or_none(total_raw)
        if total is None or total == 0:
            continue
        free_amount = decimal_or_none(free.get(currency))
        used_amount = decimal_or_none(used.get(currency))
        if free_amount is None:
            free_amount = total - (used_amount or Decimal(0))
        if used_amount is None:
            used_amount = total - free_amount
        result.append(Balance(venue, str(currency), total, free_amount, used_amount))
    return result


def position(venue: str, raw: Mapping[str, Any], report: ParseReport) -> Position | None:
    symbol = raw.get("symbol")
    contracts = decimal_or_none(raw.get("contracts"))
    if not isinstance(symbol, str) or contracts is None:
        report.reject("bad_position")
        return None
    if contracts == 0:
        report.skip("flat")
        return None
    side_name = raw.get("side")
    if side_name not in ("long", "short"):
        report.reject("bad_side")
        return None
    entry = positive_or_none(raw.get("entryPrice"))
    if entry is None:
        report.reject("no_entry_price")
        return None
    size = abs(contracts) * (positive_or_none(raw.get("contractSize")) or Decimal(1))
    report.accepted += 1
    return Position(
        venue=venue,
        symbol=symbol,
        side=PositionSide(side_name),
        amount=size,
        entry_price=entry,
        mark_price=positive_or_none(raw.get("markPrice")),
        liquidation_price=positive_or_none(raw.get("liquidationPrice")),
        leverage=positive_or_none(raw.get("leverage")),
        margin=positive_or_none(raw.get("initialMargin")) or positive_or_none(raw.get("collateral")),
        unrealized_pnl=decimal_or_none(raw.get("unrealizedPnl")) or Decimal(0),
    )


_ORDER_STATUS = {
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
    "rejected": OrderStatus.REJECTED,
    "expired": OrderStatus.EXPIRED,
}


@dataclass(frozen=True, slots=True)
class OrderDefaults:
    """What we asked for, used where a venue's acknowledgement leaves a field out."""

    symbol: str
    side: Side
    type: OrderType
    amount: Decimal
    price: Decimal | None = None
    client_order_id: str = ""
    reduce_only: bool = False


def order(
    venue: str,
    raw: Mapping[str, Any],
    asked: OrderDefaults | None = None,
    contract_size: Decimal = Decimal(1),
) -> Order | None:
    """A ccxt order structure -> Order, amounts in base units (ccxt counts contracts).

    Many venues acknowledge a new order with little more than its id, so missing fields fall
    back to what was asked; without either the order is unusable."""
    order_id = raw.get("id")
    if order_id is None or order_id == "":
        return None
    symbol = raw.get("symbol") or (asked.symbol if asked else None)
    side_name = raw.get("side") or (asked.side.value if asked else None)
    type_name = raw.get("type") or (asked.type.value if asked else None)
    contracts = positive_or_none(raw.get("amount"))
    amount = contracts * contract_size if contracts is not None else (asked.amount if asked else None)
    if not isinstance(symbol, str) or side_name not in ("buy", "sell") or amount is None:
        return None
    status = _ORDER_STATUS.get(str(raw.get("status")).lower(), OrderStatus.OPEN)
    fee_info = raw.get("fee") or {}
    filled = (decimal_or_none(raw.get("filled")) or Decimal(0)) * contract_size
    ts_ms = ms_or_none(raw.get("timestamp"))
    fills = tuple(
        fill
        for fill in (
            _fill(trade, contract_size) for trade in raw.get("trades") or () if isinstance(trade, Mapping)
        )
        if fill is not None
    )
    return Order(
        venue=venue,
        symbol=symbol,
        id=str(order_id),
        client_order_id=str(raw.get("clientOrderId") or (asked.client_order_id if asked else "")),
        side=Side(side_name),
        type=OrderType.LIMIT if type_name == "limit" else OrderType.MARKET,
        amount=amount,
        price=positive_or_none(raw.get("price")) or (asked.price if asked else None),
        status=status,
        filled=filled,
        average=positive_or_none(raw.get("average")),
        fee=abs(decimal_or_none(fee_info.get("cost")) or Decimal(0))
        if isinstance(fee_info, Mapping)
        else Decimal(0),
        ts=utc_from_ms(ts_ms) if ts_ms is not None else None,
        fills=fills,
        reduce_only=bool(raw.get("reduceOnly")) or (asked.reduce_only if asked else False),
    )


def _fill(trade: Mapping[str, Any], contract_size: Decimal) -> Fill | None:
    price, amount = positive_or_none(trade.get("price")), positive_or_none(trade.get("amount"))
    ts_ms = ms_or_none(trade.get("timestamp"))
    if price is None or amount is None or ts_ms is None:
        return None
    fee = trade.get("fee") or {}
    return Fill(
        price=price,
        amount=amount * contract_size,
        fee=abs(decimal_or_none(fee.get("cost")) or Decimal(0)),
        fee_currency=str(fee.get("currency") or ""),
        ts=utc_from_ms(ts_ms),
        maker=trade.get("takerOrMaker") == "maker",
    )
