"""``python -m painreview validate DATA``: check a dataset folder against the raw data contract.

Valid: a one-line summary on stdout, exit 0. Otherwise every problem as
``file:line:column: message`` on stderr, then a count line, exit 1.
"""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("data", metavar="DATA", nargs="?", help="dataset folder (e.g. data/synthetic)")
    parser.add_argument("--env", action="store_true", help="take DATA and CONVERSION from the environment (make)")
    parser.add_argument("--conversion", default="opioids_aware",
                        help="conversion table whose (drug, route) pairs prescriptions may use "
                             "(painreview/data/mme_<NAME>.csv; default opioids_aware)")


def run(args) -> int:
    from painreview.validate import inspect_dataset

    if getattr(args, "env", False):
        import os

        from painreview.settings import DEFAULTS, SettingError, parse_conversion

        args.data = args.data or os.environ.get("DATA") or DEFAULTS["DATA"]
        try:
            args.conversion = parse_conversion(os.environ.get("CONVERSION") or args.conversion)
        except SettingError as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.data is None:
        print("validate: give DATA (a dataset folder)", file=sys.stderr)
        return 2
    from pathlib import Path

    if not Path(args.data).exists() and not Path(args.data).is_absolute():
        # relative to the working directory: show where that is
        print(f"{args.data}:0:0: no such folder (resolved: {Path(args.data).resolve()})", file=sys.stderr)
        print(f"{args.data}: 1 problem", file=sys.stderr)
        return 1

    try:
        tables, problems = inspect_dataset(args.data, args.conversion)
    except ValueError as exc:  # an unknown conversion table name
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        n = len(problems)
        print(f"{args.data}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    users = len(tables["service_users"].rows)
    print(f"{args.data}: valid ({len(tables)} files, {users} service users)")
    return 0
