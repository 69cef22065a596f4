"""Compute every table of the output contract and write them under ``OUT/tables``.

``build_tables`` is pure (typed frames in, DataFrames out); ``write_tables`` is the only
I/O: CSV in UTF-8 with ``\\n`` line ends, no index, floats at full precision (shortest
repr that round-trips), plus Markdown and HTML renderings of Tables 1 and 2. The same
tables give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from painreview import mme
from painreview.outcomes import outcomes
from painreview.render import to_html, to_markdown
from painreview.results import results
from painreview.tables import table1, table2
from painreview.thematic import thematic_tallies

TABLE_NAMES = ("table1", "table2", "outcomes", "results", "thematic_tallies")
RENDERED = ("table1", "table2")


def build_tables(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> dict[str, pd.DataFrame]:
    """table1, table2, outcomes, results and thematic_tallies from the typed frames."""
    table = mme.as_table(conversion)
    return {
        "table1": table1(frames),
        "table2": table2(frames, table),
        "outcomes": outcomes(frames, table),
        "results": results(frames, table),
        "thematic_tallies": thematic_tallies(frames["interviews"], frames["codebook"], frames["coded_segments"]),
    }


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of ``frame`` as written: no index, ``\\n`` line ends, repr floats."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=None)


def write_tables(tables: dict[str, pd.DataFrame], out_dir, synthetic: bool = False) -> list[Path]:
    """Write ``out_dir/tables/<name>.csv`` for every table, and ``table1.md``,
    ``table1.html``, ``table2.md``, ``table2.html`` (their notes labelling a ``synthetic``
    run); return the paths written, in order."""
    folder = Path(out_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, text: str) -> None:
        path = folder / name
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        written.append(path)

    for name, frame in tables.items():
        write(f"{name}.csv", csv_text(frame))
    for name in RENDERED:
        if name in tables:
            write(f"{name}.md", to_markdown(tables[name], name, synthetic=synthetic))
            write(f"{name}.html", to_html(tables[name], name, synthetic=synthetic))
    return written
