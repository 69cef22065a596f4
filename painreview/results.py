"""Every in-text number of the paper, recomputed (output ``results.csv``: key, value).

Keys are the output contract's, in its order, with the percentages the paper prints in
its text placed next to their counts (``<key>_percent``), and three extra keys:
``dose_unpaired_n`` (service users left out of the paired dose analysis because a
timepoint is missing), ``dose_wilcoxon_z`` and ``dose_wilcoxon_exact_p``. Values keep
full precision; counts are ints. Percentage denominators: non-enrolment reasons of
did_not_enrol, groups of all service users with a status, discharge reasons of the
discharged, dose changes of the paired, COMM of the scored, WEMWBS of the paired, years
of the service users with years recorded. Thresholds (COMM ≥ 9, 120 mg/day, WEMWBS +3/+8,
5/15 years, 30.4375 days a month) come from ``painreview/data/thresholds.csv``.
"""

from __future__ import annotations

import math

import pandas as pd

from painreview import mme
from painreview.flow import REASON_PREFIX, participant_flow
from painreview.outcomes import paired, unpaired_ids
from painreview.reference import read_reference, vocabulary
from painreview.scoring import score_questionnaires
from painreview.stats import describe, exact_signrank_p, percent, signrank

BASELINE, FOLLOW_UP = "baseline", "follow_up"


def thresholds() -> dict[str, float]:
    """Named thresholds of the analysis (thresholds.csv), as floats."""
    ref = read_reference("thresholds.csv")
    return {k: float(v) for k, v in zip(ref["key"], ref["value"])}


def _quartiles(prefix: str, values) -> list[tuple[str, float]]:
    d = describe(values)
    return [(f"{prefix}_median", d["median"]), (f"{prefix}_p25", d["p25"]), (f"{prefix}_p75", d["p75"])]


def flow_results(invitations: pd.DataFrame) -> list[tuple[str, object]]:
    """Figure 1 counts, enrolled_percent, and each non-enrolment reason with its percent."""
    flow = participant_flow(invitations)
    n = dict(zip(flow["key"], flow["n"].astype(int).tolist()))
    # The flow's own counts in its order (flow_rows.csv); the reasons follow with percents.
    out: list[tuple[str, object]] = [(k, n[k]) for k in flow["key"] if not k.startswith("non_enrolment_")]
    out.append(("enrolled_percent", percent(n["enrolled"], n["invited"])))
    for reason in vocabulary("non_enrolment_reason"):
        key = REASON_PREFIX + reason
        out += [(key, n[key]), (f"{key}_percent", percent(n[key], n["did_not_enrol"]))]
    return out


def appointment_results(appointments: pd.DataFrame) -> list[tuple[str, object]]:
    """Appointments made, by status, and each status as a percentage of those made."""
    made = len(appointments)
    statuses = vocabulary("appointment_status")
    counts = {s: int((appointments["status"] == s).sum()) for s in statuses}
    out: list[tuple[str, object]] = [("appointments_made", made)]
    out += [(f"appointments_{s}", counts[s]) for s in statuses]
    out += [(f"appointments_{s}_percent", percent(counts[s], made)) for s in statuses]
    return out


def service_use(appointments: pd.DataFrame, days_per_month: float) -> pd.DataFrame:
    """Per service user with appointments: duration_months ((last − first appointment date)
    in days ÷ days_per_month, every appointment whatever its status) and attended (kept)."""
    if appointments.empty:
        return pd.DataFrame({"patient_id": pd.Series(dtype=object), "duration_months": pd.Series(dtype=float), "attended": pd.Series(dtype="int64")})
    grouped = appointments.groupby("patient_id", sort=True)
    span = grouped["date"].max() - grouped["date"].min()
    kept = (appointments["status"] == "kept").groupby(appointments["patient_id"], sort=True).sum()
    out = pd.DataFrame({"duration_months": span.dt.days / days_per_month, "attended": kept.astype("int64")})
    return out.reset_index()


