"""A synthetic raw dataset that reproduces every number the paper prints.

The real case report forms can never be published, so ``data/synthetic/`` (what
``synthesize(DEFAULT_SEED)`` writes) is the package's embedded default dataset: the
raw data contract's twelve files, shaped like a real export, from which the pipeline
recomputes the paper's Tables 1–2, Figures 1–4, in-text numbers and thematic tallies.

Calibration is by construction, for every seed: each published count, denominator and
percentile (``painreview/data/published.csv``) is built into the data directly, and the
seed varies only what the paper does not publish — which patient is which, dates,
doses between the published quartiles, item-level answers, who was interviewed, and so
on. Nothing here is patient data.

Only numpy's ``Generator(PCG64(seed))`` draws random numbers; no iteration over sets or
unordered dicts, no clock. ``synthesize`` returns string frames in the contract's
columns with rows in a stable order; ``write_dataset`` writes them as CSV (UTF-8, ``\\n``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from painreview.mme import DOSE_DECIMALS
from painreview.reference import FILES, columns, items, read_reference, vocabulary

DEFAULT_SEED = 2016
"""The seed of the committed ``data/synthetic/`` (the year the service started)."""

# Study calendar (paper, Method: invitations September 2016 to December 2017; visits
# and treatments recorded until February 2018).
SERVICE_START = date(2016, 9, 1)
INVITE_END = date(2017, 12, 31)
DATA_END = date(2018, 2, 28)
ACTIVE_FROM = date(2018, 1, 2)  # an active service user was seen in the last two months
DISCHARGE_END = date(2018, 1, 31)

MONTH_MARGIN = 0.002  # a generated duration stays this far (months) from a rounding edge
DOSE_CAP = 400.0  # highest baseline mg/day oral morphine equivalent generated (not methadone)


# --------------------------------------------------------------------------- targets


def published_targets() -> dict[str, tuple[float, int]]:
    """Key → (value, decimals printed) of every exact published number.

    Bounds (P<0.001, "more than 40%") and the paper's slipped percentages are left out:
    the generator builds counts, and a percentage follows from its counts.
    """
    pub = read_reference("published.csv")
    out: dict[str, tuple[float, int]] = {}
    for key, value, decimals, note in zip(pub["key"], pub["published"], pub["decimals"], pub["note"]):
        if "bound" in note or "slip" in note or key in out:
            continue
        out[key] = (float(value), int(decimals))
    return out


def _count(targets: dict[str, tuple[float, int]], key: str, default: int | None = None) -> int:
    if key not in targets:
        if default is None:
            raise KeyError(f"published.csv has no value for {key!r}")
        return default
    value = targets[key][0]
    if value != int(value):
        raise ValueError(f"{key} is not a count: {value}")
    return int(value)


def _value(targets: dict[str, tuple[float, int]], key: str) -> float:
    return targets[key][0]


def _threshold(key: str) -> float:
    ref = read_reference("thresholds.csv")
    return float(ref.loc[ref["key"] == key, "value"].iloc[0])


# --------------------------------------------------------------------------- helpers


def _pick(rng: np.random.Generator, options: list, weights=None):
    """One element of ``options`` (a list), uniformly or with ``weights``."""
    if not options:
        raise ValueError("nothing to choose from")
    if weights is None:
        return options[int(rng.integers(len(options)))]
    w = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(options), p=w / w.sum()))]


def _sample(rng: np.random.Generator, pool: list, k: int, weights=None) -> list:
    """``k`` distinct elements of ``pool`` (a list), in pool order."""
    if k > len(pool):
        raise ValueError(f"cannot choose {k} of {len(pool)}")
    if k == 0:
        return []
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        p = w / w.sum()
    idx = sorted(int(i) for i in rng.choice(len(pool), size=k, replace=False, p=p))
    return [pool[i] for i in idx]


def stata_positions(n: int, p: float) -> tuple[int, ...]:
    """1-based order statistics behind Stata's p-th percentile of n values.

    Stata [R] summarize, Methods and formulas: with P = n·p/100, an integer P gives the
    mean of x(P) and x(P+1), otherwise x(ceil(P)).
    """
    pos = Fraction(n) * Fraction(str(p)) / 100
    if pos.denominator == 1:
        return (int(pos), int(pos) + 1)
    return (math.ceil(pos),)


def anchored_sample(
    rng: np.random.Generator,
    n: int,
    anchors: list[tuple[float, list[float]]],
    lo: float,
    hi: float,
    step: float = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """n sorted values on the grid lo, lo+step, …, hi whose Stata percentiles are anchored.

    ``anchors`` is a list of (p, allowed values) in increasing p. The order statistics
    that define each percentile are set first (a pair to two grid values whose mean is
    allowed), then every other position is drawn between its fixed neighbours, so the
    percentiles hold by construction. Returns (values, fixed mask). The anchors' order
    statistics must not overlap (n = 4 quartiles do: x(1..2), x(2..3), x(3..4)).
    """
    positions_all = [pos for p, _ in anchors for pos in stata_positions(n, p)]
    if positions_all != sorted(set(positions_all)):
        raise ValueError(f"the percentiles' order statistics overlap for n = {n}")
    values = np.full(n, np.nan)
    fixed = np.zeros(n, dtype=bool)
    floor = lo
    for k, (p, allowed) in enumerate(anchors):
        later = [min(a) for _, a in anchors[k + 1 :]]
        ceiling = min(later) if later else hi
        target = _pick(rng, [a for a in allowed if floor <= a <= ceiling])
        positions = stata_positions(n, p)
        if len(positions) == 1:
            pair = (target, target)
        else:
            deltas = [
                d
                for d in (0, step / 2, step, 3 * step / 2)
                if floor <= target - d
                and target + d <= ceiling
                and _on_grid(target - d, lo, step)
                and _on_grid(target + d, lo, step)
            ]
            delta = _pick(rng, deltas)
            pair = (target - delta, target + delta)
        for pos, v in zip(positions, pair):
            values[pos - 1] = v
            fixed[pos - 1] = True
        floor = pair[1]
    for j in range(n):
        if fixed[j]:
            continue
        lb, ub = _segment_bounds(values, fixed, j, lo, hi)
        steps = int(round((ub - lb) / step))
        values[j] = lb + step * int(rng.integers(steps + 1))
    _sort_free_runs(values, fixed)
    return values, fixed


def _on_grid(v: float, lo: float, step: float) -> bool:
    q = (v - lo) / step
    return abs(q - round(q)) < 1e-9


def _segment_bounds(values: np.ndarray, fixed: np.ndarray, j: int, lo: float, hi: float) -> tuple[float, float]:
    left = [values[i] for i in range(j - 1, -1, -1) if fixed[i]]
    right = [values[i] for i in range(j + 1, len(values)) if fixed[i]]
    return (left[0] if left else lo), (right[0] if right else hi)


def _sort_free_runs(values: np.ndarray, fixed: np.ndarray) -> None:
    j = 0
    n = len(values)
    while j < n:
        if fixed[j]:
            j += 1
            continue
        k = j
        while k < n and not fixed[k]:
            k += 1
        values[j:k] = np.sort(values[j:k])
        j = k


def adjust_total(
    rng: np.random.Generator,
    samples: list[tuple[np.ndarray, np.ndarray, float, float]],
    target: float,
    step: float = 1,
) -> None:
    """Move free (not fixed) values one step at a time until all samples sum to ``target``.

    ``samples`` holds (values, fixed, lo, hi) as ``anchored_sample`` made them; a free
    value stays between its fixed neighbours, so every anchored percentile still holds.
    """
    total = sum(float(v.sum()) for v, _, _, _ in samples)
    while abs(total - target) > 1e-9:
        up = total < target
        movable = []
        for s, (values, fixed, lo, hi) in enumerate(samples):
            for j in range(len(values)):
                if fixed[j]:
                    continue
                lb, ub = _segment_bounds(values, fixed, j, lo, hi)
                if (up and values[j] + step <= ub) or (not up and values[j] - step >= lb):
                    movable.append((s, j))
        if not movable:
            raise ValueError(f"cannot reach the total {target}")
        s, j = _pick(rng, movable)
        samples[s][0][j] += step if up else -step
        total += step if up else -step
        _sort_free_runs(samples[s][0], samples[s][1])


def rounding_days(value: float, decimals: int) -> list[float]:
    """Whole days whose months (days / 30.4375) round to ``value`` at ``decimals``, with margin."""
    days_per_month = _threshold("days_per_month")  # raw data contract: months = days / 30.4375
    half = 0.5 * 10 ** (-decimals)
    lo, hi = value - half + MONTH_MARGIN, value + half - MONTH_MARGIN
    first = math.ceil(lo * days_per_month)
    return [float(d) for d in range(first, int(hi * days_per_month) + 2) if lo <= d / days_per_month <= hi]


def _weekday(d: date) -> bool:
    return d.weekday() < 5


def _weekdays(start: date, end: date) -> list[date]:
    """Weekdays from start to end inclusive."""
    out = []
    d = start
    while d <= end:
        if _weekday(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def _previous_weekday(d: date) -> date:
    while not _weekday(d):
        d -= timedelta(days=1)
    return d


def _fmt(value: float) -> str:
    """A number as a real export writes it: whole numbers without a decimal point."""
    if value == int(value):
        return str(int(value))
    return repr(float(value))


# --------------------------------------------------------------------------- doses


@dataclass(frozen=True)
class Range:
    """An interval of mg/day oral morphine equivalent; open ends are marked."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, v: float) -> bool:
        above = v > self.lo if self.lo_open else v >= self.lo
        below = v < self.hi if self.hi_open else v <= self.hi
        return above and below


