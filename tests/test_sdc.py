"""Tests of painreview.sdc: the OpenSAFELY rule, worked by hand on small frames.

The rule (docs/disclosure-control.md): 0 stays 0; 1..7 → [REDACTED]; n ≥ 8 → nearest
multiple of 5 (n mod 5 in {0,1,2} rounds down, {3,4} up); totals and differences from
the protected counts; percentages from the protected counts; statistics of groups ≤ 7
withheld; min/max always withheld.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview import sdc
from painreview.reference import vocabulary

R = sdc.REDACTED
ROOT = Path(__file__).resolve().parent.parent
NAN = float("nan")


# ------------------------------------------------------------------ helpers and frames


def table_row(variable, level, n, N, percent=NAN, mean=NAN, sd=NAN, median=NAN, p25=NAN, p75=NAN,
              diagnosed=NAN, section="characteristics", label="x"):
    return dict(section=section, variable=variable, level=level, label=label, n=n, N=N,
                percent=percent, mean=mean, sd=sd, median=median, p25=p25, p75=p75, diagnosed=diagnosed)


def table(*rows):
    return pd.DataFrame(list(rows), columns=list(sdc.TABLE_COLUMNS))


def outcome(measure, timepoint, n, median=NAN, p25=NAN, p75=NAN, mean=NAN, sd=NAN, mn=NAN, mx=NAN):
    return dict(measure=measure, timepoint=timepoint, n=n, median=median, p25=p25, p75=p75,
                mean=mean, sd=sd, min=mn, max=mx)


def outcomes(*rows):
    return pd.DataFrame(list(rows), columns=list(sdc.OUTCOMES_COLUMNS))


def results(**values):
    return pd.DataFrame({"key": list(values), "value": list(values.values())})


def as_dict(frame):
    """key → protected value of a flow (key, label, n) or results (key, value) frame."""
    assert frame["key"].is_unique
    return dict(zip(frame["key"], frame[frame.columns[-1]]))


def same(a, b):
    """Cell equality where None and NaN are both 'missing'."""
    if sdc._missing(a) and sdc._missing(b):
        return True
    return type(a) is type(b) and a == b


FLOW_KEYS = ["invited", "contact_successful", "contact_unsuccessful", "attended_info_session",
             "did_not_attend_info_session", "enrolled", "did_not_enrol"] + [
    f"non_enrolment_{r}" for r in vocabulary("non_enrolment_reason")]

# The paper's Figure 1: 59 → 42 (17 unsuccessful) → 41 (1 did not attend) → 34 (7 did not
# enrol: 3, 1, 1, 1, 1 by reason).
PAPER_FLOW = dict(zip(FLOW_KEYS, [59, 42, 17, 41, 1, 34, 7, 3, 1, 1, 1, 1]))


def flow_frame(counts):
    return pd.DataFrame({"key": list(counts), "label": [k.replace("_", " ") for k in counts],
                         "n": list(counts.values())})


# ------------------------------------------------------------------------------ is_on


@pytest.mark.parametrize("text", ["on", "ON", " On ", "true", "True", "1", 1, True])
def test_is_on_accepts_the_on_spellings(text):
    assert sdc.is_on(text) is True


@pytest.mark.parametrize("text", ["off", "OFF", "false", "False", "0", " 0\n", 0, False])
def test_is_on_accepts_the_off_spellings(text):
    assert sdc.is_on(text) is False


@pytest.mark.parametrize("text", ["yes", "no", "", "2", "onn", None, 2, 0.5])
def test_is_on_refuses_anything_else_with_a_clear_message(text):
    with pytest.raises(ValueError, match="on, off, true, false, 1, 0"):
        sdc.is_on(text)


# ---------------------------------------------------------------------- protect_count


@pytest.mark.parametrize("count,expected", [
    (0, 0),                    # zero is kept: not disclosive (OpenSAFELY)
    (1, R), (5, R), (7, R),    # 1..7 redacted
    (8, 10), (9, 10), (10, 10), (12, 10),   # 8..12 → 10 (12 mod 5 = 2 → down)
    (13, 15), (17, 15),        # 13 mod 5 = 3 → up; 17 mod 5 = 2 → down
    (18, 20), (22, 20), (23, 25),
    (34, 35), (41, 40), (42, 40), (59, 60), (101, 100), (535, 535),
    (34.0, 35),                # a whole float is a count
])
def test_protect_count_hand_worked(count, expected):
    got = sdc.protect_count(count)
    assert got == expected
    assert type(got) is type(expected)


def test_protect_count_keeps_missing_and_redacted():
    assert sdc.protect_count(NAN) is None
    assert sdc.protect_count(pd.NA) is None
    assert sdc.protect_count(None) is None
    assert sdc.protect_count(R) == R


@pytest.mark.parametrize("bad", [12.5, -1, "12", "abc", float("inf")])
def test_protect_count_refuses_what_is_not_a_count(bad):
    with pytest.raises(ValueError):
        sdc.protect_count(bad)


@given(st.integers(min_value=0, max_value=10**6))
def test_protect_count_is_within_2_of_the_truth_and_idempotent(n):
    got = sdc.protect_count(n)
    if 1 <= n <= 7:
        assert got == R
    else:
        assert got % 5 == 0 and not 1 <= got <= 7 and abs(got - n) <= 2
    assert sdc.protect_count(got) == got


# ---------------------------------------------------------------------- protect_table


def test_protect_table_hand_worked_on_paper_rows():
    t = table(
        # Female 22/34 → 20/35, percent 100·20/35 = 57.142857… released at 1 dp: 57.1
        table_row("sex", "female", 22, 34, 64.7),
        # Age mean 51.2 (SD 10.1) of 34: group > 7, shown in whole years as Table 1: 51 (10)
        table_row("age_years", None, 34, 34, mean=51.2, sd=10.1),
        # Employed 6/31 → [R]/30, percent from a redacted n → [R]
        table_row("employment", "employed", 6, 31, 19.4, section="employment"),
        # White 31/31 → 30/30 = 100.0
        table_row("ethnicity", "white", 31, 31, 100.0),
        # Depression 13/29, 12 diagnosed → 15/30 = 50.0, diagnosed 10
        table_row("condition", "depression", 13, 29, 44.8, diagnosed=12, section="comorbidity"),
        # Sleep 17/30 → 15/30 = 50.0, none diagnosed → 0
        table_row("condition", "sleep_issues", 17, 30, 56.7, diagnosed=0, section="comorbidity"),
        # Dose median (IQR) 90 (60 to 240) of 34: kept
        table_row("dose_mme", None, 34, 34, median=90.0, p25=60.0, p75=240.0, section="dose"),
    )
    before = t.copy()
    p = sdc.protect_table(t)
    pd.testing.assert_frame_equal(t, before)  # the input is left alone
    assert p["n"].tolist() == [20, 35, R, 30, 15, 15, 35]
    assert p["N"].tolist() == [35, 35, 30, 30, 30, 30, 35]
    assert p["percent"].tolist()[0] == 57.1
    assert p["percent"].tolist()[2:6] == [R, 100.0, 50.0, 50.0]
    assert p["percent"].iloc[1] is None and p["percent"].iloc[6] is None  # no percentage rows stay empty
    assert p["diagnosed"].tolist()[4:6] == [10, 0]
    assert (p["mean"].iloc[1], p["sd"].iloc[1]) == (51.0, 10.0)
    assert (p["median"].iloc[6], p["p25"].iloc[6], p["p75"].iloc[6]) == (90.0, 60.0, 240.0)
    assert p["n"].dtype == object and type(p["n"].iloc[0]) is int


def test_protect_table_withholds_statistics_of_a_group_of_7_or_fewer():
    t = table(
        # a mean of 6 people: withheld with its SD; the median family is empty and stays so
        table_row("age_years", None, 6, 6, mean=40.0, sd=3.0),
        # a mean of 1 person has no SD: both cells still [R], so the empty SD cannot tell n = 1
        table_row("age_years", None, 1, 1, mean=40.0),
        # 8 people: 8 > 7, shown (N rounds to 10 but the decision uses the true 8)
        table_row("dose_mme", None, 8, 8, median=90.0, p25=60.0, p75=240.0, section="dose"),
        # N empty: the group is n = 7 → withheld
        table_row("dose_mme", None, 7, NAN, median=90.0, p25=60.0, p75=240.0, section="dose"),
    )
    p = sdc.protect_table(t)
    assert p[["mean", "sd"]].values.tolist()[:2] == [[R, R], [R, R]]
    assert p["median"].iloc[0] is None and p["median"].iloc[1] is None
    assert p[["median", "p25", "p75"]].values.tolist()[2:] == [[90.0, 60.0, 240.0], [R, R, R]]
    assert p["n"].tolist() == [R, R, 10, R]


def test_protect_table_refuses_an_unknown_column():
    t = table(table_row("sex", "female", 22, 34, 64.7))
    t["secret"] = 3
    with pytest.raises(ValueError, match="unknown.*secret"):
        sdc.protect_table(t)


def test_protect_table_csv_marks_redacted_cells_and_writes_counts_as_integers():
    p = sdc.protect_table(table(table_row("employment", "employed", 6, 31, 19.4),
                                table_row("employment", "unemployed", 23, 31, 74.2)))
    lines = p.to_csv(index=False, lineterminator="\n").splitlines()
    assert lines[1] == "characteristics,employment,employed,x,[REDACTED],30,[REDACTED],,,,,,"
    # 23 → 25, 31 → 30, 100·25/30 = 83.333… released at one decimal
    assert lines[2] == "characteristics,employment,unemployed,x,25,30,83.3,,,,,,"


# ------------------------------------------------------------------- protect_outcomes


def test_protect_outcomes_hand_worked():
    o = outcomes(
        # 28 scored: n → 30, statistics kept, min/max withheld
        outcome("comm_total", "baseline", 28, 14.0, 10.0, 20.0, 15.1, 6.2, 2.0, 40.0),
        # 5 scored: n → [R], every statistic withheld
        outcome("comm_total", "follow_up", 5, 12.0, 9.0, 13.0, 11.0, 2.0, 8.0, 14.0),
        # 1 scored: SD undefined, withheld together with the mean
        outcome("wemwbs_total", "follow_up", 1, 40.0, 40.0, 40.0, 40.0, NAN, 40.0, 40.0),
        # nobody scored: n = 0 shown, empty statistics stay empty
        outcome("top_qol", "follow_up", 0),
    )
    p = sdc.protect_outcomes(o)
    assert p["n"].tolist() == [30, R, R, 0]
    assert p.iloc[0, 3:8].tolist() == [14.0, 10.0, 20.0, 15.0, 6.0]  # mean and SD in whole units
    assert p.iloc[0, 8:].tolist() == [R, R]
    assert p.iloc[1, 3:].tolist() == [R] * 7
    assert p.iloc[2, 3:].tolist() == [R] * 7
    assert p.iloc[3, 3:].tolist() == [None] * 7


# -------------------------------------------------------------------- protect_tallies


def test_protect_tallies_all_row_is_the_sum_of_the_protected_role_rows():
    rows = [
        # theme t, code c1: participants 9, 2, 0, 12 (all 23); segments 20, 3, 0, 30 (all 53)
        ("t", "c1", "service_user", 9, 20), ("t", "c1", "project_worker", 2, 3),
        ("t", "c1", "manager", 0, 0), ("t", "c1", "gp", 12, 30), ("t", "c1", "all", 23, 53),
        # code c2: only small counts; the shown parts (0, 0) sum to 0 beside hidden ones → [R]
        ("t", "c2", "service_user", 3, 4), ("t", "c2", "project_worker", 1, 1),
        ("t", "c2", "manager", 0, 0), ("t", "c2", "gp", 0, 0), ("t", "c2", "all", 4, 5),
        # theme row (code empty): its own distinct-participant count, roles 14 and 0 → all 14
        ("t", None, "service_user", 14, 24), ("t", None, "gp", 0, 0), ("t", None, "all", 14, 24),
        # an all row without role rows is a count of its own: 12 → 10, 40 → 40
        ("u", "c3", "all", 12, 40),
    ]
    tallies = pd.DataFrame(rows, columns=list(sdc.TALLIES_COLUMNS))
    p = sdc.protect_tallies(tallies)
    # c1: 9→10, 2→R, 0, 12→10; all = 10 + 0 + 10 = 20 (OpenSAFELY: total = sum of shown rounded)
    assert p["participants"].tolist()[:5] == [10, R, 0, 10, 20]
    # segments 20, 3→R, 0, 30 → all = 50
    assert p["segments"].tolist()[:5] == [20, R, 0, 30, 50]
    assert p["participants"].tolist()[5:10] == [R, R, 0, 0, R]
    assert p["participants"].tolist()[10:13] == [15, 0, 15]
    assert p["segments"].tolist()[10:13] == [25, 0, 25]
    assert p["participants"].tolist()[13] == 10 and p["segments"].tolist()[13] == 40


# ------------------------------------------------------------------------ protect_flow


def test_protect_flow_paper_figure_1():
    p = sdc.protect_flow(flow_frame(PAPER_FLOW))
    got = as_dict(p)
    assert got["invited"] == 60 and got["contact_successful"] == 40
    # derived from the rounded counts: 60 − 40 = 20 (not round(17) = 15, which with 60
    # and 40 would pin the true value between 13 and 17 … and reveal the rule's slack)
    assert got["contact_unsuccessful"] == 20
    assert got["attended_info_session"] == 40
    # 40 − 40 = 0 from non-zero terms: its truth may be 0..4, so it is redacted, not a false "nobody"
    assert got["did_not_attend_info_session"] == R
    assert got["enrolled"] == 35
    # 40 − 35 = 5: redacted (no printed count lies in 1..7)
    assert got["did_not_enrol"] == R
    assert [got[f"non_enrolment_{r}"] for r in vocabulary("non_enrolment_reason")] == [R] * 5
    assert p["label"].tolist() == flow_frame(PAPER_FLOW)["label"].tolist()


def test_protect_flow_difference_from_a_redacted_count_is_redacted():
    counts = dict(PAPER_FLOW, invited=20, contact_successful=6, contact_unsuccessful=14,
                  attended_info_session=6, did_not_attend_info_session=0, enrolled=0, did_not_enrol=6)
    got = as_dict(sdc.protect_flow(flow_frame(counts)))
    # contact_successful 6 → [R], so 20 − [R] cannot be shown
    assert got["contact_unsuccessful"] == R and got["did_not_attend_info_session"] == R
    # attended [R] − enrolled 0 → [R]
    assert got["did_not_enrol"] == R


def test_protect_flow_exact_zero_difference_and_negative_is_an_error():
    zero = dict.fromkeys(FLOW_KEYS, 0)
    got = as_dict(sdc.protect_flow(flow_frame(dict(zero, invited=30, contact_unsuccessful=30))))
    # 30 − 0 = 30; 0 − 0 = 0 exactly (both terms are true zeros)
    assert (got["contact_unsuccessful"], got["did_not_enrol"]) == (30, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        sdc.protect_flow(flow_frame(dict(PAPER_FLOW, invited=20, contact_successful=42)))


def test_protect_flow_refuses_a_key_it_does_not_know():
    with pytest.raises(ValueError, match="not in result_keys"):
        sdc.protect_flow(flow_frame(dict(PAPER_FLOW, surprise=3)))


# --------------------------------------------------------------------- protect_results


def paper_results(**overrides):
    """A results frame with the paper's numbers for a cross-section of keys."""
    values = dict(PAPER_FLOW)
    values.update(
        enrolled_percent=100 * 34 / 59, non_enrolment_happy_with_dose_percent=100 * 3 / 7,
        appointments_made=535, appointments_kept=390, appointments_cancelled=101,
        appointments_not_attended=44, appointments_kept_percent=100 * 390 / 535,
        appointments_not_attended_percent=100 * 44 / 535,
        active_n=17, active_percent=50.0, active_duration_months_median=7.7,
        discharged_n=5, discharged_attended_median=6.0,
        dose_baseline_median=90.0, dose_paired_n=34, dose_unpaired_n=0, dose_reduced_n=15,
        dose_stopped_n=3, dose_increased_n=0, dose_reduced_percent=100 * 15 / 34,
        dose_stopped_percent=100 * 3 / 34, dose_increased_percent=0.0,
        dose_wilcoxon_p=0.0001, dose_wilcoxon_z=-3.3,
        bpi_relief_baseline_n=30, bpi_relief_follow_up_n=6,
        bpi_relief_baseline_median=60.0, bpi_relief_follow_up_median=50.0,
        interviews_n=25, interviews_service_user_n=18, interviews_provider_n=7,
        interviews_project_worker_n=2, interviews_manager_n=1, interviews_gp_n=4,
    )
    values.update(overrides)
    return results(**values)


