"""Honest labels: a run on the synthetic dataset says so, by the data's content; any
other run carries no label (painreview.provenance)."""

import shutil
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from painreview import outputs, provenance
from painreview.render import to_markdown
from painreview.report import _synthetic_banner

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "data" / "synthetic"


def test_the_committed_synthetic_dataset_is_marked_by_content(tmp_path):
    assert provenance.is_synthetic(SYNTHETIC)
    copy = tmp_path / "anywhere"
    shutil.copytree(SYNTHETIC, copy)
    assert provenance.is_synthetic(copy)  # by content, not by path
    (copy / "service_users.csv").write_text((copy / "service_users.csv").read_text() + "\n")
    assert not provenance.is_synthetic(copy)  # edited: no longer the calibrated set
    other = tmp_path / "synthetic"  # a folder named like it, without the mark
    shutil.copytree(SYNTHETIC, other, ignore=shutil.ignore_patterns(provenance.MARK))
    assert not provenance.is_synthetic(other)
    assert not provenance.is_synthetic(None) and not provenance.is_synthetic(tmp_path / "absent")


def test_synthesize_writes_the_mark(tmp_path):
    from painreview.synthetic import synthesize, write_dataset

    write_dataset(synthesize(), tmp_path)
    assert (tmp_path / provenance.MARK).read_bytes() == (SYNTHETIC / provenance.MARK).read_bytes()


def test_labels_on_figures_tables_and_report_only_for_synthetic(tmp_path):
    assert "checks the code, not the study" in _synthetic_banner(True) and _synthetic_banner(False) == ""
    table = pd.read_csv(ROOT / "tables" / "table1.csv", keep_default_na=False, na_values=[""])
    assert provenance.TABLE_NOTE in to_markdown(table, "table1", synthetic=True)
    assert provenance.TABLE_NOTE not in to_markdown(table, "table1")
    for data, labelled in ((SYNTHETIC, True), (tmp_path, False)):
        fig = Figure()
        fig.add_subplot()
        outputs.write_figure(fig, tmp_path / "out", "f", data)
        svg = (tmp_path / "out" / "figures" / "f.svg").read_text(encoding="utf-8")
        assert ("synthetic-data-note" in svg) is labelled
