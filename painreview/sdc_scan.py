"""Scan what a run released under ``SDC=on``: every file, for anything disclosive.

:func:`scan_release` reads every file a run writes under its output root — the tables
(``tables/*.csv``, ``*.md``, ``*.html``), the text of the figures (``figures/*.svg``: the
text of each label, which matplotlib writes as a comment beside its glyph outlines, and
the ids of the drawn elements), the executed notebooks (``notebooks/*.ipynb``: their
text outputs and parameters), ``report.html`` and ``manifest.json`` — and lists every
place that shows

- a count of 1 to 7, or a count that is not 0 or a multiple of 5 (the rule of
  ``painreview.sdc``; OpenSAFELY "Redacting counts less than or equal to 7", "Rounding
  counts");
- a minimum or a maximum, or an individual's value (a point or a paired line of a
  figure; OpenSAFELY "Redacting maximum or minimum values");
- a statistic at more than its released precision, a z, or an exact p-value (issue #10:
  they give back the exact n);
- a patient id or a date of the data (each value of every ``patient_id`` column and
  every ISO date of the data), or the data folder's absolute path.

Counts are found where the package's outputs print them: the count cells of each output
shape (docs/outputs.md), the keys of ``results.csv`` by their kind
(``result_keys.csv``), ``n/N`` cells, ``n = 35`` labels and ``12 diagnosed.`` footnotes,
in every format. A file in the output root that the scan has no rule for is reported,
not skipped (PNG images are the pictures of the scanned SVGs and are not read). An empty
list means the mechanical checks hold; the output checker still reviews the release
(docs/disclosure-control.md).
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from painreview import sdc
from painreview.audit import STATUSES

TABLE_FRAMES = ("table1", "table2", "outcomes", "results", "thematic_tallies", "estimates", "sensitivity")
PICTURES = (".png",)

_TOKEN = r"(\[REDACTED\]|-?\d+(?:\.\d+)?(?:e-?\d+)?)"
FRACTION = re.compile(r"(?<![\w./:-])(\[REDACTED\]|\d+)/(\[REDACTED\]|\d+)(?![\w/.-])")
N_EQUALS = re.compile(r"(?<![\w])[nN] = " + _TOKEN)
DIAGNOSED = re.compile(r"(?<![\w.])(\[REDACTED\]|\d+) diagnosed\b")
Z_EQUALS = re.compile(r"(?<![\w])z = " + _TOKEN)
P_EQUALS = re.compile(r"(?<![\w])P = (\[REDACTED\]|<0\.01|<0\.001|-?\d+(?:\.\d+)?(?:e-?\d+)?)")
MEDIAN_IQR = re.compile(r"Median (-?\d+(?:\.\d+)?)[^(\n]*\n?\s*\(IQR (-?\d+(?:\.\d+)?) to (-?\d+(?:\.\d+)?)\)")
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
SVG_COMMENT = re.compile(r"<!-- (.*?) -->", re.S)
SVG_ID = re.compile(r'\bid="([^"]+)"')
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ------------------------------------------------------------------------------ cells


def _cell(text: object) -> object:
    """A printed cell as the rule sees it: missing, ``[REDACTED]``, a released text, or a number."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if not isinstance(text, str):
        return text
    t = text.strip()
    if t in ("", "NaN", "nan", "None", "<NA>", "—"):
        return None
    try:
        return float(t)
    except ValueError:
        return t


def count_problem(text: object) -> str | None:
    """Why a printed count breaks the rule (1–7, not a multiple of 5, not a number), or None."""
    return sdc._count_problem(_cell(text))


def value_problem(key: str, text: object) -> str | None:
    """Why the printed value of a published or results ``key`` breaks the rule, or None.

    The key's kind (``painreview.audit.key_kind``) says what it is: a count, a
    percentage, a statistic (released at ``sdc_precision.csv``'s precision), a p-value
    (``<0.001``, ``<0.01`` or two decimals from 0.01) or a z (always withheld).
    """
    from painreview.audit import key_kind

    value = _cell(text)
    if value is None or sdc.is_redacted(value):
        return None
    kind = key_kind(key)
    if kind == "count":
        return sdc._count_problem(value)
    parts = key.split(".")
    output, field = ("table", parts[3]) if len(parts) == 4 and parts[0] in ("table1", "table2") else ("results", key)
    try:
        rule, decimals = sdc._rule(output, field, kind if output == "results" else None)
    except ValueError as exc:
        return str(exc)
    if rule == "withhold":
        return f"is shown; a {kind} is always withheld"
    if isinstance(value, str):
        return None if rule == "p_value" and value in sdc.P_TEXTS else f"{value!r} is not a released value"
    if rule == "p_value" and value < 0.01:
        return f"p-value {value!r} is below 0.01 (released as {' or '.join(sdc.P_TEXTS)})"
    if sdc._excess_precision(value, decimals or 0):
        return f"{value!r} has more than {decimals or 0} decimals"
    return None


