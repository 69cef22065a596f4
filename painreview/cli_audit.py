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
    parser.add_argument("--sdc", default="off", help="the run's disclosure control (on/off): values it changed "
                        "are audited as protected")


def run(args) -> int:
    from painreview.audit import AUDITED_TABLES, audit_tables, summary_line
    from painreview.outputs import read_tables, write_tables
    from painreview.reference import read_reference

    out = Path(args.out)
    try:
        tables = read_tables(out, AUDITED_TABLES)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # an unreadable CSV: one line, not a traceback
        print(f"audit: cannot read the inputs under {out}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    table = audit_tables(tables, read_reference("published.csv"), sdc=getattr(args, "sdc", "off"))
    (target,) = write_tables({"audit": table}, out)
    print(f"{summary_line(table)} -> {target}")
    return 0
