"""Statistical disclosure control (SDC) for outputs that leave a secure setting.

The rule is OpenSAFELY's output-checking rule (OpenSAFELY documentation, "Safe Outputs"
— https://docs.opensafely.org/releasing-files/, sections "Redacting counts less than or
equal to 7" and "Rounding counts"); ``docs/disclosure-control.md`` explains every choice:

- a count of 1 to 7 is redacted, a count of 0 is kept, every other count is rounded to
  the nearest multiple of 5 (each count on its own);
- a count that the outputs present as a total or a difference of other counts
  (``derived_from`` in ``painreview/data/result_keys.csv``; the ``all`` rows of the
  thematic tallies) is computed from their protected values, never from its own true
  value: a total is the sum of the parts shown, a difference below 10 is redacted;
- a percentage is recomputed from the protected numerator and denominator;
- a summary statistic of a group of 7 or fewer is withheld; a minimum or maximum is
  always withheld;
- every statistic that is released is rounded to the precision the paper prints
  (``painreview/data/sdc_precision.csv``), so that no exact n can be solved from a mean
  and SD; a p-value is released as the paper prints it (``<0.001``) or at two decimals,
  and a z is withheld;
- a diagnosed count that rounds to its n without being equal to it is withheld, so that
  "All diagnosed" is printed only when it is true.

A withheld cell holds the text ``[REDACTED]`` (so the column becomes text, dtype
object); a rounded count is a Python ``int``. Every function returns a new frame and
leaves its input alone. SDC is an option of the whole run (``SDC=on``), off by default
so that the paper is reproduced as printed.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping

import pandas as pd

from painreview.reference import read_reference
from painreview.rounding import round_half_away

REDACTED = "[REDACTED]"
"""The mark of a withheld cell (OpenSAFELY: "By convention redactions take the form
[REDACTED] to make redacted elements easier to search for")."""

SMALL = 7
"""Counts and groups of this size or fewer are disclosive (OpenSAFELY: "any statistic
describing 7 or fewer patients ... should be redacted")."""

BASE = 5
"""Counts are rounded to the nearest multiple of this (OpenSAFELY: "round any counts to
the nearest 5", after redacting counts <= 7)."""

KINDS = ("count", "percent", "statistic", "p_value", "z")

P_FLOOR = 0.001
"""A p-value below this is released as the text ``<0.001``, as the paper prints it
("P<0.001", Abstract, Results and Figure 2)."""
P_BELOW = "<0.001"
P_TEXTS = (P_BELOW, "<0.01")
"""The texts a released p-value may be: below 0.001, and from 0.001 to below 0.01 (which
two decimals would print as 0.00)."""
"""The kinds of ``painreview/data/result_keys.csv``."""

_ON = {"on", "true", "1"}
_OFF = {"off", "false", "0"}

# The columns of each output shape (docs/outputs.md) and what the rule does with them.
TABLE_COLUMNS = ("section", "variable", "level", "label", "n", "N", "percent", "mean", "sd",
                 "median", "p25", "p75", "diagnosed")
TABLE_COUNTS = ("n", "N", "diagnosed")
TABLE_STAT_FAMILIES = (("mean", "sd"), ("median", "p25", "p75"))
OUTCOMES_COLUMNS = ("measure", "timepoint", "n", "median", "p25", "p75", "mean", "sd", "min", "max")
OUTCOMES_STAT_FAMILIES = (("median", "p25", "p75"), ("mean", "sd"))
EXTREMES = ("min", "max")
TALLIES_COLUMNS = ("theme", "code", "role", "participants", "segments")
TALLIES_COUNTS = ("participants", "segments")
TALLIES_TOTAL_ROLE = "all"
FLOW_COLUMNS = ("key", "label", "n")
ESTIMATES_COLUMNS = ("measure", "n_paired", "n_nonzero", "median_difference", "hl_estimate", "hl_ci_low",
                     "hl_ci_high", "hl_conf_level", "hl_method", "mean_difference", "mean_ci_low", "mean_ci_high",
                     "sd_difference", "standardised_effect")
ESTIMATES_COUNTS = ("n_paired", "n_nonzero")
ESTIMATES_STATS = ESTIMATES_COLUMNS[3:]
SENSITIVITY_COLUMNS = ("result", "kind", "setting", "paper_choice", "alternative", "value", "paper_value", "n",
                       "paper_n")
RESULTS_COLUMNS = ("key", "value")


# --------------------------------------------------------------------------- run option


def is_on(value: object) -> bool:
    """Parse the run option ``SDC``: ``on/true/1`` → True, ``off/false/0`` → False.

    Case and surrounding blanks are ignored; a bool passes through; anything else is a
    ValueError, so that a typo can never silently switch protection off.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _ON:
            return True
        if text in _OFF:
            return False
    raise ValueError(f"SDC must be one of on, off, true, false, 1, 0; got {value!r}")


# ----------------------------------------------------------------------------- scalars


def is_redacted(value: object) -> bool:
    """True for a withheld cell (``[REDACTED]``); renderers use it to show the mark."""
    return isinstance(value, str) and value == REDACTED


def _missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT are missing; text (even empty) is not."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: object, what: str) -> float:
    if isinstance(value, str) or isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected a number, got {value!r}") from None


def protect_count(value: object) -> int | str | None:
    """One count under the rule: missing → None, 0 → 0, 1–7 → ``[REDACTED]``, else nearest 5.

    OpenSAFELY "Rounding counts": "You should first redact counts <=7 and then round to
    the nearest 5". Zero is kept (OpenSAFELY: "Counts of zero can be retained in
    general"). An integer is never halfway between two multiples of 5 (the halfway
    points are 2.5, 7.5, 12.5 …), so no tie-break rule is needed: n mod 5 of 0, 1, 2
    rounds down and 3, 4 rounds up. A count must be a whole number ≥ 0; a cell already
    ``[REDACTED]`` stays so (the rule is idempotent).
    """
    if _missing(value):
        return None
    if is_redacted(value):
        return REDACTED
    x = _number(value, "count")
    if not math.isfinite(x) or x < 0 or x != math.floor(x):
        raise ValueError(f"a count must be a whole number >= 0, got {value!r}")
    n = int(x)
    if n == 0:
        return 0
    if n <= SMALL:
        return REDACTED
    return BASE * ((n + BASE // 2) // BASE)


def _percent(numerator: object, denominator: object) -> float | str | None:
    """100·n/N from protected counts: redacted if either is, missing if N is missing or 0."""
    if is_redacted(numerator) or is_redacted(denominator):
        return REDACTED
    if _missing(numerator) or _missing(denominator):
        return None
    den = _number(denominator, "denominator")
    if den == 0:
        return None
    return 100.0 * _number(numerator, "numerator") / den


def _small(group_size: object) -> bool:
    """True when a group is, or may be, of 7 or fewer (unknown or redacted counts as small)."""
    if _missing(group_size) or is_redacted(group_size):
        return True
    return _number(group_size, "group size") <= SMALL


def _shown(value: object) -> object:
    """A cell kept as it is: missing → None, numbers as Python scalars."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return value
    x = _number(value, "value")
    return int(x) if isinstance(value, numbers.Integral) else x