# Daily doses as marketed (BNF presentations), with a weight for how often a regimen is
# seen: oral mg/day; patches microgram/hour. A regimen is one or two prescription rows.
_ORAL = {
    "codeine": ((30, 0.5), (60, 1.0), (90, 0.7), (120, 1.0), (180, 0.8), (240, 1.5)),
    "tramadol": ((50, 0.5), (100, 1.0), (150, 0.8), (200, 1.2), (300, 0.8), (400, 0.8)),
    "morphine_mr": (20, 30, 40, 60, 80, 90, 100, 120, 160, 200, 240, 300, 360),
    "morphine_ir": (10, 20, 30, 40, 60),
    "oxycodone_mr": (10, 20, 30, 40, 60, 80, 100, 120, 160, 200, 240),
    "oxycodone_ir": (10, 20),
    "oxycodone_naloxone": (10, 20, 40, 60, 80, 120, 160),
    "methadone": ((90, 1.0), (100, 1.0)),
}
_PATCH = {
    "fentanyl": (12, 25, 37, 50, 75, 100),
    "buprenorphine": (5, 10, 15, 20, 35, 52.5, 70),
}


def regimens() -> dict[str, list[tuple[tuple[tuple[str, float], ...], float]]]:
    """Drug family → list of (rows, weight); a row is (drug key, daily dose)."""
    out: dict[str, list] = {}
    out["codeine"] = [((("codeine", d),), w) for d, w in _ORAL["codeine"]]
    out["tramadol"] = [((("tramadol", d),), w) for d, w in _ORAL["tramadol"]]
    morphine = [((("morphine", mr),), 1.0) for mr in _ORAL["morphine_mr"]]
    morphine += [
        ((("morphine", mr), ("morphine", ir)), 0.1) for mr in _ORAL["morphine_mr"] for ir in _ORAL["morphine_ir"] if ir <= mr
    ]
    morphine += [((("morphine", ir),), 0.3) for ir in _ORAL["morphine_ir"][:3]]
    out["morphine"] = morphine
    oxy = [((("oxycodone", mr),), 1.0) for mr in _ORAL["oxycodone_mr"]]
    oxy += [
        ((("oxycodone", mr), ("oxycodone", ir)), 0.1) for mr in _ORAL["oxycodone_mr"] for ir in _ORAL["oxycodone_ir"] if ir <= mr
    ]
    oxy += [((("oxycodone_naloxone", d),), 0.6) for d in _ORAL["oxycodone_naloxone"]]
    out["oxy"] = oxy
    out["fentanyl"] = [((("fentanyl", d),), 1.0) for d in _PATCH["fentanyl"]]
    out["buprenorphine"] = [((("buprenorphine", d),), 1.0) for d in _PATCH["buprenorphine"]]
    out["methadone"] = [((("methadone", d),), w) for d, w in _ORAL["methadone"]]
    return out


@dataclass(frozen=True)
class DoseSlot:
    """One service user's place in the published dose distribution.

    ``families``: the opioids at baseline; ``baseline``: the range the baseline dose must
    fall in; ``change``: ``same``, ``stop`` or ``reduce`` (to a dose in ``follow_up``).
    """

    name: str
    families: tuple[str, ...]
    baseline: Range
    change: str
    follow_up: Range | None = None


def dose_slots(targets: dict[str, tuple[float, int]]) -> list[DoseSlot]:
    """The 34 dose slots that give the published quartiles, counts and changes.

    With p25/median/p75 a, b, c at baseline (60, 90, 240), a2, b2, c2 at follow-up
    (30, 72, 160) and the high-dose line h (120): 8 weak-opioid users below a (3 stop, 1
    reduces, 4 unchanged at or below a2), one user at a reducing to a2, 11 users from a
    to h around the median b (2 exactly at b; 2 unchanged at b2, the follow-up median),
    and 14 above h (one unchanged at c2, one at c, 4 dropping below h, 3 reducing above
    h). Stata's percentiles then sit on the anchors whatever the seed picks inside each
    range (``stata_positions``: n = 34 gives x(9), (x(17)+x(18))/2, x(26)). Drug sets
    give the published drug counts (codeine 17, tramadol 10, morphine 9, oxycodone
    family 7, fentanyl 5, buprenorphine 3, methadone 1; 16 on two or more drugs).
    """
    a = _value(targets, "dose_baseline_p25")
    b = _value(targets, "dose_baseline_median")
    c = _value(targets, "dose_baseline_p75")
    a2 = _value(targets, "dose_follow_up_p25")
    b2 = _value(targets, "dose_follow_up_median")
    c2 = _value(targets, "dose_follow_up_p75")
    h = _threshold("dose_high_mme")
    if not (a2 < a <= b2 <= b < h < c2 <= c):
        raise ValueError("the dose slot design assumes p25_fu < p25 <= median_fu <= median < 120 < p75_fu <= p75")
    R = Range
    low = R(0, a, True, True)
    weak_same = R(0, a2, True)
    mid = R(a, b)
    mid_same_low = R(a, b2)
    f_low = R(a2, b2)
    top = R(c, DOSE_CAP)
    slots = [
        DoseSlot("low_stop_1", ("codeine",), low, "stop"),
        DoseSlot("low_stop_2", ("codeine",), low, "stop"),
        DoseSlot("low_stop_3", ("tramadol",), low, "stop"),
        DoseSlot("low_reduce", ("codeine",), low, "reduce", R(0, a2, True)),
        DoseSlot("low_same_1", ("codeine",), weak_same, "same"),
        DoseSlot("low_same_2", ("codeine",), weak_same, "same"),
        DoseSlot("low_same_3", ("tramadol",), weak_same, "same"),
        DoseSlot("low_same_4", ("tramadol",), weak_same, "same"),
        DoseSlot("p25", ("morphine",), R(a, a), "reduce", R(a2, a2)),
        DoseSlot("mid_same_1", ("codeine", "tramadol"), mid_same_low, "same"),
        DoseSlot("mid_same_2", ("tramadol", "morphine"), mid_same_low, "same"),
        DoseSlot("median_fu_1", ("codeine", "oxy"), R(b2, b2), "same"),
        DoseSlot("median_fu_2", ("codeine", "buprenorphine"), R(b2, b2), "same"),
        DoseSlot("mid_same_3", ("fentanyl",), R(b2, b), "same"),
        DoseSlot("mid_reduce_1", ("codeine", "morphine"), mid, "reduce", f_low),
        DoseSlot("mid_reduce_2", ("oxy",), mid, "reduce", f_low),
        DoseSlot("median_1", ("morphine",), R(b, b), "same"),
        DoseSlot("median_2", ("tramadol", "morphine"), R(b, b), "reduce", f_low),
        DoseSlot("mid_same_4", ("codeine", "oxy"), R(b, h, False, True), "same"),
        DoseSlot("mid_same_5", ("codeine", "buprenorphine"), R(b, h, False, True), "same"),
        DoseSlot("p75_fu", ("tramadol", "morphine"), R(c2, c2), "same"),
        DoseSlot("p75", ("fentanyl",), R(c, c), "same"),
        DoseSlot("high_same_1", ("codeine", "tramadol", "morphine"), top, "same"),
        DoseSlot("high_same_2", ("codeine", "tramadol", "oxy"), top, "same"),
        DoseSlot("high_same_3", ("oxy",), top, "same"),
        DoseSlot("high_same_4", ("morphine",), top, "same"),
        # Methadone's factor is contested (see mme_opioids_aware.csv): 90-100 mg/day is
        # above c at baseline and above c2 at follow-up for any factor from 2.7 up, so no
        # quartile depends on it.
        DoseSlot("high_same_methadone", ("methadone",), R(c, math.inf), "same"),
        DoseSlot("high_reduce_1", ("codeine", "morphine"), top, "reduce", R(h, c2, True)),
        DoseSlot("high_reduce_2", ("codeine", "fentanyl"), top, "reduce", R(c2, DOSE_CAP)),
        DoseSlot("high_reduce_3", ("tramadol", "oxy"), top, "reduce", R(c2, DOSE_CAP)),
        DoseSlot("drop_1", ("codeine", "oxy"), R(h, c, True), "reduce", f_low),
        DoseSlot("drop_2", ("codeine", "fentanyl"), R(h, c, True), "reduce", f_low),
        DoseSlot("drop_3", ("fentanyl",), R(h, c, True), "reduce", R(b2, h, False, True)),
        DoseSlot("drop_4", ("buprenorphine",), R(h, c, True), "reduce", R(b2, h, False, True)),
    ]
    return slots


