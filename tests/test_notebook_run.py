"""The notebooks and their runner: parameters that default to None, nothing injected,
volatile metadata scrubbed, and committed files that JupyterLab saves unchanged."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from painreview.notebook_run import KERNELSPEC, dumps, kernel_env, repository_notebooks, scrub
from painreview.paths import KERNEL_ENV, REPO, SYNTHETIC, notebook_settings
from painreview.settings import SettingError, parse_settings

NOTEBOOKS = REPO / "notebooks"
BOOKS = repository_notebooks()


def parameters_of(book: Path) -> dict:
    nb = json.loads(book.read_text())
    cells = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(cells) == 1, book.name
    namespace: dict = {}
    exec("".join(cells[0]["source"]), namespace)
    return {k: namespace[k] for k in KERNEL_ENV}


def test_every_notebook_parameter_defaults_to_none():
    assert BOOKS
    for book in BOOKS:
        assert parameters_of(book) == dict.fromkeys(KERNEL_ENV), book.name


def test_none_resolves_to_the_repository_run_whatever_the_working_directory(tmp_path, monkeypatch):
    for cwd in (REPO, NOTEBOOKS, tmp_path):
        monkeypatch.chdir(cwd)
        settings = notebook_settings(environ={})
        assert (settings.data, settings.out, settings.conversion, settings.sdc) == (SYNTHETIC, REPO, "opioids_aware", False)


def test_the_driver_hands_its_settings_to_the_kernel_in_the_environment(tmp_path):
    data = tmp_path / "export"
    data.mkdir()
    env = kernel_env(parse_settings(data=data, out=tmp_path / "o", conversion="cdc_2022", sdc="on"))
    settings = notebook_settings(environ=env)
    assert (settings.data, settings.out, settings.conversion, settings.sdc) == (data, tmp_path / "o", "cdc_2022", True)
    # a parameter given to papermill wins over the environment
    assert notebook_settings(sdc="off", environ=env).sdc is False


def test_a_relative_parameter_resolves_against_the_working_directory_and_a_missing_folder_shows_it(tmp_path, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)
    assert notebook_settings(data_dir="../data/synthetic", environ={}).data == SYNTHETIC
    monkeypatch.chdir(REPO)
    assert notebook_settings(data_dir="data/synthetic", environ={}).data == SYNTHETIC
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingError) as caught:
        notebook_settings(data_dir="../data/synthetic", environ={})
    assert str(caught.value) == f"DATA: no such folder: {(tmp_path / '../data/synthetic').resolve()}"


def test_scrub_removes_times_and_papermill_bookkeeping_and_keeps_the_rest():
    nb = {
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python", "version": "3.11.7"},
            "papermill": {"start_time": "t0", "input_path": "/x", "parameters": {"sdc": "on"}},
        },
        "cells": [{"cell_type": "code", "metadata": {
            "execution": {"iopub.status.busy": "t"},
            "papermill": {"start_time": "t", "duration": 1.0, "status": "completed"},
            "tags": ["parameters"]}, "outputs": [], "source": ""}],
    }
    out = scrub(nb)
    assert out["metadata"] == {"kernelspec": KERNELSPEC, "language_info": {"name": "python", "version": "3.11.7"}}
    assert out["cells"][0]["metadata"] == {"tags": ["parameters"]}


def test_dumps_is_stable_and_ends_with_a_newline():
    a = dumps({"b": 1, "a": [1, {"d": 2, "c": "é"}]})
    assert a == dumps({"a": [1, {"c": "é", "d": 2}], "b": 1})
    assert a.endswith("}\n") and "é" in a


def jupyterlab_save(text: str) -> str:
    """What JupyterLab writes when it opens a notebook with the python3 kernel and saves
    it: the kernelspec of the installed kernel and the kernel's language_info in the
    metadata, then jupyter_server's save (nbformat.writes, final newline)."""
    import nbformat
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    nb = nbformat.reads(text, as_version=4)
    spec = KernelSpecManager().get_kernel_spec("python3")
    nb.metadata["kernelspec"] = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    nb.metadata["language_info"] = json.loads(json.dumps(IPythonKernel.language_info))
    saved = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return saved if saved.endswith("\n") else saved + "\n"


@pytest.mark.parametrize("book", BOOKS, ids=[b.name for b in BOOKS])
def test_opening_and_saving_a_committed_notebook_in_jupyterlab_changes_nothing(book):
    text = book.read_text(encoding="utf-8")
    assert json.loads(text)["metadata"]["kernelspec"] == KERNELSPEC
    saved = jupyterlab_save(text)
    if platform.python_version() == json.loads(text)["metadata"]["language_info"]["version"]:
        assert saved == text  # on the Python that made the committed notebooks: byte for byte
    else:  # another Python: only the interpreter's patch release differs (what check-outputs ignores)
        from painreview.reproduce import _INTERPRETER_VERSION

        assert _INTERPRETER_VERSION.sub(rb"\1\2", saved.encode(), count=1) == \
            _INTERPRETER_VERSION.sub(rb"\1\2", text.encode(), count=1)


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "papermill").exists(), reason="needs the project's .venv")
@pytest.mark.parametrize("where", ["root", "notebooks"])
def test_one_notebook_runs_with_papermill_from_the_root_and_from_notebooks(tmp_path, where):
    out = tmp_path / "o"
    cwd, book, data = ((REPO, "notebooks/02_table1.ipynb", "data/synthetic") if where == "root"
                       else (NOTEBOOKS, "02_table1.ipynb", "../data/synthetic"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAINREVIEW_")}
    done = subprocess.run([str(REPO / ".venv" / "bin" / "papermill"), "--log-level", "ERROR", book,
                           str(tmp_path / "run.ipynb"), "-p", "data_dir", data, "-p", "out_dir", str(out)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "tables" / "table1.csv").read_bytes() == (REPO / "tables" / "table1.csv").read_bytes()
    assert (out / ".painreview-output").is_file()


def test_a_print_flushed_in_two_messages_is_saved_as_one_output():
    from painreview.notebook_run import coalesce_streams

    outputs = [{"name": "stdout", "output_type": "stream", "text": ["audit.csv"]},
               {"name": "stdout", "output_type": "stream", "text": ["\n"]},
               {"name": "stderr", "output_type": "stream", "text": "warn\n"},
               {"data": {"text/plain": ["1"]}, "execution_count": 3, "metadata": {}, "output_type": "execute_result"},
               {"name": "stdout", "output_type": "stream", "text": ["a\n", "b"]},
               {"name": "stdout", "output_type": "stream", "text": ["c\n"]}]
    assert coalesce_streams(outputs) == [
        {"name": "stdout", "output_type": "stream", "text": ["audit.csv\n"]},
        {"name": "stderr", "output_type": "stream", "text": ["warn\n"]},
        outputs[3],
        {"name": "stdout", "output_type": "stream", "text": ["a\n", "bc\n"]}]
