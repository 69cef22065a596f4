"""The notebook runner: which parameters are injected, and what is scrubbed."""

from __future__ import annotations

import json
from pathlib import Path

from painreview.notebook_run import DEFAULTS, dumps, notebook_parameters, output_notebook, scrub

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"


def test_default_run_injects_nothing_so_committed_notebooks_hold_no_machine_path():
    assert notebook_parameters(REPO / "data/synthetic", REPO, "opioids_aware", "off", NOTEBOOKS) == {}


def test_relative_default_paths_are_recognised_too(monkeypatch):
    monkeypatch.chdir(REPO)
    assert notebook_parameters("data/synthetic", ".", "opioids_aware", "off", NOTEBOOKS) == {}


def test_other_data_and_options_are_injected_as_absolute_paths(tmp_path):
    params = notebook_parameters(tmp_path / "d", tmp_path / "o", "cdc_2022", "on", NOTEBOOKS)
    assert params == {"data_dir": str(tmp_path / "d"), "out_dir": str(tmp_path / "o"),
                      "conversion": "cdc_2022", "sdc": "on"}


def test_executed_copy_goes_under_out_notebooks(tmp_path):
    assert output_notebook(NOTEBOOKS / "01_flow.ipynb", tmp_path) == tmp_path / "notebooks" / "01_flow.ipynb"


def test_every_notebook_parameters_cell_holds_the_runner_defaults():
    books = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert books
    for book in books:
        nb = json.loads(book.read_text())
        cells = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assert len(cells) == 1, book.name
        namespace: dict = {}
        exec("".join(cells[0]["source"]), namespace)
        assert {k: namespace[k] for k in DEFAULTS} == DEFAULTS, book.name


def test_scrub_removes_times_paths_and_versions_and_keeps_the_rest():
    nb = {
        "metadata": {
            "language_info": {"name": "python", "version": "3.11.7"},
            "papermill": {"start_time": "t0", "end_time": "t1", "duration": 2.5, "input_path": "/x",
                          "output_path": "/y", "version": "2.7.0", "parameters": {"sdc": "on"}},
        },
        "cells": [{"cell_type": "code", "metadata": {
            "execution": {"iopub.status.busy": "t"},
            "papermill": {"start_time": "t", "end_time": "t", "duration": 1.0, "status": "completed"},
            "tags": ["parameters"]}, "outputs": [], "source": ""}],
    }
    out = scrub(nb)
    assert out["metadata"] == {"language_info": {"name": "python"}, "papermill": {"parameters": {"sdc": "on"}}}
    assert out["cells"][0]["metadata"] == {"papermill": {"status": "completed"}, "tags": ["parameters"]}


def test_dumps_is_stable_and_ends_with_a_newline():
    a = dumps({"b": 1, "a": [1, {"d": 2, "c": "é"}]})
    assert a == dumps({"a": [1, {"c": "é", "d": 2}], "b": 1})
    assert a.endswith("}\n") and "é" in a
