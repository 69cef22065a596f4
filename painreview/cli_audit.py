"""``python -m painreview audit OUT``: write ``OUT/tables/audit.csv`` and print a summary.

Reads ``OUT/tables/{table1,table2,results}.csv`` (written by ``python -m painreview
tables`` or the notebooks) and the package's published values. The audit reports; it
does not fail the run: exit 0 whatever the statuses, exit 1 (one line on stderr) only
when an input is missing or unreadable.
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("out", help="output root holding tables/ (the run's OUT)")
    parser.add_argument("--data", default=None, help="the dataset folder of the run (default data/synthetic)")
    parser.add_argument("--conversion", default=None, help="morphine-equivalent table the run used")
    parser.add_argument("--sdc", default=None, help="whether the run applied disclosure control: on or off")


def run(args) -> int:
    from painreview import guard
    from painreview.audit import AUDITED_TABLES, audit_tables, summary_line
    from painreview.outputs import read_tables, write_tables
    from painreview.reference import read_reference
    from painreview.settings import SettingError, parse_settings

    try:
        settings = parse_settings(data=getattr(args, "data", None), out=args.out,
                                  conversion=getattr(args, "conversion", None), sdc=getattr(args, "sdc", None))
        with guard.transaction(settings) as txn:
            try:
                tables = read_tables(txn.target, AUDITED_TABLES)
            except (FileNotFoundError, OSError, ValueError) as exc:
                raise _Unreadable(str(exc).replace(str(txn.root), str(settings.out))) from None
            except Exception as exc:  # an unreadable CSV: one line, not a traceback
                raise _Unreadable(f"cannot read the inputs under {settings.out}: {type(exc).__name__}: {exc}") from None
            table = audit_tables(tables, read_reference("published.csv"), sdc=settings.sdc)
            write_tables({"audit": table}, txn.target)
    except (SettingError, guard.Refused) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    except _Unreadable as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 1
    print(f"{summary_line(table)} -> {settings.out / 'tables' / 'audit.csv'}")
    return 0


class _Unreadable(Exception):
    """An input of the audit is missing or unreadable: nothing is written."""
