"""How uncertain each paired change is (output ``estimates.csv``; exploratory, not in the paper).

The paper prints medians and one p-value. For each paired outcome this module gives the
Hodges–Lehmann estimate of the change with its 95% confidence interval, computed as R's
``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)`` computes it (R 4.2.2,
``stats:::wilcox.test.default``, the signed-rank branch), and the mean change with its t
interval (scipy) and the standardised paired effect (mean change ÷ SD of the changes,
Cohen's d_z). Differences are follow-up − baseline.

R's rule, mirrored step by step (the function names below say which step):

1. Zero differences are dropped first, before everything else (so n below is the number
   of non-zero differences; ``n_paired`` in the table keeps them).
2. Exact branch — n < 50, no tied |d|, no zero dropped: the confidence limits are order
   statistics of the n(n+1)/2 Walsh averages (d_i + d_j)/2, i ≤ j, sorted: with
   q = qsignrank(α/2, n) (1 when it is 0), the interval is [W_(q), W_(N−q+1)], N =
   n(n+1)/2; the estimate is the median of the Walsh averages (Hodges & Lehmann 1963).
   When 2·P(V ≤ q − 1) exceeds 1.5·α, R warns and reports the level achieved,
   1 − signif(2·P(V ≤ q − 1), 2) (``hl_conf_level``).
3. Otherwise, the normal approximation with continuity correction: for a shift μ let
   W(μ) = (V(μ) − m(m+1)/4 − sign·½) / σ(μ), where V(μ) is the signed-rank statistic
   of the non-zero d − μ (m of them, midranks), σ² = m(m+1)(2m+1)/24 − Σ(t³ − t)/48
   over tie groups, sign·½ the continuity correction (sign of the numerator). The limits
   solve W(μ) = ±z_{α/2} on [min d, max d] by Brent's root finder with R's ``uniroot``
   tolerance 1e-4 (:func:`brent_root`); α is doubled while ±z is out of W's range (R's
   "requested conf.level not achievable", the level then reported as achieved). The
   estimate solves W(μ) = 0 without the correction. When all d are equal W is undefined:
   R gives NaN limits and the midrange as estimate; so does this module.

Because W is a step function, a limit is only determined to within R's tolerance
(1e-4 of the measure's units), as in R.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats as sps

from painreview import mme
from painreview.outcomes import DOSE, OUTCOME_MEASURES, paired
from painreview.scoring import score_questionnaires

CONF_LEVEL = 0.95
TOL_ROOT = 1e-4  # R: wilcox.test(tol.root = 1e-4), passed to uniroot(tol = )
MAXITER = 1000  # R: uniroot(maxiter = 1000)
EXACT_BELOW = 50  # R: exact <- (n < 50) when exact = NULL
EXACT, NORMAL = "exact", "normal_cc"
COLUMNS = ["measure", "n_paired", "n_nonzero", "median_difference", "hl_estimate", "hl_ci_low", "hl_ci_high",
           "hl_conf_level", "hl_method", "mean_difference", "mean_ci_low", "mean_ci_high", "sd_difference",
           "standardised_effect"]
STATISTICS = COLUMNS[3:8] + COLUMNS[9:]
"""The columns that describe the group (withheld together under disclosure control)."""


# ------------------------------------------------------------------- signed-rank pieces


def signrank_counts(n: int) -> list[int]:
    """counts[v]: sign patterns of ranks 1..n whose positive ranks sum to v (exact ints);
    P(V = v) = counts[v] / 2**n under H0 (R's ``dsignrank``)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for r in range(1, n + 1):
        for s in range(len(counts) - 1, r - 1, -1):
            counts[s] += counts[s - r]
    return counts


def qsignrank(p: float, n: int) -> int:
    """Smallest v with P(V ≤ v) ≥ p − 10·eps (R's ``qsignrank`` for p ≤ 1/2, its fuzz)."""
    counts = signrank_counts(n)
    target = Fraction(p) - 10 * Fraction(np.finfo(float).eps)
    total, cumulative = 2**n, 0
    for v, c in enumerate(counts):
        cumulative += c
        if Fraction(cumulative, total) >= target:
            return v
    return len(counts) - 1


def psignrank(q: int, n: int) -> float:
    """P(V ≤ q) under H0 (R's ``psignrank``); 0 for q < 0."""
    if q < 0:
        return 0.0
    counts = signrank_counts(n)
    return sum(counts[: q + 1]) / 2**n


def _signif(x: float, digits: int) -> float:
    """R's ``signif`` for the achieved level (digits significant figures)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


# --------------------------------------------------------------------------- root finder


def brent_root(f, lower: float, upper: float, f_lower: float, f_upper: float,
               tol: float = TOL_ROOT, maxiter: int = MAXITER) -> float:
    """A root of ``f`` in [lower, upper] by Brent's method (Brent 1973, *Algorithms for
    Minimization without Derivatives*, ch. 4), the algorithm of R's ``uniroot``.

    Each step keeps b (best guess), c (opposite sign) and a (previous b); it accepts the
    inverse quadratic (or, with two points, linear) interpolation step when it falls
    inside 3/4 of [b, c] and is smaller than half the previous step, otherwise bisects;
    no step is shorter than tol_act = 2·eps·|b| + tol/2; it stops when |c − b|/2 ≤
    tol_act or f(b) = 0. An endpoint where f is 0 is returned as it is.
    """
    eps = np.finfo(float).eps
    a, b, fa, fb = lower, upper, f_lower, f_upper
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


# ------------------------------------------------------------------------ Hodges–Lehmann


def _rank_abs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Midranks of |x| (R's ``rank``) and the sizes of the tie groups (R's ``table(r)``)."""
    ranks = sps.rankdata(np.abs(x), method="average")
    _, sizes = np.unique(ranks, return_counts=True)
    return ranks, sizes


