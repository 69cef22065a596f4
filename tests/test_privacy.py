"""Outputs of data other than the synthetic set never land in tracked folders."""

from __future__ import annotations

import subprocess

import pytest
from pathlib import Path

from painreview.privacy import git_ignores, output_root_problem

REPO = Path(__file__).resolve().parent.parent
SYNTHETIC = REPO / "data" / "synthetic"


def test_synthetic_data_may_write_into_the_repository():
    assert output_root_problem(SYNTHETIC, REPO, REPO, ignored=False) is None


def test_other_data_may_write_outside_the_repository(tmp_path):
    assert output_root_problem(tmp_path / "real", tmp_path / "out", REPO, ignored=False) is None


def test_other_data_may_not_write_into_the_repository_root_or_a_tracked_folder(tmp_path):
    problem = output_root_problem(tmp_path / "real", REPO, REPO, ignored=False)
    assert problem and "not git-ignored" in problem
    assert output_root_problem(tmp_path / "real", REPO / "tables", REPO, ignored=False)


def test_other_data_may_write_into_an_ignored_folder_of_the_repository(tmp_path):
    assert output_root_problem(tmp_path / "real", REPO / "out", REPO, ignored=True) is None
    # the root itself is never acceptable, whatever is claimed about it
    assert output_root_problem(tmp_path / "real", REPO, REPO, ignored=True)


def test_gitignore_covers_the_conventional_real_data_and_output_folders():
    if subprocess.run(["git", "-C", str(REPO), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout: nothing to ignore")
    for folder in ("out", "outputs", "secure", "data/real", "data/raw", "data/private"):
        assert git_ignores(REPO / folder, REPO), folder
    assert not git_ignores(REPO / "tables" / "..", REPO)