def retention_results(frames: dict, days_per_month: float) -> list[tuple[str, object]]:
    """Active and discharged groups: n, percent of service users, duration and attended
    appointments (median, IQR); then each discharge reason with its percent of discharged.

    A service user without any appointment has attended 0 and no duration (left out of
    the duration summary)."""
    status = frames["service_status"]
    use = service_use(frames["appointments"], days_per_month).set_index("patient_id")
    out: list[tuple[str, object]] = []
    total = len(status)
    for group in vocabulary("service_status"):
        ids = status.loc[status["status"] == group, "patient_id"].tolist()
        sub = use.reindex(ids)
        attended = sub["attended"].fillna(0)
        out += [(f"{group}_n", len(ids)), (f"{group}_percent", percent(len(ids), total))]
        out += _quartiles(f"{group}_duration_months", sub["duration_months"])
        out += _quartiles(f"{group}_attended", attended)
    discharged = int((status["status"] == "discharged").sum())
    for reason in vocabulary("discharge_reason"):
        n = int((status["discharge_reason"] == reason).sum())
        out += [(f"discharge_{reason}", n), (f"discharge_{reason}_percent", percent(n, discharged))]
    return out


def dose_results(prescriptions: pd.DataFrame, conversion, limits: dict[str, float]) -> list[tuple[str, object]]:
    """Dose medians/IQR per timepoint (service users with a record there), then over the
    paired service users: reduced (stopped included), stopped (0 at follow-up), unchanged,
    increased, Stata's signrank (z, p) and the exact p without zeros (differences rounded
    to the dose precision first); then every service user above 120 mg/day at baseline
    (> 120), those of them with a follow-up dose, and of these the ones below 120 (< 120)
    at follow-up. Percentages are of the paired service users, the last of those above
    120 with a follow-up."""
    doses = mme.patient_doses(prescriptions, mme.as_table(conversion))
    out: list[tuple[str, object]] = []
    for tp in (BASELINE, FOLLOW_UP):
        out += _quartiles(f"dose_{tp}", doses.loc[doses["timepoint"] == tp, "dose_mme"])
    pairs = paired(doses, "dose_mme")
    before, after = pairs[BASELINE], pairs[FOLLOW_UP]
    n_paired = len(pairs)
    reduced = int((after < before).sum())
    stopped = int(((after == 0) & (before > 0)).sum())
    unchanged = int((after == before).sum())
    increased = int((after > before).sum())
    test = signrank(before, after, decimals=mme.DOSE_DECIMALS)
    # Paper: "Of service users prescribed >120 mg per day at baseline, 4/14 (28.6%) had
    # dropped to below 120 mg by follow-up": every service user above 120 at baseline, and
    # of them those with a follow-up dose (the fraction's denominator).
    high = limits["dose_high_mme"]
    baseline = doses.loc[doses["timepoint"] == BASELINE, "dose_mme"]
    above = before > high
    to_below = int((above & (after < high)).sum())
    out += [
        ("dose_paired_n", n_paired),
        ("dose_unpaired_n", len(unpaired_ids(doses, "dose_mme"))),
        ("dose_reduced_n", reduced),
        ("dose_reduced_percent", percent(reduced, n_paired)),
        ("dose_stopped_n", stopped),
        ("dose_stopped_percent", percent(stopped, n_paired)),
        ("dose_unchanged_n", unchanged),
        ("dose_unchanged_percent", percent(unchanged, n_paired)),
        ("dose_increased_n", increased),
        ("dose_increased_percent", percent(increased, n_paired)),
        ("dose_wilcoxon_p", test.p),
        ("dose_wilcoxon_z", test.z),
        ("dose_wilcoxon_exact_p", exact_signrank_p(before, after, decimals=mme.DOSE_DECIMALS) if n_paired else math.nan),
        ("dose_above_120_baseline_n", int((baseline > high).sum())),
        ("dose_above_120_paired_n", int(above.sum())),
        ("dose_above_120_to_below_n", to_below),
        ("dose_above_120_to_below_percent", percent(to_below, int(above.sum()))),
    ]
    return out


