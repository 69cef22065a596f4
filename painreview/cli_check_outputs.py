"""python -m painreview check-outputs [--write]: compare the outputs with outputs.sha256.

Run by make check-outputs after regenerating everything from data/synthetic. Exit 0 when
every committed output is reproduced byte for byte; otherwise every difference, exit 1.
Without git (an archive) only the recorded hashes are compared. --write records the
current files' hashes instead (make hashes, after committing regenerated outputs).
"""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    parser.add_argument("--write", action="store_true", help="write outputs.sha256 from the files as they are")


def run(args) -> int:
    from painreview import reproduce

    path = reproduce.REPO / reproduce.HASHES
    if args.write:
        path.write_text(reproduce.hashes_text(), encoding="utf-8")
        print(f"{path.name}: {len(reproduce.output_files())} files")
        return 0
    changed = reproduce.git_changes()
    if changed:
        print("Committed outputs differ from what the code makes:\n" + changed, file=sys.stderr, end="")
        return 1
    problems = reproduce.differences()
    if problems:
        stale = changed is not None  # git says the outputs are the committed ones
        print(f"Outputs differ from {reproduce.HASHES}:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        if stale:
            print(f"The committed outputs are reproduced, but {reproduce.HASHES} is stale: run make hashes "
                  "and commit it.", file=sys.stderr)
        return 1
    where = "git and " if changed is not None else ""
    print(f"committed outputs reproduced byte for byte ({where}{reproduce.HASHES})")
    return 0
