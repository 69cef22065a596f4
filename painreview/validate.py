"""Check a dataset folder against the raw data contract and report every problem at once.

The contract is ``/work/shared/spec/raw-data.md`` (its columns transcribed in
``painreview/data/columns.csv``, vocabularies in ``vocabularies.csv``, questionnaire
items in ``items.csv``). ``validate_dataset(folder)`` returns a list of ``Problem``,
each printed as ``file:line:column: message`` (line: the file's line, header = 1;
column: 1-based position in the file; 0 where the problem concerns a whole file or
row), sorted by file in the contract's order, then line, then column. Nothing is
computed from a dataset with problems (``painreview.dataset.load_dataset`` refuses it).

Checks, in the order they run:

1. the folder, then per file: present, in one format, readable (``painreview.readers``),
   a header naming every contract column once and nothing else, rows as long as the
   header, and at least one row for the tables in ``ROWS_REQUIRED``;
2. per cell, from ``columns.csv``: the NHS-number check (any column), the refused
   missing-value codes, required, type, vocabulary and range. A cell gets at most one
   such problem, and a cell that failed is left out of every later rule, so one bad
   cell is reported once rather than again by each rule that reads it;
3. per file: unique keys, the conditional rules of the contract, the questionnaire
   item ranges of ``items.csv``;
4. across files: ids of enrolled patients, one status and a baseline prescription per
   service user, date order, (drug, route) in the conversion table, interview and
   codebook references.

Per-column checks are plain Python over the text cells, one cached verdict per
distinct value of a column. pandera was tried: its lazy failure cases must be mapped
back to file lines and de-duplicated per cell, and it cost ~0.03 s per table after a
~0.3 s first call plus ~0.4 s of import, against a few milliseconds here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from painreview import reference
from painreview.readers import RawTable, ReadError, read_table, table_files, vocabulary_labels

ROWS_REQUIRED = frozenset({"invitations", "service_users", "prescriptions", "service_status"})
"""Tables that must have at least one row (decided here; the contract implies it):
invitations and service_users are the study (an export without invitees or service
users has nothing to analyse), and every service user has a service_status row and a
baseline prescription. Every other table may be header-only: no comorbidity asked, no
medication, no questionnaire, appointment or interview recorded is a valid (if thin)
export, and the analysis then reports empty groups."""

UNIQUE_KEYS = {
    "comorbidities": ("patient_id", "condition"),
    "motivations": ("patient_id", "motivation"),
    "medications": ("patient_id", "medication"),
    "questionnaires": ("patient_id", "timepoint", "item"),
}
"""Composite keys of the contract (single-column keys are ``unique`` in columns.csv)."""

SENTINELS = frozenset({"na", "n/a", ".", "-99", "999", "nan", "null"})
"""Missing-value codes of statistics packages and spreadsheets, compared in lower case.
The contract: a missing value is an empty cell and nothing else."""

DOSE_UNIT = {"oral": "mg_per_day", "transdermal": "microgram_per_hour"}
"""The dose unit each route takes (contract, prescriptions.csv)."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NHS_CANDIDATE = re.compile(r"[0-9 ]+")
_LIST_LIMIT = 12  # vocabularies up to this size are listed in full in a message


