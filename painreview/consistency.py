"""The paper checked against itself, with no data — as statcheck and the GRIM test check
articles from their printed numbers alone.

Input: the published values (``painreview/data/published.csv``: ``key, published,
location, decimals, numerator, denominator, note``; one row per printed occurrence, in
paper order). Output of :func:`check_paper`: one row per check and printed occurrence it
involves — ``key, location, status, note`` — where status is ``ok``, ``slip`` (the paper
disagrees with itself; ``note`` names the fault) or ``unchecked`` (an operand is not
printed anywhere). The note starts with the check's name in brackets.

The checks:

1. ``[percent]`` each printed percentage against its printed fraction (``numerator`` /
   ``denominator`` keys; for a table cell ``….percent`` the row's ``….n`` / ``….N``):
   100·n/N rounded at the printed decimals must give the printed value. With only the
   denominator printed, some integer numerator must give it (GRIM for a percentage).
2. ``[bounds]`` from the key grammar: a count is at most its denominator (``.n`` ≤ ``.N``,
   ``.diagnosed`` ≤ ``.n``), quartiles are ordered (p25 ≤ median ≤ p75), a percentage lies
   in 0–100.
3. The paper's identities, as data in ``painreview/data/consistency_rules.csv`` (each
   with where it is printed and why it must hold): ``sum`` (left = Σ right: Figure 1
   arithmetic, category counts adding up to their denominator), ``equal`` (the same
   quantity under two keys, e.g. the Abstract's median dose and Table 2's), ``le``,
   ``percent_sum`` (the printed percentages of one partition add to 100 within their
   rounding) and ``grim`` (a mean of n integers must be a multiple of 1/n at the printed
   precision; Brown & Heathers 2017, "The GRIM test", Soc Psychol Personal Sci 8:363).
4. ``[repeat]`` a key printed at several places (Abstract, text, table, figure): the
   printed values must be compatible at their printed precisions (64.7 and 65 are; 23.5
   and 23.6 are not).

Rounding convention (decided here, used by the audit too). A printed value P with d
decimals agrees with an exact value x when x rounded half away from zero at d decimals is
P: that is Stata's ``round()`` and its ``%w.df`` display formats, and the paper's
analysis used Stata 15.1. The arithmetic is exact (fractions; a float is read by its
shortest repr, so 64.705 is an exact half at two decimals, not the binary 64.70499…).
Only at an exact half does a convention matter; there the half-to-even neighbour is also
accepted (the note says so), because a hand calculation or IEEE software may have made it
and it is not a slip of substance. Truncation is not accepted: the paper rounds — 3/32 =
9.375% is printed 9.4, 6/31 = 19.35% is printed 19.4, where truncation would give 9.3
and 19.3 — so its 5.8% for 1/17 = 5.88% is a slip, not a convention. The paper has no
exact half among its printed percentages, so accepting half-to-even changes no verdict
on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import pandas as pd

from painreview.rounding import exact, round_half_away, round_half_even, truncated
from painreview.rounding import scaled as _scaled

CHECK_COLUMNS = ["key", "location", "status", "note"]
OK, SLIP, UNCHECKED = "ok", "slip", "unchecked"
PUBLISHED_COLUMNS = ["key", "published", "location", "decimals", "numerator", "denominator", "note"]
RULE_KINDS = ("sum", "equal", "le", "percent_sum", "grim")
TABLE_PREFIXES = ("table1.", "table2.")


# --- numbers and rounding -------------------------------------------------------------

def rounding_convention(x, printed, decimals: int) -> str | None:
    """How ``x`` rounds to ``printed`` at ``decimals``: ``"half away from zero"``, ``"half to
    even"`` (accepted only where the two differ, at an exact half) or None when it does not."""
    p = exact(printed)
    if exact(round_half_away(x, decimals)) == p:
        return "half away from zero"
    if exact(round_half_even(x, decimals)) == p:
        return "half to even"
    return None


def rounds_to(x, printed, decimals: int) -> bool:
    """True when ``x`` rounded at ``decimals`` (module convention) is ``printed``."""
    return rounding_convention(x, printed, decimals) is not None


