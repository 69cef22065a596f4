"""The scan of a release under SDC (painreview.sdc_scan): each kind of leak, planted in a
hand-made release, is found; the releases of real runs under SDC pass; the same run
without disclosure control fails in every kind of file."""

from __future__ import annotations

import json
import re

import pytest

from painreview import sdc_scan

DATA_ROWS = "patient_id,enrolled_on,sex\nA003,2016-11-09,male\nB117,2017-01-20,female\n"


def _release(tmp_path, files: dict[str, str]):
    data = tmp_path / "data"
    data.mkdir()
    (data / "service_users.csv").write_text(DATA_ROWS, encoding="utf-8")
    out = tmp_path / "out"
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{DATA}", str(data.resolve())), encoding="utf-8")
    return out, data


def _notebook(*texts: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": "print()", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": t} for t in texts]}]})


CLEAN = {
    "tables/results.csv": "key,value\ninvited,60\nenrolled,35\nenrolled_percent,58.3\n"
                          "dose_paired_n,35\ndose_wilcoxon_p,<0.001\ndose_wilcoxon_z,[REDACTED]\n",
    "tables/table1.md": "| Female sex | 20/35 | 57.1 |\n| Employed | [REDACTED]/30 | [REDACTED] |\n"
                        "<sup>a</sup> [REDACTED] diagnosed.  \n<sup>b</sup> All diagnosed.  \n",
    "figures/figure2_dose.svg": '<svg><g id="dose_mme-baseline-box"><!-- Baseline (n = 35) --></g>'
                                "<!-- Wilcoxon signed-rank test (n = 35 paired): P &lt; 0.001 --></svg>",
    "notebooks/06_results.ipynb": _notebook("      key value\n  invited    60\n enrolled    35\n",
                                            "signed-rank test of the paired doses: z = [REDACTED], P = <0.001\n"),
    "manifest.json": json.dumps({"run": {"data_dir": "data"}}),
    "report.html": '<table id="results_table"><tr><th>Key</th><th>Value</th></tr>'
                   "<tr><td>invited</td><td>60</td></tr></table><p>Figure 1</p>",
}


def test_a_clean_hand_made_release_passes(tmp_path):
    out, data = _release(tmp_path, CLEAN)
    assert sdc_scan.scan_release(out, data) == []


@pytest.mark.parametrize("rel, text, found", [
    ("tables/results.csv", "key,value\ninvited,59\n", r"invited: value = 59 .*not a multiple of 5"),
    ("tables/results.csv", "key,value\ndid_not_enrol,7\n", r"did_not_enrol.*1 to 7"),
    ("tables/results.csv", "key,value\ndose_paired_n,35\ndose_wilcoxon_z,-3.8245007227729966\n", r"always withheld"),
    ("tables/outcomes.csv", "measure,timepoint,n,median,p25,p75,mean,sd,min,max\n"
                            "comm_total,baseline,30,13.0,10.0,18.0,16.142857142857142,10.0,[REDACTED],[REDACTED]\n",
     r"mean = 16.14.* more than 0 decimals"),
    ("tables/outcomes.csv", "measure,timepoint,n,median,p25,p75,mean,sd,min,max\n"
                            "comm_total,baseline,30,13.0,10.0,18.0,16.0,10.0,3.0,40.0\n", r"min, max shown"),
    ("tables/table1.md", "| Employed | 6/31 | 19.4 |\n", r"'6/31': 6 is a count of 1 to 7"),
    ("tables/table1.html", "<td>10/30<sup>a</sup></td><tr><td><sup>a</sup> 8 diagnosed.</td>", r"diagnosed 8 is not a multiple of 5"),
    ("figures/figure1_flow.svg", "<svg><!-- Did not enrol (n = 7): --></svg>", r"n = 7 is a count of 1 to 7"),
    ("figures/figure2_dose.svg", '<svg><g id="dose_mme-baseline-points"></g></svg>', r"individual values drawn"),
    ("figures/figure2_dose.svg", '<svg><g id="pair-reduced"></g></svg>', r"individual values drawn"),
    ("figures/figure3_outcomes_higher_better.svg", "<svg><!-- Median 13.5 --><!-- (IQR 10 to 18.5) --></svg>",
     r"median 13.5 has more than 0 decimals"),
    ("figures/figure2_dose.svg", "<svg><!-- whiskers: minimum to --><!-- maximum. --></svg>", r"minimum to the maximum"),
    ("notebooks/04_dose.ipynb", _notebook("signed-rank test of the paired doses: z = -3.825, P = 0.00013\n"),
     r"z = -3.825.*withheld"),
    ("notebooks/04_dose.ipynb", _notebook("signed-rank test of the paired doses: z = [REDACTED], P = 0.00013\n"),
     r"P = 0.00013.*below 0.01"),
    ("notebooks/01_flow.ipynb", _notebook("                key       label  n\n invited   Invited 59\n"),
     r"invited = 59"),
    ("notebooks/05_outcomes.ipynb", _notebook(
        "   measure timepoint  n  median  p25  p75  mean  sd  min  max\n"
        "comm_total  baseline 30    13.0 10.0 18.0  16.0 10.0 3.0 40.0\n"), r"min = 3.0 shown"),
    ("report.html", '<table id="audit"><tr><th>Status</th><th>Key</th><th>Published</th><th>Reproduced</th></tr>'
                    "<tr><td>match</td><td>enrolled</td><td>34</td><td>35</td></tr></table>",
     r"enrolled published 34"),
    ("report.html", '<img src="data:image/png;base64,AAAA+12/34+BBBB"><p>Employed 3/30</p>', r"'3/30'"),
    ("manifest.json", json.dumps({"run": {"data_dir": "{DATA}"}}), r"is a path"),
    ("tables/table1.md", "| Patient A003 | 10/30 | |\n", r"patient id A003"),
    ("report.html", "<p>enrolled on 2017-01-20</p>", r"data date 2017-01-20"),
    ("notebooks/01_flow.ipynb", json.dumps({"cells": [{"cell_type": "code", "outputs": [],
                                                        "source": 'data_dir = "{DATA}"'}]}),
     r"the data folder's path"),
    ("tables/linkage_key.txt", "anything", r"no disclosure rule"),
])
def test_each_kind_of_leak_is_found(tmp_path, rel, text, found):
    files = dict(CLEAN)
    files[rel] = text
    out, data = _release(tmp_path, files)
    problems = sdc_scan.scan_release(out, data)
    assert problems, "nothing found"
    assert all(p.startswith(rel + ": ") for p in problems), problems
    assert any(re.search(found, p) for p in problems), problems


