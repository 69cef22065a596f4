"""``python -m painreview run-notebook NOTEBOOK --data DIR --out DIR``: the Makefile's runner."""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("notebook", help="a notebook of notebooks/")
    parser.add_argument("--data", default="data/synthetic", help="dataset folder")
    parser.add_argument("--out", default=".", help="output root")
    parser.add_argument("--conversion", default="opioids_aware", help="morphine-equivalent table")
    parser.add_argument("--sdc", default="off", help="statistical disclosure control: off or on")


def run(args) -> int:
    from painreview.notebook_run import run_notebook

    try:
        path = run_notebook(args.notebook, args.data, args.out, args.conversion, args.sdc)
    except Exception as exc:  # papermill reports the failing cell; show it, not our stack
        name = type(exc).__name__
        print(f"{args.notebook}: notebook failed ({name}):\n{exc}", file=sys.stderr)
        return 1
    print(f"{args.notebook} -> {path}")
    return 0
