"""Tables 1 and 2 rendered in the paper's style, as Markdown and as an HTML table.

Cells: ``n/N`` and a percentage with one decimal (``22/34``, ``64.7``); a mean row as
``mean (SD)`` and a median row as ``median (p25 to p75)``, both as integers, as the paper
prints them (``51 (10)``, ``90 (60 to 240)``). Rounding is half-up on the decimal value
(``72.5`` → ``73``), as a reader rounds. A comorbidity with diagnosed cases gets a
footnote (``12 diagnosed.`` or ``All diagnosed.``), as the paper's footnotes d-f do.
A table read back from its CSV renders as the frame it was written from (:func:`cell`).
Headings, titles and notes come from ``painreview/data/table_headings.csv``. Pure
functions: DataFrame in, string out.
"""

from __future__ import annotations

import html
import math
import string

import pandas as pd

from painreview.provenance import TABLE_NOTE
from painreview.reference import read_reference
from painreview.rounding import round_half_away


def cell(value):
    """A table cell as rendering needs it: missing (None, NaN, pd.NA, "") → None, a number
    written as text (a column that also holds ``[REDACTED]`` is read back from CSV as text)
    → the number, any other text (``[REDACTED]``) as it is. So a table renders the same
    from the frame in memory and from its CSV."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return value
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def round_half_up(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, half away from zero on its shortest decimal repr.

    A text value (a cell marked ``[REDACTED]`` by disclosure control) is shown as it is.
    """
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or math.isnan(value):
        return ""
    return str(round_half_away(float(value), decimals))


def _int(value) -> str:
    if isinstance(value, str):  # [REDACTED] under disclosure control
        return value
    return "" if value is None or value is pd.NA else str(int(value))


def headings(table: str) -> dict[str, str]:
    """key → text of ``table`` in table_headings.csv (title, row_header, sections, note)."""
    ref = read_reference("table_headings.csv")
    ref = ref[ref["table"] == table]
    return dict(zip(ref["key"], ref["text"]))


def statistics(table: str) -> dict[str, str]:
    """variable → statistic (n_percent, mean_sd, median_iqr) of ``table`` in table_rows.csv."""
    ref = read_reference("table_rows.csv")
    ref = ref[ref["table"] == table]
    return dict(zip(ref["variable"], ref["statistic"]))


def _value_cells(row: dict, statistic: str) -> tuple[str, str]:
    """(first value cell, percent cell) of one table row."""
    if statistic == "mean_sd":
        return f"{round_half_up(row['mean'], 0)} ({round_half_up(row['sd'], 0)})", ""
    if statistic == "median_iqr":
        return f"{round_half_up(row['median'], 0)} ({round_half_up(row['p25'], 0)} to {round_half_up(row['p75'], 0)})", ""
    return f"{_int(row['n'])}/{_int(row['N'])}", round_half_up(row["percent"], 1)


def _diagnosed_note(row: dict) -> str | None:
    """The footnote of a row with a diagnosed count (paper footnotes d-f), else None.

    None diagnosed (0) or no diagnosed count: no footnote. A count withheld by disclosure
    control is printed as its mark (``[REDACTED] diagnosed.``), never as "All": equal
    marks say nothing about equal counts. "All diagnosed." for equal shown counts: under
    disclosure control ``sdc.protect_table`` withholds a diagnosed count that only rounds
    to its n, so equal protected counts are equal true counts.
    """
    dx, n = row.get("diagnosed"), row.get("n")
    if dx is None:
        return None
    if isinstance(dx, str):
        return f"{dx} diagnosed."
    if int(dx) == 0:
        return None
    if not isinstance(n, str) and n is not None and int(dx) == int(n):
        return "All diagnosed."
    return f"{int(dx)} diagnosed."


