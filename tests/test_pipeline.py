"""build_tables / write_tables: contract files, byte-identical reruns, repr-exact floats."""

import csv
import io
from pathlib import Path

import pytest

from painreview.dataset import load_dataset
from painreview.pipeline import TABLE_NAMES, build_tables, csv_text, write_tables

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture(scope="module")
def tables():
    return build_tables(load_dataset(MINI))


def test_build_tables_gives_every_contract_table(tables):
    assert tuple(tables) == TABLE_NAMES
    assert list(tables["table1"].columns) == list(tables["table2"].columns) == [
        "section", "variable", "level", "label", "n", "N", "percent", "mean", "sd", "median", "p25", "p75", "diagnosed"]
    assert list(tables["outcomes"].columns) == ["measure", "timepoint", "n", "median", "p25", "p75", "mean", "sd", "min", "max"]
    assert list(tables["results"].columns) == ["key", "value"]
    assert list(tables["thematic_tallies"].columns) == ["theme", "code", "role", "participants", "segments"]


def test_write_tables_twice_gives_the_same_bytes(tables, tmp_path):
    first = write_tables(tables, tmp_path / "one")
    second = write_tables(build_tables(load_dataset(MINI)), tmp_path / "two")
    names = [p.name for p in first]
    assert names == [f"{n}.csv" for n in TABLE_NAMES] + ["table1.md", "table1.html", "table2.md", "table2.html"]
    assert all(p.parent == tmp_path / "one" / "tables" for p in first)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
        raw = a.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        raw.decode("utf-8")  # valid UTF-8


def test_csv_floats_are_repr_exact(tables):
    # every float value written reads back as exactly the same float (shortest round-trip repr)
    frame = tables["results"]
    rows = list(csv.DictReader(io.StringIO(csv_text(frame))))
    assert [r["key"] for r in rows] == frame["key"].tolist()
    for row, value in zip(rows, frame["value"]):
        if isinstance(value, int):
            assert row["value"] == str(value)
        elif value != value:  # NaN is an empty cell
            assert row["value"] == ""
        else:
            assert float(row["value"]) == value and row["value"] == repr(value)
    outcomes = list(csv.DictReader(io.StringIO(csv_text(tables["outcomes"]))))
    assert [float(r["mean"]) if r["mean"] else None for r in outcomes] == [
        None if v != v else v for v in tables["outcomes"]["mean"]]


def test_csv_text_of_a_small_frame():
    import pandas as pd

    frame = pd.DataFrame({"key": ["a", "b", "c"], "value": pd.Series([3, 0.1 + 0.2, float("nan")], dtype=object)})
    assert csv_text(frame) == "key,value\na,3\nb,0.30000000000000004\nc,\n"


def test_an_empty_dataset_gives_empty_groups_not_errors():
    from painreview.dataset import frames_from_records

    t = build_tables(frames_from_records({}))
    assert t["table1"]["variable"].tolist() == ["age_years"] and t["table1"]["n"].tolist() == [0]
    assert t["outcomes"]["n"].tolist() == [0] * 18
    assert t["thematic_tallies"].empty
    values = dict(t["results"].itertuples(index=False, name=None))
    assert values["invited"] == 0 and values["dose_paired_n"] == 0 and values["dose_wilcoxon_p"] != values["dose_wilcoxon_p"]
