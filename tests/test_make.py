"""The Makefile's promises about other data: a valid dataset writes a complete set under
OUT and nothing in the repository; a broken one stops before any notebook and writes
nothing under OUT."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "data" / "mini"

pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (REPO / ".venv" / ".installed").exists(),
                                reason="needs make and the project's .venv (make test builds it)")


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def tracked_changes() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--",
                           "tables", "figures", "notebooks", "data"],
                          cwd=REPO, capture_output=True, text=True).stdout


def test_a_broken_export_stops_make_all_before_any_notebook_and_writes_nothing(tmp_path):
    data = tmp_path / "export"
    shutil.copytree(MINI, data)
    (data / "service_users.csv").write_text(
        (data / "service_users.csv").read_text().replace(",female,", ",Female,", 1))
    out = tmp_path / "out"
    done = make("all", f"DATA={data}", f"OUT={out}")
    assert done.returncode != 0
    assert "service_users.csv:" in done.stderr and "Female" in done.stderr
    assert "run-notebook" not in done.stdout
    assert not out.exists()


def test_another_valid_dataset_writes_a_complete_set_under_out_and_nothing_else(tmp_path):
    before = tracked_changes()
    out = tmp_path / "out"
    done = make("all", f"DATA={MINI}", f"OUT={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    tables = {p.name for p in (out / "tables").iterdir()}
    assert tables >= {"table1.csv", "table2.csv", "outcomes.csv", "results.csv",
                      "thematic_tallies.csv", "audit.csv"}
    figures = {p.name for p in (out / "figures").iterdir()}
    assert figures == {f"{stem}.{ext}" for stem in ("figure1_flow", "figure2_dose",
                                                    "figure3_outcomes_higher_better",
                                                    "figure4_outcomes_lower_better", "estimates_forest")
                       for ext in ("png", "svg")}
    assert len(list((out / "notebooks").glob("[0-9][0-9]_*.ipynb"))) == len(list((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert (out / "report.html").is_file() and (out / "manifest.json").is_file()
    assert tracked_changes() == before
    again = make("all", f"DATA={MINI}", f"OUT={out}")
    assert again.returncode == 0 and "run-notebook" not in again.stdout  # nothing to rebuild


def test_other_data_is_refused_an_output_root_inside_the_repository():
    done = make("all", f"DATA={MINI}", "OUT=.")
    assert done.returncode != 0 and "refusing to write outputs" in done.stderr