def _withhold_families(rows: list[dict], families, small: list[bool], always: bool = False) -> None:
    """Redact, in place, every family of statistics that carries a value in a small row.

    A family (mean and SD; median and IQR; min and max) is withheld whole, so that a
    missing SD beside a shown mean cannot tell that the group was of one.
    """
    for row, is_small in zip(rows, small):
        if not (always or is_small):
            continue
        for family in families:
            if any(not _missing(row[col]) for col in family):
                for col in family:
                    row[col] = REDACTED


# ---------------------------------------------------------------------------- precision


def precision() -> dict[tuple[str, str], tuple[str, int | None]]:
    """(output, field) → (rule, decimals) from ``painreview/data/sdc_precision.csv``.

    output: ``table``, ``outcomes`` or ``results``; field: a column, or for results a kind
    or a key; rule: ``round`` (at ``decimals``), ``p_value`` or ``withhold``. A fresh dict
    each call (the file is read once).
    """
    return dict(_precision())


@functools.lru_cache(maxsize=1)
def _precision() -> dict[tuple[str, str], tuple[str, int | None]]:
    ref = read_reference("sdc_precision.csv")
    out = {}
    for output, field, rule, decimals in zip(ref["output"], ref["field"], ref["rule"], ref["decimals"]):
        if rule not in ("round", "p_value", "withhold"):
            raise ValueError(f"sdc_precision.csv: unknown rule {rule!r} for {output}/{field}")
        out[(output, field)] = (rule, int(decimals) if decimals else None)
    return out