def questionnaire_results(questionnaires: pd.DataFrame, limits: dict[str, float]) -> list[tuple[str, object]]:
    """COMM positive at each timepoint, WEMWBS paired improvement, BPI relief medians/IQR."""
    scores = score_questionnaires(questionnaires)
    scored = scores[scores["value"].notna()]
    out: list[tuple[str, object]] = []
    comm = scored[scored["measure"] == "comm_total"]
    for tp in (BASELINE, FOLLOW_UP):
        values = comm.loc[comm["timepoint"] == tp, "value"]
        positive = int((values >= limits["comm_positive_min"]).sum())
        out += [
            (f"comm_positive_{tp}_n", positive),
            (f"comm_{tp}_n", len(values)),
            (f"comm_positive_{tp}_percent", percent(positive, len(values))),
        ]
    wemwbs = paired(scores, "wemwbs_total")
    change = wemwbs[FOLLOW_UP] - wemwbs[BASELINE]
    out.append(("wemwbs_paired_n", len(wemwbs)))
    for size, key in (("small", "3"), ("large", "8")):
        n = int((change >= limits[f"wemwbs_change_{size}"]).sum())
        out += [(f"wemwbs_improved_{key}_n", n), (f"wemwbs_improved_{key}_percent", percent(n, len(wemwbs)))]
    relief = scored[scored["measure"] == "bpi_relief"]
    for tp in (BASELINE, FOLLOW_UP):
        values = relief.loc[relief["timepoint"] == tp, "value"]
        out.append((f"bpi_relief_{tp}_n", len(values)))  # the group the quartiles describe
        out += _quartiles(f"bpi_relief_{tp}", values)
    return out


def opioid_years_results(service_users: pd.DataFrame, limits: dict[str, float]) -> list[tuple[str, object]]:
    """Service users with a recorded duration of opioid use, and those with ≥ 5 and ≥ 15 years."""
    years = service_users["opioid_years"].dropna().astype(int)
    n = len(years)
    five = int((years >= limits["opioid_years_long"]).sum())
    fifteen = int((years >= limits["opioid_years_very_long"]).sum())
    return [
        ("opioid_years_n", n),
        ("opioid_years_5plus_n", five),
        ("opioid_years_5plus_percent", percent(five, n)),
        ("opioid_years_15plus_n", fifteen),
        ("opioid_years_15plus_percent", percent(fifteen, n)),
    ]


def interview_results(interviews: pd.DataFrame) -> list[tuple[str, object]]:
    """Interviews in all, service users, providers (every other role), and by role."""
    roles = interviews["role"]
    out: list[tuple[str, object]] = [
        ("interviews_n", len(interviews)),
        ("interviews_service_user_n", int((roles == "service_user").sum())),
        ("interviews_provider_n", int((roles != "service_user").sum())),
    ]
    out += [(f"interviews_{r}_n", int((roles == r).sum())) for r in vocabulary("role") if r != "service_user"]
    return out


def results(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> pd.DataFrame:
    """DataFrame[key, value]: every key of the output contract's ``results.csv`` plus the
    in-text percentages, in contract order."""
    limits = thresholds()
    rows = (
        flow_results(frames["invitations"])
        + appointment_results(frames["appointments"])
        + retention_results(frames, limits["days_per_month"])
        + dose_results(frames["prescriptions"], conversion, limits)
        + questionnaire_results(frames["questionnaires"], limits)
        + opioid_years_results(frames["service_users"], limits)
        + interview_results(frames["interviews"])
    )
    clean = [(k, int(v) if isinstance(v, (bool, int)) or (hasattr(v, "dtype") and v.dtype.kind in "iu") else float(v)) for k, v in rows]
    keys = [k for k, _ in clean]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate result keys")
    return pd.DataFrame({"key": keys, "value": pd.Series([v for _, v in clean], dtype=object)})
