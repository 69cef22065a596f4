"""Figures 1–4 of the paper as pure builders: DataFrames in, a matplotlib ``Figure`` out.

The builders draw from the analysis frames (``flow.participant_flow``,
``mme.patient_doses``, ``scoring.score_questionnaires``); every number and label on a
figure comes from those frames or from the reference data (``vocabularies.csv``,
``measures.csv``). Box plots are drawn with ``Axes.bxp`` from statistics computed here:
box = Stata p25–p75 and line = Stata median (``stats.stata_percentiles``, the paper's
analysis used Stata 15.1), whiskers to the minimum and maximum (no outliers are
singled out: every observation is also drawn as a point). Figures are created without
pyplot, so nothing is registered globally and nothing needs closing; saving is
``painreview.savefig``'s job.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from painreview import figstyle, reference

TIMEPOINTS = ("baseline", "follow_up")
"""Timepoint keys in display order (vocabulary ``timepoint``)."""

FLOW_MAIN = ("invited", "contact_successful", "attended_info_session", "enrolled")
"""Figure 1's main column, top to bottom; each step's drop-out goes to a side box."""
FLOW_SIDE = ("contact_unsuccessful", "did_not_attend_info_session", "did_not_enrol")
"""Figure 1's side boxes, one between each pair of main boxes."""

QUARTILES = (25, 50, 75)


# ---------------------------------------------------------------------------------
# Reference data and small formatting rules


def measures() -> pd.DataFrame:
    """``measures.csv``: measure → figure, panel, label, unit, axis range, direction."""
    df = reference.read_reference("measures.csv")
    for col in ("figure", "panel"):
        df[col] = df[col].astype(int)
    for col in ("axis_min", "axis_max", "tick_step"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan))
    return df


def _measure(name: str) -> pd.Series:
    table = measures()
    return table.loc[table["measure"] == name].iloc[0]


def format_number(x: float) -> str:
    """A summary number as printed on the figures: whole numbers without decimals,
    otherwise one decimal place (the paper prints its medians and IQRs as integers)."""
    r = round(float(x), 1)
    return f"{r:.0f}" if r == int(r) else f"{r:.1f}"


def format_p(p: float) -> str:
    """``P < 0.001`` below 0.001, else ``P = 0.xxx`` (three decimals), the paper's style."""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a P value must lie in [0, 1], got {p!r}")
    return "P < 0.001" if p < 0.001 else f"P = {p:.3f}"


def _signrank_title(p_value: float, n_paired: int, n_shown, disclosure: bool = False) -> str:
    """Figure 2's title: the signed-rank P (as disclosure control releases it when on), or
    in words why there is none (no service user with both doses, or no paired dose that
    changed: the test is then undefined)."""
    if p_value is not None and not math.isnan(float(p_value)):
        shown = _released_p(p_value, n_paired) if disclosure else format_p(p_value)
        return f"Wilcoxon signed-rank test (n = {n_shown} paired): {shown}"
    if n_paired == 0:
        return "Wilcoxon signed-rank test not computed:\nno service user has a dose at both timepoints"
    return f"Wilcoxon signed-rank test (n = {n_shown} paired)\nnot computed: no paired dose changed"


