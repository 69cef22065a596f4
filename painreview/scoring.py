"""Questionnaire scores from item-level answers (raw data contract, ``questionnaires.csv``).

Each measure's items come from ``painreview/data/items.csv`` (column ``score``). A
measure is *collected* for a service user and timepoint when at least one of its items
has a row; it is *scored* (``value`` not NaN) when its missing-item rule allows. An item
row with an empty value counts as unanswered. The missing-item rule of every measure,
with its source, is in ``RULES`` below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painreview.reference import items, vocabulary

MEASURES = (
    "comm_total",
    "bpi_severity",
    "bpi_interference",
    "bpi_relief",
    "wemwbs_total",
    "top_psych",
    "top_physical",
    "top_qol",
)
"""Measures in output order (the output contract's ``outcomes.csv`` order)."""

# measure -> (method, minimum items answered). Methods: "sum" (every item required,
# plain sum), "prorated_mean" (mean of the answered items × number of items, when at
# least the minimum are answered), "item" (a single-item measure is the item itself).
RULES: dict[str, tuple[str, int | None]] = {
    # COMM (Butler et al., Pain 2007;130:144-56): total of 17 items, 0-68. No published
    # proration rule was found, so every item is required (raw data contract).
    "comm_total": ("sum", None),
    # BPI severity (Cleeland, Brief Pain Inventory User Guide): items 3-6 summed, 0-40 on
    # this package's scale. The guide gives no proration rule for severity, so all four are
    # required (raw data contract).
    "bpi_severity": ("sum", None),
    # BPI interference (Cleeland, Brief Pain Inventory User Guide, scoring of the
    # interference items): scored when at least 4 of the 7 items are answered, as the mean
    # of the answered items; on this package's 0-70 sum scale, mean × 7.
    "bpi_interference": ("prorated_mean", 4),
    # BPI item 8, % relief from medication: single item.
    "bpi_relief": ("item", 1),
    # WEMWBS (Tennant et al., Health Qual Life Outcomes 2007;5:63; WEMWBS user guide):
    # sum of 14 items, 14-70. No published proration rule was found: all 14 required.
    "wemwbs_total": ("sum", None),
    # TOP (Marsden et al., Addiction 2008;103:1450-60): each domain is one 0-20 item.
    "top_psych": ("item", 1),
    "top_physical": ("item", 1),
    "top_qol": ("item", 1),
}


def measure_items() -> dict[str, list[str]]:
    """Measure → its items, in items.csv order."""
    ref = items()
    return {m: ref.loc[ref["score"] == m, "item"].tolist() for m in MEASURES}


def _scores(method: str, n_items: int, minimum: int | None, total, answered, first):
    """Vectorised missing-item rule of one method over arrays of (sum of the answered items,
    number answered, first answered value)."""
    if method == "sum":
        return np.where(answered == n_items, total, np.nan)
    if method == "prorated_mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(answered >= minimum, total * n_items / answered, np.nan)  # sum × 7 / k: exact when k = 7
    if method == "item":
        return np.where(answered > 0, first, np.nan)
    raise ValueError(f"unknown scoring method {method!r}")


def score_questionnaires(questionnaires: pd.DataFrame) -> pd.DataFrame:
    """DataFrame[patient_id, timepoint, measure, value, items_answered], one row per collected
    (service user, timepoint, measure); sorted by patient_id, timepoint, measure order.

    ``value`` is NaN when the measure's missing-item rule leaves it unscored. One grouped
    pass, linear in the rows: item values are whole numbers (raw data contract, the items'
    steps), so their float sums are exact in any order; a single-item measure takes the
    first answered row of its group.
    """
    per_measure = measure_items()
    item_to_measure = {item: m for m, its in per_measure.items() for item in its}
    unknown = sorted(set(questionnaires["item"]) - set(item_to_measure))
    if unknown:
        raise ValueError(f"questionnaire items not in items.csv: {unknown}")
    columns = ["patient_id", "timepoint", "measure", "value", "items_answered"]
    q = pd.DataFrame({
        "patient_id": questionnaires["patient_id"].astype(object),
        "timepoint": questionnaires["timepoint"].astype(object),
        "measure": questionnaires["item"].map(item_to_measure).astype(object),
        "value": questionnaires["value"].astype(float),
    })
    grouped = q.groupby(["patient_id", "timepoint", "measure"], sort=False)["value"]
    out = pd.concat({"total": grouped.sum(), "answered": grouped.count(), "first": grouped.first()}, axis=1).reset_index()
    value = np.full(len(out), np.nan)
    for measure, (method, minimum) in RULES.items():
        rows = (out["measure"] == measure).to_numpy()
        if rows.any():
            sub = out[rows]
            value[rows] = _scores(method, len(per_measure[measure]), minimum,
                                  sub["total"].to_numpy(float), sub["answered"].to_numpy(), sub["first"].to_numpy(float))
    out = pd.DataFrame({
        "patient_id": out["patient_id"].astype(object),
        "timepoint": out["timepoint"].astype(object),
        "measure": out["measure"].astype(object),
        "value": value,
        "items_answered": out["answered"].astype(np.int64),
    }, columns=columns)
    tp_order = {tp: i for i, tp in enumerate(vocabulary("timepoint"))}
    m_order = {m: i for i, m in enumerate(MEASURES)}
    out = out.assign(_tp=out["timepoint"].map(tp_order), _m=out["measure"].map(m_order))
    out = out.sort_values(["patient_id", "_tp", "_m"], kind="mergesort").drop(columns=["_tp", "_m"])
    return out.reset_index(drop=True)
