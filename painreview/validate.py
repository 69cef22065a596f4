"""Check a dataset folder against the raw data contract and report every problem at once.

The contract is ``/work/shared/spec/raw-data.md`` (its columns transcribed in
``painreview/data/columns.csv``, vocabularies in ``vocabularies.csv``, questionnaire
items in ``items.csv``, plausible values in ``sentinel_dates.csv`` and
``dose_limits.csv``). ``validate_dataset(folder)`` returns a list of ``Problem``, each
printed as ``file:line:column: name: message`` (line: the file's line, header = 1;
column: 1-based position in the file and ``name`` the column's name; 0 and no name where
the problem concerns a whole file or row), sorted by file in the contract's order, then
line, then column. Nothing is computed from a dataset with problems
(``painreview.dataset.load_dataset`` refuses it).

Checks, in the order they run:

1. the folder, then per file: present (else a near miss by case or extension is named),
   in one format, a regular file whose content matches its extension, readable
   (``painreview.readers``); files the contract does not name are refused if they hold
   data and are searched for NHS numbers; then a header naming every contract column
   once and nothing else (with a hint for a near miss, another delimiter, or title rows
   above the header), rows as long as the header, and at least one row for the tables
   in ``ROWS_REQUIRED``;
2. per cell, from ``columns.csv``: the identifier checks (any cell of the file, header
   cells and other sheets too), the refused missing-value codes, required, type,
   vocabulary and range (placeholder dates named as such). A cell gets at most one such
   problem, and a cell that failed is left out of every later rule, so one bad cell is
   reported once rather than again by each rule that reads it;
3. per file: no row twice, unique keys, the conditional rules of the contract, the
   questionnaire item ranges of ``items.csv``, plausible doses per unit;
4. across files: ids of enrolled patients, one status and a baseline prescription per
   service user, date order, (drug, route) in the conversion table, interview and
   codebook references.

Every check runs over whole columns (numpy/pandas), a cell rule once per distinct value
of a column, so validation grows linearly with the rows. pandera was tried: its lazy
failure cases must be mapped back to file lines and de-duplicated per cell, and it cost
~0.03 s per table after a ~0.3 s first call plus ~0.4 s of import.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from painreview import reference
from painreview.identifiers import contains_nhs_number, is_nhs_number, looks_like_titled_name
from painreview.readers import (DATA_LIKE, RawTable, ReadError, folder_entries, near_miss, other_files,
                                read_table, special_file_problem, table_files, vocabulary_labels)

__all__ = ["Problem", "is_nhs_number", "validate_dataset", "inspect_dataset", "check_tables", "unlisted_files"]

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

NAME_LIKE_COLUMNS = frozenset({"participant_id"})
"""Text columns holding a label of a person: two capitalised words there look like a name."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_TWO_NAMES = re.compile(r"\b[A-Z][a-z]+\s+(?:[A-Z]\.?\s+)?[A-Z][a-z'-]+\b")
_LIST_LIMIT = 12  # vocabularies up to this size are listed in full in a message
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_TITLE_SEARCH_ROWS = 10  # rows searched for a header below title rows


@dataclass(frozen=True)
class Problem:
    """One breach of the contract, at ``file:line:column`` (0 = the whole file or row);
    ``name``: the column's name where the problem is one column's."""

    file: str
    line: int
    column: int
    message: str
    name: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}:"
        return f"{where} {self.name}: {self.message}" if self.name else f"{where} {self.message}"


NHS_MESSAGE = ("value looks like an NHS number (ten digits passing the modulus-11 check): "
               "refused as a possible direct identifier")
NAME_MESSAGE = "value looks like a personal name: refused as a possible direct identifier"


# --- the contract as data ----------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    required: bool
    vocabulary: str
    labels: Mapping[str, str]  # key → label, in display order
    min: float | str | None  # a number, or an ISO date for a date column
    max: float | str | None
    unique: bool
    sentinels: Mapping[str, str]  # placeholder date → what writes it (date columns)


@dataclass(frozen=True)
class _Contract:
    columns: Mapping[str, Mapping[str, _Column]]  # file → column → spec, in contract order
    items: Mapping[str, tuple[float, float, float]]  # item → (min, max, step)
    dose_limits: Mapping[str, float]  # dose unit → plausible maximum


def _bound(text: str, kind: str) -> float | str | None:
    if not text:
        return None
    return text if kind == "date" else float(text)


def _contract() -> _Contract:
    cols = reference.columns()
    items = reference.items()
    vocab = vocabulary_labels()
    sentinels = reference.sentinel_dates()
    files: dict[str, dict[str, _Column]] = {name: {} for name in reference.FILES}
    for row in cols.itertuples(index=False):
        labels = vocab.get(row.vocabulary, {})
        files[row.file][row.column] = _Column(
            row.column, row.type, row.required == "yes", row.vocabulary, labels,
            _bound(row.min, row.type), _bound(row.max, row.type), row.unique == "yes",
            sentinels if row.type == "date" else {},
        )
    ranges = {item: (lo, hi, step) for item, lo, hi, step in zip(items["item"], items["min"], items["max"], items["step"])}
    return _Contract(files, ranges, reference.dose_limits())