BPI = outcomes(outcome("bpi_relief", "baseline", 30, 60.0, 30.0, 70.0),
               outcome("bpi_relief", "follow_up", 6, 50.0, 30.0, 70.0))


def test_protect_results_hand_worked_on_paper_numbers():
    p = sdc.protect_results(paper_results())
    v = as_dict(p)
    assert (v["invited"], v["enrolled"], v["contact_unsuccessful"]) == (60, 35, 20)
    assert v["enrolled_percent"] == 58.3                      # 100·35/60 = 58.33…, at 1 dp
    assert v["non_enrolment_happy_with_dose_percent"] == R    # 3 → [R]
    # 390 → 390, 101 → 100, 44 → 45; made = 390 + 100 + 45 = 535
    assert (v["appointments_kept"], v["appointments_cancelled"], v["appointments_not_attended"]) == (390, 100, 45)
    assert v["appointments_made"] == 535
    assert v["appointments_kept_percent"] == 72.9             # 100·390/535 = 72.897…
    assert v["appointments_not_attended_percent"] == 8.4      # 100·45/535 = 8.411…
    # active 17 → 15, of enrolled 35: 42.857…; its median (group 17 > 7) shown
    assert (v["active_n"], v["active_percent"], v["active_duration_months_median"]) == (15, 42.9, 7.7)
    # discharged 5: count and its median withheld
    assert (v["discharged_n"], v["discharged_attended_median"]) == (R, R)
    # dose: baseline median of the 34 enrolled shown; paired 34 → 35; 35 − 35 = 0 from
    # non-zero terms → [R]; reduced 15/35, stopped 3 → [R], increased 0 → 0, 0 %
    assert v["dose_baseline_median"] == 90.0
    assert (v["dose_paired_n"], v["dose_unpaired_n"], v["dose_reduced_n"]) == (35, R, 15)
    assert (v["dose_stopped_n"], v["dose_stopped_percent"]) == (R, R)
    assert v["dose_reduced_percent"] == 42.9                  # 100·15/35 = 42.857…
    assert (v["dose_increased_n"], v["dose_increased_percent"]) == (0, 0.0)
    # P 0.0001 as the paper prints it; z withheld (with the counts it gives paired/unchanged)
    assert (v["dose_wilcoxon_p"], v["dose_wilcoxon_z"]) == ("<0.001", R)
    # BPI relief: baseline group 30 shown, follow-up group 6 withheld
    assert (v["bpi_relief_baseline_median"], v["bpi_relief_follow_up_median"]) == (60.0, R)
    # interviews: 18 → 20; providers 2, 1, 4 all [R] → provider total [R];
    # interviews_n = 20 + [R] = 20 (the sum of the shown parts, as OpenSAFELY's example)
    assert (v["interviews_service_user_n"], v["interviews_provider_n"], v["interviews_n"]) == (20, R, 20)
    assert p["value"].dtype == object and p["key"].tolist() == paper_results()["key"].tolist()


