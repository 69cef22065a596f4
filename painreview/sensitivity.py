"""How much each unstated choice moves the headline results (output ``sensitivity.csv``;
exploratory, not in the paper).

The paper does not name its conversion table, says only "Wilcoxon signed-rank test",
"duration of service use" and prints percentages without naming every denominator. For
each headline result this module recomputes it under each documented alternative
(``painreview/data/sensitivity_choices.csv``: setting, choice, label and source) and puts
the value under the run's choice (the contract's reading; the run's conversion table)
beside it. One row per result and alternative:

``result`` (a ``results.csv`` key), ``kind`` (count, percent, statistic, p_value),
``setting``, ``paper_choice``, ``alternative``, ``value`` (under the alternative),
``paper_value`` (under the paper's choice), ``n`` and ``paper_n`` (the group each value
describes: the denominator of a percentage, the service users behind a median or test).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from painreview import mme
from painreview.outcomes import DOSE, paired
from painreview.reference import read_reference, vocabulary
from painreview.results import BASELINE, FOLLOW_UP, dose_results, service_use, thresholds
from painreview.stats import describe, percent

COLUMNS = ["result", "kind", "setting", "paper_choice", "alternative", "value", "paper_value", "n", "paper_n"]
PAPER_DURATION = "first_to_last_any"


def choices() -> pd.DataFrame:
    """The documented choices (sensitivity_choices.csv)."""
    return read_reference("sensitivity_choices.csv")


def durations(frames: dict, definition: str, days_per_month: float) -> pd.Series:
    """Duration of service use in months per service user (index patient_id), by one of the
    ``duration`` choices; service users without the appointments a definition needs are
    left out."""
    appts = frames["appointments"]
    if definition == "first_to_last_any":
        use = service_use(appts, days_per_month)
        return use.set_index("patient_id")["duration_months"]
    if definition == "first_to_last_kept":
        use = service_use(appts[appts["status"] == "kept"], days_per_month)
        return use.set_index("patient_id")["duration_months"]
    if definition == "enrolment_to_last":
        last = appts.groupby("patient_id", sort=True)["date"].max()
        start = frames["service_users"].set_index("patient_id")["enrolled_on"].reindex(last.index)
        return ((last - start).dt.days / days_per_month).rename("duration_months")
    ref = choices()
    known = ", ".join(ref.loc[ref["setting"] == "duration", "choice"])
    raise ValueError(f"unknown duration definition {definition!r}; known: {known}")


def _row(result, kind, setting, paper_choice, alternative, value, paper_value, n, paper_n) -> dict:
    return dict(zip(COLUMNS, (result, kind, setting, paper_choice, alternative, value, paper_value, int(n), int(paper_n))))


def _dose_groups(doses: pd.DataFrame) -> dict[str, int]:
    pairs = paired(doses, DOSE)
    before = pairs[BASELINE]
    n_high = int((before > thresholds()["dose_high_mme"]).sum())
    counts = {tp: int((doses["timepoint"] == tp).sum()) for tp in (BASELINE, FOLLOW_UP)}
    return {"dose_baseline_median": counts[BASELINE], "dose_follow_up_median": counts[FOLLOW_UP],
            "paired": len(pairs), "dose_above_120_to_below_n": n_high}


CONVERSION_RESULTS = (("dose_baseline_median", "statistic"), ("dose_follow_up_median", "statistic"),
                      ("dose_wilcoxon_p", "p_value"), ("dose_reduced_n", "count"), ("dose_stopped_n", "count"),
                      ("dose_above_120_baseline_n", "count"), ("dose_above_120_to_below_n", "count"))


def sensitivity(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> pd.DataFrame:
    """The output contract's ``sensitivity.csv`` (see the module docstring). A conversion
    given as a table rather than by name goes by the name of the shipped table it equals,
    or ``custom`` (then compared with every documented table)."""
    limits = thresholds()
    run_table = mme.as_table(conversion)
    if not isinstance(conversion, str):
        same = [name for name in mme.known_tables() if mme.as_table(name).equals(run_table)]
        conversion = same[0] if same else "custom"
    ref = choices()
    rows: list[dict] = []

    # Conversion table: the run's against every other documented table.
    def dose_values(name):
        table = run_table if name == conversion else mme.as_table(name)
        values = dict(dose_results(frames["prescriptions"], table, limits))
        return values, _dose_groups(mme.patient_doses(frames["prescriptions"], table))

    paper, paper_groups = dose_values(conversion)
    for alt in ref.loc[ref["setting"] == "conversion", "choice"]:
        if alt == conversion:
            continue
        values, groups = dose_values(alt)
        for key, kind in CONVERSION_RESULTS:
            rows.append(_row(key, kind, "conversion", conversion, alt, values[key], paper[key],
                             groups.get(key, groups["paired"]), paper_groups.get(key, paper_groups["paired"])))

    # Test: Stata's signrank (normal, zeros kept) against the exact test without zeros.
    n_paired = paper_groups["paired"]
    rows.append(_row("dose_wilcoxon_p", "p_value", "test", "asymptotic", "exact", paper["dose_wilcoxon_exact_p"],
                     paper["dose_wilcoxon_p"], n_paired, n_paired))

    # Duration of service use: three definitions, medians per service status group.
    status = frames["service_status"]
    by_definition = {d: durations(frames, d, limits["days_per_month"])
                     for d in ref.loc[ref["setting"] == "duration", "choice"]}
    for group in vocabulary("service_status"):
        ids = status.loc[status["status"] == group, "patient_id"].tolist()
        base = describe(by_definition[PAPER_DURATION].reindex(ids))
        for definition, series in by_definition.items():
            if definition == PAPER_DURATION:
                continue
            alt = describe(series.reindex(ids))
            rows.append(_row(f"{group}_duration_months_median", "statistic", "duration", PAPER_DURATION, definition,
                             alt["median"], base["median"], alt["n"], base["n"]))

    # Denominators: dose changes of the paired against every enrolled service user; dose
    # medians over each timepoint's records against the paired only.
    enrolled = len(frames["service_users"])
    for key in ("dose_reduced", "dose_stopped"):
        count = paper[f"{key}_n"]
        rows.append(_row(f"{key}_percent", "percent", "denominator", "paired", "enrolled", percent(count, enrolled),
                         paper[f"{key}_percent"], enrolled, n_paired))
    doses = mme.patient_doses(frames["prescriptions"], run_table)
    pairs = paired(doses, DOSE)
    for tp in (BASELINE, FOLLOW_UP):
        key = f"dose_{tp}_median"
        rows.append(_row(key, "statistic", "denominator", "timepoint", "paired", describe(pairs[tp])["median"],
                         paper[key], len(pairs), paper_groups[key]))

    out = pd.DataFrame.from_records(rows, columns=COLUMNS)
    for col in ("value", "paper_value"):
        out[col] = pd.Series([_number(r[col]) for r in rows], dtype=object)
    return out


def _number(value):
    """Counts as ints, everything else as floats (NaN for missing), as results.csv."""
    if isinstance(value, (bool, int, np.integer)):
        return int(value)
    return float(value) if value is not None else math.nan