def test_the_base64_of_a_picture_is_not_read_as_counts(tmp_path):
    files = dict(CLEAN, **{"report.html": '<img src="data:image/png;base64,AAAA+12/34+A003/BB==">'})
    out, data = _release(tmp_path, files)
    assert sdc_scan.scan_release(out, data) == []


@pytest.mark.parametrize("name", ["synthetic", "mini", "seed3"])
def test_the_release_of_a_run_under_sdc_passes_the_scan(sdc_releases, name):
    data, out = sdc_releases[name]
    files = {p.relative_to(out).as_posix() for p in sdc_scan.released_files(out)}
    assert {"tables/table1.csv", "tables/table1.md", "tables/table1.html", "tables/audit.csv",
            "figures/figure2_dose.svg", "report.html", "manifest.json"} <= files
    assert sdc_scan.scan_release(out, data) == []


def test_the_same_run_without_sdc_fails_the_scan_in_every_kind_of_file(sdc_releases):
    data, out = sdc_releases["synthetic_off"]
    problems = sdc_scan.scan_release(out, data)
    failing = {p.split(":")[0] for p in problems}
    assert {"tables/table1.csv", "tables/table1.md", "tables/table1.html", "tables/results.csv",
            "tables/outcomes.csv", "tables/audit.csv", "figures/figure1_flow.svg", "figures/figure2_dose.svg",
            "report.html"} <= failing
    assert "manifest.json" not in failing  # the manifest names the data folder only, SDC or not
    joined = "\n".join(problems)
    for what in ("1 to 7", "not a multiple of 5", "min, max shown", "individual values drawn",
                 "always withheld", "more than 0 decimals"):
        assert what in joined, what


def test_the_committed_notebooks_without_sdc_fail_the_scan():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    problems = [p for p in sdc_scan.scan_release(root, root / "data" / "synthetic") if p.startswith("notebooks/")]
    failing = {p.split(":")[0] for p in problems}
    assert {"notebooks/01_flow.ipynb", "notebooks/02_table1.ipynb", "notebooks/04_dose.ipynb",
            "notebooks/05_outcomes.ipynb", "notebooks/06_results.ipynb", "notebooks/07_thematic.ipynb"} <= failing


def test_a_printed_audit_row_without_a_reproduced_value_is_read_as_empty():
    # to_string prints an empty cell as blanks, so the status comes third: not a leak
    assert sdc_scan.row_problems("audit", ["table1.condition.child_abuse.n", "10", "mismatch", "Table"]) == []
    assert sdc_scan.row_problems("audit", ["table1.condition.child_abuse.n", "10", "3", "mismatch"]) != []
