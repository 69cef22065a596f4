"""The forest plot of the paired changes (painreview.forest), from hand-made estimates."""

from __future__ import annotations

import pandas as pd

from painreview.estimates import COLUMNS
from painreview.figures import measures
from painreview.forest import estimates_forest, panel_range
from painreview.sdc import protect


def _estimates(n_paired=20):
    rows = []
    for measure in ("dose_mme", "comm_total", "wemwbs_total"):
        rows.append({"measure": measure, "n_paired": n_paired, "n_nonzero": n_paired, "median_difference": -2.0,
                     "hl_estimate": -3.0, "hl_ci_low": -44.0, "hl_ci_high": -1.0, "hl_conf_level": 0.95,
                     "hl_method": "normal_cc", "mean_difference": -2.5, "mean_ci_low": -4.0, "mean_ci_high": -1.0,
                     "sd_difference": 3.0, "standardised_effect": -0.8})
    return pd.DataFrame(rows, columns=COLUMNS)


def test_panel_ranges_are_the_instruments_possible_change():
    spec = measures().set_index("measure")
    assert panel_range(spec.loc["comm_total"], [-44.0]) == (-68.0, 68.0)  # COMM 0-68
    assert panel_range(spec.loc["wemwbs_total"], []) == (-56.0, 56.0)  # WEMWBS 14-70
    assert panel_range(spec.loc["dose_mme"], [-44.0, 3.0]) == (-60.0, 60.0)  # 1.1 × 44 = 48.4 → 60
    assert panel_range(spec.loc["dose_mme"], []) == (-20.0, 20.0)


def test_one_panel_per_measure_in_figure_order():
    fig = estimates_forest(_estimates())
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert [t.split("\n")[0] for t in titles] == ["Opioid dose", "Warwick–Edinburgh", "COMM"]
    comm = next(ax for ax in fig.axes if ax.get_title().startswith("COMM"))
    assert comm.get_xlim() == (-68.0, 68.0)
    assert {line.get_gid() for line in comm.get_lines()} >= {"comm_total-hl_estimate", "comm_total-mean_difference"}


def test_withheld_estimates_draw_nothing():
    fig = estimates_forest(protect({"estimates": _estimates(n_paired=6)})["estimates"], disclosure=True)
    panels = [ax for ax in fig.axes if ax.axison]
    assert all(not ax.get_lines() for ax in panels)
    assert all(any("withheld" in t.get_text() for t in ax.texts) for ax in panels)
    assert "n = [REDACTED]" in panels[0].get_title()


def test_same_estimates_give_the_same_bytes(tmp_path):
    from painreview.savefig import save_figure

    a = save_figure(estimates_forest(_estimates()), tmp_path / "a")
    b = save_figure(estimates_forest(_estimates()), tmp_path / "b")
    assert a[1].read_bytes() == b[1].read_bytes() and a[0].read_bytes() == b[0].read_bytes()