def conversion_pairs(conversion=None) -> frozenset[tuple[str, str]]:
    """The (drug, route) pairs of a conversion table: a loaded table (DataFrame with
    ``drug``, ``route``), a table name, or by default ``painreview.mme``'s default table
    (Opioids Aware, ``painreview/data/mme_opioids_aware.csv``)."""
    from painreview import mme

    table = mme.conversion_table() if conversion is None else mme.as_table(conversion)
    return frozenset(zip(table["drug"], table["route"]))


def _conversion_name(conversion) -> str:
    if conversion is None:
        return "the conversion table (mme_opioids_aware.csv)"
    if isinstance(conversion, str):
        return f"the conversion table (mme_{conversion}.csv)"
    return "the conversion table"


# --- entry points ------------------------------------------------------------------------


def validate_dataset(folder: str | Path, conversion=None) -> list[Problem]:
    """Every problem of the dataset in ``folder``; empty when it honours the contract.

    ``conversion``: the morphine-equivalence table whose (drug, route) pairs prescriptions
    may use, as a DataFrame or a table name (``painreview.mme``); default Opioids Aware.
    """
    return inspect_dataset(folder, conversion)[1]


def _folder_problem(folder: Path, folder_name: str) -> Problem | None:
    try:
        if not folder.exists():
            return Problem(folder_name, 0, 0, "no such folder")
        if not folder.is_dir():
            return Problem(folder_name, 0, 0, "not a folder")
        folder_entries(folder)
    except OSError as exc:
        return Problem(folder_name, 0, 0, f"cannot be read ({exc.strerror or type(exc).__name__})")
    return None


def inspect_dataset(folder: str | Path, conversion=None) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every table of ``folder`` and check it: (tables read, problems)."""
    folder_name = str(folder)
    folder = Path(folder)
    problem = _folder_problem(folder, folder_name)
    if problem:
        return {}, [problem]
    entries = folder_entries(folder)
    if not any(table_files(folder, name, entries) for name in reference.FILES):
        expected = ", ".join(f"{name}.csv" for name in reference.FILES)
        hints = [hint for name in reference.FILES if (hint := near_miss(name, entries))]
        more = f"; {'; '.join(hints)}" if hints else ""
        return {}, [Problem(folder_name, 0, 0, f"no data files in the folder (expected {expected}){more}")]
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for name in reference.FILES:
        try:
            tables[name] = read_table(folder, name, entries)
        except ReadError as exc:
            problems.append(Problem(exc.file, exc.line, 0, exc.message))
    problems += _other_files(folder, folder_name, entries)
    return tables, _sorted(problems + check_tables(tables, conversion))


def unlisted_files(folder: str | Path) -> tuple[list[str], list[str]]:
    """Names in ``folder`` that are no contract table's file: (data files, other files).
    A near miss of a missing table (``Invitations.csv``) is named by that table's problem
    instead, and is in neither list."""
    entries = folder_entries(folder)
    missing = [name for name in reference.FILES if not table_files(folder, name, entries)]
    near = {entry for name in missing for entry in entries
            if entry.rpartition(".")[0].lower() == name and entry.rpartition(".")[1]}
    data, others = [], []
    for entry in other_files(folder):
        if entry in near or entry.startswith("."):
            continue
        (data if Path(entry).suffix.lower() in DATA_LIKE else others).append(entry)
    return data, others


def _other_files(folder: Path, folder_name: str, entries) -> list[Problem]:
    """Files the contract does not name: data files refused in one line; every text file
    searched for NHS numbers (a warning for the rest is the command's, ``unlisted_files``)."""
    data, others = unlisted_files(folder)
    problems = []
    if data:
        problems.append(Problem(folder_name, 0, 0, f"not files of the raw data contract, never read: "
                                                   f"{', '.join(data)}: move them out of the data folder"))
    from painreview import provenance

    for entry in data + others:
        path = folder / entry
        if special_file_problem(path) is not None:
            continue
        if entry == provenance.MARK and provenance.is_synthetic(folder):
            continue  # hex digests of the contract files, nothing else (their digits are no NHS numbers)
        problems += _identifiers_in_text(path)
    return problems


def _identifiers_in_text(path: Path, limit: int = 50_000_000) -> list[Problem]:
    """NHS numbers in a text file the contract does not name (binary and huge files skipped)."""
    try:
        if path.stat().st_size > limit:
            return []
        data = path.read_bytes()
    except OSError:
        return []
    if b"\x00" in data[:4096]:
        return []
    text = data.decode("utf-8", errors="replace")
    return [Problem(path.name, number, 0, NHS_MESSAGE)
            for number, line in enumerate(text.splitlines(), start=1) if contains_nhs_number(line)]


def check_tables(tables: Mapping[str, RawTable], conversion=None) -> list[Problem]:
    """Every problem of tables already read (a table absent from ``tables`` is not checked,
    and rules that need it are skipped: its absence is the reader's problem to report)."""
    contract = _contract()
    pairs = conversion_pairs(conversion)
    _VERDICTS.clear()
    _COLUMNS.clear()
    _FIRST_ROWS.clear()
    problems: list[Problem] = []
    checked: dict[str, _Checked] = {}
    try:
        for name in reference.FILES:
            if name in tables:
                table, found = _check_table(name, tables[name], contract.columns[name])
                checked[name] = table
                problems += found
        for name, table in checked.items():
            problems += _unique_rows(table, contract.columns[name])
            problems += list(_FILE_RULES.get(name, _no_rules)(table, contract))
        problems += list(_cross_file(checked, pairs, _conversion_name(conversion)))
    finally:
        _VERDICTS.clear()
        _COLUMNS.clear()
        _FIRST_ROWS.clear()
    return _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(reference.FILES)}
    return sorted(problems, key=lambda p: (rank.get(Path(p.file).stem, -1), p.line, p.column))