def test_protect_results_withholds_tests_of_a_small_paired_group():
    p = sdc.protect_results(paper_results(dose_paired_n=6, dose_reduced_n=2, dose_stopped_n=0,
                                          dose_unpaired_n=28))
    v = as_dict(p)
    assert (v["dose_wilcoxon_p"], v["dose_wilcoxon_z"]) == (R, R)
    # paired [R]: every percentage of it is [R], even 0 stopped
    assert (v["dose_reduced_percent"], v["dose_stopped_percent"]) == (R, R)
    assert v["dose_unpaired_n"] == R  # 35 − [R]


def test_protect_results_fails_closed():
    with pytest.raises(ValueError, match="not in result_keys"):
        sdc.protect_results(results(invited=59, new_number=3))
    with pytest.raises(ValueError, match="needs the count 'invited'"):
        sdc.protect_results(results(enrolled=34, enrolled_percent=57.6))
    with pytest.raises(ValueError, match="lacks"):
        sdc.protect_results(results(invited=59, contact_unsuccessful=17))
    with pytest.raises(ValueError, match="group size 'enrolled'"):
        sdc.protect_results(results(dose_baseline_median=90.0))


def test_protect_results_withholds_a_statistic_by_its_own_group_size():
    # the BPI-relief medians' groups are counts of the same frame: 30 shown, 6 withheld
    relief = results(bpi_relief_baseline_n=30, bpi_relief_baseline_median=60.0,
                     bpi_relief_follow_up_n=6, bpi_relief_follow_up_median=50.0)
    assert sdc.protect_results(relief)["value"].tolist() == [30, 60.0, R, R]
    with pytest.raises(ValueError, match="group size 'bpi_relief_follow_up_n'"):
        sdc.protect_results(results(bpi_relief_follow_up_median=50.0))
    with pytest.raises(ValueError, match="duplicated"):
        sdc.protect_results(results(invited=59).pipe(lambda f: pd.concat([f, f])))


