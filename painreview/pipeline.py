"""Compute every table of the output contract and write them under ``OUT/tables``.

``build_tables`` is pure (typed frames in, DataFrames out); ``table_texts`` gives the
files' texts, written through the output guard by ``write_tables``: CSV in UTF-8 with ``\\n`` line ends, no index, floats at full precision (shortest
repr that round-trips), plus Markdown and HTML renderings of Tables 1 and 2. The same
tables give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from painreview import mme
from painreview.estimates import estimates
from painreview.outcomes import outcomes
from painreview.render import to_html, to_markdown
from painreview.results import results
from painreview.sensitivity import sensitivity
from painreview.tables import table1, table2
from painreview.thematic import thematic_tallies

TABLE_NAMES = ("table1", "table2", "outcomes", "results", "thematic_tallies", "estimates", "sensitivity")
RENDERED = ("table1", "table2")


def build_tables(frames: dict, conversion: str | pd.DataFrame = "opioids_aware") -> dict[str, pd.DataFrame]:
    """table1, table2, outcomes, results, thematic_tallies, and the exploratory estimates
    and sensitivity (not in the paper), from the typed frames."""
    table = mme.as_table(conversion)
    return {
        "table1": table1(frames),
        "table2": table2(frames, table),
        "outcomes": outcomes(frames, table),
        "results": results(frames, table),
        "thematic_tallies": thematic_tallies(frames["interviews"], frames["codebook"], frames["coded_segments"]),
        "estimates": estimates(frames, table),
        "sensitivity": sensitivity(frames, conversion),
    }


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of ``frame`` as written: no index, ``\\n`` line ends, repr floats."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=None)


def table_texts(tables: dict[str, pd.DataFrame], synthetic: bool = False) -> dict[str, str]:
    """``{file name: text}`` of every table as written: ``<name>.csv`` for each, and
    ``table1.md``, ``table1.html``, ``table2.md``, ``table2.html``, in that order (their
    notes labelling a ``synthetic`` run)."""
    texts = {f"{name}.csv": csv_text(frame) for name, frame in tables.items()}
    for name in RENDERED:
        if name in tables:
            texts[f"{name}.md"] = to_markdown(tables[name], name, synthetic=synthetic)
            texts[f"{name}.html"] = to_html(tables[name], name, synthetic=synthetic)
    return texts


def write_tables(tables: dict[str, pd.DataFrame], out_dir, data_dir=None) -> list[Path]:
    """Write ``out_dir/tables/<name>.csv`` for every table and the renderings of Tables
    1–2 through the output guard (``painreview.outputs.write_tables``); return the paths."""
    from painreview.outputs import write_tables as guarded

    return guarded(tables, out_dir, data_dir)
