"""Tables 1 and 2 of the paper as DataFrames, one row per printed row.

The rows, their order, sections and non-vocabulary labels are in
``painreview/data/table_rows.csv`` (a level ``*`` stands for every key of the row's
vocabulary, in vocabulary order, its label a template such as ``{} ethnicity`` or empty
for the vocabulary label; a row with ``stands_in_for`` is printed only when the level it
stands in for is left out); this module only counts. Columns follow the output
contract: section, variable, level, label, n, N, percent, mean, sd, median, p25, p75,
diagnosed.

Denominators (output contract; raw data contract): a service-user characteristic counts
the service users with a value for it; a medication or an opioid drug counts every
enrolled service user (the GP record is complete); a comorbidity or a motivation counts
that condition's or motivation's rows. A level with no service users is left out
(rows with n = 0 are dropped); every other level present is printed, except that a
yes/no or two-level variable prints the paper's level (``female``, ``yes``), or the other
level when the paper's has none (output contract, tables/); a continuous row (age, dose)
is always present.
"""

from __future__ import annotations

import math

import pandas as pd

from painreview import mme
from painreview.reference import labels, read_reference
from painreview.stats import describe, percent

COLUMNS = ["section", "variable", "level", "label", "n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed"]
INT_COLUMNS = ["n", "N", "diagnosed"]
FLOAT_COLUMNS = ["percent", "mean", "sd", "median", "p25", "p75"]

# Raw data contract, prescriptions.csv: Table 2 groups oxycodone and oxycodone-naloxone as
# "oxycodone family"; "multiple opioid drugs" is two or more distinct drugs at baseline.
DRUG_GROUPS = {"oxycodone_family": ("oxycodone", "oxycodone_naloxone")}
MULTIPLE = "multiple"
MULTIPLE_MIN_DRUGS = 2
BASELINE = "baseline"

# Service-user columns summarised as categories (yes/no columns give "yes"/"no").
SERVICE_USER_CATEGORIES = (
    "sex",
    "ethnicity",
    "employment",
    "relationship",
    "disability",
    "previous_pain_clinic",
    "opioid_start_reason",
)


def layout(table: str) -> pd.DataFrame:
    """The rows of ``table`` ("table1"/"table2") from table_rows.csv, ``*`` expanded."""
    rows = read_reference("table_rows.csv")
    rows = rows[rows["table"] == table]
    out = []
    for row in rows.to_dict("records"):
        if row["level"] == "*":
            for key, label in labels(row["vocabulary"]).items():
                text = row["label"].format(label) if "{}" in row["label"] else label
                out.append({**row, "level": key, "label": text})
        else:
            if not row["label"]:
                row = {**row, "label": labels(row["vocabulary"])[row["level"]]}
            out.append(row)
    return pd.DataFrame(out, columns=list(rows.columns)).reset_index(drop=True)


def _category_counts(values: pd.Series) -> tuple[dict[str, int], int]:
    """Counts per key and the denominator (non-missing values) of a service-user column.
    A yes/no column (pandas ``boolean``) counts as "yes"/"no"."""
    keys = values.dropna()
    if pd.api.types.is_bool_dtype(keys.dtype):
        keys = keys.astype(bool).map({True: "yes", False: "no"})
    counts = keys.astype(object).value_counts(sort=False)
    return {str(k): int(v) for k, v in counts.items()}, len(keys)


def _n_percent(n: int, total: int, diagnosed=None) -> dict:
    return {"n": n, "N": total, "percent": percent(n, total), "diagnosed": diagnosed}


def _service_user_row(frames: dict, variable: str, level: str) -> dict:
    counts, total = _category_counts(frames["service_users"][variable])
    return _n_percent(counts.get(level, 0), total)


def _medication_row(frames: dict, level: str) -> dict:
    meds = frames["medications"]
    n = meds.loc[meds["medication"] == level, "patient_id"].nunique()
    return _n_percent(int(n), len(frames["service_users"]))


def _present_row(frame: pd.DataFrame, key_column: str, level: str, with_diagnosed: bool) -> dict:
    rows = frame[frame[key_column] == level]
    present = rows["present"].astype("boolean").fillna(False).astype(bool)
    diagnosed = None
    if with_diagnosed:
        dx = rows["diagnosed"].astype("boolean").fillna(False).astype(bool)
        diagnosed = int((present & dx).sum())
    return _n_percent(int(present.sum()), len(rows), diagnosed)


