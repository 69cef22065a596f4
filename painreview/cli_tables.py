"""``python -m painreview tables DATA --out OUT [--conversion NAME] [--sdc on|off]``.

Checks the settings and the output root (``painreview.guard``), loads (and so validates)
the dataset folder, computes every table of the output contract, applies disclosure
control when SDC is on, and writes them under ``OUT/tables`` in one commit. ``--env``
takes the settings from the environment (``make tables``). Exit 2 for a bad setting or a
refused OUT, 1 with every problem on stderr when the dataset breaks the raw data
contract; nothing is written then. Heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="dataset folder (the raw data contract)")
    parser.add_argument("--out", help="output root; tables go to OUT/tables")
    parser.add_argument(
        "--conversion",
        default=None,
        help="oral morphine equivalent conversion table (painreview/data/mme_<NAME>.csv; default opioids_aware)",
    )
    parser.add_argument("--sdc", default=None, help="statistical disclosure control: on or off (default off)")
    parser.add_argument("--env", action="store_true", help="take DATA, OUT, CONVERSION and SDC from the environment (make)")


def run(args: argparse.Namespace) -> int:
    from painreview import guard
    from painreview.settings import SettingError, parse_settings, settings_from_env

    try:
        if args.env:
            base = settings_from_env()
            settings = parse_settings(data=args.data or base.data, out=args.out or base.out,
                                      conversion=args.conversion or base.conversion,
                                      sdc=args.sdc if args.sdc is not None else base.sdc)
        else:
            if args.data is None or args.out is None:
                print("tables: give DATA and --out OUT (or --env)", file=sys.stderr)
                return 2
            settings = parse_settings(data=args.data, out=args.out, conversion=args.conversion, sdc=args.sdc)
        guard.check(settings)
    except (SettingError, guard.Refused) as exc:
        print(exc, file=sys.stderr)
        return 2

    from painreview import mme
    from painreview.dataset import DataError, load_dataset

    table = mme.conversion_table(settings.conversion)
    try:
        frames = load_dataset(settings.data, conversion=table)
    except DataError as exc:
        problems = getattr(exc, "problems", None)
        lines = [str(p) for p in problems] if problems else str(exc).splitlines()
        for line in lines:
            print(line, file=sys.stderr)
        print(f"{args.data or settings.data}: {len(lines)} problem(s); no tables written", file=sys.stderr)
        return 1

    from painreview.outputs import released, write_tables
    from painreview.pipeline import build_tables

    try:
        tables = released(build_tables(frames, table), settings.sdc)
        with guard.transaction(settings) as txn:
            written = write_tables(tables, txn.target)
    except guard.Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}; no tables written", file=sys.stderr)
        return 1
    for path in written:
        print(settings.out / path.relative_to(txn.root))
    return 0
