"""The report's in-text section in the paper's words, and its exploratory section
(painreview.report), on the hand-made fixtures of tests/test_report.py."""

from __future__ import annotations

import re

import pandas as pd

from painreview import consistency as c
from painreview import report as r
from painreview.audit import audit, reproduced_values
from painreview.estimates import COLUMNS as ESTIMATE_COLUMNS
from painreview.sensitivity import COLUMNS as SENSITIVITY_COLUMNS
from tests.test_report import fixture_figures, fixture_manifest, fixture_published, fixture_tables, tiny_svg

WORDING = {"invited": "Approached n = 59", "enrolled": "Enrolled n = 34",
           "enrolled_percent": "34 (57.6%) enrolled in the service",
           "discharged_n": "reduction in opioid dose (4/17; 23.6%)",
           "discharge_dose_reduced": "reduction in opioid dose (4/17; 23.6%)",
           "discharge_dose_reduced_percent": "reduction in opioid dose (4/17; 23.6%)",
           "table1.sex.female.percent": ""}


def _published() -> pd.DataFrame:
    pub = fixture_published()
    return pub.assign(wording=[WORDING[k] for k in pub["key"]])


def _report(tables=None, figures=None, published=None) -> str:
    tables = tables or fixture_tables()
    pub = _published() if published is None else published
    checks = c.check_paper(pub.drop(columns="wording"),
                           pd.DataFrame(columns=["rule", "kind", "left", "right", "location", "source"]))
    return r.build_report(tables=tables, figures=figures or fixture_figures(),
                          audit_table=audit(pub, reproduced_values(tables), checks), paper_checks=checks,
                          manifest=fixture_manifest(), published=pub,
                          labels={"measure": {"comm_total": "COMM"}, "choice": {"cdc_2022": "CDC 2022"}})


def _section(html: str, sid: str) -> str:
    return html[html.index(f'<section id="{sid}">'):].split("</section>", 1)[0]


def test_in_text_numbers_in_the_papers_words_grouped_by_location():
    section = _section(_report(), "results")
    headings = re.findall(r"<h3>([^<]*)</h3>", section)
    assert headings == ["Figure 1", "Abstract", "Results", "Not printed in the paper"]  # published.csv order
    assert "“Approached n = 59”" in section
    # One phrase carrying three numbers is quoted once, spanning their rows.
    assert section.count("“reduction in opioid dose (4/17; 23.6%)”") == 1
    assert 'rowspan="3"' in section
    # Published beside reproduced at the printed precision: 34/59 = 57.63 → 57.6.
    assert re.search(r"<code>enrolled_percent</code></td><td class=\"num\">57.6</td><td class=\"num\" "
                     r"title=\"[0-9.]+\">57.6</td><td>match</td>", section)
    # Table cells are the tables' business, not this section's.
    assert "table1.sex.female.percent" not in section


def test_numbers_the_paper_does_not_print_keep_bare_keys():
    section = _section(_report(), "results")
    rest = section.split("<h3>Not printed in the paper</h3>", 1)[1]
    assert "<code>dose_wilcoxon_p</code>" in rest and "&lt;script&gt;" in rest
    assert "<code>invited</code>" not in rest


def test_without_wording_the_section_lists_bare_keys():
    tables = fixture_tables()
    pub = fixture_published()
    checks = c.check_paper(pub, pd.DataFrame(columns=["rule", "kind", "left", "right", "location", "source"]))
    html = r.build_report(tables=tables, figures=fixture_figures(),
                          audit_table=audit(pub, reproduced_values(tables), checks), paper_checks=checks,
                          manifest=fixture_manifest())
    assert 'id="results_table"' in _section(html, "results") and "<h3>" not in _section(html, "results")
    assert 'id="exploratory"' not in html  # no exploratory tables or figure: no section


def _exploratory_tables(withheld: bool = False):
    tables = fixture_tables()
    value = "[REDACTED]" if withheld else -4.0
    tables["estimates"] = pd.DataFrame([{
        "measure": "comm_total", "n_paired": 22, "n_nonzero": 20, "median_difference": -3.0, "hl_estimate": value,
        "hl_ci_low": -5.0, "hl_ci_high": -2.5, "hl_conf_level": 0.95, "hl_method": "normal_cc",
        "mean_difference": -3.545, "mean_ci_low": -4.76, "mean_ci_high": -2.33, "sd_difference": 2.74,
        "standardised_effect": -1.29}], columns=ESTIMATE_COLUMNS)
    tables["sensitivity"] = pd.DataFrame([["dose_baseline_median", "statistic", "conversion", "opioids_aware",
                                           "cdc_2022", 100.0, 90.0, 34, 34]], columns=SENSITIVITY_COLUMNS)
    return tables


def test_the_exploratory_section_is_labelled_and_after_the_audit():
    figures = {**fixture_figures(), "estimates_forest": ("image/svg+xml", tiny_svg("forest"))}
    html = _report(_exploratory_tables(), figures)
    assert html.index('id="audit-section"') < html.index('id="exploratory"') < html.index('id="manifest"')
    section = _section(html, "exploratory")
    assert "<h2>Exploratory, not in the paper</h2>" in section and "Exploratory, not in the paper." in section
    assert '<figure id="estimates_forest" class="double"><img src="data:image/svg+xml;base64,' in section
    assert "<td>COMM</td>" in section and "-4 (-5 to -2.5)" in section and "-3.55 (-4.76 to -2.33)" in section
    assert "<td>CDC 2022</td>" in section and "opioids_aware" in section


def test_withheld_estimates_show_as_withheld():
    section = _section(_report(_exploratory_tables(withheld=True)), "exploratory")
    assert "[REDACTED]" in section and "(-5 to -2.5)" not in section