def _w(x: np.ndarray, d: float, correct: bool) -> float:
    """R's W(d): the normal statistic of the signed ranks of x − d (zeros dropped), with
    the continuity correction when ``correct``; NaN when its SD is 0."""
    xd = x - d
    xd = xd[xd != 0]
    m = len(xd)
    ranks, sizes = _rank_abs(xd)
    zd = math.fsum(ranks[xd > 0]) - m * (m + 1) / 4
    sigma = math.sqrt(m * (m + 1) * (2 * m + 1) / 24 - float(np.sum(sizes.astype(float) ** 3 - sizes)) / 48)
    correction = math.copysign(0.5, zd) if (correct and zd != 0) else 0.0
    if sigma == 0:
        return math.nan
    return (zd - correction) / sigma


def hodges_lehmann(differences, conf_level: float = CONF_LEVEL, tol: float = TOL_ROOT) -> dict:
    """Hodges–Lehmann estimate and two-sided CI of the centre of ``differences`` as R 4.2.2's
    ``wilcox.test(differences, conf.int = TRUE)`` (see the module docstring):
    {estimate, ci_low, ci_high, conf_level (achieved), method (``exact``/``normal_cc``), n}."""
    x = np.asarray(differences, dtype=float)
    x = x[~np.isnan(x)]
    zero = bool((x == 0).any())
    x = x[x != 0]
    n = len(x)
    ranks, _ = _rank_abs(x)
    ties = len(np.unique(ranks)) != n
    alpha = 1 - conf_level
    if n < EXACT_BELOW and not ties and not zero and n > 0:
        walsh = np.add.outer(x, x)[np.triu_indices(n)]
        walsh = np.sort(walsh) / 2
        qu = qsignrank(alpha / 2, n) or 1
        ql = n * (n + 1) // 2 - qu
        achieved = 2 * psignrank(qu - 1, n)
        level = 1 - _signif(achieved, 2) if achieved - alpha > alpha / 2 else conf_level
        return {"estimate": float(np.median(walsh)), "ci_low": float(walsh[qu - 1]), "ci_high": float(walsh[ql]),
                "conf_level": level, "method": EXACT, "n": n}
    nan = math.nan
    if n == 0:
        return {"estimate": nan, "ci_low": nan, "ci_high": nan, "conf_level": 0.0, "method": NORMAL, "n": 0}
    mumin, mumax = float(x.min()), float(x.max())
    w_min = _w(x, mumin, True)
    w_max = _w(x, mumax, True) if math.isfinite(w_min) else nan
    if not math.isfinite(w_max):
        return {"estimate": (mumin + mumax) / 2, "ci_low": nan, "ci_high": nan, "conf_level": 0.0,
                "method": NORMAL, "n": n}
    z = sps.norm.ppf
    while w_min - z(1 - alpha / 2) < 0 or w_max - z(alpha / 2) > 0:
        alpha *= 2
    level = 1 - min(1.0, alpha) if (alpha >= 1 or 1 - conf_level < alpha * 0.75) else conf_level

    def root(zq: float) -> float:
        return brent_root(lambda d: _w(x, d, True) - zq, mumin, mumax, w_min - zq, w_max - zq, tol)

    if alpha < 1:
        low, high = root(float(z(1 - alpha / 2))), root(float(z(alpha / 2)))
    else:
        low = high = float(np.median(x))
    estimate = brent_root(lambda d: _w(x, d, False), mumin, mumax, _w(x, mumin, False), _w(x, mumax, False), tol)
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "conf_level": level, "method": NORMAL, "n": n}


