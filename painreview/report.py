"""One self-contained HTML report of a run, for reviewers (``OUT/report.html``).

In the paper's order: title and data/run summary, Figure 1, Table 1, Table 2, Figure 2,
Figures 3 and 4 (with the outcome summaries they draw), in-text results, thematic
tallies, then the audit — counts by status, the paper's own slips, the disagreements
(paper_inconsistent, then mismatch), and the matches folded in a ``<details>`` — then,
labelled "Exploratory, not in the paper", the forest plot, estimates and sensitivity
tables, and the manifest of the run. The in-text results quote the paper's wording
(``published.csv``), grouped by where the paper prints them.

Self-contained: CSS inline, figures embedded as ``data:`` URIs (SVG when available, else
PNG; as ``<img>`` so that the figures' internal ids cannot collide and no script can
run), no external resource of any kind. Every text from data is escaped. Tables 1–2 use
:func:`painreview.render.to_html`. The function is pure (frames, bytes and dicts in, a
string out) and has no clock: the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import math

import pandas as pd

from painreview.audit import MATCH, MISMATCH, PAPER_INCONSISTENT, PROTECTED, disagreements_first, status_counts

TITLE = "Reproduction report: primary-care opioid and pain review service evaluation"

# The output contract's figure stems with the paper's captions (Figures 1-4), and the
# journal width each is drawn at (single column 84 mm, double 174 mm: painreview.figstyle),
# which sets its width on the page.
FIGURES = {
    "figure1_flow": "Figure 1. Patient flowchart.",
    "figure2_dose": "Figure 2. Prescribed opioid dose at baseline and follow-up.",
    "figure3_outcomes_higher_better": "Figure 3. Wellbeing and QoL outcomes at baseline and follow-up (higher = better).",
    "figure4_outcomes_lower_better": "Figure 4. Wellbeing and QoL outcomes at baseline and follow-up (lower = better).",
}
FIGURE_WIDTH = {"figure1_flow": "single", "figure2_dose": "single",
                "figure3_outcomes_higher_better": "double", "figure4_outcomes_lower_better": "double"}
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
# Figures that are not the paper's (exploratory), with their captions; optional in a run.
EXPLORATORY_FIGURES = {
    "estimates_forest": "Exploratory, not in the paper. Paired changes (follow-up − baseline) with 95% confidence "
                        "intervals: Hodges–Lehmann (circles) and mean (squares); each panel on its instrument's range.",
}
FIGURE_WIDTH["estimates_forest"] = "double"
EXPLORATORY_LABEL = "Exploratory, not in the paper"

CSS = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1a1a1a;
max-width:62rem;margin:0 auto;padding:1.5rem 1.5rem 4rem;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.3rem;margin:2.2rem 0 .6rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
nav{font-size:.9rem;margin:.6rem 0 1rem}nav a{margin-right:.9rem;color:#0072B2}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.88rem}
th,td{border:1px solid #c8c8c8;padding:.22rem .5rem;vertical-align:top;text-align:left}
thead th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3rem 0}
table.painreview-table tr.section th{background:#f6f6f6}
figure{margin:1rem 0 1.6rem}figure img{width:100%;height:auto;border:1px solid #e0e0e0}
figure.single img{max-width:30rem}figure.double img{max-width:100%}
figcaption{font-size:.9rem;color:#333;margin-top:.3rem}
.summary td:first-child{font-weight:bold;white-space:nowrap}
.status-match{background:#e7f4ea}.status-mismatch{background:#fde2d8}.status-paper_inconsistent{background:#fff1c6}
.status-slip{background:#fff1c6}.status-protected{background:#e4e9f2}.missing{color:#a33;font-style:italic}
code,.mono{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.82rem;word-break:break-all}
tr.theme td{font-weight:bold;background:#f6f6f6}code.key{font-size:.75rem;color:#555;font-weight:normal}
table.audit{font-size:.8rem;width:100%}table.audit code{overflow-wrap:anywhere;word-break:normal}
details summary{cursor:pointer;margin:.6rem 0;font-weight:bold}
p.note{font-size:.88rem;color:#333;margin:.2rem 0 .3rem}
.counts span{display:inline-block;margin-right:1rem;padding:.15rem .5rem;border-radius:3px}
p.exploratory{background:#fdf0e6;border-left:4px solid #D55E00;padding:.4rem .7rem;font-size:.9rem}
table.intext{width:100%;table-layout:fixed}table.intext td.wording{font-style:italic}
table.intext th:nth-child(1){width:43%}table.intext th:nth-child(2){width:29%}
table.intext th:nth-child(3){width:9%}table.intext th:nth-child(4){width:10.5%}table.intext th:nth-child(5){width:8.5%}
#estimates td,#sensitivity td.num{white-space:nowrap}
"""


