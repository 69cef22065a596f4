"""Tests of painreview.figures: read the drawn figures back (titles, ticks, texts, box
artists) and compare with hand-worked answers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.text import Text

from painreview import figstyle, figures, reference

MM = 25.4


# ------------------------------------------------------------------ helpers


def texts(fig) -> list[str]:
    """Every non-empty visible string drawn on the figure."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def by_gid(fig, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def box_extent(fig, gid: str) -> tuple[float, float]:
    """(q1, q3) read back from a drawn box (its path's y extent)."""
    (box,) = by_gid(fig, f"{gid}-box")
    ys = box.get_path().vertices[:, 1]
    return float(ys.min()), float(ys.max())


def median_drawn(fig, gid: str) -> float:
    (line,) = by_gid(fig, f"{gid}-median")
    ys = set(np.asarray(line.get_ydata(), dtype=float))
    assert len(ys) == 1
    return ys.pop()


def whiskers_drawn(fig, gid: str) -> tuple[float, float]:
    ys = np.concatenate([np.asarray(w.get_ydata(), dtype=float) for w in by_gid(fig, f"{gid}-whisker")])
    return float(ys.min()), float(ys.max())


def assert_legible(fig, width_mm: float) -> None:
    """Printed at ``width_mm``, every text is at least 7 pt."""
    assert fig.get_figwidth() * MM == pytest.approx(width_mm)
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text() and t.get_fontsize() < figstyle.FONT_MIN_PT]
    assert small == []


def flow_frame(counts: dict[str, int]) -> pd.DataFrame:
    """A participant_flow-shaped frame; labels as flow_rows.csv / the vocabulary give them."""
    labels = {
        "invited": "Approached", "contact_successful": "Contact successful",
        "contact_unsuccessful": "Contact unsuccessful", "attended_info_session": "Attended information session",
        "did_not_attend_info_session": "Did not attend information session", "enrolled": "Enrolled",
        "did_not_enrol": "Did not wish to enrol",
    }
    reason_labels = reference.labels("non_enrolment_reason")
    rows = [(k, labels[k], counts[k]) for k in labels]
    rows += [(f"non_enrolment_{r}", reason_labels[r], counts[f"non_enrolment_{r}"])
             for r in reference.vocabulary("non_enrolment_reason")]
    return pd.DataFrame(rows, columns=["key", "label", "n"])


PAPER_FLOW = {  # paper Figure 1
    "invited": 59, "contact_successful": 42, "contact_unsuccessful": 17, "attended_info_session": 41,
    "did_not_attend_info_session": 1, "enrolled": 34, "did_not_enrol": 7,
    "non_enrolment_happy_with_dose": 3, "non_enrolment_reduce_with_gp": 1, "non_enrolment_not_for_me": 1,
    "non_enrolment_died": 1, "non_enrolment_no_reason_given": 1,
}


# ------------------------------------------------------------------ measures.csv


def test_measures_axis_ranges_are_the_instruments_ranges():
    # A sum score's range is the sum of its items' ranges (items.csv, from the raw data
    # contract): COMM 17 x 0-4 = 0-68; BPI severity 4 x 0-10 = 0-40; interference
    # 7 x 0-10 = 0-70; WEMWBS 14 x 1-5 = 14-70; single items: relief 0-100, TOP 0-20.
    m = figures.measures().set_index("measure")
    items = reference.items()
    expected = {"comm_total": (0, 68), "bpi_severity": (0, 40), "bpi_interference": (0, 70),
                "bpi_relief": (0, 100), "wemwbs_total": (14, 70), "top_psych": (0, 20),
                "top_physical": (0, 20), "top_qol": (0, 20)}
    for measure, (lo, hi) in expected.items():
        assert (m.loc[measure, "axis_min"], m.loc[measure, "axis_max"]) == (lo, hi)
        its = items.loc[items["score"] == measure]
        assert len(its) > 0 and (its["min"].sum(), its["max"].sum()) == (lo, hi)
        span = hi - lo
        assert span % m.loc[measure, "tick_step"] == 0  # ticks land on both ends
    assert m.loc["dose_mme", "unit"] == "mg/day oral morphine equivalent"
    assert (m["source"] != "").all()