def mark_synthetic(fig: Figure) -> Figure:
    """Label ``fig`` as drawn from the package's synthetic data (``painreview.provenance``):
    a small grey note below a laid-out figure (after its own note, if any), or in a strip
    added above one placed by hand (Figure 1); nothing else overlaps it."""
    from painreview.provenance import FIGURE_NOTE

    size = figstyle.FONT_PT * 0.75
    if fig.get_layout_engine() is not None:
        own = getattr(fig, "_supxlabel", None)  # the figure's own note (Figure 2)
        if own is not None and own.get_text():
            lines = wrap(FIGURE_NOTE, fig.get_figwidth() * 25.4 - 4, own.get_fontsize())
            fig.supxlabel("\n".join([own.get_text(), *lines]), x=own.get_position()[0], ha=own.get_ha(),
                          fontsize=own.get_fontsize(), multialignment="left")
        else:
            fig.supxlabel(FIGURE_NOTE, x=0.01, ha="left", fontsize=size, color="0.35")
        fig._supxlabel.set_gid("synthetic-data-note")
        return fig
    lines = wrap(FIGURE_NOTE, fig.get_figwidth() * 25.4 * 0.98 - 2, size)  # never clipped at the edge
    strip = (1.2 * len(lines) + 1.0) * size / 72  # inches
    height = fig.get_figheight()
    fig.set_figheight(height + strip)
    keep = height / (height + strip)
    for ax in fig.axes:
        box = ax.get_position()
        ax.set_position([box.x0, box.y0 * keep, box.width, box.height * keep])
    fig.text(0.01, 1 - 0.25 * strip / (height + strip), "\n".join(lines), ha="left", va="top", fontsize=size,
             color="0.35", gid="synthetic-data-note")
    return fig


def spread(values: Iterable[float], step: float = 0.05, half_width: float = 0.25) -> np.ndarray:
    """Horizontal offsets fanning out equal values side by side (a deterministic strip
    plot: no random jitter, so the same data always give the same picture).

    Values equal to 6 decimals share a row; the k-th of m gets offset (k − (m−1)/2)·dx,
    with dx = step, narrowed so that the row stays within ±half_width.
    """
    v = np.round(np.asarray(list(values), dtype=float), 6)
    offsets = np.zeros(v.size)
    for value in np.unique(v):
        idx = np.flatnonzero(v == value)
        m = idx.size
        if m > 1:
            dx = min(step, 2 * half_width / (m - 1))
            offsets[idx] = (np.arange(m) - (m - 1) / 2) * dx
    return offsets


def _percentiles(values: np.ndarray) -> tuple[float, float, float]:
    """Stata ``summarize, detail`` p25, p50, p75 of the values (``stats.stata_percentiles``)."""
    from painreview.stats import stata_percentiles  # lazy: stats.py owns the Stata definition

    q1, med, q3 = stata_percentiles(values, ps=QUARTILES)
    return float(q1), float(med), float(q3)