def mean_difference(differences, conf_level: float = CONF_LEVEL) -> dict:
    """Mean, SD (n − 1), two-sided t interval (n − 1 df, scipy) and mean ÷ SD (Cohen's
    d_z, the standardised paired effect); NaN where n is too small or SD is 0."""
    x = np.asarray(differences, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    nan = math.nan
    if n == 0:
        return {"mean": nan, "ci_low": nan, "ci_high": nan, "sd": nan, "standardised": nan}
    mean = math.fsum(x) / n
    if n < 2:
        return {"mean": mean, "ci_low": nan, "ci_high": nan, "sd": nan, "standardised": nan}
    sd = math.sqrt(math.fsum((x - mean) ** 2) / (n - 1))
    half = float(sps.t.ppf(1 - (1 - conf_level) / 2, n - 1)) * sd / math.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd,
            "standardised": mean / sd if sd > 0 else nan}


def estimate_row(measure: str, differences) -> dict:
    """One row of ``estimates.csv`` from one measure's paired differences."""
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    hl = hodges_lehmann(d)
    mean = mean_difference(d)
    return {
        "measure": measure, "n_paired": int(len(d)), "n_nonzero": int((d != 0).sum()),
        "median_difference": float(np.median(d)) if len(d) else math.nan,
        "hl_estimate": hl["estimate"], "hl_ci_low": hl["ci_low"], "hl_ci_high": hl["ci_high"],
        "hl_conf_level": hl["conf_level"], "hl_method": hl["method"],
        "mean_difference": mean["mean"], "mean_ci_low": mean["ci_low"], "mean_ci_high": mean["ci_high"],
        "sd_difference": mean["sd"], "standardised_effect": mean["standardised"],
    }


def paired_differences(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> dict[str, np.ndarray]:
    """measure → follow-up − baseline over the service users with both (sorted by id); dose
    differences rounded to the dose precision (``mme.DOSE_DECIMALS``), as in results."""
    scores = score_questionnaires(frames["questionnaires"])
    doses = mme.patient_doses(frames["prescriptions"], mme.as_table(conversion))
    out = {}
    for measure in (DOSE, *[m for m in OUTCOME_MEASURES if m != DOSE]):
        pairs = paired(doses if measure == DOSE else scores, measure)
        d = (pairs["follow_up"] - pairs["baseline"]).to_numpy(dtype=float)
        if measure == DOSE:
            d = np.round(d, mme.DOSE_DECIMALS) + 0.0
        out[measure] = d
    return out


def estimates(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> pd.DataFrame:
    """The output contract's ``estimates.csv``: one row per paired outcome (dose first, then
    the questionnaire measures in ``scoring.MEASURES`` order)."""
    rows = [estimate_row(m, d) for m, d in paired_differences(frames, conversion).items()]
    out = pd.DataFrame.from_records(rows, columns=COLUMNS)
    out["n_paired"] = out["n_paired"].astype("int64")
    out["n_nonzero"] = out["n_nonzero"].astype("int64")
    return out
