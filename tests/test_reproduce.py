"""outputs.sha256: the committed outputs' hashes, so check-outputs works without git."""

from __future__ import annotations

import hashlib

from painreview import reproduce


def _tree(root, files: dict[str, str]):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_hashes_text_is_sha256sum_format_sorted_over_the_output_folders(tmp_path):
    _tree(tmp_path, {"tables/b.csv": "b\n", "tables/a.csv": "a\n", "figures/f.svg": "<svg/>",
                     "notebooks/01_x.ipynb": "{}", "notebooks/scratch.txt": "not an output",
                     "data/synthetic/x.csv": "x\n", "README.md": "not an output"})
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    assert reproduce.hashes_text(tmp_path) == (
        f"{h('x' + chr(10))}  data/synthetic/x.csv\n{h('<svg/>')}  figures/f.svg\n{h('{}')}  notebooks/01_x.ipynb\n"
        f"{h('a' + chr(10))}  tables/a.csv\n{h('b' + chr(10))}  tables/b.csv\n")


def test_differences_name_changed_missing_and_unrecorded_files(tmp_path):
    _tree(tmp_path, {"tables/a.csv": "a\n", "tables/b.csv": "b\n", "figures/f.png": "png"})
    (tmp_path / reproduce.HASHES).write_text(reproduce.hashes_text(tmp_path))
    assert reproduce.differences(tmp_path) == []
    (tmp_path / "tables/a.csv").write_text("A\n")
    (tmp_path / "figures/f.png").unlink()
    (tmp_path / "tables/new.csv").write_text("n\n")
    assert reproduce.differences(tmp_path) == [
        "figures/f.png: missing", f"tables/new.csv: not recorded in {reproduce.HASHES}", "tables/a.csv: differs"]


def test_git_changes_is_none_outside_a_checkout(tmp_path):
    assert reproduce.git_changes(tmp_path) is None


def test_the_recorded_hashes_are_those_of_the_committed_outputs():
    # After regenerating outputs, `make hashes` records them (and the commit carries both).
    assert reproduce.differences() == [], "outputs.sha256 is stale: run make hashes"


def test_a_notebook_is_compared_without_the_patch_release_of_the_python_that_ran_it(tmp_path):
    text = ('{\n "cells": [{"outputs": ["x = 1"]}],\n "metadata": {\n  "language_info": {\n'
            '   "codemirror_mode": {\n    "name": "ipython",\n    "version": 3\n   },\n'
            '   "name": "python",\n   "version": "%s"\n  }\n }\n}\n')
    a, b, c = (tmp_path / n for n in ("a.ipynb", "b.ipynb", "c.ipynb"))
    a.write_text(text % "3.11.7")
    b.write_text(text % "3.13.0")
    c.write_text((text % "3.11.7").replace("x = 1", "x = 2"))
    assert reproduce.sha256(a) == reproduce.sha256(b)            # only the interpreter differs
    assert reproduce.sha256(a) != reproduce.sha256(c)            # an output differs
    assert b'"version": 3' in reproduce.comparable_bytes(a)      # codemirror's version is kept
    csv = tmp_path / "t.csv"
    csv.write_text('"version": "3.11.7"\n')
    assert reproduce.comparable_bytes(csv) == csv.read_bytes()   # only notebooks are normalised
