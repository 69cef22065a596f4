"""Stata-compatible percentiles, describe, signed-rank tests: hand-worked answers."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview.stats import describe, exact_signrank_p, signrank, signrank_statistics, stata_percentiles

# ---------------------------------------------------------------- percentiles
# Stata: P = n·p/100; P integer i -> (x(i) + x(i+1)) / 2, else x(floor(P) + 1).


def test_percentiles_even_n():
    # n = 4: P25 = 1 (integer) -> (x1+x2)/2 = 1.5; P50 = 2 -> (2+3)/2 = 2.5; P75 = 3 -> (3+4)/2 = 3.5
    assert stata_percentiles([4, 1, 3, 2]) == (1.5, 2.5, 3.5)


def test_percentiles_odd_n():
    # n = 5: P25 = 1.25 -> x2 = 20; P50 = 2.5 -> x3 = 30; P75 = 3.75 -> x4 = 40
    assert stata_percentiles([50, 10, 40, 20, 30]) == (20.0, 30.0, 40.0)


def test_percentiles_n34_as_the_paper():
    # n = 34: P25 = 8.5 -> x9; P50 = 17 -> (x17 + x18)/2; P75 = 25.5 -> x26
    assert stata_percentiles(range(1, 35)) == (9.0, 17.5, 26.0)


def test_percentiles_n17_as_the_retention_groups():
    # n = 17: P25 = 4.25 -> x5; P50 = 8.5 -> x9; P75 = 12.75 -> x13
    assert stata_percentiles(range(1, 18)) == (5.0, 9.0, 13.0)


def test_percentile_integer_position_detected_exactly():
    # n = 30, p = 10: 30·10/100 = 3 exactly -> (x3 + x4)/2 = 3.5 (a float 30·0.1 would be 3.0000000000000004 -> x4)
    assert stata_percentiles(range(1, 31), ps=(10,)) == (3.5,)


def test_percentiles_extremes_and_missing():
    assert stata_percentiles([3, 1, 2], ps=(0, 100)) == (1.0, 3.0)
    assert stata_percentiles(pd.Series([1, None, 3], dtype="Int64"), ps=(50,)) == (2.0,)  # (1+3)/2: n=2, P=1
    assert all(math.isnan(v) for v in stata_percentiles([]))
    assert all(math.isnan(v) for v in stata_percentiles([np.nan, np.nan]))
    with pytest.raises(ValueError):
        stata_percentiles([1, 2], ps=(101,))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=60))
def test_percentiles_agree_with_numpy_averaged_inverted_cdf(values):
    # p/100 of 25, 50, 75 are exact binary fractions, so numpy's definition is exact here
    expected = np.percentile(np.array(values, dtype=float), [25, 50, 75], method="averaged_inverted_cdf")
    got = stata_percentiles(values)
    assert got == tuple(float(v) for v in expected)
    assert min(values) <= got[0] <= got[1] <= got[2] <= max(values)


# ---------------------------------------------------------------- describe


def test_describe_hand_worked():
    # x = 2 4 4 4 5 5 7 9: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32, sd = sqrt(32/7)
    # P25 = 2 -> (x2+x3)/2 = 4; P50 = 4 -> (x4+x5)/2 = 4.5; P75 = 6 -> (x6+x7)/2 = 6
    d = describe([9, 4, 2, 4, 5, 4, 7, 5])
    assert d == {"n": 8, "median": 4.5, "p25": 4.0, "p75": 6.0, "mean": 5.0, "sd": math.sqrt(32 / 7), "min": 2.0, "max": 9.0}


def test_describe_empty_group_and_single_value():
    empty = describe([])
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in empty if k != "n")
    one = describe(pd.Series([7.0, np.nan]))
    assert one["n"] == 1 and one["mean"] == one["median"] == one["min"] == one["max"] == 7.0
    assert math.isnan(one["sd"])  # n - 1 = 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=40), st.randoms())
def test_describe_does_not_depend_on_order(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    a, b = describe(values), describe(shuffled)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key] or (math.isnan(a[key]) and math.isnan(b[key]))


# ---------------------------------------------------------------- signrank (Stata)


def test_signrank_stata_manual_fuel_example():
    # Stata [R] signrank, example 1: signrank mpg1 = mpg2 (without / with fuel treatment).
    mpg1 = [20, 23, 21, 25, 18, 17, 18, 24, 20, 24, 23, 19]
    mpg2 = [24, 25, 21, 22, 23, 18, 17, 28, 24, 27, 21, 23]
    # d = mpg1 - mpg2 = -4 -2 0 3 -5 -1 1 -4 -4 -3 2 -4; |d| ranked with the zero:
    # 0 -> 1; 1,1 -> 2.5; 2,2 -> 4.5; 3,3 -> 6.5; 4,4,4,4 -> 9.5; 5 -> 12
    # positive d: 3 (6.5), 1 (2.5), 2 (4.5) -> T+ = 13.5; negative 63.5; zero 1
    # E(T+) = (12·13 - 1·2)/4 = 38.5; Var = 12·13·25/24 = 162.5, ties -(6+6+6+60)/48 = -1.625,
    # zeros -1·2·3/24 = -0.25 -> 160.625; z = (13.5 - 38.5)/sqrt(160.625) = -1.9726 (Stata: -1.973, P 0.0485)
    res = signrank_statistics(before=mpg2, after=mpg1)  # Stata's "signrank after = before"
    assert (res["n_positive"], res["n_negative"], res["n_zero"]) == (3, 8, 1)
    assert (res["sum_positive"], res["sum_negative"], res["sum_zero"]) == (13.5, 63.5, 1.0)
    assert res["expected_positive"] == 38.5
    assert res["variance_unadjusted"] == 162.5
    assert res["adjustment_ties"] == -1.625
    assert res["adjustment_zeros"] == -0.25
    assert res["variance"] == 160.625
    assert res["z"] == pytest.approx(-25 / math.sqrt(160.625), abs=1e-12)
    assert round(res["z"], 3) == -1.973
    assert round(res["p"], 4) == 0.0485
    assert signrank(mpg2, mpg1) == (res["z"], res["p"])


def test_signrank_tied_zeros_and_tied_nonzero_differences():
    # d = after - before = 0 0 -1 -2 -2 3; |d| ranks: zeros 1.5 1.5; 1 -> 3; 2,2 -> 4.5; 3 -> 6
    # T+ = 6; E = (6·7 - 2·3)/4 = 9; Var = 6·7·13/24 = 22.75, zeros -2·3·5/24 = -1.25,
    # ties among non-zero |d| only: one pair -> -(8-2)/48 = -0.125 -> 21.375
    # (check: sum of non-zero r²/4 = (9 + 20.25 + 20.25 + 36)/4 = 21.375); z = -3/sqrt(21.375)
    before = [5, 5, 5, 5, 5, 5]
    after = [5, 5, 4, 3, 3, 8]
    res = signrank_statistics(before, after)
    assert res["sum_zero"] == 3.0 and res["sum_positive"] == 6.0 and res["sum_negative"] == 12.0
    assert res["adjustment_zeros"] == -1.25 and res["adjustment_ties"] == -0.125
    assert res["variance"] == 21.375
    assert res["z"] == pytest.approx(-3 / math.sqrt(21.375), abs=1e-12)
    assert res["p"] == pytest.approx(math.erfc(3 / math.sqrt(21.375) / math.sqrt(2)), abs=1e-15)


def test_signrank_paper_like_doses():
    # 34 pairs: 19 unchanged, 15 reduced (12 by distinct amounts 5..60, 3 stopped from 90 -> 0, tied)
    # T+ = 0; E = (34·35 - 19·20)/4 = 202.5; Var = 34·35·69/24 - 19·20·39/24 - (27-3)/48
    #   = 3421.25 - 617.5 - 0.5 = 2803.25; z = -202.5/sqrt(2803.25) = -3.8247 (paper: P < 0.001)
    before = [90.0] * 34
    after = [90.0] * 19 + [90.0 - 5 * k for k in range(1, 13)] + [0.0, 0.0, 0.0]
    res = signrank_statistics(before, after)
    assert res["variance"] == 2803.25
    assert res["z"] == pytest.approx(-202.5 / math.sqrt(2803.25), abs=1e-12)
    assert round(res["z"], 1) == -3.8
    assert res["p"] < 0.001


def test_signrank_all_zero_differences_is_missing():
    res = signrank([1, 2, 3], [1, 2, 3])
    assert math.isnan(res.z) and math.isnan(res.p)


def test_signrank_drops_incomplete_pairs():
    full = signrank_statistics([1, 2, 3, 4], [2, 4, 1, 8])
    with_missing = signrank_statistics([1, 2, 3, 4, np.nan, 5], [2, 4, 1, 8, 3, np.nan])
    assert with_missing["n"] == 4 and with_missing["z"] == full["z"]
    with pytest.raises(ValueError):
        signrank([1, 2], [1])


def test_signrank_decimals_restore_a_tie_broken_by_float_noise():
    # 0.3 - 0.1 = 0.19999999999999998 but 0.2 - 0.0 = 0.2: a tie only once rounded
    noisy = signrank_statistics([0.1, 0.0, 5.0], [0.3, 0.2, 4.0])
    rounded = signrank_statistics([0.1, 0.0, 5.0], [0.3, 0.2, 4.0], decimals=6)
    assert noisy["adjustment_ties"] == 0
    assert rounded["adjustment_ties"] == -(8 - 2) / 48


def _naive_midranks(x):
    return [sum(v < xi for v in x) + (sum(v == xi for v in x) + 1) / 2 for xi in x]


pairs = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(pairs)
def test_signrank_variance_is_exact_conditional_variance(data):
    # Invariant: Stata's adjusted variance = sum over non-zero d of r²/4 (ranks over all |d|)
    before = [b for b, _ in data]
    after = [a for _, a in data]
    d = [a - b for b, a in data]
    r = _naive_midranks([abs(v) for v in d])
    res = signrank_statistics(before, after)
    assert res["variance"] == pytest.approx(sum(ri**2 for ri, di in zip(r, d) if di != 0) / 4, abs=1e-9)
    assert res["sum_positive"] + res["sum_negative"] + res["sum_zero"] == len(d) * (len(d) + 1) / 2


@settings(max_examples=100, deadline=None)
@given(pairs)
def test_signrank_swapping_before_and_after_negates_z(data):
    before = [b for b, _ in data]
    after = [a for _, a in data]
    one, other = signrank(before, after), signrank(after, before)
    if math.isnan(one.z):
        assert math.isnan(other.z)
    else:
        assert one.z == pytest.approx(-other.z, abs=1e-12) and one.p == pytest.approx(other.p, abs=1e-15)


# ---------------------------------------------------------------- exact p (zeros discarded)


def test_exact_p_small_hand_worked():
    # d = 1, -2, 3: ranks 1 2 3, T+ = 4, E = 3. Over the 8 sign patterns T+ is 0 1 2 3 3 4 5 6;
    # |T+ - 3| >= 1 in 6 of 8 -> 0.75
    assert exact_signrank_p([0, 2, 0], [1, 0, 3]) == 0.75
    # zeros are discarded before ranking: same p
    assert exact_signrank_p([0, 2, 0, 7, 7], [1, 0, 3, 7, 7]) == 0.75


def test_exact_p_all_one_direction():
    # five decreases: only the all-negative and all-positive patterns are as extreme -> 2/32
    assert exact_signrank_p([5, 5, 5, 5, 5], [4, 3, 2, 1, 0]) == 2 / 32
    # the paper-like doses: 15 decreases, 19 zeros discarded -> 2/2^15
    before = [90.0] * 34
    after = [90.0] * 19 + [90.0 - 5 * k for k in range(1, 13)] + [0.0, 0.0, 0.0]
    assert exact_signrank_p(before, after) == 2 / 2**15


def test_exact_p_with_tied_ranks_and_no_differences():
    # d = 1, 1, -1: every rank 2; T+ is 0, 2, 4 or 6 with weights 1 3 3 1; observed 4, E = 3 -> every
    # pattern is at least |4 - 3| = 1 from E -> p = 1
    assert exact_signrank_p([0, 0, 1], [1, 1, 0]) == 1.0
    assert exact_signrank_p([1, 2], [1, 2]) == 1.0


def _enumerated_exact_p(before, after):
    """Reference: every one of the 2^n sign patterns of the re-ranked non-zero |d|."""
    from itertools import product

    d = [a - b for b, a in zip(before, after) if a != b]
    ranks = pd.Series([abs(x) for x in d]).rank(method="average").tolist()
    total = sum(ranks)
    observed = sum(r for r, x in zip(ranks, d) if x > 0)
    extreme = sum(
        abs(2 * sum(r for r, s in zip(ranks, signs) if s) - total) >= abs(2 * observed - total)
        for signs in product((0, 1), repeat=len(d))
    )
    return extreme / 2 ** len(d)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=9))
def test_exact_p_equals_full_enumeration_of_sign_patterns(pairs):
    before, after = zip(*pairs)
    expected = _enumerated_exact_p(before, after) if any(a != b for b, a in pairs) else 1.0
    assert exact_signrank_p(list(before), list(after)) == expected


def test_exact_p_beyond_the_cut_off_is_the_normal_approximation():
    # n = EXACT_MAX_N + 1 non-zero differences, no ties: d = 1..n with every third negative.
    from painreview.stats import EXACT_MAX_N

    n = EXACT_MAX_N + 1
    d = [(-k if k % 3 == 0 else k) for k in range(1, n + 1)]
    t = sum(k for k in range(1, n + 1) if k % 3)
    z = (t - n * (n + 1) / 4) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert exact_signrank_p([0] * n, d) == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)
    # at the cut-off itself the exact p is computed, and it is close to the approximation
    exact = exact_signrank_p([0] * EXACT_MAX_N, d[:EXACT_MAX_N])
    t = sum(k for k in range(1, EXACT_MAX_N + 1) if k % 3)
    m = EXACT_MAX_N
    z = (t - m * (m + 1) / 4) / math.sqrt(m * (m + 1) * (2 * m + 1) / 24)
    assert exact == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), abs=1e-5)


def test_exact_p_agrees_with_scipys_exact_distribution_without_ties():
    from scipy.stats import wilcoxon

    before = [0.0] * 20
    after = [k * (-1) ** (k // 3) for k in range(1, 21)]
    theirs = wilcoxon(after, before, zero_method="wilcox", method="exact")
    assert exact_signrank_p(before, after) == pytest.approx(theirs.pvalue, rel=1e-12)


def test_signrank_agrees_with_scipys_pratt_wilcoxon_on_the_papers_design():
    # Cross-check beside the hand-worked examples: scipy's wilcoxon with Pratt's treatment of
    # zeros, no continuity correction and the normal approximation is Stata's signrank.
    from scipy.stats import wilcoxon

    before = [60, 90, 90, 240, 120, 30, 45, 200, 160, 72, 72, 300, 24, 36, 90, 150]
    after = [30, 72, 90, 160, 120, 0, 45, 160, 160, 72, 36, 240, 24, 0, 90, 150]
    ours = signrank(before, after)
    theirs = wilcoxon(after, before, zero_method="pratt", correction=False, method="asymptotic")
    assert ours.p == pytest.approx(theirs.pvalue, rel=1e-12)


def test_percent_of_an_empty_denominator_is_missing():
    from painreview.stats import percent

    assert percent(22, 34) == 100 * 22 / 34
    assert math.isnan(percent(0, 0))
