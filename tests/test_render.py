"""Rendering Tables 1 and 2 in the paper's style (Markdown and HTML)."""

import math

import pandas as pd

from painreview.render import round_half_up, to_html, to_markdown
from painreview.tables import COLUMNS


def frame(rows):
    """Rows as the tables module returns them; missing fields are NA."""
    out = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], columns=COLUMNS)
    for c in ("n", "N", "diagnosed"):
        out[c] = pd.array([None if pd.isna(v) else int(v) for v in out[c]], dtype="Int64")
    for c in ("percent", "mean", "sd", "median", "p25", "p75"):
        out[c] = out[c].astype(float)
    return out


TABLE1 = frame(
    [
        {"section": "characteristics", "variable": "sex", "level": "female", "label": "Female sex", "n": 22, "N": 34, "percent": 100 * 22 / 34},
        {"section": "characteristics", "variable": "age_years", "level": "", "label": "Age, years, mean (SD)", "n": 34, "N": 34, "mean": 51.4, "sd": 10.49},
        {"section": "employment", "variable": "employment", "level": "employed", "label": "Employed", "n": 6, "N": 31, "percent": 100 * 6 / 31},
        {"section": "comorbidity", "variable": "condition", "level": "sleep_issues", "label": "Sleep issues", "n": 17, "N": 30, "percent": 100 * 17 / 30, "diagnosed": 0},
        {"section": "comorbidity", "variable": "condition", "level": "depression", "label": "Depression", "n": 13, "N": 29, "percent": 100 * 13 / 29, "diagnosed": 12},
        {"section": "comorbidity", "variable": "condition", "level": "substance_misuse", "label": "Substance misuse", "n": 3, "N": 29, "percent": 100 * 3 / 29, "diagnosed": 3},
        {"section": "comorbidity", "variable": "condition", "level": "alcohol_misuse", "label": "Alcohol | misuse <x>", "n": 2, "N": 29, "percent": 100 * 2 / 29, "diagnosed": 2},
    ]
)
TABLE2 = frame(
    [
        {"section": "start_reason", "variable": "opioid_start_reason", "level": "back_pain", "label": "Back pain", "n": 9, "N": 32, "percent": 100 * 9 / 32},
        {"section": "dose", "variable": "dose_mme", "level": "", "label": "Opioid dose, mg, median (IQR)", "n": 34, "N": 34, "median": 90.0, "p25": 60.0, "p75": 240.0},
    ]
)


def test_round_half_up():
    assert round_half_up(100 * 22 / 34, 1) == "64.7"
    assert round_half_up(100 * 1 / 17, 1) == "5.9"  # the paper prints 5.8 (a slip)
    assert round_half_up(12.5, 1) == "12.5"
    assert round_half_up(72.5, 0) == "73"  # half up, not to even
    assert round_half_up(0.05, 1) == "0.1"
    assert round_half_up(-0.04, 1) == "0.0"  # no negative zero
    assert round_half_up(100.0, 1) == "100.0"
    assert round_half_up(math.nan, 1) == ""


def test_markdown_table1_cells_and_footnotes():
    md = to_markdown(TABLE1, "table1")
    lines = md.splitlines()
    assert lines[0] == "**Table 1. Baseline characteristics, medications, and presenting issues**"
    assert "| Female sex | 22/34 | 64.7 |" in lines
    assert "| Age, years, mean (SD) | 51 (10) |  |" in lines
    assert "| **Employment status** | | |" in lines
    assert "| &emsp;Employed | 6/31 | 19.4 |" in lines
    assert "| &emsp;Sleep issues | 17/30 | 56.7 |" in lines  # none diagnosed: no footnote
    assert "| &emsp;Depression | 13/29<sup>a</sup> | 44.8 |" in lines
    assert "| &emsp;Substance misuse | 3/29<sup>b</sup> | 10.3 |" in lines
    assert "| &emsp;Alcohol \\| misuse <x> | 2/29<sup>b</sup> | 6.9 |" in lines  # one letter for one note
    assert "<sup>a</sup> 12 diagnosed.  " in lines and "<sup>b</sup> All diagnosed.  " in lines
    assert md.endswith("\n") and "\r" not in md


def test_markdown_table2_median_row():
    md = to_markdown(TABLE2, "table2")
    assert "| Opioid dose, mg, median (IQR) | 90 (60 to 240) |  |" in md.splitlines()
    assert "| &emsp;Back pain | 9/32 | 28.1 |" in md.splitlines()