# -------------------------------------------------------------------------------- protect


def test_protect_dispatches_by_name_and_refuses_unknown_frames():
    frames = {"table1": table(table_row("sex", "female", 22, 34, 64.7)),
              "flow": flow_frame(PAPER_FLOW), "results": paper_results(), "outcomes": BPI}
    p = sdc.protect(frames)
    assert list(p) == list(frames)
    assert p["table1"]["n"].tolist() == [20]
    assert as_dict(p["flow"])["invited"] == 60
    assert as_dict(p["results"])["bpi_relief_follow_up_median"] == R  # its group of 6
    assert p["outcomes"]["n"].tolist() == [30, R]
    with pytest.raises(ValueError, match="no disclosure rule"):
        sdc.protect({"audit": pd.DataFrame()})


# -------------------------------------------------------------------- disclosure_problems


def test_disclosure_problems_is_empty_for_protected_frames():
    frames = {"table1": table(table_row("sex", "female", 22, 34, 64.7)),
              "flow": flow_frame(PAPER_FLOW), "results": paper_results(), "outcomes": BPI}
    assert sdc.disclosure_problems(sdc.protect(frames)) == []


def test_disclosure_problems_finds_planted_problems():
    frames = {
        "table1": table(
            table_row("sex", "female", 6, 35, 17.1),            # n = 6: a count of 1..7
            table_row("sex", "male", 12, 35, 34.3),             # 12: not a multiple of 5
            table_row("ethnicity", "white", R, 35, 10.0),       # percent beside a redacted n
            table_row("age_years", None, 10.5, R, mean=50.0),   # 10.5 not whole; mean of a redacted N
        ),
        "outcomes": outcomes(outcome("comm_total", "baseline", 30, mn=2.0)),   # a minimum shown
        "thematic_tallies": pd.DataFrame([("t", "c", "gp", 3, 10)], columns=list(sdc.TALLIES_COLUMNS)),
        "flow": flow_frame({"invited": 60, "contact_successful": "abc"}),
        "results": results(enrolled=R, active_n=R, active_percent=50.0, active_attended_median=6.0,
                           discharged_n=15, comm_baseline_n=7, mystery=1),
        "audit": pd.DataFrame(),
    }
    problems = sdc.disclosure_problems(frames)
    expected = [
        r"table1 row 0 .*n = 6 is a count of 1 to 7",
        r"table1 row 1 .*n = 12 is not a multiple of 5",
        r"table1 row 2 .*percent shown beside a redacted",
        r"table1 row 3 .*n = 10.5 is not a whole number",
        r"table1 row 3 .*mean shown for a group of 7 or fewer",
        r"outcomes row 0 .*min shown",
        r"thematic_tallies row 0 .*participants = 3 is a count of 1 to 7",
        r"flow row 1 \(contact_successful\): n = 'abc' is neither a number",
        r"results active_percent: percent shown beside",
        r"results active_attended_median: statistic shown for a group of 7 or fewer",
        r"results comm_baseline_n: value = 7 is a count of 1 to 7",
        r"results mystery: not in result_keys",
        r"audit: no disclosure rule",
    ]
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), (pattern, problems)
    assert len(problems) == len(expected), problems