# --- one table: header, rows, cells ---------------------------------------------------------


@dataclass
class _Checked:
    """A table after the cell checks: per contract column, the values that passed
    (``None``: failed, refused, or the column is absent), as numpy object arrays."""

    name: str
    file: str
    position: dict[str, int]  # contract column → 1-based position in the file
    data: dict[str, np.ndarray]
    lines: np.ndarray
    raw: RawTable
    usable: bool = True  # False: the header is so wrong that the rows were not checked
    factorized: list = None  # per header position: (codes, uniques) of its raw cells

    @property
    def n(self) -> int:
        return len(self.lines)

    def at(self, i: int, column: str | None, message: str) -> Problem:
        if column and column in self.position:
            return Problem(self.file, int(self.lines[i]), self.position[column], message, column)
        return Problem(self.file, int(self.lines[i]), 0, message)

    def values(self, column: str) -> np.ndarray:
        return self.data[column]

    def each(self, mask: np.ndarray, column: str | None, message: str | Callable[[int], str]) -> Iterator[Problem]:
        for i in np.flatnonzero(mask):
            yield self.at(int(i), column, message(int(i)) if callable(message) else message)


_COLUMNS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
"""The checked columns of the running ``check_tables`` call, by ``id`` of their values array:
(values, codes, distinct texts, passed), so that the masks below are integer comparisons of
codes instead of text comparisons per cell. Emptied when the call ends."""


def _code_of(uniques: np.ndarray, value: str) -> int:
    found = np.flatnonzero(uniques == value) if len(uniques) else ()
    return int(found[0]) if len(found) else -2


def _is(values: np.ndarray, value: str) -> np.ndarray:
    """Elementwise ``values == value`` for an object array that may hold None."""
    known = _COLUMNS.get(id(values))
    if known is not None and known[0] is values:
        _, codes, uniques, passed = known
        return passed & (codes == _code_of(uniques, value))
    return np.asarray(values == value, dtype=bool) if len(values) else np.zeros(0, dtype=bool)


def _given(values: np.ndarray) -> np.ndarray:
    """Passed its cell checks and not empty."""
    known = _COLUMNS.get(id(values))
    if known is not None and known[0] is values:
        _, codes, uniques, passed = known
        return passed & (codes != _code_of(uniques, ""))
    if not len(values):
        return np.zeros(0, dtype=bool)
    return np.asarray(values != None, dtype=bool) & np.asarray(values != "", dtype=bool)  # noqa: E711 (elementwise)


def _passed(values: np.ndarray) -> np.ndarray:
    """Passed its cell checks (empty or not)."""
    known = _COLUMNS.get(id(values))
    if known is not None and known[0] is values:
        return known[3]
    return np.asarray(values != None, dtype=bool) if len(values) else np.zeros(0, dtype=bool)  # noqa: E711


def _float_or_nan(text: str) -> float:
    return float(text) if _NUMBER.fullmatch(text) else np.nan


def _floats(values: np.ndarray) -> np.ndarray:
    """Numbers of passed, non-empty cells; NaN elsewhere."""
    known = _COLUMNS.get(id(values))
    if known is not None and known[0] is values:
        _, codes, uniques, passed = known
        numbers = np.array([_float_or_nan(u) for u in uniques] + [np.nan])  # a text that failed: never used
        return np.where(passed, numbers[codes], np.nan)
    out = np.full(len(values), np.nan)
    mask = _given(values)
    if mask.any():
        codes, uniques = pd.factorize(values[mask])
        out[mask] = np.array([float(u) for u in uniques])[codes]
    return out


def _header_problems(name: str, raw: RawTable, spec: Mapping[str, _Column]) -> tuple[dict[str, int], list[Problem], bool]:
    """Positions of the contract's columns, the header's problems, and whether the rows are worth checking."""
    file = raw.file
    problems: list[Problem] = []
    position: dict[str, int] = {}
    header = raw.header
    for i, column in enumerate(header, start=1):
        if contains_nhs_number(column):
            problems.append(Problem(file, raw.header_line, i, f"column name {NHS_MESSAGE[6:]}"))
    if len(header) == 1 and header[0] not in spec:
        for delimiter, what in _DELIMITERS.items():
            if delimiter in header[0] and any(part.strip() in spec for part in header[0].split(delimiter)):
                return position, problems + [Problem(file, raw.header_line, 0, (
                    f"the header is one cell {header[0][:60]!r}: this file looks {what}-separated; "
                    "save it comma-separated (CSV)"))], False
    if not any(column in spec for column in header):
        title = _title_rows(raw, spec)
        if title is not None:
            return position, problems + [Problem(file, raw.header_line, 0, (
                f"the column names are on line {title}, not line {raw.header_line}: "
                f"delete the title rows above them"))], False
    missing = [column for column in spec if column not in header]
    for i, column in enumerate(header, start=1):
        if column == "":
            problems.append(Problem(file, raw.header_line, i, "empty column name"))
        elif column in header[: i - 1]:
            first = header.index(column) + 1
            problems.append(Problem(file, raw.header_line, i, f"duplicated column {column!r} (also column {first})"))
        elif column not in spec:
            hint = _did_you_mean(column, missing)
            problems.append(Problem(file, raw.header_line, i, f"unknown column {column!r}: not in the raw data "
                                    f"contract (unvetted fields, such as names or addresses, are refused){hint}"))
        else:
            position[column] = i
    problems += [Problem(file, raw.header_line, 0, f"missing column {column!r}") for column in missing]
    return position, problems, True


