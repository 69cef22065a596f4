"""results.csv: every key of the output contract, hand-worked on a five-person study."""

import math

import pytest

from painreview.dataset import frames_from_records
from painreview.results import results

# The output contract's keys (shared/spec/outputs.md, results.csv), transcribed in its order.
REASONS = ["happy_with_dose", "reduce_with_gp", "not_for_me", "died", "no_reason_given"]
DISCHARGE = ["no_longer_taking_opioids", "dose_reduced", "happy_as_is", "no_time", "benefit_concerns", "lost_to_follow_up"]
CONTRACT_KEYS = (
    ["invited", "contact_successful", "contact_unsuccessful", "attended_info_session", "did_not_attend_info_session",
     "enrolled", "did_not_enrol", "enrolled_percent"]
    + [f"non_enrolment_{r}" for r in REASONS]
    + ["appointments_made", "appointments_kept", "appointments_cancelled", "appointments_not_attended",
       "appointments_kept_percent", "appointments_cancelled_percent", "appointments_not_attended_percent"]
    + [f"{g}_{s}" for g in ("active", "discharged") for s in ("n", "duration_months_median", "duration_months_p25",
       "duration_months_p75", "attended_median", "attended_p25", "attended_p75")]
    + [f"discharge_{r}" for r in DISCHARGE]
    + ["dose_baseline_median", "dose_baseline_p25", "dose_baseline_p75", "dose_follow_up_median", "dose_follow_up_p25",
       "dose_follow_up_p75", "dose_paired_n", "dose_reduced_n", "dose_stopped_n", "dose_unchanged_n", "dose_increased_n",
       "dose_wilcoxon_p", "dose_above_120_baseline_n", "dose_above_120_paired_n", "dose_above_120_to_below_n"]
    + ["comm_positive_baseline_n", "comm_baseline_n", "comm_positive_follow_up_n", "comm_follow_up_n"]
    + ["wemwbs_paired_n", "wemwbs_improved_3_n", "wemwbs_improved_8_n"]
    + ["bpi_relief_baseline_median", "bpi_relief_baseline_p25", "bpi_relief_baseline_p75",
       "bpi_relief_follow_up_median", "bpi_relief_follow_up_p25", "bpi_relief_follow_up_p75"]
    + ["opioid_years_n", "opioid_years_5plus_n", "opioid_years_15plus_n"]
    + ["interviews_n", "interviews_service_user_n", "interviews_provider_n", "interviews_project_worker_n",
       "interviews_manager_n", "interviews_gp_n"]
)
EXTRA_KEYS = (
    [f"non_enrolment_{r}_percent" for r in REASONS]
    + ["active_percent", "discharged_percent"]
    + [f"discharge_{r}_percent" for r in DISCHARGE]
    + ["dose_unpaired_n", "dose_reduced_percent", "dose_stopped_percent", "dose_unchanged_percent",
       "dose_increased_percent", "dose_wilcoxon_z", "dose_wilcoxon_exact_p", "dose_above_120_to_below_percent",
       "comm_positive_baseline_percent", "comm_positive_follow_up_percent", "wemwbs_improved_3_percent",
       "wemwbs_improved_8_percent", "opioid_years_5plus_percent", "opioid_years_15plus_percent",
       "bpi_relief_baseline_n", "bpi_relief_follow_up_n"]
)

DAYS_PER_MONTH = 30.4375
ORAL, PATCH = "mg_per_day", "microgram_per_hour"


def q_rows(pid, tp, prefix, values):
    return [{"patient_id": pid, "timepoint": tp, "item": f"{prefix}{i:02d}", "value": v} for i, v in enumerate(values, 1)]