def _rule(output: str, field: str, kind: str | None = None) -> tuple[str, int | None]:
    """The release rule of a field (a results key first, then its kind); fail closed."""
    table = _precision()
    for name in (field, kind):
        if name is not None and (output, name) in table:
            return table[(output, name)]
    raise ValueError(f"sdc_precision.csv has no rule for {output} {field}"
                     + (f" (kind {kind})" if kind else "") + ": add one so that SDC knows its precision")


def p_text(p: object, decimals: int = 2) -> object:
    """A p-value as released: ``<0.001`` below 0.001, ``<0.01`` below 0.01, otherwise
    rounded at ``decimals`` (half away from zero).

    Text (already released, or ``[REDACTED]``) passes through; missing stays missing.
    """
    if _missing(p) or isinstance(p, str):
        return None if _missing(p) else p
    x = _number(p, "p-value")
    if x < P_FLOOR:
        return P_BELOW
    if x < 0.01:
        return P_TEXTS[1]
    return float(round_half_away(x, decimals))


def release(value: object, rule: tuple[str, int | None]) -> object:
    """One statistic at its released precision: rounded half away from zero (Stata's
    ``round()``, as the paper's analysis), a p-value as :func:`p_text`, or withheld.
    Text and missing cells pass through (the rule is idempotent)."""
    kind, decimals = rule
    if _missing(value):
        return None
    if isinstance(value, str):
        return value
    if kind == "withhold":
        return REDACTED
    if kind == "p_value":
        return p_text(value, decimals if decimals is not None else 2)
    return float(round_half_away(_number(value, "statistic"), decimals or 0))


def signrank_text(z: float, p: float, pairs: int, on: object) -> str:
    """A signed-rank test as a notebook prints it: ``z = -3.825, P = 0.00013``; under
    disclosure control (``on``) the z withheld and P released as :func:`p_text` (both
    withheld for 7 or fewer pairs), e.g. ``z = [REDACTED], P = <0.001``."""
    if not is_on(on):
        return f"z = {z:.3f}, P = {p:.2g}"
    released = REDACTED if _small(pairs) else p_text(p)
    return f"z = {REDACTED}, P = {released}"


def _excess_precision(value: object, decimals: int) -> bool:
    """True when a shown number carries more decimals than ``decimals``."""
    if _missing(value) or isinstance(value, str):
        return False
    x = _number(value, "value")
    return math.isfinite(x) and float(round_half_away(x, decimals)) != x


# ------------------------------------------------------------------------------ frames


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """The frame has exactly the contract's columns (fail closed on an unknown column)."""
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        raise ValueError(
            f"{name}: expected the columns {list(columns)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {extra} (SDC does not know how to protect them)" if extra else ""))


def _records(frame: pd.DataFrame) -> list[dict]:
    cols = list(frame.columns)
    return [dict(zip(cols, values)) for values in zip(*(frame[c].tolist() for c in cols))]


def _frame(rows: list[dict], like: pd.DataFrame, protected: tuple[str, ...]) -> pd.DataFrame:
    """A new frame with ``like``'s index and columns; protected columns are object dtype."""
    out = like.copy()
    for col in protected:
        out[col] = pd.Series([row[col] for row in rows], index=like.index, dtype=object)
    return out


def protect_table(table: pd.DataFrame) -> pd.DataFrame:
    """Table 1 or 2 (docs/outputs.md columns) under the rule.

    ``n``, ``N`` and ``diagnosed`` are counts, each rounded on its own; ``percent`` is
    recomputed as 100·n/N from the protected n and N where the row has a percentage;
    mean/SD and median/IQR are withheld when the row's group (N, or n when N is empty)
    is 7 or fewer. Percentages and statistics are released at ``sdc_precision.csv``'s
    precision. A diagnosed count whose protected value equals the protected n while the
    true counts differ is withheld: the rendering prints "All diagnosed" for equal
    counts, and that must be true.
    """
    _require(table, TABLE_COLUMNS, "table")
    rows = _records(table)
    small = [_small(row["N"] if not _missing(row["N"]) else row["n"]) for row in rows]
    stats = [c for family in TABLE_STAT_FAMILIES for c in family]
    rules = {col: _rule("table", col) for col in ("percent", *stats)}
    for row in rows:
        had_percent = not _missing(row["percent"])
        all_diagnosed = _all_diagnosed(row["diagnosed"], row["n"])
        for col in TABLE_COUNTS:
            row[col] = protect_count(row[col])
        if not all_diagnosed and _shown_equal(row["diagnosed"], row["n"]):
            row["diagnosed"] = REDACTED  # 8 of 12 would print as "10 of 10": All diagnosed
        row["percent"] = release(_percent(row["n"], row["N"]), rules["percent"]) if had_percent else None
        for col in stats:
            row[col] = release(_shown(row[col]), rules[col])
    _withhold_families(rows, TABLE_STAT_FAMILIES, small)
    return _frame(rows, table, TABLE_COUNTS + ("percent",) + tuple(stats))


