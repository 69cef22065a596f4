"""The one way out: every file the package writes under an output root goes through here.

Whoever writes (``make all`` and ``make tables`` through the driver, the ``tables``,
``audit``, ``report`` and ``run-notebook`` commands, a notebook run by papermill or in
JupyterLab), the same checks apply (issue: safe runs, items 1–2):

- **Repository guard** (:func:`repository_problem`): data other than ``data/synthetic``
  must lie outside the repository or in a git-ignored folder, and so must its OUT. The
  repository root itself is the output root of the committed run only (data/synthetic,
  opioids_aware, SDC off), so no other setting can rewrite a committed file.
- **Output root** (:func:`out_problem`): OUT must be new, empty, the repository (above), or
  an output root this package made: it holds the marker :data:`MARKER`, which lists every
  file the package wrote there with its SHA-256. Anything else is refused, untouched.
- **Ownership**: a file in OUT is overwritten only when the package wrote it (its hash is
  the marker's) — or, in the repository, when it is one of the committed output files.
  Files the package did not write are never overwritten, deleted or listed.
- **One run at a time per OUT**: an exclusive lock (:func:`out_lock`, outside OUT; the
  operating system releases it when the process dies); a second run is refused.
- **One commit** (:func:`transaction`): a run writes into a private staging folder and
  copies its outputs into OUT only when the whole run succeeded. A failed, interrupted or
  refused run leaves OUT exactly as it was. The marker is written with the new hashes as
  *pending* before the files are moved, so a crash in the middle of the moves still leaves
  every file recognisably the package's.

A notebook run alone (papermill, JupyterLab) writes straight into OUT through
:func:`write`, one file at a time, under the same checks and lock.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from painreview.paths import REPO, SYNTHETIC
from painreview.settings import Settings, parse_settings

MARKER = ".painreview-output"
STAGING_MARKER = ".painreview-staging"
OUTPUT_DIRS = ("tables", "figures", "notebooks")
ROOT_FILES = ("report.html", "manifest.json")
COMMITTED_RUN = {"conversion": "opioids_aware", "sdc": False}  # with data/synthetic, into the repository
_REPO_OUTPUT = re.compile(r"^(tables/[a-z0-9_]+\.(csv|md|html)|figures/[a-z0-9_]+\.(png|svg)"
                          r"|notebooks/[0-9][0-9]_[a-z0-9_]+\.ipynb|report\.html|manifest\.json)$")


class Refused(Exception):
    """A run that may not write where it was asked to: one line for the user (exit 2)."""


# --- checks -----------------------------------------------------------------------------

def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def git_ignores(path: Path, probe: str = "x") -> bool:
    """True when git ignores ``path/probe`` in the repository's checkout (False outside git)."""
    try:
        done = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", str(Path(path) / probe)],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def is_git_checkout() -> bool:
    """Is the repository a git checkout? A copy without git (``git archive``, a journal's
    or Zenodo's archive) has no history a commit could leak data into."""
    return (REPO / ".git").exists()


