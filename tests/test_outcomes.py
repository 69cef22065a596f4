"""Outcome summaries per timepoint and the paired helpers."""

import math

import pytest

from painreview.dataset import frames_from_records
from painreview.mme import patient_doses
from painreview.outcomes import COLUMNS, OUTCOME_MEASURES, outcomes, paired, unpaired_ids
from painreview.scoring import score_questionnaires

RX = ["patient_id", "timepoint", "drug", "route", "daily_dose", "dose_unit"]
Q = ["patient_id", "timepoint", "item", "value"]


def frames():
    return frames_from_records(
        {
            "questionnaires": [
                dict(zip(Q, r))
                for r in [
                    ("P1", "baseline", "top_psych", 10),
                    ("P1", "follow_up", "top_psych", 14),
                    ("P2", "baseline", "top_psych", 6),  # no follow-up questionnaire
                    ("P3", "baseline", "top_psych", None),  # collected but unanswered: not counted
                ]
            ],
            "prescriptions": [
                dict(zip(RX, r))
                for r in [
                    ("P1", "baseline", "morphine", "oral", 60, "mg_per_day"),
                    ("P1", "follow_up", "morphine", "oral", 30, "mg_per_day"),
                    ("P2", "baseline", "oxycodone", "oral", 60, "mg_per_day"),  # 90
                    ("P2", "follow_up", "none", None, 0, None),  # stopped: 0, counted
                    ("P3", "baseline", "fentanyl", "transdermal", 50, "microgram_per_hour"),  # 120; follow-up missing
                ]
            ],
        }
    )


def test_outcomes_hand_worked():
    out = outcomes(frames(), "opioids_aware")
    assert list(out.columns) == COLUMNS
    assert list(zip(out["measure"], out["timepoint"])) == [(m, tp) for m in OUTCOME_MEASURES for tp in ("baseline", "follow_up")]
    by = out.set_index(["measure", "timepoint"])
    # top_psych baseline 10, 6 (P3 unanswered): n = 2, P50 = 1 -> (6+10)/2 = 8, P25 = 0.5 -> x1 = 6,
    # P75 = 1.5 -> x2 = 10; mean 8, SD sqrt((4+4)/1)
    row = by.loc[("top_psych", "baseline")]
    assert (row["n"], row["median"], row["p25"], row["p75"], row["mean"], row["min"], row["max"]) == (2, 8.0, 6.0, 10.0, 8.0, 6.0, 10.0)
    assert row["sd"] == pytest.approx(math.sqrt(8))
    one = by.loc[("top_psych", "follow_up")]
    assert one["n"] == 1 and one["median"] == 14.0 and math.isnan(one["sd"])
    # dose baseline 60 90 120: P25 = 0.75 -> x1, P50 = 1.5 -> x2, P75 = 2.25 -> x3; mean 90, SD 30
    base = by.loc[("dose_mme", "baseline")]
    assert (base["n"], base["p25"], base["median"], base["p75"], base["mean"], base["sd"]) == (3, 60.0, 90.0, 120.0, 90.0, 30.0)
    # dose follow-up 30 and 0 (none): n = 2, median (0+30)/2 = 15, P25 x1 = 0, P75 x2 = 30
    fu = by.loc[("dose_mme", "follow_up")]
    assert (fu["n"], fu["median"], fu["p25"], fu["p75"], fu["min"]) == (2, 15.0, 0.0, 30.0, 0.0)
    # an empty group: no COMM anywhere -> n = 0, statistics NaN
    empty = by.loc[("comm_total", "follow_up")]
    assert empty["n"] == 0 and all(math.isnan(empty[c]) for c in COLUMNS[3:])


def test_paired_doses_leave_out_a_missing_follow_up():
    f = frames()
    doses = patient_doses(f["prescriptions"], "opioids_aware")
    pairs = paired(doses, "dose_mme")
    assert list(pairs.columns) == ["patient_id", "baseline", "follow_up"]
    assert list(pairs.itertuples(index=False, name=None)) == [("P1", 60.0, 30.0), ("P2", 90.0, 0.0)]
    assert unpaired_ids(doses, "dose_mme") == ["P3"]


def test_paired_scores_need_a_value_at_both_timepoints():
    scores = score_questionnaires(frames()["questionnaires"])
    assert list(paired(scores, "top_psych").itertuples(index=False, name=None)) == [("P1", 10.0, 14.0)]
    assert unpaired_ids(scores, "top_psych") == ["P2"]  # P3 has no value at all
    empty = paired(scores, "wemwbs_total")
    assert empty.empty and list(empty.columns) == ["patient_id", "baseline", "follow_up"]


def test_summarise_can_be_limited_to_some_measures():
    import pandas as pd

    from painreview.outcomes import summarise

    values = pd.DataFrame({"patient_id": ["A", "B", "C"], "timepoint": ["baseline"] * 3,
                           "measure": ["dose_mme"] * 3, "value": [30.0, 60.0, 90.0]})
    out = summarise(values, ["dose_mme"])
    # one measure, both timepoints; n = 3 → Stata median x(2) = 60, follow-up empty
    assert out[["measure", "timepoint", "n"]].values.tolist() == [["dose_mme", "baseline", 3],
                                                                   ["dose_mme", "follow_up", 0]]
    assert out.loc[0, "median"] == 60.0
