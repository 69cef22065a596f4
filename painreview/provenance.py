"""Is a run's dataset the package's synthetic one? Decided by content, not by path.

``python -m painreview synthesize`` writes ``SYNTHETIC.sha256`` beside the contract files
it writes: one ``<sha256>  <file>`` line per contract file, sorted by name (the
``sha256sum`` format). A dataset is synthetic when that file is present and lists
exactly the contract files there with their current contents; then the report, the
figures and the table renderings carry the labels below. Any other dataset (real data,
an edited copy of the synthetic set) carries none.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from painreview.reference import FILES

MARK = "SYNTHETIC.sha256"
SUFFIXES = (".csv", ".xlsx", ".dta")  # the readers' formats
BANNER = ("Synthetic data calibrated to the published numbers, so agreement with the paper "
          "checks the code, not the study.")
FIGURE_NOTE = "Synthetic data calibrated to the published numbers: agreement checks the code, not the study."
TABLE_NOTE = BANNER


def contract_files(folder: str | Path) -> list[Path]:
    """The dataset's contract files in ``folder`` (any reader format), sorted by name."""
    folder = Path(folder)
    return sorted((p for p in folder.iterdir() if p.is_file() and p.stem in FILES and p.suffix in SUFFIXES),
                  key=lambda p: p.name) if folder.is_dir() else []


def fingerprint(folder: str | Path) -> str:
    """The text ``SYNTHETIC.sha256`` holds for the contract files now in ``folder``."""
    return "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in contract_files(folder))


def write_mark(folder: str | Path) -> Path:
    """Mark ``folder`` as synthetic (its contract files as they are now)."""
    path = Path(folder) / MARK
    path.write_bytes(fingerprint(folder).encode("utf-8"))
    return path


def is_synthetic(folder: str | Path | None) -> bool:
    """True when ``folder`` holds the mark and its contract files match it byte for byte."""
    if folder is None:
        return False
    path = Path(folder) / MARK
    if not path.is_file():
        return False
    text = path.read_bytes().decode("utf-8", errors="replace")
    return bool(text) and text == fingerprint(folder)