def git_tracks_unchanged(folder: Path) -> bool:
    """True when git tracks files in ``folder`` and none is modified or untracked there: data
    already in the history as it is (the tests' hand-made datasets), which a commit cannot leak."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(REPO), *args, "--", str(folder)], capture_output=True,
                              text=True, timeout=30)

    try:
        tracked, status = git("ls-files"), git("status", "--porcelain", "--untracked-files=all")
    except (OSError, subprocess.SubprocessError):
        return False
    return (tracked.returncode == 0 and bool(tracked.stdout.strip())
            and status.returncode == 0 and not status.stdout.strip())


def repository_problem(settings: Settings) -> str | None:
    """Why the repository may not hold this run's data or outputs, or None. Data inside a git
    checkout must be data/synthetic, git-ignored, or already tracked unchanged."""
    data, out = settings.data.resolve(), settings.out.resolve()
    if data == SYNTHETIC:
        if out == REPO and (settings.conversion, settings.sdc) != (COMMITTED_RUN["conversion"], COMMITTED_RUN["sdc"]):
            return (f"OUT: the repository holds the committed run (data/synthetic, CONVERSION=opioids_aware, "
                    f"SDC=off); write CONVERSION={settings.conversion} SDC={settings.sdc_text} to another OUT")
        return None
    if (_inside(data, REPO) and is_git_checkout() and not git_ignores(data, "service_users.csv")
            and not git_tracks_unchanged(data)):
        return (f"DATA: {data} is inside the repository and git does not ignore it, so a commit could take "
                f"the export with it; keep it outside the repository or in an ignored folder such as "
                f"{REPO / 'data' / 'private'}")
    from painreview.privacy import output_root_problem

    if _inside(out, REPO):
        problem = output_root_problem(data, out, REPO, git_ignores(out, "tables/table1.csv"))
        if problem:
            return "OUT: " + problem
    return None


def read_marker(out: Path) -> dict | None:
    """The marker of an output root (None when there is none or it is unreadable)."""
    try:
        marker = json.loads((Path(out) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and isinstance(marker.get("files"), dict) else None


def out_problem(out: Path) -> str | None:
    """Why OUT may not be written at all, or None: it must be new, empty, the repository
    or an output root this package made."""
    out = Path(out).resolve()
    if out == REPO or not out.exists():
        return None
    if not out.is_dir():
        return f"OUT: {out} exists and is not a folder; give a new or empty folder"
    if read_marker(out) is not None:
        return None
    try:
        if not any(out.iterdir()):
            return None
    except OSError as exc:
        return f"OUT: {out} cannot be read ({exc.strerror}); give a new or empty folder"
    return (f"OUT: {out} holds files that painreview did not write (no {MARKER} marker); "
            f"give a new or empty folder, or the output root of an earlier run; nothing was written")


def check(settings: Settings) -> None:
    """Refused (one line) unless this run may write into its OUT."""
    problem = repository_problem(settings) or out_problem(settings.out)
    if problem:
        raise Refused(problem)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _relative(rel: str | PurePosixPath) -> str:
    rel = PurePosixPath(rel)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"not a path inside the output root: {rel}")
    if not (rel.as_posix() in ROOT_FILES or (len(rel.parts) >= 2 and rel.parts[0] in OUTPUT_DIRS)):
        raise ValueError(f"{rel}: the package writes only {', '.join(OUTPUT_DIRS)}/ and {', '.join(ROOT_FILES)}")
    return rel.as_posix()


_TRACKED: list[frozenset[str] | None] = []


def repository_outputs() -> frozenset[str] | None:
    """The committed output files of the repository (``git ls-files`` under tables/,
    figures/, notebooks/), or None when it is not a git checkout."""
    if not _TRACKED:
        try:
            done = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--", *OUTPUT_DIRS],
                                  capture_output=True, text=True, timeout=30)
            _TRACKED.append(frozenset(done.stdout.split("\0")) - {""} if done.returncode == 0 else None)
        except (OSError, subprocess.SubprocessError):
            _TRACKED.append(None)
    return _TRACKED[0]


def owned(out: Path, marker: dict | None, rel: str, sha: str) -> bool:
    """Whether the file at ``out/rel`` with content hash ``sha`` is the package's to replace:
    its hash is the marker's, or, in the repository, it is a committed output file (any
    file named like an output when the repository is not a git checkout)."""
    if Path(out).resolve() == REPO and _REPO_OUTPUT.match(rel):
        tracked = repository_outputs()
        if tracked is None or rel in tracked or rel in ROOT_FILES:
            return True
    if not marker:
        return False
    return sha in (marker.get("files", {}).get(rel), marker.get("pending", {}).get(rel))


def owned_files(out: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of the files in OUT that the package wrote (and that are
    still as it wrote them)."""
    out = Path(out).resolve()
    marker = read_marker(out)
    found: dict[str, str] = {}
    candidates = set((marker or {}).get("files", {}))
    if out == REPO:
        for sub in OUTPUT_DIRS:
            if (out / sub).is_dir():
                candidates.update(p.relative_to(out).as_posix() for p in (out / sub).iterdir() if p.is_file())
        candidates.update(name for name in ROOT_FILES if (out / name).is_file())
    for rel in sorted(candidates):
        path = out / rel
        if path.is_file():
            sha = sha256_file(path)
            if owned(out, marker, rel, sha):
                found[rel] = sha
    return found