def _did_you_mean(column: str, candidates: list[str]) -> str:
    normal = re.sub(r"[\s\-.]+", "_", column.strip().lower())
    if normal in candidates:
        return f"; did you mean {normal!r}?"
    close = difflib.get_close_matches(normal, candidates, n=1, cutoff=0.8)
    return f"; did you mean {close[0]!r}?" if close else ""


def _title_rows(raw: RawTable, spec: Mapping[str, _Column]) -> int | None:
    """The line of a row below the header that names at least half the contract's columns."""
    overflow: dict[int, list[str]] = {}
    for i, _position, value in raw.overflow:
        overflow.setdefault(i, []).append(value)
    head = [uniques[codes[:_TITLE_SEARCH_ROWS]] for codes, uniques in map(raw.factorize, range(len(raw.header)))]
    for i in range(min(raw.n_rows, _TITLE_SEARCH_ROWS)):
        cells = {str(column[i]).strip() for column in head} | {v.strip() for v in overflow.get(i, [])}
        if len(cells & set(spec)) * 2 >= len(spec):
            return int(raw.line_numbers[i])
    return None


def _check_table(name: str, raw: RawTable, spec: Mapping[str, _Column]) -> tuple[_Checked, list[Problem]]:
    file = raw.file
    position, problems, usable = _header_problems(name, raw, spec)
    if name in ROWS_REQUIRED and not raw.n_rows:
        problems.append(Problem(file, 0, 0, "no rows: the file has a header only, and this table needs at least one row"))
    lines = raw.line_numbers
    n = raw.n_rows
    data = {column: np.full(n, None, dtype=object) for column in spec}
    checked = _Checked(name, file, {c: p for c, p in position.items()} if usable else {}, data, lines, raw, usable, [])
    problems += [Problem(file, line, column, f"{where}: {NHS_MESSAGE}") for line, column, where in raw.elsewhere]
    if not usable:
        return checked, problems
    refused: dict[int, list[tuple[int, str]]] = {}
    line_index = {int(line): i for i, line in enumerate(lines)} if raw.refused else {}
    for line, column, message in raw.refused:
        refused.setdefault(column, []).append((line_index[line], message))
        problems.append(Problem(file, line, column, message, _name_at(raw, column)))
    width = len(raw.header)
    if raw.widths is not None:
        for i in np.flatnonzero(raw.widths != width):
            problems.append(Problem(file, int(lines[i]), 0, f"row has {int(raw.widths[i])} cells but the header has {width}"))
    for i, _column, value in raw.overflow:
        if contains_nhs_number(value):
            problems.append(Problem(file, int(lines[i]), _column, NHS_MESSAGE))
    for j, column in enumerate(raw.header, start=1):
        values = raw.columns[j - 1]
        skip = np.zeros(n, dtype=bool)
        for i, _message in refused.get(j, ()):
            skip[i] = True
        if raw.widths is not None:
            skip |= raw.widths < j  # a short row has no cell here
        codes, uniques = raw.factorize(j - 1)
        checked.factorized.append((codes, uniques))
        if position.get(column) != j:  # an unknown or repeated column: only the identifier check
            flagged = np.array([contains_nhs_number(u) for u in uniques], dtype=bool)
            for i in np.flatnonzero(flagged[codes] & ~skip) if len(uniques) else ():
                problems.append(Problem(file, int(lines[i]), j, NHS_MESSAGE, column if column else ""))
            continue
        messages = _verdicts(uniques, spec[column])
        bad_unique = np.array([m is not None for m in messages], dtype=bool)
        bad = bad_unique[codes] & ~skip if len(uniques) else np.zeros(n, dtype=bool)
        for i in np.flatnonzero(bad):
            problems.append(Problem(file, int(lines[i]), j, messages[codes[i]], column))
        kept = values.copy()
        kept[bad | skip] = None
        data[column] = kept
        _COLUMNS[id(kept)] = (kept, codes, uniques, ~(bad | skip))
    return checked, problems


_VALID_ID = re.compile(r"(?!(?i:na|nan|null|-99|999)\Z)(?!(?:[^0-9]*[0-9]){10})[A-Za-z0-9_-]{1,32}\Z")
"""An id that passes every cell rule: the common case, decided by one match."""

