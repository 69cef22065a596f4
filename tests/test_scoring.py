"""Questionnaire scoring and the missing-item rules."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview.scoring import MEASURES, measure_items, score_questionnaires

ITEMS = measure_items()


def q(rows):
    """Typed questionnaires frame (dataset.py convention: text as object, value float64 with
    NaN for an empty cell) from (patient, timepoint, item, value) tuples."""
    cols = ["patient_id", "timepoint", "item"]
    frame = pd.DataFrame([r[:3] for r in rows], columns=cols, dtype=object)
    frame["value"] = pd.Series([math.nan if r[3] is None else float(r[3]) for r in rows], dtype="float64")
    return frame


def test_q_helper_types_as_the_data_layer_does():
    from painreview.dataset import frames_from_records

    rows = [("P1", "baseline", "top_psych", 3), ("P1", "baseline", "top_qol", None)]
    typed = frames_from_records({"questionnaires": [dict(zip(["patient_id", "timepoint", "item", "value"], r)) for r in rows]})
    pd.testing.assert_frame_equal(q(rows), typed["questionnaires"])


def answers(pid, tp, measure, values):
    """Rows for the first len(values) items of ``measure``."""
    return [(pid, tp, item, v) for item, v in zip(ITEMS[measure], values)]


def score_of(scores, pid, tp, measure):
    row = scores[(scores["patient_id"] == pid) & (scores["timepoint"] == tp) & (scores["measure"] == measure)]
    assert len(row) == 1
    return row["value"].iloc[0], row["items_answered"].iloc[0]


def test_items_per_measure_from_items_csv():
    assert [len(ITEMS[m]) for m in MEASURES] == [17, 4, 7, 1, 14, 1, 1, 1]


def test_bpi_interference_prorated_from_4_of_7():
    # 4 answered (6, 4, 5, 7); 2 items without a row, 1 row with an empty value (unanswered)
    # mean = 22/4 = 5.5; on the 0-70 sum scale 5.5 × 7 = 38.5 (BPI user guide: ≥ 4 of 7 answered)
    rows = answers("P1", "baseline", "bpi_interference", [6, 4, 5, 7, None])
    value, answered = score_of(score_questionnaires(q(rows)), "P1", "baseline", "bpi_interference")
    assert (value, answered) == (38.5, 4)


def test_bpi_interference_missing_with_3_of_7():
    # 3 answered: fewer than 4 -> not scored, but collected (a row with NaN)
    rows = answers("P1", "follow_up", "bpi_interference", [6, 4, 5, None, None, None, None])
    value, answered = score_of(score_questionnaires(q(rows)), "P1", "follow_up", "bpi_interference")
    assert math.isnan(value) and answered == 3


def test_bpi_interference_all_answered_is_the_sum():
    rows = answers("P1", "baseline", "bpi_interference", [1, 2, 3, 4, 5, 6, 7])
    assert score_of(score_questionnaires(q(rows)), "P1", "baseline", "bpi_interference") == (28.0, 7)


def test_every_item_required_for_comm_severity_wemwbs():
    full_comm = [2] * 17  # 34
    rows = (
        answers("P1", "baseline", "comm_total", full_comm)
        + answers("P2", "baseline", "comm_total", [2] * 16)  # item 17 missing -> NaN
        + answers("P1", "baseline", "bpi_severity", [7, 3, 5, 6])  # 21
        + answers("P2", "baseline", "bpi_severity", [7, 3, 5, None])  # empty value -> NaN
        + answers("P1", "baseline", "wemwbs_total", [3] * 14)  # 42
        + answers("P2", "baseline", "wemwbs_total", [3] * 13)  # 13 of 14 -> NaN
    )
    s = score_questionnaires(q(rows))
    assert score_of(s, "P1", "baseline", "comm_total") == (34.0, 17)
    assert score_of(s, "P1", "baseline", "bpi_severity") == (21.0, 4)
    assert score_of(s, "P1", "baseline", "wemwbs_total") == (42.0, 14)
    for measure, n in (("comm_total", 16), ("bpi_severity", 3), ("wemwbs_total", 13)):
        value, answered = score_of(s, "P2", "baseline", measure)
        assert math.isnan(value) and answered == n


def test_single_item_measures_and_not_collected():
    rows = [
        ("P1", "baseline", "top_psych", 12),
        ("P1", "baseline", "top_qol", 0),
        ("P1", "baseline", "bpi_8_relief", None),  # a row with an empty value: collected, unscored
    ]
    s = score_questionnaires(q(rows))
    assert score_of(s, "P1", "baseline", "top_psych") == (12.0, 1)
    assert score_of(s, "P1", "baseline", "top_qol") == (0.0, 1)
    value, answered = score_of(s, "P1", "baseline", "bpi_relief")
    assert math.isnan(value) and answered == 0
    # no item of top_physical, COMM, ... has a row: not collected, no row at all
    assert set(s["measure"]) == {"top_psych", "top_qol", "bpi_relief"}


def test_output_columns_order_and_types():
    rows = [
        ("P2", "follow_up", "top_qol", 5),
        ("P2", "baseline", "top_psych", 5),
        ("P1", "follow_up", "comm_01", 1),
        ("P2", "baseline", "bpi_3_worst", 4),
    ]
    s = score_questionnaires(q(rows))
    assert list(s.columns) == ["patient_id", "timepoint", "measure", "value", "items_answered"]
    # sorted by patient, timepoint (baseline first), measure in MEASURES order
    assert list(zip(s["patient_id"], s["timepoint"], s["measure"])) == [
        ("P1", "follow_up", "comm_total"),
        ("P2", "baseline", "bpi_severity"),
        ("P2", "baseline", "top_psych"),
        ("P2", "follow_up", "top_qol"),
    ]
    assert str(s["value"].dtype) == "float64" and str(s["items_answered"].dtype) == "int64"


def test_empty_questionnaires_and_unknown_item():
    s = score_questionnaires(q([]))
    assert s.empty and list(s.columns) == ["patient_id", "timepoint", "measure", "value", "items_answered"]
    bad = q([("P1", "baseline", "top_psych", 3)])
    bad.loc[0, "item"] = "phq9_01"
    with pytest.raises(ValueError, match="phq9_01"):
        score_questionnaires(bad)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=7, max_size=7))
def test_interference_rule_invariants(values):
    # scored iff ≥ 4 answered; value = mean of answered × 7, within 0-70; all answered -> the plain sum
    answered = [v for v in values if v is not None]
    value, n = score_of(score_questionnaires(q(answers("P", "baseline", "bpi_interference", values))), "P", "baseline", "bpi_interference")
    assert n == len(answered)
    if len(answered) < 4:
        assert math.isnan(value)
    else:
        assert value == pytest.approx(sum(answered) / len(answered) * 7)
        assert 0 <= value <= 70
        if len(answered) == 7:
            assert value == sum(answered)
