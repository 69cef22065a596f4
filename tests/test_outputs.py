"""What a run writes: disclosure control applied to every table of the synthetic run."""

from __future__ import annotations

from pathlib import Path

import pytest

from painreview import outputs, sdc
from painreview.dataset import load_dataset
from painreview.flow import participant_flow
from painreview.pipeline import build_tables
from painreview.render import to_html, to_markdown

SYNTHETIC = Path(__file__).resolve().parent.parent / "data" / "synthetic"


@pytest.fixture(scope="module")
def run_tables():
    frames = load_dataset(SYNTHETIC)
    tables = build_tables(frames)
    tables["flow"] = participant_flow(frames["invitations"])
    return tables


def test_sdc_off_releases_the_tables_unchanged(run_tables):
    released = outputs.released(run_tables, "off")
    for name, frame in run_tables.items():
        assert released[name].equals(frame), name


def test_sdc_on_leaves_no_small_or_unrounded_count_anywhere_and_tables_still_render(run_tables, tmp_path):
    released = outputs.released(run_tables, "on")
    assert sdc.disclosure_problems(released) == []
    # the paper's 22/34 female becomes 20/35: rounded to 5, percentage from the rounded counts
    female = released["table1"].query("level == 'female'").iloc[0]
    assert (female["n"], female["N"]) == (20, 35)
    assert female["percent"] == 57.1  # 100·20/35 = 57.14…, released at one decimal
    for name in ("table1", "table2"):
        assert "[REDACTED]" in to_markdown(released[name], name)
        assert "<table" in to_html(released[name], name)
    written = outputs.write_tables({k: v for k, v in released.items() if k != "flow"}, tmp_path)
    assert {p.name for p in written} >= {"table1.csv", "results.csv", "thematic_tallies.csv"}


def test_an_unknown_sdc_option_is_refused(run_tables):
    with pytest.raises(ValueError):
        outputs.released(run_tables, "maybe")