def _conversion() -> tuple[dict, dict[str, tuple[str, str]]]:
    """Default factors (Opioids Aware table shipped with the package: drug → factor, and
    (drug, strength) → factor for a listed patch strength) and drug → (route, unit)."""
    table = read_reference("mme_opioids_aware.csv")
    factor: dict = {}
    for d, s, f in zip(table["drug"], table["strength"], table["factor"]):
        factor[(d, float(s)) if s else d] = float(f)
    route = {d: (r, u) for d, r, u in zip(table["drug"], table["route"], table["unit"])}
    return factor, route


def _mme(rows: tuple[tuple[str, float], ...], factor: dict) -> float:
    """As painreview.mme: a listed strength's factor, else the drug's."""
    return round(math.fsum(dose * factor.get((drug, float(dose)), factor[drug]) for drug, dose in rows), DOSE_DECIMALS)


def _combos(families: tuple[str, ...], regs: dict, factor: dict[str, float]) -> list[tuple[tuple, float, float]]:
    """Every regimen combination of ``families``: (rows, weight, mme)."""
    out = []
    for parts in itertools.product(*(regs[f] for f in families)):
        rows = tuple(r for rows_, _ in parts for r in rows_)
        weight = math.prod(w for _, w in parts)
        out.append((rows, weight, _mme(rows, factor)))
    return out