def statistic_problem(field: str, text: object, output: str = "outcomes") -> str | None:
    """A summary statistic of a table or the outcomes printed beyond its released precision."""
    value = _cell(text)
    if value is None or isinstance(value, str):
        return None
    rule, decimals = sdc._rule(output, field)
    return f"{value!r} has more than {decimals or 0} decimals" if sdc._excess_precision(value, decimals or 0) else None


# ---------------------------------------------------------------------- text patterns


def text_problems(text: str) -> list[str]:
    """Counts, z and P values printed in running text (labels, footnotes, n/N cells)."""
    problems = []
    for m in FRACTION.finditer(text):
        for part in m.groups():
            why = count_problem(part)
            if why:
                problems.append(f"{m.group(0)!r}: {part} {why}")
    for pattern, what in ((N_EQUALS, "n ="), (DIAGNOSED, "diagnosed")):
        for m in pattern.finditer(text):
            why = count_problem(m.group(1))
            if why:
                problems.append(f"{m.group(0)!r}: {what} {m.group(1)} {why}")
    for m in MEDIAN_IQR.finditer(text):  # a figure's "Median 13.5 (IQR 10.5 to 18.5)"
        for field, value in zip(("median", "p25", "p75"), m.groups()):
            why = statistic_problem(field, value)
            if why:
                problems.append(f"{' '.join(m.group(0).split())!r}: {field} {why}")
    for m in Z_EQUALS.finditer(text):
        if not sdc.is_redacted(m.group(1)):
            problems.append(f"{m.group(0)!r}: a z is always withheld")
    for m in P_EQUALS.finditer(text):
        why = value_problem("dose_wilcoxon_p", m.group(1))
        if why:
            problems.append(f"{m.group(0)!r}: {why}")
    return problems


# ------------------------------------------------------------------ printed frames


_KINDS: dict[str, str] = {}


def _results_kinds() -> dict[str, str]:
    if not _KINDS:
        keys = sdc.result_keys()
        _KINDS.update(zip(keys["key"], keys["kind"]))
    return _KINDS


HEADERS = {
    ("key", "label", "n"): "flow",
    ("key", "value"): "results",
    sdc.OUTCOMES_COLUMNS: "outcomes",
    sdc.TALLIES_COLUMNS: "thematic_tallies",
    ("key", "published", "reproduced", "status", "note"): "audit",
}


def row_problems(shape: str, cells: list[str]) -> list[str]:
    """Problems of one printed row of an output shape, its cells in the shape's columns
    (``flow``/``results``: key … value last; ``outcomes``; ``thematic_tallies``:
    counts last; ``audit``: key, published, reproduced, …)."""
    problems = []
    if not cells:
        return problems
    if shape in ("flow", "results"):
        why = value_problem(cells[0], cells[-1])
        if why:
            problems.append(f"{cells[0]} = {cells[-1]}: {why}")
    elif shape == "outcomes" and len(cells) >= len(sdc.OUTCOMES_COLUMNS):
        named = dict(zip(sdc.OUTCOMES_COLUMNS, cells))
        where = f"{named['measure']}/{named['timepoint']}"
        why = count_problem(named["n"])
        if why:
            problems.append(f"{where}: n = {named['n']} {why}")
        for col in sdc.EXTREMES:
            if _cell(named[col]) is not None and not sdc.is_redacted(_cell(named[col])):
                problems.append(f"{where}: {col} = {named[col]} shown (an individual's value)")
        for family in sdc.OUTCOMES_STAT_FAMILIES:
            for col in family:
                why = statistic_problem(col, named[col])
                if why:
                    problems.append(f"{where}: {col} = {named[col]}: {why}")
    elif shape == "thematic_tallies":
        for text in cells[-2:]:
            why = count_problem(text)
            if why:
                problems.append(f"{' '.join(cells[:3])}: {text} {why}")
    elif shape == "audit" and len(cells) >= 3:
        published = cells[1]
        if isinstance(published, str) and published[:1] in "<>" and published not in sdc.P_TEXTS:
            published = published[1:]  # a printed bound (">40 %"): its number is checked
        reproduced = cells[2]
        if reproduced in STATUSES:  # to_string printed an empty reproduced cell: the status came third
            reproduced = ""
        for col, text in (("published", published), ("reproduced", reproduced)):
            why = value_problem(cells[0], text)
            if why:
                problems.append(f"{cells[0]} {col} {text}: {why}")
    return problems


