"""Keep patient data's outputs out of the repository.

A run on any dataset other than the committed synthetic one may write only outside the
repository, or into a folder of it that git ignores (``.gitignore`` lists the
conventional ones: ``out/``, ``outputs/``, ``secure/`` …). Otherwise one ``git add -A``
would put tables computed from real patients into the history.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def output_root_problem(data: Path, out: Path, repo: Path, ignored: bool) -> str | None:
    """Why writing a run on ``data`` into ``out`` is refused, or None when it is allowed.

    ``ignored`` says whether git ignores ``out`` (gathered by the caller).
    """
    data, out, repo = data.resolve(), out.resolve(), repo.resolve()
    if data == repo / "data" / "synthetic":
        return None
    if out != repo and repo not in out.parents:
        return None
    if out != repo and ignored:
        return None
    return (f"refusing to write outputs of {data} into {out}: it is inside the repository and not "
            f"git-ignored, so real data's outputs could be committed. Choose an OUT outside the "
            f"repository or in an ignored folder such as {repo / 'out'}.")


def git_ignores(path: Path, repo: Path) -> bool:
    """True when git ignores ``path`` in the checkout ``repo`` (False outside git)."""
    probe = path.resolve() / "tables" / "table1.csv"
    try:
        done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", str(probe)],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def add_arguments(parser) -> None:
    parser.add_argument("data", help="dataset folder of the run")
    parser.add_argument("out", help="output root of the run")


def run(args) -> int:
    import sys

    repo = Path(__file__).resolve().parent.parent
    out = Path(args.out)
    problem = output_root_problem(Path(args.data), out, repo, git_ignores(out, repo))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0
