"""``python -m painreview run``: the whole run (``make all``), in one process.

1. Settings parsed and checked (``painreview.settings``): a bad value is one line naming
   the setting and its allowed values, exit 2, nothing written.
2. The guard (``painreview.guard``): the repository guard on DATA and OUT, OUT new, empty
   or the package's, one run at a time per OUT. Refused: one line, exit 2, OUT untouched.
3. Staleness by content (``painreview.staleness``): when every notebook's stamp in OUT's
   marker is current and every output is as written, nothing to do (no pandas imported).
4. Validation of DATA: every problem as ``file:line:column``, exit 1, nothing written.
5. The stale notebooks, ``JOBS`` kernels at a time, then the audit notebook, then the
   manifest and the report, all into a private staging folder; copied into OUT only
   when all succeeded (``guard.transaction``). A failure (exit 1) or an interruption
   leaves OUT as it was.

``--env`` takes DATA, OUT, CONVERSION, SDC and JOBS from the environment, as make
exports them, so that no path passes through a shell command line.
"""

from __future__ import annotations

import hashlib
import signal
import sys
import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--env", action="store_true",
                        help="take DATA, OUT, CONVERSION, SDC and JOBS from the environment (make)")
    parser.add_argument("--data", help="dataset folder (default data/synthetic)")
    parser.add_argument("--out", help="output root (default: the repository)")
    parser.add_argument("--conversion", help="morphine-equivalent table: opioids_aware (default) or cdc_2022")
    parser.add_argument("--sdc", help="statistical disclosure control: on or off (default)")
    parser.add_argument("--jobs", help="notebooks run at once (default 2)")
    parser.add_argument("--force", action="store_true", help="rerun every notebook even when up to date")


def settings_of(args):
    """The run's settings from the arguments, or from the environment with ``--env``
    (an argument given beside ``--env`` wins)."""
    from painreview.settings import parse_settings, settings_from_env

    given = {"data": args.data, "out": args.out, "conversion": args.conversion, "sdc": args.sdc, "jobs": args.jobs}
    if args.env:
        env = settings_from_env()
        base = {"data": str(env.data), "out": str(env.out), "conversion": env.conversion,
                "sdc": env.sdc_text, "jobs": str(env.jobs)}
        given = {k: v if v is not None else base[k] for k, v in given.items()}
    return parse_settings(**given)


def stamps(settings) -> dict:
    """The stamp of every notebook and of the report for these settings (hashes only)."""
    from painreview.notebook_run import repository_notebooks
    from painreview.staleness import code_hash, inputs_key, notebook_hash

    key, code = inputs_key(settings), code_hash()
    books = {book.name: notebook_hash(key, code, book) for book in repository_notebooks()}
    return {"notebooks": books, "report": hashlib.sha256(f"{key}\0{code}".encode()).hexdigest()}


def up_to_date(settings, current: dict) -> bool:
    """Whether OUT already holds this run's outputs, unchanged since they were written."""
    from painreview import guard

    marker = guard.read_marker(settings.out)
    if not marker or marker.get("state") != current:
        return False
    files = marker.get("files", {})
    expected = {f"notebooks/{name}" for name in current["notebooks"]} | set(guard.ROOT_FILES)
    if not expected <= set(files):
        return False
    for rel, sha in files.items():
        path = settings.out / rel
        if not path.is_file() or guard.sha256_file(path) != sha:
            return False
    return True


def validation_problems(settings) -> list[str]:
    from painreview.validate import inspect_dataset

    _tables, problems = inspect_dataset(settings.data, settings.conversion)
    return [str(p) for p in problems]


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run(args) -> int:
    from painreview import guard
    from painreview.settings import SettingError

    try:
        settings = settings_of(args)
        guard.check(settings)
    except (SettingError, guard.Refused) as exc:
        print(exc, file=sys.stderr)
        return 2
    current = stamps(settings)
    if not args.force and up_to_date(settings, current):
        print(f"{settings.out}: up to date")
        return 0

    started = time.perf_counter()
    problems = validation_problems(settings)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"{settings.data}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing written",
              file=sys.stderr)
        return 1
    print(f"{settings.data.name}: valid")

    from painreview.cli_report import write_report
    from painreview.notebook_run import NotebookFailed, execute_notebooks, is_audit, repository_notebooks

    signal.signal(signal.SIGTERM, _interrupted)
    try:
        with guard.transaction(settings) as txn:
            previous = (guard.read_marker(settings.out) or {}).get("state", {}).get("notebooks", {})
            books = repository_notebooks()
            stale = [b for b in books if args.force or previous.get(b.name) != current["notebooks"][b.name]
                     or f"notebooks/{b.name}" not in txn.previous]
            if any(not is_audit(b) for b in stale):
                stale += [b for b in books if is_audit(b) and b not in stale]
            for path in execute_notebooks(stale, txn.target, settings.jobs):
                print(f"notebooks/{path.name}")
            _written, missing = write_report(txn.target, settings)
            txn.state.update(current)
    except (SettingError, guard.Refused) as exc:
        print(exc, file=sys.stderr)
        return 2
    except NotebookFailed as exc:
        print(f"{exc}\nrun failed; {settings.out} left as it was", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"run interrupted; {settings.out} left as it was", file=sys.stderr)
        return 130
    except Exception as exc:  # a kernel that died, an unreadable input: one line, OUT untouched
        print(f"run failed: {type(exc).__name__}: {exc}; {settings.out} left as it was", file=sys.stderr)
        return 1
    if missing:
        print(f"report: figures missing: {', '.join(missing)}", file=sys.stderr)
    sdc_note = "disclosure control on" if settings.sdc else "disclosure control off"
    print(f"{settings.out}: {len(stale)} notebook(s) run, report and manifest written ({sdc_note}) "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
