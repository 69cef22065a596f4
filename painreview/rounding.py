"""Rounding as the paper's analysis (Stata 15.1) rounds, in exact arithmetic.

A float is taken by its shortest repr (64.705 is 12941/200, not the binary neighbour just
below it), so that rounding a printed-looking number gives what a reader expects. The
rendering of tables and the audit's checks of the paper use the same functions.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def exact(value) -> Fraction:
    """``value`` (text, int, Decimal, Fraction or float) as an exact fraction; a float by its
    shortest repr, so 0.1 is 1/10 and 64.705 is 12941/200."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    return Fraction(Decimal(str(value).strip()))


def round_half_away(x, decimals: int) -> Decimal:
    """``x`` rounded at ``decimals`` places, half away from zero (Stata ``round()``)."""
    q = exact(x) * Fraction(10) ** decimals
    sign = -1 if q < 0 else 1
    n = math.floor(abs(q) + Fraction(1, 2)) * sign
    return scaled(n, decimals)


def round_half_even(x, decimals: int) -> Decimal:
    """``x`` rounded at ``decimals`` places, half to even (IEEE 754 default)."""
    q = exact(x) * Fraction(10) ** decimals
    return scaled(round(q), decimals)


def truncated(x, decimals: int) -> Decimal:
    """``x`` cut (towards zero) at ``decimals`` places."""
    q = exact(x) * Fraction(10) ** decimals
    return scaled(math.trunc(q), decimals)


def scaled(n: int, decimals: int) -> Decimal:
    """The integer ``n`` read as ``n`` × 10^−decimals, written with ``decimals`` places."""
    return Decimal(n).scaleb(-decimals)
