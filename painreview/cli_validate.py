"""``python -m painreview validate DATA``: check a dataset folder against the raw data contract.

Valid: a one-line summary on stdout, exit 0. Otherwise the problems as
``file:line:column: name: message`` on stderr (the first ``SHOWN``, then a count of all
of them by file and rule), then a count line, exit 1. Files of the folder that the
contract does not name and that hold no data (notes, codebooks) get one warning line.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

SHOWN = 200
"""At most this many problems are printed one by one; the rest are counted."""

_VARYING = re.compile(r"'(?:[^'\\]|\\.)*'|\"[^\"]*\"|\b\d[\d.:-]*\b")


def add_arguments(parser) -> None:
    parser.add_argument("data", metavar="DATA", help="dataset folder (e.g. data/synthetic)")
    parser.add_argument("--conversion", default="opioids_aware",
                        help="conversion table whose (drug, route) pairs prescriptions may use "
                             "(painreview/data/mme_<NAME>.csv; default opioids_aware)")


def rule_of(message: str) -> str:
    """A problem's rule: its message with the values (quoted text, numbers) left out."""
    return _VARYING.sub("…", message)


def report_lines(problems, shown: int = SHOWN) -> list[str]:
    """The lines printed for ``problems``: each of the first ``shown``, then (if more) a
    count by file and rule of every problem, largest first."""
    lines = [str(problem) for problem in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"... {len(problems) - shown} more problems not shown; all {len(problems)} by file and rule:")
        counts = Counter((problem.file, (f"{problem.name}: " if problem.name else "") + rule_of(problem.message))
                         for problem in problems)
        lines += [f"{n:>9} {file}: {rule}" for (file, rule), n in
                  sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return lines


def run(args) -> int:
    from painreview.validate import inspect_dataset, unlisted_files

    try:
        tables, problems = inspect_dataset(args.data, args.conversion)
    except ValueError as exc:  # an unknown conversion table name
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if tables:
        _, others = unlisted_files(args.data)
        if others:
            print(f"{args.data}: note: not files of the raw data contract, never read: {', '.join(others)}",
                  file=sys.stderr)
    if problems:
        for line in report_lines(problems):
            print(line, file=sys.stderr)
        n = len(problems)
        print(f"{args.data}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    users = tables["service_users"].n_rows
    print(f"{args.data}: valid ({len(tables)} files, {users} service users)")
    return 0
