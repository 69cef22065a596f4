"""Build a run's release from a dataset with the package's functions (no papermill), as
the notebooks and commands do: tables (CSV, Markdown, HTML), Figures 1-4 (SVG, PNG), the
audit, the manifest and the report. Shared by the disclosure-control attack and scan tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from painreview import cli_audit, cli_report, mme, outputs, stats
from painreview.dataset import load_dataset
from painreview.figures import figure1_flow, figure2_dose, figure3_outcomes, figure4_outcomes
from painreview.flow import participant_flow
from painreview.outcomes import paired
from painreview.pipeline import build_tables
from painreview.scoring import score_questionnaires
from painreview.sdc import is_on


def build_release(data_dir: Path, out_dir: Path, sdc: str = "on", conversion: str = "opioids_aware") -> Path:
    """Write the release of ``data_dir`` into ``out_dir``; returns ``out_dir``."""
    frames = load_dataset(data_dir)
    tables = outputs.released(build_tables(frames, conversion), sdc)
    outputs.write_tables(tables, out_dir)
    flow = outputs.released({"flow": participant_flow(frames["invitations"])}, sdc)["flow"]
    outputs.write_figure(figure1_flow(flow), out_dir, "figure1_flow")
    doses = mme.patient_doses(frames["prescriptions"], mme.conversion_table(conversion))
    pairs = paired(doses, "dose_mme")
    test = stats.signrank(pairs["baseline"], pairs["follow_up"])
    outputs.write_figure(figure2_dose(doses, test.p, disclosure=is_on(sdc)), out_dir, "figure2_dose")
    scores = score_questionnaires(frames["questionnaires"])
    outputs.write_figure(figure3_outcomes(scores, disclosure=is_on(sdc)), out_dir, "figure3_outcomes_higher_better")
    outputs.write_figure(figure4_outcomes(scores, disclosure=is_on(sdc)), out_dir, "figure4_outcomes_lower_better")
    assert cli_audit.run(argparse.Namespace(out=str(out_dir), sdc=sdc)) == 0
    assert cli_report.run(argparse.Namespace(out=str(out_dir), data=str(data_dir), conversion=conversion,
                                             sdc=sdc)) == 0
    return out_dir


def synthetic_dataset(seed: int, folder: Path) -> Path:
    """The synthetic dataset of ``seed`` written into ``folder``."""
    from painreview import synthetic

    synthetic.write_dataset(synthetic.synthesize(seed), folder)
    return folder
