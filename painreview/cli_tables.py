"""``python -m painreview tables DATA --out OUT [--conversion NAME]``.

Loads (and so validates) the dataset folder, computes every table of the output
contract and writes them under ``OUT/tables``. Exit 1 with every problem on stderr when
the dataset breaks the raw data contract. Heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="dataset folder (the raw data contract)")
    parser.add_argument("--out", required=True, help="output root; tables go to OUT/tables")
    parser.add_argument(
        "--conversion",
        default="opioids_aware",
        help="oral morphine equivalent conversion table (painreview/data/mme_<NAME>.csv; default opioids_aware)",
    )


def run(args: argparse.Namespace) -> int:
    from painreview import mme
    from painreview.dataset import DataError, load_dataset

    try:
        table = mme.conversion_table(args.conversion)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        frames = load_dataset(args.data, conversion=table)
    except DataError as exc:
        problems = getattr(exc, "problems", None)
        lines = [str(p) for p in problems] if problems else str(exc).splitlines()
        for line in lines:
            print(line, file=sys.stderr)
        print(f"{args.data}: {len(lines)} problem(s); no tables written", file=sys.stderr)
        return 1

    from painreview.pipeline import build_tables, write_tables
    from painreview.provenance import is_synthetic

    try:
        tables = build_tables(frames, table)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in write_tables(tables, args.out, synthetic=is_synthetic(args.data)):
        print(path)
    return 0
