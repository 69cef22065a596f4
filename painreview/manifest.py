"""Provenance of a run: which data and code made each output (``OUT/manifest.json``).

Gathering (reading files, asking git, asking the installed packages) is kept apart from
building: :func:`assemble_manifest` is pure and takes everything as arguments;
:func:`build_manifest` gathers and then assembles. Nothing time-dependent is recorded
(no dates, no durations), paths are relative (outputs to OUT, inputs to the data folder),
and ``manifest_json`` sorts keys, so the same inputs, code and environment give the same
bytes.

Recorded: every file under ``OUT/tables``, ``OUT/figures`` and ``OUT/notebooks`` (SHA-256,
size) except the report and the manifest themselves; every input data file of the data
folder (``*.csv``, ``*.xlsx``, ``*.dta``, as the Makefile's ``DATA_FILES``); the
conversion table (name, file, SHA-256); the package version; the git commit and whether
the working tree differed from it (None for both when the code is not a git checkout);
the SHA-256 of ``requirements.lock``; ``source_sha256``, one hash of the package source
and the notebooks (:func:`source_digest`), so a run names its code with or without git
(an archive copy); the Python version, the platform and the versions
of the key packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from pathlib import Path, PurePosixPath

MANIFEST_VERSION = 1
OUTPUT_DIRS = ("tables", "figures", "notebooks")
SELF_FILES = ("report.html", "manifest.json")  # written by the report command, after the manifest
DATA_SUFFIXES = (".csv", ".xlsx", ".dta")
KEY_PACKAGES = ("pandas", "numpy", "scipy", "matplotlib", "papermill")
LOCK_FILE = "requirements.lock"
SOURCE_GLOBS = ("painreview/*.py", "painreview/data/*", "notebooks/[0-9][0-9]_*.ipynb")


# --- gathering (I/O) ------------------------------------------------------------------

def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(root: str | Path, paths: list[Path]) -> dict[str, dict]:
    """``{relative posix path: {"sha256", "size"}}`` of ``paths`` (relative to ``root``)."""
    root = Path(root)
    return {PurePosixPath(Path(p).relative_to(root)).as_posix(): {"sha256": sha256_file(p), "size": Path(p).stat().st_size}
            for p in paths}


def output_files(out_dir: str | Path) -> list[Path]:
    """Every regular file under ``OUT/{tables,figures,notebooks}`` (recursive, sorted),
    without the report and the manifest."""
    out_dir = Path(out_dir)
    found = []
    for sub in OUTPUT_DIRS:
        base = out_dir / sub
        if base.is_dir():
            found += [p for p in base.rglob("*") if p.is_file() and p.name not in SELF_FILES]
    return sorted(found, key=lambda p: p.relative_to(out_dir).as_posix())


def data_files(data_dir: str | Path) -> list[Path]:
    """The input data files of a dataset folder: the contract's tables only
    (``readers.contract_files``; a file the contract does not name is never listed)."""
    from painreview.readers import contract_files

    return contract_files(data_dir)


def git_state(repo_dir: str | Path, exclude: tuple[str | Path, ...] = ()) -> dict:
    """``{"commit", "dirty"}`` of the checkout at ``repo_dir`` via the ``git`` command; both
    None when it is not a git checkout or git is unavailable. ``exclude``: files (e.g. the
    report this run is about to write) that do not make the tree dirty."""
    repo_dir = Path(repo_dir)

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, text=True, check=False)

    try:
        head = git("rev-parse", "--verify", "HEAD")
        top = git("rev-parse", "--show-toplevel")
    except OSError:
        return {"commit": None, "dirty": None}
    if head.returncode != 0 or top.returncode != 0:
        return {"commit": None, "dirty": None}
    toplevel = Path(top.stdout.strip()).resolve()
    specs = ["."]
    for path in exclude:
        rel = os.path.relpath(Path(path).resolve(), toplevel)
        if not rel.startswith(".."):
            specs.append(f":(exclude){PurePosixPath(Path(rel)).as_posix()}")
    status = git("status", "--porcelain", "--", *specs)
    if status.returncode != 0:
        return {"commit": head.stdout.strip(), "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def source_digest(repo_dir: str | Path) -> str | None:
    """SHA-256 of the ``sha256sum`` listing (``<hash>  <path>``, sorted by path) of the
    package source and the notebooks (``SOURCE_GLOBS``); None when none is found."""
    repo_dir = Path(repo_dir)
    files = sorted({p for g in SOURCE_GLOBS for p in repo_dir.glob(g) if p.is_file()},
                   key=lambda p: p.relative_to(repo_dir).as_posix())
    if not files:
        return None
    listing = "".join(f"{sha256_file(p)}  {p.relative_to(repo_dir).as_posix()}\n" for p in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when not installed)."""
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def conversion_path(name: str) -> Path:
    """The file of the conversion table ``name`` (``painreview/data/mme_<name>.csv``);
    ValueError for an unknown name."""
    from importlib import resources

    path = Path(str(resources.files("painreview").joinpath("data", f"mme_{name}.csv")))
    if not path.is_file():
        known = sorted(p.name[4:-4] for p in path.parent.glob("mme_*.csv"))
        raise ValueError(f"unknown conversion table {name!r}; known tables: {', '.join(known)}")
    return path


# --- building (pure) ------------------------------------------------------------------

def assemble_manifest(*, outputs: dict[str, dict], inputs: dict[str, dict], data_dir: str,
                      conversion: str, conversion_file: str, conversion_sha256: str | None,
                      package_version: str, git: dict, lock_sha256: str | None,
                      python: str, platform_name: str, packages: dict[str, str | None],
                      source_sha256: str | None = None) -> dict:
    """The manifest as a plain dict, from gathered facts."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "package": {"name": "painreview", "version": package_version},
        "code": {"git_commit": git.get("commit"), "git_dirty": git.get("dirty"), "lock_sha256": lock_sha256,
                 "source_sha256": source_sha256},
        "environment": {"python": python, "platform": platform_name, "packages": dict(packages)},
        "run": {
            "data_dir": data_dir,
            "conversion": {"name": conversion, "file": conversion_file, "sha256": conversion_sha256},
        },
        "inputs": dict(inputs),
        "outputs": dict(outputs),
    }


def build_manifest(out_dir: str | Path, data_dir: str | Path, conversion: str, repo_dir: str | Path) -> dict:
    """Gather the facts of a run into OUT and assemble its manifest (see module docstring)."""
    from painreview import __version__

    out_dir, data_dir, repo_dir = Path(out_dir), Path(data_dir), Path(repo_dir)
    conv = conversion_path(conversion)
    lock = repo_dir / LOCK_FILE
    return assemble_manifest(
        outputs=file_entries(out_dir, output_files(out_dir)),
        inputs=file_entries(data_dir, data_files(data_dir)),
        data_dir=data_dir.as_posix(),
        conversion=conversion,
        conversion_file=f"painreview/data/{conv.name}",
        conversion_sha256=sha256_file(conv),
        package_version=__version__,
        git=git_state(repo_dir, exclude=tuple(out_dir / name for name in SELF_FILES)),
        lock_sha256=sha256_file(lock) if lock.is_file() else None,
        python=platform.python_version(),
        platform_name=platform.platform(),
        packages=package_versions(),
        source_sha256=source_digest(repo_dir),
    )


def manifest_json(manifest: dict) -> str:
    """Canonical text: sorted keys, indent 2, UTF-8 characters kept, final newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_manifest(manifest: dict, path: str | Path) -> Path:
    """Write ``manifest`` as canonical JSON (``\\n`` line ends) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(manifest_json(manifest))
    return path
