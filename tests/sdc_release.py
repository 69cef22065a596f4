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
    from painreview import guard
    from painreview.settings import parse_settings

    settings = parse_settings(data=data_dir, out=out_dir, conversion=conversion, sdc=sdc)
    frames = load_dataset(data_dir)
    with guard.transaction(settings) as txn:  # as the driver writes: one run's settings throughout
        target = txn.target
        tables = outputs.released(build_tables(frames, conversion), sdc)
        outputs.write_tables(tables, target)
        flow = outputs.released({"flow": participant_flow(frames["invitations"])}, sdc)["flow"]
        outputs.write_figure(figure1_flow(flow), target, "figure1_flow")
        doses = mme.patient_doses(frames["prescriptions"], mme.conversion_table(conversion))
        pairs = paired(doses, "dose_mme")
        test = stats.signrank(pairs["baseline"], pairs["follow_up"])
        outputs.write_figure(figure2_dose(doses, test.p, disclosure=is_on(sdc)), target, "figure2_dose")
        scores = score_questionnaires(frames["questionnaires"])
        outputs.write_figure(figure3_outcomes(scores, disclosure=is_on(sdc)), target, "figure3_outcomes_higher_better")
        outputs.write_figure(figure4_outcomes(scores, disclosure=is_on(sdc)), target, "figure4_outcomes_lower_better")
    common = dict(out=str(out_dir), data=str(data_dir), conversion=conversion, sdc=sdc)
    assert cli_audit.run(argparse.Namespace(**common)) == 0
    assert cli_report.run(argparse.Namespace(**common)) == 0
    return out_dir


def synthetic_dataset(seed: int, folder: Path) -> Path:
    """The synthetic dataset of ``seed`` written into ``folder``."""
    from painreview import synthetic

    synthetic.write_dataset(synthetic.synthesize(seed), folder)
    return folder