def show(x, decimals: int) -> str:
    """``x`` for a note: exactly when it terminates within ``decimals + 2`` places (3/32 →
    9.375), else at ``decimals`` places, half away from zero (4/17 → 23.53)."""
    x = exact(x)
    for places in range(max(decimals, 0) + 3):
        if (x * 10 ** places).denominator == 1:
            return str(_scaled(int(x * 10 ** places), places))
    return str(round_half_away(x, max(decimals, 0)))


def interval(printed, decimals: int) -> tuple[Fraction, Fraction]:
    """[P − h, P + h], h = half a unit of the last printed place: the exact values that can
    be printed as P at ``decimals``."""
    p = exact(printed)
    h = Fraction(1, 2) * Fraction(10) ** -decimals
    return p - h, p + h


def bound_kind(note: str) -> str | None:
    """``"upper"`` / ``"lower"`` when a published row's note says its value is a bound
    (``P<0.001`` is stored as 0.001 "upper bound"), else None."""
    text = (note or "").lower()
    if "upper bound" in text:
        return "upper"
    if "lower bound" in text:
        return "lower"
    return None


def decimals_of(text: str) -> int:
    """Decimals written in a printed number (``"57.6"`` → 1, ``"59"`` → 0)."""
    text = str(text).strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


# --- the published values -------------------------------------------------------------

@dataclass(frozen=True)
class Occurrence:
    """One printed number: its row in published.csv, key, location, text and value."""

    row: int
    key: str
    location: str
    text: str
    value: Fraction | None
    decimals: int
    bound: str | None
    numerator: str
    denominator: str


def occurrences(published: pd.DataFrame) -> list[Occurrence]:
    """The published rows as :class:`Occurrence`, in paper order (row = position)."""
    cols = {c: (published[c] if c in published.columns else pd.Series([""] * len(published), index=published.index))
            for c in PUBLISHED_COLUMNS}
    out = []
    for i, rec in enumerate(zip(*(cols[c].tolist() for c in PUBLISHED_COLUMNS))):
        key, text, location, decimals, numerator, denominator, note = (_text(v) for v in rec)
        try:
            value = exact(text) if text else None
        except (InvalidOperation, ValueError):
            value = None
        dec = int(decimals) if decimals.strip().lstrip("-").isdigit() else decimals_of(text)
        out.append(Occurrence(i, key, location, text, value, dec, bound_kind(note), numerator, denominator))
    return out


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class Paper:
    """Look-ups into the published occurrences (built once, used by every check)."""

    def __init__(self, occ: list[Occurrence]):
        self.occ = occ
        self.by_key: dict[str, list[Occurrence]] = {}
        for o in occ:
            self.by_key.setdefault(o.key, []).append(o)

    def resolve(self, key: str, location: str = "") -> Occurrence | None:
        """The occurrence of ``key`` printed at ``location`` if any, else its first one."""
        found = [o for o in self.by_key.get(key, []) if o.value is not None and o.bound is None]
        for o in found:
            if o.location == location:
                return o
        return found[0] if found else None

    def fraction(self, o: Occurrence) -> tuple[Fraction, Fraction] | None:
        """The printed (numerator, denominator) of the percentage ``o``, or None."""
        if not is_percent(o):
            return None
        num_key, den_key = fraction_keys(o)
        num, den = self.resolve(num_key, o.location), self.resolve(den_key, o.location)
        if num is None or den is None:
            return None
        return num.value, den.value


def fraction_keys(o: Occurrence) -> tuple[str, str]:
    """(numerator key, denominator key) of a printed percentage: the row's own columns,
    else the table-cell grammar ``….percent`` → ``….n`` / ``….N``."""
    num, den = o.numerator, o.denominator
    if o.key.startswith(TABLE_PREFIXES) and o.key.endswith(".percent"):
        stem = o.key[: -len("percent")]
        num = num or stem + "n"
        den = den or stem + "N"
    return num, den


def is_percent(o: Occurrence) -> bool:
    return bool(o.numerator or o.denominator) or o.key.endswith(("_percent", ".percent"))


# --- the checks -----------------------------------------------------------------------

def _row(o: Occurrence, status: str, note: str) -> dict:
    return {"key": o.key, "location": o.location, "status": status, "note": note}


