"""Reading and writing a run's outputs under the output root: tables, figures, with
disclosure control.

Notebooks and commands call these so that every output is written and read back the
same way: CSVs and renderings as ``pipeline.table_texts`` gives them, figures as
``savefig.figure_bytes`` gives them into ``OUT/figures``, every file through the guard
(``painreview.guard.write``), and, when the run's ``sdc`` setting is on, every frame
through ``sdc.protect`` before it is shown or written.

Where to write is a *run* (:func:`notebook_run`), a guard ``Target``, or a folder (then
checked as the output root of a run on unknown data: new, empty or made by this package,
and outside the repository unless git ignores it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from painreview import guard
from painreview.settings import Settings


@dataclass(frozen=True)
class Run:
    """A notebook's run: its checked settings and its guarded output root."""

    settings: Settings
    target: guard.Target

    @property
    def data(self) -> Path:
        return self.settings.data

    @property
    def conversion(self) -> str:
        return self.settings.conversion

    @property
    def sdc(self) -> bool:
        return self.settings.sdc

    @property
    def summary(self) -> str:
        """One line naming the settings, the data folder by its name only."""
        record = self.settings.record()
        return f"data: {record['data']}, conversion: {record['conversion']}, disclosure control: {record['sdc']}"


def notebook_run(data_dir=None, out_dir=None, conversion=None, sdc=None) -> Run:
    """Check a notebook's parameters (``painreview.paths.notebook_settings``: None takes the
    driver's setting, else the repository's) and guard its output root; SettingError or
    guard.Refused with one line otherwise."""
    from painreview.paths import notebook_settings

    settings = notebook_settings(data_dir, out_dir, conversion, sdc)
    return Run(settings, guard.open_target(settings))


def _target(where) -> guard.Target:
    return where.target if isinstance(where, Run) else guard.target_for(where)


def _root(where) -> Path:
    if isinstance(where, Run):
        return where.target.root
    if isinstance(where, guard.Target):
        return where.root
    return Path(where)


def released(tables: dict[str, pd.DataFrame], sdc: str | bool) -> dict[str, pd.DataFrame]:
    """The frames as they may leave the run: unchanged when ``sdc`` is off, protected by
    the disclosure-control rule (``painreview.sdc``) when it is on."""
    from painreview import sdc as disclosure

    return disclosure.protect(tables) if disclosure.is_on(sdc) else dict(tables)


def _synthetic(where, data_dir) -> bool:
    """Is the run's dataset the synthetic one (``painreview.provenance``)? ``data_dir``
    when given, else the data of the run or target ``where`` writes for."""
    from painreview.provenance import is_synthetic

    if data_dir is None and isinstance(where, (Run, guard.Target)):
        data_dir = where.settings.data
    return is_synthetic(data_dir)


def write_tables(tables: dict[str, pd.DataFrame], where, data_dir: str | Path | None = None) -> list[Path]:
    """Write ``OUT/tables/<name>.csv`` (and the renderings of Tables 1–2, whose notes say
    so when the data are the synthetic dataset) through the guard."""
    from painreview.pipeline import table_texts

    target = _target(where)
    texts = table_texts(tables, synthetic=_synthetic(where, data_dir))
    return [guard.write(target, f"tables/{name}", text) for name, text in texts.items()]


# pandas 3 parses floats round-trip by default (and deprecates the option); pandas 2 must be asked.
_ROUND_TRIP = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def read_table(path: str | Path) -> pd.DataFrame:
    """A ``tables/`` CSV as ``write_tables`` wrote it: only an empty cell is missing (so a
    level such as ``none`` stays text); floats parsed round-trip, so a value reads back
    exactly as written, whatever the pandas version (pandas 2's default parser is not)."""
    import pandas as pd

    return pd.read_csv(path, dtype={"key": str, "variable": str, "level": str, "section": str, "label": str},
                       keep_default_na=False, na_values=[""], encoding="utf-8", **_ROUND_TRIP)


def read_tables(where, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """``OUT/tables/<name>.csv`` for each name; FileNotFoundError naming every missing one."""
    root = _root(where)
    folder = root / "tables"
    missing = [folder / f"{name}.csv" for name in names if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise FileNotFoundError(f"missing {', '.join(str(p) for p in missing)} "
                                f"(run `python -m painreview tables DATA --out {root}` first)")
    return {name: read_table(folder / f"{name}.csv") for name in names}


def write_figure(fig, where, stem: str, data_dir: str | Path | None = None) -> Path:
    """Save ``fig`` as ``OUT/figures/<stem>.png`` and ``.svg`` through the guard; return the
    PNG's path. A figure of the synthetic dataset says so (``painreview.provenance``)."""
    from painreview.figures import mark_synthetic
    from painreview.savefig import figure_bytes

    if _synthetic(where, data_dir):
        mark_synthetic(fig)
    target = _target(where)
    paths = {suffix: guard.write(target, f"figures/{stem}{suffix}", data) for suffix, data in figure_bytes(fig).items()}
    return paths[".png"]
