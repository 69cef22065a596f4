"""Published against reproduced: keys of the reproduced tables, rounding edge cases, bounds,
the paper's slips, order, and the ``audit`` command."""

from __future__ import annotations

import argparse
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview import audit as a
from painreview import cli_audit
from painreview import consistency as c
from conftest import published_frame as published

NAN = math.nan




def reproduced(**values: float) -> pd.DataFrame:
    return pd.DataFrame({"key": list(values), "value": [float(v) for v in values.values()]})


NO_RULES = pd.DataFrame(columns=["rule", "kind", "left", "right", "location", "source"])


def run_audit(pub: pd.DataFrame, rep: pd.DataFrame) -> pd.DataFrame:
    return a.audit(pub, rep, c.check_paper(pub, NO_RULES))


def one(pub_row: tuple, value: float | None) -> pd.Series:
    rep = reproduced() if value is None else reproduced(**{pub_row[0]: value})
    return run_audit(published(pub_row), rep).iloc[0]


# --- reproduced_values ----------------------------------------------------------------

def test_table_cells_become_published_keys_and_results_stay_as_they_are():
    table1 = pd.DataFrame({
        "section": ["characteristics", "characteristics"], "variable": ["sex", "age_years"],
        "level": ["female", NAN], "label": ["Female sex", "Age, years, mean (SD)"],
        "n": [22, NAN], "N": [34, NAN], "percent": [100 * 22 / 34, NAN], "mean": [NAN, 51.2], "sd": [NAN, 10.1],
        "median": [NAN, NAN], "p25": [NAN, NAN], "p75": [NAN, NAN], "diagnosed": [NAN, NAN]})
    table2 = pd.DataFrame({
        "section": ["years"], "variable": ["opioid_years_band"], "level": ["15+"], "label": ["≥15"],
        "n": [9], "N": [29], "percent": [100 * 9 / 29], "mean": [NAN], "sd": [NAN], "median": [NAN],
        "p25": [NAN], "p75": [NAN], "diagnosed": [NAN]})
    results = pd.DataFrame({"key": ["invited", "enrolled_percent"], "value": [59, 100 * 34 / 59]})
    got = a.reproduced_values({"table1": table1, "table2": table2, "results": results})
    assert got["key"].tolist() == [
        "table1.sex.female.n", "table1.sex.female.N", "table1.sex.female.percent",
        "table1.age_years..mean", "table1.age_years..sd",
        "table2.opioid_years_band.15+.n", "table2.opioid_years_band.15+.N", "table2.opioid_years_band.15+.percent",
        "invited", "enrolled_percent"]
    assert got["value"].tolist() == [22, 34, 100 * 22 / 34, 51.2, 10.1, 9, 29, 100 * 9 / 29, 59, 100 * 34 / 59]


def test_reproduced_values_of_no_tables_is_empty_with_the_columns():
    got = a.reproduced_values({})
    assert got.columns.tolist() == ["key", "value"] and got.empty


# --- rounding edge cases --------------------------------------------------------------

@pytest.mark.parametrize("printed, decimals, value, status", [
    ("64.7", "1", 100 * 22 / 34, "match"),      # 64.70588… → 64.7
    ("64.7", "1", 64.705, "match"),             # not a half at one decimal
    ("64.71", "2", 64.705, "match"),            # exact half at two decimals: half away → 64.71
    ("64.70", "2", 64.705, "match"),            # … and half to even → 64.70 is accepted too
    ("64.72", "2", 64.705, "mismatch"),
    ("64.7", "1", 64.65, "match"),              # half away: 64.65 → 64.7
    ("64.6", "1", 64.65, "match"),              # half to even: 64.65 → 64.6 (6 is even)
    ("64.7", "1", 64.75, "mismatch"),           # 64.75 → 64.8 either way (8 is even)
    ("65", "0", 100 * 22 / 34, "match"),        # "65% were female"
    ("100.0", "1", 100.0, "match"),
    ("72", "0", 72.0, "match"),
    ("73", "0", 72.5, "match"),                 # exact half: half away → 73
    ("72", "0", 72.5, "match"),                 # … half to even → 72, accepted (documented convention)
    ("71", "0", 72.5, "mismatch"),
])
def test_rounding_at_the_printed_precision(printed, decimals, value, status):
    assert one(("k", printed, "Results", decimals), value)["status"] == status