def _fmt(x: Fraction) -> str:
    """An exact value for a note: an integer as such, else up to 4 decimals."""
    if x.denominator == 1:
        return str(x.numerator)
    return format(round_half_away(x, 4).normalize(), "f")


def _percent_checks(paper: Paper) -> list[dict]:
    rows = []
    for o in paper.occ:
        if not is_percent(o) or o.value is None:
            continue
        name = "[percent]"
        num_key, den_key = fraction_keys(o)
        num, den = paper.resolve(num_key, o.location), paper.resolve(den_key, o.location)
        if den is None:
            rows.append(_row(o, UNCHECKED, f"{name} denominator {den_key or '(none given)'} is not printed"))
            continue
        N = den.value
        if N <= 0:
            rows.append(_row(o, SLIP, f"{name} printed {o.text}% of a denominator {den.text}"))
            continue
        if num is None:
            rows.append(_grim_percent(o, N, den))
            continue
        n = num.value
        x = 100 * n / N
        frac = f"{num.text}/{den.text} = {show(x, o.decimals + 1)}%"
        if o.bound is not None:
            holds = x < o.value if o.bound == "upper" else x > o.value
            word = "below" if o.bound == "upper" else "above"
            rows.append(_row(o, OK if holds else SLIP,
                             f"{name} printed {word} {o.text}%: {frac}" + ("" if holds else f", not {word} {o.text}%")))
            continue
        convention = rounding_convention(x, o.value, o.decimals)
        if convention == "half away from zero":
            rows.append(_row(o, OK, f"{name} {frac} → {o.text}%"))
        elif convention == "half to even":
            rows.append(_row(o, OK, f"{name} {frac} → {o.text}% (an exact half, rounded half to even; accepted)"))
        else:
            expected = round_half_away(x, o.decimals)
            note = f"{name} printed {o.text}% but {frac} → {expected}%"
            if n > N:
                note += " (numerator exceeds denominator)"
            elif exact(truncated(x, o.decimals)) == o.value:
                note += " (truncated, not rounded; the paper rounds elsewhere)"
            rows.append(_row(o, SLIP, note))
    return rows


def _grim_percent(o: Occurrence, N: Fraction, den: Occurrence) -> dict:
    """A printed percentage of a printed denominator whose numerator is not printed: some
    integer count must give it (GRIM applied to a proportion)."""
    name = "[percent]"
    if N.denominator != 1:
        return _row(o, UNCHECKED, f"{name} denominator {den.text} is not a count")
    lo, hi = interval(o.value, o.decimals)
    candidates = range(max(0, math.floor(lo * N / 100)), min(int(N), math.ceil(hi * N / 100)) + 1)
    fits = [k for k in candidates if rounds_to(Fraction(100 * k) / N, o.value, o.decimals)]
    if fits:
        return _row(o, OK, f"{name} numerator not printed; {fits[0]}/{den.text} = "
                           f"{show(Fraction(100 * fits[0]) / N, o.decimals + 1)}% → {o.text}%")
    return _row(o, SLIP, f"{name} printed {o.text}% but no count out of {den.text} gives it")


def _bounds_checks(paper: Paper) -> list[dict]:
    """n ≤ N, diagnosed ≤ n, p25 ≤ median ≤ p75, 0 ≤ percent ≤ 100, from the key grammar."""
    rows = []
    name = "[bounds]"
    for o in paper.occ:
        if o.value is None or o.bound is not None:
            continue
        pairs: list[tuple[str, str, str]] = []  # (smaller key, larger key, what)
        if o.key.startswith(TABLE_PREFIXES):
            stem, field = o.key.rsplit(".", 1)
            if field == "n":
                pairs.append((o.key, f"{stem}.N", "count ≤ denominator"))
            elif field == "diagnosed":
                pairs.append((o.key, f"{stem}.n", "diagnosed ≤ count"))
            elif field == "median":
                pairs += [(f"{stem}.p25", o.key, "p25 ≤ median"), (o.key, f"{stem}.p75", "median ≤ p75")]
        elif o.key.endswith("_median"):
            stem = o.key[: -len("median")]
            pairs += [(f"{stem}p25", o.key, "p25 ≤ median"), (o.key, f"{stem}p75", "median ≤ p75")]
        for small_key, large_key, what in pairs:
            small = o if small_key == o.key else paper.resolve(small_key, o.location)
            large = o if large_key == o.key else paper.resolve(large_key, o.location)
            if small is None or large is None:
                continue
            holds = small.value <= large.value
            text = f"{name} {what}: {small.key} {small.text} ≤ {large.key} {large.text}"
            if not holds:
                text = f"{name} {what} fails: {small.key} {small.text} > {large.key} {large.text}"
            rows.append(_row(o, OK if holds else SLIP, text))
        if is_percent(o):
            holds = 0 <= o.value <= 100
            rows.append(_row(o, OK if holds else SLIP,
                             f"{name} percentage {o.text} " + ("within 0–100" if holds else "outside 0–100")))
    return rows


