"""PDF for papers: `viz.render(root, "graph.pdf")`, a drawing as a one-page vector PDF.

The layout program's SVG is converted by svglib into a ReportLab drawing, which ReportLab writes
as PDF: lines and shapes as vector paths, text as text (selectable and searchable) in the font
the layout measured, Helvetica (one of PDF's standard fonts). Why these two libraries: both are
pure-Python wheels (the layout stays graphviz-pure, so nothing needs a system package, which
rules out cairosvg and Graphviz's own PDF), ReportLab has written PDFs since 2000 and is
maintained, svglib is its SVG reader, and the output is small and deterministic (the same
drawing gives the same bytes). Install with `pip install "autograd-core[pdf]"`.

Text that Helvetica's encoding cannot hold (Greek labels, ∂) is set in DejaVu Sans, embedded,
when matplotlib (which ships it) is installed; without it such characters show as boxes, and a
warning says so.
"""

from __future__ import annotations

import html
import re
import warnings
from io import BytesIO
from typing import Any

from ..extras import matplotlib_font, require
from .digraph import Digraph

__all__ = ["UNICODE_FONT", "pdf_bytes"]

UNICODE_FONT = "DejaVu Sans"
"""The font for text outside Helvetica's encoding (cp1252)."""

_TEXT = re.compile(r"<text([^>]*)>([^<]*)</text>")
_FAMILY = re.compile(r'font-family="[^"]*"')


def pdf_bytes(graph: Digraph) -> bytes:
    """The drawing `graph` as a one-page PDF, its page the size of the drawing (in points).

    >>> x = Value(2.0, label="x"); y = x * x; y.backward()
    >>> viz.render(y, "y.pdf").read_bytes()[:5]
    b'%PDF-'
    """
    purpose = "writing a drawing as PDF"
    svglib = require("svglib.svglib", "pdf", purpose)
    fonts = require("svglib.fonts", "pdf", purpose)
    render_pdf = require("reportlab.graphics.renderPDF", "pdf", purpose)
    font_map = fonts.FontMap()  # our own: the global map stays as the user left it
    svg = graph.pipe(format="svg", encoding="utf-8")
    if _needs_unicode(svg):
        svg = _unicode_text(svg, font_map)
    drawing = svglib.svg2rlg(BytesIO(svg.encode("utf-8")), font_map=font_map)
    data: bytes = render_pdf.drawToString(drawing, invariant=1)  # no date or random id
    return data


def _needs_unicode(svg: str) -> bool:
    return any(not _latin(html.unescape(m.group(2))) for m in _TEXT.finditer(svg))


def _latin(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _unicode_text(svg: str, font_map: Any) -> str:
    """`svg` with every text that cp1252 cannot hold set in UNICODE_FONT, registered in
    `font_map` from matplotlib's copy (if installed; else a warning, and the text as it was)."""
    font = matplotlib_font("DejaVuSans.ttf")
    if font is None:
        warnings.warn(
            "this drawing has text outside Latin-1 (Greek letters, math signs); in the PDF it "
            "shows as boxes unless matplotlib is installed, whose DejaVu Sans font has them: "
            'pip install "autograd-core[plot]"',
            stacklevel=3,
        )
        return svg
    font_map.register_font(UNICODE_FONT, str(font))
    family = f'font-family="{UNICODE_FONT}"'

    def swap(match: re.Match[str]) -> str:
        attrs, text = match.groups()
        if _latin(html.unescape(text)):
            return match.group(0)
        return f"<text{_FAMILY.sub(family, attrs)}>{text}</text>"

    return _TEXT.sub(swap, svg)
