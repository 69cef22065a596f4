"""python -m painreview replicate DATA OUT -k K: DATA's records written K times with fresh ids.

Every id gets a suffix per copy (_r1 ... _rK), so OUT is valid under the raw data
contract and every count of its outputs is K times DATA's. OUT must be new or empty.
Used by make bench and the metamorphic test.
"""

from __future__ import annotations

import argparse
import sys


def _k(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"k is 1 or more, not {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", help="dataset folder of CSV files (e.g. data/synthetic)")
    parser.add_argument("out", metavar="OUT", help="new or empty folder to write into")
    parser.add_argument("-k", type=_k, required=True, help="number of copies, 1 or more")


def run(args: argparse.Namespace) -> int:
    from painreview.replicate import replicate_dataset

    try:
        paths = replicate_dataset(args.data, args.out, args.k)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {args.data} replicated {args.k} times ({len(paths)} files)")
    return 0
