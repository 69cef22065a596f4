"""Published against reproduced, number by number (output contract: ``audit.csv``).

:func:`reproduced_values` flattens the computed tables into ``key, value`` rows under the
keys of ``painreview/data/published.csv`` (a table cell is
``table1.<variable>.<level>.<field>``; results.csv rows keep their keys).
:func:`audit` gives one row per published occurrence, in paper order:

- ``match``: the reproduced value, rounded at the printed decimals, is the printed value
  (rounding convention of :mod:`painreview.consistency`: half away from zero as Stata
  rounds, exact decimal arithmetic; a half-to-even result is also accepted at an exact
  half); a printed bound (``P<0.001``, stored as 0.001 with an "upper bound" note) is
  matched by a reproduced value strictly beyond it;
- ``paper_inconsistent``: the printed value fails a check of the paper against itself
  (:func:`painreview.consistency.check_paper`); the note says what disagrees and whether
  the reproduced value matches the printed value or the printed fraction. A slip of the
  paper is reported as such whatever the data say;
- ``mismatch``: otherwise, with the difference (reproduced − printed); a published key
  with no reproduced value is a mismatch "not reproduced".

``audit.csv`` has no location column (output contract), so each note starts with the
location of the printed number.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from painreview import consistency as cons

AUDIT_COLUMNS = ["key", "published", "reproduced", "status", "note"]
MATCH, MISMATCH, PAPER_INCONSISTENT = "match", "mismatch", "paper_inconsistent"
STATUSES = (PAPER_INCONSISTENT, MISMATCH, MATCH)
TABLE_NAMES = ("table1", "table2")
TABLE_FIELDS = ("n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed")


def _level(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def reproduced_values(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``key, value`` of every computed number the paper may print: each non-empty field of
    each row of ``tables["table1"]`` / ``["table2"]`` as ``<table>.<variable>.<level>.<field>``
    (level empty for a continuous row), then ``tables["results"]`` rows as they are."""
    keys: list[str] = []
    values: list[float] = []
    for name in TABLE_NAMES:
        table = tables.get(name)
        if table is None:
            continue
        for rec in table.to_dict("records"):
            for field in TABLE_FIELDS:
                value = pd.to_numeric(pd.Series([rec.get(field)]), errors="coerce").iloc[0]
                if pd.isna(value):
                    continue
                keys.append(f"{name}.{rec['variable']}.{_level(rec.get('level'))}.{field}")
                values.append(float(value))
    results = tables.get("results")
    if results is not None:
        keys += [str(k) for k in results["key"]]
        values += pd.to_numeric(results["value"], errors="coerce").astype(float).tolist()
    return pd.DataFrame({"key": keys, "value": pd.Series(values, dtype="float64")})


