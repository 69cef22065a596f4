"""The committed outputs and their recorded hashes (``outputs.sha256``), for archives.

``make check-outputs`` regenerates everything from data/synthetic, then compares the
files with the SHA-256 hashes recorded in ``outputs.sha256`` (the ``sha256sum`` format),
so the check works in a copy without git (``git archive``, Zenodo, a journal's
archive). In a git checkout ``git status`` is consulted as well, which also catches a
committed output whose recorded hash is stale.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HASHES = "outputs.sha256"
#: The committed outputs: what make all writes into the repository, and the data it reads.
OUTPUT_GLOBS = ("tables/*", "figures/*", "notebooks/*.ipynb", "data/synthetic/*")


def output_files(root: Path = REPO) -> list[str]:
    """Relative paths of the committed outputs present under ``root``, sorted."""
    return sorted({p.relative_to(root).as_posix() for g in OUTPUT_GLOBS for p in root.glob(g) if p.is_file()})


#: A notebook's ``metadata.language_info.version``: the patch release of the Python that
#: ran it, written there by the kernel (and by JupyterLab on save). The one byte range of
#: a committed output that names the interpreter rather than the analysis, so the hash
#: leaves it out and the check holds on every supported Python.
_INTERPRETER_VERSION = re.compile(rb'("language_info": \{[^}]*?\}[^}]*?"version": ")[^"]*(")', re.S)


def comparable_bytes(path: Path) -> bytes:
    """The bytes of an output as compared: a notebook without its interpreter version."""
    data = path.read_bytes()
    return _INTERPRETER_VERSION.sub(rb"\1\2", data, count=1) if path.suffix == ".ipynb" else data


def sha256(path: Path) -> str:
    return hashlib.sha256(comparable_bytes(path)).hexdigest()


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
        if done.returncode != 0:
            return None
        lines = [line for line in done.stdout.splitlines(keepends=True)
                 if not _only_interpreter_differs(root, line)]
    except (OSError, subprocess.SubprocessError):
        return None
    return "".join(lines)


def _only_interpreter_differs(root: Path, status_line: str) -> bool:
    """Is a ``git status`` line a modified notebook that differs from the committed one only
    in its interpreter version (run on another supported Python)?"""
    rel = status_line[3:].strip()
    if status_line[:2].strip() != "M" or not rel.endswith(".ipynb"):
        return False
    committed = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{rel}"], capture_output=True, timeout=60)
    if committed.returncode != 0:
        return False
    same = _INTERPRETER_VERSION.sub(rb"\1\2", committed.stdout, count=1)
    return same == comparable_bytes(Path(root) / rel)
