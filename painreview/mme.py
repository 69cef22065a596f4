"""Daily oral morphine equivalent (MME, mg/day) of opioid prescriptions.

A conversion table is a data file ``painreview/data/mme_<name>.csv`` with columns
``drug,route,unit,strength,factor,source_title,source_version,source_url,note``; one
mg/day (or, for patches, one microgram/hour) of ``drug`` by ``route`` is ``factor``
mg/day of oral morphine. A row with a ``strength`` applies to a ``daily_dose`` equal to
it and takes precedence over the drug's row with an empty ``strength`` (every other
dose): Opioids Aware lists the 12 microgram/hour fentanyl patch (nominally 12.5) as
30 mg/24 h oral morphine, not 12 × 2.4 = 28.8. Shipped tables:

- ``opioids_aware`` (default): UK Faculty of Pain Medicine "Opioids Aware" dose
  equivalents, its patch table included; methadone, which Opioids Aware gives no fixed
  ratio, takes the CDC 2022 factor (see that row's ``note``).
- ``cdc_2022``: US CDC 2022 Clinical Practice Guideline table (Dowell et al., MMWR
  Recomm Rep 2022;71(RR-3), conversion factor table). That table has no dihydrocodeine
  and leaves buprenorphine out on purpose (a partial agonist); so that every drug of the
  raw data contract converts, those two rows borrow the Opioids Aware factors, and their
  ``source_title`` and ``note`` say so.

Rules from the raw data contract (``prescriptions.csv``) and the output contract: a
service user's dose at a timepoint is the sum over rows of ``daily_dose × factor``,
rounded to 6 decimals after conversion so that floating-point noise never breaks a
tie; ``drug = none`` is 0 mg/day.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from painreview.reference import read_reference, vocabulary

NONE_DRUG = "none"
DOSE_DECIMALS = 6  # output contract: "rounded to 6 decimal places of a milligram"
TABLE_COLUMNS = ["drug", "route", "unit", "strength", "factor", "source_title", "source_version", "source_url", "note"]


def known_tables() -> list[str]:
    """Names of the conversion tables shipped in ``painreview/data`` (``mme_<name>.csv``)."""
    files = resources.files("painreview").joinpath("data").iterdir()
    names = [f.name[len("mme_"):-len(".csv")] for f in files if f.name.startswith("mme_") and f.name.endswith(".csv")]
    return sorted(names)


def conversion_table(name: str = "opioids_aware") -> pd.DataFrame:
    """The conversion table ``name`` with ``factor`` as float; ValueError for an unknown name."""
    names = known_tables()
    if name not in names:
        raise ValueError(f"unknown conversion table {name!r}; known tables: {', '.join(names)}")
    table = read_reference(f"mme_{name}.csv")
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"conversion table {name!r} lacks columns {missing}")
    table["factor"] = table["factor"].astype(float)
    duplicated = table[table.duplicated(["drug", "route", "strength"], keep=False)]
    if not duplicated.empty:
        pairs = sorted(set(zip(duplicated["drug"], duplicated["route"], duplicated["strength"])))
        raise ValueError(f"conversion table {name!r} lists (drug, route, strength) more than once: {pairs}")
    general = set(zip(table.loc[table["strength"] == "", "drug"], table.loc[table["strength"] == "", "route"]))
    orphans = sorted({(d, r) for d, r in zip(table["drug"], table["route"])} - general)
    if orphans:
        raise ValueError(f"conversion table {name!r} has strength rows without a general row: {orphans}")
    if (table["factor"] <= 0).any():
        raise ValueError(f"conversion table {name!r} has a factor that is not positive")
    return table


def as_table(conversion: str | pd.DataFrame) -> pd.DataFrame:
    """Accept a table name or an already loaded table (as ``conversion_table`` returns)."""
    if isinstance(conversion, str):
        return conversion_table(conversion)
    return conversion


def _strength(value) -> float | None:
    """A ``strength`` cell as a float; None when empty (the drug's general row)."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value)


def _describe_rows(rows: pd.DataFrame) -> str:
    return "; ".join(
        f"row {idx} ({pid}, {tp}, {drug}, {route})"
        for idx, pid, tp, drug, route in zip(
            rows.index, rows["patient_id"], rows["timepoint"], rows["drug"], rows["route"]
        )
    )


def row_mme(prescriptions: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``prescriptions`` with ``factor`` and ``mme`` (mg/day oral morphine) added per row.

    ``none`` rows get 0; a dose equal to a listed ``strength`` takes that row's factor.
    A (drug, route) absent from ``table``, or a dose unit that is not the table's unit for
    it, raises ValueError naming the rows.
    """
    out = prescriptions.copy()
    is_none = out["drug"] == NONE_DRUG
    strengths = table["strength"] if "strength" in table.columns else pd.Series([None] * len(table), index=table.index)
    lookup, by_strength = {}, {}
    for d, r, s, f, u in zip(table["drug"], table["route"], strengths, table["factor"], table["unit"]):
        if _strength(s) is None:
            lookup[(d, r)] = (f, u)
        else:
            by_strength[(d, r, _strength(s))] = f
    keys = list(zip(out["drug"], out["route"]))
    found = pd.Series([k in lookup for k in keys], index=out.index)
    unknown = out[~is_none & ~found]
    if not unknown.empty:
        raise ValueError(
            "no conversion factor for (drug, route) in the conversion table: " + _describe_rows(unknown)
        )
    units = pd.Series([lookup[k][1] if k in lookup else None for k in keys], index=out.index, dtype=object)
    if "dose_unit" in out.columns:
        wrong = out[~is_none & (out["dose_unit"] != units)]
        if not wrong.empty:
            raise ValueError(
                "dose_unit differs from the conversion table's unit: "
                + "; ".join(f"row {i} ({u} where the table has {units[i]})" for i, u in zip(wrong.index, wrong["dose_unit"]))
            )
    doses = out["daily_dose"].astype(float).tolist()
    factor = pd.Series(
        [by_strength.get((*k, dose), lookup[k][0]) if k in lookup else 0.0 for k, dose in zip(keys, doses)],
        index=out.index, dtype=float,
    )
    factor[is_none] = 0.0
    out["factor"] = factor
    out["mme"] = out["daily_dose"].astype(float) * factor
    return out


def patient_doses(prescriptions: pd.DataFrame, table: pd.DataFrame | str) -> pd.DataFrame:
    """DataFrame[patient_id, timepoint, dose_mme]: one row per service user and timepoint with
    at least one prescription row; the sum of the rows' MME rounded to 6 decimals.

    Sorted by patient_id, then timepoint in vocabulary order (baseline, follow_up).
    """
    rows = row_mme(prescriptions, as_table(table))
    if rows.empty:
        return pd.DataFrame(
            {"patient_id": pd.Series(dtype=object), "timepoint": pd.Series(dtype=object), "dose_mme": pd.Series(dtype=float)}
        )
    summed = rows.groupby(["patient_id", "timepoint"], sort=False)["mme"].sum().reset_index()
    summed["dose_mme"] = summed["mme"].round(DOSE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    order = {tp: i for i, tp in enumerate(vocabulary("timepoint"))}
    summed["_tp"] = summed["timepoint"].map(order)
    summed = summed.sort_values(["patient_id", "_tp"], kind="mergesort").reset_index(drop=True)
    return summed[["patient_id", "timepoint", "dose_mme"]]