def study():
    inv = [
        # (id, contact, attended, enrolled, reason)
        ("S1", "yes", "yes", "yes", None), ("S2", "yes", "yes", "yes", None), ("S3", "yes", "yes", "yes", None),
        ("S4", "yes", "yes", "yes", None), ("S5", "yes", "yes", "yes", None),
        ("N1", "no", "no", "no", None), ("N2", "yes", "yes", "no", "not_for_me"), ("N3", "yes", "no", "no", None),
    ]
    appointments = [
        ("S1", "2017-01-01", "kept"), ("S1", "2017-03-02", "cancelled"), ("S1", "2017-04-01", "kept"),
        ("S2", "2017-01-01", "kept"),
        ("S3", "2017-02-01", "not_attended"), ("S3", "2017-02-11", "kept"),
        ("S5", "2017-01-01", "kept"), ("S5", "2017-01-31", "kept"), ("S5", "2017-03-02", "kept"),
    ]
    rx = [
        ("S1", "baseline", "morphine", "oral", 150, ORAL), ("S1", "follow_up", "morphine", "oral", 100, ORAL),
        ("S2", "baseline", "codeine", "oral", 240, ORAL), ("S2", "follow_up", "codeine", "oral", 240, ORAL),
        ("S3", "baseline", "fentanyl", "transdermal", 75, PATCH), ("S3", "follow_up", "fentanyl", "transdermal", 50, PATCH),
        ("S4", "baseline", "tramadol", "oral", 200, ORAL), ("S4", "follow_up", "none", None, 0, None),
        ("S5", "baseline", "oxycodone", "oral", 40, ORAL),
    ]
    questionnaires = (
        q_rows("S1", "baseline", "comm_", [1] * 17)  # 17: positive
        + q_rows("S2", "baseline", "comm_", [1] * 9 + [0] * 8)  # 9: positive (≥ 9)
        + q_rows("S3", "baseline", "comm_", [4] * 16)  # item 17 missing: not scored
        + q_rows("S1", "follow_up", "comm_", [1] * 8 + [0] * 9)  # 8: not positive
        + q_rows("S1", "baseline", "wemwbs_", [3] * 14)  # 42
        + q_rows("S1", "follow_up", "wemwbs_", [4] * 3 + [3] * 11)  # 45: +3
        + q_rows("S2", "baseline", "wemwbs_", [2] * 14)  # 28
        + q_rows("S2", "follow_up", "wemwbs_", [3] * 8 + [2] * 6)  # 36: +8
        + q_rows("S3", "baseline", "wemwbs_", [3] * 14)  # no follow-up: unpaired
        + q_rows("S4", "baseline", "wemwbs_", [3] * 14)  # 42
        + q_rows("S4", "follow_up", "wemwbs_", [4] * 2 + [3] * 12)  # 44: +2
        + [{"patient_id": p, "timepoint": tp, "item": "bpi_8_relief", "value": v}
           for p, tp, v in [("S1", "baseline", 60), ("S2", "baseline", 30), ("S3", "baseline", 70),
                            ("S1", "follow_up", 50), ("S2", "follow_up", None)]]
    )
    return frames_from_records(
        {
            "invitations": [
                {"patient_id": i, "practice": "A", "invited_on": "2016-10-01", "contact_successful": c,
                 "attended_info_session": a, "enrolled": e, "non_enrolment_reason": r}
                for i, c, a, e, r in inv
            ],
            "service_users": [
                {"patient_id": p, "enrolled_on": "2016-12-01", "sex": "female", "age_years": 50, "opioid_years": y}
                for p, y in [("S1", 2), ("S2", 5), ("S3", 15), ("S4", None), ("S5", 20)]
            ],
            "service_status": [
                {"patient_id": p, "status": s, "discharge_reason": r}
                for p, s, r in [("S1", "active", None), ("S2", "active", None), ("S3", "discharged", "dose_reduced"),
                                ("S4", "discharged", "lost_to_follow_up"), ("S5", "discharged", "lost_to_follow_up")]
            ],
            "appointments": [{"patient_id": p, "date": d, "status": s} for p, d, s in appointments],
            "prescriptions": [
                dict(zip(["patient_id", "timepoint", "drug", "route", "daily_dose", "dose_unit"], r)) for r in rx
            ],
            "questionnaires": questionnaires,
            "interviews": [
                {"participant_id": p, "role": r, "mode": "telephone", "patient_id": None}
                for p, r in [("P1", "service_user"), ("P2", "service_user"), ("P3", "gp"), ("P4", "project_worker")]
            ],
        }
    )


def test_keys_are_the_contracts_in_its_order_plus_the_extras():
    keys = results(study())["key"].tolist()
    assert [k for k in keys if k in CONTRACT_KEYS] == CONTRACT_KEYS
    assert sorted(set(keys) - set(CONTRACT_KEYS)) == sorted(EXTRA_KEYS)
    assert len(keys) == len(set(keys))


