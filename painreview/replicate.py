"""A dataset replicated k times with fresh ids, still valid under the raw data contract.

Used for scale benchmarks and the metamorphic test (docs/benchmarks.md): every record of
every CSV file is written k times, copy ``c`` (1..k) with ``_r<c>`` (zero-padded to the
width of k) appended to each id (``patient_id``, ``participant_id``, ``segment_id``), so
ids stay unique and every cross-file reference still holds. ``codebook.csv`` is the coding
frame, not records about people, and is copied once. Cells are copied as text, so no value
changes. Only CSV datasets are read.
"""

from __future__ import annotations

import csv
from pathlib import Path

ID_COLUMNS = ("patient_id", "participant_id", "segment_id")
COPIED_ONCE = ("codebook.csv",)
ID_MAX_LENGTH = 32  # raw data contract: a patient_id has 1-32 characters


def suffixes(k: int) -> list[str]:
    """The id suffixes of copies 1..k: ``_r1`` … or ``_r001`` … when k has three digits."""
    if k < 1:
        raise ValueError(f"k is 1 or more, not {k}")
    width = len(str(k))
    return [f"_r{c:0{width}d}" for c in range(1, k + 1)]


def replicate_rows(header: list[str], rows: list[list[str]], k: int) -> list[list[str]]:
    """``rows`` written k times, ids suffixed per copy (an empty id stays empty)."""
    id_cols = [i for i, name in enumerate(header) if name in ID_COLUMNS]
    out = []
    for suffix in suffixes(k):
        for row in rows:
            new = list(row)
            for i in id_cols:
                if i < len(new) and new[i] != "":
                    new[i] += suffix
            out.append(new)
    return out


def replicate_dataset(data: str | Path, out: str | Path, k: int) -> list[Path]:
    """Write ``data`` replicated ``k`` times into the new or empty folder ``out``.

    Raises ValueError (nothing written) when ``out`` holds files, ``data`` holds no CSV or a
    non-CSV data file, or a fresh id would exceed 32 characters.
    """
    data, out = Path(data), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out}: exists and is not an empty folder; nothing written")
    others = sorted(p.name for p in data.iterdir() if p.suffix.lower() in (".xlsx", ".dta"))
    if others:
        raise ValueError(f"{data}: replicate reads CSV files only, not {', '.join(others)}")
    files = sorted(data.glob("*.csv"))
    if not files:
        raise ValueError(f"{data}: no CSV files")
    longest = len(suffixes(k)[-1])
    parsed = {}
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header, *rows = list(csv.reader(fh))
        for i, name in enumerate(header):
            if name in ID_COLUMNS:
                for line, row in enumerate(rows, 2):
                    if i < len(row) and len(row[i]) + longest > ID_MAX_LENGTH and path.name not in COPIED_ONCE:
                        raise ValueError(f"{path}:{line}:{i + 1}: {name}: {row[i]!r} plus {longest} "
                                         f"characters exceeds {ID_MAX_LENGTH}; nothing written")
        parsed[path.name] = (header, rows)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (header, rows) in parsed.items():
        body = rows if name in COPIED_ONCE else replicate_rows(header, rows, k)
        target = out / name
        with target.open("x", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(body)
        written.append(target)
    return written
