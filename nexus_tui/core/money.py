"""Decimal helpers for the money path. Money is Decimal; floats are for scores and rankings only."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation, getcontext

getcontext().prec = 28

ZERO = Decimal(0)
ONE = Decimal(1)
HOURS_PER_YEAR = Decimal(24 * 365)


def D(value: object) -> Decimal:
    """Exact Decimal from a str/int/Decimal; a float goes through repr so 0.1 stays 0.1.

    Raises ValueError (never InvalidOperation) for anything that is not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def opt_decimal(value: object) -> Decimal | None:
    """Like D, but None/'' map to None (for optional wire fields)."""
    if value is None or value == "":
        return None
    return D(value)


def quantize_down(value: Decimal, step: Decimal) -> Decimal:
    """Round an amount down to a multiple of `step` (lot size): never order more than asked."""
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def quantize_price(value: Decimal, tick: Decimal) -> Decimal:
    """Round a price to the nearest tick (banker's rounding keeps no systematic bias)."""
    if tick <= 0:
        return value
    return (value / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick


def hourly(rate_per_interval: Decimal, interval_hours: Decimal | int) -> Decimal:
    """Funding rate per hour from a rate per funding interval."""
    return rate_per_interval / Decimal(interval_hours)


def apr_from_hourly(rate_hourly: Decimal) -> Decimal:
    """Simple (non-compounded) annual rate from an hourly rate, as a fraction (0.1 = 10 %)."""
    return rate_hourly * HOURS_PER_YEAR