def _fits(shape: str, tokens: list[str]) -> bool:
    """Is a printed line a row of ``shape``? (its first cell a key of that shape, and as
    many cells as the shape has where no cell holds blanks)."""
    if shape in ("flow", "results", "audit"):
        return tokens[0] in _results_kinds() or tokens[0].split(".")[0] in ("table1", "table2")
    if shape == "outcomes":
        return len(tokens) == len(sdc.OUTCOMES_COLUMNS)
    if shape == "thematic_tallies":  # a theme's own rows print an empty code
        return len(tokens) in (len(sdc.TALLIES_COLUMNS), len(sdc.TALLIES_COLUMNS) - 1)
    return False


def printed_frame_problems(text: str) -> list[str]:
    """Problems in frames printed with ``DataFrame.to_string`` (a notebook's output): a
    header line of an output shape starts its rows, a line of another form ends them."""
    problems = []
    shape = None
    for line in text.splitlines():
        tokens = line.split()
        header = HEADERS.get(tuple(tokens))
        if header:
            shape = header
            continue
        if not tokens:
            shape = None
            continue
        if shape and not _fits(shape, tokens):
            shape = None  # a line of another form (a file name, a sentence) ends the rows
        if shape == "audit":  # key published reproduced status note…: the note has blanks
            problems += row_problems(shape, tokens[:3])
        elif shape:
            problems += row_problems(shape, tokens)
    return problems


# ------------------------------------------------------------------------ HTML tables


class _Tables(HTMLParser):
    """The cell texts of every ``<table>`` of an HTML document, by table id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._stack: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._stack.append((attrs.get("id") or attrs.get("class") or "", []))
        elif tag == "tr" and self._stack:
            self._stack[-1][1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack and self._stack[-1][1]:
            self._stack[-1][1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_problems(text: str) -> list[str]:
    """Problems of an HTML document: its running text, and the report's tables by id."""
    text = DATA_URI.sub("data:", text)
    parser = _Tables()
    parser.feed(text)
    problems = text_problems(re.sub(r"<[^>]+>", " ", text).replace("&lt;", "<").replace("&gt;", ">"))
    for table_id, rows in parser.tables:
        body = [r for r in rows if r and not all(c == "" for c in r)]
        if table_id == "results_table":
            for cells in body[1:]:
                problems += row_problems("results", cells[:2])
        elif table_id == "outcomes":
            for cells in body[1:]:
                problems += row_problems("outcomes", cells)
        elif table_id == "thematic_tallies":
            for cells in body[1:]:
                for c in cells[1:]:
                    why = count_problem(c)
                    if why:
                        problems.append(f"thematic tallies {cells[0]}: {c} {why}")
        elif table_id in ("audit", "audit_matches"):
            for cells in body[1:]:
                if len(cells) >= 4:
                    problems += row_problems("audit", [cells[1], cells[2], cells[3]])
    return problems


# ---------------------------------------------------------------------------- files


def _csv_problems(path: Path) -> list[str]:
    from painreview.outputs import read_table

    from painreview.render import cell

    name = path.stem
    frame = read_table(path)
    if name in TABLE_FRAMES:
        text_columns = ("section", "variable", "level", "label", "key", "measure", "timepoint", "theme", "code", "role",
                        "hl_method", "result", "kind", "setting", "paper_choice", "alternative")
        for col in frame.columns:
            if col not in text_columns:  # a column with [REDACTED] is read back as text
                frame[col] = pd.Series([cell(v) for v in frame[col]], index=frame.index, dtype=object)
        return sdc.disclosure_problems({name: frame})
    if name == "audit":
        return [p for rec in frame.to_dict("records")
                for p in row_problems("audit", [str(rec.get("key")), rec.get("published"), rec.get("reproduced")])]
    return [f"no disclosure rule for {path.name}, so it was not checked"]


def _svg_problems(text: str) -> list[str]:
    labels = "\n".join(m.group(1) for m in SVG_COMMENT.finditer(text)).replace("&lt;", "<").replace("&gt;", ">")
    problems = text_problems(labels)
    for gid in sorted(set(SVG_ID.findall(text))):
        if gid.endswith("-points") or gid.startswith("pair-"):
            problems.append(f"element {gid!r}: individual values drawn")
    if "minimum to maximum" in labels.replace("\n", " "):
        problems.append("the figure says its whiskers run from the minimum to the maximum")
    return problems


