"""Load a dataset folder into typed DataFrames, one per raw data file.

The typed frames are the interface between the data layer and every analysis
function. ``load_dataset(folder)`` validates first and raises ``DataError`` (with every
problem) when the folder breaks the raw data contract; otherwise it returns a dict
keyed by file stem (``painreview.reference.FILES``) with, per column type of
``painreview/data/columns.csv``:

- id, text, key, coded: ``object`` dtype holding ``str``; missing is ``None``
- yesno: pandas ``boolean`` (True/False/<NA>)
- integer: pandas ``Int64`` (<NA> missing)
- number: ``float64`` (NaN missing)
- date: ``datetime64[ns]`` (NaT missing)

Rows keep the file's order; the index is a fresh RangeIndex.

Columns come in the contract's order (columns.csv), whatever their order in the file.
``typed_frames`` applies the same typing to frames of text cells, and
``frames_from_records`` builds typed frames from small lists of dicts for tests,
without validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from painreview import reference
from painreview.readers import RawTable
from painreview.validate import inspect_dataset


class DataError(Exception):
    """A dataset that breaks the raw data contract; ``problems`` holds every ``Problem``."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"the dataset breaks the raw data contract ({n} problem{'s' if n != 1 else ''}):"
        return "\n".join([head] + [str(problem) for problem in self.problems])


def load_dataset(folder: str | Path, conversion=None) -> dict[str, pd.DataFrame]:
    """Validate ``folder`` and return its typed frames; ``DataError`` listing every problem otherwise.

    ``conversion`` is passed to the validator: the conversion table (DataFrame or name)
    whose (drug, route) pairs prescriptions may use; default Opioids Aware.
    """
    tables, problems = inspect_dataset(folder, conversion)
    if problems:
        raise DataError(problems)
    spec = reference.columns()
    out = {}
    for name in reference.FILES:  # typed straight from the reader's codes: each distinct text converted once
        table = tables[name]
        columns = spec[spec["file"] == name]
        cells = {column: table.factorize(table.header.index(column)) for column in columns["column"]}
        out[name] = _typed_frame(name, table.n_rows, columns, cells)
    return out


def text_frame(table: RawTable) -> pd.DataFrame:
    """A table read by ``painreview.readers`` as a frame of text cells (``""`` = missing)."""
    if len(set(table.header)) == len(table.header):
        return pd.DataFrame(dict(zip(table.header, table.columns)), columns=list(table.header),
                            index=pd.RangeIndex(table.n_rows), dtype=object)
    return pd.DataFrame(list(table.rows), columns=list(table.header), dtype=object)


def typed_frames(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Type frames of text cells (``""`` or None = missing) per columns.csv, no validation.

    Keys are file stems; the result has them in ``FILES`` order. A contract column
    the frame lacks comes back all missing; a column the contract does not name, or a
    cell that is not text of its type, raises ``ValueError``.
    """
    unknown = sorted(set(raw) - set(reference.FILES))
    if unknown:
        raise ValueError(f"not tables of the raw data contract: {', '.join(unknown)}")
    spec = reference.columns()
    out = {}
    for name in reference.FILES:
        if name not in raw:
            continue
        frame = raw[name]
        columns = spec[spec["file"] == name]
        extra = sorted(set(frame.columns) - set(columns["column"]))
        if extra:
            raise ValueError(f"{name}: columns not in the raw data contract: {', '.join(extra)}")
        cells = {}
        for column in columns["column"]:
            values = frame[column].to_numpy(dtype=object) if column in frame.columns else np.full(len(frame), "", dtype=object)
            cells[column] = np.where(pd.isna(values), "", values).astype(object) if len(values) else values
        out[name] = _typed_frame(name, len(frame), columns, cells)
    return out


def _typed_frame(name: str, n: int, columns: pd.DataFrame, cells: Mapping[str, object]) -> pd.DataFrame:
    """One table typed per columns.csv from each column's text cells (an array, or the
    reader's (codes, distinct texts))."""
    typed = {}
    for column, kind in zip(columns["column"], columns["type"]):
        try:
            typed[column] = _TYPERS[kind](cells[column])
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{name}.{column}: not {kind} text ({exc})") from None
    return pd.DataFrame(typed, index=pd.RangeIndex(n))


def frames_from_records(records: Mapping[str, Sequence[Mapping[str, object]]]) -> dict[str, pd.DataFrame]:
    """Typed frames of every contract table from lists of row dicts, e.g. for tests.

    ``{"prescriptions": [{"patient_id": "P1", "timepoint": "baseline", "drug": "morphine",
    "route": "oral", "daily_dose": "30", "dose_unit": "mg_per_day"}]}``. Values are
    text as in a raw file, or Python values: None/NaN = missing, ``True``/``False`` =
    yes/no, numbers, ``datetime.date``. Columns left out are missing; tables left out
    come back empty (all of ``FILES`` are returned). The same typing as
    ``load_dataset``, without validation: the caller vouches for the rows.
    """
    # typed_frames refuses unknown tables and columns, and fills the columns left out.
    raw = {name: pd.DataFrame(index=pd.RangeIndex(0)) for name in reference.FILES}
    for name, rows in records.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        raw[name] = pd.DataFrame(
            {column: [_as_text(row.get(column)) for row in rows] for column in columns},
            index=pd.RangeIndex(len(rows)), dtype=object,
        )
    return typed_frames(raw)


def _as_text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if value != value:
            return ""
        return str(int(value)) if value == int(value) else repr(float(value))
    raise TypeError(f"cannot use {value!r} as a raw cell")


def _by_value(cells, convert, empty) -> np.ndarray:
    """``convert`` applied once per distinct cell text (``empty`` for ""), spread back over the
    cells; ``cells`` is an array of text or (codes, distinct texts), of which only the texts
    some cell has are converted."""
    if isinstance(cells, tuple):
        codes, uniques = cells
        used = np.bincount(codes, minlength=len(uniques)) > 0 if len(codes) else np.zeros(len(uniques), dtype=bool)
    else:
        codes, uniques = pd.factorize(np.asarray(cells, dtype=object))
        used = np.ones(len(uniques), dtype=bool)
    values = [empty if not keep or cell == "" else convert(cell) for cell, keep in zip(uniques, used)]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out[codes] if len(codes) else np.empty(0, dtype=object)


def _text(cells: np.ndarray) -> pd.Series:
    return pd.Series(_by_value(cells, str, None), dtype=object)


def _yesno(cells: np.ndarray) -> pd.Series:
    values = {"yes": True, "no": False}
    return pd.Series(pd.array(_by_value(cells, values.__getitem__, pd.NA), dtype="boolean"))


def _integer(cells: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(_by_value(cells, int, pd.NA), dtype="Int64"))


def _number(cells: np.ndarray) -> pd.Series:
    return pd.Series(_by_value(cells, float, np.nan).astype("float64"))


def _date(cells: np.ndarray) -> pd.Series:
    # pd.Timestamp refuses a date pandas cannot hold (numpy would wrap it round silently)
    days = _by_value(cells, lambda cell: pd.Timestamp(dt.date.fromisoformat(cell)).as_unit("ns").to_datetime64(),
                     np.datetime64("NaT", "ns"))
    return pd.Series(days.astype("datetime64[ns]"), dtype="datetime64[ns]")


_TYPERS = {
    "id": _text,
    "text": _text,
    "key": _text,
    "coded": _text,
    "yesno": _yesno,
    "integer": _integer,
    "number": _number,
    "date": _date,
}
