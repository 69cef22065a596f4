"""painreview.dataset: typed frames per the module's documented convention, and refusal of bad data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview import reference
from painreview.dataset import DataError, frames_from_records, load_dataset, typed_frames

DTYPES = {"id": "object", "text": "object", "key": "object", "coded": "object", "yesno": "boolean",
          "integer": "Int64", "number": "float64", "date": "datetime64[ns]"}


def _expected_dtypes(name: str) -> dict[str, str]:
    spec = reference.columns()
    spec = spec[spec["file"] == name]
    return {column: DTYPES[kind] for column, kind in zip(spec["column"], spec["type"])}


def test_load_mini_gives_every_table_in_contract_order_with_documented_dtypes(mini_dir, conversion):
    frames = load_dataset(mini_dir, conversion)
    assert list(frames) == list(reference.FILES)
    for name, frame in frames.items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == _expected_dtypes(name), name
        assert list(frame.columns) == list(_expected_dtypes(name)), name
        assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
    sizes = {name: len(frame) for name, frame in frames.items()}
    # row counts of tests/data/mini (see its README)
    assert sizes == {"invitations": 14, "service_users": 7, "comorbidities": 22, "motivations": 13,
                     "medications": 8, "prescriptions": 20, "questionnaires": 107, "appointments": 16,
                     "service_status": 7, "interviews": 6, "codebook": 4, "coded_segments": 6}


def test_load_mini_values(mini_dir, conversion):
    frames = load_dataset(mini_dir, conversion)
    users = frames["service_users"]
    # P04: disability empty → <NA>; P06: ethnicity, opioid_start_reason and opioid_years empty
    p04 = users.iloc[3]
    assert p04["patient_id"] == "P04" and p04["disability"] is pd.NA and p04["previous_pain_clinic"] is np.True_
    p06 = users.iloc[5]
    assert p06["ethnicity"] is None and p06["opioid_start_reason"] is None and p06["opioid_years"] is pd.NA
    assert users["age_years"].tolist() == [52, 47, 63, 38, 55, 71, 44]
    assert users["enrolled_on"].iloc[0] == pd.Timestamp("2016-09-20")
    prescriptions = frames["prescriptions"]
    # P05's buprenorphine patch: 52.5 microgram/hour; P03's follow-up: none, no route, dose 0
    assert prescriptions["daily_dose"].iloc[10] == 52.5
    assert prescriptions.iloc[7][["drug", "route", "daily_dose", "dose_unit"]].tolist() == ["none", None, 0.0, None]
    questionnaires = frames["questionnaires"]
    # P02's unanswered bpi_9c_walking (line 96 of the file = row 94) is NaN
    assert questionnaires.iloc[94][["patient_id", "item"]].tolist() == ["P02", "bpi_9c_walking"]
    assert np.isnan(questionnaires["value"].iloc[94])
    # the quoted theme label with a comma survives
    assert frames["codebook"]["theme_label"].iloc[0] == "Recruitment, attendance and retention"


def test_columns_come_in_contract_order_whatever_the_file_order(mini, conversion):
    header, rows = mini.read("service_status")
    mini.write("service_status", header[::-1], [row[::-1] for row in rows])
    frame = load_dataset(mini.folder, conversion)["service_status"]
    assert list(frame.columns) == ["patient_id", "status", "discharge_reason"]
    assert frame.iloc[1].tolist() == ["P02", "discharged", "dose_reduced"]


def test_bad_data_raises_data_error_listing_every_problem(mini, conversion):
    mini.set("service_users", 0, "sex", "")
    mini.set("prescriptions", 0, "daily_dose", "NA")
    with pytest.raises(DataError) as err:
        load_dataset(mini.folder, conversion)
    assert [str(p) for p in err.value.problems] == [
        "service_users.csv:2:3: sex: required value is empty",
        "prescriptions.csv:2:5: daily_dose: 'NA' looks like a missing-value code; a missing value is an empty cell",
    ]
    assert str(err.value) == (
        "the dataset breaks the raw data contract (2 problems):\n"
        "service_users.csv:2:3: sex: required value is empty\n"
        "prescriptions.csv:2:5: daily_dose: 'NA' looks like a missing-value code; a missing value is an empty cell"
    )


def test_missing_folder_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(tmp_path / "nowhere")


# --- frames_from_records ------------------------------------------------------------------------


def test_frames_from_records_types_like_load_dataset():
    frames = frames_from_records({
        "prescriptions": [
            {"patient_id": "P1", "timepoint": "baseline", "drug": "morphine", "route": "oral",
             "daily_dose": "30", "dose_unit": "mg_per_day"},
            {"patient_id": "P1", "timepoint": "follow_up", "drug": "none", "daily_dose": 0},
        ],
        "service_users": [{"patient_id": "P1", "enrolled_on": dt.date(2016, 9, 20), "sex": "female",
                           "age_years": 52, "disability": True, "previous_pain_clinic": None}],
    })
    assert list(frames) == list(reference.FILES)
    prescriptions = frames["prescriptions"]
    assert prescriptions["daily_dose"].tolist() == [30.0, 0.0]
    assert prescriptions["route"].tolist() == ["oral", None]  # left out → missing
    assert prescriptions["dose_unit"].tolist() == ["mg_per_day", None]
    users = frames["service_users"]
    assert users["enrolled_on"].tolist() == [pd.Timestamp("2016-09-20")]
    assert users["age_years"].dtype == "Int64" and users["age_years"].tolist() == [52]
    assert users["disability"].tolist() == [True]
    assert users["previous_pain_clinic"].iloc[0] is pd.NA
    assert users["opioid_years"].iloc[0] is pd.NA  # a column left out
    for name, frame in frames.items():
        assert {c: str(t) for c, t in frame.dtypes.items()} == _expected_dtypes(name), name
    assert len(frames["invitations"]) == 0  # a table left out: empty, typed


def test_frames_from_records_equals_load_dataset_on_the_same_rows(mini_dir, conversion):
    import csv

    records = {}
    for name in reference.FILES:
        with open(mini_dir / f"{name}.csv", newline="", encoding="utf-8") as fh:
            records[name] = list(csv.DictReader(fh))
    loaded = load_dataset(mini_dir, conversion)
    built = frames_from_records(records)
    for name in reference.FILES:
        pd.testing.assert_frame_equal(built[name], loaded[name], obj=name)


def test_typed_frames_refuses_what_is_not_the_contract():
    with pytest.raises(ValueError, match="not tables of the raw data contract: patients"):
        frames_from_records({"patients": []})
    with pytest.raises(ValueError, match="service_status: columns not in the raw data contract: name"):
        frames_from_records({"service_status": [{"patient_id": "P1", "name": "Jane"}]})
    with pytest.raises(ValueError, match="service_users.age_years: not integer text"):
        typed_frames({"service_users": pd.DataFrame({"age_years": ["fifty"]}, dtype=object)})
    with pytest.raises(ValueError, match="service_users.disability: not yesno text"):
        typed_frames({"service_users": pd.DataFrame({"disability": ["Yes"]}, dtype=object)})


@settings(max_examples=40)
@given(st.lists(st.one_of(st.none(), st.integers(-(10**12), 10**12)), max_size=20))
def test_integer_cells_round_trip(values):
    # an integer written as text types back to the same Int64 value; None stays missing
    frames = frames_from_records({"service_users": [{"age_years": v} for v in values]})
    typed = frames["service_users"]["age_years"]
    assert [None if v is pd.NA else int(v) for v in typed.tolist()] == values


@settings(max_examples=40)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e6)),
                max_size=20))
def test_number_cells_round_trip(values):
    # a float written by frames_from_records (shortest repr) types back to the same float
    frames = frames_from_records({"prescriptions": [{"daily_dose": v} for v in values]})
    typed = frames["prescriptions"]["daily_dose"].tolist()
    assert [None if np.isnan(x) else x for x in typed] == values


def test_mini_covers_every_vocabulary_key_of_every_coded_column(mini_dir):
    # the promise of tests/data/mini/README.md: each key appears at least once where it may
    import csv

    spec = reference.columns()
    for name, column, vocabulary in zip(spec["file"], spec["column"], spec["vocabulary"]):
        if not vocabulary:
            continue
        with open(mini_dir / f"{name}.csv", newline="", encoding="utf-8") as fh:
            seen = {row[column] for row in csv.DictReader(fh)}
        missing = set(reference.vocabulary(vocabulary)) - seen
        assert not missing, f"{name}.{column} never holds {sorted(missing)}"
