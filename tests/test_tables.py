"""Tables 1 and 2: rows, order, denominators, hand-worked values."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painreview.dataset import frames_from_records
from painreview.tables import COLUMNS, band_bounds, layout, table1, table2

SU_COLS = ["patient_id", "sex", "age_years", "ethnicity", "employment", "relationship", "disability",
           "previous_pain_clinic", "opioid_start_reason", "opioid_years"]
SERVICE_USERS = [
    ("S1", "female", 40, "white", "employed", "married", True, True, "back_pain", 2),
    ("S2", "female", 50, "white", "unemployed", "married", False, None, "arthritis", 3),
    ("S3", "male", 60, None, "unemployed", "single", True, False, "back_pain", 5),
    ("S4", "female", 45, "white", None, None, None, True, None, 15),
    ("S5", "male", 55, "mixed", "retired", "married", True, True, "other", None),
]
ORAL, PATCH = "mg_per_day", "microgram_per_hour"
PRESCRIPTIONS = [
    ("S1", "baseline", "codeine", "oral", 240, ORAL),  # 24
    ("S1", "baseline", "morphine", "oral", 30, ORAL),  # + 30 = 54
    ("S1", "follow_up", "none", None, 0, None),  # follow-up rows play no part in Table 2
    ("S2", "baseline", "oxycodone", "oral", 20, ORAL),  # 30
    ("S2", "baseline", "oxycodone_naloxone", "oral", 10, ORAL),  # + 15 = 45
    ("S3", "baseline", "fentanyl", "transdermal", 50, PATCH),  # 120
    ("S4", "baseline", "tramadol", "oral", 200, ORAL),  # 20
    ("S5", "baseline", "oxycodone", "oral", 60, ORAL),  # 90
]


def study(**changes):
    records = {
        "service_users": [dict(zip(SU_COLS, r), enrolled_on="2017-01-02") for r in SERVICE_USERS],
        "medications": [
            {"patient_id": "S1", "medication": "benzodiazepine"},
            {"patient_id": "S2", "medication": "benzodiazepine"},
            {"patient_id": "S3", "medication": "gabapentin"},
        ],
        "comorbidities": [
            {"patient_id": "S1", "condition": "sleep_issues", "present": True, "diagnosed": True},
            {"patient_id": "S2", "condition": "sleep_issues", "present": True, "diagnosed": False},
            {"patient_id": "S3", "condition": "sleep_issues", "present": False, "diagnosed": None},
            {"patient_id": "S1", "condition": "depression", "present": False, "diagnosed": None},
            {"patient_id": "S2", "condition": "depression", "present": False, "diagnosed": None},
            {"patient_id": "S4", "condition": "ptsd", "present": True, "diagnosed": True},
        ],
        "motivations": [
            {"patient_id": "S1", "motivation": "pain", "present": True},
            {"patient_id": "S2", "motivation": "pain", "present": True},
            {"patient_id": "S3", "motivation": "pain", "present": True},
            {"patient_id": "S1", "motivation": "sleep", "present": False},
            {"patient_id": "S2", "motivation": "sleep", "present": True},
        ],
        "prescriptions": [
            dict(zip(["patient_id", "timepoint", "drug", "route", "daily_dose", "dose_unit"], r)) for r in PRESCRIPTIONS
        ],
    }
    records.update(changes)
    return frames_from_records(records)


def rows(table):
    """(section, level, label, n, N, percent) of the n/percent rows."""
    sel = table[table["level"] != ""]
    return list(zip(sel["section"], sel["level"], sel["label"], sel["n"], sel["N"], sel["percent"]))


def test_table1_hand_worked():
    t = table1(study())
    assert list(t.columns) == COLUMNS
    assert rows(t) == [
        ("characteristics", "female", "Female sex", 3, 5, 60.0),
        ("characteristics", "white", "White ethnicity", 3, 4, 75.0),  # S3 has no ethnicity
        ("characteristics", "mixed", "Mixed ethnicity", 1, 4, 25.0),  # every level present is printed
        ("employment", "employed", "Employed", 1, 4, 25.0),  # S4 has no employment
        ("employment", "unemployed", "Unemployed", 2, 4, 50.0),
        ("employment", "retired", "Retired", 1, 4, 25.0),
        ("relationship", "single", "Single", 1, 4, 25.0),  # separated … other: no one, left out
        ("relationship", "married", "Married", 3, 4, 75.0),
        ("characteristics", "yes", "Disability", 3, 4, 75.0),
        ("characteristics", "yes", "Previous pain clinic use", 3, 4, 75.0),  # S2 missing
        ("medication", "benzodiazepine", "Benzodiazepines", 2, 5, 40.0),  # of all 5 enrolled
        ("medication", "gabapentin", "Gabapentin", 1, 5, 20.0),
        ("comorbidity", "sleep_issues", "Sleep issues", 2, 3, 100 * 2 / 3),  # 3 rows for sleep
        ("comorbidity", "ptsd", "Post-traumatic stress disorder", 1, 1, 100.0),  # depression: 0 of 2, left out
    ]
    # age 40 50 60 45 55: mean 50; squared deviations 100+0+100+25+25 = 250, SD = sqrt(250/4)
    age = t[t["variable"] == "age_years"].iloc[0]
    assert (age["label"], age["n"], age["N"], age["mean"]) == ("Age, years, mean (SD)", 5, 5, 50.0)
    assert age["sd"] == pytest.approx(math.sqrt(62.5))
    assert math.isnan(age["percent"]) and math.isnan(age["median"])
    diagnosed = dict(zip(t["level"], t["diagnosed"]))
    assert diagnosed["sleep_issues"] == 1 and diagnosed["ptsd"] == 1
    assert t.loc[t["variable"] == "sex", "diagnosed"].isna().all()
    assert [str(t[c].dtype) for c in ("n", "N", "diagnosed", "percent")] == ["Int64", "Int64", "Int64", "float64"]


def test_table2_hand_worked():
    t = table2(study(), "opioids_aware")
    assert list(t.columns) == COLUMNS
    assert rows(t) == [
        ("start_reason", "back_pain", "Back pain", 2, 4, 50.0),  # S4 has no reason
        ("start_reason", "arthritis", "Arthritis", 1, 4, 25.0),
        ("start_reason", "other", "Other", 1, 4, 25.0),
        ("drug", "codeine", "Codeine", 1, 5, 20.0),
        ("drug", "tramadol", "Tramadol", 1, 5, 20.0),
        ("drug", "morphine", "Morphine", 1, 5, 20.0),
        ("drug", "oxycodone_family", "Oxycodone family", 2, 5, 40.0),  # S2 (both products), S5
        ("drug", "fentanyl", "Fentanyl", 1, 5, 20.0),
        ("drug", "multiple", "Multiple opioid drugs", 2, 5, 40.0),  # S1 codeine+morphine, S2 oxycodone+oxycodone_naloxone
        ("years", "0-2", "0–2", 1, 4, 25.0),  # years 2 3 5 15; S5 missing; 10–14 left out
        ("years", "3-4", "3–4", 1, 4, 25.0),
        ("years", "5-9", "5–9", 1, 4, 25.0),
        ("years", "15+", "≥15", 1, 4, 25.0),
        ("motivation", "pain", "Pain", 3, 3, 100.0),
        ("motivation", "sleep", "Sleep", 1, 2, 50.0),
    ]
    # baseline doses 54 45 120 20 90 -> sorted 20 45 54 90 120; n = 5:
    # p25: 1.25 -> x2 = 45; median: 2.5 -> x3 = 54; p75: 3.75 -> x4 = 90
    dose = t[t["variable"] == "dose_mme"].iloc[0]
    assert (dose["section"], dose["level"], dose["label"]) == ("dose", "", "Opioid dose, mg, median (IQR)")
    assert (dose["n"], dose["median"], dose["p25"], dose["p75"]) == (5, 54.0, 45.0, 90.0)
    assert t["section"].tolist().index("dose") == 3  # after the start reasons, as printed


def test_table2_with_another_conversion_table():
    # CDC 2022: S1 240 × 0.15 + 30 = 66; S4 200 × 0.2 = 40; others as before: 40 45 66 90 120
    dose = table2(study(), "cdc_2022").set_index("variable").loc["dose_mme"]
    assert (dose["median"], dose["p25"], dose["p75"]) == (66.0, 45.0, 90.0)


def test_empty_groups_are_left_out():
    frames = study(medications=[], comorbidities=[], motivations=[])
    frames["service_users"]["ethnicity"] = None
    t1, t2 = table1(frames), table2(frames)
    assert not {"medication", "comorbidity"} & set(t1["section"])
    assert "ethnicity" not in set(t1["variable"])
    assert "motivation" not in set(t2["section"])
    assert "age_years" in set(t1["variable"])  # continuous rows always present


def test_five_ethnicities_in_vocabulary_order_and_two_level_variables():
    frames = study()
    su = frames["service_users"]
    su["ethnicity"] = ["black", "other", "asian", "white", "mixed"]
    su["sex"] = "male"  # no female service user: the other level stands in
    su["disability"] = pd.array([False, False, None, False, False], dtype="boolean")  # as typed_frames gives it
    t1 = table1(frames)
    eth = t1[t1["variable"] == "ethnicity"]
    assert eth["level"].tolist() == ["white", "mixed", "asian", "black", "other"]
    assert eth["label"].tolist() == ["White ethnicity", "Mixed ethnicity", "Asian ethnicity", "Black ethnicity", "Other ethnicity"]
    assert (eth["n"].tolist(), eth["N"].tolist()) == ([1] * 5, [5] * 5)
    by_variable = {v: list(zip(g["level"], g["label"], g["n"], g["N"])) for v, g in t1.groupby("variable", sort=False)}
    assert by_variable["sex"] == [("male", "Male sex", 5, 5)]
    assert by_variable["disability"] == [("no", "No disability", 4, 4)]
    # previous pain clinic: yes 3 of 4, so only the paper's level is printed
    assert by_variable["previous_pain_clinic"] == [("yes", "Previous pain clinic use", 3, 4)]
    assert t1["section"].tolist()[:3] == ["characteristics"] * 3


def test_layout_expands_vocabularies_in_order():
    lay = layout("table1")
    conditions = lay[lay["variable"] == "condition"]
    assert conditions["level"].tolist()[:3] == ["sleep_issues", "depression", "anxiety_panic"]
    assert conditions["label"].tolist()[-1] == "Negative self-talk/thoughts"
    assert len(conditions) == 14
    sections = list(dict.fromkeys(lay["section"]))
    assert sections == ["characteristics", "employment", "relationship", "medication", "comorbidity"]


def test_band_bounds():
    assert band_bounds("0-2") == (0, 2) and band_bounds("10-14") == (10, 14)
    assert band_bounds("15+") == (15, math.inf)


BANDS = [band_bounds(b) for b in layout("table2").query("variable == 'opioid_years_band'")["level"]]


@given(st.integers(min_value=0, max_value=80))
def test_every_year_count_falls_in_exactly_one_band(years):
    # the contract's 0-80 completed years are covered by the bands without gap or overlap
    hits = [b for b in BANDS if b[0] <= years <= b[1]]
    assert len(hits) == 1
