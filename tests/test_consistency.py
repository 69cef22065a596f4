"""The paper checked against itself: made-up published values with known slips, clean
values, and the real published.csv (exactly the paper's slips)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painreview import consistency as c
from conftest import published_frame as published




NO_RULES = pd.DataFrame(columns=["rule", "kind", "left", "right", "location", "source"])


def rules(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rule", "kind", "left", "right", "location", "source"])


def status_of(checks: pd.DataFrame, key: str, prefix: str, location: str | None = None) -> list[str]:
    sel = checks[(checks["key"] == key) & checks["note"].str.startswith(prefix)]
    if location is not None:
        sel = sel[sel["location"] == location]
    return sel["status"].tolist()


def note_of(checks: pd.DataFrame, key: str, prefix: str) -> str:
    sel = checks[(checks["key"] == key) & checks["note"].str.startswith(prefix)]
    assert len(sel) == 1, sel
    return sel["note"].iloc[0]


# --- rounding -------------------------------------------------------------------------

def test_round_half_away_works_on_the_exact_decimal_not_the_binary_float():
    # 64.705 as a float is 64.70499999999999829…; read by its repr it is 12941/200, an
    # exact half at two decimals: half away → 64.71, half to even → 64.70 (0 is even).
    assert c.exact(64.705) == Fraction(12941, 200)
    assert c.round_half_away(64.705, 2) == Decimal("64.71")
    assert c.round_half_even(64.705, 2) == Decimal("64.70")
    # At one decimal 64.705 is not a half: 64.7 under every convention.
    assert c.round_half_away(64.705, 1) == Decimal("64.7")
    assert c.round_half_even(64.705, 1) == Decimal("64.7")
    # Half away from zero is symmetric: -0.125 → -0.13.
    assert c.round_half_away(Fraction(-1, 8), 2) == Decimal("-0.13")
    assert c.round_half_away(Fraction(1, 8), 2) == Decimal("0.13")


def test_the_paper_rounds_rather_than_truncates():
    # 3/32 = 9.375% is printed 9.4 (Table 2); truncation would give 9.3.
    x = Fraction(300, 32)
    assert c.rounding_convention(x, "9.4", 1) == "half away from zero"
    assert c.truncated(x, 1) == Decimal("9.3")
    assert not c.rounds_to(x, "9.3", 1)


def test_an_exact_half_accepts_both_conventions_and_nothing_else():
    # 1/8 = 12.5% at 0 decimals: half away → 13, half to even → 12.
    x = Fraction(100, 8)
    assert c.rounding_convention(x, "13", 0) == "half away from zero"
    assert c.rounding_convention(x, "12", 0) == "half to even"
    assert c.rounding_convention(x, "14", 0) is None
    # 7/8 = 87.5%: half away → 88, half to even → 88 (8 is even): 87 is not accepted.
    assert c.rounding_convention(Fraction(700, 8), "87", 0) is None


def test_bounds_are_read_from_the_note():
    assert c.bound_kind("upper bound: printed P<0.001") == "upper"
    assert c.bound_kind('lower bound: printed "more than 40%"') == "lower"
    assert c.bound_kind("printed as the word three") is None


# --- percentages ----------------------------------------------------------------------

def test_a_wrong_percentage_is_found_with_its_fraction():
    pub = published(
        ("discharged_n", "17", "Results"),
        ("discharge_dose_reduced", "4", "Results"),
        ("discharge_dose_reduced_percent", "23.6", "Results", "1", "discharge_dose_reduced", "discharged_n"),
    )
    checks = c.check_paper(pub, NO_RULES)
    # 4/17 = 23.529…% → 23.5 at one decimal; 23.6 is neither rounded nor truncated.
    assert status_of(checks, "discharge_dose_reduced_percent", "[percent]") == ["slip"]
    assert note_of(checks, "discharge_dose_reduced_percent", "[percent]") == \
        "[percent] printed 23.6% but 4/17 = 23.53% → 23.5%"


def test_a_truncated_percentage_is_a_slip_named_as_truncation():
    pub = published(
        ("discharged_n", "17", "Results"),
        ("discharge_no_time", "1", "Results"),
        ("discharge_no_time_percent", "5.8", "Results", "1", "discharge_no_time", "discharged_n"),
    )
    # 1/17 = 5.882…% → 5.9; 5.8 is the truncation.
    note = note_of(c.check_paper(pub, NO_RULES), "discharge_no_time_percent", "[percent]")
    assert note.startswith("[percent] printed 5.8% but 1/17 = 5.88% → 5.9%")
    assert "truncated" in note


def test_clean_percentages_pass_including_a_table_cell_by_key_grammar():
    pub = published(
        ("invited", "59", "Figure 1"),
        ("enrolled", "34", "Figure 1"),
        ("enrolled_percent", "57.6", "Abstract", "1", "enrolled", "invited"),  # 57.627 → 57.6
        ("table2.motivation.addiction_dependence.n", "3", "Table 2"),
        ("table2.motivation.addiction_dependence.N", "32", "Table 2"),
        ("table2.motivation.addiction_dependence.percent", "9.4", "Table 2"),  # 9.375 → 9.4, numerator by grammar
        ("table1.sex.female.n", "22", "Table 1"),
        ("table1.sex.female.N", "34", "Table 1"),
        ("table1.sex.female.percent", "65", "Results", "0"),  # 64.7 → 65 at 0 decimals
    )
    checks = c.check_paper(pub, NO_RULES)
    assert set(checks["status"]) == {"ok"}
    assert note_of(checks, "table2.motivation.addiction_dependence.percent", "[percent]") == \
        "[percent] 3/32 = 9.375% → 9.4%"


def test_a_percentage_whose_numerator_is_not_printed_is_checked_grim_style():
    # 50% of 34 is 17/34; 51% of 34 is impossible (16/34 = 47.06, 17/34 = 50, 18/34 = 52.94).
    ok = c.check_paper(published(("enrolled", "34", "A"), ("active_percent", "50", "R", "0", "", "enrolled")), NO_RULES)
    assert status_of(ok, "active_percent", "[percent]") == ["ok"]
    bad = c.check_paper(published(("enrolled", "34", "A"), ("active_percent", "51", "R", "0", "", "enrolled")), NO_RULES)
    assert status_of(bad, "active_percent", "[percent]") == ["slip"]
    assert "no count out of 34" in note_of(bad, "active_percent", "[percent]")


def test_a_percentage_without_a_printed_denominator_is_unchecked():
    checks = c.check_paper(published(("x_n", "3", "R"), ("x_percent", "10.0", "R", "1", "x_n", "x_total")), NO_RULES)
    assert status_of(checks, "x_percent", "[percent]") == ["unchecked"]


def test_a_printed_lower_bound_percentage():
    # "more than 40%" of 15/34 = 44.1%: holds; "more than 45%" does not.
    base = [("dose_reduced_n", "15", "D"), ("dose_paired_n", "34", "D")]
    ok = c.check_paper(published(*base, ("dose_reduced_percent", "40", "D", "0", "dose_reduced_n", "dose_paired_n",
                                         "lower bound")), NO_RULES)
    assert status_of(ok, "dose_reduced_percent", "[percent]") == ["ok"]
    bad = c.check_paper(published(*base, ("dose_reduced_percent", "45", "D", "0", "dose_reduced_n", "dose_paired_n",
                                          "lower bound")), NO_RULES)
    assert status_of(bad, "dose_reduced_percent", "[percent]") == ["slip"]


# --- structural bounds ----------------------------------------------------------------

def test_counts_above_their_denominator_and_unordered_quartiles_are_slips():
    pub = published(
        ("table1.disability.yes.n", "28", "Table 1"),
        ("table1.disability.yes.N", "27", "Table 1"),
        ("table1.condition.depression.n", "13", "Table 1"),
        ("table1.condition.depression.diagnosed", "14", "Table 1"),
        ("dose_follow_up_median", "72", "Abstract"),
        ("dose_follow_up_p25", "80", "Abstract"),
        ("dose_follow_up_p75", "160", "Abstract"),
    )
    checks = c.check_paper(pub, NO_RULES)
    assert status_of(checks, "table1.disability.yes.n", "[bounds]") == ["slip"]
    assert status_of(checks, "table1.condition.depression.diagnosed", "[bounds]") == ["slip"]
    # median 72 < p25 80: the p25 ≤ median pair fails, median ≤ p75 holds.
    assert sorted(status_of(checks, "dose_follow_up_median", "[bounds]")) == ["ok", "slip"]
    assert "p25 ≤ median fails: dose_follow_up_p25 80 > dose_follow_up_median 72" in \
        " ".join(checks["note"])


# --- identities -----------------------------------------------------------------------

def test_category_counts_that_do_not_sum_to_their_denominator():
    pub = published(
        ("table1.employment.employed.n", "6", "Table 1"), ("table1.employment.employed.N", "31", "Table 1"),
        ("table1.employment.unemployed.n", "23", "Table 1"), ("table1.employment.unemployed.N", "31", "Table 1"),
        ("table1.employment.retired.n", "3", "Table 1"), ("table1.employment.retired.N", "31", "Table 1"),
    )
    r = rules(("employment_levels", "sum", "table1.employment.employed.N",
               "table1.employment.employed.n table1.employment.unemployed.n table1.employment.retired.n", "Table 1", ""))
    checks = c.check_paper(pub, r)
    found = checks[checks["note"].str.startswith("[employment_levels]")]
    # 6 + 23 + 3 = 32 ≠ 31: every number of the identity is flagged, with the same note.
    assert len(found) == 4 and set(found["status"]) == {"slip"}
    assert found["note"].iloc[0] == ("[employment_levels] table1.employment.employed.N is printed 31 but "
                                     "table1.employment.employed.n 6 + table1.employment.unemployed.n 23 + "
                                     "table1.employment.retired.n 3 = 32")


def test_a_flow_that_does_not_add_up_with_the_package_rules():
    pub = published(("invited", "59", "Figure 1"), ("contact_successful", "42", "Figure 1"),
                    ("contact_unsuccessful", "18", "Figure 1"))
    checks = c.check_paper(pub)  # the package's consistency_rules.csv
    note = note_of(checks, "invited", "[flow_invited]")
    # 42 + 18 = 60 ≠ 59
    assert note == "[flow_invited] invited is printed 59 but contact_successful 42 + contact_unsuccessful 18 = 60"
    assert status_of(checks, "contact_unsuccessful", "[flow_invited]") == ["slip"]
    clean = c.check_paper(published(("invited", "59", "Figure 1"), ("contact_successful", "42", "Figure 1"),
                                    ("contact_unsuccessful", "17", "Figure 1")))
    assert status_of(clean, "invited", "[flow_invited]") == ["ok"]


def test_a_rule_operand_is_taken_at_the_rules_location_first():
    # invited is printed 59 in Figure 1 and (wrongly) 60 in the Abstract; the flow rule is
    # printed in Figure 1, so it uses 59 and holds; the repeat check flags the two.
    pub = published(("invited", "60", "Abstract"), ("invited", "59", "Figure 1"),
                    ("contact_successful", "42", "Figure 1"), ("contact_unsuccessful", "17", "Figure 1"))
    checks = c.check_paper(pub)
    assert status_of(checks, "invited", "[flow_invited]") == ["ok"]
    assert status_of(checks, "invited", "[repeat]") == ["slip", "slip"]


def test_le_and_percent_sum_rules():
    pub = published(("wemwbs_improved_8_n", "15", "R"), ("wemwbs_improved_3_n", "14", "R"),
                    ("a_percent", "72.9", "R", "1", "", ""), ("b_percent", "18.9", "R", "1", "", ""),
                    ("c_percent", "8.6", "R", "1", "", ""))
    r = rules(("w", "le", "wemwbs_improved_8_n", "wemwbs_improved_3_n", "R", ""),
              ("p", "percent_sum", "", "a_percent b_percent c_percent", "R", ""))
    checks = c.check_paper(pub, r)
    assert status_of(checks, "wemwbs_improved_8_n", "[w]") == ["slip"]
    # 72.9 + 18.9 + 8.6 = 100.4, more than 3 × 0.05 = 0.15 from 100
    assert status_of(checks, "a_percent", "[p]") == ["slip"]
    assert "= 100.4%" in note_of(checks, "a_percent", "[p]")
    fine = c.check_paper(published(("a_percent", "72.9", "R"), ("b_percent", "18.9", "R"),
                                   ("c_percent", "8.2", "R")), r)
    assert status_of(fine, "a_percent", "[p]") == ["ok"]


def test_an_unknown_rule_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        c.check_paper(published(("a", "1", "R")), rules(("r", "product", "a", "a", "R", "")))


def test_an_unprintable_rule_is_unchecked_not_silently_passed():
    checks = c.check_paper(published(("invited", "59", "Figure 1")),
                           rules(("f", "sum", "invited", "contact_successful contact_unsuccessful", "Figure 1", "")))
    assert status_of(checks, "invited", "[f]") == ["unchecked"]
    assert "contact_successful, contact_unsuccessful" in note_of(checks, "invited", "[f]")


# --- the same number printed twice ----------------------------------------------------

def test_a_number_printed_twice_differently_is_found_at_both_places():
    pub = published(("enrolled_percent", "57.6", "Abstract"), ("enrolled_percent", "57.7", "Results"))
    checks = c.check_paper(pub, NO_RULES)
    assert status_of(checks, "enrolled_percent", "[repeat]") == ["slip", "slip"]
    assert note_of(checks[checks["location"] == "Abstract"], "enrolled_percent", "[repeat]") == \
        "[repeat] printed 57.6 here but 57.7 at Results"


def test_the_same_number_at_two_precisions_is_compatible_only_when_the_intervals_meet():
    # 64.7 covers [64.65, 64.75]; 65 covers [64.5, 65.5]: compatible. 64 covers [63.5, 64.5]: not.
    ok = c.check_paper(published(("p", "64.7", "Table 1"), ("p", "65", "Results")), NO_RULES)
    assert status_of(ok, "p", "[repeat]") == ["ok", "ok"]
    bad = c.check_paper(published(("p", "64.7", "Table 1"), ("p", "64", "Results")), NO_RULES)
    assert status_of(bad, "p", "[repeat]") == ["slip", "slip"]


def test_a_repeated_upper_bound_and_a_value_beyond_it():
    bound = "upper bound: printed P<0.001"
    ok = c.check_paper(published(("p", "0.001", "Abstract", "3", "", "", bound), ("p", "0.001", "Figure 2", "3", "", "",
                                                                                  bound)), NO_RULES)
    assert status_of(ok, "p", "[repeat]") == ["ok", "ok"]
    bad = c.check_paper(published(("p", "0.001", "Abstract", "3", "", "", bound), ("p", "0.02", "Results")), NO_RULES)
    assert status_of(bad, "p", "[repeat]") == ["slip", "slip"]


# --- GRIM -----------------------------------------------------------------------------

def test_grim_possible_and_impossible_means():
    r = rules(("g", "grim", "m", "n", "T", ""))
    # mean 51 of 34 integers: 1734/34 = 51 exactly → possible.
    ok = c.check_paper(published(("m", "51", "T"), ("n", "34", "T")), r)
    assert status_of(ok, "m", "[g]") == ["ok"]
    # mean 5.19 of 28 integers: 145/28 = 5.1786 → 5.18 and 146/28 = 5.2143 → 5.21; nothing gives 5.19.
    bad = c.check_paper(published(("m", "5.19", "T"), ("n", "28", "T")), r)
    assert status_of(bad, "m", "[g]") == ["slip"]
    assert note_of(bad, "m", "[g]") == \
        "[g] GRIM: a mean of 28 integers cannot be 5.19 (nearest: 145/28 = 5.1786, 146/28 = 5.2143)"


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=0, max_value=5000), n=st.integers(min_value=1, max_value=200),
       decimals=st.integers(min_value=0, max_value=2))
def test_grim_never_rejects_a_real_mean(total, n, decimals):
    mean = str(c.round_half_away(Fraction(total, n), decimals))
    checks = c.check_paper(published(("m", mean, "T", str(decimals)), ("n", str(n), "T")),
                           rules(("g", "grim", "m", "n", "T", "")))
    assert status_of(checks, "m", "[g]") == ["ok"]


@settings(max_examples=200, deadline=None)
@given(N=st.integers(min_value=1, max_value=600), data=st.data(), decimals=st.integers(min_value=0, max_value=2),
       shift=st.sampled_from([-1, 0, 1]))
def test_a_percentage_passes_exactly_when_it_is_its_fraction_rounded(N, data, decimals, shift):
    n = data.draw(st.integers(min_value=0, max_value=N))
    x = Fraction(100 * n, N)
    unit = Decimal(1).scaleb(-decimals)
    printed = c.round_half_away(x, decimals) + shift * unit
    pub = published(("k_n", str(n), "R"), ("k_total", str(N), "R"),
                    ("k_percent", str(printed), "R", str(decimals), "k_n", "k_total"))
    status = status_of(c.check_paper(pub, NO_RULES), "k_percent", "[percent]")
    accepted = printed in (c.round_half_away(x, decimals), c.round_half_even(x, decimals))
    assert status == (["ok"] if accepted else ["slip"])


# --- the real paper -------------------------------------------------------------------

def real_published() -> pd.DataFrame:
    from painreview.reference import read_reference

    try:
        return read_reference("published.csv")
    except FileNotFoundError:
        pytest.skip("painreview/data/published.csv not written yet")


def test_the_real_paper_has_exactly_its_three_percentage_slips():
    # Read from the paper (Results, reasons for discharge): 4/17 printed 23.6% (23.53% →
    # 23.5), 1/17 printed 5.8% twice, for "no time" and "benefit concerns" (5.88% → 5.9).
    # Everything else — every percentage, Figure 1's arithmetic, the partitions of
    # Tables 1-2, the repeats between Abstract, text, tables and figures, GRIM for the
    # mean age — holds.
    checks = c.check_paper(real_published())
    found = c.slips(checks)
    assert sorted(zip(found["key"], found["note"])) == [
        ("discharge_benefit_concerns_percent",
         "[percent] printed 5.8% but 1/17 = 5.88% → 5.9% (truncated, not rounded; the paper rounds elsewhere)"),
        ("discharge_dose_reduced_percent", "[percent] printed 23.6% but 4/17 = 23.53% → 23.5%"),
        ("discharge_no_time_percent",
         "[percent] printed 5.8% but 1/17 = 5.88% → 5.9% (truncated, not rounded; the paper rounds elsewhere)"),
    ]


def test_every_rule_of_the_rules_file_is_checkable_on_the_real_paper():
    rule_file = c.load_rules()
    assert set(rule_file["kind"]) <= set(c.RULE_KINDS)
    assert rule_file["rule"].is_unique
    assert (rule_file["source"].str.len() > 0).all()
    checks = c.check_paper(real_published(), rule_file)
    assert checks[checks["status"] == "unchecked"].empty
    checked_rules = {n.split("]")[0] + "]" for n in checks["note"]}
    assert {f"[{r}]" for r in rule_file["rule"]} <= checked_rules
