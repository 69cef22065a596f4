"""Staleness by content (issue: messy exports, item 6): what a run's outputs depend on, as hashes.

make's mtimes are not trusted: an export unzipped, copied with ``cp -p`` or synced with
``rsync -t`` can be older than the outputs it replaces. Instead the driver records, in the
output root's marker, a hash of everything each output depends on, and reruns when a
hash changes:

- the data: the names and bytes of every file at the top of the data folder (a file
  added, renamed, changed or deleted changes it);
- the settings: conversion table and SDC;
- the code: every file of the ``painreview`` package, recursively, and the lock;
- each notebook's code: its cells' kinds and sources, not its outputs (the repository's
  notebooks are rewritten with their outputs by the run they are an input of).

Only hashlib here: the no-op rebuild decides without importing pandas.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from painreview.paths import REPO

PACKAGE = Path(__file__).resolve().parent
_SKIP_DIRS = {"__pycache__"}


def _digest_files(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def data_hash(data_dir: Path) -> str:
    """Names and bytes of the regular files at the top of ``data_dir`` (sorted by name)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return "no data folder"
    files = sorted((p for p in data_dir.iterdir() if p.is_file()), key=lambda p: p.name)
    return _digest_files(data_dir, files)


def code_hash() -> str:
    """Every file of the package, recursively (no caches), and ``requirements.lock``."""
    files = sorted((p for p in PACKAGE.rglob("*")
                    if p.is_file() and not _SKIP_DIRS.intersection(p.relative_to(PACKAGE).parts)
                    and p.suffix != ".pyc"), key=lambda p: p.relative_to(PACKAGE).as_posix())
    digest = _digest_files(PACKAGE, files)
    lock = REPO / "requirements.lock"
    extra = hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else ""
    return hashlib.sha256((digest + extra).encode()).hexdigest()


def inputs_key(settings, data_digest: str | None = None) -> str:
    """What the outputs of one set of settings depend on, code aside: the data's content,
    the conversion table and SDC. An output root holds outputs of one key only."""
    data_digest = data_hash(settings.data) if data_digest is None else data_digest
    return hashlib.sha256(f"{data_digest}\0{settings.conversion}\0{settings.sdc_text}".encode()).hexdigest()


def notebook_hash(key: str, code: str, notebook: Path) -> str:
    """The stamp of one notebook: its inputs key, the code and the notebook's cells (kind
    and source)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    text = json.dumps([[c.get("cell_type"), "".join(c.get("source", ""))] for c in cells], ensure_ascii=False)
    own = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{key}\0{code}\0{own}".encode()).hexdigest()
