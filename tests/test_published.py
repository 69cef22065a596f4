"""painreview/data/published.csv: the numbers the paper prints, transcribed.

Checks the transcription against itself and the paper's arithmetic (no data involved):
keys in the output contract's grammar, printed decimals, percentages against their
printed fractions (the paper's three slips excepted and named), repeats agreeing.
When the paper's text is available (``PAINREVIEW_PAPER_DIR``, default the shared paper
folder), every printed value is also looked up in it.
"""

from __future__ import annotations

import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from painreview.reference import read_reference, vocabulary

COLUMNS = ["key", "published", "location", "decimals", "numerator", "denominator", "note", "wording"]
LOCATIONS = {
    "Abstract", "Figure 1", "Figure 2", "Table 1", "Table 2", "Method: Data collection",
    "Results: Recruitment, attendance, and retention", "Results: Opioid use and pain management",
    "Results: Health, wellbeing, and quality of life", "Discussion",
}
FIELDS = {"n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed"}
SLIPS = {  # key → (printed, what the fraction gives): Results, reasons for discharge
    "discharge_dose_reduced_percent": ("23.6", "23.5"),
    "discharge_no_time_percent": ("5.8", "5.9"),
    "discharge_benefit_concerns_percent": ("5.8", "5.9"),
}


@pytest.fixture(scope="module")
def published():
    return read_reference("published.csv")


def _rows(published):
    return published.to_dict("records")


def _result_keys() -> set[str]:
    return set(read_reference("result_keys.csv")["key"])


def _table_levels() -> dict[tuple[str, str], set[str]]:
    rows = read_reference("table_rows.csv")
    out: dict[tuple[str, str], set[str]] = {}
    for table, variable, level, vocab in zip(rows["table"], rows["variable"], rows["level"], rows["vocabulary"]):
        levels = set(vocabulary(vocab)) if level == "*" else {level}
        out.setdefault((table, variable), set()).update(levels)
    return out


def test_columns_and_no_blank_values(published):
    assert list(published.columns) == COLUMNS
    assert (published["key"] != "").all() and (published["published"] != "").all()
    assert set(published["location"]) <= LOCATIONS


def test_keys_follow_the_output_contract(published):
    results, levels = _result_keys(), _table_levels()
    for key in published["key"]:
        if key.startswith(("table1.", "table2.")):
            table, variable, level, field = key.split(".")
            assert field in FIELDS, key
            assert level in levels[(table, variable)], key
        else:
            assert key in results, key


def test_decimals_are_those_printed(published):
    for row in _rows(published):
        text = row["published"]
        assert re.fullmatch(r"\d+(\.\d+)?", text), row
        printed = len(text.split(".")[1]) if "." in text else 0
        assert int(row["decimals"]) == printed, row


def _value_of(published, key: str, location: str) -> Decimal:
    """The printed value of ``key`` at ``location`` (else its first exact occurrence)."""
    rows = [r for r in _rows(published) if r["key"] == key and "bound" not in r["note"]]
    assert rows, f"{key} is not printed anywhere"
    same = [r for r in rows if r["location"] == location]
    return Decimal((same or rows)[0]["published"])


def test_percentages_agree_with_their_printed_fractions(published):
    # 100·n/N rounded half away from zero at the printed decimals (the paper rounds: 3/32 is
    # printed 9.4, not 9.3), except the three slips, which must be exactly these.
    slips = {}
    for row in _rows(published):
        key = row["key"]
        if not (key.endswith(("_percent", ".percent"))):
            continue
        assert row["numerator"] and row["denominator"], row
        n = _value_of(published, row["numerator"], row["location"])
        total = _value_of(published, row["denominator"], row["location"])
        exact = 100 * n / total
        printed = Decimal(row["published"])
        if "lower bound" in row["note"]:
            assert exact > printed, row
            continue
        rounded = exact.quantize(Decimal(1).scaleb(-int(row["decimals"])), rounding=ROUND_HALF_UP)
        if rounded != printed:
            slips[key] = (row["published"], str(rounded))
            assert "slip" in row["note"], row
    assert slips == SLIPS