def box_stats(values: Iterable[float]) -> dict[str, Any] | None:
    """``Axes.bxp`` statistics of the non-missing values: box = Stata p25–p75, line =
    Stata median, whiskers to the minimum and maximum, no fliers; ``None`` when empty."""
    v = np.asarray(list(values), dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return None
    q1, med, q3 = _percentiles(v)
    return {
        "med": med,
        "q1": q1,
        "q3": q3,
        "whislo": float(v.min()),
        "whishi": float(v.max()),
        "fliers": np.array([]),
        "n": int(v.size),
    }


def _released_box(stats: dict[str, Any] | None) -> dict[str, Any] | None:
    """The box as disclosure control lets it out: none for a group of 7 or fewer, median and
    quartiles rounded as the tables release them, and whiskers only to the quartiles
    (minimum and maximum are single people's values)."""
    from painreview import sdc

    if stats is None or stats["n"] <= sdc.SMALL:
        return None
    # median and quartiles at their released precision (whole units, sdc_precision.csv): a
    # half-integer Stata percentile would give away whether n is even
    med, q1, q3 = (sdc.release(stats[k], sdc._rule("outcomes", f)) for k, f in
                   (("med", "median"), ("q1", "p25"), ("q3", "p75")))
    return {**stats, "med": med, "q1": q1, "q3": q3, "whislo": q1, "whishi": q3}


def _count(n: int, disclosure: bool) -> int | str:
    """``n`` as printed: itself, or under disclosure control redacted or rounded to 5."""
    from painreview import sdc

    return sdc.protect_count(n) if disclosure else n


def _by_value(wide: pd.DataFrame, tp: str) -> pd.DataFrame:
    """The doses at ``tp`` (patient_id, dose_mme) in the order points are drawn: by dose,
    ties by the service user's dose at the other timepoint (none last). So the drawing
    depends on the doses only, never on patient-id order (issue #10): ids relabelled give
    the same bytes."""
    other = [t for t in TIMEPOINTS if t != tp]
    frame = wide.loc[wide[tp].notna(), [tp, *other]]
    frame = frame.sort_values([tp, *other], kind="stable", na_position="last")
    return pd.DataFrame({"patient_id": frame.index.to_numpy(), "dose_mme": frame[tp].to_numpy(dtype=float)})


def _released_p(p_value: float, n: int) -> str:
    """A P value as disclosure control releases it (``sdc.p_text``; withheld for a test of
    7 or fewer pairs), in the figure's style."""
    from painreview import sdc

    released = sdc.REDACTED if n <= sdc.SMALL else sdc.p_text(p_value)
    if sdc.is_redacted(released):
        return f"P {released}"
    return f"P {released[0]} {released[1:]}" if isinstance(released, str) else f"P = {released:.2f}"


DISCLOSURE_NOTE = ("Disclosure control: counts of 1 to 7 redacted, others rounded to the nearest 5; "
                   "individual values, minima, maxima and the boxes of groups of 7 or fewer withheld.")


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _draw_box(ax, stats: dict[str, Any], position: float, width: float, colour: str, gid: str) -> None:
    """One box (bxp) with artists tagged ``<gid>-box``, ``-median``, ``-whisker``."""
    artists = ax.bxp(
        [stats],
        positions=[position],
        widths=width,
        patch_artist=True,
        showfliers=False,
        manage_ticks=False,
        boxprops={"facecolor": colour, "edgecolor": figstyle.OKABE_ITO["black"], "linewidth": 0.6},
        medianprops={"color": figstyle.OKABE_ITO["black"], "linewidth": 1.4},
        whiskerprops={"linewidth": 0.6},
        capprops={"linewidth": 0.6},
        zorder=1,
    )
    box = artists["boxes"][0]
    box.set_facecolor((*_rgb(colour), figstyle.BOX_FILL_ALPHA))
    box.set_gid(f"{gid}-box")
    artists["medians"][0].set_gid(f"{gid}-median")
    for whisker in artists["whiskers"]:
        whisker.set_gid(f"{gid}-whisker")


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def _median_iqr(stats: dict[str, Any] | None, unit: str = "", withheld: bool = False) -> str:
    """``Median 90 mg\\n(IQR 60 to 240)``, or ``No data``, or ``[REDACTED]`` when
    disclosure control withheld the statistics of a small group."""
    if stats is None:
        return "Median [REDACTED]" if withheld else "No data"
    suffix = f" {unit}" if unit else ""
    return (
        f"Median {format_number(stats['med'])}{suffix}\n"
        f"(IQR {format_number(stats['q1'])} to {format_number(stats['q3'])})"
    )


def text_width_mm(text: str, pt: float = figstyle.FONT_PT) -> float:
    """Advance width of one line of text in the house font, in millimetres (from the
    font's metrics, so it needs no renderer)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    if not text:
        return 0.0
    prop = FontProperties(family=figstyle.FONT_FAMILY, size=pt)
    width_pt = text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]
    return float(width_pt) * figstyle.MM_PER_INCH / 72


def wrap(text: str, width_mm: float, pt: float = figstyle.FONT_PT) -> list[str]:
    """Greedy word wrap to ``width_mm`` (measured widths); "(n = 17)" never splits."""
    tokens = re.findall(r"\(n = [^)]*\)\S*|\S+", text)
    lines: list[str] = []
    for token in tokens:
        candidate = f"{lines[-1]} {token}" if lines else token
        if lines and text_width_mm(candidate, pt) <= width_mm:
            lines[-1] = candidate
        else:
            lines.append(token)
    return lines or [""]


# ---------------------------------------------------------------------------------
# Figure 1: participant flow


def figure1_flow(flow: pd.DataFrame, width_mm: float = figstyle.SINGLE_COLUMN_MM) -> Figure:
    """CONSORT-style participant flow (paper Figure 1) from ``participant_flow`` output.

    Main column: invited → contact successful → attended information session →
    enrolled, each box "label / n = N"; side boxes: contact unsuccessful, did not attend
    the information session, did not enrol with its reasons (vocabulary
    ``non_enrolment_reason``, in vocabulary order, reasons with n = 0 left out). Every
    number and main label comes from the frame.
    """
    _require(flow, ("key", "label", "n"), "flow")
    reasons = reference.vocabulary("non_enrolment_reason")
    reason_labels = reference.labels("non_enrolment_reason")
    needed = [*FLOW_MAIN, *FLOW_SIDE, *(f"non_enrolment_{r}" for r in reasons)]
    missing = [k for k in needed if k not in set(flow["key"])]
    if missing:
        raise ValueError(f"flow lacks key(s) {', '.join(missing)}")
    if flow["key"].duplicated().any():
        raise ValueError("flow has duplicated keys")
    # A count redacted by disclosure control arrives as text and is printed as it is.
    n = {k: v if isinstance(v, str) else int(v) for k, v in zip(flow["key"], flow["n"])}
    label = dict(zip(flow["key"], flow["label"]))

    pt = figstyle.FONT_PT
    line_mm = pt * 1.25 * figstyle.MM_PER_INCH / 72  # one text line at linespacing 1.25
    pad = 1.5  # mm inside a box
    margin = 1.0  # mm around the drawing
    gap_min = 7.0  # mm between main boxes
    arrow_w = 6.0  # mm between the columns, for the side arrows
    side_w = (width_mm - 2 * margin - arrow_w) * 0.58  # the reasons need the wider column
    main_w = width_mm - 2 * margin - arrow_w - side_w
    main_x0 = margin
    centre_x = main_x0 + main_w / 2
    side_x0 = width_mm - margin - side_w

    main_lines = [[*wrap(label[k], main_w - 2 * pad - 0.5), f"n = {n[k]}"] for k in FLOW_MAIN]
    side_lines = [wrap(f"{label[k]} (n = {n[k]})", side_w - 2 * pad - 0.5) for k in FLOW_SIDE[:2]]
    enrol_lines = wrap(f"{label['did_not_enrol']} (n = {n['did_not_enrol']}):", side_w - 2 * pad - 0.5)
    for r in reasons:
        k = n[f"non_enrolment_{r}"]
        if isinstance(k, str) or k > 0:
            enrol_lines += wrap(f"{reason_labels[r]} (n = {k})", side_w - 2 * pad - 0.5)
    side_lines.append(enrol_lines)

    def height(lines: list[str]) -> float:
        # k lines at linespacing 1.25 span (k − 1) line pitches plus one glyph height
        return (len(lines) - 1) * line_mm + 1.1 * pt * figstyle.MM_PER_INCH / 72 + 2 * pad

    # Lay out top to bottom (y grows downwards): main box, gap holding a side box, ...
    y = margin
    main_boxes, side_boxes = [], []
    for i, lines in enumerate(main_lines):
        main_boxes.append((y, height(lines)))
        y += height(lines)
        if i < len(side_lines):
            side_h = height(side_lines[i])
            gap = max(gap_min, side_h + 4.0)
            side_boxes.append((y + (gap - side_h) / 2, side_h))
            y += gap
    total_h = y + margin

    with figstyle.style():
        fig = Figure(figsize=figstyle.figsize(width_mm, total_h))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width_mm)
        ax.set_ylim(total_h, 0)
        ax.set_axis_off()
        arrow = {"arrowstyle": "-|>", "color": figstyle.FLOW_BOX_EDGE, "lw": 0.6, "shrinkA": 0, "shrinkB": 0,
                 "mutation_scale": 6}

        def box(x0: float, top: float, w: float, h: float, lines: list[str], centred: bool, gid: str) -> None:
            ax.add_patch(Rectangle((x0, top), w, h, facecolor="white", edgecolor=figstyle.FLOW_BOX_EDGE,
                                   linewidth=0.6, gid=f"{gid}-box"))
            x = x0 + w / 2 if centred else x0 + pad
            ax.text(x, top + h / 2, "\n".join(lines), ha="center" if centred else "left", va="center",
                    linespacing=1.25, fontsize=pt, gid=gid)

        for key, lines, (top, h) in zip(FLOW_MAIN, main_lines, main_boxes):
            box(main_x0, top, main_w, h, lines, True, key)
        for key, lines, (top, h) in zip(FLOW_SIDE, side_lines, side_boxes):
            box(side_x0, top, side_w, h, lines, key != "did_not_enrol", key)
        for (top, h), (next_top, _) in zip(main_boxes, main_boxes[1:]):
            ax.annotate("", xy=(centre_x, next_top), xytext=(centre_x, top + h), arrowprops=arrow)
        for top, h in side_boxes:
            ax.annotate("", xy=(side_x0, top + h / 2), xytext=(centre_x, top + h / 2), arrowprops=arrow)
    return fig


# ---------------------------------------------------------------------------------
# Figure 2: opioid dose


def figure2_dose(doses: pd.DataFrame, p_value: float, width_mm: float = figstyle.SINGLE_COLUMN_MM,
                 disclosure: bool = False) -> Figure:
    """Each service user's dose at baseline and follow-up (paper Figure 2).

    ``doses`` is ``patient_doses`` output (patient_id, timepoint, dose_mme). Boxes
    (outside) summarise everyone with a dose at the timepoint; points are service users;
    a line joins the two doses of each service user with both, coloured by the change.
    ``p_value`` is the signed-rank P of the paired doses (``stats.signrank``). With
    ``disclosure`` (the run's SDC option) only released boxes and protected counts are drawn.
    """
    _require(doses, ("patient_id", "timepoint", "dose_mme"), "doses")
    spec = _measure("dose_mme")
    tp_label = reference.labels("timepoint")
    d = doses.loc[doses["dose_mme"].notna(), ["patient_id", "timepoint", "dose_mme"]]
    if d.duplicated(["patient_id", "timepoint"]).any():
        raise ValueError("doses has more than one row per patient_id and timepoint")
    wide = d.pivot(index="patient_id", columns="timepoint", values="dose_mme").reindex(columns=list(TIMEPOINTS))
    per_tp = {tp: _by_value(wide, tp) for tp in TIMEPOINTS}
    stats = {tp: box_stats(per_tp[tp]["dose_mme"]) for tp in TIMEPOINTS}
    if disclosure:
        stats = {tp: _released_box(st) for tp, st in stats.items()}
    x_points = {"baseline": 1.0, "follow_up": 2.0}
    x_boxes = {"baseline": 0.55, "follow_up": 2.45}
    offsets = {
        tp: dict(zip(per_tp[tp]["patient_id"], spread(per_tp[tp]["dose_mme"], step=0.03, half_width=0.18)))
        for tp in TIMEPOINTS
    }
    paired = wide.dropna().sort_values(list(TIMEPOINTS), kind="stable")  # by value, never by patient id
    change = np.where(
        paired["follow_up"] < paired["baseline"], "reduced",
        np.where(paired["follow_up"] > paired["baseline"], "increased", "unchanged"),
    )
    ymax = float(d["dose_mme"].max()) if len(d) else 1.0
    if disclosure:  # the axis must not give away the maximum
        ymax = max([st["q3"] * 1.25 for st in stats.values() if st is not None] or [1.0])
    ymin = float(spec["axis_min"])

    with figstyle.style():
        fig = Figure(figsize=figstyle.figsize(width_mm, 100.0), layout="constrained")
        ax = fig.add_subplot()
        for kind in () if disclosure else ("unchanged", "reduced", "increased"):  # reductions over flat lines
            for pid, row in paired.loc[change == kind].iterrows():
                ax.plot(
                    [x_points["baseline"] + offsets["baseline"][pid], x_points["follow_up"] + offsets["follow_up"][pid]],
                    [row["baseline"], row["follow_up"]],
                    color=figstyle.CHANGE_COLOURS[kind], linewidth=0.7, alpha=0.8, zorder=2, gid=f"pair-{kind}",
                )
        for tp in TIMEPOINTS:
            pts = per_tp[tp]
            if not disclosure:
                ax.scatter(
                    x_points[tp] + pts["patient_id"].map(offsets[tp]).to_numpy(dtype=float), pts["dose_mme"],
                    s=figstyle.POINT_SIZE, color=figstyle.TIMEPOINT_COLOURS[tp], edgecolors="white",
                    linewidths=0.3, zorder=3, gid=f"dose_mme-{tp}-points",
                )
            if stats[tp] is not None:
                _draw_box(ax, stats[tp], x_boxes[tp], 0.3, figstyle.TIMEPOINT_COLOURS[tp], f"dose_mme-{tp}")
        ax.set_xlim(0.25, 2.75)
        ax.set_ylim(ymin - 0.03 * (ymax - ymin), ymax * 1.03)
        ax.set_xticks(
            [x_points[tp] for tp in TIMEPOINTS],
            [f"{tp_label[tp]} (n = {_count(len(per_tp[tp]), disclosure)})\n"
             f"{_median_iqr(stats[tp], spec['short_unit'], withheld=disclosure and len(per_tp[tp]) > 0)}"
             for tp in TIMEPOINTS],
        )
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel(f"{spec['label']},\n{spec['unit']}")
        fig.suptitle(_signrank_title(p_value, len(paired), _count(len(paired), disclosure), disclosure),
                     fontsize=figstyle.FONT_PT)
        handles = [  # the legend names only the lines drawn: none under disclosure control
            Line2D([], [], color=figstyle.CHANGE_COLOURS[k], linewidth=1.2,
                   label=f"{k.capitalize()} (n = {_count(int((change == k).sum()), disclosure)})")
            for k in ("reduced", "unchanged", "increased") if (change == k).any() and not disclosure
        ]
        if handles:
            ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(handles),
                      handlelength=1.5, columnspacing=1.0, borderaxespad=0.2)
        note = ("Boxes: median and interquartile range (IQR, Stata percentiles); whiskers: minimum to "
                "maximum. Points: service users; lines join each service user's two doses.")
        unpaired = len(wide) - len(paired)
        if disclosure:
            note = ("Boxes: median and interquartile range (IQR, Stata percentiles). " + DISCLOSURE_NOTE)
        elif unpaired:
            note += f" {unpaired} with a dose at one timepoint only: point without line."
        fig.supxlabel("\n".join(wrap(note, width_mm - 4)), fontsize=figstyle.FONT_PT, x=0.02, ha="left")
    return fig


# ---------------------------------------------------------------------------------
# Figures 3 and 4: questionnaire outcomes


def figure3_outcomes(scores: pd.DataFrame, disclosure: bool = False) -> Figure:
    """Outcomes where higher is better (paper Figure 3): BPI % relief, WEMWBS, TOP
    psychological health, physical health and quality of life (``measures.csv``)."""
    return outcome_figure(scores, 3, disclosure=disclosure)


def figure4_outcomes(scores: pd.DataFrame, disclosure: bool = False) -> Figure:
    """Outcomes where lower is better (paper Figure 4): COMM, BPI severity, BPI
    interference (``measures.csv``)."""
    return outcome_figure(scores, 4, disclosure=disclosure)


def outcome_figure(scores: pd.DataFrame, figure: int, width_mm: float = figstyle.DOUBLE_COLUMN_MM,
                   disclosure: bool = False) -> Figure:
    """One panel per measure of ``figure`` in ``measures.csv`` (panel order), from
    ``score_questionnaires`` output: baseline and follow-up boxes of the scored values,
    points for service users, y axis on the instrument's full range, n in each title."""
    _require(scores, ("patient_id", "timepoint", "measure", "value"), "scores")
    table = measures()
    panels = table.loc[table["figure"] == figure].sort_values("panel")
    if panels.empty:
        raise ValueError(f"measures.csv has no measures for figure {figure}")
    directions = panels["direction"].unique()
    if len(directions) != 1:
        raise ValueError(f"figure {figure} mixes directions {sorted(directions)}")
    abbreviations = dict(zip(panels["abbreviation"], panels["instrument"]))
    tp_label = reference.labels("timepoint")
    ncols = 3
    nrows = math.ceil(len(panels) / ncols)
    spare = nrows * ncols - len(panels)

    note = ("Boxes: median and interquartile range (IQR, Stata percentiles); whiskers: minimum to "
            "maximum; points: service users (scored questionnaires). Under each box: median (IQR). "
            + " ".join(f"{a} = {i}." for a, i in abbreviations.items()))
    if disclosure:
        note = ("Boxes: median and interquartile range (IQR, Stata percentiles). Under each box: median (IQR). "
                + DISCLOSURE_NOTE + " " + " ".join(f"{a} = {i}." for a, i in abbreviations.items()))

    with figstyle.style():
        fig = Figure(figsize=figstyle.figsize(width_mm, 8 + 62 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, (_, spec) in zip(axes, panels.iterrows()):
            _outcome_panel(ax, scores, spec, tp_label, disclosure)
        for ax in axes[len(panels):]:
            ax.set_axis_off()
        fig.suptitle(f"Outcomes at baseline and follow-up ({directions[0]} = better)", fontsize=figstyle.TITLE_PT)
        if spare:
            axes[-1].text(0.05, 0.5, "\n".join(wrap(note, width_mm / ncols - 14)), transform=axes[-1].transAxes,
                          ha="left", va="center", fontsize=figstyle.FONT_PT, linespacing=1.3, gid="note")
        else:
            fig.supxlabel("\n".join(wrap(note, width_mm - 6)), fontsize=figstyle.FONT_PT, x=0.01, ha="left")
    return fig


def _outcome_panel(ax, scores: pd.DataFrame, spec: pd.Series, tp_label: dict[str, str],
                   disclosure: bool = False) -> None:
    """One measure: boxes at x = 1 (baseline) and 2 (follow-up), points over them."""
    measure = spec["measure"]
    s = scores.loc[(scores["measure"] == measure) & scores["value"].notna()]
    s = s.sort_values(["timepoint", "value"], kind="stable")  # points by value, never in patient-id order
    lo, hi, step = float(spec["axis_min"]), float(spec["axis_max"]), float(spec["tick_step"])
    counts, ticks = {}, []
    for x, tp in enumerate(TIMEPOINTS, start=1):
        values = s.loc[s["timepoint"] == tp, "value"].to_numpy(dtype=float)
        counts[tp] = _count(values.size, disclosure)
        stats = box_stats(values)
        if disclosure:
            stats = _released_box(stats)
        colour = figstyle.TIMEPOINT_COLOURS[tp]
        if stats is not None:
            _draw_box(ax, stats, x, 0.55, colour, f"{measure}-{tp}")
        if stats is not None and not disclosure:
            ax.scatter(x + spread(values, step=0.045, half_width=0.22), values, s=figstyle.POINT_SIZE * 0.8,
                       color=colour, edgecolors="white", linewidths=0.3, alpha=0.9, zorder=3,
                       gid=f"{measure}-{tp}-points")
        ticks.append(f"{tp_label[tp]}\n{_median_iqr(stats, withheld=disclosure and values.size > 0)}")
    ax.set_xlim(0.4, 2.6)
    ax.set_xticks([1, 2], ticks)
    ax.tick_params(axis="x", length=0)
    pad = 0.04 * (hi - lo)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_yticks(np.arange(lo, hi + step / 2, step))
    ax.set_ylabel(spec["unit"])
    ax.set_title(
        f"{spec['label']}\n"
        + "; ".join(f"{tp_label[tp]} n = {counts[tp]}" for tp in TIMEPOINTS),
        fontsize=figstyle.FONT_PT,  # 7 pt: two titles side by side fit a 58 mm panel
    )
