"""python -m painreview bench [--quick]: measure the pipeline and write docs/benchmarks.md.

A benchmark reports; it never fails the build (exit 0 whatever it measures, unless it
cannot run at all). Measured (issue: scale and speed):

- the floor: one bare papermill run of a notebook importing pandas, seaborn and
  scipy.stats, the least any notebook-based pipeline pays;
- make all into an empty output root, against the floor;
- the no-op rebuild (make all again, nothing to do);
- validate and tables at 34, 3,400, 10,200 and 34,000 service users (data/synthetic
  replicated with fresh ids by python -m painreview replicate), time and peak memory.

Times are medians of 3 runs (one run for the scale steps). --quick: one run each, at
34 and 340 service users, printed only (docs/benchmarks.md is left alone).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR_SOURCE = "import pandas\nimport seaborn\nimport scipy.stats"
SCALES = (1, 100, 300, 1000)  # copies of data/synthetic's 34 service users
QUICK_SCALES = (1, 10)
TIMEOUT = 900  # seconds per measured command
#: measure -> (target as text, test on the measured values)
TARGETS = {
    "make all": "<= 3 x floor",
    "no-op rebuild": "<= 0.5 s",
    "validate + tables, 10,200 service users": "<= 4 x the 34-user run",
    "validate + tables, 34,000 service users": "<= 10 s, peak memory <= 1 GB",
}


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="one run each, 34 and 340 service users; print only")
    parser.add_argument("--data", default="data/synthetic", help="dataset folder to replicate (default data/synthetic)")
    parser.add_argument("--out", default="docs/benchmarks.md", help="where to write the report (default docs/benchmarks.md)")


def _floor_notebook(path: Path) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "floor",
                   "metadata": {}, "outputs": [], "source": FLOOR_SOURCE}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float | None, int | None, str]:
    """(seconds, peak resident memory of the process in bytes, "" or why it failed).
    Peak memory is the process's own maximum RSS (``wait4``), not its children's."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + TIMEOUT
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            proc.wait()
            return None, None, f"stopped after {TIMEOUT} s"
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        return seconds, usage.ru_maxrss * 1024, f"exit {proc.returncode}: {err.strip().splitlines()[-1:] or ''}"
    return seconds, usage.ru_maxrss * 1024, ""


def _median(cmds, runs: int) -> tuple[float | None, str]:
    times = []
    for cmd, cwd in cmds[:runs]:
        seconds, _, problem = measure(cmd, cwd)
        if problem:
            return None, problem
        times.append(seconds)
    return statistics.median(times), ""


def _fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def _fmt_mb(x: int | None) -> str:
    return "—" if x is None else f"{x / 1e6:,.0f} MB"


def run(args) -> int:
    runs = 1 if args.quick else 3
    scales = QUICK_SCALES if args.quick else SCALES
    py = sys.executable
    lines: list[str] = []
    met: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="painreview-bench-") as tmp:
        tmp = Path(tmp)
        floor_nb = tmp / "floor.ipynb"
        _floor_notebook(floor_nb)
        floor, p1 = _median([([py, "-m", "papermill", "--log-level", "ERROR", str(floor_nb),
                               str(tmp / f"floor{i}.out.ipynb")], None) for i in range(runs)], runs)
        full, p2 = _median([(["make", "--no-print-directory", "all", f"DATA={args.data}", f"OUT={tmp / f'out{i}'}"], REPO)
                            for i in range(runs)], runs)
        noop, p3 = _median([(["make", "--no-print-directory", "all", f"DATA={args.data}", f"OUT={tmp / 'out0'}"], REPO)
                            for _ in range(runs)], runs)
        ratio = full / floor if full and floor else None
        lines += ["| measure | time | note |", "|---|---|---|",
                  f"| floor: one papermill run importing pandas, seaborn, scipy.stats | {_fmt_s(floor)} | {p1} |",
                  f"| `make all` into an empty output root | {_fmt_s(full)} | "
                  f"{'' if ratio is None else f'{ratio:.1f} × floor'} {p2} |",
                  f"| no-op rebuild (`make all` again) | {_fmt_s(noop)} | {p3} |", ""]
        met["make all"] = "—" if ratio is None else f"{ratio:.1f} × floor: " + ("met" if ratio <= 3 else "not met")
        met["no-op rebuild"] = "—" if noop is None else f"{_fmt_s(noop)}: " + ("met" if noop <= 0.5 else "not met")
        lines += ["| service users | `validate` | peak memory | `tables` | peak memory | validate + tables | note |",
                  "|---|---|---|---|---|---|---|"]
        both: dict[int, float] = {}
        peak: dict[int, int] = {}
        for k in scales:
            data = tmp / f"x{k}"
            subprocess.run([py, "-m", "painreview", "replicate", args.data, str(data), "-k", str(k)],
                           check=True, stdout=subprocess.DEVNULL)
            tv, mv, pv = measure([py, "-m", "painreview", "validate", str(data)])
            tt, mt, pt = measure([py, "-m", "painreview", "tables", str(data), "--out", str(tmp / f"t{k}")])
            n = 34 * k
            if tv is not None and tt is not None and not (pv or pt):
                both[n], peak[n] = tv + tt, max(mv, mt)
            lines.append(f"| {n:,} | {_fmt_s(tv)} | {_fmt_mb(mv)} | {_fmt_s(tt)} | {_fmt_mb(mt)} | "
                         f"{_fmt_s(both.get(n))} | {'; '.join(p for p in (pv, pt) if p)} |")
            subprocess.run(["rm", "-rf", str(data), str(tmp / f"t{k}")], check=False)
        lines.append("")
    if 10200 in both and 34 in both:
        r = both[10200] / both[34]
        met["validate + tables, 10,200 service users"] = f"{r:.1f} × the 34-user run: " + ("met" if r <= 4 else "not met")
    if 34000 in both:
        ok = both[34000] <= 10 and peak[34000] <= 1e9
        met["validate + tables, 34,000 service users"] = (f"{_fmt_s(both[34000])}, {_fmt_mb(peak[34000])}: "
                                                          + ("met" if ok else "not met"))
    lines += ["| target | goal | measured |", "|---|---|---|"]
    lines += [f"| {name} | {goal} | {met.get(name, 'not measured')} |" for name, goal in TARGETS.items()]
    machine = (f"Machine: {os.cpu_count()} cores, Python {platform.python_version()} "
               f"({platform.python_implementation()}), {platform.system()} {platform.machine()}. "
               f"Times are medians of {runs} run{'s' if runs > 1 else ''} for the first table and one run "
               f"per size for the second; peak memory is each process's maximum resident set.")
    text = "\n".join([machine, "", *lines])
    print(text)
    if not args.quick:
        doc = (
            "# Benchmarks\n\n"
            "Written by `make bench` (`python -m painreview bench`); `make bench ARGS=--quick` tries it\n"
            "in a minute and writes nothing. A benchmark reports and never fails the build. The\n"
            "datasets are data/synthetic replicated with fresh ids (`python -m painreview replicate`),\n"
            "so every one is valid under the raw data contract. The targets are those of the scale\n"
            "issue. The machine is shared with other work, so times vary by some tens of per cent.\n\n"
            + text + "\n"
        )
        Path(args.out).write_text(doc, encoding="utf-8")
        print(f"\nwritten: {args.out}")
    return 0
