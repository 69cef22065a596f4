"""``python -m painreview run-notebook NOTEBOOK --data DIR --out DIR [--conversion] [--sdc]``:
execute one notebook of ``notebooks/`` into OUT, with the driver's guard and commit
(``painreview.guard.transaction``): nothing reaches OUT unless the notebook succeeded."""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("notebook", help="a notebook of notebooks/")
    parser.add_argument("--data", default=None, help="dataset folder (default data/synthetic)")
    parser.add_argument("--out", default=None, help="output root (default: the repository)")
    parser.add_argument("--conversion", default=None, help="morphine-equivalent table")
    parser.add_argument("--sdc", default=None, help="statistical disclosure control: off or on")


def run(args) -> int:
    from painreview import guard
    from painreview.notebook_run import NotebookFailed, execute_notebooks, repository_notebooks
    from painreview.settings import SettingError, parse_settings

    book = Path(args.notebook).resolve()
    known = {b.resolve(): b for b in repository_notebooks()}
    try:
        if book not in known:
            raise SettingError(f"NOTEBOOK: {book} is not a notebook of the pipeline; allowed values: "
                               + ", ".join(f"notebooks/{b.name}" for b in known.values()))
        settings = parse_settings(data=args.data, out=args.out, conversion=args.conversion, sdc=args.sdc)
        with guard.transaction(settings) as txn:
            (path,) = execute_notebooks([known[book]], txn.target, 1)
    except (SettingError, guard.Refused) as exc:
        print(exc, file=sys.stderr)
        return 2
    except NotebookFailed as exc:
        print(f"{exc}\n{args.notebook}: notebook failed; nothing written", file=sys.stderr)
        return 1
    print(f"{args.notebook} -> {settings.out / path.relative_to(txn.root)}")
    return 0