def test_a_mismatch_note_gives_the_rounding_and_the_difference():
    row = one(("k", "64.7", "Table 1", "1"), 64.75)
    # 64.75 → 64.8 at 1 dp; difference 64.75 − 64.7 = +0.05
    assert row["note"] == "Table 1: reproduced 64.75 rounds to 64.8 at 1 dp, printed 64.7: difference +0.05"
    row = one(("k", "90", "Table 2", "0"), 87.5)
    assert row["note"] == "Table 2: reproduced 87.5 rounds to 88 at 0 dp, printed 90: difference −2.5"


@pytest.mark.parametrize("value, status", [(0.0004, "match"), (0.000999, "match"), (0.001, "mismatch"),
                                           (0.0012, "mismatch")])
def test_p_upper_bounds_need_a_reproduced_value_strictly_below(value, status):
    row = one(("dose_wilcoxon_p", "0.001", "Abstract", "3", "", "", "upper bound: printed P<0.001"), value)
    assert row["status"] == status


def test_a_lower_bound_needs_a_value_strictly_above():
    assert one(("d", "40", "Discussion", "0", "", "", "lower bound: more than 40%"), 44.1)["status"] == "match"
    assert one(("d", "40", "Discussion", "0", "", "", "lower bound: more than 40%"), 40.0)["status"] == "mismatch"


def test_a_published_key_with_no_reproduced_value_is_not_reproduced():
    row = one(("dose_paired_n", "34", "Discussion"), None)
    assert (row["status"], row["reproduced"], row["note"]) == ("mismatch", "", "Discussion: not reproduced")
    for value in (NAN, math.inf):
        row = one(("dose_paired_n", "34", "Discussion"), value)
        assert (row["status"], row["note"]) == ("mismatch", "Discussion: not reproduced")


@settings(max_examples=150, deadline=None)
@given(value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
       decimals=st.integers(min_value=0, max_value=3))
def test_a_value_always_matches_its_own_rounding_and_never_the_next_unit(value, decimals):
    printed = c.round_half_away(value, decimals)
    assert one(("k", str(printed), "R", str(decimals)), value)["status"] == "match"
    beyond = printed + 2 * c.Decimal(1).scaleb(-decimals)  # two units away: no convention reaches it
    assert one(("k", str(beyond), "R", str(decimals)), value)["status"] == "mismatch"


# --- the paper's slips ----------------------------------------------------------------

SLIP_ROWS = (
    ("discharged_n", "17", "Results"),
    ("discharge_dose_reduced", "4", "Results"),
    ("discharge_dose_reduced_percent", "23.6", "Results", "1", "discharge_dose_reduced", "discharged_n"),
)


def test_a_slip_of_the_paper_is_paper_inconsistent_and_says_the_fraction_is_reproduced():
    rep = reproduced(discharged_n=17, discharge_dose_reduced=4, discharge_dose_reduced_percent=100 * 4 / 17)
    table = run_audit(published(*SLIP_ROWS), rep)
    assert table["status"].tolist() == ["match", "match", "paper_inconsistent"]
    assert table["note"].iloc[2] == ("Results: paper: [percent] printed 23.6% but 4/17 = 23.53% → 23.5%; "
                                     "reproduced 23.53 matches the printed fraction (23.5)")
    assert table["reproduced"].iloc[2] == repr(100 * 4 / 17)


