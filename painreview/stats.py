"""Summary statistics and the signed-rank test, computed as Stata 15 computes them.

The paper's analysis used Stata 15.1 (paper, Methods: Analysis), so percentiles follow
``summarize, detail`` and the paired test follows ``signrank``. Inputs are array-likes
(lists, numpy arrays, pandas Series including nullable ``Int64``); missing values are
dropped (pairs with a missing member are dropped, as Stata's ``signrank`` does).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np


def _clean(values) -> np.ndarray:
    """Float array of the non-missing values, in input order."""
    if hasattr(values, "to_numpy"):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.array([np.nan if v is None else v for v in values], dtype=float)
    arr = np.asarray(arr, dtype=float).ravel()
    return arr[~np.isnan(arr)]


def stata_percentiles(values, ps=(25, 50, 75)) -> tuple[float, ...]:
    """Percentiles ``ps`` (0-100) of ``values`` as Stata's ``summarize, detail`` gives them.

    Stata [R] summarize, Methods and formulas: with x(1) ≤ … ≤ x(n) and P = n·p/100,
    i = floor(P): if P is an integer the p-th percentile is (x(i) + x(i+1)) / 2, otherwise
    x(i+1) (numpy's ``method="averaged_inverted_cdf"``). P is computed exactly (as a
    fraction) so that e.g. n = 30, p = 10 is recognised as an integer. p = 0 gives the
    minimum and p = 100 the maximum. NaN for every p when there are no values.
    """
    x = np.sort(_clean(values))
    n = len(x)
    out = []
    for p in ps:
        frac = Fraction(str(p))
        if not 0 <= frac <= 100:
            raise ValueError(f"percentile {p} outside 0-100")
        if n == 0:
            out.append(math.nan)
            continue
        pos = n * frac / 100
        i = math.floor(pos)
        if pos == i:
            if i == 0:
                out.append(float(x[0]))
            elif i >= n:
                out.append(float(x[n - 1]))
            else:
                out.append(float((x[i - 1] + x[i]) / 2))
        else:
            out.append(float(x[i]))
    return tuple(out)


def percent(n, total) -> float:
    """100·n/total, NaN for an empty denominator (a row with nobody to count)."""
    return 100 * n / total if total else math.nan


def describe(values) -> dict:
    """n, median, p25, p75 (Stata percentiles), mean, sd (n − 1), min, max; NaN when empty.

    Sums use ``math.fsum`` (exactly rounded), so the result does not depend on the order
    of the values.
    """
    x = _clean(values)
    n = len(x)
    if n == 0:
        nan = math.nan
        return {"n": 0, "median": nan, "p25": nan, "p75": nan, "mean": nan, "sd": nan, "min": nan, "max": nan}
    p25, median, p75 = stata_percentiles(x, (25, 50, 75))
    mean = math.fsum(x) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2) / (n - 1)) if n > 1 else math.nan
    return {
        "n": n,
        "median": median,
        "p25": p25,
        "p75": p75,
        "mean": mean,
        "sd": sd,
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _pairs(before, after, decimals: int | None) -> np.ndarray:
    """Differences after − before over pairs with both values, optionally rounded."""
    b = np.asarray(before.to_numpy(dtype=float, na_value=np.nan) if hasattr(before, "to_numpy") else before, dtype=float)
    a = np.asarray(after.to_numpy(dtype=float, na_value=np.nan) if hasattr(after, "to_numpy") else after, dtype=float)
    if b.shape != a.shape:
        raise ValueError(f"before and after differ in length ({len(b)} and {len(a)})")
    keep = ~np.isnan(b) & ~np.isnan(a)
    d = a[keep] - b[keep]
    if decimals is not None:
        d = np.round(d, decimals) + 0.0
    return d


def _midranks(x: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Ranks 1..n of ``x`` with ties given their average rank, and the tie-group sizes
    (in ascending order of value). Vectorised: a group of t ties starting at sorted
    position i (0-based) gets rank i + (t + 1) / 2, a half-integer, so exact in float."""
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=float), []
    order = np.argsort(x, kind="mergesort")
    _, first, inverse, sizes = np.unique(x[order], return_index=True, return_inverse=True, return_counts=True)
    ranks = np.empty(n, dtype=float)
    ranks[order] = (first + (sizes + 1) / 2)[inverse]
    return ranks, sizes.tolist()