def _slot_doses(rng: np.random.Generator, slot: DoseSlot, combos):
    """(baseline rows, follow-up rows) for one slot; follow-up () means ``none``.

    ``combos(families)`` gives every regimen combination of those families.
    """
    reduced = []
    if slot.change == "reduce":
        for k in range(len(slot.families), 0, -1):
            for subset in itertools.combinations(slot.families, k):
                reduced += [(rows, w, y) for rows, w, y in combos(subset) if y in slot.follow_up]
        if not reduced:
            raise ValueError(f"no reduced regimen fits slot {slot.name}")
    base = [(rows, w, x) for rows, w, x in combos(slot.families) if x in slot.baseline]
    while base:
        k = int(rng.choice(len(base), p=_normalised([w for _, w, _ in base])))
        rows, _, x = base[k]
        if slot.change == "same":
            return rows, rows
        if slot.change == "stop":
            return rows, ()
        # A reduction lowers or keeps each drug and adds none (it may drop one); gentler
        # reductions and keeping every drug are the likelier.
        per_drug = _per_drug(rows)
        options = [
            (f_rows, w * (y / x) * (1.0 if _per_drug(f_rows).keys() == per_drug.keys() else 0.3))
            for f_rows, w, y in reduced
            if y < x and all(d in per_drug and v <= per_drug[d] for d, v in _per_drug(f_rows).items())
        ]
        if options:
            f_rows, _ = _pick(rng, options, [w for _, w in options])
            return rows, f_rows
        del base[k]
    raise ValueError(f"no marketed regimen fits slot {slot.name}")


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _per_drug(rows: tuple[tuple[str, float], ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for drug, dose in rows:
        out[drug] = out.get(drug, 0.0) + dose
    return out


# --------------------------------------------------------------------------- codebook design


@dataclass(frozen=True)
class Code:
    """One code of the coding frame and the participant counts its Results wording allows."""

    theme: str
    code: str
    label: str
    counts: tuple[tuple[str, int, int], ...]  # (role, min, max) participants; ALL = every one
    wording: str
    sentence: str
    required: tuple[str, ...] = ()  # participant ids the paper's quotes fix to this code


THEMES = (
    ("recruitment_attendance_retention", "Recruitment, attendance, and retention"),
    ("awareness_understanding_pain", "Awareness and understanding of pain"),
    ("opioid_use_pain_management", "Opioid use and pain management"),
    ("health_wellbeing_quality_of_life", "Health, wellbeing, and quality of life"),
    ("healthcare_use_delivery", "Healthcare use and delivery"),
)
"""The paper's five themes (its Results subsection headings), in order."""

WORDING = (
    ("one participant / one [role] / another / a GP / Project worker 1", "1"),
    ("a small number", "2–3"),
    ("a few", "2–4"),
    ("several", "4–6"),
    ("service users / GPs (plural, not quantified)", "2–6 service users; 2–4 GPs"),
    ("most service users", "10–16 (more than half of 18)"),
    ("the GPs", "all 4"),
    ("the lead GPs", "2 (one per practice)"),
    ("project workers (plural)", "both (2)"),
    ("all interviews / service provider interviews", "every participant of those roles"),
    ("no service users", "0"),
)
"""How the paper's words for how many became participant counts (see ``codebook_markdown``)."""

ALL = -1
"""A participant count meaning every interviewee of that role ("the GPs", "all interviews")."""

_ALL_ROLES = (("service_user", ALL, ALL), ("project_worker", ALL, ALL), ("manager", ALL, ALL), ("gp", ALL, ALL))

CODES = (
    Code("recruitment_attendance_retention", "non_response_previous_pain_clinic",
         "Reasons for non-response: negative previous experience of pain clinics",
         (("service_user", 1, 1),), "one participant",
         "one participant was hesitant to enrol because of a negative previous experience of pain clinics"),
    Code("recruitment_attendance_retention", "non_response_uncertain_benefit",
         "Reasons for non-response: uncertain about the benefits of the service",
         (("service_user", 1, 1),), "another",
         "and another stated an uncertainty about the potential benefits of the service"),
    Code("recruitment_attendance_retention", "missed_appointments_bad_pain_days",
         "Missing appointments on bad pain days",
         (("service_user", 2, 6),), "service users (plural)",
         "service users reported missing appointments because of 'bad pain days'"),
    Code("recruitment_attendance_retention", "missed_appointments_conflicts",
         "Missing appointments because of conflicting appointments",
         (("service_user", 2, 6),), "service users (plural)",
         "service users reported missing appointments because of … conflicting appointments"),
    Code("recruitment_attendance_retention", "service_duration",
         "Service duration",
         (("project_worker", 1, 1),), "Project worker 1",
         "Project worker 1 described the service duration as varying for each service user"),
    Code("recruitment_attendance_retention", "service_acceptability",
         "Acceptability of the service",
         _ALL_ROLES, "all interviews",
         "Service acceptability was also discussed in all interviews (Method; results presented elsewhere)"),
    Code("awareness_understanding_pain", "understanding_pain_and_opioids",
         "Understanding of pain and opioids",
         (("service_user", 4, 6), ("gp", ALL, ALL)), "several; the GPs",
         "Several service users described having a greater understanding of pain, the function of opioids, "
         "and their effectiveness for chronic pain treatment; this was echoed by the GPs"),
    Code("awareness_understanding_pain", "thoughts_emotions_and_pain",
         "Relationship between thoughts, emotions and pain",
         (("service_user", 2, 6),), "service users (plural)",
         "Service users described increased awareness of the relationship between thought processes, "
         "emotions, and experiences of pain"),
    Code("awareness_understanding_pain", "tracking_pain_and_opioid_use",
         "Tracking pain and opioid use",
         (("service_user", 2, 3), ("project_worker", 1, 1)), "one project worker and a small number",
         "By tracking patterns in pain and opioid use, one project worker and a small number of service users "
         "noticed that opioids were not always taken in response to pain levels (quote: P8, SU)",
         ("P8",)),
    Code("opioid_use_pain_management", "reduced_medication_overuse",
         "Reduced overuse of medication",
         (("gp", 1, 1),), "one GP",
         "one GP felt that overuse of medication among service users had reduced (quote: P19, GP)",
         ("P19",)),
    Code("opioid_use_pain_management", "modifying_opioid_use",
         "Modifying opioid use",
         (("service_user", 2, 6),), "service users (plural)",
         "the interviews highlighted several ways in which service users had modified their opioid use "
         "(quote: P1, SU)",
         ("P1",)),
    Code("opioid_use_pain_management", "pain_management_techniques",
         "Pain management techniques",
         (("service_user", 10, 16),), "most service users",
         "Most service users described changing their pain management approach and how they responded to pain"),
    Code("opioid_use_pain_management", "withdrawal_effects",
         "Increased pain and withdrawal effects when reducing",
         (("service_user", 2, 3),), "a small number",
         "A small number of service users reported increased pain levels and withdrawal side effects"),
    Code("health_wellbeing_quality_of_life", "quality_of_life_activities",
         "Activities that improved quality of life",
         (("service_user", 2, 6),), "service users (plural)",
         "Interviews captured several factors that contributed to improving QoL including self-kindness, "
         "starting new hobbies, volunteering"),
    Code("health_wellbeing_quality_of_life", "support_network",
         "Greater support network",
         (("service_user", 2, 3),), "a small number",
         "A small number of service users described having a greater support network"),
    Code("health_wellbeing_quality_of_life", "less_sedated_more_social",
         "Less sedated and more sociable",
         (("gp", 1, 1),), "one GP",
         "one GP described a service user as less sedated and more able to interact socially (quote: P19, GP)",
         ("P19",)),
    Code("health_wellbeing_quality_of_life", "sleep_improvements",
         "Sleep improvements",
         (("service_user", 4, 6),), "several",
         "Several service users also described sleep improvements"),
    Code("health_wellbeing_quality_of_life", "quality_of_life_reduced",
         "Reduced quality of life",
         (), "no service users",
         "no service users reported a reduction in QoL"),
    Code("health_wellbeing_quality_of_life", "mental_health_positive",
         "Positive effects on mental health",
         (("service_user", 4, 6),), "several",
         "Several service users described small positive effects on their mental health"),
    Code("health_wellbeing_quality_of_life", "confidence_and_self_esteem",
         "Confidence and self-esteem",
         (("service_user", 2, 6), ("project_worker", 2, 2), ("gp", 1, 1)),
         "service users (plural), project workers, and a GP",
         "Service users, project workers, and a GP described service users experiencing increased confidence, "
         "self-esteem (quote: P12, SU)",
         ("P12",)),
    Code("health_wellbeing_quality_of_life", "relationship_with_pain_unchanged",
         "Relationship with pain unchanged",
         (("service_user", 4, 6),), "several",
         "several service users noted that their relationship with pain had not changed"),
    Code("healthcare_use_delivery", "fewer_gp_consultations",
         "Fewer GP consultations",
         (("service_user", 2, 4), ("gp", 2, 4)), "GPs (plural); a few",
         "GPs described fewer consultations with 'high demand' service users. Similarly, a few service users "
         "described reductions in GP consultations"),
    Code("healthcare_use_delivery", "avoided_hospital_admission",
         "Not admitted to hospital",
         (("service_user", 1, 1),), "one",
         "one commented that not being admitted to hospital during service participation was a positive outcome"),
    Code("healthcare_use_delivery", "gp_time",
         "GP time",
         (("gp", 2, 2),), "the lead GPs",
         "the lead GPs did not feel the service saved them time"),
    Code("healthcare_use_delivery", "prescribing_appropriateness",
         "Prescribing appropriateness",
         (("gp", 2, 4),), "GPs (plural)",
         "GPs also described greater consideration of prescribing appropriateness"),
    Code("healthcare_use_delivery", "confidence_explaining_opioids",
         "Confidence explaining opioid effectiveness",
         (("gp", 2, 4),), "GPs (plural)",
         "and reflected that they had more confidence when explaining the effectiveness of opioids"),
    Code("healthcare_use_delivery", "gp_project_worker_partnership",
         "Partnership between GPs and project workers",
         (("project_worker", ALL, ALL), ("manager", ALL, ALL), ("gp", ALL, ALL)), "service provider interviews",
         "service provider interviews explored the partnership between GPs and project workers (Method)"),
)
"""The coding frame: every code, the participants per role its wording allows, and why."""


def codebook_markdown() -> str:
    """The two tables of data/synthetic/CODEBOOK.md: words → counts, then code by code.

    The tests check that CODEBOOK.md contains this text verbatim, so the document and the
    generator cannot drift apart.
    """
    lines = ["| the paper's words | participants |", "|---|---|"]
    lines += [f"| {words} | {count} |" for words, count in WORDING]
    lines += [
        "",
        "| theme | code | participants by role | wording | sentence of the paper |",
        "|---|---|---|---|---|",
    ]
    def shown(role: str, lo: int, hi: int) -> str:
        if lo == ALL:
            return f"{role} all"
        return f"{role} {lo}" if lo == hi else f"{role} {lo}–{hi}"

    for c in CODES:
        counts = ", ".join(shown(*rc) for rc in c.counts) or "0"
        lines.append(f"| {c.theme} | {c.code} | {counts} | {c.wording} | {c.sentence} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the generator


@dataclass
class _User:
    """Everything generated for one enrolled service user (internal)."""

    idx: int
    slot: DoseSlot | None = None
    baseline_rows: tuple = ()
    follow_up_rows: tuple = ()
    status: str = ""
    reason: str = ""
    duration: int = 0
    kept: int = 0
    cancelled: int = 0
    not_attended: int = 0
    first: date | None = None
    last: date | None = None
    enrolled_on: date | None = None
    invited_on: date | None = None
    practice: str = ""
    patient_id: str = ""


def synthesize(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The synthetic dataset for ``seed``: file stem → string DataFrame in the contract's columns."""
    rng = np.random.Generator(np.random.PCG64(seed))
    targets = published_targets()
    n_users = _count(targets, "enrolled")
    users = [_User(i) for i in range(n_users)]

    _assign_doses(rng, users, targets)
    _assign_status(rng, users, targets)
    _assign_appointment_counts(rng, users, targets)
    _assign_dates(rng, users)
    _assign_missed(rng, users, targets)
    invitations = _invitations(rng, users, targets)  # also sets patient ids
    demographics = _service_users(rng, users, targets)
    comorbidities = _comorbidities(rng, users, targets, demographics)
    motivations = _motivations(rng, users, targets, demographics)
    medications = _medications(rng, users, targets, comorbidities)
    prescriptions = _prescriptions(users)
    questionnaires = _questionnaires(rng, users, targets)
    appointments = _appointments(rng, users)
    service_status = _service_status(users)
    interviews = _interviews(rng, users, targets)
    codebook = _codebook()
    coded_segments = _coded_segments(rng, interviews)

    frames = {
        "invitations": invitations,
        "service_users": demographics.drop(columns=["_idx", "_sparse"]),
        "comorbidities": comorbidities,
        "motivations": motivations,
        "medications": medications,
        "prescriptions": prescriptions,
        "questionnaires": questionnaires,
        "appointments": appointments,
        "service_status": service_status,
        "interviews": interviews,
        "codebook": codebook,
        "coded_segments": coded_segments,
    }
    contract = columns()
    out = {}
    for name in FILES:
        cols = contract.loc[contract["file"] == name, "column"].tolist()
        frame = frames[name][cols].astype(str).reset_index(drop=True)
        out[name] = frame
    return out


def write_dataset(frames: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each frame as ``<out_dir>/<name>.csv`` (UTF-8, ``\\n``, no index) and the
    synthetic mark ``SYNTHETIC.sha256`` (``painreview.provenance``); the CSV paths written."""
    from painreview.provenance import write_mark

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in FILES:
        path = out / f"{name}.csv"
        text = frames[name].to_csv(index=False, lineterminator="\n")
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    write_mark(out)
    return paths


# --------------------------------------------------------------------------- parts


def _assign_doses(rng, users: list[_User], targets) -> None:
    slots = dose_slots(targets)
    if len(slots) != len(users):
        raise ValueError(f"{len(slots)} dose slots for {len(users)} service users")
    factor, _ = _conversion()
    regs = regimens()
    cache: dict[tuple[str, ...], list] = {}

    def combos(families: tuple[str, ...]) -> list:
        if families not in cache:
            cache[families] = _combos(families, regs, factor)
        return cache[families]

    order = rng.permutation(len(users))
    for user, k in zip(users, order):
        slot = slots[int(k)]
        user.slot = slot
        user.baseline_rows, user.follow_up_rows = _slot_doses(rng, slot, combos)


def _assign_status(rng, users: list[_User], targets) -> None:
    """Active or discharged, with the published discharge reasons, consistent with doses."""
    reasons = vocabulary("discharge_reason")
    need = {r: _count(targets, f"discharge_{r}", 0) for r in reasons}
    stopped = [u for u in users if u.slot.change == "stop"]
    if len(stopped) != need["no_longer_taking_opioids"]:
        raise ValueError("the stopped service users are the ones discharged as no longer taking opioids")
    for u in stopped:
        u.status, u.reason = "discharged", "no_longer_taking_opioids"
    free = [u for u in users if not u.status]
    reducers = [u for u in free if u.slot.change == "reduce"]
    for u in _sample(rng, reducers, need["dose_reduced"]):
        u.status, u.reason = "discharged", "dose_reduced"
    free = [u for u in users if not u.status]
    same = [u for u in free if u.slot.change == "same"]
    for u in _sample(rng, same, need["happy_as_is"]):
        u.status, u.reason = "discharged", "happy_as_is"
    rest = [r for r in reasons if r not in ("no_longer_taking_opioids", "dose_reduced", "happy_as_is")]
    for r in rest:
        free = [u for u in users if not u.status]
        weights = [2.0 if u.slot.change == "same" else 1.0 for u in free]
        for u in _sample(rng, free, need[r], weights):
            u.status, u.reason = "discharged", r
    for u in users:
        if not u.status:
            u.status = "active"
    for group in ("active", "discharged"):
        n = sum(u.status == group for u in users)
        if n != _count(targets, f"{group}_n"):
            raise ValueError(f"{n} {group} service users, published {_count(targets, f'{group}_n')}")


def _assign_appointment_counts(rng, users: list[_User], targets) -> None:
    """Duration (days) and kept appointments per user, with the published quartiles and totals."""
    samples = {}
    # (duration days, kept appointments) ranges; an active user's longest duration must fit
    # between the first possible enrolment and the end of data collection.
    limits = {"active": ((20, 440), (3, 40)), "discharged": ((0, 400), (0, 28))}
    for group in ("active", "discharged"):
        members = [u for u in users if u.status == group]
        n = len(members)
        dur_anchors = []
        kept_anchors = []
        for p, suffix in ((25, "p25"), (50, "median"), (75, "p75")):
            value, decimals = targets[f"{group}_duration_months_{suffix}"]
            dur_anchors.append((p, rounding_days(value, decimals)))
            kept_anchors.append((p, [float(_count(targets, f"{group}_attended_{suffix}"))]))
        (dlo, dhi), (klo, khi) = limits[group]
        durations, _ = anchored_sample(rng, n, dur_anchors, dlo, dhi)
        kept, kept_fixed = anchored_sample(rng, n, kept_anchors, klo, khi)
        samples[group] = (members, durations, kept, kept_fixed, klo, khi)
    adjust_total(
        rng,
        [(s[2], s[3], s[4], s[5]) for s in samples.values()],
        float(_count(targets, "appointments_kept")),
    )
    for group, (members, durations, kept, _fixed, _lo, _hi) in samples.items():
        # Engagement order: who stays longest. Lost to follow-up first, those who
        # reduced or stopped last; noise so that the order is not a rule.
        rank = {
            "lost_to_follow_up": 0.0, "benefit_concerns": 1.0, "no_time": 1.0, "happy_as_is": 2.0,
            "dose_reduced": 3.0, "no_longer_taking_opioids": 3.0, "": 1.0,
        }
        score = [rank[u.reason] + (0.5 if u.slot.change != "same" else 0.0) + rng.normal(0, 1.2) for u in members]
        ordered = [members[i] for i in np.argsort(score, kind="stable")]
        kept_values = [int(k) for k in kept]
        # A few swaps between neighbours so that duration and attendance are not in lockstep.
        for _ in range(len(kept_values)):
            j = int(rng.integers(len(kept_values) - 1))
            if durations[j] > 0 and durations[j + 1] > 0:
                kept_values[j], kept_values[j + 1] = kept_values[j + 1], kept_values[j]
        for u, d, k in zip(ordered, durations, kept_values):
            u.duration, u.kept = int(d), int(k)


def _assign_dates(rng, users: list[_User]) -> None:
    """First and last appointment, enrolment and invitation dates inside the study period."""
    for u in users:
        lag_enrol = int(rng.integers(0, 15))  # enrolment to first appointment
        lag_invite = int(rng.integers(14, 50))  # invitation letter to enrolment
        f_min = SERVICE_START + timedelta(days=lag_enrol + lag_invite + 5)
        f_max = INVITE_END - timedelta(days=14) + timedelta(days=lag_enrol)
        d = timedelta(days=u.duration)
        if u.status == "active":
            lo = max(ACTIVE_FROM, f_min + d)
            hi = min(DATA_END, f_max + d)
            lasts = [x for x in _weekdays(lo, hi) if _weekday(x - d)]
            u.last = _pick(rng, lasts)
            u.first = u.last - d
        else:
            hi = min(f_max, DISCHARGE_END - d)
            firsts = [x for x in _weekdays(f_min, hi) if _weekday(x + d)]
            u.first = _pick(rng, firsts)
            u.last = u.first + d
        u.enrolled_on = _previous_weekday(u.first - timedelta(days=lag_enrol))
        u.invited_on = _previous_weekday(u.enrolled_on - timedelta(days=lag_invite))


def _assign_missed(rng, users: list[_User], targets) -> None:
    """Cancelled and not-attended appointments adding up to the published totals.

    Every user with a duration needs a first and a last appointment (two at least); the
    rest go to users with room between their first and last dates, more to the engaged.
    """
    left = {"cancelled": _count(targets, "appointments_cancelled"),
            "not_attended": _count(targets, "appointments_not_attended")}
    room = {u.idx: len(_weekdays(u.first, u.last)) for u in users}

    def total(u):
        return u.kept + u.cancelled + u.not_attended

    def add(u, kind):
        if left[kind] == 0:
            kind = "cancelled" if kind == "not_attended" else "not_attended"
        left[kind] -= 1
        setattr(u, kind, getattr(u, kind) + 1)

    for u in users:
        for _ in range(max(0, (1 if u.duration == 0 else 2) - u.kept)):
            add(u, "not_attended" if rng.random() < 0.6 else "cancelled")
    for kind in ("cancelled", "not_attended"):
        while left[kind] > 0:
            candidates = [u for u in users if u.duration > 0 and total(u) < room[u.idx]]
            if not candidates:
                raise ValueError("no room left for appointments")
            add(_pick(rng, candidates, [u.kept + 2.0 for u in candidates]), kind)
    for u in users:
        if total(u) > room[u.idx] or (u.duration == 0) != (total(u) == 1):
            raise ValueError(f"appointments of user {u.idx} do not fit their dates")


def _invitations(rng, users: list[_User], targets) -> pd.DataFrame:
    """invitations.csv: the flow of Figure 1; assigns every patient id."""
    invited = _count(targets, "invited")
    contacted = _count(targets, "contact_successful")
    attended = _count(targets, "attended_info_session")
    reasons = vocabulary("non_enrolment_reason")
    outcomes: list[tuple[str, str, str, str]] = []  # contact, attended, enrolled, reason
    outcomes += [("no", "no", "no", "")] * (invited - contacted)
    outcomes += [("yes", "no", "no", "")] * (contacted - attended)
    for r in reasons:
        outcomes += [("yes", "yes", "no", r)] * _count(targets, f"non_enrolment_{r}", 0)
    if len(outcomes) + len(users) != invited or attended - len(users) != sum(o[3] != "" for o in outcomes):
        raise ValueError("published flow counts do not add up")
    days = _weekdays(SERVICE_START, INVITE_END)
    records = []
    for o in outcomes:
        records.append({"user": None, "invited_on": _pick(rng, days), "outcome": o})
    for u in users:
        records.append({"user": u, "invited_on": u.invited_on, "outcome": ("yes", "yes", "yes", "")})
    n_a = int(rng.integers(invited * 2 // 5, invited * 3 // 5 + 1))
    practices = ["A"] * n_a + ["B"] * (invited - n_a)
    practices = [practices[i] for i in rng.permutation(invited)]
    tiebreak = rng.random(invited)
    order = sorted(range(invited), key=lambda i: (records[i]["invited_on"], tiebreak[i]))
    counters = {"A": 0, "B": 0}
    rows = []
    for i in order:
        rec = records[i]
        practice = practices[i]
        counters[practice] += 1
        pid = f"{practice}{counters[practice]:03d}"
        contact, att, enr, reason = rec["outcome"]
        if rec["user"] is not None:
            rec["user"].patient_id = pid
            rec["user"].practice = practice
        rows.append({
            "patient_id": pid, "practice": practice, "invited_on": rec["invited_on"].isoformat(),
            "contact_successful": contact, "attended_info_session": att, "enrolled": enr,
            "non_enrolment_reason": reason,
        })
    return pd.DataFrame(rows).sort_values("patient_id", kind="stable")


def _fill_coded(rng, pool: list[int], counts: dict[str, int]) -> dict[int, str]:
    """Give each key of ``counts`` to that many members of ``pool`` (random, exact)."""
    labels = [k for k, n in counts.items() for _ in range(n)]
    if len(labels) != len(pool):
        raise ValueError(f"{len(labels)} values for {len(pool)} service users")
    perm = rng.permutation(len(pool))
    return {pool[int(p)]: lab for p, lab in zip(perm, labels)}


def _table_counts(targets, table: str, variable: str, vocab: str) -> tuple[dict[str, int], int]:
    """Published n per level of a table row group, and its denominator N."""
    counts, denominators = {}, set()
    for level in vocabulary(vocab):
        key = f"{table}.{variable}.{level}"
        if f"{key}.n" in targets:
            counts[level] = _count(targets, f"{key}.n")
            denominators.add(_count(targets, f"{key}.N"))
    if len(denominators) != 1:
        raise ValueError(f"{table}.{variable}: denominators {sorted(denominators)}")
    return counts, denominators.pop()


def _service_users(rng, users: list[_User], targets) -> pd.DataFrame:
    """service_users.csv, plus internal columns ``_idx`` and ``_sparse``."""
    n = len(users)
    idx = [u.idx for u in users]
    # Ages: standardised normal draws scaled to the published mean and SD, rounded.
    mean, sd = _value(targets, "table1.age_years..mean"), _value(targets, "table1.age_years..sd")
    for _ in range(100):
        z = rng.standard_normal(n)
        z = (z - z.mean()) / z.std(ddof=1)
        ages = np.clip(np.rint(mean + sd * z), 24, 86).astype(int)
        if abs(ages.mean() - mean) <= 0.3 and abs(ages.std(ddof=1) - sd) <= 0.3:
            break
    else:
        raise ValueError("could not draw ages with the published mean and SD")
    age = dict(zip(idx, (int(a) for a in ages)))
    female = _count(targets, "table1.sex.female.n")
    sex = _fill_coded(rng, idx, {"female": female, "male": n - female})

    # Forms left incomplete: the least engaged service users are likeliest to lack the
    # demographic block (the same few miss ethnicity, employment, relationship, pain clinic).
    white, n_eth = _count(targets, "table1.ethnicity.white.n"), _count(targets, "table1.ethnicity.white.N")
    weights = [1.0 + 4.0 * (u.status == "discharged" and u.kept <= 2) for u in users]
    sparse = _sample(rng, idx, n - n_eth, weights)
    complete = [i for i in idx if i not in sparse]
    ethnicity = {i: "" for i in idx}
    eth_counts = {"white": white}
    other = n_eth - white
    if other:
        eth_counts["other"] = other
    ethnicity.update(_fill_coded(rng, complete, eth_counts))

    emp_counts, n_emp = _table_counts(targets, "table1", "employment", "employment")
    rel_counts, n_rel = _table_counts(targets, "table1", "relationship", "relationship")
    pain_yes, n_pain = _count(targets, "table1.previous_pain_clinic.yes.n"), _count(targets, "table1.previous_pain_clinic.yes.N")
    if not (n_emp == n_rel == n_pain == n_eth):
        raise ValueError("the generator gives one set of service users the missing demographic block")
    employment = {i: "" for i in idx}
    # Retired: the oldest (with noise); employed: younger ones more often.
    by_age = sorted(complete, key=lambda i: -(age[i] + rng.normal(0, 3)))
    retired = by_age[: emp_counts.get("retired", 0)]
    for i in retired:
        employment[i] = "retired"
    rest = [i for i in complete if i not in retired]
    emp_weights = [1.0 + max(0, 60 - age[i]) / 10 for i in rest]
    employed = _sample(rng, rest, emp_counts.get("employed", 0), emp_weights)
    for i in rest:
        employment[i] = "employed" if i in employed else "unemployed"
    if sum(v == "unemployed" for v in employment.values()) != emp_counts.get("unemployed", 0):
        raise ValueError("employment counts do not add up")
    relationship = {i: "" for i in idx}
    relationship.update(_fill_coded(rng, complete, rel_counts))
    pain_clinic = {i: "" for i in idx}
    pain_clinic.update(_fill_coded(rng, complete, {"yes": pain_yes, "no": n_pain - pain_yes}))

    dis_yes, n_dis = _count(targets, "table1.disability.yes.n"), _count(targets, "table1.disability.yes.N")
    dis_pool = _sample(rng, complete, n_dis)
    disability = {i: "" for i in idx}
    disability.update(_fill_coded(rng, dis_pool, {"yes": dis_yes, "no": n_dis - dis_yes}))

    # Opioid history: start reason missing for the sparsest forms; years missing for a few more.
    start_counts, n_start = _table_counts(targets, "table2", "opioid_start_reason", "opioid_start_reason")
    no_history = sparse[: n - n_start] if n - n_start <= len(sparse) else sparse + _sample(
        rng, complete, n - n_start - len(sparse))
    with_history = [i for i in idx if i not in no_history]
    start = {i: "" for i in idx}
    start.update(_fill_coded(rng, with_history, start_counts))
    bands = {"0-2": (0, 2), "3-4": (3, 4), "5-9": (5, 9), "10-14": (10, 14), "15+": (15, 40)}
    band_counts = {b: _count(targets, f"table2.opioid_years_band.{b}.n") for b in bands}
    n_years = _count(targets, "table2.opioid_years_band.15+.N")
    years_pool = _sample(rng, with_history, n_years)
    years = {i: "" for i in idx}
    # Longest use to the oldest, more often than not.
    order = sorted(years_pool, key=lambda i: -(age[i] + rng.normal(0, 8)))
    labels = [b for b in reversed(list(bands)) for _ in range(band_counts[b])]
    for i, band in zip(order, labels):
        lo, hi = bands[band]
        hi = min(hi, age[i] - 18)
        if hi < lo:
            raise ValueError("a service user too young for their opioid-years band")
        years[i] = str(int(rng.integers(lo, hi + 1)))

    rows = []
    for u in users:
        i = u.idx
        rows.append({
            "_idx": i, "_sparse": i in sparse, "patient_id": u.patient_id,
            "enrolled_on": u.enrolled_on.isoformat(), "sex": sex[i], "age_years": str(age[i]),
            "ethnicity": ethnicity[i], "employment": employment[i], "relationship": relationship[i],
            "disability": disability[i], "previous_pain_clinic": pain_clinic[i],
            "opioid_start_reason": start[i], "opioid_years": years[i],
        })
    return pd.DataFrame(rows).sort_values("patient_id", kind="stable")


def _comorbidities(rng, users: list[_User], targets, demographics: pd.DataFrame) -> pd.DataFrame:
    """comorbidities.csv: one row per service user asked about a condition (Table 1)."""
    pid = {u.idx: u.patient_id for u in users}
    idx = demographics["_idx"].tolist()
    sparse = demographics.loc[demographics["_sparse"], "_idx"].tolist()
    conditions = vocabulary("condition")
    spec = {c: (_count(targets, f"table1.condition.{c}.n"), _count(targets, f"table1.condition.{c}.N"),
                _count(targets, f"table1.condition.{c}.diagnosed", -1)) for c in conditions}
    widest = max(N for _, N, _ in spec.values())
    narrow = min(N for _, N, _ in spec.values())
    # Those never asked: the sparse forms first; the widest denominators add the next ones.
    pool_order = sparse + [i for i in idx if i not in sparse]
    never = pool_order[: len(idx) - widest]
    asked_order = [i for i in pool_order if i not in never]
    rank = {i: k for k, i in enumerate(asked_order)}
    rows = []
    present_of: dict[str, list[int]] = {}
    for c in conditions:
        n, N, diagnosed = spec[c]
        asked = sorted(asked_order[len(asked_order) - N :], key=lambda i: rank[i])
        if N < widest and N != narrow:
            raise ValueError("comorbidity denominators: the generator supports two sizes")
        present = _sample(rng, asked, n)
        present_of[c] = present
        diag = set(_sample(rng, present, diagnosed)) if diagnosed >= 0 else set()
        for i in asked:
            is_present = i in present
            d = ""
            if diagnosed >= 0 and is_present:
                d = "yes" if i in diag else "no"
            rows.append({"patient_id": pid[i], "condition": c, "present": "yes" if is_present else "no", "diagnosed": d})
    order = {c: k for k, c in enumerate(conditions)}
    frame = pd.DataFrame(rows)
    frame["_o"] = frame["condition"].map(order)
    return frame.sort_values(["patient_id", "_o"], kind="stable").drop(columns="_o")


def _motivations(rng, users: list[_User], targets, demographics: pd.DataFrame) -> pd.DataFrame:
    """motivations.csv: self-reported motivation for opioid use (Table 2)."""
    pid = {u.idx: u.patient_id for u in users}
    with_history = demographics.loc[demographics["opioid_start_reason"] != "", "_idx"].tolist()
    motivations = vocabulary("motivation")
    spec = {m: (_count(targets, f"table2.motivation.{m}.n"), _count(targets, f"table2.motivation.{m}.N")) for m in motivations}
    if {N for _, N in spec.values()} != {len(with_history)}:
        raise ValueError("motivation denominators must equal the service users with an opioid history")
    rows = []
    for m in motivations:
        present = set(_sample(rng, with_history, spec[m][0]))
        for i in with_history:
            rows.append({"patient_id": pid[i], "motivation": m, "present": "yes" if i in present else "no"})
    order = {m: k for k, m in enumerate(motivations)}
    frame = pd.DataFrame(rows)
    frame["_o"] = frame["motivation"].map(order)
    return frame.sort_values(["patient_id", "_o"], kind="stable").drop(columns="_o")


def _medications(rng, users: list[_User], targets, comorbidities: pd.DataFrame) -> pd.DataFrame:
    """medications.csv: baseline non-opioid medicines (Table 1), plausibly co-prescribed."""
    pid = {u.idx: u.patient_id for u in users}
    idx = [u.idx for u in users]
    by_pid = {p: i for i, p in pid.items()}
    present = comorbidities[comorbidities["present"] == "yes"]
    has = {(by_pid[p], c) for p, c in zip(present["patient_id"], present["condition"])}
    low_mood = {i for i in idx if (i, "depression") in has or (i, "anxiety_panic") in has or (i, "low_mood") in has}
    exclusive = {"gabapentin": "pregabalin", "pregabalin": "gabapentin", "ssri": "snri", "snri": "ssri"}
    boost = {
        "ssri": low_mood, "snri": low_mood, "other_antidepressant": low_mood,
        "benzodiazepine": {i for i in idx if (i, "anxiety_panic") in has},
        "zopiclone": {i for i in idx if (i, "sleep_issues") in has},
    }
    taking: dict[int, list[str]] = {i: [] for i in idx}
    meds = vocabulary("medication")
    for m in meds:
        n = _count(targets, f"table1.medication.{m}.n", 0)
        pool = [i for i in idx if exclusive.get(m) not in taking[i]]
        weights = [3.0 if i in boost.get(m, set()) else 1.0 for i in pool]
        for i in _sample(rng, pool, n, weights):
            taking[i].append(m)
    rows = [{"patient_id": pid[i], "medication": m} for i in idx for m in taking[i]]
    order = {m: k for k, m in enumerate(meds)}
    frame = pd.DataFrame(rows)
    frame["_o"] = frame["medication"].map(order)
    return frame.sort_values(["patient_id", "_o"], kind="stable").drop(columns="_o")


def _prescriptions(users: list[_User]) -> pd.DataFrame:
    """prescriptions.csv: the dose slots' regimens, one row per product."""
    _, route = _conversion()
    rows = []
    for u in users:
        for timepoint, regimen in (("baseline", u.baseline_rows), ("follow_up", u.follow_up_rows)):
            if not regimen:
                rows.append({"patient_id": u.patient_id, "timepoint": timepoint, "drug": "none", "route": "",
                             "daily_dose": "0", "dose_unit": ""})
                continue
            for drug, dose in _without_copies(regimen):
                r, unit = route[drug]
                rows.append({"patient_id": u.patient_id, "timepoint": timepoint, "drug": drug, "route": r,
                             "daily_dose": _fmt(dose), "dose_unit": unit})
    return pd.DataFrame(rows).sort_values(["patient_id"], kind="stable")


def _without_copies(regimen) -> list[tuple[str, float]]:
    """Two products of one drug at the same dose as one row of the summed dose: the raw data
    contract refuses identical rows (a record exported twice), and doses add up."""
    counts: dict[tuple[str, float], int] = {}
    for product in regimen:
        counts[product] = counts.get(product, 0) + 1
    return [(drug, dose * n) for (drug, dose), n in counts.items()]


def _items_summing(rng, total: int, n_items: int, lo: int, hi: int, weights: np.ndarray) -> list[int]:
    """n_items integers in [lo, hi] adding up to ``total``, items with higher weight fuller.

    The points above ``lo`` are spread by a multinomial draw; points that overflow an
    item's maximum are drawn again among the items with room.
    """
    if not n_items * lo <= total <= n_items * hi:
        raise ValueError(f"total {total} impossible for {n_items} items of {lo}-{hi}")
    values = np.full(n_items, lo)
    left = total - n_items * lo
    while left > 0:
        room = hi - values
        p = np.where(room > 0, weights, 0.0)
        add = np.minimum(rng.multinomial(left, p / p.sum()), room)
        values += add
        left -= int(add.sum())
    return [int(v) for v in values]


def _questionnaires(rng, users: list[_User], targets) -> pd.DataFrame:
    """questionnaires.csv: item-level answers with the published scored counts and percentiles."""
    ref = items()
    measure_items = {m: ref.loc[ref["score"] == m, "item"].tolist() for m in ref["score"].unique().tolist()}
    by_idx = {u.idx: u for u in users}

    # Who answered: follow-up questionnaires at the final visit for engaged service users
    # (never the lost to follow-up); baseline at the first visit.
    n_follow = _count(targets, "wemwbs_paired_n") + 1  # one follow-up WEMWBS left unscored
    eligible = [u.idx for u in users if u.kept >= 3 and u.reason != "lost_to_follow_up"]
    follow = _sample(rng, eligible, n_follow, [by_idx[i].kept for i in eligible])
    comm_base_n = _count(targets, "comm_baseline_n")
    n_base = comm_base_n + 2  # one COMM with a missing item, one COMM not collected
    others = [u.idx for u in users if u.idx not in follow and u.kept >= 1]
    if len(others) < n_base - n_follow:
        others = [u.idx for u in users if u.idx not in follow]
    base = sorted(follow + _sample(rng, others, n_base - n_follow))
    base_only = [i for i in base if i not in follow]
    # COMM not collected (no rows at all) at one baseline and, below, one follow-up.
    comm_skipped, comm_partial = _sample(rng, base_only, 2)
    if rng.random() < 0.5:
        comm_skipped, comm_partial = comm_partial, comm_skipped

    answers: dict[tuple[int, str], dict[str, float | None]] = {}

    def put(i, tp, item, value):
        answers.setdefault((i, tp), {})[item] = value

    # --- COMM: published scored n and positives at each timepoint.
    comm_items = measure_items["comm_total"]
    popularity = rng.gamma(2.0, 1.0, len(comm_items))
    comm_base_users = [i for i in base if i not in (comm_skipped, comm_partial)]
    pos_base = _count(targets, "comm_positive_baseline_n")
    positives = set(_sample(rng, comm_base_users, pos_base, [3.0 if i in follow else 1.0 for i in comm_base_users]))
    comm_b = {}
    for i in comm_base_users:
        comm_b[i] = int(min(40, 9 + rng.gamma(2.0, 5.0))) if i in positives else int(rng.integers(1, 9))
    comm_follow_users = _sample(rng, follow, _count(targets, "comm_follow_up_n"))
    pos_follow = _count(targets, "comm_positive_follow_up_n")
    ranked = sorted(comm_follow_users, key=lambda i: -(comm_b.get(i, 10) + rng.normal(0, 3)))
    still_positive = set(ranked[:pos_follow])
    comm_f = {}
    for i in comm_follow_users:
        drop = int(rng.integers(0, 9))
        if i in still_positive:
            comm_f[i] = max(9, comm_b[i] - drop)
        else:
            comm_f[i] = min(8, max(0, comm_b[i] - drop - int(rng.integers(0, 4))))
    for tp, totals in (("baseline", comm_b), ("follow_up", comm_f)):
        for i, t in totals.items():
            for item, v in zip(comm_items, _items_summing(rng, t, len(comm_items), 0, 4, popularity)):
                put(i, tp, item, v)
    t = int(rng.integers(6, 30))
    values = _items_summing(rng, t, len(comm_items), 0, 4, popularity)
    gap = int(rng.integers(len(comm_items)))
    for k, (item, v) in enumerate(zip(comm_items, values)):
        put(comm_partial, "baseline", item, None if k == gap else v)

    # --- WEMWBS: paired n, and the published numbers improving by >= 3 and >= 8.
    wem_items = measure_items["wemwbs_total"]
    wem_weights = rng.gamma(4.0, 1.0, len(wem_items))
    paired = _count(targets, "wemwbs_paired_n")
    small, large = int(_threshold("wemwbs_change_small")), int(_threshold("wemwbs_change_large"))
    n_large = _count(targets, "wemwbs_improved_8_n")
    n_small = _count(targets, "wemwbs_improved_3_n") - n_large
    changes = [int(rng.integers(large, 19)) for _ in range(n_large)]
    changes += [int(rng.integers(small, large)) for _ in range(n_small)]
    changes += [int(rng.integers(-6, small)) for _ in range(paired - n_large - n_small)]
    changes = [changes[k] for k in rng.permutation(len(changes))]
    wem_partial = _pick(rng, follow)
    wem_paired = [i for i in follow if i != wem_partial]
    wem_b, wem_f = {}, {}
    for i in base:
        wem_b[i] = int(np.clip(rng.normal(38, 8), 20, 56))
    for i, ch in zip(wem_paired, changes):
        wem_b[i] = int(np.clip(wem_b[i], 20, 70 - max(ch, 0)))
        wem_b[i] = max(wem_b[i], 14 - min(ch, 0))
        wem_f[i] = wem_b[i] + ch
    for tp, totals in (("baseline", wem_b), ("follow_up", wem_f)):
        for i, t in totals.items():
            for item, v in zip(wem_items, _items_summing(rng, t, len(wem_items), 1, 5, wem_weights)):
                put(i, tp, item, v)
    t = int(np.clip(wem_b[wem_partial] + rng.integers(-2, 8), 20, 65))
    values = _items_summing(rng, t, len(wem_items), 1, 5, wem_weights)
    gap = int(rng.integers(len(wem_items)))
    for k, (item, v) in enumerate(zip(wem_items, values)):
        put(wem_partial, "follow_up", item, None if k == gap else v)

    # --- BPI % relief: published Stata quartiles; a few left blank.
    relief_item = measure_items["bpi_relief"][0]
    relief_b_users = _sample(rng, base, len(base) - 2)
    relief_f_users = _sample(rng, follow, len(follow) - 1)
    relief = {}
    for tp, group in (("baseline", relief_b_users), ("follow_up", relief_f_users)):
        anchors = [(p, [_value(targets, f"bpi_relief_{tp}_{s}")]) for p, s in ((25, "p25"), (50, "median"), (75, "p75"))]
        vals, _ = anchored_sample(rng, len(group), anchors, 0, 100, 10)
        if tp == "baseline":
            order = [group[k] for k in rng.permutation(len(group))]
        else:
            order = sorted(group, key=lambda i: relief.get((i, "baseline"), 50) + rng.normal(0, 15))
        for i, v in zip(order, vals):
            relief[(i, tp)] = float(v)
    for i in base:
        put(i, "baseline", relief_item, relief.get((i, "baseline")))
    for i in follow:
        put(i, "follow_up", relief_item, relief.get((i, "follow_up")))

    # --- BPI severity and interference, TOP: not published beyond "most improved".
    sev_items = measure_items["bpi_severity"]  # worst, least, average, now
    int_items = measure_items["bpi_interference"]
    pain_b = {i: rng.uniform(4.5, 8.5) for i in base}
    interf_b = {i: rng.uniform(4.0, 8.5) for i in base}
    top_b = {i: np.clip(np.rint(rng.normal(8, 3.5, size=3)), 1, 18).astype(int) for i in base}
    for tp, group in (("baseline", base), ("follow_up", follow)):
        for i in group:
            pain = pain_b[i] - (rng.uniform(-0.5, 2.0) if tp == "follow_up" else 0.0)
            average = int(np.clip(round(pain), 1, 10))
            worst = int(min(10, average + rng.integers(1, 4)))
            least = int(max(0, average - rng.integers(1, 5)))
            now = int(rng.integers(least, worst + 1))
            for item, v in zip(sev_items, (worst, least, average, now)):
                put(i, tp, item, v)
            level = interf_b[i] - (rng.uniform(-0.5, 3.0) if tp == "follow_up" else 0.0)
            for item in int_items:
                put(i, tp, item, int(np.clip(round(level + rng.normal(0, 1.5)), 0, 10)))
            top = top_b[i] + (rng.integers(-2, 7, size=3) if tp == "follow_up" else 0)
            for item, v in zip(measure_items["top_psych"] + measure_items["top_physical"] + measure_items["top_qol"],
                               np.clip(top, 0, 20)):
                put(i, tp, item, int(v))
    # Missing items that make the scoring rules matter.
    sev_gap = _pick(rng, base)
    put(sev_gap, "baseline", sev_items[1], None)  # least pain left blank: severity not scored
    int_three = _pick(rng, base)
    for item in _sample(rng, int_items, 4):
        put(int_three, "baseline", item, None)  # 3 of 7 answered: interference not scored
    int_five = _pick(rng, follow)
    for item in _sample(rng, int_items, 2):
        put(int_five, "follow_up", item, None)  # 5 of 7 answered: prorated (BPI user guide)
    item_order = {item: k for k, item in enumerate(ref["item"])}
    rows = []
    for (i, tp), ans in answers.items():
        for item, v in ans.items():
            rows.append((by_idx[i].patient_id, tp, item, "" if v is None else _fmt(v)))
    frame = pd.DataFrame(rows, columns=["patient_id", "timepoint", "item", "value"])
    frame["_t"] = frame["timepoint"].map({"baseline": 0, "follow_up": 1})
    frame["_o"] = frame["item"].map(item_order)
    return frame.sort_values(["patient_id", "_t", "_o"], kind="stable").drop(columns=["_t", "_o"])


def _appointments(rng, users: list[_User]) -> pd.DataFrame:
    """appointments.csv: dates from first to last, statuses adding up to the published totals."""
    rows = []
    for u in users:
        n = u.kept + u.cancelled + u.not_attended
        if n == 1:
            dates = [u.first]
        else:
            between = _weekdays(u.first + timedelta(days=1), u.last - timedelta(days=1))
            picked = sorted(_sample(rng, between, n - 2))
            dates = [u.first] + picked + [u.last]
        statuses = ["kept"] * u.kept + ["cancelled"] * u.cancelled + ["not_attended"] * u.not_attended
        if u.kept:
            rest = statuses[1:]
            statuses = ["kept"] + [rest[k] for k in rng.permutation(len(rest))]
        else:
            statuses = [statuses[k] for k in rng.permutation(len(statuses))]
        for d, s in zip(dates, statuses):
            rows.append({"patient_id": u.patient_id, "date": d.isoformat(), "status": s})
    return pd.DataFrame(rows).sort_values(["patient_id", "date"], kind="stable")


def _service_status(users: list[_User]) -> pd.DataFrame:
    rows = [{"patient_id": u.patient_id, "status": u.status, "discharge_reason": u.reason} for u in users]
    return pd.DataFrame(rows).sort_values("patient_id", kind="stable")


def _interviews(rng, users: list[_User], targets) -> pd.DataFrame:
    """interviews.csv: 25 interviews; the paper's quotes fix P1, P8, P12 (service users), P19 (GP)."""
    counts = {r: _count(targets, f"interviews_{r}_n") for r in vocabulary("role")}
    n = sum(counts.values())
    if n != _count(targets, "interviews_n"):
        raise ValueError("interview roles do not add up")
    fixed = {1: "service_user", 8: "service_user", 12: "service_user", 19: "gp"}
    remaining = dict(counts)
    for r in fixed.values():
        remaining[r] -= 1
    pool = [r for r in vocabulary("role") for _ in range(remaining[r])]
    pool = [pool[k] for k in rng.permutation(len(pool))]
    roles = {}
    it = iter(pool)
    for k in range(1, n + 1):
        roles[k] = fixed.get(k) or next(it)
    engaged = [u for u in users if u.kept >= 2]
    interviewed = _sample(rng, engaged, counts["service_user"], [u.kept for u in engaged])
    interviewed = [interviewed[k] for k in rng.permutation(len(interviewed))]
    # P1 describes a controlled dose reduction: a service user who reduced.
    reducers = [u for u in interviewed if u.slot.change == "reduce"]
    if reducers:
        p1 = _pick(rng, reducers)
        interviewed.remove(p1)
        interviewed.insert(0, p1)
    su = iter(interviewed)
    rows = []
    for k in range(1, n + 1):
        role = roles[k]
        mode = "face_to_face" if rng.random() < (0.65 if role == "service_user" else 0.4) else "telephone"
        pid = next(su).patient_id if role == "service_user" else ""
        rows.append({"participant_id": f"P{k}", "role": role, "mode": mode, "patient_id": pid})
    return pd.DataFrame(rows)


def _codebook() -> pd.DataFrame:
    theme_label = dict(THEMES)
    rows = [{"theme": c.theme, "theme_label": theme_label[c.theme], "code": c.code, "code_label": c.label} for c in CODES]
    return pd.DataFrame(rows)


def _coded_segments(rng, interviews: pd.DataFrame) -> pd.DataFrame:
    """coded_segments.csv: per code and role, a participant count its wording allows."""
    by_role: dict[str, list[str]] = {}
    for p, r in zip(interviews["participant_id"], interviews["role"]):
        by_role.setdefault(r, []).append(p)
    number = {p: int(p[1:]) for p in interviews["participant_id"]}
    code_order = {c.code: k for k, c in enumerate(CODES)}
    pairs = []
    for c in CODES:
        for role, lo, hi in c.counts:
            members = by_role.get(role, [])
            required = [p for p in c.required if p in members]
            k = len(members) if lo == ALL else int(rng.integers(lo, hi + 1))
            others = [p for p in members if p not in required]
            chosen = required + _sample(rng, others, k - len(required))
            for p in chosen:
                for _ in range(int(rng.integers(1, 4))):
                    pairs.append((p, c.code))
    pairs.sort(key=lambda pc: (number[pc[0]], code_order[pc[1]]))
    rows = [{"segment_id": f"seg_{k:04d}", "participant_id": p, "code": c} for k, (p, c) in enumerate(pairs, 1)]
    return pd.DataFrame(rows)
