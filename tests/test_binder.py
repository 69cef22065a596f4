"""Binder: an environment built the way repo2docker builds one runs a notebook.

repo2docker (conda buildpack) copies the repository, creates the environment from
environment.yml (its Python, then ``pip install -r requirements.lock``), then runs
``postBuild``. This test takes the same files and steps without docker: a fresh virtual
environment of environment.yml's Python, the lock installed into it (with uv's pip
interface, for speed: the same hash-pinned file), ``postBuild`` run in a copy of the
repository, then notebook 01 executed there with papermill.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv*", ".make", "__pycache__", ".pytest_cache", ".hypothesis",
                                     "*.egg-info", "report.html", "manifest.json")


def _environment_python() -> str:
    version = re.search(r"^\s*-\s*python=(3\.\d+)\s*$", (ROOT / "environment.yml").read_text(), re.M).group(1)
    return version


def test_environment_yml_and_postbuild_follow_repo2docker_conventions():
    env = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*-r requirements\.lock\s*$", env, re.M)
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK), "postBuild must be executable"
    assert "pip install" in post.read_text() and "-e ." in post.read_text()


def _python(version: str) -> str | None:
    for exe in (f"python{version}", sys.executable):
        found = shutil.which(exe) if exe != sys.executable else exe
        if found:
            done = subprocess.run([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                  capture_output=True, text=True)
            if done.returncode == 0 and done.stdout.strip() == version:
                return found
    return None


@pytest.mark.skipif(not UV.exists(), reason="needs the project's .venv (uv)")
def test_a_repo2docker_style_environment_runs_a_notebook(tmp_path):
    version = _environment_python()
    python = _python(version)
    if python is None:
        pytest.skip(f"Python {version} (environment.yml) not found")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=COPY_IGNORE)
    env_dir = tmp_path / "env"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    subprocess.run([str(UV), "pip", "install", "--quiet", "--python", str(bin_dir / "python"),
                    "--require-hashes", "-r", "requirements.lock"], cwd=repo, check=True, timeout=900)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["./postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out_nb = tmp_path / "01_flow.out.ipynb"
    done = subprocess.run([str(bin_dir / "python"), "-m", "papermill", "--log-level", "ERROR",
                           "01_flow.ipynb", str(out_nb)], cwd=repo / "notebooks", env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    cells = json.loads(out_nb.read_text())["cells"]
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    # the package the notebook imported is the copy's, installed by postBuild
    where = subprocess.run([str(bin_dir / "python"), "-c", "import painreview; print(painreview.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(repo))
