"""Disclosure control of the exploratory outputs (estimates.csv, sensitivity.csv), on
hand-made frames; the rule is painreview.sdc's (counts 1-7 redacted, others to the
nearest 5; statistics of groups of 7 or fewer withheld)."""

from __future__ import annotations

import pandas as pd

from painreview.estimates import COLUMNS as ESTIMATE_COLUMNS
from painreview.sdc import REDACTED, disclosure_problems, protect
from painreview.sensitivity import COLUMNS as SENSITIVITY_COLUMNS


def _estimates(n_paired: int, n_nonzero: int) -> pd.DataFrame:
    row = {"measure": "comm_total", "n_paired": n_paired, "n_nonzero": n_nonzero, "median_difference": -3.0,
           "hl_estimate": -4.0, "hl_ci_low": -5.0, "hl_ci_high": -2.5, "hl_conf_level": 0.95,
           "hl_method": "normal_cc", "mean_difference": -3.5, "mean_ci_low": -4.7, "mean_ci_high": -2.3,
           "sd_difference": 2.7, "standardised_effect": -1.3}
    return pd.DataFrame([row], columns=ESTIMATE_COLUMNS)


def test_estimates_of_a_group_of_seven_are_withheld():
    out = protect({"estimates": _estimates(7, 6)})["estimates"].iloc[0]
    assert out["n_paired"] == REDACTED and out["n_nonzero"] == REDACTED
    assert all(out[c] == REDACTED for c in ESTIMATE_COLUMNS[3:])
    assert disclosure_problems({"estimates": _estimates(7, 6)})  # unprotected: flagged


def test_estimates_of_a_larger_group_are_shown_with_rounded_counts():
    protected = protect({"estimates": _estimates(22, 13)})
    out = protected["estimates"].iloc[0]
    assert (out["n_paired"], out["n_nonzero"]) == (20, 15)
    assert out["hl_estimate"] == -4.0 and out["hl_method"] == "normal_cc"
    assert disclosure_problems(protected) == []


def _sensitivity(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(SENSITIVITY_COLUMNS, r)) for r in rows], columns=SENSITIVITY_COLUMNS)


def test_sensitivity_each_side_on_its_own():
    frame = _sensitivity([
        ("dose_reduced_n", "count", "conversion", "opioids_aware", "cdc_2022", 15, 4, 34, 34),
        ("dose_reduced_percent", "percent", "denominator", "paired", "enrolled", 100 * 15 / 34, 100 * 15 / 33, 34, 33),
        ("discharged_duration_months_median", "statistic", "duration", "first_to_last_any", "first_to_last_kept",
         5.96, 3.78, 7, 17),
    ])
    protected = protect({"sensitivity": frame})["sensitivity"]
    count, pct, stat = (protected.iloc[i] for i in range(3))
    assert (count["value"], count["paper_value"], count["n"]) == (15, REDACTED, 35)
    # 15 of 34 and 15 of 33: the protected 15 of 35 both times, at one decimal (42.857… → 42.9).
    assert (pct["value"], pct["paper_value"]) == (42.9, 42.9)
    # a duration at the one decimal the Results print (3.78 → 3.8)
    assert (stat["value"], stat["paper_value"], stat["n"], stat["paper_n"]) == (REDACTED, 3.8, REDACTED, 15)
    assert disclosure_problems({"sensitivity": protected}) == []
    assert disclosure_problems({"sensitivity": frame})
