"""Outcome summaries at baseline and follow-up (paper Figures 2-4; output ``outcomes.csv``).

A timepoint's summary covers the service users with a value there (a scored
questionnaire measure, or a dose record; a ``none`` prescription counts as 0 mg/day);
paired views cover those with a value at both timepoints.
"""

from __future__ import annotations

import pandas as pd

from painreview import mme
from painreview.reference import vocabulary
from painreview.scoring import MEASURES, score_questionnaires
from painreview.stats import describe

DOSE = "dose_mme"
OUTCOME_MEASURES = (*MEASURES, DOSE)
COLUMNS = ["measure", "timepoint", "n", "median", "p25", "p75", "mean", "sd", "min", "max"]


def long_values(scores: pd.DataFrame | None, doses: pd.DataFrame | None) -> pd.DataFrame:
    """Scores and doses stacked as DataFrame[patient_id, timepoint, measure, value], with
    unscored values dropped."""
    parts = []
    if scores is not None:
        parts.append(scores[["patient_id", "timepoint", "measure", "value"]])
    if doses is not None:
        parts.append(doses.assign(measure=DOSE).rename(columns={DOSE: "value"})[["patient_id", "timepoint", "measure", "value"]])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["patient_id", "timepoint", "measure", "value"])
    return out[out["value"].notna()].reset_index(drop=True)


def summarise(values: pd.DataFrame, measures=OUTCOME_MEASURES) -> pd.DataFrame:
    """DataFrame[measure, timepoint, n, median, p25, p75, mean, sd, min, max] from a long
    frame as ``long_values`` returns; every one of ``measures`` × timepoint, n = 0 included."""
    records = []
    for measure in measures:
        for timepoint in vocabulary("timepoint"):
            sel = values[(values["measure"] == measure) & (values["timepoint"] == timepoint)]
            d = describe(sel["value"])
            records.append({"measure": measure, "timepoint": timepoint, **{k: d[k] for k in COLUMNS[2:]}})
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out["n"] = out["n"].astype("int64")
    return out


def outcomes(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> pd.DataFrame:
    """The output contract's ``outcomes.csv``: the 8 questionnaire scores and the daily oral
    morphine equivalent dose, per timepoint."""
    scores = score_questionnaires(frames["questionnaires"])
    doses = mme.patient_doses(frames["prescriptions"], mme.as_table(conversion))
    return summarise(long_values(scores, doses))


def paired(scores_or_doses: pd.DataFrame, measure: str) -> pd.DataFrame:
    """DataFrame[patient_id, baseline, follow_up] of the service users with a value of
    ``measure`` at both timepoints, sorted by patient_id.

    Accepts the long scores frame (``score_questionnaires``: a ``measure`` and a ``value``
    column) or the doses frame (``patient_doses``: ``measure="dose_mme"`` names the value
    column).
    """
    frame = scores_or_doses
    if "measure" in frame.columns:
        frame = frame.loc[frame["measure"] == measure, ["patient_id", "timepoint", "value"]]
    else:
        frame = frame[["patient_id", "timepoint", measure]].rename(columns={measure: "value"})
    frame = frame[frame["value"].notna()]
    baseline, follow_up = vocabulary("timepoint")
    wide = frame.pivot(index="patient_id", columns="timepoint", values="value")
    for tp in (baseline, follow_up):
        if tp not in wide.columns:
            wide[tp] = pd.Series(dtype=float)
    wide = wide[[baseline, follow_up]].dropna().sort_index()
    wide.columns.name = None
    out = wide.reset_index()
    out[baseline] = out[baseline].astype(float)
    out[follow_up] = out[follow_up].astype(float)
    return out[["patient_id", baseline, follow_up]]


def unpaired_ids(scores_or_doses: pd.DataFrame, measure: str) -> list[str]:
    """Service users with a value of ``measure`` at exactly one timepoint, sorted."""
    frame = scores_or_doses
    if "measure" in frame.columns:
        frame = frame.loc[frame["measure"] == measure, ["patient_id", "value"]]
    else:
        frame = frame[["patient_id", measure]].rename(columns={measure: "value"})
    with_value = set(frame.loc[frame["value"].notna(), "patient_id"])
    both = set(paired(scores_or_doses, measure)["patient_id"])
    return sorted(with_value - both)