_VERDICTS: dict[tuple, dict[str, str | None]] = {}
"""Cell verdicts per column spec, shared by the tables of one ``check_tables`` call (patient
ids recur in every table); cleared at its start."""


def _verdicts(uniques, column: _Column) -> list[str | None]:
    """``_cell_problem`` of each distinct value of a column (ids: a valid one by one match)."""
    cache = _VERDICTS.setdefault((column.name, column.type, column.required, column.vocabulary, column.min,
                                  column.max), {})
    fast = _VALID_ID.match if column.type == "id" else None
    out = []
    for value in uniques:
        if value not in cache:
            cache[value] = None if fast is not None and fast(value) else _cell_problem(value, column)
        out.append(cache[value])
    return out


def _name_at(raw: RawTable, column: int) -> str:
    return raw.header[column - 1] if 0 < column <= len(raw.header) else ""


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _cell_problem(value: str, column: _Column) -> str | None:
    """The first rule one cell breaks (None: it keeps them all). Order: empty/required,
    identifiers, missing-value code, type, vocabulary, range."""
    if value == "":
        return "required value is empty" if column.required else None
    if contains_nhs_number(value):
        return NHS_MESSAGE
    if value.lower() in SENTINELS:
        return f"{_show(value)} looks like a missing-value code; a missing value is an empty cell"
    message = _TYPE_CHECKS[column.type](value, column)
    if message is not None:
        return message
    if column.type == "date":
        return _date_range(value, column)
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


def _date_range(value: str, column: _Column) -> str | None:
    """A placeholder date of some software, named; else within the column's range."""
    if value in column.sentinels:
        return (f"{_show(value)} is a placeholder date, not a real one ({column.sentinels[value]}): "
                f"enter the real date{'' if column.required else ' or leave the cell empty'}")
    if (column.min is not None and value < column.min) or (column.max is not None and value > column.max):
        return f"{_show(value)} is outside the plausible range {column.min} to {column.max}"
    return None


def _check_id(value: str, column: _Column) -> str | None:
    if _ID.fullmatch(value):
        return None
    return f"{_show(value)} is not a valid id (1 to 32 characters of A-Z a-z 0-9 _ -)"


def _check_text(value: str, column: _Column) -> str | None:
    if not value.strip():
        return "text is blank (spaces only)"
    if looks_like_titled_name(value) or (column.name in NAME_LIKE_COLUMNS and _TWO_NAMES.search(value)):
        return NAME_MESSAGE
    return None


def _check_key(value: str, column: _Column) -> str | None:
    return None if _KEY.fullmatch(value) else f"{_show(value)} is not a lower-case snake_case key"


def _check_date(value: str, column: _Column) -> str | None:
    if not _DATE.fullmatch(value):
        return f"{_show(value)} is not a date in ISO 8601 form YYYY-MM-DD"
    if value in column.sentinels:
        return None  # named by the range check
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


def _group_codes(arrays: list[np.ndarray]) -> np.ndarray:
    """One integer per row, equal exactly where every array is equal (arrays of text), numbered
    in order of first appearance."""
    return _combine([pd.factorize(values, use_na_sentinel=False) for values in arrays])


def _combine(factorized: list[tuple[np.ndarray, object]]) -> np.ndarray:
    """Group numbers of rows from each column's (codes, uniques), in order of first appearance."""
    combined = np.zeros(len(factorized[0][0]) if factorized else 0, dtype=np.int64)
    size = 1  # how many values ``combined`` can take so far
    for codes, uniques in factorized:
        width = len(uniques) + 1  # codes run from -1 (missing) to len(uniques) - 1
        if size * width >= 2**62:  # renumber before the product could overflow
            combined = pd.factorize(combined)[0].astype(np.int64)
            size = int(combined.max()) + 1 if len(combined) else 1
        combined = combined * width + (np.asarray(codes, dtype=np.int64) + 1)
        size *= width
    return pd.factorize(combined)[0].astype(np.int64)