def _compatible(a: Occurrence, b: Occurrence) -> bool:
    """Can one exact value be printed as both ``a`` and ``b`` (at their precisions)?
    Equal texts always can; 64.7 and 65 can; 23.5 and 23.6, or 59 and 60, cannot."""
    if a.text == b.text and a.bound == b.bound:
        return True
    if a.bound and b.bound:
        return a.bound == b.bound and a.value == b.value
    if a.bound or b.bound:
        bound, other = (a, b) if a.bound else (b, a)
        lo, hi = interval(other.value, other.decimals)
        return lo < bound.value if bound.bound == "upper" else hi > bound.value
    # Half away from zero maps [P − h, P + h) to a positive P: two printed values are
    # compatible when those half-open intervals meet (so 59 and 60 never are).
    alo, ahi = interval(a.value, a.decimals)
    blo, bhi = interval(b.value, b.decimals)
    return alo < bhi and blo < ahi


def _shown(o: Occurrence) -> str:
    prefix = {"upper": "<", "lower": ">"}.get(o.bound or "", "")
    return f"{prefix}{o.text}"


def _rule_checks(paper: Paper, rules: pd.DataFrame) -> list[dict]:
    rows = []
    for rule in rules.to_dict("records"):
        rid, kind = _text(rule.get("rule")), _text(rule.get("kind"))
        location = _text(rule.get("location"))
        left_key = _text(rule.get("left"))
        right_keys = _text(rule.get("right")).split()
        name = f"[{rid}]"
        if kind not in RULE_KINDS:
            raise ValueError(f"consistency rule {rid!r}: unknown kind {kind!r} (known: {', '.join(RULE_KINDS)})")
        left = paper.resolve(left_key, location) if left_key else None
        right = [paper.resolve(k, location) for k in right_keys]
        involved = [o for o in [left, *right] if o is not None]
        missing = [k for k, o in zip([left_key, *right_keys], [left, *right]) if k and o is None]
        if missing:
            if involved:
                rows += [_row(o, UNCHECKED, f"{name} not printed: {', '.join(missing)}") for o in involved]
            else:
                rows.append({"key": left_key or right_keys[0], "location": location, "status": UNCHECKED,
                             "note": f"{name} not printed: {', '.join(missing)}"})
            continue
        status, note = _evaluate(kind, left, right, name)
        rows += [_row(o, status, note) for o in involved]
    return rows