def test_values_hand_worked():
    got = dict(results(study()).itertuples(index=False, name=None))
    z = -4.5 / math.sqrt(7.25)
    expected = {
        # flow: 8 invited, N1 unreached, N3 absent, N2 declined (not for me)
        "invited": 8, "contact_successful": 7, "contact_unsuccessful": 1, "attended_info_session": 6,
        "did_not_attend_info_session": 1, "enrolled": 5, "did_not_enrol": 1, "enrolled_percent": 62.5,
        **{f"non_enrolment_{r}": int(r == "not_for_me") for r in REASONS},
        **{f"non_enrolment_{r}_percent": 100.0 * (r == "not_for_me") for r in REASONS},
        # 9 appointments: 7 kept, 1 cancelled, 1 not attended
        "appointments_made": 9, "appointments_kept": 7, "appointments_cancelled": 1, "appointments_not_attended": 1,
        "appointments_kept_percent": 700 / 9, "appointments_cancelled_percent": 100 / 9,
        "appointments_not_attended_percent": 100 / 9,
        # active S1 (Jan 1 -> Apr 1 = 90 days, 2 kept), S2 (one appointment: 0 days, 1 kept)
        "active_n": 2, "active_percent": 40.0,
        "active_duration_months_median": (0 + 90 / DAYS_PER_MONTH) / 2, "active_duration_months_p25": 0.0,
        "active_duration_months_p75": 90 / DAYS_PER_MONTH,
        "active_attended_median": 1.5, "active_attended_p25": 1.0, "active_attended_p75": 2.0,
        # discharged S3 (10 days, 1 kept), S4 (no appointment: 0 kept, no duration), S5 (60 days, 3 kept)
        # attended 0 1 3: P25 = 0.75 -> x1 = 0, P50 = 1.5 -> x2 = 1, P75 = 2.25 -> x3 = 3
        "discharged_n": 3, "discharged_percent": 60.0,
        "discharged_duration_months_median": (10 / DAYS_PER_MONTH + 60 / DAYS_PER_MONTH) / 2,
        "discharged_duration_months_p25": 10 / DAYS_PER_MONTH, "discharged_duration_months_p75": 60 / DAYS_PER_MONTH,
        "discharged_attended_median": 1.0, "discharged_attended_p25": 0.0, "discharged_attended_p75": 3.0,
        **{f"discharge_{r}": {"dose_reduced": 1, "lost_to_follow_up": 2}.get(r, 0) for r in DISCHARGE},
        **{f"discharge_{r}_percent": {"dose_reduced": 100 / 3, "lost_to_follow_up": 200 / 3}.get(r, 0.0) for r in DISCHARGE},
        # doses: baseline 150 24 180 20 60 -> 20 24 60 150 180 (n 5: x2, x3, x4)
        "dose_baseline_median": 60.0, "dose_baseline_p25": 24.0, "dose_baseline_p75": 150.0,
        # follow-up 100 24 120 0 -> 0 24 100 120 (n 4: P25 = 1 -> (0+24)/2, P50 = 2 -> (24+100)/2, P75 = 3 -> (100+120)/2)
        "dose_follow_up_median": 62.0, "dose_follow_up_p25": 12.0, "dose_follow_up_p75": 110.0,
        "dose_paired_n": 4, "dose_unpaired_n": 1,  # S5 has no follow-up record
        "dose_reduced_n": 3, "dose_reduced_percent": 75.0, "dose_stopped_n": 1, "dose_stopped_percent": 25.0,
        "dose_unchanged_n": 1, "dose_unchanged_percent": 25.0, "dose_increased_n": 0, "dose_increased_percent": 0.0,
        # d = after - before: -50, 0, -60, -20; ranks of |d| 3, 1, 4, 2; T+ = 0; E = (4·5 - 1·2)/4 = 4.5;
        # Var = 4·5·9/24 - 1·2·3/24 = 7.25; exact (zero dropped): 3 decreases -> 2/8
        "dose_wilcoxon_p": math.erfc(abs(z) / math.sqrt(2)), "dose_wilcoxon_z": z, "dose_wilcoxon_exact_p": 0.25,
        # above 120 at baseline: S1 150 (-> 100, below), S3 180 (-> 120, not below 120)
        "dose_above_120_baseline_n": 2, "dose_above_120_paired_n": 2, "dose_above_120_to_below_n": 1, "dose_above_120_to_below_percent": 50.0,
        # COMM: baseline S1 17, S2 9 (S3 not scored) -> 2 of 2 ≥ 9; follow-up S1 8 -> 0 of 1
        "comm_positive_baseline_n": 2, "comm_baseline_n": 2, "comm_positive_baseline_percent": 100.0,
        "comm_positive_follow_up_n": 0, "comm_follow_up_n": 1, "comm_positive_follow_up_percent": 0.0,
        # WEMWBS pairs: S1 42 -> 45 (+3), S2 28 -> 36 (+8), S4 42 -> 44 (+2)
        "wemwbs_paired_n": 3, "wemwbs_improved_3_n": 2, "wemwbs_improved_3_percent": 200 / 3,
        "wemwbs_improved_8_n": 1, "wemwbs_improved_8_percent": 100 / 3,
        # BPI relief baseline 60 30 70 -> 30 60 70 (n 3: x1, x2, x3); follow-up 50 only (S2 empty)
        "bpi_relief_baseline_n": 3, "bpi_relief_follow_up_n": 1,
        "bpi_relief_baseline_median": 60.0, "bpi_relief_baseline_p25": 30.0, "bpi_relief_baseline_p75": 70.0,
        "bpi_relief_follow_up_median": 50.0, "bpi_relief_follow_up_p25": 50.0, "bpi_relief_follow_up_p75": 50.0,
        # years 2 5 15 20 (S4 missing)
        "opioid_years_n": 4, "opioid_years_5plus_n": 3, "opioid_years_5plus_percent": 75.0,
        "opioid_years_15plus_n": 2, "opioid_years_15plus_percent": 50.0,
        "interviews_n": 4, "interviews_service_user_n": 2, "interviews_provider_n": 2,
        "interviews_project_worker_n": 1, "interviews_manager_n": 0, "interviews_gp_n": 1,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-15, abs=0), key
        assert type(got[key]) is type(value), key  # counts are ints, everything else floats