# ------------------------------------------------------------------- result_keys.csv


def contract_result_keys() -> set[str]:
    """The results keys that docs/outputs.md lists, its shorthands expanded.

    `non_enrolment_<reason>` / `discharge_<reason>` / `appointments_<status>_percent` take
    the vocabulary's keys, `<group>_…` takes active and discharged, and a bare `_p25`
    after `x_median` means `x_p25`.
    """
    text = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    section = text[text.index("`results.csv`"):text.index("Doses:")]

    def expand(token: str) -> list[str]:
        if "<group>" in token:
            return [k for g in ("active", "discharged") for k in expand(token.replace("<group>", g))]
        if "<status>" in token:
            return [token.replace("<status>", s) for s in vocabulary("appointment_status")]
        if "<reason>" in token:
            vocab = "non_enrolment_reason" if token.startswith("non_enrolment") else "discharge_reason"
            return [token.replace("<reason>", r) for r in vocabulary(vocab)]
        return [token]

    keys, stem = set(), None
    for token in re.findall(r"`([^`]+)`", section):
        if token in ("results.csv", "key,value", "<group>", "active", "discharged"):
            continue
        if token.startswith("_"):
            token = stem + token
        elif token.endswith("_median"):
            stem = token[: -len("_median")]
        keys.update(expand(token))
    return keys