# --- the lock ---------------------------------------------------------------------------

def lock_path(out: Path) -> Path:
    """The lock file of an output root: outside it, in the user's temporary folder."""
    folder = Path(tempfile.gettempdir()) / f"painreview-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / (hashlib.sha256(str(Path(out).resolve()).encode()).hexdigest()[:24] + ".lock")


@contextlib.contextmanager
def out_lock(out: Path):
    """Hold OUT's exclusive lock; Refused when another run holds it."""
    import fcntl

    path = lock_path(out)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise Refused(f"OUT: {Path(out).resolve()} is being written by another run (process {holder}); "
                          f"wait for it to finish, or choose another OUT") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- writing ----------------------------------------------------------------------------

@dataclass
class Target:
    """Where a checked run writes: a staging folder (``staging``), or OUT itself."""

    root: Path
    settings: Settings
    staging: bool
    written: list[str] = field(default_factory=list)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".painreview-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_marker(out: Path, marker: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"painreview_output": 1, **marker}, sort_keys=True, indent=1) + "\n"
    _atomic_write(out / MARKER, text.encode("utf-8"))


def write(target: Target, rel: str, content: bytes | str) -> Path:
    """Write one output file ``rel`` (e.g. ``tables/table1.csv``) of a checked run; return
    its path. In a staging folder: just write. Straight into OUT: under OUT's lock, only
    over a file the package wrote, and recorded in the marker."""
    rel = _relative(rel)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    if target.staging:
        path = target.root / rel
        _atomic_write(path, data)
        target.written.append(rel)
        return path
    out = target.settings.out
    with out_lock(out):
        check(target.settings)
        marker = read_marker(out) or {"files": {}}
        path = out / rel
        if path.exists() and not (path.is_file() and owned(out, marker, rel, sha256_file(path))):
            raise Refused(f"OUT: {path} exists and is not a file painreview wrote; nothing was written over it")
        marker.setdefault("files", {})[rel] = hashlib.sha256(data).hexdigest()
        marker.pop("state", None)  # the driver's stamps no longer describe OUT
        from painreview.staleness import inputs_key

        key = inputs_key(target.settings)
        if marker.get("inputs_key", key) != key:
            key = "mixed"  # outputs of two settings: the next run replaces them all
        marker["inputs_key"] = key
        _write_marker(out, marker)
        _atomic_write(path, data)
    target.written.append(rel)
    return path


def target_for(out_dir, settings: Settings | None = None) -> Target:
    """The Target a writer was handed: a Target passes through; a staging folder made by
    :func:`transaction` is recognised by its marker; any other folder is checked as an OUT
    of a run on unknown data (the strictest case) unless ``settings`` say more."""
    if isinstance(out_dir, Target):
        return out_dir
    root = Path(os.path.abspath(out_dir))
    staged = _staging_settings(root)
    if staged is not None:
        return Target(root, staged, staging=True)
    if settings is None:
        settings = Settings(data=Path("/nonexistent/unknown data"), out=root, conversion="opioids_aware", sdc=False)
    check(settings)
    return Target(root, settings, staging=False)


def open_target(settings: Settings) -> Target:
    """The Target of a notebook run: checked now; writes go through :func:`write`."""
    staged = _staging_settings(settings.out)
    if staged is not None:
        return Target(settings.out, staged, staging=True)
    check(settings)
    return Target(settings.out, settings, staging=False)