@dataclass(frozen=True)
class Problem:
    """One breach of the contract, at ``file:line:column`` (0 = the whole file or row)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


def is_nhs_number(value: str) -> bool:
    """Ten digits (spaces allowed) whose check digit passes the NHS modulus-11 algorithm.

    NHS Data Dictionary, "NHS Number": weights 10…2 on the first nine digits, check
    digit = 11 − (sum mod 11), 11 → 0, 10 → not a valid number.
    """
    if not _NHS_CANDIDATE.fullmatch(value):
        return False
    digits = value.replace(" ", "")
    if len(digits) != 10:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


# --- the contract as data ----------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    required: bool
    vocabulary: str
    labels: Mapping[str, str]  # key → label, in display order
    min: float | None
    max: float | None
    unique: bool


@dataclass(frozen=True)
class _Contract:
    columns: Mapping[str, Mapping[str, _Column]]  # file → column → spec, in contract order
    items: Mapping[str, tuple[float, float, float]]  # item → (min, max, step)


def _contract() -> _Contract:
    cols = reference.columns()
    items = reference.items()
    vocab = vocabulary_labels()
    files: dict[str, dict[str, _Column]] = {name: {} for name in reference.FILES}
    for row in cols.itertuples(index=False):
        labels = vocab.get(row.vocabulary, {})
        files[row.file][row.column] = _Column(
            row.column, row.type, row.required == "yes", row.vocabulary, labels,
            float(row.min) if row.min else None, float(row.max) if row.max else None, row.unique == "yes",
        )
    ranges = {item: (lo, hi, step) for item, lo, hi, step in zip(items["item"], items["min"], items["max"], items["step"])}
    return _Contract(files, ranges)


def conversion_pairs(conversion=None) -> frozenset[tuple[str, str]]:
    """The (drug, route) pairs of a conversion table: a loaded table (DataFrame with
    ``drug``, ``route``), a table name, or by default ``painreview.mme``'s default table
    (Opioids Aware, ``painreview/data/mme_opioids_aware.csv``)."""
    from painreview import mme

    table = mme.conversion_table() if conversion is None else mme.as_table(conversion)
    return frozenset(zip(table["drug"], table["route"]))


# --- entry points ------------------------------------------------------------------------


def validate_dataset(folder: str | Path, conversion=None) -> list[Problem]:
    """Every problem of the dataset in ``folder``; empty when it honours the contract.

    ``conversion``: the morphine-equivalence table whose (drug, route) pairs prescriptions
    may use, as a DataFrame or a table name (``painreview.mme``); default Opioids Aware.
    """
    return inspect_dataset(folder, conversion)[1]


def inspect_dataset(folder: str | Path, conversion=None) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every table of ``folder`` and check it: (tables read, problems)."""
    folder_name = str(folder)
    folder = Path(folder)
    if not folder.exists():
        return {}, [Problem(folder_name, 0, 0, "no such folder")]
    if not folder.is_dir():
        return {}, [Problem(folder_name, 0, 0, "not a folder")]
    if not any(table_files(folder, name) for name in reference.FILES):
        expected = ", ".join(f"{name}.csv" for name in reference.FILES)
        return {}, [Problem(folder_name, 0, 0, f"no data files in the folder (expected {expected})")]
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for name in reference.FILES:
        try:
            tables[name] = read_table(folder, name)
        except ReadError as exc:
            problems.append(Problem(exc.file, exc.line, 0, exc.message))
    return tables, _sorted(problems + check_tables(tables, conversion))


def check_tables(tables: Mapping[str, RawTable], conversion=None) -> list[Problem]:
    """Every problem of tables already read (a table absent from ``tables`` is not checked,
    and rules that need it are skipped: its absence is the reader's problem to report)."""
    contract = _contract()
    pairs = conversion_pairs(conversion)
    problems: list[Problem] = []
    checked: dict[str, _Checked] = {}
    for name in reference.FILES:
        if name in tables:
            table, found = _check_table(name, tables[name], contract.columns[name])
            checked[name] = table
            problems += found
    for name, table in checked.items():
        problems += _unique_keys(table, contract.columns[name])
        problems += _FILE_RULES.get(name, _no_rules)(table, contract)
    problems += _cross_file(checked, pairs)
    return _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(reference.FILES)}
    return sorted(problems, key=lambda p: (rank.get(Path(p.file).stem, -1), p.line, p.column))


# --- one table: header, rows, cells ---------------------------------------------------------


@dataclass
class _Checked:
    """A table after the cell checks: the values that passed (``None``: failed or absent)."""

    name: str
    file: str
    position: dict[str, int]  # contract column → 1-based position in the file
    rows: list[dict[str, str | None]]
    lines: list[int]

    def at(self, i: int, column: str | None, message: str) -> Problem:
        return Problem(self.file, self.lines[i], self.position.get(column, 0) if column else 0, message)

    def values(self, column: str) -> list[str | None]:
        return [row[column] for row in self.rows]