# The assignment's additions to the contract's keys.
EXTRA_KEYS = {f"non_enrolment_{r}_percent" for r in vocabulary("non_enrolment_reason")} | {
    f"discharge_{r}_percent" for r in vocabulary("discharge_reason")} | {
    "active_percent", "discharged_percent", "dose_reduced_percent", "dose_stopped_percent",
    "dose_unchanged_percent", "dose_increased_percent", "dose_above_120_to_below_percent",
    "comm_positive_baseline_percent", "comm_positive_follow_up_percent",
    "wemwbs_improved_3_percent", "wemwbs_improved_8_percent", "opioid_years_5plus_percent",
    "opioid_years_15plus_percent", "dose_unpaired_n", "dose_wilcoxon_z", "dose_wilcoxon_exact_p",
    "bpi_relief_baseline_n", "bpi_relief_follow_up_n"}


def test_result_keys_cover_exactly_the_contract_and_the_added_keys():
    keys = sdc.result_keys()
    contract = contract_result_keys()
    # flow 8 + 5 reasons, appointments 4 + 3, retention 2 × 7 + 6 reasons, dose 6 + 9,
    # COMM 4, WEMWBS 3, BPI relief 6, opioid years 3, interviews 6 = 77 (docs/outputs.md
    # may also name some of the added keys beside a count)
    assert len(contract - EXTRA_KEYS) == 77
    assert set(keys["key"]) == contract | EXTRA_KEYS
    assert keys["key"].is_unique


