"""Reading and writing a run's outputs under the output root: tables, figures, with
disclosure control.

Notebooks and commands call these so that every output is written and read back the
same way: CSVs and renderings
through ``pipeline.write_tables``, figures through ``savefig.save_figure`` into
``OUT/figures``, and, when the run's ``sdc`` option is on, every frame through
``sdc.protect`` before it is shown or written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def released(tables: dict[str, pd.DataFrame], sdc: str | bool) -> dict[str, pd.DataFrame]:
    """The frames as they may leave the run: unchanged when ``sdc`` is off, protected by
    the disclosure-control rule (``painreview.sdc``) when it is on."""
    from painreview import sdc as disclosure

    return disclosure.protect(tables) if disclosure.is_on(sdc) else dict(tables)


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path, data_dir: str | Path | None = None) -> list[Path]:
    """Write ``OUT/tables/<name>.csv`` (and the renderings of Tables 1–2, whose notes say
    so when ``data_dir`` is the synthetic dataset, ``painreview.provenance``)."""
    from painreview.pipeline import write_tables as write
    from painreview.provenance import is_synthetic

    return write(tables, out_dir, synthetic=is_synthetic(data_dir))


def read_table(path: str | Path) -> pd.DataFrame:
    """A ``tables/`` CSV as ``write_tables`` wrote it: only an empty cell is missing (so a
    level such as ``none`` stays text); floats parsed round-trip, so a value reads back
    exactly as written, whatever the pandas version (pandas 2's default parser is not)."""
    import pandas as pd

    return pd.read_csv(path, dtype={"key": str, "variable": str, "level": str, "section": str, "label": str},
                       keep_default_na=False, na_values=[""], encoding="utf-8", float_precision="round_trip")


def read_tables(out_dir: str | Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """``OUT/tables/<name>.csv`` for each name; FileNotFoundError naming every missing one."""
    folder = Path(out_dir) / "tables"
    missing = [folder / f"{name}.csv" for name in names if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(str(p) for p in missing)} "
                                f"(run `python -m painreview tables DATA --out {out_dir}` first)")
    return {name: read_table(folder / f"{name}.csv") for name in names}


def write_figure(fig, out_dir: str | Path, stem: str, data_dir: str | Path | None = None) -> Path:
    """Save ``fig`` as ``OUT/figures/<stem>.png`` and ``.svg``; return the PNG's path. A
    figure of the synthetic dataset (``data_dir``, ``painreview.provenance``) says so."""
    from painreview.figures import mark_synthetic
    from painreview.provenance import is_synthetic
    from painreview.savefig import save_figure

    if is_synthetic(data_dir):
        mark_synthetic(fig)
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, _svg = save_figure(fig, folder / stem)
    return png
