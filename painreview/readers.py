"""Read one raw table of a dataset folder into columns of text with their source positions.

A table ``<name>`` of the raw data contract (``painreview/data/columns.csv``) is one
file in the folder, ``<name>.csv``, ``<name>.xlsx`` or ``<name>.dta``; the extension
chooses the reader, and the content must match it. Every cell comes back as text,
exactly as the contract spells values: an empty cell is ``""`` (the only missing value:
no other string is read as missing, unlike pandas' default ``NA`` handling), dates are
``YYYY-MM-DD``, whole numbers have no ``.0``. Each row keeps the line a person would
look at:

- CSV: the physical line number where the record starts, header = 1 (a quoted cell
  may span lines);
- ``.xlsx``: the spreadsheet row of the table's sheet: the sheet named after the table,
  else the only visible sheet;
- ``.dta``: observation number + 1 (the variable names being "line 1").

A table is held by column (one numpy array of text per header position), so that
checking and typing a column of millions of cells is one vectorised pass. CSV files
without a quote character are parsed by pandas' C reader; others by the ``csv`` module,
which knows where a quoted record starts.

Checking values is ``painreview.validate``'s job; this module only refuses what it
cannot turn into text: an unreadable or special file, content of another format than
its extension, Stata value labels that name no key, and in a workbook formulas without
a saved value, merged cells and an ambiguous choice of sheet.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from painreview import reference
from painreview.identifiers import contains_nhs_number


@dataclass(frozen=True, eq=False)
class RawTable:
    """One table as read: header, columns of text cells and the source line of each row.

    ``columns[j]`` holds header position ``j``'s cells (numpy object arrays of ``str``,
    one per row, ``""`` where a short row had no cell). ``widths`` gives each row's
    number of cells where some row is not as long as the header (None: all are), and
    ``overflow`` the cells past the header as ``(row index, 1-based column, text)``.

    ``refused`` lists cells the reader could not map to the contract's text, as
    ``(line, column, message)`` with 1-based column numbers; such a cell holds the text
    the file had, and the validator reports the reader's message for it instead of its
    own checks. ``elsewhere`` lists identifiers found outside the table (another sheet of
    the workbook) as ``(line, column, where)``.
    """

    file: str
    header: tuple[str, ...]
    columns: tuple[np.ndarray, ...]
    line_numbers: np.ndarray
    header_line: int = 1
    refused: tuple[tuple[int, int, str], ...] = field(default=())
    widths: np.ndarray | None = None
    overflow: tuple[tuple[int, int, str], ...] = field(default=())
    elsewhere: tuple[tuple[int, int, str], ...] = field(default=())
    factorized: tuple[tuple[np.ndarray, np.ndarray], ...] | None = None

    def factorize(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Column ``j``'s cells as (codes, distinct texts): ``uniques[codes]`` gives the cells
        (kept from the reader where it had them, else computed)."""
        if self.factorized is not None:
            return self.factorized[j]
        import pandas as pd

        codes, uniques = pd.factorize(self.columns[j])
        return codes, np.asarray(uniques, dtype=object)

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(int(line) for line in self.line_numbers)

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        """Rows as the file had them (short rows short, long rows long): for small tables."""
        rows = [list(row) for row in zip(*self.columns)] if self.columns else [[] for _ in range(self.n_rows)]
        if self.widths is not None:
            rows = [row[:width] for row, width in zip(rows, self.widths)]
        for i, _position, value in self.overflow:
            rows[i].append(value)
        return tuple(tuple(row) for row in rows)

    @classmethod
    def from_rows(cls, file: str, header: Sequence[str], rows: Sequence[Sequence[str]], lines: Sequence[int],
                  header_line: int = 1, refused=(), elsewhere=()) -> "RawTable":
        """A table from rows of text cells (rows may be shorter or longer than the header)."""
        width = len(header)
        widths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        overflow = tuple((i, j + 1, row[j]) for i, row in enumerate(rows) if len(row) > width
                         for j in range(width, len(row)))
        padded = [list(row[:width]) + [""] * (width - len(row)) for row in rows]
        columns = tuple(_text_array(column) for column in zip(*padded)) if padded else \
            tuple(np.empty(0, dtype=object) for _ in header)
        ragged = bool(len(widths)) and bool((widths != width).any())
        return cls(file, tuple(header), columns, np.asarray(lines, dtype=np.int64), header_line, tuple(refused),
                   widths if ragged else None, overflow, tuple(elsewhere))


