"""Shared fixtures: the hand-made valid dataset ``tests/data/mini`` and editable copies of it.

Other modules' tests may add fixtures here.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# make test-others runs the unit tests under the other Pythons with fewer examples.
settings.register_profile("quick", max_examples=10, deadline=None)

TESTS = Path(__file__).resolve().parent
MINI = TESTS / "data" / "mini"
SYNTHETIC = TESTS.parent / "data" / "synthetic"


def bad_data_base() -> Path:
    """The valid dataset the bad-data corpus is derived from: ``data/synthetic`` once it
    holds the contract's files, ``tests/data/mini`` until then."""
    return SYNTHETIC if (SYNTHETIC / "invitations.csv").is_file() else MINI


class EditableDataset:
    """A copy of a CSV dataset folder, to break one cell, row, column or file at a time.

    Rows are lists of text; ``row`` indexes count data rows from 0, so a row's line in
    the file is ``row + 2`` (the datasets edited here have no cell spanning lines,
    which ``read`` checks).
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.csv"

    def read(self, name: str) -> tuple[list[str], list[list[str]]]:
        text = self.path(name).read_text(encoding="utf-8-sig")
        records = list(csv.reader(io.StringIO(text, newline="")))
        assert len(records) == text.count("\n"), f"{name}.csv has a cell spanning lines"
        return records[0], records[1:]

    def write(self, name: str, header: list[str], rows: list[list[str]]) -> None:
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        self.path(name).write_text(out.getvalue(), encoding="utf-8")

    def column(self, name: str, column: str) -> int:
        """1-based position of ``column`` in the file's header."""
        return self.read(name)[0].index(column) + 1

    def find(self, name: str, where: Callable[[dict[str, str]], bool]) -> int:
        """Index of the first row for which ``where(row as dict)`` holds."""
        header, rows = self.read(name)
        for i, row in enumerate(rows):
            if where(dict(zip(header, row))):
                return i
        raise LookupError(f"no row of {name}.csv matches")

    def value(self, name: str, row: int, column: str) -> str:
        header, rows = self.read(name)
        return rows[row][header.index(column)]

    def set(self, name: str, row: int, column: str, value: str) -> str:
        """Set one cell; return its ``file:line:column: name`` prefix (as the validator prints it)."""
        header, rows = self.read(name)
        rows[row][header.index(column)] = value
        self.write(name, header, rows)
        return f"{name}.csv:{row + 2}:{header.index(column) + 1}: {column}"

    def drop_rows(self, name: str, where: Callable[[dict[str, str]], bool]) -> None:
        header, rows = self.read(name)
        self.write(name, header, [row for row in rows if not where(dict(zip(header, row)))])

    def append(self, name: str, values: dict[str, str]) -> int:
        """Add a row (columns not given are empty); return its line."""
        header, rows = self.read(name)
        rows.append([values.get(column, "") for column in header])
        self.write(name, header, rows)
        return len(rows) + 1

    def rename_column(self, name: str, old: str, new: str) -> int:
        header, rows = self.read(name)
        position = header.index(old)
        header[position] = new
        self.write(name, header, rows)
        return position + 1

    def add_column(self, name: str, column: str, values: Callable[[int, dict[str, str]], str]) -> int:
        """Append a column; return its position."""
        header, rows = self.read(name)
        rows = [row + [values(i, dict(zip(header, row)))] for i, row in enumerate(rows)]
        self.write(name, header + [column], rows)
        return len(header) + 1


def copy_dataset(source: Path, target: Path) -> EditableDataset:
    # the synthetic mark goes too: an edited copy is no longer the calibrated dataset (provenance.py)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.md", "SYNTHETIC.sha256"))
    return EditableDataset(target)


@pytest.fixture
def mini_dir() -> Path:
    """The hand-made valid dataset (read-only: copy it before changing anything)."""
    return MINI


@pytest.fixture
def mini(tmp_path) -> EditableDataset:
    """An editable copy of ``tests/data/mini``."""
    return copy_dataset(MINI, tmp_path / "mini")


@pytest.fixture
def bad_base(tmp_path) -> EditableDataset:
    """An editable copy of the bad-data corpus' base (see ``bad_data_base``)."""
    return copy_dataset(bad_data_base(), tmp_path / "dataset")


OPIOIDS_AWARE_PAIRS = [
    # (drug, route) of the Opioids Aware equivalence table as the raw data contract uses it:
    # oral products, and the two transdermal patches (fentanyl, buprenorphine).
    *[(drug, "oral") for drug in ("codeine", "dihydrocodeine", "tramadol", "tapentadol", "morphine",
                                  "oxycodone", "oxycodone_naloxone", "hydromorphone", "methadone")],
    ("fentanyl", "transdermal"),
    ("buprenorphine", "transdermal"),
]


@pytest.fixture
def conversion():
    """A conversion table with the (drug, route) pairs of Opioids Aware (factors are not
    the validator's business), so validation tests do not depend on the packaged table."""
    import pandas as pd

    return pd.DataFrame(OPIOIDS_AWARE_PAIRS, columns=["drug", "route"])


def published_frame(*rows: tuple):
    """A published-values frame (painreview/data/published.csv's columns) from rows
    (key, published, location[, decimals, numerator, denominator, note]); decimals default
    to those written. Shared by the audit's and the consistency checker's tests."""
    import pandas as pd

    from painreview import consistency as c

    full = []
    for r in rows:
        key, text, location, *rest = r
        rest = list(rest) + [""] * (4 - len(rest))
        decimals = rest[0] if rest[0] != "" else str(c.decimals_of(text))
        full.append((key, text, location, decimals, rest[1], rest[2], rest[3]))
    return pd.DataFrame(full, columns=c.PUBLISHED_COLUMNS)


@pytest.fixture(scope="session")
def sdc_releases(tmp_path_factory):
    """Releases built by the package's functions (``tests/sdc_release.py``): name → (data
    folder, output root). Under SDC: the synthetic data, the hand-made mini dataset and
    the synthetic dataset of another seed; ``synthetic_off``: the synthetic data without
    disclosure control (the attacks' and the scan's positive control)."""
    from sdc_release import build_release, synthetic_dataset

    root = tmp_path_factory.mktemp("sdc_releases")
    datasets = {"synthetic": SYNTHETIC, "mini": MINI,
                "seed3": synthetic_dataset(3, root / "seed3")}
    releases = {name: (data, build_release(data, root / f"out_{name}")) for name, data in datasets.items()}
    releases["synthetic_off"] = (datasets["synthetic"], build_release(datasets["synthetic"], root / "out_off", "off"))
    return releases


@pytest.fixture
def mark_package_output():
    """A function that makes a hand-made output root look like one this package wrote: it
    writes the marker (``painreview.guard.MARKER``) listing every file under tables/,
    figures/ and notebooks/ with its hash, as a run would have."""
    import hashlib
    import json

    def mark(out: Path) -> Path:
        files = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                 for sub in ("tables", "figures", "notebooks") if (out / sub).is_dir()
                 for p in sorted((out / sub).rglob("*")) if p.is_file()}
        for name in ("report.html", "manifest.json"):
            if (out / name).is_file():
                files[name] = hashlib.sha256((out / name).read_bytes()).hexdigest()
        (out / ".painreview-output").write_text(json.dumps({"painreview_output": 1, "files": files}))
        return out

    return mark