def e(value) -> str:
    """Escaped text of ``value`` (None and NaN as an empty string)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def display_number(value) -> str:
    """A full-precision value shown to a reader: integers as such, small values in
    scientific notation, others at up to 2 decimals (half away from zero)."""
    if value is None or value is pd.NA:
        return "—"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "—"
    if x.is_integer():
        return str(int(x))
    if abs(x) < 0.01:
        return f"{x:.2e}"
    from painreview.consistency import round_half_away

    text = format(round_half_away(x, 2), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def data_uri(media_type: str, content: bytes) -> str:
    """``data:<type>;base64,…`` of ``content``."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _figure(stem: str, figures: dict[str, tuple[str, bytes]]) -> str:
    caption = FIGURES.get(stem) or EXPLORATORY_FIGURES.get(stem, stem)
    width = FIGURE_WIDTH.get(stem, "double")
    if stem not in figures:
        return f'<figure id="{e(stem)}" class="{width}"><p class="missing">{e(stem)} was not found in figures/.</p>' \
               f"<figcaption>{e(caption)}</figcaption></figure>"
    media_type, content = figures[stem]
    return (f'<figure id="{e(stem)}" class="{width}"><img src="{data_uri(media_type, content)}" alt="{e(caption)}">'
            f"<figcaption>{e(caption)}</figcaption></figure>")


