"""Hypothesis strategies for other research teams' datasets: valid under the raw data
contract (docs/raw-data.md), of 1 to a few hundred service users, with incomplete
follow-up, every vocabulary level, missing items and answers, service users without a
pair, empty interview sets and ids as coding tools export them.

``datasets()`` draws ``{file stem: list of row dicts}`` with every cell as the text of a
raw CSV cell (``""`` = missing); ``write_dataset`` writes it as CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from hypothesis import strategies as st

from painreview.reference import FILES, columns, items, read_reference, vocabulary

# Coding tools export segment ids such as S0001 (raw data contract, coded_segments.csv:
# segment_id is an id); False draws snake_case keys instead.
CODING_TOOL_SEGMENT_IDS = True

SIZES = st.one_of(st.integers(1, 8), st.integers(9, 60), st.integers(61, 300))
DAY0 = dt.date(2016, 9, 1)

# Doses: oral mg/day drawn from 1-400; patches microgram/hour at marketed strengths.
PATCH = "microgram_per_hour"
PATCH_STRENGTHS = (5, 10, 12, 20, 25, 37, 50, 75, 100)


def _day(offset: int) -> str:
    return (DAY0 + dt.timedelta(days=offset)).isoformat()


def _header(file: str) -> list[str]:
    cols = columns()
    return cols.loc[cols["file"] == file, "column"].tolist()


def _products() -> list[tuple[str, str, str]]:
    table = read_reference("mme_opioids_aware.csv")
    table = table[table["strength"] == ""]
    return list(zip(table["drug"], table["route"], table["unit"]))


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _instrument_items() -> dict[str, list[tuple[str, float, float, float]]]:
    table = items()
    out: dict[str, list] = {}
    for rec in table.to_dict("records"):
        out.setdefault(rec["instrument"], []).append((rec["item"], rec["min"], rec["max"], rec["step"]))
    return out


class _Builder:
    """One dataset from a seed and a few drawn knobs (Hypothesis draws the knobs; the bulk
    comes from ``random.Random(seed)``, so that a few hundred service users stay cheap)."""

    def __init__(self, seed: int, knobs: dict):
        self.r = random.Random(seed)
        self.k = knobs
        self.products = _products()
        self.instruments = _instrument_items()

    def maybe(self, values) -> str:
        return "" if self.r.random() < self.k["missing"] else self.r.choice(values)

    def yes_no(self, optional: bool = True) -> str:
        return self.maybe(["yes", "no"]) if optional else self.r.choice(["yes", "no"])

    def dose_rows(self, pid: str, timepoint: str) -> list[dict]:
        rows = []
        for drug, route, unit in self.r.sample(self.products, self.r.randint(1, 3)):
            dose = self.r.choice(PATCH_STRENGTHS) if unit == PATCH else self.r.choice([self.r.randint(1, 400), 10, 60, 90, 120, 240])
            rows.append({"patient_id": pid, "timepoint": timepoint, "drug": drug, "route": route,
                         "daily_dose": _number(dose), "dose_unit": unit})
        return rows

    def questionnaire_rows(self, pid: str, timepoint: str) -> list[dict]:
        """Each instrument not collected, complete, or with items missing (no row, or a
        row with an empty value)."""
        rows = []
        for its in self.instruments.values():
            state = self.r.choices(["absent", "complete", "gaps"], [1, 2, 1])[0]
            if state == "absent":
                continue
            for item, low, high, step in its:
                gap = self.r.choices(["answer", "no_row", "empty"], [4, 1, 1])[0] if state == "gaps" else "answer"
                if gap == "no_row":
                    continue
                value = "" if gap == "empty" else _number(low + self.r.randint(0, int(round((high - low) / step))) * step)
                rows.append({"patient_id": pid, "timepoint": timepoint, "item": item, "value": value})
        return rows

    def present_rows(self, pid: str, key: str, keys: list[str], diagnosed: bool) -> list[dict]:
        rows = []
        for k in self.r.sample(keys, self.r.randint(0, len(keys))):
            present = self.yes_no(optional=False)
            row = {"patient_id": pid, key: k, "present": present}
            if diagnosed:
                row["diagnosed"] = self.r.choice(["yes", "no", ""] if present == "yes" else ["no", ""])
            rows.append(row)
        return rows

    def build(self) -> dict[str, list[dict]]:
        r, k = self.r, self.k
        enrolled = [f"P{i:04d}" for i in range(1, k["n"] + 1)]
        records: dict[str, list[dict]] = {name: [] for name in FILES}
        invited_on = {}
        for pid in enrolled:
            invited_on[pid] = r.randint(0, 400)
            records["invitations"].append({"patient_id": pid, "practice": r.choice(["A", "B"]), "invited_on": _day(invited_on[pid]),
                                           "contact_successful": "yes", "attended_info_session": "yes", "enrolled": "yes"})
        for j in range(k["others"]):
            contact = self.yes_no(optional=False)
            attended = self.yes_no(optional=False) if contact == "yes" else "no"
            reason = r.choice(vocabulary("non_enrolment_reason")) if attended == "yes" else ""
            records["invitations"].append({"patient_id": f"N{j:03d}", "practice": "A", "invited_on": _day(r.randint(0, 400)),
                                           "contact_successful": contact, "attended_info_session": attended,
                                           "enrolled": "no", "non_enrolment_reason": reason})
        for pid in enrolled:
            start = invited_on[pid] + r.randint(0, 60)
            records["service_users"].append({
                "patient_id": pid, "enrolled_on": _day(start), "sex": r.choice(vocabulary("sex")),
                "age_years": str(r.randint(18, 110)), "ethnicity": self.maybe(vocabulary("ethnicity")),
                "employment": self.maybe(vocabulary("employment")), "relationship": self.maybe(vocabulary("relationship")),
                "disability": self.yes_no(), "previous_pain_clinic": self.yes_no(),
                "opioid_start_reason": self.maybe(vocabulary("opioid_start_reason")),
                "opioid_years": self.maybe([str(y) for y in range(81)]),
            })
            records["comorbidities"] += self.present_rows(pid, "condition", vocabulary("condition"), True)
            records["motivations"] += self.present_rows(pid, "motivation", vocabulary("motivation"), False)
            records["medications"] += [{"patient_id": pid, "medication": m}
                                       for m in r.sample(vocabulary("medication"), r.randint(0, 4))]
            base = self.dose_rows(pid, "baseline")
            records["prescriptions"] += base
            follow_up = r.choices(["missing", "none", "same", "rows"], k["follow_up"])[0]
            if follow_up == "none":
                records["prescriptions"].append({"patient_id": pid, "timepoint": "follow_up", "drug": "none", "route": "",
                                                 "daily_dose": "0", "dose_unit": ""})
            elif follow_up == "same":
                records["prescriptions"] += [{**row, "timepoint": "follow_up"} for row in base]
            elif follow_up == "rows":
                records["prescriptions"] += self.dose_rows(pid, "follow_up")
            for timepoint in vocabulary("timepoint"):
                if r.random() < k["questionnaires"]:
                    records["questionnaires"] += self.questionnaire_rows(pid, timepoint)
            for _ in range(r.randint(0, 4)):
                records["appointments"].append({"patient_id": pid, "date": _day(start + r.randint(0, 500)),
                                                "status": r.choice(vocabulary("appointment_status"))})
            status = r.choice(vocabulary("service_status"))
            reason = r.choice(vocabulary("discharge_reason")) if status == "discharged" else ""
            records["service_status"].append({"patient_id": pid, "status": status, "discharge_reason": reason})
        # Interviews: none at all, or a few participants of any role.
        n_interviews = k["interviews"]
        for i in range(1, n_interviews + 1):
            role = r.choice(vocabulary("role"))
            patient = r.choice(["", *enrolled[:5]]) if role == "service_user" else ""
            records["interviews"].append({"participant_id": f"P{i}", "role": role, "mode": r.choice(vocabulary("mode")),
                                          "patient_id": patient})
        n_codes = k["codes"]
        for c in range(n_codes):
            records["codebook"].append({"theme": f"theme_{c % 2}", "theme_label": f"Theme {c % 2}", "code": f"code_{c}",
                                        "code_label": f"Code {c}"})
        if n_interviews and n_codes:
            for s in range(r.randint(0, 12)):
                records["coded_segments"].append({
                    "segment_id": f"S{s + 1:04d}" if CODING_TOOL_SEGMENT_IDS else f"seg_{s + 1}",
                    "participant_id": f"P{r.randint(1, n_interviews)}", "code": f"code_{r.randrange(n_codes)}",
                })
        return records


# Relative weights of a service user's follow-up prescriptions: (no row, none, same doses, other doses).
FOLLOW_UP_MIXES = ((1, 1, 1, 2), (1, 0, 0, 0), (0, 0, 1, 0), (0, 1, 0, 0), (3, 1, 1, 1))


@st.composite
def datasets(draw, sizes=SIZES, questionnaires=st.sampled_from([0.0, 0.5, 0.9, 1.0])) -> dict[str, list[dict]]:
    """A valid dataset: ``{file stem: rows}``, rows as dicts of raw cell text. Hypothesis
    draws the size and the knobs (missing answers, follow-up mix, questionnaires,
    interviews); a seeded generator fills in the rows. ``questionnaires`` draws the share
    of service users and timepoints with questionnaire rows."""
    interviews = draw(st.integers(0, 6))
    knobs = {
        "n": draw(sizes), "others": draw(st.integers(0, 6)),
        "missing": draw(st.sampled_from([0.0, 0.2, 0.6, 1.0])),
        "follow_up": draw(st.sampled_from(FOLLOW_UP_MIXES)),
        "questionnaires": draw(questionnaires),
        "interviews": interviews, "codes": draw(st.integers(0, 4)),
    }
    return _Builder(draw(st.integers(0, 2**32 - 1)), knobs).build()


def write_dataset(records: dict[str, list[dict]], folder: Path) -> Path:
    """Write ``records`` as the contract's CSV files (every file, header always) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        header = _header(name)
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: row.get(c, "") for c in header} for row in records.get(name, []))
    return folder