def _check_table(name: str, raw: RawTable, spec: Mapping[str, _Column]) -> tuple[_Checked, list[Problem]]:
    file = raw.file
    problems: list[Problem] = []
    position: dict[str, int] = {}
    for i, column in enumerate(raw.header, start=1):
        if column == "":
            problems.append(Problem(file, raw.header_line, i, "empty column name"))
        elif column in raw.header[: i - 1]:
            first = raw.header.index(column) + 1
            problems.append(Problem(file, raw.header_line, i, f"duplicated column {column!r} (also column {first})"))
        elif column not in spec:
            problems.append(Problem(file, raw.header_line, i, f"unknown column {column!r}: not in the raw data "
                                    "contract (unvetted fields, such as names or addresses, are refused)"))
        else:
            position[column] = i
    problems += [Problem(file, raw.header_line, 0, f"missing column {column!r}") for column in spec if column not in position]
    if name in ROWS_REQUIRED and not raw.rows:
        problems.append(Problem(file, 0, 0, "no rows: the file has a header only, and this table needs at least one row"))

    refused = {(line, column): message for line, column, message in raw.refused}
    problems += [Problem(file, line, column, message) for (line, column), message in refused.items()]
    width = len(raw.header)
    verdicts: dict[str, dict[str, str | None]] = {column: {} for column in position}
    rows: list[dict[str, str | None]] = []
    for cells, line in zip(raw.rows, raw.lines):
        if len(cells) != width:
            problems.append(Problem(file, line, 0, f"row has {len(cells)} cells but the header has {width}"))
        row: dict[str, str | None] = dict.fromkeys(spec)
        for i, value in enumerate(cells[:width], start=1):
            column = raw.header[i - 1]
            if (line, i) in refused:
                continue
            if position.get(column) != i:  # an unknown or repeated column: only the identifier check
                if is_nhs_number(value):
                    problems.append(Problem(file, line, i, _NHS_MESSAGE))
                continue
            cache = verdicts[column]
            if value not in cache:
                cache[value] = _cell_problem(value, spec[column])
            message = cache[value]
            if message is None:
                row[column] = value
            else:
                problems.append(Problem(file, line, i, message))
        rows.append(row)
    return _Checked(name, file, position, rows, list(raw.lines)), problems


_NHS_MESSAGE = ("value looks like an NHS number (ten digits passing the modulus-11 check): "
                "refused as a possible direct identifier")


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _cell_problem(value: str, column: _Column) -> str | None:
    """The first rule one cell breaks (None: it keeps them all). Order: empty/required,
    NHS number, missing-value code, type, vocabulary, range."""
    if value == "":
        return "required value is empty" if column.required else None
    if is_nhs_number(value):
        return _NHS_MESSAGE
    if value.lower() in SENTINELS:
        return f"{_show(value)} looks like a missing-value code; a missing value is an empty cell"
    message = _TYPE_CHECKS[column.type](value, column)
    if message is not None:
        return message
    if column.min is not None or column.max is not None:
        number = float(value)
        low = column.min if column.min is not None else float("-inf")
        high = column.max if column.max is not None else float("inf")
        if not low <= number <= high:
            if column.max is None:
                return f"{_show(value)} is below the minimum {_number(low)}"
            if column.min is None:
                return f"{_show(value)} is above the maximum {_number(high)}"
            return f"{_show(value)} is out of range {_number(low)} to {_number(high)}"
    return None


def _check_id(value: str, column: _Column) -> str | None:
    if _ID.fullmatch(value):
        return None
    return f"{_show(value)} is not a valid id (1 to 32 characters of A-Z a-z 0-9 _ -)"


def _check_text(value: str, column: _Column) -> str | None:
    return "text is blank (spaces only)" if not value.strip() else None


def _check_key(value: str, column: _Column) -> str | None:
    return None if _KEY.fullmatch(value) else f"{_show(value)} is not a lower-case snake_case key"


def _check_date(value: str, column: _Column) -> str | None:
    if not _DATE.fullmatch(value):
        return f"{_show(value)} is not a date in ISO 8601 form YYYY-MM-DD"
    try:
        date.fromisoformat(value)
    except ValueError:
        return f"{_show(value)} is not a real date"
    return None


def _check_yesno(value: str, column: _Column) -> str | None:
    return None if value in ("yes", "no") else f"{_show(value)} is not yes or no (lower case)"


