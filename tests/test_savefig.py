"""Tests of painreview.savefig: same figure, same bytes; no dates or versions inside."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from painreview import figstyle
from painreview.savefig import save_figure

DATE = re.compile(rb"(19|20)\d\d-\d\d-\d\d|\d\d:\d\d:\d\d")


def make_figure() -> Figure:
    """A fresh figure with what gets per-run ids in SVG: text, clipped lines, markers."""
    with figstyle.style():
        fig = Figure(figsize=figstyle.figsize(84, 50), layout="constrained")
        ax = fig.add_subplot()
        ax.plot([0, 1, 2], [3, 1, 2], marker="o")
        ax.scatter([0.5, 1.5], [2, 2.5], s=9)
        ax.set_title("Median 90 mg (IQR 60 to 240)")
        ax.set_ylabel("Opioid dose, mg/day")
    return fig


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk of a PNG file (PNG spec, section 5.3)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def test_same_figure_gives_the_same_bytes(tmp_path: Path):
    first = save_figure(make_figure(), tmp_path / "a" / "fig", dpi=72)
    second = save_figure(make_figure(), tmp_path / "b" / "fig", dpi=72)
    assert [p.name for p in first] == ["fig.png", "fig.svg"]
    for one, two in zip(first, second):
        assert one.read_bytes() == two.read_bytes()


def test_png_has_no_date_or_version(tmp_path: Path):
    png, _ = save_figure(make_figure(), tmp_path / "fig", dpi=72)
    chunks = png_chunks(png.read_bytes())
    kinds = [k for k, _ in chunks]
    assert b"tIME" not in kinds
    for kind, payload in chunks:
        if kind in (b"tEXt", b"iTXt"):
            assert not DATE.search(payload)
            assert b"Software" not in payload and matplotlib.__version__.encode() not in payload
        if kind == b"zTXt":
            text = zlib.decompress(payload.split(b"\0", 1)[1][1:])
            assert not DATE.search(text) and matplotlib.__version__.encode() not in text


def test_svg_has_no_date_or_version_and_text_as_paths(tmp_path: Path):
    _, svg = save_figure(make_figure(), tmp_path / "fig")
    data = svg.read_bytes()
    assert b"<dc:date>" not in data and not DATE.search(data)
    assert matplotlib.__version__.encode() not in data
    assert b"<text" not in data  # svg.fonttype = "path": glyph outlines, no viewer fonts


def test_saving_leaves_rc_settings_alone(tmp_path: Path):
    before = dict(matplotlib.rcParams)
    save_figure(make_figure(), tmp_path / "fig", dpi=72)
    assert dict(matplotlib.rcParams) == before


def test_stem_with_a_dot_keeps_its_name(tmp_path: Path):
    png, svg = save_figure(make_figure(), tmp_path / "figure2.v1", dpi=72)
    assert (png.name, svg.name) == ("figure2.v1.png", "figure2.v1.svg")
    assert png.exists() and svg.exists()


def test_house_font_is_the_one_bundled_with_matplotlib():
    # Determinism across machines rests on drawing with matplotlib's own DejaVu Sans,
    # not a system copy of another version.
    from matplotlib import font_manager

    path = Path(font_manager.findfont(font_manager.FontProperties(family=figstyle.FONT_FAMILY)))
    assert Path(matplotlib.get_data_path()) in path.parents


@pytest.mark.parametrize("dpi", [72])
def test_png_size_follows_figure_size_and_dpi(tmp_path: Path, dpi: int):
    # 84 mm x 50 mm at 72 dpi: 84/25.4*72 = 238.1 -> 238 px, 50/25.4*72 = 141.7 -> 141 px
    png, _ = save_figure(make_figure(), tmp_path / "fig", dpi=dpi)
    ihdr = dict(png_chunks(png.read_bytes()))[b"IHDR"]
    width, height = struct.unpack(">II", ihdr[:8])
    assert (width, height) == (238, 141)