def test_counts_are_ints_and_values_are_floats():
    out = results(study())
    types = {k: type(v) for k, v in out.itertuples(index=False, name=None)}
    assert types["invited"] is int and types["dose_paired_n"] is int and types["appointments_kept"] is int
    assert types["enrolled_percent"] is float and types["dose_wilcoxon_p"] is float
    assert list(out.columns) == ["key", "value"]


def test_paper_scale_doses_reproduce_the_published_dose_results():
    # A hand-made set of 34 morphine doses built to the paper's published dose numbers:
    # baseline sorted: x9 = 60, (x17 + x18)/2 = (90 + 90)/2, x26 = 240 (Stata, n = 34)
    baseline = [20, 24, 30, 36, 40, 45, 48, 54, 60, 60, 64, 72, 75, 80, 84, 88, 90, 90, 100, 110,
                130, 150, 180, 200, 225, 240, 240, 270, 300, 360, 400, 480, 540, 600]
    follow_up = list(baseline)
    # 15 reductions: 3 stop (36, 40, 45 -> 0); 130, 150, 180 -> 72 and 200 -> 100 drop below 120 (4 of 14 above 120)
    for i, new in {4: 0, 5: 0, 6: 0, 7: 30, 8: 30, 9: 30, 17: 72, 18: 72, 19: 72, 21: 72, 22: 72, 23: 72,
                   24: 100, 25: 160, 26: 160}.items():
        follow_up[i - 1] = new
    # follow-up sorted: x9 = 30, x17 = x18 = 72, x26 = 160 -> 72 (30 to 160)
    rx = [{"patient_id": f"U{i:02d}", "timepoint": tp, "drug": "morphine", "route": "oral", "daily_dose": d,
           "dose_unit": ORAL} for i, (b, f) in enumerate(zip(baseline, follow_up)) for tp, d in (("baseline", b), ("follow_up", f))]
    got = dict(results(frames_from_records({"prescriptions": rx})).itertuples(index=False, name=None))
    assert (got["dose_baseline_median"], got["dose_baseline_p25"], got["dose_baseline_p75"]) == (90.0, 60.0, 240.0)
    assert (got["dose_follow_up_median"], got["dose_follow_up_p25"], got["dose_follow_up_p75"]) == (72.0, 30.0, 160.0)
    assert (got["dose_paired_n"], got["dose_reduced_n"], got["dose_stopped_n"], got["dose_unchanged_n"], got["dose_increased_n"]) == (34, 15, 3, 19, 0)
    assert (got["dose_above_120_baseline_n"], got["dose_above_120_paired_n"], got["dose_above_120_to_below_n"]) == (14, 14, 4)
    # all 15 non-zero d negative: T+ = 0, E = (34·35 - 19·20)/4 = 202.5; |d| = 18 three times (48 -> 30,
    # 90 -> 72 twice), the rest distinct: Var = 34·35·69/24 - 19·20·39/24 - (27 - 3)/48 = 2803.25
    assert got["dose_wilcoxon_z"] == pytest.approx(-202.5 / math.sqrt(2803.25), abs=1e-12)
    assert round(got["dose_wilcoxon_z"], 1) == -3.8 and got["dose_wilcoxon_p"] < 0.001  # paper: P < 0.001
    assert got["dose_wilcoxon_exact_p"] == 2 / 2**15
    assert round(got["dose_reduced_percent"], 1) == 44.1 and round(got["dose_unchanged_percent"], 1) == 55.9