def _first_of(groups: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row of its group (``groups`` numbered in order
    of first appearance, as ``_group_codes`` gives them: group c first appears where the
    running maximum first reaches c)."""
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    running = np.maximum.accumulate(groups)
    new = np.empty(len(groups), dtype=bool)
    new[0] = True
    new[1:] = running[1:] > running[:-1]
    return np.flatnonzero(new)[groups]


def _unique_rows(table: _Checked, spec: Mapping[str, _Column]) -> list[Problem]:
    """No row twice (an export listing a record twice would count it twice), then unique keys."""
    raw = table.raw
    problems: list[Problem] = []
    copies = np.zeros(table.n, dtype=bool)
    if table.usable and table.n > 1 and raw.columns:
        first = _first_of(_combine(table.factorized))
        copies = first != np.arange(table.n)
        problems += table.each(copies, None, lambda i: (
            f"row is identical to line {int(table.lines[first[i]])}: remove the copy (a record exported twice?)"))
    keys = [(name,) for name, column in spec.items() if column.unique]
    if table.name in UNIQUE_KEYS:
        keys.append(UNIQUE_KEYS[table.name])
    for key in keys:
        if not all(column in table.position for column in key):
            continue
        given = np.ones(table.n, dtype=bool)
        for column in key:
            given &= _given(table.values(column))
        rows = np.flatnonzero(given & ~copies)
        if len(rows) < 2:
            continue
        first = _first_of(_combine([(table.factorized[table.position[column] - 1][0][rows],
                                     table.factorized[table.position[column] - 1][1]) for column in key]))
        for k in np.flatnonzero(first != np.arange(len(rows))):
            i, j = int(rows[k]), int(rows[first[k]])
            value = tuple(str(table.values(column)[i]) for column in key)
            if len(key) == 1:
                message = f"duplicate {key[0]} {value[0]!r} (first on line {int(table.lines[j])})"
            else:
                message = f"duplicate ({', '.join(key)}) = ({', '.join(value)}) (first on line {int(table.lines[j])})"
            problems.append(table.at(i, key[0] if len(key) == 1 else None, message))
    return problems


def _invitations(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """Figure 1's flow: contact → information session → enrolment; a reason exactly for
    those who attended and did not enrol."""
    contact, attended = table.values("contact_successful"), table.values("attended_info_session")
    enrolled, reason = table.values("enrolled"), table.values("non_enrolment_reason")
    yield from table.each(_is(contact, "no") & _is(attended, "yes"), "attended_info_session",
                          "attended_info_session is yes but contact_successful is no")
    yield from table.each(_is(attended, "no") & _is(enrolled, "yes"), "enrolled",
                          "enrolled is yes but attended_info_session is no")
    known = _passed(attended) & _passed(enrolled) & _passed(reason)
    needed = _is(attended, "yes") & _is(enrolled, "no")
    yield from table.each(known & needed & _is(reason, ""), "non_enrolment_reason",
                          "non_enrolment_reason is required when attended_info_session is yes and enrolled is no")
    yield from table.each(known & ~needed & _given(reason), "non_enrolment_reason",
                          "non_enrolment_reason must be empty unless attended_info_session is yes and enrolled is no")


def _comorbidities(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    yield from table.each(_is(table.values("present"), "no") & _is(table.values("diagnosed"), "yes"), "diagnosed",
                          "diagnosed is yes but present is no")


def _prescriptions(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """Route, dose and unit agree with the drug; ``none`` only at follow-up, and alone;
    a dose below the plausible maximum of its unit (``dose_limits.csv``)."""
    drug, route, unit = table.values("drug"), table.values("route"), table.values("dose_unit")
    timepoint = table.values("timepoint")
    dose = _floats(table.values("daily_dose"))
    has_dose = ~np.isnan(dose)
    none = _is(drug, "none")
    some = _passed(drug) & ~none
    yield from table.each(none & _given(route), "route", "route must be empty when drug is none")
    yield from table.each(none & has_dose & (np.nan_to_num(dose) != 0), "daily_dose", "daily_dose must be 0 when drug is none")
    yield from table.each(none & _given(unit), "dose_unit", "dose_unit must be empty when drug is none")
    yield from table.each(none & _is(timepoint, "baseline"), "drug",
                          "drug none is not allowed at baseline (eligibility was current long-term opioid use)")
    yield from table.each(some & _is(route, ""), "route", lambda i: f"route is required for drug {drug[i]}")
    yield from table.each(some & has_dose & (np.nan_to_num(dose, nan=1) <= 0), "daily_dose",
                          lambda i: f"daily_dose must be greater than 0 for drug {drug[i]}")
    for route_key, wanted in DOSE_UNIT.items():
        yield from table.each(some & _is(route, route_key) & _passed(unit) & ~_is(unit, wanted), "dose_unit",
                              f"dose_unit must be {wanted} for route {route_key}")
    for unit_key, limit in contract.dose_limits.items():
        yield from table.each(some & _is(unit, unit_key) & has_dose & (np.nan_to_num(dose) > limit), "daily_dose",
                              lambda i: (f"{_show(str(table.values('daily_dose')[i]))} {unit_key} is above the "
                                         f"plausible maximum {_number(limit)} (dose_limits.csv): check the unit "
                                         "and the number"))
    # drug none is the only row of its patient and timepoint
    pair = _given(table.values("patient_id")) & _given(timepoint)
    rows = np.flatnonzero(pair)
    if none[rows].any():
        groups = _group_codes([table.values("patient_id")[rows], timepoint[rows]])
        sizes = np.bincount(groups)
        members: dict[int, list[int]] = {}
        for k in np.flatnonzero(sizes[groups] > 1):
            members.setdefault(int(groups[k]), []).append(int(rows[k]))
        for group, indices in members.items():
            for i in indices:
                if not none[i]:
                    continue
                others = [str(int(table.lines[j])) for j in indices if j != i]
                where = f"line{'s' if len(others) > 1 else ''} {', '.join(others)}"
                yield table.at(i, None, f"drug none must be the only row of patient {table.values('patient_id')[i]!r} "
                                        f"at {timepoint[i]} (also {where})")


def _questionnaires(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """An answer lies in its item's range, on its step (items.csv)."""
    item = table.values("item")
    number = _floats(table.values("value"))
    mask = _given(item) & ~np.isnan(number)
    if not mask.any():
        return
    rows = np.flatnonzero(mask)
    codes, uniques = pd.factorize(item[rows])
    bounds = np.array([contract.items[u] for u in uniques], dtype=float).reshape(-1, 3)
    low, high, step = (bounds[codes, k] for k in range(3))
    steps = (number[rows] - low) / step
    bad = ~((low <= number[rows]) & (number[rows] <= high) & (np.abs(steps - np.round(steps)) < 1e-9))
    for k in np.flatnonzero(bad):
        i = int(rows[k])
        lo, hi, st = contract.items[item[i]]
        yield table.at(i, "value", f"{_show(str(table.values('value')[i]))} is not a valid answer to {item[i]} "
                                   f"({_number(lo)} to {_number(hi)} in steps of {_number(st)})")


def _service_status(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    status, reason = table.values("status"), table.values("discharge_reason")
    yield from table.each(_is(status, "discharged") & _is(reason, ""), "discharge_reason",
                          "discharge_reason is required when status is discharged")
    yield from table.each(_is(status, "active") & _given(reason), "discharge_reason",
                          "discharge_reason must be empty when status is active")


def _interviews(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    role = table.values("role")
    mask = _passed(role) & ~_is(role, "service_user") & _given(table.values("patient_id"))
    yield from table.each(mask, "patient_id", lambda i: (f"patient_id must be empty for role {role[i]} "
                                                         "(only service users are patients)"))


def _codebook(table: _Checked, contract: _Contract) -> Iterator[Problem]:
    """One theme_label per theme."""
    first: dict[str, tuple[str, int]] = {}
    theme, label = table.values("theme"), table.values("theme_label")
    for i in np.flatnonzero(_given(theme) & _given(label)):
        if theme[i] not in first:
            first[theme[i]] = (label[i], int(table.lines[i]))
        elif first[theme[i]][0] != label[i]:
            yield table.at(int(i), "theme_label", f"theme {theme[i]!r} has another theme_label on line "
                                                  f"{first[theme[i]][1]} ({_show(first[theme[i]][0])})")


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


def _usable(table: _Checked | None, column: str) -> bool:
    return table is not None and table.usable and column in table.position


def _known(table: _Checked | None, column: str) -> pd.Index | None:
    """The values of a column, or None when they are not all known (the table or column is
    missing, a cell failed its checks, or a table that needs rows has none): a rule asking
    "is X in there" is then skipped, its cause being reported already."""
    if not _usable(table, column) or (table.name in ROWS_REQUIRED and not table.n):
        return None
    values = table.values(column)
    if not _passed(values).all():
        return None
    return pd.Index(pd.unique(values[values != ""]) if len(values) else [], dtype=object)


_FIRST_ROWS: dict[tuple[int, str], tuple[pd.Index, np.ndarray]] = {}


def _first_rows(table: _Checked, column: str) -> tuple[pd.Index, np.ndarray]:
    """The distinct given values of a column and the row of each one's first occurrence."""
    key = (id(table.values(column)), column)
    if key not in _FIRST_ROWS:
        _FIRST_ROWS[key] = _first_rows_of(table, column)
    return _FIRST_ROWS[key]


def _first_rows_of(table: _Checked, column: str) -> tuple[pd.Index, np.ndarray]:
    values = table.values(column)
    rows = np.flatnonzero(_given(values))
    _, first = np.unique(pd.factorize(values[rows])[0], return_index=True) if len(rows) else (None, np.zeros(0, int))
    return pd.Index(values[rows][first], dtype=object), rows[first]


def _lookup(child_values: np.ndarray, parent: _Checked, column: str) -> np.ndarray:
    """For each child value, the row of its first match in ``parent``'s column (-1: none).
    A whole checked column is looked up once per distinct value, through its codes."""
    index, rows = _first_rows(parent, column)
    known = _COLUMNS.get(id(child_values))
    if known is not None and known[0] is child_values:
        _, codes, uniques, passed = known
        at = np.append(index.get_indexer(uniques) if len(uniques) else np.zeros(0, dtype=np.int64), -1)
        at = np.where(passed, at[codes], -1)
    else:
        at = index.get_indexer(child_values) if len(child_values) else np.zeros(0, dtype=np.int64)
    return np.where(at >= 0, rows[np.maximum(at, 0)] if len(rows) else -1, -1)


def _not_before(child: _Checked, column: str, parent: _Checked, parent_column: str,
                where: Callable[[str, int], str]) -> Iterator[Problem]:
    """A child row's date on or after its patient's date in ``parent`` (ISO dates order as
    text); ``where`` names the parent row in the message."""
    if not (_usable(child, "patient_id") and _usable(child, column) and _usable(parent, "patient_id")
            and _usable(parent, parent_column)):
        return
    patient, day = child.values("patient_id"), child.values(column)
    mask = _given(patient) & _given(day)
    rows = np.flatnonzero(mask)
    parents = _lookup(patient, parent, "patient_id")[rows]
    found = parents >= 0
    rows, parents = rows[found], parents[found]
    limits = parent.values(parent_column)[parents]
    ok = _given(limits)
    rows, parents, limits = rows[ok], parents[ok], limits[ok]
    early = np.asarray(day[rows] < limits, dtype=bool) if len(rows) else np.zeros(0, dtype=bool)
    for i, j in zip(rows[early], parents[early]):
        yield child.at(int(i), column, f"{column} {day[i]} is before {parent_column} {parent.values(parent_column)[j]} "
                                       f"{where(patient[i], int(parent.lines[j]))}")


def _cross_file(tables: Mapping[str, _Checked], pairs: frozenset[tuple[str, str]], conversion: str) -> Iterator[Problem]:
    invitations = tables.get("invitations")
    users = tables.get("service_users")
    if _usable(invitations, "patient_id"):
        yield from _enrolled_ids(tables, invitations)
    if _usable(users, "patient_id"):
        yield from _service_user_rows(tables, users)
    if invitations is not None and users is not None:
        yield from _not_before(users, "enrolled_on", invitations, "invited_on",
                               lambda patient, parent_line: f"({invitations.file} line {parent_line})")
    appointments = tables.get("appointments")
    if users is not None and appointments is not None:
        yield from _not_before(appointments, "date", users, "enrolled_on",
                               lambda patient, parent_line: f"of patient {patient!r} ({users.file} line {parent_line})")
    prescriptions = tables.get("prescriptions")
    if _usable(prescriptions, "drug") and _usable(prescriptions, "route"):
        drug, route = prescriptions.values("drug"), prescriptions.values("route")
        rows = np.flatnonzero(_given(drug) & _given(route) & ~_is(drug, "none"))
        if len(rows):
            groups = _group_codes([drug[rows], route[rows]])
            _, first = np.unique(groups, return_index=True)
            absent = np.array([(drug[rows[k]], route[rows[k]]) not in pairs for k in first], dtype=bool)
            missing = absent[groups]
            for i in rows[missing]:
                yield prescriptions.at(int(i), "route", f"(drug, route) = ({drug[i]}, {route[i]}) is not in {conversion}")
    segments = tables.get("coded_segments")
    if segments is not None:
        for column, table in (("participant_id", tables.get("interviews")), ("code", tables.get("codebook"))):
            known = _known(table, column)
            if known is None or not _usable(segments, column):
                continue
            values = segments.values(column)
            mask = _given(values)
            mask[mask] = ~pd.Index(values[mask]).isin(known)
            yield from segments.each(mask, column, lambda i: f"{column} {values[i]!r} is not in {table.file}")


def _enrolled_ids(tables: Mapping[str, _Checked], invitations: _Checked) -> Iterator[Problem]:
    """Every patient_id outside invitations is an enrolled patient's; every enrolled
    patient has a service_users row."""
    every_id_known = _known(invitations, "patient_id") is not None
    enrolled = invitations.values("enrolled")
    for name, table in tables.items():
        if name == "invitations" or not _usable(table, "patient_id"):
            continue
        patients = table.values("patient_id")
        rows = np.flatnonzero(_given(patients))
        invited = _lookup(patients, invitations, "patient_id")[rows]
        if every_id_known:
            for i in rows[invited < 0]:
                yield table.at(int(i), "patient_id", f"patient_id {patients[i]!r} is not in {invitations.file}")
        found = invited >= 0
        not_enrolled = np.zeros(len(rows), dtype=bool)
        not_enrolled[found] = _is(enrolled[invited[found]], "no")
        for i, j in zip(rows[not_enrolled], invited[not_enrolled]):
            yield table.at(int(i), "patient_id", f"patient_id {patients[i]!r} is not an enrolled patient "
                                                 f"(enrolled is no on {invitations.file} line {int(invitations.lines[j])})")
    users = _known(tables.get("service_users"), "patient_id")
    if users is None:
        return
    patients = invitations.values("patient_id")
    mask = _is(enrolled, "yes") & _given(patients)
    mask[mask] = ~pd.Index(patients[mask]).isin(users)
    yield from invitations.each(mask, "patient_id", lambda i: (f"enrolled patient {patients[i]!r} has no row in "
                                                               f"{tables['service_users'].file}"))


def _service_user_rows(tables: Mapping[str, _Checked], users: _Checked) -> Iterator[Problem]:
    """Every service user has a service_status row and a baseline prescription."""
    status = _known(tables.get("service_status"), "patient_id")
    prescriptions = tables.get("prescriptions")
    baseline = None
    if _known(prescriptions, "patient_id") is not None and _usable(prescriptions, "timepoint"):
        # a row whose timepoint failed its checks may be the baseline row: count it
        timepoint = prescriptions.values("timepoint")
        at_baseline = _is(timepoint, "baseline") | ~_passed(timepoint)
        baseline = pd.Index(pd.unique(prescriptions.values("patient_id")[at_baseline]), dtype=object)
    patients = users.values("patient_id")
    given = _given(patients)
    no_status = np.zeros(users.n, dtype=bool)
    no_baseline = np.zeros(users.n, dtype=bool)
    if status is not None:
        no_status[given] = ~pd.Index(patients[given]).isin(status)
    if baseline is not None:
        no_baseline[given] = ~pd.Index(patients[given]).isin(baseline)
    for i in np.flatnonzero(no_status | no_baseline):
        if no_status[i]:
            yield users.at(int(i), "patient_id", f"service user {patients[i]!r} has no row in {tables['service_status'].file}")
        if no_baseline[i]:
            yield users.at(int(i), "patient_id", f"service user {patients[i]!r} has no baseline row in {prescriptions.file}")