def _check_coded(value: str, column: _Column) -> str | None:
    if value in column.labels:
        return None
    if column.vocabulary == "item":
        return f"{_show(value)} is not a questionnaire item of items.csv"
    listed = f" ({', '.join(column.labels)})" if len(column.labels) <= _LIST_LIMIT else " (see vocabularies.csv)"
    hint = ""
    for key, label in column.labels.items():
        if value.strip().lower() in (key, label.lower()):
            hint = f"; did you mean {key!r}?"
            break
    return f"{_show(value)} is not a key of vocabulary {column.vocabulary}{listed}{hint}"


def _check_integer(value: str, column: _Column) -> str | None:
    return None if _INTEGER.fullmatch(value) else f"{_show(value)} is not a whole number"


def _check_number(value: str, column: _Column) -> str | None:
    return None if _NUMBER.fullmatch(value) else f"{_show(value)} is not a number (digits, one decimal point)"


_TYPE_CHECKS = {
    "id": _check_id,
    "text": _check_text,
    "key": _check_key,
    "date": _check_date,
    "yesno": _check_yesno,
    "coded": _check_coded,
    "integer": _check_integer,
    "number": _check_number,
}


# --- rules within one table -------------------------------------------------------------------


def _given(*values: str | None) -> bool:
    """Every value passed its cell checks and is not empty."""
    return all(value not in (None, "") for value in values)


def _unique_keys(table: _Checked, spec: Mapping[str, _Column]) -> list[Problem]:
    keys = [(name,) for name, column in spec.items() if column.unique]
    if table.name in UNIQUE_KEYS:
        keys.append(UNIQUE_KEYS[table.name])
    problems = []
    for key in keys:
        first: dict[tuple[str, ...], int] = {}
        for i, row in enumerate(table.rows):
            value = tuple(row[name] for name in key)
            if not _given(*value):
                continue
            if value in first:
                if len(key) == 1:
                    message = f"duplicate {key[0]} {value[0]!r} (first on line {first[value]})"
                else:
                    message = f"duplicate ({', '.join(key)}) = ({', '.join(value)}) (first on line {first[value]})"
                problems.append(table.at(i, key[0] if len(key) == 1 else None, message))
            else:
                first[value] = table.lines[i]
    return problems


