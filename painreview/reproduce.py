"""The committed outputs and their recorded hashes (``outputs.sha256``), for archives.

``make check-outputs`` regenerates everything from data/synthetic, then compares the
files with the SHA-256 hashes recorded in ``outputs.sha256`` (the ``sha256sum`` format),
so the check works in a copy without git (``git archive``, Zenodo, a journal's
archive). In a git checkout ``git status`` is consulted as well, which also catches a
committed output whose recorded hash is stale.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HASHES = "outputs.sha256"
#: The committed outputs: what make all writes into the repository, and the data it reads.
OUTPUT_GLOBS = ("tables/*", "figures/*", "notebooks/*.ipynb", "data/synthetic/*")


def output_files(root: Path = REPO) -> list[str]:
    """Relative paths of the committed outputs present under ``root``, sorted."""
    return sorted({p.relative_to(root).as_posix() for g in OUTPUT_GLOBS for p in root.glob(g) if p.is_file()})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes_text(root: Path = REPO) -> str:
    """``outputs.sha256`` for the files as they are now."""
    return "".join(f"{sha256(root / rel)}  {rel}\n" for rel in output_files(root))


def recorded(root: Path = REPO) -> dict[str, str]:
    """Path -> hash, as recorded in ``outputs.sha256``."""
    out = {}
    for line in (root / HASHES).read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        out[rel] = digest
    return out


def differences(root: Path = REPO) -> list[str]:
    """Every difference between the files and ``outputs.sha256``, one line each."""
    want = recorded(root)
    have = set(output_files(root))
    problems = [f"{rel}: missing" for rel in sorted(set(want) - have)]
    problems += [f"{rel}: not recorded in {HASHES}" for rel in sorted(have - set(want))]
    problems += [f"{rel}: differs" for rel in sorted(have & set(want)) if sha256(root / rel) != want[rel]]
    return problems


def git_changes(root: Path = REPO) -> str | None:
    """``git status --porcelain`` of the output folders; None when ``root`` is not the top of
    a git checkout."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=60)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != Path(root).resolve():
            return None  # not a checkout of its own (an archive copy, perhaps inside another checkout)
        done = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all", "--",
                               "tables", "figures", "notebooks", "data/synthetic"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