def test_measures_assign_the_papers_panels():
    m = figures.measures()
    fig3 = m.loc[m["figure"] == 3].sort_values("panel")
    fig4 = m.loc[m["figure"] == 4].sort_values("panel")
    assert fig3["measure"].tolist() == ["bpi_relief", "wemwbs_total", "top_psych", "top_physical", "top_qol"]
    assert set(fig3["direction"]) == {"higher"}
    assert fig4["measure"].tolist() == ["comm_total", "bpi_severity", "bpi_interference"]
    assert set(fig4["direction"]) == {"lower"}


# ------------------------------------------------------------------ small rules


def test_format_p_examples():
    assert figures.format_p(0.0004) == "P < 0.001"
    assert figures.format_p(0.001) == "P = 0.001"
    assert figures.format_p(0.25) == "P = 0.250"
    with pytest.raises(ValueError):
        figures.format_p(1.5)


@given(st.floats(min_value=0, max_value=1))
def test_format_p_property(p):
    text = figures.format_p(p)
    if p < 0.001:
        assert text == "P < 0.001"
    else:
        assert text.startswith("P = ")
        assert abs(float(text[4:]) - p) <= 0.0005 + 1e-12


def test_format_number():
    assert figures.format_number(90.0) == "90"
    assert figures.format_number(17.5) == "17.5"
    assert figures.format_number(72.04) == "72"


@given(st.lists(st.integers(0, 6), max_size=40))
def test_spread_fans_ties_and_leaves_singletons(values):
    off = figures.spread(values, step=0.05, half_width=0.2)
    assert off.shape == (len(values),)
    assert np.all(np.abs(off) <= 0.2 + 1e-12)
    for v in set(values):
        group = off[np.array(values) == v]
        assert abs(group.sum()) < 1e-9  # centred on the position
        assert len(set(np.round(group, 12))) == len(group)  # side by side, no overplotting


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["Happy", "with", "dose", "(n = 17)", "information", "session", "Did"]),
                min_size=1, max_size=12))
def test_wrap_keeps_words_and_width(words):
    text = " ".join(words)
    lines = figures.wrap(text, 25.0)
    assert " ".join(lines).split(" ") == text.split(" ")  # nothing lost, order kept
    for line in lines:
        assert "(n" not in line or "(n = 17)" in line  # "(n = 17)" never split
        if " " in line and line != "(n = 17)":
            assert figures.text_width_mm(line) <= 25.0


def test_box_stats_hand_worked():
    # Stata percentiles, n = 5 (10 20 30 40 50): n·p/100 = 1.25, 2.5, 3.75, not integers,
    # so x(2), x(3), x(4) = 20, 30, 40.
    s = figures.box_stats([50, 10, np.nan, 40, 20, 30])
    assert (s["q1"], s["med"], s["q3"], s["whislo"], s["whishi"], s["n"]) == (20, 30, 40, 10, 50, 5)
    # n = 4 (0 15 20 60): n·p/100 = 1, 2, 3 are integers, so means of neighbours:
    # (0+15)/2 = 7.5, (15+20)/2 = 17.5, (20+60)/2 = 40.
    s = figures.box_stats([20, 0, 60, 15])
    assert (s["q1"], s["med"], s["q3"]) == (7.5, 17.5, 40)
    assert figures.box_stats([np.nan]) is None


@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=30))
def test_box_stats_order(values):
    s = figures.box_stats(values)
    assert s["whislo"] == min(values) and s["whishi"] == max(values)
    assert s["whislo"] <= s["q1"] <= s["med"] <= s["q3"] <= s["whishi"]


# ------------------------------------------------------------------ Figure 1