class _Columns(Sequence):
    """Columns kept as (codes, distinct texts), each made into an array of text when asked
    for (the validator and the typing mostly use the codes, so no array per cell is held)."""

    def __init__(self, factorized: Sequence[tuple[np.ndarray, np.ndarray]]):
        self._factorized = factorized

    def __len__(self) -> int:
        return len(self._factorized)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[k] for k in range(len(self))[j]]
        codes, uniques = self._factorized[j]
        return uniques[codes]


class ReadError(Exception):
    """A file that cannot be read as a table: ``file:line`` and why (line 0: the whole file)."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


SUFFIXES = (".csv", ".xlsx", ".dta")
"""Formats a table may come in, in the order they are looked for."""

KINDS = {".csv": "a CSV file", ".xlsx": "an Excel workbook", ".dta": "a Stata dataset"}

_TEXT_LIKE = (".txt", ".tsv", ".tab", ".dat")
"""Extensions of text exports that should be renamed (or re-saved) as ``.csv``."""

DATA_LIKE = SUFFIXES + _TEXT_LIKE + (".xls", ".xlsm", ".ods", ".sav", ".sas7bdat", ".rds", ".rdata", ".json",
                                     ".parquet", ".feather", ".zip", ".gz")
"""Extensions of files that hold data: one the contract does not name is an error, not a
warning (it could hold identifiers, and it is certainly not what the analysis reads)."""


def _text_array(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def folder_entries(folder: str | Path) -> list[str]:
    """The names in a dataset folder, sorted."""
    return sorted(os.listdir(folder))


def table_files(folder: str | Path, name: str, entries: Sequence[str] | None = None) -> list[Path]:
    """The files in ``folder`` that hold table ``name``, in ``SUFFIXES`` order."""
    folder = Path(folder)
    names = set(folder_entries(folder) if entries is None else entries)
    return [folder / f"{name}{suffix}" for suffix in SUFFIXES if f"{name}{suffix}" in names]


def contract_files(folder: str | Path) -> list[Path]:
    """The files of ``folder`` that hold a table of the contract (``<name>.csv|.xlsx|.dta``),
    sorted by name: the only files a run reads, records or lists."""
    folder = Path(folder)
    entries = folder_entries(folder)
    found = [path for name in reference.FILES for path in table_files(folder, name, entries)]
    return sorted(found, key=lambda p: p.name)


def other_files(folder: str | Path) -> list[str]:
    """Names in ``folder`` that are not a contract table's file, sorted."""
    known = {path.name for path in contract_files(folder)}
    return [name for name in folder_entries(folder) if name not in known]


def near_miss(name: str, entries: Sequence[str]) -> str | None:
    """A folder entry that is table ``name``'s file but for case or extension, and what to do."""
    for entry in entries:
        stem, dot, suffix = entry.rpartition(".")
        if not dot or stem.lower() != name:
            continue
        suffix = "." + suffix.lower()
        if suffix in SUFFIXES:
            return f"found {entry}: rename it to {name}{suffix}"
        if suffix in _TEXT_LIKE:
            return f"found {entry}: if it is comma-separated, rename it to {name}.csv"
        if suffix in (".xls", ".xlsm", ".ods"):
            return f"found {entry}: save it as an Excel workbook {name}.xlsx"
        return f"found {entry}: save it as {name}.csv, {name}.xlsx or {name}.dta"
    return None


def read_table(folder: str | Path, name: str, entries: Sequence[str] | None = None) -> RawTable:
    """Read table ``name`` of a dataset folder; ``ReadError`` if it is missing, doubled or unreadable."""
    entries = folder_entries(folder) if entries is None else entries
    found = table_files(folder, name, entries)
    if not found:
        hint = near_miss(name, entries)
        raise ReadError(f"{name}.csv", 0, f"file is missing; {hint}" if hint else "file is missing")
    if len(found) > 1:
        names = ", ".join(path.name for path in found)
        raise ReadError(found[0].name, 0, f"one table in {len(found)} formats ({names}): keep exactly one")
    path = found[0]
    return read_file(path, column_vocabularies(name) if path.suffix == ".dta" else None, table=name)