def test_a_slip_stays_paper_inconsistent_when_the_data_hit_the_printed_value():
    rep = reproduced(discharged_n=17, discharge_dose_reduced=4, discharge_dose_reduced_percent=23.6)
    row = run_audit(published(*SLIP_ROWS), rep).iloc[2]
    assert row["status"] == "paper_inconsistent"
    assert row["note"].endswith("; reproduced matches the printed value")


def test_a_slip_whose_data_match_neither():
    rep = reproduced(discharged_n=17, discharge_dose_reduced=4, discharge_dose_reduced_percent=30.0)
    row = run_audit(published(*SLIP_ROWS), rep).iloc[2]
    assert row["note"].endswith("reproduced 30 does not match the printed fraction (23.5) either")


def test_one_row_per_occurrence_in_paper_order_with_integral_values_written_as_integers():
    pub = published(("invited", "59", "Abstract"), ("enrolled_percent", "57.6", "Abstract", "1", "enrolled", "invited"),
                    ("invited", "59", "Figure 1"), ("enrolled", "34", "Figure 1"))
    rep = reproduced(enrolled=34, invited=59, enrolled_percent=100 * 34 / 59)
    table = run_audit(pub, rep)
    assert table.columns.tolist() == ["key", "published", "reproduced", "status", "note"]
    assert table["key"].tolist() == ["invited", "enrolled_percent", "invited", "enrolled"]
    assert table["reproduced"].tolist() == ["59", "57.6271186440678", "59", "34"]
    assert table["note"].tolist()[:2] == ["Abstract: reproduced exactly", "Abstract: reproduced 57.627 rounds to 57.6"]
    assert table["note"].tolist()[2].startswith("Figure 1:")


def test_counts_summary_and_disagreements_first():
    table = pd.DataFrame({"key": list("abcde"), "published": "1", "reproduced": "1", "note": "",
                          "status": ["match", "mismatch", "paper_inconsistent", "match", "mismatch"]})
    assert a.status_counts(table) == {"paper_inconsistent": 1, "mismatch": 2, "match": 2}
    assert a.summary_line(table) == "audit: 5 published numbers: 2 match, 2 mismatch, 1 paper_inconsistent"
    assert a.disagreements_first(table)["key"].tolist() == ["c", "b", "e", "a", "d"]


# --- the command ----------------------------------------------------------------------

def write_tables(out, results: dict[str, float]) -> None:
    tables = out / "tables"
    tables.mkdir(parents=True)
    cols = ["section", "variable", "level", "label", "n", "N", "percent", "mean", "sd", "median", "p25", "p75",
            "diagnosed"]
    pd.DataFrame([["characteristics", "sex", "female", "Female sex", 22, 34, 100 * 22 / 34, "", "", "", "", "", ""]],
                 columns=cols).to_csv(tables / "table1.csv", index=False)
    pd.DataFrame([["dose", "dose_mme", "", "Opioid dose", "", "", "", "", "", 90.0, 60.0, 240.0, ""]],
                 columns=cols).to_csv(tables / "table2.csv", index=False)
    pd.DataFrame({"key": list(results), "value": list(results.values())}).to_csv(tables / "results.csv", index=False)


def test_the_command_writes_a_deterministic_audit_csv_and_a_summary(tmp_path, capsys):
    write_tables(tmp_path, {"invited": 59, "enrolled": 34, "enrolled_percent": 100 * 34 / 59})
    args = argparse.Namespace(out=str(tmp_path))
    assert cli_audit.run(args) == 0
    first = (tmp_path / "tables" / "audit.csv").read_bytes()
    assert cli_audit.run(args) == 0
    assert (tmp_path / "tables" / "audit.csv").read_bytes() == first
    assert first.startswith(b"key,published,reproduced,status,note\n") and b"\r\n" not in first
    table = pd.read_csv(tmp_path / "tables" / "audit.csv", dtype=str, keep_default_na=False)
    rows = dict(zip(zip(table["key"], table["published"]), table["status"]))
    assert rows[("invited", "59")] == "match"
    assert rows[("table1.sex.female.percent", "64.7")] == "match"
    assert rows[("table2.dose_mme..median", "90")] == "match"
    assert rows[("discharge_dose_reduced_percent", "23.6")] == "paper_inconsistent"
    assert rows[("appointments_made", "535")] == "mismatch"  # not in these tables
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("audit: ") and "paper_inconsistent" in out[0]