def test_figure1_draws_the_papers_flow():
    fig = figures.figure1_flow(flow_frame(PAPER_FLOW))
    assert_legible(fig, figstyle.SINGLE_COLUMN_MM)
    text = {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}
    assert text["invited"] == "Approached\nn = 59"
    assert text["contact_successful"] == "Contact successful\nn = 42"
    assert text["attended_info_session"].replace("\n", " ") == "Attended information session n = 41"
    assert text["enrolled"] == "Enrolled\nn = 34"
    assert text["contact_unsuccessful"].replace("\n", " ") == "Contact unsuccessful (n = 17)"
    assert text["did_not_attend_info_session"].replace("\n", " ") == "Did not attend information session (n = 1)"
    assert text["did_not_enrol"].split("\n") == [
        "Did not wish to enrol (n = 7):", "Happy with dose (n = 3)", "Happy to reduce with GP (n = 1)",
        "Not for me (n = 1)", "Client died (n = 1)", "No reason given (n = 1)",
    ]
    assert len(fig.axes[0].patches) == 7  # seven boxes
    assert len([c for c in fig.axes[0].get_children() if type(c).__name__ == "Annotation"]) == 6  # 3 down, 3 side


def test_figure1_numbers_come_from_the_frame_and_zero_reasons_are_left_out():
    counts = dict(PAPER_FLOW, invited=60, contact_unsuccessful=18, non_enrolment_not_for_me=0,
                  non_enrolment_died=0, non_enrolment_happy_with_dose=5, did_not_enrol=7)
    fig = figures.figure1_flow(flow_frame(counts))
    text = {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}
    assert text["invited"] == "Approached\nn = 60"
    assert text["contact_unsuccessful"].replace("\n", " ") == "Contact unsuccessful (n = 18)"
    assert "Happy with dose (n = 5)" in text["did_not_enrol"]
    assert "Not for me" not in text["did_not_enrol"] and "Client died" not in text["did_not_enrol"]


def test_figure1_refuses_an_incomplete_flow():
    frame = flow_frame(PAPER_FLOW)
    with pytest.raises(ValueError, match="enrolled"):
        figures.figure1_flow(frame.loc[frame["key"] != "enrolled"])


# ------------------------------------------------------------------ Figure 2

# Five service users. Baseline 10 20 30 40 50 (n = 5): Stata p25, p50, p75 = 20, 30, 40
# (see test_box_stats_hand_worked). Follow-up, E missing: A 10→0 (reduced), B 20→20
# (unchanged), C 30→15 (reduced), D 40→60 (increased); sorted 0 15 20 60 (n = 4):
# p25 = (0+15)/2 = 7.5, p50 = (15+20)/2 = 17.5, p75 = (20+60)/2 = 40.
DOSES = pd.DataFrame({
    "patient_id": ["A", "A", "B", "B", "C", "C", "D", "D", "E"],
    "timepoint": ["baseline", "follow_up"] * 4 + ["baseline"],
    "dose_mme": [10.0, 0.0, 20.0, 20.0, 30.0, 15.0, 40.0, 60.0, 50.0],
})


def test_figure2_boxes_are_stata_percentiles_with_min_max_whiskers():
    fig = figures.figure2_dose(DOSES, p_value=0.25)
    assert box_extent(fig, "dose_mme-baseline") == (20, 40)
    assert median_drawn(fig, "dose_mme-baseline") == 30
    assert whiskers_drawn(fig, "dose_mme-baseline") == (10, 50)
    assert box_extent(fig, "dose_mme-follow_up") == (7.5, 40)
    assert median_drawn(fig, "dose_mme-follow_up") == 17.5
    assert whiskers_drawn(fig, "dose_mme-follow_up") == (0, 60)