def test_incomplete_follow_up_keeps_the_papers_wording():
    # Output contract, results.csv: a baseline number counts everyone with a baseline value,
    # a follow-up number everyone with one at follow-up, a change those with both.
    rx = [
        ("A", "baseline", "morphine", "oral", 150, ORAL), ("A", "follow_up", "morphine", "oral", 100, ORAL),  # > 120 -> below
        ("B", "baseline", "morphine", "oral", 200, ORAL),  # > 120, no follow-up record
        ("C", "baseline", "morphine", "oral", 130, ORAL), ("C", "follow_up", "morphine", "oral", 130, ORAL),  # > 120, unchanged
        ("D", "baseline", "morphine", "oral", 60, ORAL), ("D", "follow_up", "none", None, 0, None),  # stopped
        ("E", "baseline", "morphine", "oral", 40, ORAL),  # no follow-up record
    ]
    questionnaires = (
        q_rows("A", "baseline", "comm_", [1] * 17) + q_rows("A", "follow_up", "comm_", [0] * 17)  # 17, 0
        + q_rows("B", "baseline", "comm_", [1] * 9 + [0] * 8)  # 9, baseline only
        + q_rows("C", "follow_up", "comm_", [2] * 17)  # 34, follow-up only
        + q_rows("D", "baseline", "comm_", [4] * 16)  # an item missing: not scored
        + q_rows("A", "baseline", "wemwbs_", [3] * 14) + q_rows("A", "follow_up", "wemwbs_", [4] * 14)  # 42 -> 56
        + q_rows("B", "baseline", "wemwbs_", [3] * 14)  # baseline only
    )
    frames = frames_from_records({
        "prescriptions": [dict(zip(["patient_id", "timepoint", "drug", "route", "daily_dose", "dose_unit"], r)) for r in rx],
        "questionnaires": questionnaires,
    })
    got = dict(results(frames).itertuples(index=False, name=None))
    # every one above 120 at baseline: A, B, C; of them with a follow-up: A, C; below at follow-up: A
    assert (got["dose_above_120_baseline_n"], got["dose_above_120_paired_n"], got["dose_above_120_to_below_n"]) == (3, 2, 1)
    assert got["dose_above_120_to_below_percent"] == 50.0  # 1 of the 2 with a follow-up
    # paired A, C, D: reduced A, D (D stopped), unchanged C; B and E unpaired
    assert (got["dose_paired_n"], got["dose_unpaired_n"]) == (3, 2)
    assert (got["dose_reduced_n"], got["dose_stopped_n"], got["dose_unchanged_n"], got["dose_increased_n"]) == (2, 1, 1, 0)
    assert got["dose_reduced_percent"] == 200 / 3 and got["dose_unchanged_percent"] == 100 / 3
    # baseline 150 200 130 60 40 -> median 130; follow-up 100 130 0 -> median 100
    assert (got["dose_baseline_median"], got["dose_follow_up_median"]) == (130.0, 100.0)
    # COMM each timepoint on its own: baseline A 17, B 9 (D not scored); follow-up A 0, C 34
    assert (got["comm_baseline_n"], got["comm_positive_baseline_n"]) == (2, 2)
    assert (got["comm_follow_up_n"], got["comm_positive_follow_up_n"], got["comm_positive_follow_up_percent"]) == (2, 1, 50.0)
    # WEMWBS change: only A is scored at both (+14)
    assert (got["wemwbs_paired_n"], got["wemwbs_improved_3_n"], got["wemwbs_improved_8_n"]) == (1, 1, 1)
