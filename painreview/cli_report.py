"""``python -m painreview report OUT [--data DIR --conversion NAME]``: write
``OUT/manifest.json``, then ``OUT/report.html`` (which embeds the manifest).

Reads OUT/tables (table1, table2, results required; outcomes, thematic_tallies and the
exploratory estimates and sensitivity
shown when present), OUT/figures (SVG preferred, PNG otherwise) and the package's
published values; computes the audit afresh from those tables (the same function as
``python -m painreview audit``, without writing audit.csv). The manifest leaves out
report.html and manifest.json, and they do not make the git tree count as dirty. Exit 1
with one line on stderr when an input is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

OPTIONAL_TABLES = ("outcomes", "thematic_tallies", "estimates", "sensitivity")


def add_arguments(parser) -> None:
    parser.add_argument("out", help="output root holding tables/ and figures/ (the run's OUT)")
    parser.add_argument("--data", default=None, help="the dataset folder the run read (default data/synthetic)")
    parser.add_argument("--conversion", default=None, help="morphine-equivalent table the run used")
    parser.add_argument("--sdc", default=None, help="whether the run applied disclosure control: on or off")


def _labels() -> dict[str, dict[str, str]]:
    """Display labels from the package's reference data: measure (measures.csv), timepoint
    and role (vocabularies.csv)."""
    from painreview.reference import labels, read_reference

    try:
        measures = read_reference("measures.csv")
        measure_labels = dict(zip(measures["measure"], measures["label"]))
    except FileNotFoundError:
        measure_labels = {}
    choices = read_reference("sensitivity_choices.csv")
    return {"measure": measure_labels, "timepoint": labels("timepoint"), "role": labels("role"),
            "choice": dict(zip(choices["choice"], choices["label"]))}


def write_report(target, settings) -> tuple[list[Path], list[str]]:
    """Write ``manifest.json`` and ``report.html`` of the run into ``target`` (through the
    guard); return the paths written and the figure stems that were missing. The manifest
    lists the files under the target's tables/, figures/ and notebooks/: in a staging
    folder, exactly the package's files. ValueError/OSError when an input is missing."""
    from painreview import guard
    from painreview import manifest as mf
    from painreview.audit import AUDITED_TABLES, audit_tables
    from painreview.consistency import check_paper
    from painreview.outputs import read_table, read_tables
    from painreview.paths import REPO
    from painreview.reference import read_reference
    from painreview.provenance import is_synthetic
    from painreview.report import FIGURES, build_report, read_figures

    root, data = target.root, settings.data
    tables = read_tables(target, AUDITED_TABLES)
    published = read_reference("published.csv")
    for name in OPTIONAL_TABLES:
        path = root / "tables" / f"{name}.csv"
        if path.is_file():
            tables[name] = read_table(path)
    outputs = [root / rel for rel in guard.staged_files(root) if rel not in guard.ROOT_FILES]
    manifest = mf.build_manifest(root, data, settings.conversion, REPO, sdc=settings.sdc_text, outputs=outputs)
    written = [guard.write(target, "manifest.json", mf.manifest_json(manifest))]
    figures = read_figures(root / "figures")
    missing = [stem for stem in FIGURES if stem not in figures]
    codebook_path = data / "codebook.csv"
    codebook = read_table(codebook_path) if codebook_path.is_file() else None
    checks = check_paper(published)
    html = build_report(tables=tables, figures=figures, audit_table=audit_tables(tables, published, checks, sdc=settings.sdc),
                        paper_checks=checks, manifest=manifest, codebook=codebook, labels=_labels(),
                        sdc=settings.sdc, synthetic=is_synthetic(data),
                        # the paper's wording quotes its counts (1-7 among them): not under SDC
                        published=None if settings.sdc else published)
    written.append(guard.write(target, "report.html", html))
    return written, missing


def run(args) -> int:
    from painreview import guard
    from painreview.settings import SettingError, parse_settings

    try:
        settings = parse_settings(data=args.data, out=args.out, conversion=args.conversion, sdc=args.sdc)
        with guard.transaction(settings) as txn:
            _written, missing = write_report(txn.target, settings)
    except (SettingError, guard.Refused) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"report: {exc}; nothing written", file=sys.stderr)
        return 1
    from painreview.report import FIGURES

    out = settings.out
    if missing:
        print(f"report: figures not found in {out / 'figures'}: {', '.join(missing)}", file=sys.stderr)
    print(f"report: {out / 'report.html'} and {out / 'manifest.json'} ({len(FIGURES) - len(missing)} of {len(FIGURES)} figures)")
    return 0