def test_figure2_states_n_medians_p_and_units():
    fig = figures.figure2_dose(DOSES, p_value=0.25)
    assert_legible(fig, figstyle.SINGLE_COLUMN_MM)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["Baseline (n = 5)\nMedian 30 mg\n(IQR 20 to 40)",
                     "Follow-up (n = 4)\nMedian 17.5 mg\n(IQR 7.5 to 40)"]
    assert ax.get_ylabel().replace("\n", " ") == "Opioid dose, mg/day oral morphine equivalent"
    assert fig.get_suptitle() == "Wilcoxon signed-rank test (n = 4 paired): P = 0.250"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Reduced (n = 2)", "Unchanged (n = 1)", "Increased (n = 1)"]
    note = fig.get_supxlabel().replace("\n", " ")
    assert "whiskers: minimum to maximum" in note and "1 with a dose at one timepoint only" in note
    # one line per service user with both timepoints, coloured by the change
    assert len(by_gid(fig, "pair-reduced")) == 2
    assert len(by_gid(fig, "pair-unchanged")) == 1 and len(by_gid(fig, "pair-increased")) == 1
    assert figures.figure2_dose(DOSES, p_value=0.0004).get_suptitle().endswith("P < 0.001")


def test_figure2_refuses_duplicate_rows():
    with pytest.raises(ValueError, match="more than one row"):
        figures.figure2_dose(pd.concat([DOSES, DOSES.iloc[:1]]), p_value=0.5)


# ------------------------------------------------------------------ Figures 3 and 4

# COMM: baseline 3 9 12 20 (n = 4, integer positions 1 2 3): p25 = (3+9)/2 = 6,
# p50 = (9+12)/2 = 10.5, p75 = (12+20)/2 = 16; a fifth baseline row is unscored (NaN)
# and does not count. Follow-up 2 5 7 (n = 3, positions 0.75 1.5 2.25): x(1), x(2),
# x(3) = 2, 5, 7. BPI severity: baseline only, 10 (n = 1); follow-up not collected.
SCORES = pd.DataFrame({
    "patient_id": ["A", "B", "C", "D", "E", "A", "B", "C", "A"],
    "timepoint": ["baseline"] * 5 + ["follow_up"] * 3 + ["baseline"],
    "measure": ["comm_total"] * 8 + ["bpi_severity"],
    "value": [12.0, 3.0, 20.0, 9.0, np.nan, 7.0, 2.0, 5.0, 10.0],
    "items_answered": [17, 17, 17, 17, 16, 17, 17, 17, 4],
})


def test_figure4_panels_titles_axes_and_boxes():
    fig = figures.figure4_outcomes(SCORES)
    assert_legible(fig, figstyle.DOUBLE_COLUMN_MM)
    axes = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["COMM", "BPI severity", "BPI interference"]
    assert [ax.get_title().split("\n")[1] for ax in axes] == [
        "Baseline n = 4; Follow-up n = 3", "Baseline n = 1; Follow-up n = 0", "Baseline n = 0; Follow-up n = 0"]
    for ax, (lo, hi) in zip(axes, [(0, 68), (0, 40), (0, 70)]):
        ticks = ax.get_yticks()
        assert (ticks[0], ticks[-1]) == (lo, hi)
        assert ax.get_ylim()[0] <= lo and ax.get_ylim()[1] >= hi
    assert box_extent(fig, "comm_total-baseline") == (6, 16)
    assert median_drawn(fig, "comm_total-baseline") == 10.5
    assert box_extent(fig, "comm_total-follow_up") == (2, 7)
    assert median_drawn(fig, "comm_total-follow_up") == 5
    assert whiskers_drawn(fig, "comm_total-follow_up") == (2, 7)
    comm_ticks = [t.get_text() for t in axes[0].get_xticklabels()]
    assert comm_ticks == ["Baseline\nMedian 10.5\n(IQR 6 to 16)", "Follow-up\nMedian 5\n(IQR 2 to 7)"]
    assert [t.get_text() for t in axes[1].get_xticklabels()][1] == "Follow-up\nNo data"
    assert by_gid(fig, "bpi_severity-follow_up-box") == []
    assert "(lower = better)" in fig.get_suptitle()
    assert "COMM = Current Opioid Misuse Measure." in fig.get_supxlabel().replace("\n", " ")


