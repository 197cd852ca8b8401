"""Inline display in Jupyter: `show(root)`, and `HTMLPage`, a saved-or-displayed HTML document."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from autograd_core import Value

from .drawing.draw import draw_dot

__all__ = ["HTMLPage", "show"]


def show(root: Value, **options: Any) -> None:
    """Display the graph of `root` inline in Jupyter/IPython; options as for `draw_dot`.

    >>> x = Value(2.0, label="x"); y = x * x; y.backward()
    >>> viz.show(y, rankdir="LR")  # doctest: +SKIP

    It is scaled down to the output's width (`fit=False` keeps its natural size). `Value`
    itself keeps its plain text repr; call this (or display `draw_dot(root)`) to see it.
    """
    graph = draw_dot(root, **options)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        raise RuntimeError(
            "show() displays inline in Jupyter or IPython; in a script use "
            "viz.render(root, 'graph.svg') or draw_dot(root).render(outfile='graph.png')"
        )
    display(graph)  # type: ignore[no-untyped-call]


class HTMLPage:
    """A self-contained HTML document: shown inline in Jupyter (in an iframe), `.save(path)`.

    >>> page = viz.HTMLPage("<h1>Hello</h1>", title="hello")    # what explain_backward returns
    >>> page
    <HTMLPage 'hello': 14 characters; .save(path) writes it>
    >>> page.save("hello.html").read_text(encoding="utf-8")
    '<h1>Hello</h1>'
    """

    def __init__(self, html_text: str, *, height: int = 600, title: str = "") -> None:
        self.html = html_text
        self.height = height
        self.title = title

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<HTMLPage {self.title!r}: {len(self.html)} characters; .save(path) writes it>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page as UTF-8 and return its path."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's ids, styles and key handlers apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;box-sizing:border-box;height:{self.height}px;'
            'border:1px solid #ddd" '
            f'title="{html.escape(self.title, quote=True)}"></iframe>'
        )


def script_json(data: object, *, allow_nan: bool = True) -> str:
    """Compact JSON that is safe inside a <script> element (no <, > or & left).

    Non-ASCII text stays as it is: the pages that hold it are written as UTF-8 and say so.
    `allow_nan=False` makes NaN and infinities a ValueError (JSON.parse rejects them).
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def with_snapshot(bundle: Any, snapshot: str) -> Any:
    """A widget's display bundle plus `text/html`: what a static page (nbconvert, the docs
    site, a notebook viewer) shows in place of the live widget, which Jupyter still prefers."""
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, None)
    data = {**data, "text/html": snapshot}
    return data if metadata is None else (data, metadata)