def special_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a regular file (None: it can). Never blocks."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: refused (replace it with the exported file)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: refused"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file: refused"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file: refused"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None


def sniff(head: bytes) -> str:
    """What a file's first bytes say it is: ``.xlsx`` (a zip), ``.xls`` (OLE2), ``.dta``, ``text`` or ``binary``."""
    if head.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".xls"
    if head.startswith(b"<stata_dta>") or (len(head) > 2 and 104 <= head[0] <= 115 and head[1] in (1, 2)):
        return ".dta"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


_SNIFFED = {".xlsx": "an Excel workbook (.xlsx)", ".xls": "an old Excel workbook (.xls)",
            ".dta": "a Stata dataset (.dta)", "text": "text (CSV?)", "binary": "binary data"}


def _content_problem(path: Path, head: bytes) -> str | None:
    """The content is of another format than the extension says."""
    kind = sniff(head)
    expected = {".csv": ("text",), ".xlsx": (".xlsx",), ".dta": (".dta",)}[path.suffix]
    if kind in expected or not head:
        return None
    advice = {".xlsx": f"rename it to {path.stem}.xlsx", ".dta": f"rename it to {path.stem}.dta",
              "text": f"rename it to {path.stem}.csv", ".xls": f"save it as {path.stem}.xlsx",
              "binary": f"export the table as {path.stem}.csv"}[kind]
    return f"content is {_SNIFFED[kind]}, not {KINDS[path.suffix]}: {advice}"


def read_file(path: str | Path, vocabularies: Mapping[str, Mapping[str, str]] | None = None,
              table: str | None = None) -> RawTable:
    """Read one file by its extension; every failure becomes one ``ReadError``.

    ``vocabularies`` maps a column to its vocabulary's ``{key: label}``; only Stata
    value labels use it (see ``column_vocabularies``). ``table``: the table's name,
    which chooses a workbook's sheet (default: the file's stem).
    """
    path = Path(path)
    if path.suffix not in KINDS:
        raise ReadError(path.name, 0, f"unsupported format {path.suffix!r} (use one of {', '.join(SUFFIXES)})")
    problem = special_file_problem(path)
    if problem:
        raise ReadError(path.name, 0, problem)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        problem = _content_problem(path, head)
        if problem:
            raise ReadError(path.name, 0, problem)
        if path.suffix == ".csv":
            return _read_csv(path)
        if path.suffix == ".xlsx":
            return _read_xlsx(path, table or path.stem)
        return _read_dta(path, vocabularies or {})
    except ReadError:
        raise
    except Exception as exc:  # a damaged or foreign file: one clear line, not a traceback
        raise ReadError(path.name, 0, f"cannot be read as {KINDS[path.suffix]} ({type(exc).__name__}: {exc})") from exc


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


def _table(file: str, records: list[tuple[int, list[str]]], refused=(), grid: bool = False,
           elsewhere=()) -> RawTable:
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
    return RawTable.from_rows(file, header, [cells for _, cells in body], [line for line, _ in body],
                              header_line, refused, elsewhere)


def _trim(cells: list[str], width: int) -> list[str]:
    while len(cells) > width and cells[-1] == "":
        cells = cells[:-1]
    return cells


def _decode(name: str, data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); a bad byte is reported at its line and byte
    of the file as it is on disk, with what it would be in Windows-1252."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start
        line = data[:at].count(b"\n") + 1
        byte = data[at]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        column = at - (data.rfind(b"\n", 0, at) + 1) + 1
        seen = f", {guess!r} in Windows-1252" if guess != "\ufffd" else ""
        raise ReadError(name, line, f"not UTF-8 text (byte 0x{byte:02x} at byte {column} of the line{seen}); "
                                    "save the file as UTF-8") from None