def test_figure3_panels_and_shared_note():
    scores = SCORES.assign(measure=SCORES["measure"].replace({"comm_total": "wemwbs_total"}),
                           value=SCORES["value"] + 14)
    fig = figures.figure3_outcomes(scores)
    assert_legible(fig, figstyle.DOUBLE_COLUMN_MM)
    axes = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().split("\n")[0] for ax in axes] == [
        "BPI % pain relief", "Warwick–Edinburgh", "TOP psychological health", "TOP physical health",
        "TOP quality of life"]
    expected = [(0, 100), (14, 70), (0, 20), (0, 20), (0, 20)]
    assert [(ax.get_yticks()[0], ax.get_yticks()[-1]) for ax in axes] == expected
    assert axes[0].get_ylabel() == "% relief"
    # 14 added to every value shifts every percentile by 14: 6+14, 16+14; 10.5+14
    assert box_extent(fig, "wemwbs_total-baseline") == (20, 30)
    assert median_drawn(fig, "wemwbs_total-baseline") == 24.5
    assert "(higher = better)" in fig.get_suptitle()
    note = " ".join(t.replace("\n", " ") for t in texts(fig) if "Boxes:" in t)
    assert "whiskers: minimum to maximum" in note and "TOP = Treatment Outcomes Profile." in note


def test_builders_leave_matplotlib_settings_alone():
    import matplotlib

    before = dict(matplotlib.rcParams)
    figures.figure4_outcomes(SCORES)
    figures.figure1_flow(flow_frame(PAPER_FLOW))
    assert dict(matplotlib.rcParams) == before


def test_palette_is_okabe_ito():
    palette = set(figstyle.OKABE_ITO.values())
    assert set(figstyle.TIMEPOINT_COLOURS.values()) <= palette
    assert {figstyle.CHANGE_COLOURS["reduced"], figstyle.CHANGE_COLOURS["increased"]} <= palette
    assert re.fullmatch(r"#[0-9A-F]{6}", figstyle.CHANGE_COLOURS["unchanged"])


def test_figure1_prints_counts_redacted_by_disclosure_control():
    from painreview import sdc

    flow = sdc.protect_flow(flow_frame(PAPER_FLOW))
    texts = " ".join(t.get_text() for t in figures.figure1_flow(flow).findobj(Text))
    assert "n = 60" in texts and "(n = [REDACTED])" in texts


def _numbers_after_n(fig) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(Text)]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.get_xticklabels()]
        legend = ax.get_legend()
        if legend:
            texts += [t.get_text() for t in legend.get_texts()]
    return re.findall(r"n = (\S+?)[);\s]", " ".join(texts) + " ")


def test_under_disclosure_control_figures_2_to_4_show_no_individual_value_and_no_small_count():
    from painreview import sdc

    rng = np.random.default_rng(1)
    ids = [f"P{i:02d}" for i in range(34)]
    doses = pd.DataFrame({"patient_id": ids * 2, "timepoint": ["baseline"] * 34 + ["follow_up"] * 34,
                          "dose_mme": list(rng.integers(10, 400, 34)) + list(rng.integers(0, 300, 34))})
    scores = pd.DataFrame([{"patient_id": pid, "timepoint": tp, "measure": m, "value": float(v)}
                           for m in ("comm_total", "bpi_severity", "bpi_interference")
                           for tp, n in (("baseline", 28), ("follow_up", 6))
                           for pid, v in zip(ids[:n], rng.integers(5, 30, n))])
    fig2 = figures.figure2_dose(doses, 0.0001, disclosure=True)
    fig4 = figures.figure4_outcomes(scores, disclosure=True)
    for fig in (fig2, fig4):
        counts = _numbers_after_n(fig)
        assert counts, "the figure states its counts"
        for c in counts:
            assert c == sdc.REDACTED or (int(c) % 5 == 0 and not 1 <= int(c) <= 7), c
        # no points and no paired lines: only boxes remain
        assert not [a for a in fig.findobj() if (a.get_gid() or "").endswith("-points")]
        assert not [a for a in fig.findobj() if (a.get_gid() or "").startswith("pair-")]
    assert "34" not in " ".join(_numbers_after_n(fig2))  # 34 -> 35
    # follow-up groups of 6: box and median withheld, labelled as such
    assert not [a for a in fig4.findobj() if a.get_gid() == "comm_total-follow_up-median"]
    assert any("Median [REDACTED]" in t.get_text() for ax in fig4.axes for t in ax.get_xticklabels())
    # whiskers stop at the quartiles: the maximum is withheld
    lo, hi = whiskers_drawn(fig2, "dose_mme-baseline")
    assert (lo, hi) == box_extent(fig2, "dose_mme-baseline")