def baseline_drugs(prescriptions: pd.DataFrame) -> dict[str, set[str]]:
    """Service user → the set of distinct drugs prescribed at baseline (``none`` excluded)."""
    base = prescriptions[(prescriptions["timepoint"] == BASELINE) & (prescriptions["drug"] != mme.NONE_DRUG)]
    out: dict[str, set[str]] = {}
    for pid, drug in zip(base["patient_id"], base["drug"]):
        out.setdefault(pid, set()).add(drug)
    return out


def _drug_row(frames: dict, level: str) -> dict:
    p = frames["prescriptions"]
    base = p[(p["timepoint"] == BASELINE) & (p["drug"] != mme.NONE_DRUG)].drop_duplicates(["patient_id", "drug"])
    if level == MULTIPLE:
        n = int((base["patient_id"].value_counts() >= MULTIPLE_MIN_DRUGS).sum())
    else:
        members = list(DRUG_GROUPS.get(level, (level,)))
        n = int(base.loc[base["drug"].isin(members), "patient_id"].nunique())
    return _n_percent(n, len(frames["service_users"]))


def band_bounds(level: str) -> tuple[int, float]:
    """Inclusive bounds of a band key: ``"5-9"`` → (5, 9), ``"15+"`` → (15, inf)."""
    if level.endswith("+"):
        return int(level[:-1]), math.inf
    low, high = level.split("-")
    return int(low), int(high)


def _years_row(frames: dict, level: str) -> dict:
    years = frames["service_users"]["opioid_years"].dropna().astype(int)
    low, high = band_bounds(level)
    return _n_percent(int(((years >= low) & (years <= high)).sum()), len(years))


def _continuous_row(values, statistic: str) -> dict:
    d = describe(values)
    row = {"n": d["n"], "N": d["n"]}
    if statistic == "mean_sd":
        row.update(mean=d["mean"], sd=d["sd"])
    else:
        row.update(median=d["median"], p25=d["p25"], p75=d["p75"])
    return row


def _baseline_doses(frames: dict, conversion) -> pd.Series:
    doses = mme.patient_doses(frames["prescriptions"], mme.as_table(conversion))
    return doses.loc[doses["timepoint"] == BASELINE, "dose_mme"]


def _compute(row: dict, frames: dict, conversion) -> dict:
    variable, level, statistic = row["variable"], row["level"], row["statistic"]
    if statistic in ("mean_sd", "median_iqr"):
        if variable == "dose_mme":
            values = _baseline_doses(frames, conversion)
        else:
            values = frames["service_users"][variable]
        return _continuous_row(values, statistic)
    if variable in SERVICE_USER_CATEGORIES:
        return _service_user_row(frames, variable, level)
    if variable == "medication":
        return _medication_row(frames, level)
    if variable == "condition":
        return _present_row(frames["comorbidities"], "condition", level, with_diagnosed=True)
    if variable == "motivation":
        return _present_row(frames["motivations"], "motivation", level, with_diagnosed=False)
    if variable == "opioid_drug":
        return _drug_row(frames, level)
    if variable == "opioid_years_band":
        return _years_row(frames, level)
    raise ValueError(f"no rule for table variable {variable!r}")


def _build(table: str, frames: dict, conversion=None) -> pd.DataFrame:
    records = []
    printed: set[tuple[str, str]] = set()
    for row in layout(table).to_dict("records"):
        stands_in_for = row.get("stands_in_for") or ""
        if stands_in_for and (row["variable"], stands_in_for) in printed:
            continue  # output contract: a two-level variable prints the paper's level
        values = _compute(row, frames, conversion)
        if row["statistic"] == "n_percent" and values["n"] == 0:
            continue  # output contract: levels with no service users are left out
        printed.add((row["variable"], row["level"]))
        records.append({"section": row["section"], "variable": row["variable"], "level": row["level"], "label": row["label"], **values})
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    for col in INT_COLUMNS:
        out[col] = pd.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v) for v in out[col]], dtype="Int64")
    for col in FLOAT_COLUMNS:
        out[col] = out[col].astype(float)
    for col in ("section", "variable", "level", "label"):
        out[col] = out[col].astype(object)
    return out


def table1(frames: dict) -> pd.DataFrame:
    """Table 1: baseline characteristics, medications and psychological comorbidities."""
    return _build("table1", frames)


def table2(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> pd.DataFrame:
    """Table 2: baseline opioid use (reason, dose median/IQR, drugs, duration, motivation)."""
    return _build("table2", frames, conversion)
