"""The Makefile's promises about other data: a broken one stops before any notebook and
writes nothing under OUT; an OUT inside the repository is refused. (A valid dataset's
complete set under OUT, and the rest of the safe-run cases: tests/test_run.py.)"""

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


def test_other_data_is_refused_an_output_root_inside_the_repository():
    done = make("all", f"DATA={MINI}", "OUT=.")
    assert done.returncode != 0 and "refusing to write outputs" in done.stderr
