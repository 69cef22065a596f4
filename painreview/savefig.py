"""Save a figure as PNG and SVG, byte-identical across runs and machines.

What would otherwise vary between runs, and how it is pinned:
- SVG element ids are hashes salted per process → ``svg.hashsalt`` fixed;
- SVG metadata carries the date and the matplotlib version → ``Date``/``Creator`` None;
- PNG metadata carries the matplotlib version (``Software`` tEXt chunk) → None;
- text in the SVG: ``svg.fonttype = "path"`` writes glyph outlines from the font used
  to draw (DejaVu Sans, bundled with matplotlib — ``figstyle``), so the file does not
  depend on which fonts a viewer has installed, and the boxes of Figure 1 keep their
  fit. (``"none"`` would keep text searchable but let a viewer substitute another font,
  with other widths; the reproduced numbers are in ``tables/`` anyway.)
- resolution: a fixed dpi, and the figure's own size (no ``bbox_inches="tight"``, which
  would change the journal width).
The settings apply through ``matplotlib.rc_context`` only while saving.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

DPI = 300
"""PNG resolution, dots per inch (journal minimum for line art with text is 300)."""

RC = {
    "svg.hashsalt": "painreview",
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "path.simplify": True,
}
"""rcParams in force while saving."""

SVG_METADATA = {"Date": None, "Creator": None, "Contributor": None, "Source": None, "Identifier": None}
PNG_METADATA = {"Software": None}


def figure_bytes(fig: Figure, dpi: int = DPI) -> dict[str, bytes]:
    """``{".png": bytes, ".svg": bytes}`` of ``fig``, saved with the settings above."""
    import io

    import matplotlib

    found = {}
    with matplotlib.rc_context(RC):
        for suffix, fmt, meta, extra in ((".png", "png", PNG_METADATA, {"dpi": dpi}), (".svg", "svg", SVG_METADATA, {})):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, metadata=meta, **extra)
            found[suffix] = buffer.getvalue()
    return found


def save_figure(fig: Figure, stem: str | Path, dpi: int = DPI) -> tuple[Path, Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` (parent folders created); return both paths."""
    import matplotlib

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    with matplotlib.rc_context(RC):
        fig.savefig(png, format="png", dpi=dpi, metadata=PNG_METADATA)
        fig.savefig(svg, format="svg", metadata=SVG_METADATA)
    return png, svg
