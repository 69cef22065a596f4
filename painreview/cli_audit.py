"""``python -m painreview audit OUT``: write ``OUT/tables/audit.csv`` and print a summary.

Reads ``OUT/tables/{table1,table2,results}.csv`` (written by ``python -m painreview
tables``) and the package's published values. The audit reports; it does not fail the
run: exit 0 whatever the statuses, exit 1 (one line on stderr) only when an input is
missing or unreadable.
"""

from __future__ import annotations

import sys
from pathlib import Path

TABLE_FILES = ("table1", "table2", "results")


def add_arguments(parser) -> None:
    parser.add_argument("out", help="output root holding tables/ (the run's OUT)")


def read_table(path: Path):
    """A tables/ CSV as written by the pipeline: only an empty cell is missing (so a
    level such as ``none`` or ``NA`` stays text)."""
    import pandas as pd

    return pd.read_csv(path, dtype={"key": str, "variable": str, "level": str, "section": str, "label": str},
                       keep_default_na=False, na_values=[""], encoding="utf-8")


def read_inputs(out: Path) -> tuple[dict, object]:
    """(tables by name, published values); FileNotFoundError naming what is missing."""
    from painreview.reference import read_reference

    missing = [out / "tables" / f"{name}.csv" for name in TABLE_FILES if not (out / "tables" / f"{name}.csv").is_file()]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(str(p) for p in missing)} "
                                f"(run `python -m painreview tables DATA --out {out}` first)")
    tables = {name: read_table(out / "tables" / f"{name}.csv") for name in TABLE_FILES}
    try:
        published = read_reference("published.csv")
    except FileNotFoundError as exc:
        raise FileNotFoundError("missing painreview/data/published.csv (the published values)") from exc
    return tables, published


def compute_audit(tables: dict, published, paper_checks=None):
    """The audit of ``tables`` against ``published``; the paper checks are computed when
    not given."""
    from painreview.audit import audit, reproduced_values
    from painreview.consistency import check_paper

    checks = check_paper(published) if paper_checks is None else paper_checks
    return audit(published, reproduced_values(tables), checks)


def write_csv(frame, path: Path) -> None:
    """UTF-8, ``\\n`` line ends, no index: the same bytes for the same frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def run(args) -> int:
    out = Path(args.out)
    try:
        tables, published = read_inputs(out)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # an unreadable CSV: one line, not a traceback
        print(f"audit: cannot read the inputs under {out}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    from painreview.audit import summary_line

    table = compute_audit(tables, published)
    target = out / "tables" / "audit.csv"
    write_csv(table, target)
    print(f"{summary_line(table)} -> {target}")
    return 0
