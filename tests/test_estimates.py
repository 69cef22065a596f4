"""Hodges–Lehmann and t estimates of the paired changes (painreview.estimates).

Reference values:
- Depression data (Hollander & Wolfe 1973, p. 29f; the example data of R's
  ``?wilcox.test``): x = first visit, y = second visit Hamilton scores. Hollander & Wolfe
  give the Hodges–Lehmann estimate 0.46 of the median of x − y. R 4.2.2 (Debian
  r-base-core 4.2.2.20221110-2) prints for ``wilcox.test(x, y, paired = TRUE, conf.int =
  TRUE)``: "V = 40, p-value = 0.03906 ... 95 percent confidence interval: 0.010 0.786 ...
  (pseudo)median 0.46"; for ``wilcox.test(y - x, conf.int = TRUE, exact = FALSE)``:
  "-0.786042991 -0.009961942 ... (pseudo)median -0.4599656"; ``t.test(x, y, paired =
  TRUE)``: "t = 3.0354, df = 8 ... 0.1037787 0.7599991 ... mean difference 0.4318889".
  The values below are R's printed with ``digits = 17``.
- Ties and zeros: R 4.2.2 ``wilcox.test(c(0, 0, 1, 1, 2, -1, 3, 3, 5, 2, 4), conf.int =
  TRUE)``.
- Small cases worked by hand (below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview.estimates import (EXACT, NORMAL, brent_root, estimate_row, hodges_lehmann, mean_difference,
                                  psignrank, qsignrank, signrank_counts)

X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
D = np.array(X) - np.array(Y)


def test_signrank_distribution_by_hand():
    # n = 3: the 8 sign patterns give V = 0, 1, 2, 3, 3, 4, 5, 6.
    assert signrank_counts(3) == [1, 1, 1, 2, 1, 1, 1]
    assert psignrank(0, 3) == 1 / 8
    assert qsignrank(0.025, 3) == 0
    # n = 9: R's qsignrank(0.025, 9) is 6 and psignrank(5, 9) is 10/512.
    assert qsignrank(0.025, 9) == 6
    assert psignrank(5, 9) == pytest.approx(10 / 512)


def test_exact_depression_matches_hollander_wolfe_and_r():
    hl = hodges_lehmann(D)
    assert hl["method"] == EXACT and hl["n"] == 9
    assert hl["estimate"] == pytest.approx(0.46000000000000008, abs=1e-15)  # H&W: 0.46
    assert hl["ci_low"] == pytest.approx(0.010000000000000009, abs=1e-15)
    assert hl["ci_high"] == pytest.approx(0.786000000000000032, abs=1e-15)
    assert hl["conf_level"] == 0.95


def test_normal_approximation_depression_matches_r(monkeypatch):
    import painreview.estimates as est

    monkeypatch.setattr(est, "EXACT_BELOW", 0)  # R's exact = FALSE
    hl = hodges_lehmann(-D)
    assert hl["method"] == NORMAL
    assert hl["estimate"] == pytest.approx(-0.45996564682285707, abs=1e-12)
    assert hl["ci_low"] == pytest.approx(-0.7860429906870388672, abs=1e-12)
    assert hl["ci_high"] == pytest.approx(-0.0099619423094986122, abs=1e-12)


def test_ties_and_zeros_use_the_normal_approximation_as_r():
    hl = hodges_lehmann([0, 0, 1, 1, 2, -1, 3, 3, 5, 2, 4])
    assert hl["method"] == NORMAL and hl["n"] == 9  # the two zeros are dropped first
    assert hl["estimate"] == pytest.approx(2.0000937322547685, abs=1e-12)
    assert hl["ci_low"] == pytest.approx(0.99995960333890743, abs=1e-12)
    assert hl["ci_high"] == pytest.approx(3.5000047209248586, abs=1e-12)


def test_exact_small_n_by_hand():
    # d = 1, 2, 3: Walsh averages 1, 1.5, 2, 2, 2.5, 3 (median 2); qsignrank = 0 → 1, so
    # the limits are the 1st and 6th; achieved α = 2·P(V ≤ 0) = 2/8, level 0.75 (R too).
    hl = hodges_lehmann([1, 2, 3])
    assert (hl["estimate"], hl["ci_low"], hl["ci_high"], hl["conf_level"]) == (2.0, 1.0, 3.0, 0.75)


def test_all_equal_gives_no_interval_and_the_midrange():
    hl = hodges_lehmann([2, 2, 2])  # R: NaN NaN, conf.level 0, midrange 2
    assert math.isnan(hl["ci_low"]) and math.isnan(hl["ci_high"])
    assert hl["estimate"] == 2 and hl["conf_level"] == 0
    assert math.isnan(hodges_lehmann([0, 0])["estimate"])


def test_t_interval_matches_r():
    m = mean_difference(D)
    assert m["mean"] == pytest.approx(0.4318889, abs=1e-7)
    assert m["ci_low"] == pytest.approx(0.10377871227216852, abs=1e-12)
    assert m["ci_high"] == pytest.approx(0.75999906550560925, abs=1e-12)
    # t = mean / (sd / √n) = 3.0354 (R), so d_z = t / √n.
    assert m["standardised"] * 3 == pytest.approx(3.0354, abs=1e-4)


def test_mean_difference_by_hand():
    m = mean_difference([1, 2, 3])  # mean 2, sd 1, t(0.975, 2) = 4.302653
    assert m["mean"] == 2 and m["sd"] == 1 and m["standardised"] == 2
    assert m["ci_high"] - 2 == pytest.approx(4.302653 / math.sqrt(3), abs=1e-6)
    assert math.isnan(mean_difference([5])["ci_low"])


def test_brent_root_finds_a_smooth_root():
    root = brent_root(lambda x: x * x - 2, 0.0, 2.0, -2.0, 2.0, tol=1e-10)
    assert root == pytest.approx(math.sqrt(2), abs=1e-9)
    assert brent_root(lambda x: x, 0.0, 1.0, 0.0, 1.0) == 0.0


def test_estimate_row_counts_pairs_and_zeros():
    row = estimate_row("comm_total", [0, -1, -2, np.nan])
    assert row["n_paired"] == 3 and row["n_nonzero"] == 2 and row["median_difference"] == -1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=30), st.integers(-5, 5))
def test_exact_hodges_lehmann_is_equivariant(values, shift):
    """In the exact branch (Walsh averages), negating the differences negates the estimate
    and swaps the limits, and a shift moves all three by the shift. (The normal branch
    solves a step function, so its roots are only defined to R's tolerance.)"""
    d = np.array(values, dtype=float)
    a, b = hodges_lehmann(d), hodges_lehmann(-d)
    if a["method"] != EXACT:
        return
    assert b["method"] == EXACT
    assert (b["estimate"], b["ci_low"], b["ci_high"]) == pytest.approx((-a["estimate"], -a["ci_high"], -a["ci_low"]))
    c = hodges_lehmann(d + shift)
    if c["method"] == EXACT:
        assert (c["estimate"], c["ci_low"], c["ci_high"]) == pytest.approx(
            (a["estimate"] + shift, a["ci_low"] + shift, a["ci_high"] + shift))