def test_the_command_reports_missing_inputs_in_one_line(tmp_path, capsys):
    assert cli_audit.run(argparse.Namespace(out=str(tmp_path))) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "results.csv" in err[0] and "missing" in err[0]
    assert not (tmp_path / "tables" / "audit.csv").exists()


# --- under disclosure control ----------------------------------------------------------

def test_under_sdc_values_changed_by_protection_are_protected_apart_from_mismatches():
    pub = published(("invited", "59", "Figure 1"), ("enrolled", "34", "Figure 1"),
                    ("did_not_enrol", "7", "Figure 1"),
                    ("enrolled_percent", "57.6", "Abstract", "1", "enrolled", "invited"),
                    ("contact_successful", "42", "Figure 1"),
                    ("dose_wilcoxon_p", "0.001", "Abstract", "3", "", "", "upper bound: printed P<0.001"),
                    ("dose_baseline_median", "90", "Abstract"))
    rep = reproduced(invited=60, enrolled=35, enrolled_percent=58.3, contact_successful=60,
                     dose_baseline_median=90.0)
    texts = {"did_not_enrol": "[REDACTED]", "dose_wilcoxon_p": "<0.001"}
    table = a.audit(pub, rep, c.check_paper(pub, NO_RULES), sdc=True, texts=texts)
    # 59 → 60 and 34 → 35 as the rule rounds them; 7 withheld; 58.3 from the rounded counts;
    # 42 cannot become 60 by rounding: a real mismatch; P released as <0.001 is the printed bound
    assert table["status"].tolist() == ["protected", "protected", "protected", "protected", "mismatch",
                                        "match", "match"]
    # the printed counts as the rule releases them: 59 → 60, 34 → 35, 7 → [REDACTED], 42 → 40
    assert table["published"].tolist() == ["60", "35", "[REDACTED]", "57.6", "40", "<0.001", "90"]
    assert table["reproduced"].tolist()[2:6] == ["[REDACTED]", "58.3", "60", "<0.001"]
    assert not table["note"].str.contains(r"\b7\b").any()
    assert a.summary_line(table) == ("audit: 7 published numbers: 2 match, 1 mismatch, 0 paper_inconsistent, "
                                     "4 protected")
    assert list(a.status_counts(table)) == ["paper_inconsistent", "mismatch", "protected", "match"]


def test_under_sdc_a_slip_note_quotes_no_printed_count():
    rep = reproduced(discharged_n=15, discharge_dose_reduced=float("nan"))
    table = a.audit(published(*SLIP_ROWS), rep, c.check_paper(published(*SLIP_ROWS), NO_RULES), sdc=True,
                    texts={"discharge_dose_reduced": "[REDACTED]", "discharge_dose_reduced_percent": "[REDACTED]"})
    assert table["status"].tolist()[2] == "paper_inconsistent"
    assert "4/17" not in table["note"].iloc[2] and "[REDACTED]" in table["published"].tolist()


def test_audit_tables_reads_the_released_text_cells():
    tables = {"results": pd.DataFrame({"key": ["enrolled", "dose_wilcoxon_p"], "value": ["[REDACTED]", "<0.001"]})}
    pub = published(("enrolled", "5", "Figure 1"),
                    ("dose_wilcoxon_p", "0.001", "Abstract", "3", "", "", "upper bound: printed P<0.001"))
    table = a.audit_tables(tables, pub, c.check_paper(pub, NO_RULES), sdc="on")
    assert table["status"].tolist() == ["protected", "match"]
