"""``python -m painreview synthesize [--seed N] --out DIR``: write a synthetic dataset.

Writes the raw data contract's twelve CSV files into DIR (created if needed; other files
there are left alone). Without ``--seed`` the seed is ``painreview.synthetic.DEFAULT_SEED``
(2016), which writes exactly the committed ``data/synthetic/``. Every seed reproduces the
paper's published numbers; the seed varies only what the paper does not publish.
"""

from __future__ import annotations

import argparse
import sys


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is 0 or more, not {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="random seed, 0 or more (default: 2016, the seed of the committed data/synthetic/)",
    )
    parser.add_argument("--out", required=True, help="folder to write the CSV files into")


def run(args: argparse.Namespace) -> int:
    from painreview.synthetic import DEFAULT_SEED, synthesize, write_dataset

    seed = DEFAULT_SEED if args.seed is None else args.seed
    try:
        paths = write_dataset(synthesize(seed), args.out)
    except OSError as exc:
        print(f"{args.out}: cannot write the dataset: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: synthetic dataset, seed {seed} ({len(paths)} files)")
    return 0