def table_lines(table: pd.DataFrame, name: str, synthetic: bool = False) -> dict:
    """The rendered content of a table, format-neutral: title, header, rows, notes (the
    last saying so for a ``synthetic`` run, ``painreview.provenance``).

    rows: list of ("heading", text) or ("row", label, value, percent, mark, indented).
    """
    head = headings(name)
    kinds = statistics(name)
    notes: list[tuple[str, str]] = []
    marks: dict[str, str] = {}
    rows: list[tuple] = []
    previous_section = None
    for row in table.to_dict("records"):
        row = {k: (v if k in ("section", "variable", "level", "label") else cell(v)) for k, v in row.items()}
        section = row["section"]
        in_heading = section in head
        if section != previous_section and in_heading:
            rows.append(("heading", head[section]))
        previous_section = section
        value, percent = _value_cells(row, kinds.get(row["variable"], "n_percent"))
        note = _diagnosed_note(row)
        mark = ""
        if note:
            if note not in marks:
                marks[note] = string.ascii_lowercase[len(marks)]
                notes.append((marks[note], note))
            mark = marks[note]
        rows.append(("row", row["label"], value, percent, mark, in_heading))
    return {
        "title": head.get("title", name),
        "row_header": head.get("row_header", ""),
        "column_group": head.get("column_group", ""),
        "rows": rows,
        "marked_notes": notes,
        "note": " ".join(t for t in (head.get("note", ""), TABLE_NOTE if synthetic else "") if t),
    }


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(table: pd.DataFrame, name: str, synthetic: bool = False) -> str:
    """Markdown rendering of ``table`` (``name``: "table1" or "table2")."""
    c = table_lines(table, name, synthetic)
    group = f"{c['column_group']}, n/N" if c["column_group"] else "n/N"
    lines = [f"**{_md(c['title'])}**", "", f"| {_md(c['row_header'])} | {_md(group)} | % |", "|:---|---:|---:|"]
    for item in c["rows"]:
        if item[0] == "heading":
            lines.append(f"| **{_md(item[1])}** | | |")
            continue
        _, label, value, percent, mark, indented = item
        prefix = "&emsp;" if indented else ""
        sup = f"<sup>{mark}</sup>" if mark else ""
        lines.append(f"| {prefix}{_md(label)} | {_md(value)}{sup} | {percent} |")
    lines.append("")
    for mark, note in c["marked_notes"]:
        lines.append(f"<sup>{mark}</sup> {_md(note)}  ")
    if c["note"]:
        lines.append(_md(c["note"]))
    return "\n".join(lines) + "\n"


def to_html(table: pd.DataFrame, name: str, synthetic: bool = False) -> str:
    """A standalone HTML ``<table>`` fragment of ``table`` (``name``: "table1" or "table2")."""
    c = table_lines(table, name, synthetic)
    e = html.escape
    num = ' style="text-align:right"'
    out = [
        f'<table class="painreview-table" id="{e(name)}">',
        f"<caption>{e(c['title'])}</caption>",
        "<thead>",
        f'<tr><th scope="col" rowspan="2" style="text-align:left">{e(c["row_header"])}</th>'
        f'<th scope="colgroup" colspan="2">{e(c["column_group"])}</th></tr>',
        f'<tr><th scope="col"{num}>n/N</th><th scope="col"{num}>%</th></tr>',
        "</thead>",
        "<tbody>",
    ]
    for item in c["rows"]:
        if item[0] == "heading":
            out.append(f'<tr class="section"><th scope="rowgroup" colspan="3" style="text-align:left">{e(item[1])}</th></tr>')
            continue
        _, label, value, percent, mark, indented = item
        style = ' style="padding-left:1.5em"' if indented else ""
        sup = f"<sup>{e(mark)}</sup>" if mark else ""
        out.append(f"<tr><td{style}>{e(label)}</td><td{num}>{e(value)}{sup}</td><td{num}>{e(percent)}</td></tr>")
    out.append("</tbody>")
    foot = [f"<sup>{e(mark)}</sup> {e(note)}" for mark, note in c["marked_notes"]]
    if c["note"]:
        foot.append(e(c["note"]))
    if foot:
        out.append("<tfoot>")
        out += [f'<tr><td colspan="3">{text}</td></tr>' for text in foot]
        out.append("</tfoot>")
    out.append("</table>")
    return "\n".join(out) + "\n"
