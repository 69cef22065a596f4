"""The ``tables`` command, in process."""

from pathlib import Path

import pytest

import painreview.dataset
from painreview.__main__ import main

MINI = Path(__file__).parent / "data" / "mini"


def test_tables_command_writes_the_tables(tmp_path, capsys):
    assert main(["tables", str(MINI), "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert written == sorted(["table1.csv", "table2.csv", "outcomes.csv", "results.csv", "thematic_tallies.csv",
                              "estimates.csv", "sensitivity.csv",
                              "table1.md", "table1.html", "table2.md", "table2.html"])
    assert capsys.readouterr().out.count("\n") == 11


def test_bad_dataset_prints_every_problem_and_exits_1(tmp_path, capsys, monkeypatch):
    class FakeProblem:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    def refuse(folder, conversion=None):
        raise painreview.dataset.DataError([FakeProblem("invitations.csv:0:0: file is missing"),
                                            FakeProblem("service_users.csv:3:4: bad value")])

    monkeypatch.setattr(painreview.dataset, "load_dataset", refuse)
    assert main(["tables", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == ["invitations.csv:0:0: file is missing", "service_users.csv:3:4: bad value"]
    assert "2 problem(s); no tables written" in err[2]
    assert not (tmp_path / "out").exists()


def test_empty_folder_is_refused_by_the_real_loader(tmp_path, capsys):
    assert main(["tables", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "no tables written" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unknown_conversion_table(tmp_path, capsys):
    assert main(["tables", str(MINI), "--out", str(tmp_path), "--conversion", "bnf"]) == 2
    assert capsys.readouterr().err == "CONVERSION: 'bnf' is not a conversion table; allowed values: cdc_2022, opioids_aware\n"


def test_out_is_required(capsys):
    assert main(["tables", str(MINI)]) == 2
    assert "--out" in capsys.readouterr().err