def _notebook_problems(text: str) -> list[str]:
    nb = json.loads(text)
    problems = []
    for i, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            parts = []
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            for media, content in (output.get("data") or {}).items():
                if media.startswith("text/") and media != "text/html":
                    parts.append(content)
                elif media == "text/html":
                    problems += [f"cell {i}: {p}" for p in html_problems(_join(content))]
                elif media == "image/svg+xml":
                    problems += [f"cell {i}: {p}" for p in _svg_problems(_join(content))]
            for part in parts:
                part = _join(part)
                problems += [f"cell {i}: {p}" for p in text_problems(part) + printed_frame_problems(part)]
    return problems


def _join(content) -> str:
    return "".join(content) if isinstance(content, list) else str(content)


def _manifest_problems(text: str) -> list[str]:
    manifest = json.loads(text)
    data = (manifest.get("run") or {}).get("data_dir")
    if isinstance(data, str) and ("/" in data or "\\" in data):
        return [f"run.data_dir {data!r} is a path; under SDC only the folder's name is released"]
    return []


def secrets(data_dir: str | Path) -> tuple[set[str], set[str]]:
    """(patient ids, ISO dates) of the data: every value of a ``patient_id`` column and
    every cell of the data that is an ISO date."""
    ids: set[str] = set()
    dates: set[str] = set()
    for path in sorted(Path(data_dir).glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in frame.columns:
            values = {v.strip() for v in frame[col] if v.strip()}
            if col == "patient_id":
                ids |= values
            dates |= {v for v in values if ISO_DATE.match(v)}
    return ids, dates


def _secret_problems(text: str, ids: set[str], dates: set[str], data_path: str) -> list[str]:
    problems = []
    if data_path and data_path in text:
        problems.append(f"the data folder's path {data_path} (release its name only)")
    for label, values in (("patient id", ids), ("data date", dates)):
        if not values:
            continue
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(values, key=len, reverse=True)))
                             + r")(?![\w-])")
        found = sorted(set(pattern.findall(text)))
        if found:
            problems.append(f"{label}{'s' if len(found) > 1 else ''} {', '.join(found[:5])}"
                            + (f" and {len(found) - 5} more" if len(found) > 5 else ""))
    return problems


def released_files(out_dir: str | Path) -> list[Path]:
    """Every file a run writes under ``out_dir``: tables/, figures/, notebooks/ (recursive),
    report.html and manifest.json; sorted."""
    out_dir = Path(out_dir)
    found = [p for sub in ("tables", "figures", "notebooks") if (out_dir / sub).is_dir()
             for p in (out_dir / sub).rglob("*") if p.is_file()]
    found += [out_dir / name for name in ("report.html", "manifest.json") if (out_dir / name).is_file()]
    return sorted(found, key=lambda p: p.relative_to(out_dir).as_posix())


def scan_file(path: Path, ids: set[str] = frozenset(), dates: set[str] = frozenset(),
              data_path: str = "") -> list[str]:
    """Problems of one released file (without its name)."""
    suffix = path.suffix.lower()
    if suffix in PICTURES:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        return [f"cannot be read as text, so it was not checked ({type(exc).__name__})"]
    if suffix == ".csv":
        problems = _csv_problems(path)
    elif suffix == ".md":
        problems = text_problems(text)
    elif suffix == ".html":
        problems = html_problems(text)
    elif suffix == ".svg":
        problems = _svg_problems(text)
    elif suffix == ".ipynb":
        problems = _notebook_problems(text)
    elif suffix == ".json":
        problems = _manifest_problems(text)
    else:
        problems = [f"no disclosure rule for a {suffix or 'suffix-less'} file, so it was not checked"]
    scanned = DATA_URI.sub("data:", text)
    if suffix == ".svg":
        scanned = "\n".join(m.group(1) for m in SVG_COMMENT.finditer(text))
    return problems + _secret_problems(scanned, set(ids), set(dates), data_path)


def scan_release(out_dir: str | Path, data_dir: str | Path) -> list[str]:
    """Every disclosive thing in the files a run wrote into ``out_dir`` from ``data_dir``,
    one ``<path relative to out_dir>: <what>`` line each (empty: the release passes)."""
    out_dir = Path(out_dir)
    ids, dates = secrets(data_dir)
    data_path = str(Path(data_dir).resolve())
    problems = []
    for path in released_files(out_dir):
        rel = path.relative_to(out_dir).as_posix()
        problems += [f"{rel}: {p}" for p in scan_file(path, ids, dates, data_path)]
    return problems
