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

- ``protected`` (only when the run's disclosure control is on, ``SDC=on``): the value
  was changed by disclosure control, not by the data: withheld (``[REDACTED]``), a count
  rounded as the rule rounds the printed count (within the rounding of its parts for a
  total or difference), a percentage recomputed from protected counts, or a p-value
  released as ``<0.01``. Counted apart from ``mismatch``. Under SDC the audit shows a
  printed count as the rule releases a count (its ``published`` cell: 59 → 60, 7 →
  ``[REDACTED]``), so it prints no count of 1 to 7 and none off a multiple of 5, and its
  notes quote no printed count.

``audit.csv`` has no location column (output contract), so each note starts with the
location of the printed number.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import pandas as pd

from painreview import consistency as cons

AUDIT_COLUMNS = ["key", "published", "reproduced", "status", "note"]
MATCH, MISMATCH, PAPER_INCONSISTENT, PROTECTED = "match", "mismatch", "paper_inconsistent", "protected"
STATUSES = (MATCH, MISMATCH, PAPER_INCONSISTENT, PROTECTED)
STATUSES = (PAPER_INCONSISTENT, MISMATCH, MATCH)
"""The statuses of every audit, disagreements first; ``protected`` comes after them, only
under disclosure control."""
ALL_STATUSES = (PAPER_INCONSISTENT, MISMATCH, PROTECTED, MATCH)
TABLE_NAMES = ("table1", "table2")
TABLE_FIELDS = ("n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed")


def _level(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _audited_cells(tables: dict[str, pd.DataFrame]):
    """``(key, value)`` of every audited cell as written: each field of each row of
    ``tables["table1"]`` / ``["table2"]`` as ``<table>.<variable>.<level>.<field>`` (level
    empty for a continuous row), then ``tables["results"]`` rows as they are."""
    for name in TABLE_NAMES:
        table = tables.get(name)
        if table is None:
            continue
        for rec in table.to_dict("records"):
            for field in TABLE_FIELDS:
                yield f"{name}.{rec['variable']}.{_level(rec.get('level'))}.{field}", rec.get(field)
    results = tables.get("results")
    if results is not None:
        yield from ((str(key), value) for key, value in zip(results["key"], results["value"]))


def reproduced_values(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``key, value`` of every computed number the paper may print (:func:`_audited_cells`
    that hold a number; a results row is kept even when it holds none)."""
    keys: list[str] = []
    values: list[float] = []
    results = {str(k) for k in tables["results"]["key"]} if tables.get("results") is not None else set()
    for key, raw in _audited_cells(tables):
        value = pd.to_numeric(pd.Series([raw]), errors="coerce").astype(float).iloc[0]
        if pd.isna(value) and key not in results:
            continue
        keys.append(key)
        values.append(float(value))
    return pd.DataFrame({"key": keys, "value": pd.Series(values, dtype="float64")})


def released_texts(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """key → text of every audited cell that disclosure control released as text
    (``[REDACTED]``, ``<0.001``): the keys of :func:`reproduced_values`, which has no
    number for them."""
    texts: dict[str, str] = {}
    for key, value in _audited_cells(tables):
        if isinstance(value, str) and value.strip():
            try:
                float(value)
            except ValueError:
                texts.setdefault(key, value.strip())
    return texts


def key_kind(key: str) -> str:
    """``count``, ``percent``, ``statistic``, ``p_value`` or ``z`` of a published key: a
    table cell by its field, a results key by ``result_keys.csv`` (unknown: statistic)."""
    parts = key.split(".")
    if parts[0] in TABLE_NAMES and len(parts) == 4:
        field = parts[3]
        return "count" if field in ("n", "N", "diagnosed") else "percent" if field == "percent" else "statistic"
    return _result_keys()[0].get(key, "statistic")


@functools.lru_cache(maxsize=1)
def _result_keys() -> tuple[dict[str, str], dict[str, str]]:
    """(key → kind, key → derived_from) of ``result_keys.csv``, read once."""
    from painreview.sdc import result_keys

    keys = result_keys()
    return dict(zip(keys["key"], keys["kind"])), dict(zip(keys["key"], keys["derived_from"]))


def _derived_terms(key: str) -> int:
    """How many protected counts a results count is computed from under SDC (1: its own)."""
    expression = _result_keys()[1].get(key, "")
    return max(1, len(expression.split()[::2])) if expression else 1


def _released_published(o: cons.Occurrence) -> str:
    """The printed value as an SDC run's audit shows it: a printed count as the rule
    releases a count (59 → 60, 7 → ``[REDACTED]``), so that the audit prints no count of
    1 to 7 and none off a multiple of 5; any other value as printed."""
    from painreview.sdc import protect_count

    if o.bound:  # P<0.001 is stored as 0.001, an upper bound: shown as printed
        return ("<" if o.bound == "upper" else ">") + o.text
    if key_kind(o.key) != "count" or o.value is None or o.value != int(o.value) or o.value < 0:
        return o.text
    return str(protect_count(int(o.value)))


def _protected(o: cons.Occurrence, x: Fraction | None, text: str | None) -> tuple[str, str] | None:
    """(status, note) when disclosure control explains why ``x`` / ``text`` differs from the
    printed value; None when it does not (then the value is a mismatch)."""
    from painreview import sdc

    kind = key_kind(o.key)
    if text is not None:
        if sdc.is_redacted(text):
            return PROTECTED, "withheld by disclosure control"
        if text in sdc.P_TEXTS and kind == "p_value":
            limit = Fraction(text[1:])
            if o.bound == "upper" and limit <= o.value:
                return MATCH, f"released {text}, within the printed bound {o.text}"
            return PROTECTED, f"released as {text} by disclosure control"
        return None
    if x is None or o.value is None:
        return None
    if kind == "count":
        terms = _derived_terms(o.key)
        whole = o.value == int(o.value)
        if terms == 1 and whole and sdc.protect_count(int(o.value)) == x:
            return PROTECTED, "count rounded by disclosure control (the printed count rounds to it)"
        if terms > 1 and abs(x - o.value) <= (sdc.SMALL + 2) * terms:
            return PROTECTED, f"count computed by disclosure control from {terms} protected counts"
        return None
    if kind == "percent":
        return PROTECTED, "percentage recomputed from counts protected by disclosure control"
    return None


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


def audit(published: pd.DataFrame, reproduced: pd.DataFrame, paper_checks: pd.DataFrame,
          sdc: bool = False, texts: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per published occurrence, in the order of ``published``: key, published
    (as printed), reproduced (full precision), status, note (see the module docstring).

    ``sdc``: the run's disclosure control was on, so values it changed are ``protected``;
    ``texts``: the released text cells (:func:`released_texts`)."""
    if sdc:
        return _audit_protected(published, reproduced, paper_checks, texts or {})
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


def _audit_protected(published: pd.DataFrame, reproduced: pd.DataFrame, paper_checks: pd.DataFrame,
                     texts: dict[str, str]) -> pd.DataFrame:
    """The audit of a run under disclosure control (``protected`` status; no printed count
    of 1 to 7 and no quoted printed count in the notes)."""
    from painreview.sdc import REDACTED

    values: dict[str, float] = {}
    for key, value in zip(reproduced["key"], reproduced["value"]):
        values.setdefault(str(key), value)
    slipped = paper_checks[paper_checks["status"] == cons.SLIP]
    failed = {(str(k), str(loc)) for k, loc in zip(slipped["key"], slipped["location"])}
    rows = []
    for o in cons.Paper(cons.occurrences(published)).occ:
        raw = values.get(o.key)
        missing = raw is None or pd.isna(raw) or not math.isfinite(float(raw))
        x = None if missing else cons.exact(float(raw))
        text = texts.get(o.key)
        where = o.location or "(no location)"
        shown = "" if missing else format_value(raw)
        if text is not None:
            shown = text
        if o.value is None:
            status, note = MISMATCH, f"{where}: published value is not a number"
        elif (o.key, o.location) in failed:
            status, note = PAPER_INCONSISTENT, (f"{where}: the paper fails a check against itself here "
                                                "(its audit without disclosure control says which)")
        elif x is not None and _compare(o, x)[0]:
            status, note = MATCH, f"{where}: reproduced at the printed precision"
        else:
            verdict = _protected(o, x, text)
            if verdict is None:
                status, note = MISMATCH, (f"{where}: not reproduced" if x is None and text is None else
                                          f"{where}: released {shown} is not what disclosure control makes "
                                          "of the printed value")
            else:
                status, note = verdict[0], f"{where}: {verdict[1]}"
        rows.append({"key": o.key, "published": _released_published(o),
                     "reproduced": shown, "status": status, "note": note})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_tables(tables: dict[str, pd.DataFrame], published: pd.DataFrame,
                 paper_checks: pd.DataFrame | None = None, sdc: object = False) -> pd.DataFrame:
    """The audit of a run's tables (table1, table2, results) against the published values;
    the paper's checks against itself are computed when not given. ``sdc``: the run's
    disclosure-control option (``on``/``off``, see :func:`painreview.sdc.is_on`)."""
    from painreview.sdc import is_on

    checks = cons.check_paper(published) if paper_checks is None else paper_checks
    on = is_on(sdc)
    return audit(published, reproduced_values(tables), checks, sdc=on,
                 texts=released_texts(tables) if on else None)


#: The tables of a run the audit compares with the paper.
AUDITED_TABLES = ("table1", "table2", "results")


def status_counts(audit_table: pd.DataFrame) -> dict[str, int]:
    """Rows per status, every status of :data:`STATUSES` present (zeros kept), disagreements
    first; ``protected`` after the disagreements when any row has it."""
    counts = audit_table["status"].value_counts()
    present = [s for s in ALL_STATUSES if s in STATUSES or counts.get(s, 0)]
    return {s: int(counts.get(s, 0)) for s in present}


def summary_line(audit_table: pd.DataFrame) -> str:
    """``"audit: 180 published numbers: 177 match, 0 mismatch, 3 paper_inconsistent"``, and
    ``, 150 protected`` when disclosure control changed values."""
    c = status_counts(audit_table)
    protected = f", {c[PROTECTED]} protected" if c.get(PROTECTED) else ""
    return (f"audit: {len(audit_table)} published numbers: {c[MATCH]} match, {c[MISMATCH]} mismatch, "
            f"{c[PAPER_INCONSISTENT]} paper_inconsistent{protected}")


def disagreements_first(audit_table: pd.DataFrame) -> pd.DataFrame:
    """The audit with paper_inconsistent rows, then mismatches, then matches; paper order
    kept within each status (a stable sort)."""
    rank = {s: i for i, s in enumerate(ALL_STATUSES)}
    order = audit_table["status"].map(rank).fillna(len(rank))
    return audit_table.iloc[order.argsort(kind="stable")].reset_index(drop=True)
