"""Forest plot of the paired changes (``figures/estimates_forest``; exploratory, not in the
paper): a pure builder, the ``estimates.csv`` frame in, a matplotlib ``Figure`` out.

One panel per measure (``measures.csv`` order: the dose, then Figure 3's and Figure 4's
measures), each on its instrument's range of change: ±(axis_max − axis_min) of
``measures.csv`` (a score can fall or rise by at most its range); the dose, which has no
upper limit, on ± 1.1 × the largest |limit| drawn, rounded up to a multiple of 20 mg/day. Two
rows per panel: the Hodges–Lehmann estimate with its 95% CI (as R's ``wilcox.test``) and
the mean with its t 95% CI. A line marks no change; the better direction is written
under the axis. A panel whose estimates are withheld (``[REDACTED]``, disclosure
control) or missing says so and draws nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from painreview import figstyle
from painreview.figures import DISCLOSURE_NOTE, measures, wrap

ROWS = (("hl_estimate", "hl_ci_low", "hl_ci_high", "Hodges–Lehmann", "o", figstyle.OKABE_ITO["blue"]),
        ("mean_difference", "mean_ci_low", "mean_ci_high", "Mean (t)", "s", figstyle.OKABE_ITO["vermillion"]))
NOTE = ("Exploratory, not in the paper. Change = follow-up − baseline, service users with both. Circles: "
        "Hodges–Lehmann estimate with its 95% CI (R's wilcox.test: exact, or normal approximation with "
        "continuity correction; zero changes dropped); squares: mean change with its t 95% CI. Each panel "
        "spans its instrument's possible change (the dose, which has no maximum: its widest interval).")


def _float(value) -> float | None:
    """A finite number, or None for a withheld, missing or infinite cell."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def panel_range(spec: pd.Series, values: list[float]) -> tuple[float, float]:
    """The x range of a panel: ± the instrument's span, or for an open scale (no axis_max)
    ± 1.1 × the largest |value| rounded up to a multiple of 20 (20 when there is none), so
    that the five ticks fall on multiples of 10."""
    if pd.notna(spec["axis_max"]):
        span = float(spec["axis_max"]) - float(spec["axis_min"])
        return -span, span
    biggest = max([abs(v) for v in values] + [0.0])
    span = max(20.0, 20 * math.ceil(1.1 * biggest / 20))
    return -span, span


def estimates_forest(estimates: pd.DataFrame, width_mm: float = figstyle.DOUBLE_COLUMN_MM,
                     disclosure: bool = False) -> Figure:
    """The forest plot of ``estimates`` (``painreview.estimates.estimates``; protected by
    ``sdc.protect`` when ``disclosure``, which adds the disclosure note): one panel per
    measure of ``measures.csv`` that it has a row for."""
    note = NOTE + (" " + DISCLOSURE_NOTE if disclosure else "")
    table = measures()
    order = [m for m in table.sort_values(["figure", "panel"])["measure"] if m in set(estimates["measure"])]
    specs = table.set_index("measure")
    rows = estimates.set_index("measure")
    ncols = 3
    nrows = math.ceil(len(order) / ncols)
    with figstyle.style():
        fig = Figure(figsize=figstyle.figsize(width_mm, 14 + 34 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, measure in zip(axes, order):
            _panel(ax, specs.loc[measure], rows.loc[measure], measure)
        for ax in axes[len(order):]:
            ax.set_axis_off()
        fig.suptitle("Paired changes with 95% confidence intervals (exploratory, not in the paper)",
                     fontsize=figstyle.TITLE_PT)
        fig.supxlabel("\n".join(wrap(note, width_mm - 6)), fontsize=figstyle.FONT_PT, x=0.01, ha="left")
    return fig


def _panel(ax, spec: pd.Series, row: pd.Series, measure: str) -> None:
    values = [v for col in ("hl_ci_low", "hl_ci_high", "mean_ci_low", "mean_ci_high", "hl_estimate",
                            "mean_difference") if (v := _float(row.get(col))) is not None]
    lo, hi = panel_range(spec, values)
    drawn = False
    for y, (est_col, low_col, high_col, label, marker, colour) in zip((1, 0), ROWS):
        est, low, high = _float(row.get(est_col)), _float(row.get(low_col)), _float(row.get(high_col))
        if est is None:
            continue
        drawn = True
        if low is not None and high is not None:
            ax.hlines(y, low, high, color=colour, linewidth=1.4, zorder=2, gid=f"{measure}-{est_col}-ci")
        ax.plot([est], [y], marker=marker, color=colour, markersize=4, linestyle="none", zorder=3,
                gid=f"{measure}-{est_col}")
    if drawn:
        ax.axvline(0, color="#7F7F7F", linewidth=figstyle.LINE_WIDTH, zorder=1)
    else:
        ax.text(0.5, 0.5, "estimates withheld\n(group of 7 or fewer)" if str(row.get("hl_estimate")) == "[REDACTED]"
                else "no paired values", transform=ax.transAxes, ha="center", va="center",
                fontsize=figstyle.FONT_PT, color="#555555")
    ax.set_xlim(lo, hi)
    ax.set_xticks(np.linspace(lo, hi, 5))
    ax.set_ylim(-0.7, 1.7)
    ax.set_yticks([1, 0], [r[3] for r in ROWS])
    better = {"higher": "better →", "lower": "← better"}.get(str(spec.get("direction")), "")
    unit = spec["short_unit"] if isinstance(spec.get("short_unit"), str) and spec["short_unit"] else spec["unit"]
    ax.set_xlabel(f"change ({unit})" + (f"   {better}" if better else ""))
    ax.set_title(f"{spec['label']}\nn = {row.get('n_paired')}", fontsize=figstyle.FONT_PT)
