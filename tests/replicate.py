"""Replicate a dataset folder k times with fresh ids, for measuring validation at scale.

``python tests/replicate.py data/synthetic 1000 /tmp/x34000`` writes 1,000 copies of every
record: copy r's ``patient_id``, ``participant_id`` and ``segment_id`` gain the suffix
``r<r>`` (still valid ids), the codebook is kept once. The result stays valid, so it
measures a clean run. A stand-in until the package has a replicate command (issue #13).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

SUFFIXED = ("patient_id", "participant_id", "segment_id")


def replicate(source: Path, k: int, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=False)
    for path in sorted(source.glob("*.csv")):
        header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        if path.stem == "codebook":
            out = rows
        else:
            at = [i for i, column in enumerate(header) if column in SUFFIXED]
            out = []
            for r in range(k):
                suffix = f"r{r}" if k > 1 else ""
                for row in rows:
                    row = list(row)
                    for i in at:
                        if row[i]:
                            row[i] += suffix
                    out.append(row)
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerows([header, *out])
        (target / path.name).write_text(buffer.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    replicate(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