def _invitations(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """Figure 1's flow: contact → information session → enrolment; a reason exactly for
    those who attended and did not enrol."""
    for i, row in enumerate(table.rows):
        contact, attended, enrolled = row["contact_successful"], row["attended_info_session"], row["enrolled"]
        reason = row["non_enrolment_reason"]
        if contact == "no" and attended == "yes":
            yield table.at(i, "attended_info_session", "attended_info_session is yes but contact_successful is no")
        if attended == "no" and enrolled == "yes":
            yield table.at(i, "enrolled", "enrolled is yes but attended_info_session is no")
        if attended is None or enrolled is None or reason is None:
            continue
        needed = attended == "yes" and enrolled == "no"
        if needed and reason == "":
            yield table.at(i, "non_enrolment_reason",
                           "non_enrolment_reason is required when attended_info_session is yes and enrolled is no")
        elif not needed and reason != "":
            yield table.at(i, "non_enrolment_reason",
                           "non_enrolment_reason must be empty unless attended_info_session is yes and enrolled is no")


def _comorbidities(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    for i, row in enumerate(table.rows):
        if row["present"] == "no" and row["diagnosed"] == "yes":
            yield table.at(i, "diagnosed", "diagnosed is yes but present is no")


def _prescriptions(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """Route, dose and unit agree with the drug; ``none`` only at follow-up, and alone."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(table.rows):
        drug, route, dose, unit = row["drug"], row["route"], row["daily_dose"], row["dose_unit"]
        if _given(row["patient_id"], row["timepoint"]):
            groups.setdefault((row["patient_id"], row["timepoint"]), []).append(i)
        if drug is None:
            continue
        if drug == "none":
            if route not in (None, ""):
                yield table.at(i, "route", "route must be empty when drug is none")
            if dose is not None and float(dose) != 0:
                yield table.at(i, "daily_dose", "daily_dose must be 0 when drug is none")
            if unit not in (None, ""):
                yield table.at(i, "dose_unit", "dose_unit must be empty when drug is none")
            if row["timepoint"] == "baseline":
                yield table.at(i, "drug", "drug none is not allowed at baseline (eligibility was current long-term opioid use)")
            continue
        if route == "":
            yield table.at(i, "route", f"route is required for drug {drug}")
        if dose is not None and float(dose) <= 0:
            yield table.at(i, "daily_dose", f"daily_dose must be greater than 0 for drug {drug}")
        if route in DOSE_UNIT and unit is not None and unit != DOSE_UNIT[route]:
            yield table.at(i, "dose_unit", f"dose_unit must be {DOSE_UNIT[route]} for route {route}")
    for (patient, timepoint), members in groups.items():
        nones = [i for i in members if table.rows[i]["drug"] == "none"]
        if nones and len(members) > 1:
            for i in nones:
                others = [str(table.lines[j]) for j in members if j != i]
                where = f"line{'s' if len(others) > 1 else ''} {', '.join(others)}"
                yield table.at(i, None, f"drug none must be the only row of patient {patient!r} at {timepoint} "
                                        f"(also {where})")


def _questionnaires(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """An answer lies in its item's range, on its step (items.csv)."""
    for i, row in enumerate(table.rows):
        item, value = row["item"], row["value"]
        if not _given(item, value):
            continue
        low, high, step = contract.items[item]
        number = float(value)
        steps = (number - low) / step
        if not (low <= number <= high and abs(steps - round(steps)) < 1e-9):
            yield table.at(i, "value", f"{_show(value)} is not a valid answer to {item} "
                                       f"({_number(low)} to {_number(high)} in steps of {_number(step)})")


def _service_status(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    for i, row in enumerate(table.rows):
        status, reason = row["status"], row["discharge_reason"]
        if status == "discharged" and reason == "":
            yield table.at(i, "discharge_reason", "discharge_reason is required when status is discharged")
        elif status == "active" and reason not in (None, ""):
            yield table.at(i, "discharge_reason", "discharge_reason must be empty when status is active")


def _interviews(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    for i, row in enumerate(table.rows):
        role = row["role"]
        if role is not None and role != "service_user" and _given(row["patient_id"]):
            yield table.at(i, "patient_id", f"patient_id must be empty for role {role} (only service users are patients)")


def _codebook(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """One theme_label per theme."""
    first: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(table.rows):
        theme, label = row["theme"], row["theme_label"]
        if not _given(theme, label):
            continue
        if theme not in first:
            first[theme] = (label, table.lines[i])
        elif first[theme][0] != label:
            yield table.at(i, "theme_label", f"theme {theme!r} has another theme_label on line {first[theme][1]} "
                                             f"({_show(first[theme][0])})")


def _no_rules(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    return iter(())


_FILE_RULES = {
    "invitations": _invitations,
    "comorbidities": _comorbidities,
    "prescriptions": _prescriptions,
    "questionnaires": _questionnaires,
    "service_status": _service_status,
    "interviews": _interviews,
    "codebook": _codebook,
}


# --- rules across tables ----------------------------------------------------------------------


def _known(table: _Checked | None, column: str) -> set[str] | None:
    """The values of a column, or None when they are not all known (the table or column is
    missing, a cell failed its checks, or a table that needs rows has none): a rule asking
    "is X in there" is then skipped, its cause being reported already."""
    if table is None or column not in table.position or (table.name in ROWS_REQUIRED and not table.rows):
        return None
    values = table.values(column)
    if any(value is None for value in values):
        return None
    return {value for value in values if value != ""}


def _first_rows(table: _Checked, column: str) -> dict[str, int]:
    """Value → index of its first row (for looking a patient's row up)."""
    out: dict[str, int] = {}
    for i, value in enumerate(table.values(column)):
        if _given(value):
            out.setdefault(value, i)
    return out


def _not_before(child: _Checked, column: str, parent: _Checked, parent_column: str,
                where: Callable[[str, int], str]) -> Iterator[Problem]:
    """A child row's date on or after its patient's date in ``parent`` (ISO dates order as
    text); ``where`` names the parent row in the message."""
    rows = _first_rows(parent, "patient_id")
    for i, row in enumerate(child.rows):
        patient, day = row["patient_id"], row[column]
        if _given(patient, day) and patient in rows:
            j = rows[patient]
            limit = parent.rows[j][parent_column]
            if _given(limit) and day < limit:
                yield child.at(i, column, f"{column} {day} is before {parent_column} {limit} "
                                          f"{where(patient, parent.lines[j])}")


def _cross_file(tables: Mapping[str, _Checked], pairs: frozenset[tuple[str, str]]) -> Iterator[Problem]:
    invitations = tables.get("invitations")
    users = tables.get("service_users")
    if invitations is not None and "patient_id" in invitations.position:
        yield from _enrolled_ids(tables, invitations)
    if users is not None:
        yield from _service_user_rows(tables, users)
    if invitations is not None and users is not None:
        yield from _not_before(users, "enrolled_on", invitations, "invited_on",
                               lambda patient, parent_line: f"(invitations.csv line {parent_line})")
    appointments = tables.get("appointments")
    if users is not None and appointments is not None:
        yield from _not_before(appointments, "date", users, "enrolled_on",
                               lambda patient, parent_line: f"of patient {patient!r} ({users.file} line {parent_line})")
    prescriptions = tables.get("prescriptions")
    if prescriptions is not None:
        for i, row in enumerate(prescriptions.rows):
            drug, route = row["drug"], row["route"]
            if _given(drug, route) and drug != "none" and (drug, route) not in pairs:
                yield prescriptions.at(i, "route", f"(drug, route) = ({drug}, {route}) is not in the conversion table")
    segments = tables.get("coded_segments")
    if segments is not None:
        for column, table, name in (("participant_id", tables.get("interviews"), "interviews"),
                                    ("code", tables.get("codebook"), "codebook")):
            known = _known(table, column)
            if known is None:
                continue
            for i, value in enumerate(segments.values(column)):
                if _given(value) and value not in known:
                    yield segments.at(i, column, f"{column} {value!r} is not in {table.file}")


def _enrolled_ids(tables: Mapping[str, _Checked], invitations: _Checked) -> Iterator[Problem]:
    """Every patient_id outside invitations is an enrolled patient's; every enrolled
    patient has a service_users row."""
    invited = _first_rows(invitations, "patient_id")
    every_id_known = _known(invitations, "patient_id") is not None
    for name, table in tables.items():
        if name == "invitations" or "patient_id" not in table.position:
            continue
        for i, patient in enumerate(table.values("patient_id")):
            if not _given(patient):
                continue
            if patient not in invited:
                if every_id_known:
                    yield table.at(i, "patient_id", f"patient_id {patient!r} is not in {invitations.file}")
            elif invitations.rows[invited[patient]]["enrolled"] == "no":
                line = invitations.lines[invited[patient]]
                yield table.at(i, "patient_id", f"patient_id {patient!r} is not an enrolled patient "
                                                f"(enrolled is no on {invitations.file} line {line})")
    users = _known(tables.get("service_users"), "patient_id")
    if users is None:
        return
    for i, row in enumerate(invitations.rows):
        if row["enrolled"] == "yes" and _given(row["patient_id"]) and row["patient_id"] not in users:
            yield invitations.at(i, "patient_id", f"enrolled patient {row['patient_id']!r} has no row in "
                                                  f"{tables['service_users'].file}")


def _service_user_rows(tables: Mapping[str, _Checked], users: _Checked) -> Iterator[Problem]:
    """Every service user has a service_status row and a baseline prescription."""
    status = _known(tables.get("service_status"), "patient_id")
    prescriptions = tables.get("prescriptions")
    baseline = None
    if prescriptions is not None and _known(prescriptions, "patient_id") is not None and "timepoint" in prescriptions.position:
        # a row whose timepoint failed its checks may be the baseline row: count it
        baseline = {row["patient_id"] for row in prescriptions.rows if row["timepoint"] in ("baseline", None)}
    for i, patient in enumerate(users.values("patient_id")):
        if not _given(patient):
            continue
        if status is not None and patient not in status:
            yield users.at(i, "patient_id", f"service user {patient!r} has no row in {tables['service_status'].file}")
        if baseline is not None and patient not in baseline:
            yield users.at(i, "patient_id", f"service user {patient!r} has no baseline row in {prescriptions.file}")