def test_result_keys_references_are_consistent():
    keys = sdc.result_keys()
    kind = dict(zip(keys["key"], keys["kind"]))
    for row in keys.to_dict("records"):
        assert row["kind"] in sdc.KINDS, row
        if row["kind"] == "percent":
            assert kind.get(row["numerator"]) == "count" and kind.get(row["denominator"]) == "count", row
        else:
            assert row["numerator"] == row["denominator"] == "", row
        if row["kind"] in ("statistic", "p_value", "z"):
            assert kind.get(row["group_size"]) == "count", row
        else:
            assert row["group_size"] == "", row
        if row["derived_from"]:
            assert row["kind"] == "count"
            assert all(kind.get(term) == "count" for _, term in sdc._parse_derivation(row["derived_from"])), row


# ------------------------------------------------------------------ the property test

KEYS = sdc.result_keys()
counts = st.integers(min_value=0, max_value=120)
stat = st.floats(min_value=0, max_value=300, allow_nan=False)


@st.composite
def output_frames(draw):
    """Random frames of every output shape, with consistent counts where the contract nests them."""
    rows = []
    for i in range(draw(st.integers(1, 6))):
        N = draw(counts)
        n = draw(st.integers(0, N))
        continuous = draw(st.booleans())
        rows.append(table_row("v", f"l{i}", n, N, NAN if continuous else (100 * n / N if N else NAN),
                              mean=draw(stat) if continuous else NAN, sd=draw(stat) if continuous else NAN,
                              diagnosed=draw(st.integers(0, n))))
    outs = [outcome(m, tp, draw(counts), *[draw(stat) for _ in range(7)])
            for m in ("comm_total", "bpi_relief") for tp in ("baseline", "follow_up")]
    tallies = []
    for code in ("c1", "c2", None):
        parts = [draw(counts) for _ in vocabulary("role")]
        segs = [p * draw(st.integers(1, 3)) for p in parts]
        tallies += [("t", code, role, p, s) for role, p, s in zip(vocabulary("role"), parts, segs)]
        tallies.append(("t", code, "all", sum(parts), sum(segs)))
    # flow: invited ≥ contacted ≥ attended ≥ enrolled ≥ paired
    invited = draw(counts)
    contacted = draw(st.integers(0, invited))
    attended = draw(st.integers(0, contacted))
    enrolled = draw(st.integers(0, attended))
    flow = dict(invited=invited, contact_successful=contacted, contact_unsuccessful=invited - contacted,
                attended_info_session=attended, did_not_attend_info_session=contacted - attended,
                enrolled=enrolled, did_not_enrol=attended - enrolled)
    flow.update({f"non_enrolment_{r}": draw(counts) for r in vocabulary("non_enrolment_reason")})
    values = {}
    for key, kind in zip(KEYS["key"], KEYS["kind"]):
        values[key] = draw(counts) if kind == "count" else draw(stat)
    values.update(flow)
    values["dose_paired_n"] = draw(st.integers(0, enrolled))
    frames = {
        "table1": table(*rows),
        "outcomes": outcomes(*outs),
        "thematic_tallies": pd.DataFrame(tallies, columns=list(sdc.TALLIES_COLUMNS)),
        "flow": flow_frame(flow),
        "results": results(**values),
    }
    return frames


def count_cells(frames):
    count_keys = set(KEYS.loc[KEYS["kind"] == "count", "key"])
    for col in sdc.TABLE_COUNTS:
        yield from frames["table1"][col]
    yield from frames["outcomes"]["n"]
    for col in sdc.TALLIES_COUNTS:
        yield from frames["thematic_tallies"][col]
    yield from frames["flow"]["n"]
    res = frames["results"]
    yield from res.loc[res["key"].isin(count_keys), "value"]


@settings(max_examples=50, deadline=None)
@given(output_frames())
def test_after_protect_every_count_is_redacted_or_a_multiple_of_5_never_1_to_7(frames):
    protected = sdc.protect(frames, keys=KEYS)
    for value in count_cells(protected):
        assert value is None or value == R or (
            type(value) is int and value % 5 == 0 and not 1 <= value <= 7), value
    assert sdc.disclosure_problems(protected, keys=KEYS) == []
    # protecting twice changes nothing: the rule is a projection, and what it lets out
    # is what disclosure_problems accepts
    again = sdc.protect(protected, keys=KEYS)
    for name in frames:
        a, b = protected[name], again[name]
        assert all(same(x, y) for x, y in zip(a.to_numpy().ravel(), b.to_numpy().ravel())), name
    # the inputs are left alone
    assert not any(isinstance(v, str) for v in frames["results"]["value"])
    assert protected["results"]["key"].tolist() == frames["results"]["key"].tolist()


