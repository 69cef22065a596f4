"""pyproject.toml, requirements.lock and environment.yml must agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _lock_pins() -> dict[str, list[str]]:
    """Package -> its pinned versions (a universal lock may pin one per Python range)."""
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if m:
            pins.setdefault(canonicalize_name(m.group(1)), []).append(m.group(2))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_every_declared_dependency_is_pinned_in_the_lock_within_its_range():
    pins = _lock_pins()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not in requirements.lock: run make lock"
        for version in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {req.name}=={version}, outside pyproject's {req.specifier}: run make lock")


def test_every_pin_is_hashed():
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pinned = [b for b in blocks if re.match(r"^[A-Za-z0-9_.\-]+==", b)]
    assert len(pinned) == sum(len(v) for v in _lock_pins().values()) > 50
    for block in pinned:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_one_universal_lock_from_python_311_like_pyproject_and_environment_yml():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    env = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.1[1-4]\s*$", env, re.M)
    assert re.search(r"^\s*-\s*pip\s*$", env, re.M)
    assert re.search(r"^\s*-\s*-r requirements\.lock\s*$", env, re.M), "environment.yml must install the lock"
    makefile = (ROOT / "Makefile").read_text()
    assert "--universal" in makefile and "--python-version 3.11" in makefile
    lock = (ROOT / "requirements.lock").read_text()
    assert "python_full_version" in lock, "a universal lock carries markers for the Python versions"


def test_environment_compiles_bytecode():
    # These machines set PYTHONDONTWRITEBYTECODE=1: without compiled files every process
    # compiles pandas and the rest from source (issue: scale and speed).
    assert "--compile-bytecode" in (ROOT / "Makefile").read_text()


def test_makefile_bootstraps_the_uv_the_lock_pins():
    # The Makefile reads uv's version from the lock; the lock must pin it.
    assert "uv" in _lock_pins()
    assert "s/^uv==" in (ROOT / "Makefile").read_text()
