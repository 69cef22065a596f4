"""Command line: ``python -m painreview <command> ...``.

Each command lives in its own module and exposes ``add_arguments(parser)`` and
``run(args) -> int``; this file only dispatches, importing the module it needs so
that ``validate`` does not pay for the plotting stack.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "validate": ("painreview.cli_validate", "check a dataset folder against the raw data contract"),
    "synthesize": ("painreview.cli_synthesize", "write a synthetic dataset"),
    "tables": ("painreview.cli_tables", "compute every table of the output contract into OUT/tables"),
    "audit": ("painreview.cli_audit", "compare reproduced numbers with the published ones"),
    "report": ("painreview.cli_report", "write OUT/manifest.json and a self-contained OUT/report.html"),
    "check-output": ("painreview.privacy", "refuse an OUT inside the repository for data other than data/synthetic"),
    "run-notebook": ("painreview.cli_run_notebook", "execute one notebook into OUT (used by make)"),
    "replicate": ("painreview.cli_replicate", "write a dataset replicated K times with fresh ids (for scale tests)"),
    "check-outputs": ("painreview.cli_check_outputs", "compare the outputs with the hashes in outputs.sha256 (make check-outputs)"),
    "bench": ("painreview.cli_bench", "measure make all, the no-op rebuild and 34 to 34,000 service users (make bench)"),
}


DESCRIPTION = ("Regenerate the tables, figures and in-text numbers of the pain review service "
               "evaluation from raw data (see README.md).")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from painreview import __version__

    parser = argparse.ArgumentParser(prog="python -m painreview", description=DESCRIPTION,
                                     epilog="python -m painreview COMMAND --help describes one command.")
    parser.add_argument("--version", action="version", version=f"painreview {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if argv and argv[0] == "--version":
        print(f"painreview {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        parser.print_help(sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    cmd = argparse.ArgumentParser(prog=f"python -m painreview {name}", description=COMMANDS[name][1])
    module.add_arguments(cmd)
    args = cmd.parse_args(argv[1:])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
