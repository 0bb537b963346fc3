"""Where the simulator's floats become the Decimals the rest of the product sees.

Inside, the market runs on floats for speed; every price, rate and amount it hands out goes
through here, rounded to the venue's own precision, so the same value always reads the same.
"""

from __future__ import annotations

from decimal import Decimal

_FORMATS = [f"{{:.{places}f}}".format for places in range(19)]


def fixed(value: float, places: int) -> Decimal:
    """`value` rounded to `places` decimals (0..18), never a negative zero."""
    result = Decimal(_FORMATS[places](value))
    return result if result else abs(result)
