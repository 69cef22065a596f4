"""``python -m painreview bench``: time ``make all`` against the floor of one notebook run.

The floor is one papermill run of a notebook that only imports pandas, seaborn and
scipy.stats: the least any notebook-based pipeline pays. The targets (issue: speed) are
``make all`` into an empty output root within 4 x the floor on 2 cores, and a no-op
``make all`` under 2 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_SOURCE = "import pandas\nimport seaborn\nimport scipy.stats"


def add_arguments(parser) -> None:
    parser.add_argument("--data", default="data/synthetic", help="dataset folder")


def _floor_notebook(path: Path) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "floor",
                   "metadata": {}, "outputs": [], "source": FLOOR_SOURCE}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


def _timed(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(args) -> int:
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_nb = tmp / "floor.ipynb"
        _floor_notebook(floor_nb)
        floor = _timed([sys.executable, "-m", "papermill", "--log-level", "ERROR",
                        str(floor_nb), str(tmp / "floor.out.ipynb")])
        out = tmp / "out"
        full = _timed(["make", "--no-print-directory", "all", f"DATA={args.data}", f"OUT={out}"], cwd=repo)
        noop = _timed(["make", "--no-print-directory", "all", f"DATA={args.data}", f"OUT={out}"], cwd=repo)
    ratio = full / floor
    print(f"floor (one papermill run importing pandas, seaborn, scipy.stats): {floor:5.1f} s")
    print(f"make all into an empty output root:                               {full:5.1f} s"
          f"  = {ratio:.1f} x floor (target <= 4)")
    print(f"make all again (nothing to do):                                   {noop:5.2f} s  (target < 2)")
    return 0 if ratio <= 4 and noop < 2 else 1