def _all_diagnosed(diagnosed: object, n: object) -> bool:
    """True counts: every one of the row's n was diagnosed (both shown, equal, non-zero)."""
    if _missing(diagnosed) or _missing(n) or is_redacted(diagnosed) or is_redacted(n):
        return is_redacted(diagnosed) and is_redacted(n)  # already protected: keep as it is
    return _number(diagnosed, "diagnosed") == _number(n, "n") != 0


def _shown_equal(a: object, b: object) -> bool:
    """Two protected counts shown as the same non-zero number."""
    return _is_shown(a) and _is_shown(b) and _number(a, "count") == _number(b, "count") != 0


def protect_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcomes table under the rule.

    ``n`` is a count; median/IQR and mean/SD are withheld when n is 7 or fewer; min and
    max are always withheld (OpenSAFELY: "Redacting maximum or minimum values. These often
    relate to one or two individuals"); the others are released at ``sdc_precision.csv``'s
    precision.
    """
    _require(outcomes, OUTCOMES_COLUMNS, "outcomes")
    rows = _records(outcomes)
    small = [_small(row["n"]) for row in rows]
    stats = [c for family in OUTCOMES_STAT_FAMILIES for c in family] + list(EXTREMES)
    rules = {col: _rule("outcomes", col) for family in OUTCOMES_STAT_FAMILIES for col in family}
    for row in rows:
        row["n"] = protect_count(row["n"])
        for col in stats:
            row[col] = _shown(row[col])
            if col in rules:
                row[col] = release(row[col], rules[col])
    _withhold_families(rows, OUTCOMES_STAT_FAMILIES, small)
    _withhold_families(rows, (EXTREMES,), small, always=True)
    return _frame(rows, outcomes, ("n",) + tuple(stats))


def protect_tallies(tallies: pd.DataFrame) -> pd.DataFrame:
    """The thematic tallies under the rule.

    ``participants`` and ``segments`` of each role are counts. The ``all`` row of a theme
    or code is the total of its role rows, so it is their protected sum (see
    ``_visible_sum``); an ``all`` row without role rows is rounded as a count of its own.
    """
    _require(tallies, TALLIES_COLUMNS, "thematic_tallies")
    rows = _records(tallies)

    def group(row: dict) -> tuple[str, ...]:
        return tuple("" if _missing(row[c]) else str(row[c]) for c in ("theme", "code"))

    roles: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        if row["role"] != TALLIES_TOTAL_ROLE:
            for col in TALLIES_COUNTS:
                row[col] = protect_count(row[col])
            roles.setdefault(group(row), []).append(row)
    for row in rows:
        if row["role"] == TALLIES_TOTAL_ROLE:
            parts = roles.get(group(row), [])
            for col in TALLIES_COUNTS:
                row[col] = _visible_sum([p[col] for p in parts]) if parts else protect_count(row[col])
    return _frame(rows, tallies, TALLIES_COUNTS)


# ------------------------------------------------------------- keyed counts and results


def result_keys() -> pd.DataFrame:
    """``painreview/data/result_keys.csv``: key, kind, numerator, denominator, group_size, derived_from."""
    return read_reference("result_keys.csv")


def _parse_derivation(expression: str) -> list[tuple[int, str]]:
    """``"a - b"`` or ``"a + b + c"`` → [(+1, "a"), (-1, "b")]."""
    tokens = expression.split()
    if not tokens or len(tokens) % 2 == 0:
        raise ValueError(f"derived_from {expression!r}: expected key (+|- key)...")
    terms = [(1, tokens[0])]
    for op, key in zip(tokens[1::2], tokens[2::2]):
        if op not in "+-" or len(op) != 1:
            raise ValueError(f"derived_from {expression!r}: {op!r} is not + or -")
        terms.append((1 if op == "+" else -1, key))
    return terms


def _visible_sum(parts: list[object]) -> int | str | None:
    """The total of protected parts: the sum of the parts shown, a redacted part adding nothing.

    OpenSAFELY "Rounding counts": "column and row totals are the sum of the rounded
    counts" (its worked example sums the shown cells beside a [REDACTED] one). So the
    total reveals nothing the parts do not. When a part is redacted and the shown parts
    sum to 0, the total is redacted too, so that it never claims a false zero.
    """
    shown = [p for p in parts if not _missing(p) and not is_redacted(p)]
    hidden = any(is_redacted(p) for p in parts)
    if not shown:
        return REDACTED if hidden else None
    total = sum(int(_number(p, "count")) for p in shown)
    if hidden and total == 0:
        return REDACTED
    return total


def _difference(minuend: object, subtrahends: list[object], expression: str) -> int | str | None:
    """a − b − … from protected counts: redacted if any term is, or if it is below 10.

    The difference of rounded counts is a multiple of 5 whose truth lies within ±2 per
    term of it, so a 0 or a 5 may stand for any small count (0 to 4, 1 to 9): it is
    redacted, never printed as a count of 1..7 or as a false "nobody". It can only
    restate what the shown terms already say. The one exact small difference is 0 − 0.
    A negative result means the input counts contradict each other.
    """
    terms = [minuend, *subtrahends]
    if any(is_redacted(t) for t in terms):
        return REDACTED
    if any(_missing(t) for t in terms):
        return None
    first = int(_number(minuend, "count"))
    value = first - sum(int(_number(t, "count")) for t in subtrahends)
    if value < 0:
        raise ValueError(f"{expression} is negative ({value}) after rounding: the input counts are inconsistent")
    if first == 0:
        return 0
    return REDACTED if value < 2 * BASE else value


def _protect_keyed_counts(values: Mapping[str, object], keys: pd.DataFrame) -> dict[str, object]:
    """Protect every count key of ``values`` (primary rounded, derived from protected terms)."""
    spec = {k: d for k, kind, d in zip(keys["key"], keys["kind"], keys["derived_from"]) if kind == "count"}
    done: dict[str, object] = {}

    def resolve(key: str, path: tuple[str, ...]) -> object:
        if key in done:
            return done[key]
        if key in path:
            raise ValueError(f"result_keys.csv: derivation cycle {' -> '.join(path + (key,))}")
        if key not in values:
            raise ValueError(f"{path[-1]} is derived from {key}, which the frame lacks")
        expression = spec.get(key, "")
        if not expression:
            done[key] = protect_count(values[key])
            return done[key]
        terms = _parse_derivation(expression)
        protected = [resolve(term, path + (key,)) for _sign, term in terms]
        if any(sign < 0 for sign, _ in terms):
            if [sign for sign, _ in terms] != [1] + [-1] * (len(terms) - 1):
                raise ValueError(f"derived_from {expression!r}: a difference must be a - b - ...")
            done[key] = _difference(protected[0], protected[1:], expression)
        else:
            done[key] = _visible_sum(protected)
        return done[key]

    for key in values:
        if key in spec:
            resolve(key, ())
    return done


def _key_table(keys: pd.DataFrame | None) -> pd.DataFrame:
    keys = result_keys() if keys is None else keys
    bad = sorted(set(keys["kind"]) - set(KINDS))
    if bad:
        raise ValueError(f"result_keys: unknown kinds {bad}; known {list(KINDS)}")
    return keys


def _unknown_keys(frame_keys: list[str], keys: pd.DataFrame, name: str, kinds=KINDS) -> None:
    known = set(keys.loc[keys["kind"].isin(kinds), "key"])
    unknown = [k for k in frame_keys if k not in known]
    if unknown:
        raise ValueError(f"{name}: keys {unknown} are not in result_keys.csv (as {'/'.join(kinds)}); "
                         "add them with their kind so that SDC knows how to protect them")
    dupes = sorted({k for k in frame_keys if frame_keys.count(k) > 1})
    if dupes:
        raise ValueError(f"{name}: duplicated keys {dupes}")


def _group_size(reference: str, values: Mapping[str, object]) -> object:
    """The true size of a statistic's group: the results count key ``reference``."""
    if reference not in values:
        raise ValueError(f"group size {reference!r}: the results frame lacks it")
    return values[reference]


def protect_results(results: pd.DataFrame, keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """``results`` (key, value) under the rule, each key by its kind in ``result_keys.csv``.

    count: rounded, or derived from the protected counts named in ``derived_from``;
    percent: 100·numerator/denominator from their protected values; statistic, p_value,
    z: withheld when the true size of the group named in ``group_size`` is 7 or fewer.
    Percentages, statistics and p-values are released at ``sdc_precision.csv``'s
    precision, a z is withheld. A key missing from ``result_keys.csv`` is an error (fail
    closed).
    """
    _require(results, RESULTS_COLUMNS, "results")
    keys = _key_table(keys)
    frame_keys = [str(k) for k in results["key"]]
    _unknown_keys(frame_keys, keys, "results")
    values = dict(zip(frame_keys, results["value"].tolist()))
    counts = _protect_keyed_counts(values, keys)
    spec = {row["key"]: row for row in keys.to_dict("records")}
    out = []
    for key in frame_keys:
        row = spec[key]
        kind = row["kind"]
        if kind == "count":
            out.append(counts[key])
        elif kind == "percent":
            for ref in (row["numerator"], row["denominator"]):
                if ref not in counts:
                    raise ValueError(f"results: {key} needs the count {ref!r}, which the frame lacks")
            missing = _missing(values[key])
            percent = None if missing else _percent(counts[row["numerator"]], counts[row["denominator"]])
            out.append(release(percent, _rule("results", key, kind)))
        else:
            size = _group_size(row["group_size"], values)
            value = _shown(values[key])
            out.append(REDACTED if value is not None and _small(size)
                       else release(value, _rule("results", key, kind)))
    protected = results.copy()
    protected["value"] = pd.Series(out, index=results.index, dtype=object)
    return protected


def protect_flow(flow: pd.DataFrame, keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """The participant flow (key, label, n; Figure 1) under the rule.

    Its keys are results count keys: each is rounded, and the boxes that are differences
    (contact_unsuccessful = invited − contact_successful, …) are computed from the
    rounded counts as ``result_keys.csv`` says, so no box can be back-calculated.
    """
    _require(flow, FLOW_COLUMNS, "flow")
    keys = _key_table(keys)
    frame_keys = [str(k) for k in flow["key"]]
    _unknown_keys(frame_keys, keys, "flow", kinds=("count",))
    counts = _protect_keyed_counts(dict(zip(frame_keys, flow["n"].tolist())), keys)
    out = flow.copy()
    out["n"] = pd.Series([counts[k] for k in frame_keys], index=flow.index, dtype=object)
    return out


def protect_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """The estimates of the paired changes (exploratory) under the rule.

    ``n_paired`` and ``n_nonzero`` are counts, each rounded on its own; every estimate of
    a row (median, Hodges–Lehmann estimate and interval, its level and method, mean, t
    interval, SD, standardised effect) is withheld when the row's group, ``n_paired``, is
    7 or fewer (a Hodges–Lehmann limit is an average of two service users' changes), and
    otherwise released at the precision ``sdc_precision.csv`` gives (whole units, as the
    outcomes' means: at full precision mean·n would single out n).
    """
    _require(estimates, ESTIMATES_COLUMNS, "estimates")
    rows = _records(estimates)
    small = [_small(row["n_paired"]) for row in rows]
    for row, is_small in zip(rows, small):
        for col in ESTIMATES_COUNTS:
            row[col] = protect_count(row[col])
        for col in ESTIMATES_STATS:
            if is_small:
                row[col] = REDACTED
            elif ("estimates", col) in _precision():  # released at a documented precision
                row[col] = release(row[col], _rule("estimates", col))
            else:
                row[col] = _shown(row[col])  # the level and method: settings, not data
    return _frame(rows, estimates, ESTIMATES_COUNTS + ESTIMATES_STATS)


def protect_sensitivity(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table (exploratory) under the rule, each side (``value`` with its
    group ``n``, ``paper_value`` with ``paper_n``) on its own.

    The groups are counts; a ``count`` value is rounded; a ``percent`` is recomputed from
    its protected numerator (100·value·n rounded back to a count) and the protected group;
    a ``statistic`` or ``p_value`` is withheld when its group is 7 or fewer, and otherwise
    released at the precision of its results key (``sdc_precision.csv``).
    """
    _require(sensitivity, SENSITIVITY_COLUMNS, "sensitivity")
    rows = _records(sensitivity)
    for row in rows:
        for value_col, n_col in (("value", "n"), ("paper_value", "paper_n")):
            group, value = row[n_col], row[value_col]
            if row["kind"] == "count":
                row[value_col] = protect_count(value)
            elif row["kind"] == "percent":
                numerator = None if _missing(value) else round(_number(value, "percent") * _number(group, "n") / 100)
                row[value_col] = release(_percent(protect_count(numerator), protect_count(group)),
                                         _rule("results", row["result"], "percent"))
            else:  # a statistic or p-value at the precision its results key is released at
                row[value_col] = REDACTED if _small(group) else release(value, _rule("results", row["result"], row["kind"]))
            row[n_col] = protect_count(group)
    return _frame(rows, sensitivity, ("value", "paper_value", "n", "paper_n"))


# ------------------------------------------------------------------------- every frame

_PROTECTORS = {
    "table1": protect_table,
    "table2": protect_table,
    "outcomes": protect_outcomes,
    "thematic_tallies": protect_tallies,
    "estimates": protect_estimates,
    "sensitivity": protect_sensitivity,
}


def protect(tables: Mapping[str, pd.DataFrame], keys: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every output frame under the rule, by name (table1, table2, outcomes, results,
    thematic_tallies, flow). An unknown name is an error: nothing leaves unprotected.
    ``keys`` defaults to ``result_keys.csv``."""
    unknown = [name for name in tables if name not in _PROTECTORS and name not in ("results", "flow")]
    if unknown:
        raise ValueError(f"protect: no disclosure rule for {unknown}; known: "
                         f"{sorted([*_PROTECTORS, 'results', 'flow'])}")
    keys = _key_table(keys) if ("results" in tables or "flow" in tables) else keys
    out = {}
    for name, frame in tables.items():
        if name == "results":
            out[name] = protect_results(frame, keys=keys)
        elif name == "flow":
            out[name] = protect_flow(frame, keys=keys)
        else:
            out[name] = _PROTECTORS[name](frame)
    return out


# ------------------------------------------------------------------------------ checks


def _count_problem(value: object) -> str | None:
    """Why a printed count breaks the rule, or None when it is fine."""
    if _missing(value) or is_redacted(value):
        return None
    try:
        x = _number(value, "count")
    except ValueError:
        return "is neither a number nor [REDACTED]"
    if not math.isfinite(x) or x != math.floor(x):
        return "is not a whole number"
    if 1 <= x <= SMALL:
        return f"is a count of 1 to {SMALL}"
    if x < 0:
        return "is negative"
    if x % BASE:
        return f"is not a multiple of {BASE}"
    return None


def _is_shown(value: object) -> bool:
    return not _missing(value) and not is_redacted(value)


def disclosure_problems(frames: Mapping[str, pd.DataFrame], keys: pd.DataFrame | None = None) -> list[str]:
    """Every cell of ``frames`` that breaks the rule, as readable lines (empty: all clear).

    Checks that each count is 0, ``[REDACTED]`` or a multiple of 5 above 7; that no
    percentage is shown beside a redacted numerator or denominator, no statistic beside a
    redacted group size, no minimum or maximum at all, no z, and no percentage, statistic
    or p-value at more than its released precision (``sdc_precision.csv``). A frame whose name has no
    rule is reported, not skipped. Used by the end-to-end check of an ``SDC=on`` run.
    """
    keys = _key_table(keys)
    problems: list[str] = []

    def count(name: str, where: str, col: str, value: object) -> None:
        why = _count_problem(value)
        if why:
            problems.append(f"{name} {where}: {col} = {value!r} {why}")

    def precise(name: str, where: str, output: str, row: dict, cols, key: str | None = None,
                kind: str | None = None) -> None:
        """Statistics shown at more than their released precision (sdc_precision.csv)."""
        for col in cols:
            value = row.get(col)
            if not _is_shown(value):
                continue
            rule, decimals = _rule(output, key or col, kind)
            if rule == "withhold":
                problems.append(f"{name} {where}: {col} = {value!r} shown; it is always withheld")
            elif isinstance(value, str):
                if not (rule == "p_value" and value in P_TEXTS):
                    problems.append(f"{name} {where}: {col} = {value!r} is neither a number nor {REDACTED}")
            elif rule == "p_value" and _number(value, "p-value") < 0.01:
                problems.append(f"{name} {where}: {col} = {value!r} shown below 0.01 (release it as "
                                f"{' or '.join(P_TEXTS)})")
            elif _excess_precision(value, decimals or 0):
                problems.append(f"{name} {where}: {col} = {value!r} has more than {decimals or 0} decimals "
                                "(a full-precision statistic can give back the exact n)")

    for name, frame in frames.items():
        rows = _records(frame)
        if name in ("table1", "table2"):
            for i, row in enumerate(rows):
                where = f"row {i} ({row.get('variable')}/{row.get('level')})"
                for col in TABLE_COUNTS:
                    count(name, where, col, row.get(col))
                if _is_shown(row.get("percent")) and (is_redacted(row.get("n")) or is_redacted(row.get("N"))):
                    problems.append(f"{name} {where}: percent shown beside a redacted n or N")
                size = row.get("N") if not _missing(row.get("N")) else row.get("n")
                shown = [c for f in TABLE_STAT_FAMILIES for c in f if _is_shown(row.get(c))]
                if shown and _small(size):
                    problems.append(f"{name} {where}: {', '.join(shown)} shown for a group of 7 or fewer")
                precise(name, where, "table", row, ("percent", *(c for f in TABLE_STAT_FAMILIES for c in f)))
        elif name == "outcomes":
            for i, row in enumerate(rows):
                where = f"row {i} ({row.get('measure')}/{row.get('timepoint')})"
                count(name, where, "n", row.get("n"))
                shown = [c for f in OUTCOMES_STAT_FAMILIES for c in f if _is_shown(row.get(c))]
                if shown and _small(row.get("n")):
                    problems.append(f"{name} {where}: {', '.join(shown)} shown for a group of 7 or fewer")
                extremes = [c for c in EXTREMES if _is_shown(row.get(c))]
                if extremes:
                    problems.append(f"{name} {where}: {', '.join(extremes)} shown (an individual's value)")
                precise(name, where, "outcomes", row, tuple(c for f in OUTCOMES_STAT_FAMILIES for c in f))
        elif name == "thematic_tallies":
            for i, row in enumerate(rows):
                where = f"row {i} ({row.get('theme')}/{row.get('code')}/{row.get('role')})"
                for col in TALLIES_COUNTS:
                    count(name, where, col, row.get(col))
        elif name == "flow":
            for i, row in enumerate(rows):
                count(name, f"row {i} ({row.get('key')})", "n", row.get("n"))
        elif name == "estimates":
            for i, row in enumerate(rows):
                where = f"row {i} ({row.get('measure')})"
                for col in ESTIMATES_COUNTS:
                    count(name, where, col, row.get(col))
                shown = [c for c in ESTIMATES_STATS if _is_shown(row.get(c))]
                if shown and _small(row.get("n_paired")):
                    problems.append(f"{name} {where}: {', '.join(shown)} shown for a group of 7 or fewer")
                precise(name, where, "estimates", row, tuple(c for c in ESTIMATES_STATS if ("estimates", c) in _precision()))
        elif name == "sensitivity":
            for i, row in enumerate(rows):
                where = f"row {i} ({row.get('result')}/{row.get('alternative')})"
                for value_col, n_col in (("value", "n"), ("paper_value", "paper_n")):
                    count(name, where, n_col, row.get(n_col))
                    if row.get("kind") == "count":
                        count(name, where, value_col, row.get(value_col))
                    elif _is_shown(row.get(value_col)) and _small(row.get(n_col)) and row.get("kind") != "percent":
                        problems.append(f"{name} {where}: {value_col} shown for a group of 7 or fewer")
                    elif row.get("kind") == "percent" and _is_shown(row.get(value_col)) and is_redacted(row.get(n_col)):
                        problems.append(f"{name} {where}: {value_col} shown beside a redacted denominator")
                    if row.get("kind") in ("statistic", "p_value", "percent"):
                        precise(name, where, "results", row, (value_col,), key=row.get("result"), kind=row.get("kind"))
        elif name == "results":
            spec = {k: r for k, r in zip(keys["key"], keys.to_dict("records"))}
            values = {str(r["key"]): r["value"] for r in rows}
            for key, value in values.items():
                row = spec.get(key)
                if row is None:
                    problems.append(f"results {key}: not in result_keys.csv, so not known to be safe")
                elif row["kind"] == "count":
                    count(name, key, "value", value)
                elif row["kind"] == "percent":
                    refs = [values.get(row["numerator"]), values.get(row["denominator"])]
                    if _is_shown(value) and any(is_redacted(r) or _missing(r) for r in refs):
                        problems.append(f"results {key}: percent shown beside a redacted or absent numerator or denominator")
                    precise(name, key, "results", {"value": value}, ("value",), key=key, kind="percent")
                elif _is_shown(value):
                    precise(name, key, "results", {"value": value}, ("value",), key=key, kind=row["kind"])
                    try:
                        size = _group_size(row["group_size"], values)
                    except ValueError:
                        size = None
                    if _small(size):
                        problems.append(f"results {key}: {row['kind']} shown for a group of 7 or fewer "
                                        f"({row['group_size']} = {size!r})")
        else:
            problems.append(f"{name}: no disclosure rule for this frame, so it was not checked")
    return problems