def _read_csv(path: Path) -> RawTable:
    data = path.read_bytes()
    text = _decode(path.name, data)
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    if body and b'"' not in body and b"\x00" not in body and body.count(b"\r") == body.count(b"\r\n"):
        del text  # checked as UTF-8; the parser reads the bytes
        fast = _read_csv_unquoted(path.name, body)
        if fast is not None:
            return fast
        text = _decode(path.name, data)
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


def _read_csv_unquoted(name: str, body: bytes) -> RawTable | None:
    """UTF-8 CSV bytes without quotes: one record per line, parsed by pandas' C reader, each
    column factorized once (its codes serve every later check). None when a line
    has another number of cells than the header or the header line is blank: the ``csv``
    module's reading then reports the rows exactly."""
    import pandas as pd

    header_commas = body[: body.find(b"\n") if b"\n" in body else len(body)].count(b",")
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if body.startswith((b"\n", b"\r\n")):
        return None
    if b"\n\n" in body or b"\n\r\n" in body:  # blank lines: find them, and each line's cells
        codes = np.frombuffer(body, dtype=np.uint8)
        ends = np.flatnonzero(codes == 10)
        if len(ends) == 0 or ends[-1] != len(body) - 1:
            ends = np.append(ends, len(body))  # a last line without a line end
        starts = np.concatenate(([0], ends[:-1] + 1))
        lengths = ends - starts
        carriage = np.zeros(len(ends), dtype=bool)
        nonempty = lengths > 0
        carriage[nonempty] = codes[ends[nonempty] - 1] == 13
        blank = (lengths == 0) | ((lengths == 1) & carriage)
        counts = np.bincount(np.searchsorted(ends, np.flatnonzero(codes == 44)), minlength=len(ends))
        del codes
        if (counts[~blank] != header_commas).any():
            return None
    else:  # no line may have more cells than the header (the parser refuses that), so equal totals
        # mean every line has exactly the header's cells
        if body.count(b",") != header_commas * lines:
            return None
        blank = np.zeros(lines, dtype=bool)
    try:
        factorized = _parse_factorized(body)
    except (pd.errors.ParserError, ValueError):
        return None
    if factorized is None or len(factorized[0][0]) != len(blank):
        return None
    header = tuple(str(uniques[codes[0]]) for codes, uniques in factorized)
    empty = np.ones(len(blank) - 1, dtype=bool)  # rows whose every cell is empty are dropped
    for codes, uniques in factorized:
        empty_code = np.flatnonzero(uniques == "")
        if not len(empty_code):
            empty[:] = False
            break
        empty &= codes[1:] == empty_code[0]
        if not empty.any():
            break
    keep = ~blank[1:] & ~empty
    dropped = not keep.all()
    line_numbers = np.arange(2, len(blank) + 1, dtype=np.int64)
    if dropped:
        line_numbers = line_numbers[keep]
    body_codes = [(codes[1:][keep] if dropped else codes[1:], uniques) for codes, uniques in factorized]
    body_codes = tuple(body_codes)
    return RawTable(name, header, _Columns(body_codes), line_numbers, factorized=body_codes)


_CHUNK_ROWS = 200_000
"""Rows parsed at a time: the parser's text object per cell lives for one chunk only."""


def _parse_factorized(body: bytes) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each column of unquoted CSV bytes (header row included) as (codes, distinct texts),
    distinct texts in order of first appearance, parsed chunk by chunk."""
    import pandas as pd

    indexes: list[dict[str, int]] = []
    parts: list[list[np.ndarray]] = []
    chunks = pd.read_csv(io.BytesIO(body), header=None, dtype=str, keep_default_na=False, na_filter=False,
                         skip_blank_lines=False, engine="c", quoting=csv.QUOTE_NONE, encoding="utf-8",
                         chunksize=_CHUNK_ROWS)
    with chunks:
        for chunk in chunks:
            if not indexes:
                indexes = [{} for _ in chunk.columns]
                parts = [[] for _ in chunk.columns]
            if len(chunk.columns) != len(indexes):
                return None
            for j, column in enumerate(chunk.columns):
                codes, uniques = pd.factorize(chunk[column].to_numpy(dtype=object))
                index = indexes[j]
                to_global = np.fromiter((index.setdefault(u, len(index)) for u in uniques), dtype=np.int64,
                                        count=len(uniques))
                parts[j].append(to_global[codes].astype(np.int32) if len(uniques) else codes.astype(np.int32))
    out = []
    for index, part in zip(indexes, parts):
        uniques = np.empty(len(index), dtype=object)
        uniques[:] = list(index)
        out.append((np.concatenate(part), uniques))
    return out or None


def _number_text(value: float | int) -> str:
    """A number as the contract writes it: no ``.0`` on whole numbers, no exponent."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return ""
    if value in (float("inf"), float("-inf")):
        return str(value)
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