def _evaluate(kind: str, left: Occurrence | None, right: list[Occurrence], name: str) -> tuple[str, str]:
    terms = " + ".join(f"{o.key} {o.text}" for o in right)
    if kind == "sum":
        total = sum((o.value for o in right), Fraction(0))
        if total == left.value:
            return OK, f"{name} {left.key} {left.text} = {terms}"
        return SLIP, f"{name} {left.key} is printed {left.text} but {terms} = {_fmt(total)}"
    if kind == "equal":
        bad = [o for o in right if not _compatible(left, o)]
        if not bad and len(right) > 2 and len({_shown(o) for o in right}) == 1:
            return OK, (f"{name} {left.key} {_shown(left)} = each of {len(right)} printed keys "
                        f"({right[0].key} … {right[-1].key}: all {_shown(right[0])})")
        if not bad:
            return OK, f"{name} {left.key} {_shown(left)} = " + " = ".join(f"{o.key} {_shown(o)}" for o in right)
        return SLIP, f"{name} {left.key} is printed {_shown(left)} ({left.location}) but " + "; ".join(
            f"{o.key} {_shown(o)} ({o.location})" for o in bad)
    if kind == "le":
        bad = [o for o in right if not left.value <= o.value]
        if not bad:
            return OK, f"{name} {left.key} {left.text} ≤ " + ", ".join(f"{o.key} {o.text}" for o in right)
        return SLIP, f"{name} {left.key} {left.text} exceeds " + ", ".join(f"{o.key} {o.text}" for o in bad)
    if kind == "percent_sum":
        total = sum((o.value for o in right), Fraction(0))
        slack = sum((Fraction(1, 2) * Fraction(10) ** -o.decimals for o in right), Fraction(0))
        if abs(total - 100) <= slack:
            return OK, f"{name} {' + '.join(o.text for o in right)} = {_fmt(total)}%, 100% within rounding (±{_fmt(slack)})"
        return SLIP, (f"{name} printed percentages {' + '.join(o.text for o in right)} = {_fmt(total)}%, "
                      f"more than their rounding (±{_fmt(slack)}) from 100%")
    # grim: left is a mean of right[0] integers
    n_occ = right[0]
    n = n_occ.value
    if n.denominator != 1 or n <= 0:
        return UNCHECKED, f"{name} n = {n_occ.text} is not a positive count"
    return _grim(left, int(n), name)


def _grim(mean: Occurrence, n: int, name: str) -> tuple[str, str]:
    """GRIM (Brown & Heathers 2017): is some integer total S with S/n → printed mean?"""
    lo, hi = interval(mean.value, mean.decimals)
    totals = range(math.floor(lo * n), math.ceil(hi * n) + 1)
    fits = [s for s in totals if rounds_to(Fraction(s, n), mean.value, mean.decimals)]
    if fits:
        s = fits[len(fits) // 2]
        return OK, (f"{name} GRIM: a mean of {n} integers can be {mean.text} "
                    f"(e.g. total {s}: {s}/{n} = {show(Fraction(s, n), mean.decimals + 2)})")
    below = math.floor(mean.value * n)
    near = ", ".join(f"{s}/{n} = {show(Fraction(s, n), mean.decimals + 2)}" for s in (below, below + 1))
    return SLIP, f"{name} GRIM: a mean of {n} integers cannot be {mean.text} (nearest: {near})"


def _places(occ: list[Occurrence]) -> str:
    """``"17 at Results: … (×3); 17 at Figure 1"``: distinct printed values and places."""
    counts: dict[tuple[str, str], int] = {}
    for o in occ:
        counts[(_shown(o), o.location)] = counts.get((_shown(o), o.location), 0) + 1
    return "; ".join(f"{v} at {loc}" + (f" (×{k})" if k > 1 else "") for (v, loc), k in counts.items())


def _repeat_checks(paper: Paper) -> list[dict]:
    rows = []
    seen: list[str] = []
    for o in paper.occ:
        if o.key not in seen:
            seen.append(o.key)
    for key in seen:
        group = [o for o in paper.by_key[key] if o.value is not None]
        if len(group) < 2:
            continue
        for o in group:
            others = [p for p in group if p.row != o.row]
            bad = [p for p in others if not _compatible(o, p)]
            if bad:
                rows.append(_row(o, SLIP, f"[repeat] printed {_shown(o)} here but " + _places(bad)))
            else:
                rows.append(_row(o, OK, "[repeat] also printed " + _places(others)))
    return rows


def load_rules() -> pd.DataFrame:
    """The paper's identities (``painreview/data/consistency_rules.csv``)."""
    from painreview.reference import read_reference

    return read_reference("consistency_rules.csv")


def check_paper(published: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check of the paper against itself (see the module docstring); ``rules``
    defaults to the package's consistency_rules.csv. Rows in a fixed order: percentages,
    bounds, rules, repeats, each in paper (or rule file) order."""
    paper = Paper(occurrences(published))
    rules = load_rules() if rules is None else rules
    rows = _percent_checks(paper) + _bounds_checks(paper) + _rule_checks(paper, rules) + _repeat_checks(paper)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def slips(checks: pd.DataFrame) -> pd.DataFrame:
    """The failed checks only."""
    return checks[checks["status"] == SLIP].reset_index(drop=True)