def test_html_table():
    out = to_html(TABLE1, "table1")
    assert out.startswith('<table class="painreview-table" id="table1">\n<caption>Table 1. Baseline')
    assert out.endswith("</table>\n")
    assert '<tr><td>Female sex</td><td style="text-align:right">22/34</td><td style="text-align:right">64.7</td></tr>' in out
    assert ">51 (10)<" in out
    assert '<th scope="rowgroup" colspan="3" style="text-align:left">Psychological comorbidities</th>' in out
    assert "Alcohol | misuse &lt;x&gt;" in out and "<x>" not in out
    assert "13/29<sup>a</sup>" in out and "<sup>a</sup> 12 diagnosed." in out
    assert ">90 (60 to 240)<" in to_html(TABLE2, "table2")


def test_rendering_is_deterministic_and_pure():
    before = TABLE1.copy()
    assert to_markdown(TABLE1, "table1") == to_markdown(TABLE1.copy(), "table1")
    assert to_html(TABLE1, "table1") == to_html(TABLE1.copy(), "table1")
    pd.testing.assert_frame_equal(TABLE1, before)


def test_redacted_cells_render_as_redacted_not_as_an_error():
    from painreview import sdc
    from painreview.render import to_markdown

    table = pd.DataFrame([
        {"section": "characteristics", "variable": "sex", "level": "female", "label": "Female sex",
         "n": 22, "N": 34, "percent": 64.70588235294117, "mean": None, "sd": None,
         "median": None, "p25": None, "p75": None, "diagnosed": None},
        {"section": "comorbidity", "variable": "condition", "level": "ptsd",
         "label": "Post-traumatic stress disorder", "n": 1, "N": 29, "percent": 3.4482758620689653,
         "mean": None, "sd": None, "median": None, "p25": None, "p75": None, "diagnosed": 1},
    ])
    text = to_markdown(sdc.protect_table(table), "table1")
    # 22 -> 20 and 34 -> 35 (nearest 5), 20/35 = 57.1 %; 1 and its percentage are redacted.
    assert "20/35 | 57.1" in text
    assert "[REDACTED]/30" in text and "22/34" not in text


def _comorbidity(level, n, N, diagnosed):
    return {"section": "comorbidity", "variable": "condition", "level": level, "label": level.capitalize(),
            "n": n, "N": N, "percent": 100 * n / N, "mean": None, "sd": None, "median": None,
            "p25": None, "p75": None, "diagnosed": diagnosed}


SDC_ROWS = pd.DataFrame([
    {"section": "characteristics", "variable": "sex", "level": "female", "label": "Female sex",
     "n": 20, "N": 34, "percent": 100 * 20 / 34, "mean": None, "sd": None, "median": None,
     "p25": None, "p75": None, "diagnosed": None},                # no diagnosed count: no footnote
    _comorbidity("anxiety", 12, 29, 8),      # 10 and 10, but not all: must not say "All diagnosed"
    _comorbidity("depression", 13, 29, 13),  # 15 of 15, all: "All diagnosed."
    _comorbidity("sleep", 17, 30, 0),        # none diagnosed: no footnote, as unprotected
    _comorbidity("mood", 3, 29, 2),          # redacted n and diagnosed
    _comorbidity("isolation", 7, 29, None),  # redacted n, no diagnosed count: no footnote
])


def test_footnotes_under_disclosure_control_only_for_rows_with_a_diagnosed_count(tmp_path):
    from painreview import sdc
    from painreview.outputs import read_table
    from painreview.pipeline import csv_text

    from painreview.render import table_lines

    protected = sdc.protect_table(SDC_ROWS)
    lines = table_lines(protected, "table1")
    marks = [row[4] for row in lines["rows"] if row[0] == "row"]
    notes = dict(lines["marked_notes"])
    assert marks == ["", "a", "b", "", "a", ""]
    assert notes == {"a": "[REDACTED] diagnosed.", "b": "All diagnosed."}
    # The report renders the table read back from its CSV: the same bytes.
    path = tmp_path / "table1.csv"
    path.write_text(csv_text(protected), encoding="utf-8")
    back = read_table(path)
    assert to_markdown(back, "table1") == to_markdown(protected, "table1")
    assert to_html(back, "table1") == to_html(protected, "table1")
    html_text = to_html(back, "table1")
    assert "nan" not in html_text.lower()
    assert "20/35" in html_text and ">57.1<" in html_text  # 100·20/35 at one decimal