def _svg(fig) -> bytes:
    import io

    from painreview.savefig import RC, SVG_METADATA
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    return buf.getvalue()


def test_points_are_never_in_patient_id_order_relabelled_ids_give_the_same_svg():
    # The same doses under other patient ids (the order of the ids reversed): every point,
    # line and offset is drawn from the values alone, so the SVG bytes are the same.
    relabel = {"A": "Z9", "B": "Y8", "C": "X7", "D": "W6", "E": "V5"}
    doses = pd.concat([DOSES, pd.DataFrame({"patient_id": ["F", "G", "F", "G"],
                                            "timepoint": ["baseline", "baseline", "follow_up", "follow_up"],
                                            "dose_mme": [20.0, 20.0, 10.0, 20.0]})], ignore_index=True)
    relabel.update({"F": "U4", "G": "T3"})
    other = doses.assign(patient_id=doses["patient_id"].map(relabel))
    assert _svg(figures.figure2_dose(doses, 0.25)) == _svg(figures.figure2_dose(other, 0.25))
    scores = pd.DataFrame({"patient_id": list("ABCDE") * 2, "timepoint": ["baseline"] * 5 + ["follow_up"] * 5,
                           "measure": "comm_total", "value": [3.0, 9.0, 1.0, 9.0, 20.0, 2.0, 2.0, 8.0, 30.0, 5.0]})
    relabelled = scores.assign(patient_id=scores["patient_id"].map(relabel))
    assert _svg(figures.figure4_outcomes(scores)) == _svg(figures.figure4_outcomes(relabelled))


def test_figure2_points_are_drawn_in_dose_order():
    fig = figures.figure2_dose(DOSES, p_value=0.25)
    (points,) = by_gid(fig, "dose_mme-baseline-points")
    assert points.get_offsets()[:, 1].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]


def test_under_disclosure_control_figure2_legend_shows_only_what_is_drawn():
    fig = figures.figure2_dose(DOSES.assign(patient_id=DOSES["patient_id"] * 1), 0.0004, disclosure=True)
    assert fig.axes[0].get_legend() is None  # no lines drawn, so no line entries
    assert not by_gid(fig, "pair-reduced")
    assert fig.get_suptitle().endswith("P [REDACTED]")  # a test of 4 pairs: withheld


def test_under_disclosure_control_medians_and_quartiles_are_drawn_and_printed_in_whole_units():
    ids = [f"P{i:02d}" for i in range(10)]
    scores = pd.DataFrame({"patient_id": ids, "timepoint": "baseline", "measure": "comm_total",
                           "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]})
    # n = 10: Stata median (5+6)/2 = 5.5, p25 = x(3) = 3, p75 = x(8) = 8 → released 6 (3 to 8)
    fig = figures.figure4_outcomes(scores, disclosure=True)
    assert median_drawn(fig, "comm_total-baseline") == 6
    assert any("Median 6\n(IQR 3 to 8)" in t.get_text() for ax in fig.axes for t in ax.get_xticklabels())
    assert any("Median 5.5" in t.get_text() for ax in figures.figure4_outcomes(scores).axes
               for t in ax.get_xticklabels())
