"""House style of the figures: sizes, fonts and a colour-blind-safe palette.

Everything here is a constant (read-only mappings), applied to a figure only through
``style()``, a context manager, so that no matplotlib setting leaks into the caller.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import MappingProxyType
from typing import Iterator

MM_PER_INCH = 25.4

# Journal column widths (British Journal of General Practice / most BMJ-style journals:
# single column about 84 mm, double column 174 mm).
SINGLE_COLUMN_MM = 84.0
DOUBLE_COLUMN_MM = 174.0

# Font sizes in points at the printed size; 7 pt is the usual journal minimum.
FONT_MIN_PT = 7.0
FONT_PT = 7.0
TITLE_PT = 8.0

# Okabe & Ito (2008), "Color Universal Design: how to make figures and presentations
# that are friendly to colorblind people", https://jfly.uni-koeln.de/color/ — the
# eight-colour palette distinguishable under the common colour-vision deficiencies.
OKABE_ITO = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)

# What each element of the figures is drawn in.
TIMEPOINT_COLOURS = MappingProxyType({"baseline": OKABE_ITO["blue"], "follow_up": OKABE_ITO["orange"]})
CHANGE_COLOURS = MappingProxyType(
    {"reduced": OKABE_ITO["bluish_green"], "unchanged": "#7F7F7F", "increased": OKABE_ITO["vermillion"]}
)
BOX_FILL_ALPHA = 0.25
POINT_SIZE = 9.0  # marker area, points^2
LINE_WIDTH = 0.8
FLOW_BOX_EDGE = OKABE_ITO["black"]

# DejaVu Sans ships inside matplotlib (mpl-data/fonts/ttf), so the same glyphs are used
# on every machine with the same matplotlib version: the PNGs and the SVG glyph paths do
# not depend on which fonts the host happens to have installed.
FONT_FAMILY = "DejaVu Sans"

RC = MappingProxyType(
    {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY],
        "font.size": FONT_PT,
        "axes.titlesize": TITLE_PT,
        "axes.labelsize": FONT_PT,
        "xtick.labelsize": FONT_PT,
        "ytick.labelsize": FONT_PT,
        "legend.fontsize": FONT_PT,
        "figure.titlesize": TITLE_PT,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "lines.linewidth": LINE_WIDTH,
        "legend.frameon": False,
        "mathtext.default": "regular",
        "axes.unicode_minus": True,
        "figure.dpi": 100,
    }
)
"""rcParams the builders create their figures under."""


def figsize(width_mm: float, height_mm: float) -> tuple[float, float]:
    """A (width, height) in inches for matplotlib from millimetres."""
    return (width_mm / MM_PER_INCH, height_mm / MM_PER_INCH)


@contextmanager
def style() -> Iterator[None]:
    """Apply ``RC`` for the duration of the block, restoring every setting afterwards."""
    import matplotlib

    with matplotlib.rc_context(dict(RC)):
        yield
