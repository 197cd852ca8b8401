"""render(root, path): write a Value graph to .svg, .png, .jpg, .dot or .html by extension."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autograd_core import Value

from .drawing.draw import draw_dot
from .drawing.pdf import pdf_bytes
from .explain.page import explain_backward
from .graph.order import require_value

__all__ = ["FORMATS", "render"]

FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".dot": "dot",
    ".gv": "dot",
    ".html": "html",
    ".pdf": "pdf",
}
"""File extensions render() understands. `.html` writes the explain_backward page, `.pdf` a
vector PDF (`pip install "autograd-core[pdf]"`)."""


def render(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the graph of `root` to `path`, in the format its extension names; return the path.

    >>> x = Value(2.0, label="x"); y = x * x; y.backward()
    >>> viz.render(y, "y.svg").name, viz.render(y, "y.html").name   # a drawing; the step page
    ('y.svg', 'y.html')

    `.svg`/`.png`/`.jpg` are drawings (options as for `draw_dot`: `dpi=192` or `300` gives a
    PNG for slides, `theme="dark"` a dark one), `.pdf` one for papers (vector, text selectable;
    `pip install "autograd-core[pdf]"`), `.dot`/`.gv` the DOT source, `.html` the
    step-by-step backward page (options as for `explain_backward`).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"render() takes the format from the file extension; {path.name!r} has "
            f"{path.suffix or 'none'}, use one of {', '.join(FORMATS)}"
        )
    require_value(root, "render", ", path")
    if fmt == "html":
        return explain_backward(root, **options).save(path)
    graph = draw_dot(root, **options)
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
    elif fmt == "pdf":
        path.write_bytes(pdf_bytes(graph))
    else:
        path.write_bytes(graph.pipe(format=fmt))
    return path
