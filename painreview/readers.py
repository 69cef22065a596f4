"""Read one raw table of a dataset folder into rows of text with their source positions.

A table ``<name>`` of the raw data contract (``painreview/data/columns.csv``) is one
file in the folder, ``<name>.csv``, ``<name>.xlsx`` or ``<name>.dta``; the extension
chooses the reader. Every cell comes back as text, exactly as the contract spells
values: an empty cell is ``""`` (the only missing value: no other string is read as
missing, unlike pandas' default ``NA`` handling), dates are ``YYYY-MM-DD``, whole
numbers have no ``.0``. Each row keeps the line a person would look at:

- CSV: the physical line number where the record starts, header = 1 (a quoted cell
  may span lines);
- ``.xlsx``: the spreadsheet row of the first sheet;
- ``.dta``: observation number + 1 (the variable names being "line 1").

Checking values is ``painreview.validate``'s job; this module only refuses what it
cannot turn into text (an unreadable file, and Stata value labels that name no key).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from painreview import reference


@dataclass(frozen=True)
class RawTable:
    """One table as read: header, rows of text cells and the source line of each row.

    ``refused`` lists cells the reader could not map to the contract's text, as
    ``(line, column, message)`` with 1-based column numbers; such a cell holds the text
    the file had, and the validator reports the reader's message for it instead of its
    own checks.
    """

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    header_line: int = 1
    refused: tuple[tuple[int, int, str], ...] = field(default=())


class ReadError(Exception):
    """A file that cannot be read as a table: ``file:line`` and why (line 0: the whole file)."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


SUFFIXES = (".csv", ".xlsx", ".dta")
"""Formats a table may come in, in the order they are looked for."""


