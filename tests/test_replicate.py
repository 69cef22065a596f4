"""``replicate``: a dataset k times with fresh ids; and the metamorphic test on it.

Replicating a dataset k times multiplies every count by k and leaves every percentage,
mean, Stata percentile, minimum and maximum unchanged (each sorted value appears k times
in a row, so a Stata percentile's position k·n·p/100 lands on the same value). The
exceptions, named here: the test statistics (``TEST_STATISTICS``: z grows like √k, p
shrinks) and the sample SD (denominator k·n − 1, not k·(n − 1)).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from painreview.__main__ import main
from painreview.replicate import replicate_dataset, replicate_rows, suffixes

SYNTHETIC = Path(__file__).resolve().parent.parent / "data" / "synthetic"
TEST_STATISTICS = {"dose_wilcoxon_p", "dose_wilcoxon_z", "dose_wilcoxon_exact_p"}
COUNT_COLUMNS = {"n", "N", "diagnosed", "participants", "segments"}
UNCHANGED_COLUMNS = {"percent", "mean", "median", "p25", "p75", "min", "max"}
CHANGED_COLUMNS = {"sd"}


def test_suffixes_are_zero_padded_to_the_width_of_k():
    assert suffixes(3) == ["_r1", "_r2", "_r3"]
    assert suffixes(10)[0] == "_r01" and suffixes(10)[-1] == "_r10"
    with pytest.raises(ValueError):
        suffixes(0)


def test_replicate_rows_hand_worked():
    header = ["participant_id", "role", "patient_id"]
    rows = [["P1", "service_user", "A1"], ["P2", "gp", ""]]
    assert replicate_rows(header, rows, 2) == [
        ["P1_r1", "service_user", "A1_r1"], ["P2_r1", "gp", ""],
        ["P1_r2", "service_user", "A1_r2"], ["P2_r2", "gp", ""],
    ]


def test_refuses_a_folder_with_files_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an empty folder"):
        replicate_dataset(SYNTHETIC, out, 2)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_refuses_ids_that_would_exceed_32_characters(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "service_users.csv").write_text("patient_id,sex\n" + "A" * 30 + ",male\n")
    with pytest.raises(ValueError, match=r"service_users.csv:2:1: patient_id"):
        replicate_dataset(data, tmp_path / "out", 3)
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    k = 3
    out = tmp_path_factory.mktemp("rep") / "x3"
    assert main(["replicate", str(SYNTHETIC), str(out), "-k", str(k)]) == 0
    return out, k


def test_replicated_dataset_is_valid_with_k_times_the_service_users(replicated):
    from painreview.validate import inspect_dataset

    out, k = replicated
    tables, problems = inspect_dataset(out)
    assert problems == []
    assert len(tables["service_users"].rows) == k * 34
    assert (out / "codebook.csv").read_bytes() == (SYNTHETIC / "codebook.csv").read_bytes()


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-12)


def test_metamorphic_counts_times_k_everything_else_unchanged(replicated):
    from painreview.dataset import load_dataset
    from painreview.pipeline import build_tables

    out, k = replicated
    once = build_tables(load_dataset(SYNTHETIC))
    k_times = build_tables(load_dataset(out))
    # results.csv: an int is a count, a float a percentage, median, quartile or mean
    base = dict(zip(once["results"]["key"], once["results"]["value"]))
    rep = dict(zip(k_times["results"]["key"], k_times["results"]["value"]))
    assert list(base) == list(rep)
    for key, value in base.items():
        if key in TEST_STATISTICS:
            continue
        if isinstance(value, int):
            assert rep[key] == k * value, key
        else:
            assert _close(rep[key], value), key
    # the statistics do change: more pairs, the same direction, a smaller p
    assert rep["dose_wilcoxon_p"] < base["dose_wilcoxon_p"]
    assert rep["dose_wilcoxon_z"] == pytest.approx(base["dose_wilcoxon_z"] * math.sqrt(k), rel=0.01)
    # the tables, column by column
    for name in ("table1", "table2", "outcomes", "thematic_tallies"):
        a, b = once[name], k_times[name]
        assert len(a) == len(b), name
        for col in a.columns:
            if col in COUNT_COLUMNS:
                times_k = [None if pd.isna(v) else k * int(v) for v in a[col]]
                assert times_k == [None if pd.isna(v) else int(v) for v in b[col]], (name, col)
            elif col in UNCHANGED_COLUMNS:
                assert all(_close(float(x), float(y)) for x, y in zip(a[col], b[col])), (name, col)
            elif col in CHANGED_COLUMNS:
                continue
            else:
                assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (name, col)
