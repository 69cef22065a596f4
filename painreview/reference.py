"""Reference data shipped with the package (see ``painreview/data/README.md``).

Each loader reads a CSV from ``painreview/data`` and returns a fresh DataFrame, so no
caller can mutate shared state.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd


def read_reference(name: str) -> pd.DataFrame:
    """Read ``painreview/data/<name>`` as strings, empty cells as empty strings."""
    with resources.files("painreview").joinpath("data", name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def columns() -> pd.DataFrame:
    """The raw data contract's columns: file, column, type, required, vocabulary, min, max, unique."""
    return read_reference("columns.csv")


def vocabularies() -> pd.DataFrame:
    """Every vocabulary's keys and labels, in display order."""
    return read_reference("vocabularies.csv")


def vocabulary(name: str) -> list[str]:
    """The keys of one vocabulary, in display order (``item`` gives the questionnaire items)."""
    if name == "item":
        return items()["item"].tolist()
    voc = vocabularies()
    keys = voc.loc[voc["vocabulary"] == name, "key"].tolist()
    if not keys:
        raise KeyError(f"no vocabulary named {name!r}")
    return keys


def labels(name: str) -> dict[str, str]:
    """Key → label for one vocabulary."""
    voc = vocabularies()
    voc = voc[voc["vocabulary"] == name]
    return dict(zip(voc["key"], voc["label"]))


def items() -> pd.DataFrame:
    """Questionnaire items with instrument, score, min, max, step (numbers as floats)."""
    df = read_reference("items.csv")
    for col in ("min", "max", "step"):
        df[col] = df[col].astype(float)
    return df


FILES = (
    "invitations",
    "service_users",
    "comorbidities",
    "motivations",
    "medications",
    "prescriptions",
    "questionnaires",
    "appointments",
    "service_status",
    "interviews",
    "codebook",
    "coded_segments",
)
"""The raw data contract's files (``<name>.csv``), in the contract's order."""


def sentinel_dates() -> dict[str, str]:
    """Placeholder dates of exports (``sentinel_dates.csv``): ISO date → what wrote it."""
    df = read_reference("sentinel_dates.csv")
    return dict(zip(df["date"], df["meaning"]))


def dose_limits() -> dict[str, float]:
    """The plausible maximum daily_dose of each dose unit (``dose_limits.csv``, with its source)."""
    df = read_reference("dose_limits.csv")
    return {unit: float(value) for unit, value in zip(df["unit"], df["max"])}