def table_files(folder: str | Path, name: str) -> list[Path]:
    """The files in ``folder`` that hold table ``name``, in ``SUFFIXES`` order."""
    folder = Path(folder)
    return [folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").exists()]


def read_table(folder: str | Path, name: str) -> RawTable:
    """Read table ``name`` of a dataset folder; ``ReadError`` if it is missing, doubled or unreadable."""
    found = table_files(folder, name)
    if not found:
        raise ReadError(f"{name}.csv", 0, "file is missing")
    if len(found) > 1:
        names = ", ".join(path.name for path in found)
        raise ReadError(found[0].name, 0, f"one table in {len(found)} formats ({names}): keep exactly one")
    path = found[0]
    return read_file(path, column_vocabularies(name) if path.suffix == ".dta" else None)


def read_file(path: str | Path, vocabularies: Mapping[str, Mapping[str, str]] | None = None) -> RawTable:
    """Read one file by its extension; every failure becomes one ``ReadError``.

    ``vocabularies`` maps a column to its vocabulary's ``{key: label}``; only Stata
    value labels use it (see ``column_vocabularies``).
    """
    path = Path(path)
    kinds = {".csv": "a CSV file", ".xlsx": "an Excel workbook", ".dta": "a Stata dataset"}
    if path.suffix not in kinds:
        raise ReadError(path.name, 0, f"unsupported format {path.suffix!r} (use one of {', '.join(SUFFIXES)})")
    try:
        if path.suffix == ".csv":
            return _read_csv(path)
        if path.suffix == ".xlsx":
            return _read_xlsx(path)
        return _read_dta(path, vocabularies or {})
    except ReadError:
        raise
    except Exception as exc:  # a damaged or foreign file: one clear line, not a traceback
        raise ReadError(path.name, 0, f"cannot be read as {kinds[path.suffix]} ({type(exc).__name__}: {exc})") from exc


def vocabulary_labels() -> dict[str, dict[str, str]]:
    """Vocabulary name → ``{key: label}`` in display order, from ``vocabularies.csv``; the
    questionnaire items (vocabulary ``item``) from ``items.csv``."""
    voc = reference.vocabularies()
    out: dict[str, dict[str, str]] = {}
    for vocabulary, key, label in zip(voc["vocabulary"], voc["key"], voc["label"]):
        out.setdefault(vocabulary, {})[key] = label
    items = reference.items()
    out["item"] = dict(zip(items["item"], items["label"]))
    return out


def column_vocabularies(name: str) -> dict[str, dict[str, str]]:
    """Column → ``{key: label}`` of its vocabulary, for the coded and yes/no columns of table ``name``."""
    cols = reference.columns()
    cols = cols[(cols["file"] == name) & (cols["vocabulary"] != "")]
    labels = vocabulary_labels()
    return {column: labels[vocabulary] for column, vocabulary in zip(cols["column"], cols["vocabulary"])}


def _table(file: str, records: list[tuple[int, list[str]]], refused=(), grid: bool = False) -> RawTable:
    """Header = the first record; blank records (no cell holds text) are dropped.

    ``grid``: a spreadsheet, whose used range may run past the last named column; empty
    cells beyond the header are trimmed there (text beyond it stays, and is reported).
    """
    if not records:
        raise ReadError(file, 0, "file is empty (no header row)")
    (header_line, header), body = records[0], records[1:]
    if grid:
        while header and header[-1] == "":
            header = header[:-1]
        body = [(line, _trim(cells, len(header))) for line, cells in body]
    body = [(line, cells) for line, cells in body if any(cell != "" for cell in cells)]
    rows = tuple(tuple(cells) for _, cells in body)
    return RawTable(file, tuple(header), rows, tuple(line for line, _ in body), header_line, tuple(refused))


def _trim(cells: list[str], width: int) -> list[str]:
    while len(cells) > width and cells[-1] == "":
        cells = cells[:-1]
    return cells


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(path.name, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(path.name, start, f"not parseable CSV: {exc}") from None
    return _table(path.name, records)


def _number_text(value: float | int) -> str:
    """A number as the contract writes it: no ``.0`` on whole numbers, no exponent."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return ""
    if value == int(value):
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _datetime_text(value: dt.date | dt.datetime | dt.time) -> str:
    """A date as ``YYYY-MM-DD``; a timestamp with a time of day keeps it (the validator refuses it)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    return value.isoformat()


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return _datetime_text(value)
    if isinstance(value, (int, float)):
        return _number_text(value)
    return str(value)


def _read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        records = [
            (line, [_xlsx_text(value) for value in row])
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _table(path.name, records, grid=True)


def _stata_cell(value: object) -> str:
    import numpy as np

    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else _datetime_text(value.astype("datetime64[us]").item())
    if isinstance(value, np.floating):
        if np.isnan(value):
            return ""
        # shortest text that reads back as this value in its own precision (float32 0.1 → "0.1")
        return np.format_float_positional(value, trim="-", unique=True)
    if isinstance(value, np.integer):
        return str(int(value))
    return _xlsx_text(value)


def _read_dta(path: Path, vocabularies: Mapping[str, Mapping[str, str]]) -> RawTable:
    """Stata: labelled values become vocabulary keys where the label is a key or its label."""
    import pandas as pd

    data = pd.read_stata(path, convert_categoricals=True, convert_dates=True, preserve_dtypes=True)
    header = [str(column) for column in data.columns]
    labelled = {column for column in header if isinstance(data[column].dtype, pd.CategoricalDtype)}
    refused: list[tuple[int, int, str]] = []
    columns: list[list[str]] = []
    for position, column in enumerate(header, start=1):
        values = data[column].astype(object).tolist() if column in labelled else list(data[column].to_numpy())
        if column in labelled:
            cells, bad = _label_keys(values, vocabularies.get(column), column)
            refused += [(observation + 2, position, message) for observation, message in bad]
        else:
            cells = [_stata_cell(value) for value in values]
        columns.append(cells)
    rows = [list(row) for row in zip(*columns)] if columns else []
    records = [(1, header)] + [(observation + 2, row) for observation, row in enumerate(rows)]
    return _table(path.name, records, sorted(refused))


def _label_keys(values: list[object], vocabulary: Mapping[str, str] | None, column: str):
    """Map value labels to keys: a label that is a key, or the label of a key, of the column's vocabulary."""
    by_label = {label: key for key, label in (vocabulary or {}).items()}
    cells: list[str] = []
    bad: list[tuple[int, str]] = []
    for observation, value in enumerate(values):
        if not isinstance(value, str):  # missing, or a code without a label: keep the number
            cells.append(_stata_cell(value))
        elif vocabulary is not None and value in vocabulary:
            cells.append(value)
        elif value in by_label:
            cells.append(by_label[value])
        else:
            cells.append(value)
            what = f"of the vocabulary of {column}" if vocabulary is not None else f"({column} takes no vocabulary)"
            bad.append((observation, f"value label {value!r} is not a key or label {what}"))
    return cells, bad
