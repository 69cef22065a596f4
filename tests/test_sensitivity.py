"""The headline results under each documented alternative (painreview.sensitivity), on the
hand-made dataset tests/data/mini (its README lists the appointments and enrolment dates)."""

from __future__ import annotations

import pytest

from painreview.dataset import load_dataset
from painreview.results import results
from painreview.sensitivity import COLUMNS, durations, sensitivity

MONTH = 30.4375


@pytest.fixture(scope="module")
def frames(request):
    from pathlib import Path

    return load_dataset(Path(__file__).parent / "data" / "mini")


def test_durations_by_hand(frames):
    # Days, from tests/data/mini/appointments.csv and service_users.enrolled_on.
    expected = {
        "first_to_last_any": {"P01": 105, "P02": 35, "P03": 42, "P04": 0, "P05": 14, "P06": 42, "P07": 0},
        "first_to_last_kept": {"P01": 105, "P02": 35, "P03": 42, "P04": 0, "P05": 0, "P06": 0, "P07": 0},
        "enrolment_to_last": {"P01": 112, "P02": 42, "P03": 49, "P04": 7, "P05": 21, "P06": 49, "P07": 7},
    }
    for definition, days in expected.items():
        got = durations(frames, definition, MONTH)
        assert got.to_dict() == pytest.approx({k: v / MONTH for k, v in days.items()}), definition
    with pytest.raises(ValueError, match="unknown duration definition"):
        durations(frames, "first_to_second", MONTH)


def test_discharged_duration_medians_by_hand(frames):
    table = sensitivity(frames)
    rows = table[(table["setting"] == "duration") & (table["result"] == "discharged_duration_months_median")]
    got = dict(zip(rows["alternative"], rows["value"]))
    # Discharged P02-P07, Stata's median of six values is the mean of the 3rd and 4th.
    assert got["first_to_last_kept"] == pytest.approx(0.0)  # 0 0 0 0 35 42
    assert got["enrolment_to_last"] == pytest.approx(31.5 / MONTH)  # 7 7 21 42 49 49
    assert list(rows["paper_value"]) == pytest.approx([24.5 / MONTH] * 2)  # 0 0 14 35 42 42


def test_paper_values_are_the_results(frames):
    table = sensitivity(frames)
    assert list(table.columns) == COLUMNS
    reproduced = dict(zip(*results(frames).T.values))
    by_setting = table[table["setting"] != "test"]
    for key, value in zip(by_setting["result"], by_setting["paper_value"]):
        assert value == pytest.approx(reproduced[key], nan_ok=True), key
    test = table[table["setting"] == "test"].iloc[0]
    assert test["value"] == pytest.approx(reproduced["dose_wilcoxon_exact_p"])


def test_enrolled_denominator(frames):
    table = sensitivity(frames)
    reproduced = dict(zip(*results(frames).T.values))
    row = table[(table["result"] == "dose_reduced_percent")].iloc[0]
    # P05 has no follow-up dose: 6 paired of the 7 enrolled.
    assert (row["n"], row["paper_n"]) == (7, 6)
    assert row["value"] == pytest.approx(100 * reproduced["dose_reduced_n"] / 7)


def test_every_alternative_is_documented_and_conversion_swaps(frames):
    from painreview.sensitivity import choices

    ref = choices()
    known = set(zip(ref["setting"], ref["choice"]))
    table = sensitivity(frames, "cdc_2022")
    for setting, paper, alt in zip(table["setting"], table["paper_choice"], table["alternative"]):
        assert (setting, paper) in known and (setting, alt) in known
    conv = table[table["setting"] == "conversion"]
    assert set(conv["paper_choice"]) == {"cdc_2022"} and set(conv["alternative"]) == {"opioids_aware"}
    assert ref["source"].str.len().min() > 0