def format_value(value) -> str:
    """A reproduced value as text: an integral value without decimals, else the float's
    shortest repr (full precision), missing as an empty string."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _difference(x: Fraction, printed: Fraction, decimals: int) -> str:
    d = x - printed
    text = cons.show(abs(d), decimals + 2)
    return ("+" if d >= 0 else "−") + text


def _compare(o: cons.Occurrence, x: Fraction) -> tuple[bool, str]:
    """Does ``x`` reproduce the printed occurrence ``o``? and a note saying how."""
    if o.bound == "upper":
        ok = x < o.value
        return ok, f"reproduced {cons.show(x, 4)} {'<' if ok else '≥'} {o.text}"
    if o.bound == "lower":
        ok = x > o.value
        return ok, f"reproduced {cons.show(x, 4)} {'>' if ok else '≤'} {o.text}"
    convention = cons.rounding_convention(x, o.value, o.decimals)
    rounded = cons.round_half_away(x, o.decimals)
    if convention is not None and x == o.value:
        return True, "reproduced exactly"
    if convention == "half away from zero":
        return True, f"reproduced {cons.show(x, o.decimals + 2)} rounds to {o.text}"
    if convention == "half to even":
        return True, f"reproduced {cons.show(x, o.decimals + 2)} rounds to {o.text} (an exact half, half to even; accepted)"
    return False, (f"reproduced {cons.show(x, o.decimals + 2)} rounds to {rounded} at {o.decimals} dp, "
                   f"printed {o.text}: difference {_difference(x, o.value, o.decimals)}")


def _against_fraction(paper: cons.Paper, o: cons.Occurrence, x: Fraction) -> str:
    fraction = paper.fraction(o)
    if fraction is None or fraction[1] == 0 or o.bound:
        return ""
    n, N = fraction
    expected = cons.round_half_away(100 * n / N, o.decimals)
    if cons.rounds_to(x, expected, o.decimals):
        return f"reproduced {cons.show(x, o.decimals + 1)} matches the printed fraction ({expected})"
    return f"reproduced {cons.show(x, o.decimals + 1)} does not match the printed fraction ({expected}) either"


def audit(published: pd.DataFrame, reproduced: pd.DataFrame, paper_checks: pd.DataFrame) -> pd.DataFrame:
    """One row per published occurrence, in the order of ``published``: key, published
    (as printed), reproduced (full precision), status, note (see the module docstring)."""
    values: dict[str, float] = {}
    for key, value in zip(reproduced["key"], reproduced["value"]):
        values.setdefault(str(key), value)
    failed: dict[tuple[str, str], list[str]] = {}
    slipped = paper_checks[paper_checks["status"] == cons.SLIP]
    for key, location, note in zip(slipped["key"], slipped["location"], slipped["note"]):
        failed.setdefault((str(key), str(location)), []).append(str(note))
    rows = []
    paper = cons.Paper(cons.occurrences(published))
    for o in paper.occ:
        raw = values.get(o.key)
        missing = raw is None or pd.isna(raw) or not math.isfinite(float(raw))
        x = None if missing else cons.exact(float(raw))
        slips = failed.get((o.key, o.location), [])
        where = o.location or "(no location)"
        if o.value is None:
            status, note = MISMATCH, f"{where}: published value {o.text!r} is not a number"
        elif slips:
            status = PAPER_INCONSISTENT
            if x is None:
                verdict = "not reproduced"
            else:
                ok, how = _compare(o, x)
                verdict = ("reproduced matches the printed value" if ok else how)
                fraction_note = _against_fraction(paper, o, x)
                if fraction_note and not ok:
                    verdict = fraction_note
            note = f"{where}: paper: " + "; ".join(slips) + f"; {verdict}"
        elif x is None:
            status, note = MISMATCH, f"{where}: not reproduced"
        else:
            ok, how = _compare(o, x)
            status, note = (MATCH if ok else MISMATCH), f"{where}: {how}"
        rows.append({"key": o.key, "published": o.text, "reproduced": "" if missing else format_value(raw),
                     "status": status, "note": note})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_tables(tables: dict[str, pd.DataFrame], published: pd.DataFrame,
                 paper_checks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The audit of a run's tables (table1, table2, results) against the published values;
    the paper's checks against itself are computed when not given."""
    checks = cons.check_paper(published) if paper_checks is None else paper_checks
    return audit(published, reproduced_values(tables), checks)


#: The tables of a run the audit compares with the paper.
AUDITED_TABLES = ("table1", "table2", "results")


def status_counts(audit_table: pd.DataFrame) -> dict[str, int]:
    """Rows per status, every status present (zeros kept), disagreements first."""
    counts = audit_table["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def summary_line(audit_table: pd.DataFrame) -> str:
    """``"audit: 180 published numbers: 177 match, 0 mismatch, 3 paper_inconsistent"``."""
    c = status_counts(audit_table)
    return (f"audit: {len(audit_table)} published numbers: {c[MATCH]} match, {c[MISMATCH]} mismatch, "
            f"{c[PAPER_INCONSISTENT]} paper_inconsistent")


def disagreements_first(audit_table: pd.DataFrame) -> pd.DataFrame:
    """The audit with paper_inconsistent rows, then mismatches, then matches; paper order
    kept within each status (a stable sort)."""
    rank = {s: i for i, s in enumerate(STATUSES)}
    order = audit_table["status"].map(rank).fillna(len(rank))
    return audit_table.iloc[order.argsort(kind="stable")].reset_index(drop=True)