# ------------------------------------------------------------- released precision


def test_a_diagnosed_count_that_rounds_to_its_n_is_withheld_unless_all_were_diagnosed():
    p = sdc.protect_table(table(
        table_row("condition", "anxiety", 12, 29, 41.4, diagnosed=8, section="comorbidity"),   # 10 and 10
        table_row("condition", "depression", 12, 29, 41.4, diagnosed=12, section="comorbidity"),  # all: 10 and 10
        table_row("condition", "sleep", 13, 29, 44.8, diagnosed=9, section="comorbidity"),     # 15 and 10
        table_row("condition", "low_mood", 3, 29, 10.3, diagnosed=3, section="comorbidity"),   # [R] and [R]
    ))
    assert p["n"].tolist() == [10, 10, 15, R]
    assert p["diagnosed"].tolist() == [R, 10, 10, R]
    assert sdc.protect_table(p)["diagnosed"].tolist() == [R, 10, 10, R]  # idempotent


def test_p_values_are_released_as_the_paper_prints_them():
    assert sdc.p_text(6.103515625e-05) == "<0.001"  # exactly 2/2**15: 15 non-zero pairs
    assert sdc.p_text(0.000999) == "<0.001"
    assert sdc.p_text(0.001) == sdc.p_text(0.0099) == "<0.01"  # two decimals would print 0.00
    assert sdc.p_text(0.0349) == 0.03
    assert sdc.p_text(0.035) == 0.04                 # half away from zero
    assert sdc.p_text("<0.001") == "<0.001" and sdc.p_text(R) == R and sdc.p_text(NAN) is None


def test_every_results_key_has_a_release_rule():
    keys = sdc.result_keys()
    for key, kind in zip(keys["key"], keys["kind"]):
        if kind != "count":
            rule, decimals = sdc._rule("results", key, kind)
            assert rule in ("round", "p_value", "withhold")


def test_disclosure_problems_finds_full_precision_statistics_and_a_z():
    problems = sdc.disclosure_problems({
        "table1": table(table_row("age_years", None, 35, 35, mean=51.2, sd=10.0)),
        "outcomes": outcomes(outcome("comm_total", "baseline", 30, 13.0, 10.5, 18.0, 16.0, 10.0)),
        "results": results(dose_paired_n=35, dose_wilcoxon_p=0.00013, dose_wilcoxon_z=-3.8,
                           dose_wilcoxon_exact_p="<0.001"),
    })
    assert any(re.search(r"table1 .*mean = 51.2 has more than 0 decimals", p) for p in problems)
    assert any(re.search(r"outcomes .*p25 = 10.5 has more than 0 decimals", p) for p in problems)
    assert any(re.search(r"dose_wilcoxon_p.*below 0.01", p) for p in problems)
    assert any(re.search(r"dose_wilcoxon_z.*always withheld", p) for p in problems)
    assert not any("exact_p" in p for p in problems)
    assert len(problems) == 4


def test_the_signed_rank_test_as_a_notebook_prints_it():
    assert sdc.signrank_text(-3.8245, 0.000131, 34, "off") == "z = -3.825, P = 0.00013"
    assert sdc.signrank_text(-3.8245, 0.000131, 34, "on") == "z = [REDACTED], P = <0.001"
    assert sdc.signrank_text(-1.2, 0.23, 6, "on") == "z = [REDACTED], P = [REDACTED]"


def test_under_sdc_a_notebook_names_the_data_folder_without_its_path(tmp_path):
    from painreview.notebook_run import hide_path

    data = tmp_path / "secure export"
    text = '{"data_dir": "' + str(data) + '", "x": "' + str(data) + '/service_users.csv"}'
    hidden = hide_path(text, data)
    assert str(tmp_path) not in hidden and '"data_dir": "secure export"' in hidden


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 80).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_a_protected_footnote_says_all_diagnosed_only_when_all_were(counts):
    from painreview.render import _diagnosed_note

    n, diagnosed = counts
    row = sdc.protect_table(table(table_row("condition", "x", n, 80, 100 * n / 80, diagnosed=diagnosed,
                                            section="comorbidity"))).to_dict("records")[0]
    note = _diagnosed_note(row)
    assert (note is None) == (diagnosed == 0)          # a footnote exactly for rows with someone diagnosed
    if note == "All diagnosed.":
        assert diagnosed == n                           # never claimed when untrue
    if diagnosed == n and n > sdc.SMALL:
        assert note == "All diagnosed."                 # and said when true and the counts allow it
