"""``python -m painreview report OUT [--data DIR --conversion NAME]``: write
``OUT/manifest.json``, then ``OUT/report.html`` (which embeds the manifest).

Reads OUT/tables (table1, table2, results required; outcomes and thematic_tallies
shown when present), OUT/figures (SVG preferred, PNG otherwise) and the package's
published values; computes the audit afresh from those tables (the same function as
``python -m painreview audit``, without writing audit.csv). The manifest leaves out
report.html and manifest.json, and they do not make the git tree count as dirty. Exit 1
with one line on stderr when an input is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

OPTIONAL_TABLES = ("outcomes", "thematic_tallies")


def add_arguments(parser) -> None:
    parser.add_argument("out", help="output root holding tables/ and figures/ (the run's OUT)")
    parser.add_argument("--data", default="data/synthetic", help="the dataset folder the run read")
    parser.add_argument("--conversion", default="opioids_aware", help="morphine-equivalent table the run used")
    parser.add_argument("--sdc", default="off", help="the run's disclosure control (on/off): the audit marks "
                        "values it changed as protected, and the data folder is named without its path")


def _labels() -> dict[str, dict[str, str]]:
    """Display labels from the package's reference data: measure (measures.csv), timepoint
    and role (vocabularies.csv)."""
    from painreview.reference import labels, read_reference

    try:
        measures = read_reference("measures.csv")
        measure_labels = dict(zip(measures["measure"], measures["label"]))
    except FileNotFoundError:
        measure_labels = {}
    return {"measure": measure_labels, "timepoint": labels("timepoint"), "role": labels("role")}


def run(args) -> int:
    from painreview.audit import AUDITED_TABLES, audit_tables
    from painreview.outputs import read_table, read_tables
    from painreview.reference import read_reference

    out, data = Path(args.out), Path(args.data)
    if not data.is_dir():
        print(f"report: data folder {data} not found", file=sys.stderr)
        return 1
    try:
        tables = read_tables(out, AUDITED_TABLES)
        published = read_reference("published.csv")
        for name in OPTIONAL_TABLES:
            path = out / "tables" / f"{name}.csv"
            if path.is_file():
                tables[name] = read_table(path)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1

    from painreview import manifest as mf
    from painreview.consistency import check_paper
    from painreview.provenance import is_synthetic
    from painreview.report import FIGURES, build_report, read_figures

    repo = Path(__file__).resolve().parent.parent
    try:
        manifest = mf.build_manifest(out, data, args.conversion, repo)
    except ValueError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    from painreview.sdc import is_on

    sdc = getattr(args, "sdc", "off")
    if is_on(sdc):  # under SDC the data path leaves as its folder name only (issue #10)
        manifest["run"]["data_dir"] = data.resolve().name
    mf.write_manifest(manifest, out / "manifest.json")

    figures = read_figures(out / "figures")
    missing = [stem for stem in FIGURES if stem not in figures]
    codebook_path = data / "codebook.csv"
    codebook = read_table(codebook_path) if codebook_path.is_file() else None
    checks = check_paper(published)
    html = build_report(tables=tables, figures=figures, audit_table=audit_tables(tables, published, checks, sdc=sdc),
                        paper_checks=checks, manifest=manifest, codebook=codebook, labels=_labels(),
                        sdc=is_on(sdc), synthetic=is_synthetic(data))
    target = out / "report.html"
    with open(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(html)
    if missing:
        print(f"report: figures not found in {out / 'figures'}: {', '.join(missing)}", file=sys.stderr)
    print(f"report: {target} and {out / 'manifest.json'} ({len(figures)} of {len(FIGURES)} figures)")
    return 0