def _table(frame: pd.DataFrame, columns: list[tuple[str, str]], numeric: set[str] = frozenset(),
           row_class: str | None = None, table_id: str | None = None, caption: str | None = None,
           mono: set[str] = frozenset(), css_class: str | None = None) -> str:
    """A plain HTML table of ``frame``: ``columns`` = [(column, header)]; ``numeric``
    columns are rounded for reading (the full value in the cell's title), ``mono`` ones
    set as code."""
    id_attr = f' id="{e(table_id)}"' if table_id else ""
    class_attr = f' class="{e(css_class)}"' if css_class else ""
    out = [f"<table{id_attr}{class_attr}>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{e(h)}</th>' for _, h in columns) + "</tr></thead><tbody>")
    for rec in frame.to_dict("records"):
        cls = f' class="status-{e(rec[row_class])}"' if row_class and rec.get(row_class) else ""
        cells = []
        for col, _ in columns:
            value = rec.get(col)
            if col in numeric:
                shown = display_number(value)
                title = f' title="{e(value)}"' if e(value) not in ("", shown) else ""
                cells.append(f'<td class="num"{title}>{e(shown)}</td>')
            elif col in mono:
                cells.append(f"<td><code>{e(value)}</code></td>")
            else:
                cells.append(f"<td>{e(value)}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _synthetic_banner(synthetic: bool) -> str:
    """The banner of a run on the synthetic dataset; nothing for any other run."""
    from painreview.provenance import BANNER

    return (f'<p class="synthetic-banner" role="note" style="border:2px solid #b35900;background:#fff4e5;'
            f'padding:0.6em 0.8em;font-weight:bold">{e(BANNER)}</p>\n') if synthetic else ""


def _paper_table(tables: dict[str, pd.DataFrame], name: str, synthetic: bool = False) -> str:
    from painreview import render

    table = tables.get(name)
    if table is None:
        return f'<p class="missing">{e(name)}.csv was not found in tables/.</p>'
    return render.to_html(table, name, synthetic=synthetic)


def _outcomes(outcomes: pd.DataFrame | None, labels: dict[str, dict[str, str]]) -> str:
    if outcomes is None or outcomes.empty:
        return '<p class="missing">outcomes.csv was not found in tables/.</p>'
    frame = outcomes.copy()
    measure, timepoint = labels.get("measure", {}), labels.get("timepoint", {})
    frame["measure"] = [measure.get(m, m) for m in frame["measure"]]
    frame["timepoint"] = [timepoint.get(t, t) for t in frame["timepoint"]]
    cols = [("measure", "Measure"), ("timepoint", "Timepoint"), ("n", "n"), ("median", "Median"), ("p25", "p25"),
            ("p75", "p75"), ("mean", "Mean"), ("sd", "SD"), ("min", "Min"), ("max", "Max")]
    return ('<p class="note">Outcome summaries at baseline and follow-up (percentiles as Stata computes them; '
            "outcomes.csv).</p>\n" + _table(frame, cols, numeric={"n", "median", "p25", "p75", "mean", "sd", "min", "max"},
                                            table_id="outcomes"))


def _tallies(tallies: pd.DataFrame | None, codebook: pd.DataFrame | None, role_labels: dict[str, str]) -> str:
    if tallies is None or tallies.empty:
        return '<p class="missing">thematic_tallies.csv was not found in tables/.</p>'
    theme_label, code_label = {}, {}
    if codebook is not None:
        theme_label = dict(zip(codebook["theme"], codebook["theme_label"]))
        code_label = dict(zip(codebook["code"], codebook["code_label"]))
    roles = list(dict.fromkeys(tallies["role"]))
    rows = []
    for (theme, code), group in tallies.groupby(["theme", "code"], sort=False, dropna=False):
        by_role = dict(zip(group["role"], group["participants"]))
        segments = dict(zip(group["role"], group["segments"])).get("all", "")
        code = "" if code is None or (isinstance(code, float) and math.isnan(code)) else code
        label = theme_label.get(theme, theme) if not code else code_label.get(code, code)
        cells = "".join(f'<td class="num">{e(display_number(by_role.get(r)))}</td>' for r in roles)
        style = ' class="theme"' if not code else ""
        indent = "" if not code else ' style="padding-left:1.5em"'
        rows.append(f"<tr{style}><td{indent}>{e(label)}<br><code class=\"key\">{e(code or theme)}</code></td>{cells}"
                    f'<td class="num">{e(display_number(segments))}</td></tr>')
    head = "".join(f'<th scope="col">{e(role_labels.get(r, r.replace("_", " ").capitalize()))}</th>' for r in roles)
    return ('<p class="note">Participants with at least one coded segment, by role; a theme row (bold) counts the '
            "participants coded anywhere in the theme. Segments: all roles (thematic_tallies.csv).</p>\n"
            '<table id="thematic_tallies">'
            f'<thead><tr><th scope="col">Theme / code</th>{head}'
            '<th scope="col">Segments</th></tr></thead><tbody>' + "\n".join(rows) + "</tbody></table>")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "es" if noun.endswith(("ch", "s")) else "s")


def _summary(manifest: dict, audit_table: pd.DataFrame, slips: pd.DataFrame) -> str:
    code = manifest.get("code", {})
    run = manifest.get("run", {})
    env = manifest.get("environment", {})
    commit = code.get("git_commit")
    dirty = code.get("git_dirty")
    commit_text = "not a git checkout" if commit is None else commit + (
        " (working tree differs from the commit)" if dirty else " (clean)" if dirty is False else "")
    if code.get("source_sha256"):
        commit_text += f"; source and notebooks SHA-256 {code['source_sha256']}"
    counts = status_counts(audit_table)
    rows = [
        ("Data folder", run.get("data_dir")),
        ("Input files", f"{len(manifest.get('inputs', {}))} (SHA-256 in the manifest below)"),
        ("Conversion table", f"{run.get('conversion', {}).get('name')} ({run.get('conversion', {}).get('file')})"),
        ("Disclosure control (SDC)", {"on": "on: counts protected before release", "off": "off: unprotected, "
                                      "not for release from a secure setting"}.get(run.get("sdc"), "not recorded")),
        ("Package", f"painreview {manifest.get('package', {}).get('version')}"),
        ("Code", commit_text),
        ("Python", f"{env.get('python')} on {env.get('platform')}"),
        ("Outputs", f"{_count(len(manifest.get('outputs', {})), 'file')} under tables/, figures/, notebooks/"),
        ("Audit", f"{len(audit_table)} published numbers: {counts[MATCH]} match, {counts[MISMATCH]} mismatch, "
                  f"{counts[PAPER_INCONSISTENT]} paper_inconsistent"
                  + (f", {counts[PROTECTED]} protected (changed by disclosure control)" if counts.get(PROTECTED) else "")),
        ("The paper's own slips", f"{_count(len(slips), 'failed check')} of the paper against itself"),
    ]
    return '<table class="summary">' + "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows) + "</table>"


def _slips_released(slips: pd.DataFrame) -> pd.DataFrame:
    """The paper's slips as an SDC run's report shows them: where, not what (a slip's note
    quotes printed counts such as 4/17, and an SDC release prints no count of 1 to 7)."""
    return slips.assign(note="the paper fails a check against itself here (the report of a run without "
                             "disclosure control says which)")


def _audit(audit_table: pd.DataFrame, slips: pd.DataFrame) -> str:
    counts = status_counts(audit_table)
    parts = ['<p class="counts">' + "".join(
        f'<span class="status-{e(s)}">{e(s)}: {counts[s]}</span>' for s in counts) + "</p>"]
    parts.append("<h3>The paper checked against itself</h3>")
    if slips.empty:
        parts.append("<p>No check of the paper against itself failed.</p>")
    else:
        parts.append(_table(slips, [("key", "Key"), ("location", "Printed at"), ("note", "What disagrees")],
                            table_id="paper_slips", mono={"key"}, css_class="audit"))
    ordered = disagreements_first(audit_table)
    columns = [("status", "Status"), ("key", "Key"), ("published", "Published"), ("reproduced", "Reproduced"),
               ("note", "Note")]
    disagree = ordered[ordered["status"] != MATCH]
    parts.append("<h3>Published against reproduced: disagreements</h3>")
    parts.append('<p class="note">Reproduced values are rounded here for reading (the full value shows on '
                 "hovering, and is in tables/audit.csv). Each note starts with where the number is printed.</p>")
    if disagree.empty:
        parts.append("<p>Every published number is reproduced.</p>")
    else:
        parts.append(_table(disagree, columns, numeric={"reproduced"}, row_class="status", table_id="audit",
                            mono={"key"}, css_class="audit"))
    matches = ordered[ordered["status"] == MATCH]
    parts.append(f"<details><summary>{e(_count(len(matches), 'match'))}: every published number the data "
                 "reproduce at its printed precision</summary>")
    parts.append(_table(matches, columns, numeric={"reproduced"}, row_class="status", table_id="audit_matches",
                        mono={"key"}, css_class="audit"))
    parts.append("</details>")
    return "\n".join(parts)


def _manifest(manifest: dict) -> str:
    def files(entries: dict, caption: str, table_id: str) -> str:
        frame = pd.DataFrame([{"path": k, "size": v.get("size"), "sha256": v.get("sha256")} for k, v in entries.items()],
                             columns=["path", "size", "sha256"])
        body = "".join(f'<tr><td><code>{e(r["path"])}</code></td><td class="num">{e(r["size"])}</td>'
                       f'<td><code>{e(r["sha256"])}</code></td></tr>' for r in frame.to_dict("records"))
        return (f'<table id="{e(table_id)}"><caption>{e(caption)}</caption><thead><tr><th scope="col">File</th>'
                f'<th scope="col">Bytes</th><th scope="col">SHA-256</th></tr></thead><tbody>{body}</tbody></table>')

    rest = {k: v for k, v in manifest.items() if k not in ("inputs", "outputs")}
    return "\n".join([
        files(manifest.get("inputs", {}), "Input data files", "manifest_inputs"),
        files(manifest.get("outputs", {}), "Outputs", "manifest_outputs"),
        "<h3>Run, code and environment</h3>",
        f'<pre class="mono">{e(json.dumps(rest, sort_keys=True, indent=2, ensure_ascii=False))}</pre>',
    ])


# --------------------------------------------------------------------- in-text results

TABLE_LOCATIONS = ("Table 1", "Table 2")


def _at_printed_precision(value, decimals) -> str:
    """A reproduced value at the paper's printed decimals (half away from zero); a value
    that would show as 0 there but is not 0 (a small p) as :func:`display_number` shows it."""
    from painreview.rounding import round_half_away

    try:
        x, places = float(value), int(decimals)
    except (TypeError, ValueError):
        return display_number(value)
    if math.isnan(x):
        return "—"
    shown = round_half_away(x, places)
    return display_number(x) if (shown == 0 and x != 0) else format(shown, "f")


def _in_text(results: pd.DataFrame | None, published: pd.DataFrame | None, audit_table: pd.DataFrame) -> str:
    """The in-text numbers as the paper prints them: grouped by where they are printed (paper
    order), each phrase quoted (``published.csv`` ``wording``) with its numbers' keys, the
    published and the reproduced value (at the printed precision; full value on hovering)
    and the audit status; then the results the paper does not print, as bare keys."""
    if results is None:
        return '<p class="missing">results.csv was not found in tables/.</p>'
    bare_note = ('<p class="note">Every in-text number, recomputed (results.csv). Values are rounded here for '
                 "reading; the CSV keeps full precision.</p>\n")
    usable = (published is not None and "wording" in published.columns and len(published) == len(audit_table)
              and list(published["key"]) == list(audit_table["key"]))
    if not usable:
        return bare_note + _table(results, [("key", "Key"), ("value", "Value")], numeric={"value"},
                                  table_id="results_table")
    pub = published.reset_index(drop=True).assign(status=list(audit_table["status"]),
                                                  reproduced=list(audit_table["reproduced"]))
    text = pub[~pub["location"].isin(TABLE_LOCATIONS)]
    parts = ['<p class="note">Every number the paper prints outside its tables, in the paper\'s words, grouped by '
             "where it is printed: the published value and the value this run reproduced, at the printed "
             "precision (the full value shows on hovering; results.csv keeps it). Then the results the paper "
             "does not print.</p>"]
    for location in dict.fromkeys(text["location"]):
        group = text[text["location"] == location].to_dict("records")
        parts.append(f"<h3>{e(location)}</h3>")
        rows = []
        i = 0
        while i < len(group):
            j = i
            while j + 1 < len(group) and group[j + 1]["wording"] == group[i]["wording"]:
                j += 1
            span = j - i + 1
            for k, rec in enumerate(group[i: j + 1]):
                wording = (f'<td class="wording" rowspan="{span}">“{e(rec["wording"])}”</td>' if k == 0 else "")
                reproduced = _at_printed_precision(rec["reproduced"], rec["decimals"])
                rows.append(f'<tr class="status-{e(rec["status"])}">{wording}<td><code>{e(rec["key"])}</code></td>'
                            f'<td class="num">{e(rec["published"])}</td>'
                            f'<td class="num" title="{e(rec["reproduced"])}">{e(reproduced)}</td>'
                            f"<td>{e(rec['status'])}</td></tr>")
            i = j + 1
        parts.append('<table class="intext audit"><thead><tr><th scope="col">The paper\'s words</th>'
                     '<th scope="col">Key</th><th scope="col">Published</th><th scope="col">Reproduced</th>'
                     '<th scope="col">Status</th></tr></thead><tbody>' + "\n".join(rows) + "</tbody></table>")
    printed = set(pub["key"])
    rest = results[~results["key"].isin(printed)]
    parts.append("<h3>Not printed in the paper</h3>")
    parts.append('<p class="note">Results the contract defines that the paper does not print (bare keys; '
                 "rounded here for reading).</p>")
    parts.append(_table(rest, [("key", "Key"), ("value", "Value")], numeric={"value"}, table_id="results_table",
                        mono={"key"}, css_class="audit"))
    return "\n".join(parts)


# ------------------------------------------------------------------ exploratory outputs


def _two_places(x) -> str:
    """An estimate at 2 decimals, half away from zero, trailing zeros dropped (a
    Hodges–Lehmann root is only known to R's tolerance, 1e-4, so no scientific notation)."""
    from painreview.rounding import round_half_away

    text = format(round_half_away(float(x), 2), "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def _with_ci(est, low, high) -> str:
    """``est (low to high)`` for reading; a withheld or missing estimate as it is."""
    def bad(v):
        return isinstance(v, str) or v is None or (isinstance(v, float) and math.isnan(v))

    if bad(est):
        return display_number(est)
    if bad(low) or bad(high):
        return _two_places(est)
    return f"{_two_places(est)} ({_two_places(low)} to {_two_places(high)})"


def _exploratory(tables: dict[str, pd.DataFrame], figures: dict[str, tuple[str, bytes]],
                 labels: dict[str, dict[str, str]]) -> str:
    """The forest plot, estimates.csv and sensitivity.csv, under the exploratory label."""
    parts = [f'<p class="exploratory"><strong>{e(EXPLORATORY_LABEL)}.</strong> The paper prints medians and one '
             "p-value. These show how uncertain each paired change is (estimates.csv) and how much the choices the "
             "paper does not state move its headline results (sensitivity.csv). Nothing here is compared with "
             "the paper.</p>"]
    if "estimates_forest" in figures:
        parts.append(_figure("estimates_forest", figures))
    est = tables.get("estimates")
    measure = labels.get("measure", {})
    if est is None:
        parts.append('<p class="missing">estimates.csv was not found in tables/.</p>')
    else:
        frame = pd.DataFrame({
            "measure": [measure.get(m, m) for m in est["measure"]],
            "n_paired": est["n_paired"], "n_nonzero": est["n_nonzero"], "median": est["median_difference"],
            "hl": [_with_ci(*v) for v in zip(est["hl_estimate"], est["hl_ci_low"], est["hl_ci_high"])],
            "level": est["hl_conf_level"], "method": est["hl_method"],
            "mean": [_with_ci(*v) for v in zip(est["mean_difference"], est["mean_ci_low"], est["mean_ci_high"])],
            "sd": est["sd_difference"], "dz": est["standardised_effect"]})
        parts.append("<h3>Paired changes (estimates.csv)</h3>")
        parts.append('<p class="note">Change = follow-up − baseline over the service users with both. '
                     "Hodges–Lehmann estimate and 95% CI as R's wilcox.test(conf.int = TRUE) computes them "
                     "(exact: Walsh averages; normal_cc: normal approximation with continuity correction; zero "
                     "changes are dropped first, so they use the n changed); mean change with its t 95% CI; "
                     "d_z = mean change ÷ SD of the changes.</p>")
        parts.append(_table(frame, [("measure", "Measure"), ("n_paired", "n paired"), ("n_nonzero", "n changed"),
                                    ("median", "Median change"), ("hl", "Hodges–Lehmann (95% CI)"),
                                    ("level", "CI level"), ("method", "Method"), ("mean", "Mean change (95% CI)"),
                                    ("sd", "SD"), ("dz", "d_z")],
                            numeric={"n_paired", "n_nonzero", "median", "level", "sd", "dz"}, table_id="estimates"))
    sens = tables.get("sensitivity")
    if sens is None:
        parts.append('<p class="missing">sensitivity.csv was not found in tables/.</p>')
    else:
        choice = labels.get("choice", {})
        frame = sens.assign(paper_label=[choice.get(c, c) for c in sens["paper_choice"]],
                            alt_label=[choice.get(c, c) for c in sens["alternative"]])
        parts.append("<h3>Headline results under each unstated choice (sensitivity.csv)</h3>")
        parts.append('<p class="note">One row per result and alternative; the value under the choice this '
                     "reproduction makes (the contract's reading) beside it; n: the group each value describes. "
                     "The choices and their sources: painreview/data/sensitivity_choices.csv.</p>")
        parts.append(_table(frame, [("result", "Result"), ("setting", "Setting"), ("paper_label", "Paper's choice"),
                                    ("paper_value", "Value"), ("paper_n", "n"), ("alt_label", "Alternative"),
                                    ("value", "Value"), ("n", "n")],
                            numeric={"paper_value", "value", "paper_n", "n"}, table_id="sensitivity", mono={"result"},
                            css_class="audit"))
    return "\n".join(parts)


def build_report(*, tables: dict[str, pd.DataFrame], figures: dict[str, tuple[str, bytes]],
                 audit_table: pd.DataFrame, paper_checks: pd.DataFrame, manifest: dict,
                 codebook: pd.DataFrame | None = None, labels: dict[str, dict[str, str]] | None = None,
                 title: str = TITLE, sdc: bool = False, published: pd.DataFrame | None = None,
                 synthetic: bool = False) -> str:
    """The report as one HTML document.

    tables: ``table1``, ``table2``, ``outcomes``, ``results``, ``thematic_tallies`` frames
    (as in OUT/tables; any may be missing); figures: stem → (media type, bytes);
    audit_table: :func:`painreview.audit.audit`; paper_checks:
    :func:`painreview.consistency.check_paper`; manifest: :func:`painreview.manifest.build_manifest`;
    codebook (theme/code labels) and labels (``{"measure"|"timepoint"|"role": {key: label}}``):
    optional display labels (also ``"choice"``: sensitivity choice labels); sdc: the run's
    disclosure control was on (the paper's slips are then named, not quoted); published:
    ``published.csv`` with its ``wording`` (optional: without it the in-text section lists
    bare keys). The exploratory section (forest plot, ``estimates``, ``sensitivity``)
    appears when any of them is there.
    synthetic: the run read the package's synthetic dataset (``painreview.provenance``):
    a banner says so, and the tables' notes too.
    """
    labels = labels or {}
    slips = paper_checks[paper_checks["status"] == "slip"].reset_index(drop=True)
    if sdc:
        slips = _slips_released(slips)
    results = tables.get("results")
    sections = [
        ("summary", "Data and run", _summary(manifest, audit_table, slips)),
        ("figure-1", "Figure 1", _figure("figure1_flow", figures)),
        ("table-1", "Table 1", _paper_table(tables, "table1", synthetic)),
        ("table-2", "Table 2", _paper_table(tables, "table2", synthetic)),
        ("figure-2", "Figure 2", _figure("figure2_dose", figures)),
        ("figures-3-4", "Figures 3 and 4",
         _figure("figure3_outcomes_higher_better", figures) + _figure("figure4_outcomes_lower_better", figures)
         + _outcomes(tables.get("outcomes"), labels)),
        ("results", "In-text results", _in_text(results, published, audit_table)),
        ("thematic", "Thematic tallies", _tallies(tables.get("thematic_tallies"), codebook, labels.get("role", {}))),
        ("audit-section", "Audit: published against reproduced", _audit(audit_table, slips)),
        *([("exploratory", EXPLORATORY_LABEL, _exploratory(tables, figures, labels))]
          if any(k in tables for k in ("estimates", "sensitivity")) or "estimates_forest" in figures else []),
        ("manifest", "Manifest", _manifest(manifest)),
    ]
    nav = "<nav>" + "".join(f'<a href="#{sid}">{e(name)}</a>' for sid, name, _ in sections) + "</nav>"
    body = "\n".join(f'<section id="{sid}"><h2>{e(name)}</h2>\n{content}\n</section>' for sid, name, content in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">\n"
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n{_synthetic_banner(synthetic)}{nav}\n{body}\n</body>\n</html>\n"
    )


def read_figures(figure_dir) -> dict[str, tuple[str, bytes]]:
    """stem → (media type, bytes) of the contract's figures in ``figure_dir``, SVG
    preferred over PNG; absent figures are left out (I/O: the CLI's gatherer)."""
    from pathlib import Path

    figure_dir = Path(figure_dir)
    found = {}
    for stem in (*FIGURES, *EXPLORATORY_FIGURES):
        for suffix in (".svg", ".png"):
            path = figure_dir / f"{stem}{suffix}"
            if path.is_file():
                found[stem] = (MEDIA_TYPES[suffix], path.read_bytes())
                break
    return found
