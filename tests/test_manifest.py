"""Provenance: file hashes, what is listed and what is not, git state, stable bytes."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from painreview import manifest as mf

# FIPS 180-2, appendix B.1: SHA-256("abc").
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def make_run(tmp_path: Path) -> tuple[Path, Path]:
    """An OUT with tables, figures, notebooks, a report and a manifest; a data folder."""
    out, data = tmp_path / "out", tmp_path / "data"
    for rel, content in {
        "tables/results.csv": b"key,value\ninvited,59\n",
        "tables/audit.csv": b"abc",
        "figures/figure1_flow.svg": b"<svg/>",
        "notebooks/01_tables.ipynb": b"{}\n",
        "notebooks/sub/extra.txt": b"",
        "report.html": b"<html>old report</html>",
        "manifest.json": b"{}",
        ".make/validated": b"",
    }.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)
    data.mkdir()
    (data / "invitations.csv").write_bytes(b"abc")
    (data / "service_users.xlsx").write_bytes(b"")
    (data / "README.md").write_bytes(b"not an input")
    return out, data


def test_sha256_of_known_contents(tmp_path):
    (tmp_path / "abc").write_bytes(b"abc")
    (tmp_path / "empty").write_bytes(b"")
    assert mf.sha256_file(tmp_path / "abc") == SHA256_ABC
    assert mf.sha256_file(tmp_path / "empty") == SHA256_EMPTY


def test_outputs_are_the_three_folders_without_report_manifest_or_stamps(tmp_path):
    out, _ = make_run(tmp_path)
    rel = [p.relative_to(out).as_posix() for p in mf.output_files(out)]
    assert rel == ["figures/figure1_flow.svg", "notebooks/01_tables.ipynb", "notebooks/sub/extra.txt",
                   "tables/audit.csv", "tables/results.csv"]
    # A report or manifest inside an output folder is left out too.
    (out / "tables" / "report.html").write_bytes(b"x")
    assert "tables/report.html" not in [p.relative_to(out).as_posix() for p in mf.output_files(out)]


def test_inputs_are_the_data_files_by_suffix(tmp_path):
    _, data = make_run(tmp_path)
    assert [p.name for p in mf.data_files(data)] == ["invitations.csv", "service_users.xlsx"]


def test_build_manifest_records_hashes_sizes_and_the_run(tmp_path):
    out, data = make_run(tmp_path)
    m = mf.build_manifest(out, data, "opioids_aware", tmp_path)  # tmp_path: not a git checkout
    assert m["outputs"]["tables/audit.csv"] == {"sha256": SHA256_ABC, "size": 3}
    assert m["outputs"]["notebooks/sub/extra.txt"] == {"sha256": SHA256_EMPTY, "size": 0}
    assert m["outputs"]["tables/results.csv"]["sha256"] == hashlib.sha256(b"key,value\ninvited,59\n").hexdigest()
    assert "report.html" not in m["outputs"] and "manifest.json" not in m["outputs"]
    assert m["inputs"] == {"invitations.csv": {"sha256": SHA256_ABC, "size": 3},
                           "service_users.xlsx": {"sha256": SHA256_EMPTY, "size": 0}}
    conv = Path(mf.__file__).parent / "data" / "mme_opioids_aware.csv"
    assert m["run"]["conversion"] == {"name": "opioids_aware", "file": "painreview/data/mme_opioids_aware.csv",
                                      "sha256": hashlib.sha256(conv.read_bytes()).hexdigest()}
    assert m["code"] == {"git_commit": None, "git_dirty": None, "lock_sha256": None, "source_sha256": None}
    assert m["environment"]["python"] == platform.python_version()
    assert set(m["environment"]["packages"]) == {"pandas", "numpy", "scipy", "matplotlib", "papermill"}
    assert m["package"]["name"] == "painreview"


def test_the_lock_file_is_hashed_when_present(tmp_path):
    out, data = make_run(tmp_path)
    (tmp_path / "requirements.lock").write_bytes(b"abc")
    assert mf.build_manifest(out, data, "opioids_aware", tmp_path)["code"]["lock_sha256"] == SHA256_ABC


def test_unknown_conversion_table_is_refused(tmp_path):
    out, data = make_run(tmp_path)
    with pytest.raises(ValueError, match="unknown conversion table 'nope'; known tables: .*opioids_aware"):
        mf.build_manifest(out, data, "nope", tmp_path)


def test_same_run_same_bytes_and_canonical_json(tmp_path):
    out, data = make_run(tmp_path)
    first = mf.manifest_json(mf.build_manifest(out, data, "opioids_aware", tmp_path))
    second = mf.manifest_json(mf.build_manifest(out, data, "opioids_aware", tmp_path))
    assert first == second
    assert first.endswith("}\n")
    parsed = json.loads(first)
    assert first == json.dumps(parsed, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    path = mf.write_manifest(parsed, tmp_path / "m" / "manifest.json")
    assert path.read_bytes() == first.encode("utf-8")


def test_assemble_manifest_is_pure_and_complete():
    parts = dict(outputs={"tables/a.csv": {"sha256": "1", "size": 1}}, inputs={"x.csv": {"sha256": "2", "size": 2}},
                 data_dir="data/synthetic", conversion="cdc_2022", conversion_file="painreview/data/mme_cdc_2022.csv",
                 conversion_sha256="3", package_version="0.1.0", git={"commit": "abc", "dirty": False},
                 lock_sha256="4", python="3.11.9", platform_name="Linux", packages={"pandas": "2.3.3"})
    assert mf.assemble_manifest(**parts) == {
        "manifest_version": 1,
        "package": {"name": "painreview", "version": "0.1.0"},
        "code": {"git_commit": "abc", "git_dirty": False, "lock_sha256": "4", "source_sha256": None},
        "environment": {"python": "3.11.9", "platform": "Linux", "packages": {"pandas": "2.3.3"}},
        "run": {"data_dir": "data/synthetic",
                "conversion": {"name": "cdc_2022", "file": "painreview/data/mme_cdc_2022.csv", "sha256": "3"}},
        "inputs": {"x.csv": {"sha256": "2", "size": 2}},
        "outputs": {"tables/a.csv": {"sha256": "1", "size": 1}},
    }


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_commit_and_dirty_state_of_a_scratch_repository(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                        "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)

    git("init", "-q")
    (repo / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("commit", "-q", "-m", "one")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert mf.git_state(repo) == {"commit": head, "dirty": False}
    # The report and manifest this run writes do not make the tree dirty …
    (repo / "out").mkdir()
    (repo / "out" / "report.html").write_text("r")
    (repo / "out" / "manifest.json").write_text("m")
    excluded = (repo / "out" / "report.html", repo / "out" / "manifest.json")
    assert mf.git_state(repo, exclude=excluded) == {"commit": head, "dirty": False}
    assert mf.git_state(repo)["dirty"] is True
    # … an edited source file does.
    (repo / "code.py").write_text("x = 2\n")
    assert mf.git_state(repo, exclude=excluded) == {"commit": head, "dirty": True}
    assert mf.git_state(tmp_path / "elsewhere") == {"commit": None, "dirty": None}


def test_files_the_contract_does_not_name_are_never_inputs(tmp_path):
    _, data = make_run(tmp_path)
    (data / "patients_full.csv").write_bytes(b"name\nJ Smith\n")
    (data / "Invitations.xlsx").write_bytes(b"")
    assert [p.name for p in mf.data_files(data)] == ["invitations.csv", "service_users.xlsx"]


def test_source_digest_hashes_the_listing_of_package_source_and_notebooks(tmp_path):
    (tmp_path / "painreview" / "data").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "painreview" / "a.py").write_bytes(b"abc")
    (tmp_path / "painreview" / "data" / "t.csv").write_bytes(b"")
    (tmp_path / "notebooks" / "01_x.ipynb").write_bytes(b"abc")
    (tmp_path / "notebooks" / "scratch.ipynb").write_bytes(b"not a pipeline notebook")
    listing = (f"{SHA256_ABC}  notebooks/01_x.ipynb\n{SHA256_ABC}  painreview/a.py\n"
               f"{SHA256_EMPTY}  painreview/data/t.csv\n")
    assert mf.source_digest(tmp_path) == hashlib.sha256(listing.encode()).hexdigest()
    (tmp_path / "painreview" / "a.py").write_bytes(b"abd")
    assert mf.source_digest(tmp_path) != hashlib.sha256(listing.encode()).hexdigest()
    assert mf.source_digest(tmp_path / "nothing") is None