def signrank_statistics(before, after, decimals: int | None = None) -> dict:
    """Every number of Stata's ``signrank after = before`` table, plus z and p.

    Stata [R] signrank, Methods and formulas: with d = after − before, rank |d| over all
    pairs, zeros included, ties given average ranks. T+ is the sum of the ranks of positive
    d; E(T+) = [n(n+1) − n0(n0+1)] / 4; Var(T+) = n(n+1)(2n+1)/24 (unadjusted)
    − n0(n0+1)(2n0+1)/24 (adjustment for zeros) − Σ(t³ − t)/48 over the groups of t tied
    non-zero |d| (adjustment for ties); z = (T+ − E(T+)) / √Var(T+), two-sided normal p,
    no continuity correction. The adjusted variance equals Σ r²/4 over non-zero d, the
    exact conditional variance. ``decimals`` rounds d before ranking, so that
    floating-point noise in a difference cannot split a tie. z and p are NaN when the
    adjusted variance is 0 (Stata prints missing).

    Note the direction: z < 0 when values fall from ``before`` to ``after``.
    """
    d = _pairs(before, after, decimals)
    n = len(d)
    ranks, _ = _midranks(np.abs(d))
    pos, neg, zero = d > 0, d < 0, d == 0
    n0 = int(zero.sum())
    _, nonzero_ties = _midranks(np.abs(d[~zero]))
    expected = (n * (n + 1) - n0 * (n0 + 1)) / 4
    var_unadjusted = n * (n + 1) * (2 * n + 1) / 24
    adjustment_zeros = -n0 * (n0 + 1) * (2 * n0 + 1) / 24
    adjustment_ties = -sum(t**3 - t for t in nonzero_ties) / 48
    variance = var_unadjusted + adjustment_zeros + adjustment_ties
    sum_positive = math.fsum(ranks[pos])
    if variance > 0:
        z = (sum_positive - expected) / math.sqrt(variance)
        p = math.erfc(abs(z) / math.sqrt(2))
    else:
        z = p = math.nan
    return {
        "n": n,
        "n_positive": int(pos.sum()),
        "n_negative": int(neg.sum()),
        "n_zero": n0,
        "sum_positive": sum_positive,
        "sum_negative": math.fsum(ranks[neg]),
        "sum_zero": math.fsum(ranks[zero]),
        "expected_positive": expected,
        "variance_unadjusted": var_unadjusted,
        "adjustment_ties": adjustment_ties,
        "adjustment_zeros": adjustment_zeros,
        "variance": variance,
        "z": z,
        "p": p,
    }


class SignRank(NamedTuple):
    """Result of ``signrank``: the normal statistic and its two-sided p."""

    z: float
    p: float


def signrank(before, after, decimals: int | None = None) -> SignRank:
    """Wilcoxon matched-pairs signed-rank test as Stata's ``signrank after = before``:
    (z, p). See ``signrank_statistics`` for the formulas."""
    res = signrank_statistics(before, after, decimals)
    return SignRank(res["z"], res["p"])


EXACT_MAX_N = 200
"""The exact p of ``exact_signrank_p`` is computed up to this many non-zero differences
(about 0.05 s on one core); beyond it the normal approximation is returned (see
docs/outputs.md, results.csv)."""


def _lower_tail_count(weights: list[int], low: int) -> int:
    """Number of subsets of ``weights`` (positive ints) whose sum is at most ``low``.

    The generating function prod(1 + x^w) is held as one Python integer with a fixed
    number of bits per coefficient (a coefficient is at most 2^n, so n + 1 bits, rounded
    up to whole bytes): multiplying by (1 + x^w) is one shift and one add, in C, and only
    the coefficients of x^0 .. x^low are kept. Exact integer arithmetic throughout.
    """
    width = (len(weights) + 8) // 8  # bytes per coefficient: at least n + 1 bits
    bits = 8 * width
    mask = (1 << ((low + 1) * bits)) - 1
    poly = 1
    for w in sorted(weights):
        if w > low:
            break
        poly = (poly + (poly << (w * bits))) & mask
    raw = poly.to_bytes((low + 1) * width, "little")
    return sum(int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width))


def exact_signrank_p(before, after, decimals: int | None = None) -> float:
    """Two-sided p of the signed-rank test with zero differences discarded: exact up to
    ``EXACT_MAX_N`` non-zero differences, the normal approximation beyond.

    Zeros are dropped and the remaining |d| re-ranked (ties averaged); under H0 each
    sign is + or − with probability 1/2 independently, so T+ is a random subset-sum of
    the ranks, symmetric about half their total. Exact: on doubled ranks (integers,
    divided by their common divisor), p = P(|T+ − E| ≥ |t − E|) = 2·P(T+ ≤ E − |t − E|)
    (the two tails are disjoint unless t = E, when p = 1), counted exactly by
    ``_lower_tail_count``. Beyond ``EXACT_MAX_N``: z = (t − E) / √(Σ r² / 4), the exact
    variance of T+ with ties (Stata [R] signrank, Methods and formulas, with n0 = 0), two-
    sided normal p, no continuity correction (as Stata's ``signrank``). 1.0 when no
    difference is non-zero.
    """
    d = _pairs(before, after, decimals)
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 1.0
    ranks, _ = _midranks(np.abs(d))
    if n > EXACT_MAX_N:
        z = (math.fsum(ranks[d > 0]) - math.fsum(ranks) / 2) / math.sqrt(math.fsum(ranks**2) / 4)
        return math.erfc(abs(z) / math.sqrt(2))
    doubled = [int(round(2 * r)) for r in ranks]
    g = math.gcd(*doubled)
    weights = [r // g for r in doubled]
    total = sum(weights)
    observed = sum(w for w, v in zip(weights, d) if v > 0)
    distance = abs(2 * observed - total)
    if distance == 0:
        return 1.0
    return 2 * _lower_tail_count(weights, (total - distance) // 2) / 2**n