def choose_sheet(titles: Sequence[str], visible: Sequence[bool], table: str) -> int:
    """The table's sheet: the visible sheet named after the table, else the sheet named
    after it, else the only visible sheet; ``ValueError`` naming the candidates otherwise."""
    named = [i for i, title in enumerate(titles) if title == table]
    shown = [i for i in named if visible[i]]
    if len(shown) == 1 or len(named) == 1:
        return (shown or named)[0]
    candidates = [i for i, v in enumerate(visible) if v]
    if len(candidates) == 1:
        return candidates[0]
    listed = ", ".join(repr(titles[i]) for i in (candidates or range(len(titles))))
    raise ValueError(f"{len(candidates)} visible sheets ({listed}) and none is named {table!r}: "
                     f"name the table's sheet {table!r}, or delete or hide the others")


def _column_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _read_xlsx(path: Path, table: str) -> RawTable:
    """The table's sheet (``choose_sheet``); formulas without a saved value and merged cells
    are refused with their cell address; every other sheet is searched for NHS numbers."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    try:
        titles = [sheet.title for sheet in book.worksheets]
        visible = [sheet.sheet_state == "visible" for sheet in book.worksheets]
        try:
            chosen = choose_sheet(titles, visible, table)
        except ValueError as exc:
            raise ReadError(path.name, 0, str(exc)) from None
        sheet = book.worksheets[chosen]
        prefix = f"sheet {sheet.title!r} " if len(titles) > 1 else ""
        merged = sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        if merged:
            first = merged[0]
            more = f" and {len(merged) - 1} more merged range{'s' if len(merged) > 2 else ''}" if len(merged) > 1 else ""
            raise ReadError(path.name, first.min_row,
                            f"{prefix}cells {first.coord} are merged{more}: unmerge them and fill in every cell")
        records = [(line, [_xlsx_text(value) for value in row])
                   for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        elsewhere = []
        for k, other in enumerate(book.worksheets):
            if k == chosen:
                continue
            for row in other.iter_rows():
                for cell in row:
                    if cell.value is not None and contains_nhs_number(_xlsx_text(cell.value)):
                        elsewhere.append((cell.row, cell.column, f"sheet {other.title!r} cell {cell.coordinate}"))
    finally:
        book.close()
    empty = [(line, j) for line, cells in records for j, cell in enumerate(cells, start=1) if cell == ""]
    if empty:
        _refuse_formulas(path, chosen, set(empty), prefix)
    return _table(path.name, records, grid=True, elsewhere=elsewhere)


def _refuse_formulas(path: Path, chosen: int, empty: set[tuple[int, int]], prefix: str) -> None:
    """A cell without a value that holds a formula: the workbook was saved without values."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = book.worksheets[chosen]
        found = []
        for line, row in enumerate(sheet.iter_rows(), start=1):
            for cell in row:
                value = getattr(cell, "value", None)
                column = getattr(cell, "column", None)
                if isinstance(value, str) and value.startswith("=") and (line, column) in empty:
                    found.append(f"{_column_letter(column)}{line}")
                    if len(found) == 1:
                        where = (line, value)
    finally:
        book.close()
    if found:
        line, formula = where
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        shown = formula if len(formula) <= 40 else formula[:37] + "..."
        raise ReadError(path.name, line, f"{prefix}cell {found[0]}{more} holds a formula ({shown}) without a saved "
                                         "value: open the workbook in Excel and save it, or save with values")


def _stata_cell(value: object) -> str:
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
