"""Licence, citation and the one version number."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from painreview import __version__
from painreview.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
CFFCONVERT = ROOT / ".venv-cffconvert" / "bin" / "cffconvert"


def _cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_cff_is_valid_according_to_cffconvert():
    exe = CFFCONVERT if CFFCONVERT.exists() else shutil.which("cffconvert")
    if exe is None:
        pytest.skip("cffconvert not installed (make test builds .venv-cffconvert)")
    done = subprocess.run([str(exe), "--validate", "-i", str(ROOT / "CITATION.cff")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_preferred_citation_is_the_paper():
    paper = _cff()["preferred-citation"]
    assert paper["doi"] == "10.3399/bjgp19X707237"
    assert paper["journal"] == "British Journal of General Practice"
    assert (paper["year"], paper["volume"], paper["issue"], paper["start"]) == (2020, 70, 691, "e111")
    assert [a["family-names"] for a in paper["authors"]][:2] == ["Scott", "Kesten"]


def test_one_version_number_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "painreview.__version__"}
    assert str(_cff()["version"]) == __version__
    first = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert first and first.group(1) == __version__


def test_version_option_and_plain_text_help(capsys):
    assert main(["--help"]) == 0
    with pytest.raises(SystemExit):
        main(["tables", "--help"])
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert f"painreview {__version__}" in out
    assert "``" not in out and ":func:" not in out


def test_licence_is_mit_with_a_named_holder():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "painreview contributors" in text
    assert _cff()["license"] == "MIT"
