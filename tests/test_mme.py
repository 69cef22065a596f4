"""Oral morphine equivalents: conversion tables, per-row MME, per-patient daily doses."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview.dataset import frames_from_records
from painreview.mme import conversion_table, known_tables, patient_doses, row_mme


def rx(*rows):
    """Typed prescriptions frame (dataset.py convention: text as object with None for an
    empty cell, daily_dose float64) from (patient, timepoint, drug, route, dose, unit) tuples."""
    frame = pd.DataFrame([(p, t, d, r, u) for p, t, d, r, _, u in rows],
                         columns=["patient_id", "timepoint", "drug", "route", "dose_unit"], dtype=object)
    frame.insert(4, "daily_dose", pd.Series([float(r[4]) for r in rows], dtype="float64"))
    return frame


def test_rx_helper_types_as_the_data_layer_does():
    rows = [("P1", "follow_up", "none", None, "0", None), ("P1", "baseline", "morphine", "oral", "12.5", ORAL)]
    cols = ["patient_id", "timepoint", "drug", "route", "daily_dose", "dose_unit"]
    typed = frames_from_records({"prescriptions": [dict(zip(cols, r)) for r in rows]})["prescriptions"]
    pd.testing.assert_frame_equal(rx(*rows), typed)


ORAL, PATCH = "mg_per_day", "microgram_per_hour"


def test_opioids_aware_has_the_published_factors():
    # UK FPM Opioids Aware dose equivalents (as in the brief and raw data contract)
    t = conversion_table()
    general = t[t["strength"] == ""]
    factors = {(d, r): f for d, r, f in zip(general["drug"], general["route"], general["factor"])}
    assert factors == {
        ("codeine", "oral"): 0.1,
        ("dihydrocodeine", "oral"): 0.1,
        ("tramadol", "oral"): 0.1,
        ("tapentadol", "oral"): 0.4,
        ("morphine", "oral"): 1.0,
        ("oxycodone", "oral"): 1.5,
        ("oxycodone_naloxone", "oral"): 1.5,
        ("hydromorphone", "oral"): 5.0,
        ("fentanyl", "transdermal"): 2.4,
        ("buprenorphine", "transdermal"): 2.4,
        ("methadone", "oral"): 4.7,
    }
    # the patch table's one strength off the per-microgram factor: 12 µg/h (nominally 12.5) ≈ 30 mg
    listed = t[t["strength"] != ""]
    assert list(zip(listed["drug"], listed["strength"], listed["factor"])) == [("fentanyl", "12", 2.5)]
    assert list(t.columns) == ["drug", "route", "unit", "strength", "factor", "source_title", "source_version", "source_url", "note"]
    assert (t["source_title"] != "").all() and (t["source_url"].str.startswith("https://")).all()
    methadone = t[t["drug"] == "methadone"].iloc[0]
    assert "CDC" in methadone["source_title"] and "Opioids Aware gives no fixed methadone ratio" in methadone["note"]


def test_cdc_2022_is_selectable_by_name():
    t = conversion_table("cdc_2022")
    factors = dict(zip(t["drug"], t["factor"]))
    # CDC 2022 guideline table: codeine 0.15, tramadol 0.2, methadone 4.7. It has no
    # buprenorphine or dihydrocodeine: those rows borrow the Opioids Aware factor and say so.
    assert factors["codeine"] == 0.15 and factors["tramadol"] == 0.2 and factors["methadone"] == 4.7
    borrowed = t[t["drug"].isin(["buprenorphine", "dihydrocodeine"])]
    assert list(borrowed["factor"]) == [0.1, 2.4]
    assert borrowed["source_title"].str.contains("Opioids Aware").all()
    assert borrowed["note"].str.contains("not in the CDC 2022 table").all()
    assert known_tables() == ["cdc_2022", "opioids_aware"]


def test_unknown_table_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown conversion table 'bnf'.*cdc_2022, opioids_aware"):
        conversion_table("bnf")


def test_row_mme_per_row_and_none_is_zero():
    rows = rx(
        ("P1", "baseline", "codeine", "oral", "240", ORAL),  # 240 × 0.1 = 24
        ("P1", "follow_up", "none", None, "0", None),  # stopped: 0
        ("P2", "baseline", "fentanyl", "transdermal", "25", PATCH),  # 25 µg/h × 2.4 = 60
    )
    out = row_mme(rows, conversion_table())
    assert out["mme"].tolist() == pytest.approx([24.0, 0.0, 60.0])
    assert out["factor"].tolist() == [0.1, 0.0, 2.4]
    assert list(out.columns[:6]) == list(rows.columns)


def test_row_mme_names_rows_the_table_lacks():
    rows = rx(
        ("P1", "baseline", "morphine", "oral", "30", ORAL),
        ("P2", "baseline", "fentanyl", "oral", "25", ORAL),
        ("P3", "follow_up", "buprenorphine", "transdermal", "10", PATCH),
    )
    with pytest.raises(ValueError, match=r"row 1 \(P2, baseline, fentanyl, oral\)") as err:
        row_mme(rows, conversion_table())
    assert "P3" not in str(err.value)  # buprenorphine patches are in Opioids Aware
    lacking = conversion_table()[lambda t: t["drug"] != "buprenorphine"]
    with pytest.raises(ValueError, match=r"row 2 \(P3, follow_up, buprenorphine, transdermal\)"):
        row_mme(rows.drop(index=1), lacking)


def test_row_mme_refuses_a_unit_that_is_not_the_tables():
    rows = rx(("P1", "baseline", "fentanyl", "transdermal", "25", ORAL))
    with pytest.raises(ValueError, match="dose_unit differs"):
        row_mme(rows, conversion_table())


def test_patient_doses_hand_worked():
    rows = rx(
        # P1: two products of one drug (MR + IR morphine) and codeine: 30 + 10 + 240 × 0.1 = 64
        ("P1", "baseline", "morphine", "oral", "30", ORAL),
        ("P1", "baseline", "morphine", "oral", "10", ORAL),
        ("P1", "baseline", "codeine", "oral", "240", ORAL),
        ("P1", "follow_up", "morphine", "oral", "30", ORAL),  # 30
        # P2: patches 25 µg/h fentanyl + 10 µg/h buprenorphine: 60 + 24 = 84; follow-up none -> 0
        ("P2", "follow_up", "none", None, "0", None),
        ("P2", "baseline", "fentanyl", "transdermal", "25", PATCH),
        ("P2", "baseline", "buprenorphine", "transdermal", "10", PATCH),
        # P3: oxycodone-naloxone 20 mg (oxycodone content) × 1.5 = 30; follow-up missing: no row
        ("P3", "baseline", "oxycodone_naloxone", "oral", "20", ORAL),
        # P0: tramadol 150 × 0.1 = 15 and methadone 10 × 4.7 = 47 -> 62
        ("P0", "baseline", "tramadol", "oral", "150", ORAL),
        ("P0", "baseline", "methadone", "oral", "10", ORAL),
    )
    out = patient_doses(rows, conversion_table())
    assert list(out.columns) == ["patient_id", "timepoint", "dose_mme"]
    assert list(zip(out["patient_id"], out["timepoint"], out["dose_mme"])) == [
        ("P0", "baseline", 62.0),
        ("P1", "baseline", 64.0),
        ("P1", "follow_up", 30.0),
        ("P2", "baseline", 84.0),
        ("P2", "follow_up", 0.0),
        ("P3", "baseline", 30.0),
    ]


def test_patient_doses_by_table_name_and_cdc_factors():
    rows = rx(("P1", "baseline", "codeine", "oral", "240", ORAL), ("P1", "baseline", "tramadol", "oral", "100", ORAL))
    # CDC 2022: 240 × 0.15 + 100 × 0.2 = 36 + 20 = 56
    assert patient_doses(rows, "cdc_2022")["dose_mme"].tolist() == [56.0]


def test_patient_doses_of_no_prescriptions():
    out = patient_doses(rx(), conversion_table())
    assert out.empty and list(out.columns) == ["patient_id", "timepoint", "dose_mme"]


def test_rounding_removes_float_noise():
    # a 62 µg/h fentanyl dose (50 + 12 in one row; a strength the table does not list):
    # 62 × 2.4 = 148.79999999999998 in binary floating point; rounded to 6 decimals it is
    # 148.8, the same dose as 148.8 mg of morphine (output contract)
    assert 62 * 2.4 != 148.8
    out = patient_doses(
        rx(("A", "baseline", "fentanyl", "transdermal", "62", PATCH), ("B", "baseline", "morphine", "oral", "148.8", ORAL)),
        conversion_table(),
    )
    assert out["dose_mme"].tolist() == [148.8, 148.8]


@pytest.mark.parametrize("drug,strength,mg", [
    # Opioids Aware, "Dose equivalents and changing opioids", transdermal patches (mg/24 h
    # oral morphine), as in mme_opioids_aware.csv's source column
    ("fentanyl", "12", 30.0), ("fentanyl", "25", 60.0), ("fentanyl", "50", 120.0),
    ("fentanyl", "75", 180.0), ("fentanyl", "100", 240.0),
    ("buprenorphine", "5", 12.0), ("buprenorphine", "10", 24.0), ("buprenorphine", "20", 48.0),
])
def test_patch_strengths_as_opioids_aware_lists_them(drug, strength, mg):
    out = patient_doses(rx(("A", "baseline", drug, "transdermal", strength, PATCH)), conversion_table())
    assert out["dose_mme"].tolist() == [mg]


def test_a_listed_strength_is_per_row_and_other_tables_keep_their_factor():
    # two rows, 25 + 12 µg/h: 60 + 30 = 90; one 37 µg/h row converts at 2.4 (88.8)
    rows = rx(("A", "baseline", "fentanyl", "transdermal", "25", PATCH), ("A", "baseline", "fentanyl", "transdermal", "12", PATCH),
              ("B", "baseline", "fentanyl", "transdermal", "37", PATCH))
    assert patient_doses(rows, conversion_table())["dose_mme"].tolist() == [90.0, 88.8]
    # CDC 2022 has one fentanyl factor, 2.4 mg/day per microgram/hour: 12 µg/h is 28.8
    assert patient_doses(rx(("A", "baseline", "fentanyl", "transdermal", "12", PATCH)), "cdc_2022")["dose_mme"].tolist() == [28.8]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=64), st.integers(min_value=0, max_value=3))
def test_weak_opioid_dose_equals_the_morphine_tenth(multiple, extra_rows):
    # Invariant: k mg of codeine (split over several rows) is exactly the dose of k/10 mg morphine
    mg = 15 * multiple
    parts = [mg - 15 * extra_rows] + [15] * extra_rows if mg > 15 * extra_rows else [mg]
    rows = [("A", "baseline", "codeine", "oral", str(p), ORAL) for p in parts]
    rows.append(("B", "baseline", "morphine", "oral", repr(mg / 10), ORAL))
    out = patient_doses(rx(*rows), conversion_table())
    assert out.loc[0, "dose_mme"] == out.loc[1, "dose_mme"] == round(mg / 10, 6)


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(6))))
def test_row_order_does_not_change_doses(order):
    base = [
        ("P1", "baseline", "morphine", "oral", "30", ORAL),
        ("P1", "baseline", "codeine", "oral", "90", ORAL),
        ("P2", "follow_up", "fentanyl", "transdermal", "37", PATCH),
        ("P2", "baseline", "tapentadol", "oral", "150", ORAL),
        ("P1", "follow_up", "none", None, "0", None),
        ("P2", "baseline", "hydromorphone", "oral", "1.3", ORAL),
    ]
    expected = patient_doses(rx(*base), conversion_table())
    got = patient_doses(rx(*[base[i] for i in order]), conversion_table())
    pd.testing.assert_frame_equal(got, expected)