def _staging_settings(root: Path) -> Settings | None:
    try:
        meta = json.loads((Path(root) / STAGING_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return parse_settings(data=meta["data"], out=meta["out"], conversion=meta["conversion"], sdc=meta["sdc"])


# --- one commit ---------------------------------------------------------------------------

@dataclass
class Transaction:
    target: Target
    previous: dict[str, str]  # owned files of OUT before the run (copied into staging)
    state: dict = field(default_factory=dict)  # the driver's stamps, stored in the marker

    @property
    def root(self) -> Path:
        return self.target.root


def staged_files(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of the output files in a staging folder."""
    found = {}
    for sub in OUTPUT_DIRS:
        base = Path(root) / sub
        if base.is_dir():
            found.update({p.relative_to(root).as_posix(): sha256_file(p) for p in base.rglob("*") if p.is_file()})
    for name in ROOT_FILES:
        if (Path(root) / name).is_file():
            found[name] = sha256_file(Path(root) / name)
    return dict(sorted(found.items()))


@contextlib.contextmanager
def transaction(settings: Settings, keep_previous: bool = True):
    """Check, lock, stage; on success copy the staged outputs into OUT in one commit.

    ``keep_previous``: copy the package's files already in OUT into the staging folder
    first (a partial run, e.g. the ``tables`` command, completes the earlier outputs). When
    the earlier outputs came from other data or settings, they are not kept, and the
    commit removes them, so that OUT never mixes two runs (e.g. SDC on and off).
    """
    from painreview.staleness import inputs_key

    check(settings)
    with out_lock(settings.out):
        check(settings)
        key = inputs_key(settings)
        marker = read_marker(settings.out) or {}
        same_inputs = settings.out.resolve() == REPO or marker.get("inputs_key") in (None, key)
        previous = owned_files(settings.out) if settings.out.exists() else {}
        _sweep_staging()
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
        try:
            (staging / STAGING_MARKER).write_text(json.dumps({
                "pid": os.getpid(), "data": str(settings.data), "out": str(settings.out),
                "conversion": settings.conversion, "sdc": settings.sdc_text}), encoding="utf-8")
            if keep_previous and same_inputs:
                for rel in previous:
                    (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(settings.out / rel, staging / rel)
            txn = Transaction(Target(staging, settings, staging=True), previous if same_inputs else {})
            txn.state["inputs_key"] = key
            yield txn
            _commit(txn, previous, same_inputs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


STAGING_PREFIX = "painreview-staging-"


def _sweep_staging() -> None:
    """Remove staging folders left by runs that were killed (their process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(STAGING_PREFIX + "*"):
        try:
            pid = int(json.loads((folder / STAGING_MARKER).read_text(encoding="utf-8"))["pid"])
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError, KeyError, TypeError):
            continue


def _commit(txn: Transaction, previous: dict[str, str], same_inputs: bool) -> None:
    settings, staging = txn.target.settings, txn.root
    out = settings.out
    files = staged_files(staging)
    marker = read_marker(out) or {"files": {}}
    for rel in files:  # check everything before touching anything
        path = out / rel
        if path.exists() and not (path.is_file() and owned(out, marker, rel, sha256_file(path))):
            raise Refused(f"OUT: {path} exists and is not a file painreview wrote; nothing was written")
    changed = [rel for rel, sha in files.items() if previous.get(rel) != sha or not (out / rel).is_file()]
    # outputs of other data or settings, not rewritten by this run, go: OUT never mixes two runs
    stale = [] if same_inputs else [rel for rel in previous if rel not in files]
    journal = dict(marker, pending=dict(files))
    journal["files"] = {**marker.get("files", {}), **{rel: sha for rel, sha in previous.items()}}
    journal.pop("state", None)
    _write_marker(out, journal)
    for rel in changed:
        _atomic_write(out / rel, (staging / rel).read_bytes())
    for rel in stale:
        with contextlib.suppress(FileNotFoundError):
            (out / rel).unlink()
    final = {"files": files, "inputs_key": txn.state.get("inputs_key")}
    stamps = {k: v for k, v in txn.state.items() if k != "inputs_key"}
    if stamps:  # the driver's stamps of this run
        final["state"] = stamps
    elif same_inputs and not changed and "state" in marker:  # nothing changed: earlier stamps still hold
        final["state"] = marker["state"]
    _write_marker(out, final)