def test_hand_checked_rows(published):
    # Spot checks against the paper, read by hand.
    by = {(r["key"], r["location"]): r for r in _rows(published)}
    assert by[("enrolled_percent", "Abstract")]["published"] == "57.6"  # 34 (57.6%) enrolled
    assert by[("table1.condition.depression.diagnosed", "Table 1")]["published"] == "12"  # "Twelve diagnosed"
    assert by[("table2.opioid_years_band.15+.n", "Table 2")]["published"] == "9"  # ≥15: 9/29
    assert by[("dose_wilcoxon_p", "Figure 2")]["note"].startswith("upper bound")  # P-value for change <0.001
    assert by[("table1.sex.female.percent", "Results: Recruitment, attendance, and retention")]["published"] == "65"
    assert by[("active_duration_months_p75", "Results: Recruitment, attendance, and retention")]["published"] == "13.3"


def test_a_key_printed_twice_prints_one_number(published):
    # Repeats agree at their precisions (65 and 64.7 can be one number; bounds aside).
    seen: dict[str, list[Decimal]] = {}
    for row in _rows(published):
        if "bound" not in row["note"]:
            seen.setdefault(row["key"], []).append(Decimal(row["published"]))
    for key, values in seen.items():
        widest = max(values, key=lambda v: -v.as_tuple().exponent if v.as_tuple().exponent < 0 else 0)
        for v in values:
            places = Decimal(1).scaleb(v.as_tuple().exponent)
            assert widest.quantize(places, rounding=ROUND_HALF_UP) == v, key


def test_every_table_cell_is_present(published):
    # Table 1 has 34 n/N rows (+ age mean, SD, 5 diagnosed footnotes); Table 2 has 23 n/N
    # rows (+ median, p25, p75 of the dose): 3 cells per n/N row.
    table = published[published["location"].isin(["Table 1", "Table 2"])]
    assert (table["location"] == "Table 1").sum() == 34 * 3 + 2 + 5
    assert (table["location"] == "Table 2").sum() == 23 * 3 + 3


def _paper_text() -> str | None:
    folder = Path(os.environ.get("PAINREVIEW_PAPER_DIR", "/work/shared/paper"))
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not files:
        return None
    return " ".join(f.read_text(encoding="utf-8") for f in files)


def test_every_value_is_printed_in_the_paper(published):
    text = _paper_text()
    if text is None:
        pytest.skip("the paper's text is not available (set PAINREVIEW_PAPER_DIR)")
    flat = re.sub(r"\s+", " ", text)
    numbers = set(re.findall(r"\d+(?:\.\d+)?", flat))
    for row in _rows(published):
        words = re.findall(r'printed as the word "([^"]+)"', row["note"])
        if words:
            assert words[0].lower() in flat.lower(), row
        elif "All diagnosed" in row["note"]:
            assert "All diagnosed" in flat
        elif row["key"] == "dose_increased_n":
            assert "none increased" in flat
        else:
            assert row["published"] in numbers, row


def _flat_paper(text: str) -> str:
    """The paper's text as one line: a line-end hyphen joins its word (``follow-\\nup``),
    every other run of white space is one space."""
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text))


def test_every_wording_is_quoted_from_the_paper(published):
    """``wording`` (the phrase the report shows beside each in-text number) is the paper's
    own text, and holds the number as printed (or its word); table cells have none."""
    text = _paper_text()
    if text is None:
        pytest.skip("the paper's text is not available (set PAINREVIEW_PAPER_DIR)")
    flat = _flat_paper(text)
    for row in _rows(published):
        if row["location"] in ("Table 1", "Table 2"):  # a table cell: the table shows it
            assert row["wording"] == "", row
            continue
        assert row["wording"], row
        assert row["wording"] in flat, row
        words = re.findall(r'printed as the word "([^"]+)"', row["note"])
        assert (words[0].lower() in row["wording"].lower() if words
                else row["published"] in re.findall(r"\d+(?:\.\d+)?", row["wording"]) or row["key"] in (
                    "dose_increased_n", "non_enrolment_not_for_me")), row
