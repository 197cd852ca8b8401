"""A graphviz.Digraph that lays out with the program `find_renderer` picks: no `dot` on PATH.

It overrides the graphviz package's two piping hooks (`_pipe_lines`, `_pipe_lines_string`) and
its render hook (`_render`), so `pipe()`, `render()` and Jupyter display all run that program;
in Jupyter it shows scaled to the output's width (`fit_svg`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]
from graphviz.backend import rendering as _rendering  # type: ignore[import-untyped]

from .layout_program import DEFAULT_DPI, find_renderer

__all__ = ["Digraph", "fit_svg", "svg_element"]


_OUTFILE_ONLY = {"outfile", "format", "engine", "quiet", "raise_if_result_exists"}


class Digraph(graphviz.Digraph):  # type: ignore[misc]
    """A graphviz.Digraph whose pipe(), render() and Jupyter display need no `dot` on PATH.

    >>> graph = viz.Digraph()                # what draw_dot returns; graphviz.Digraph's API
    >>> graph.edge("x", "y")
    >>> "<svg" in graph.pipe(format="svg", encoding="utf-8")
    True

    `backend` picks the layout program (see `find_renderer`); `dpi` the resolution of PNG/JPEG
    output (96: one pixel per CSS pixel; 192 or 300 for slides); `fit` whether Jupyter shows it
    scaled down to the output's width (True) or at its natural size. The rest is
    graphviz.Digraph.
    """

    def __init__(
        self,
        *args: Any,
        backend: str | None = None,
        fit: bool = True,
        dpi: float = DEFAULT_DPI,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("format", "svg")  # graphviz defaults to PDF, which graphviz-pure lacks
        super().__init__(*args, **kwargs)
        self.backend = backend
        self.fit = fit
        self.dpi = self._check_dpi(dpi)

    @staticmethod
    def _check_dpi(dpi: object) -> float:
        if isinstance(dpi, bool) or not isinstance(dpi, int | float):
            raise TypeError(f"dpi must be a number, got {dpi!r}")
        if not 10 <= dpi <= 1200:
            raise ValueError(f"dpi must be between 10 and 1200 (96 is screen size), got {dpi}")
        return float(dpi)

    def _copy_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        copied: dict[str, Any] = super()._copy_kwargs(**kwargs)  # graphviz drops extra kwargs
        copied.update(backend=self.backend, fit=self.fit, dpi=self.dpi)
        return copied

    def _run(
        self,
        engine: str,
        format: str,
        source: bytes,
        quiet: bool,
        cwd: str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> bytes:
        if options.get("renderer") or options.get("formatter") or options.get("neato_no_op"):
            raise ValueError("renderer=, formatter= and neato_no_op= are not supported by viz")
        renderer = find_renderer(self.backend, format)
        return renderer.run(engine, format, source, quiet=quiet, cwd=cwd, dpi=self.dpi)

    @property
    def _pipe_lines(self) -> Callable[..., bytes]:
        def pipe_lines(
            engine: str,
            format: str,
            input_lines: Iterator[str],
            *,
            input_encoding: str,
            quiet: bool = False,
            **options: Any,
        ) -> bytes:
            source = "".join(input_lines).encode(input_encoding)
            return self._run(engine, format, source, quiet, **options)

        return pipe_lines

    @property
    def _pipe_lines_string(self) -> Callable[..., str]:
        def pipe_lines_string(
            engine: str,
            format: str,
            input_lines: Iterator[str],
            *,
            encoding: str,
            quiet: bool = False,
            **options: Any,
        ) -> str:
            source = "".join(input_lines).encode(encoding)
            return self._run(engine, format, source, quiet, **options).decode(encoding)

        return pipe_lines_string

    def render(self, *args: Any, **kwargs: Any) -> str:
        """graphviz.Digraph.render; `render(outfile="graph.png")` writes only graph.png (graphviz
        would also save the DOT source beside it, as graph.gv, replacing any such file)."""
        if args or not set(kwargs) <= _OUTFILE_ONLY or kwargs.get("outfile") is None:
            return str(super().render(*args, **kwargs))
        out = Path(kwargs["outfile"])
        if kwargs.get("raise_if_result_exists") and out.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(out)!r}")
        format = kwargs.get("format") or _rendering.get_format(out, format=None)
        quiet = bool(kwargs.get("quiet", False))
        out.write_bytes(self.pipe(format=format, engine=kwargs.get("engine"), quiet=quiet))
        return os.fspath(out)

    @property
    def _render(self) -> Callable[..., str]:
        def render(
            engine: str,
            format: str | None = None,
            filepath: str | os.PathLike[str] | None = None,
            quiet: bool = False,
            *,
            outfile: str | os.PathLike[str] | None = None,
            **options: Any,
        ) -> str:
            raise_if_exists = options.pop("raise_if_result_exists", False)
            options.pop("overwrite_filepath", None)
            assert filepath is not None  # graphviz always passes the saved source's path
            path = Path(filepath)
            if outfile is not None:
                out = Path(outfile)
                format = format or _rendering.get_format(out, format=None)
            else:
                out = Path(_rendering.get_outfile(path, format=format))
            if raise_if_exists and out.exists():
                raise graphviz.FileExistsError(f"output file exists: {os.fspath(out)!r}")
            assert format is not None
            data = self._run(engine, format, path.read_bytes(), quiet, cwd=path.parent, **options)
            out.write_bytes(data)
            return os.fspath(out)

        return render

    def _repr_image_svg_xml(self) -> str:
        """The graph as SVG text at its natural size (graphviz's name for it; not IPython's
        `_repr_svg_`, which would store every drawing a second time beside its HTML)."""
        text: str = self.pipe(format="svg", encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        """The SVG inline in HTML: scaled down to the output's width when `fit`, else at its
        natural size (scrolling sideways when wider than the output). Inline, so tooltips show
        every node's qualified name."""
        return self._html(self._repr_image_svg_xml())

    def _html(self, svg: str) -> str:
        """`svg` (this graph's SVG text) as `_repr_html_` shows it."""
        return fit_svg(svg) if self.fit else _natural_svg(svg)

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **_: Any,
    ) -> dict[str, str | bytes]:
        """Jupyter's display hook: the drawing once, as SVG inline in HTML (see `_repr_html_`),
        unless other types are asked for. JupyterLab, Notebook, VS Code, Colab and nbconvert (the
        docs site) all show text/html first, so a second copy as image/svg+xml would only double
        the size of every executed notebook; `include=["image/svg+xml"]` still gets it."""
        excluded = set(exclude or ())
        if include is None:
            if "text/html" in excluded:  # a front end that takes no HTML: the plain SVG
                return {"image/svg+xml": self._repr_image_svg_xml()}
            return {"text/html": self._repr_html_()}
        include = set(include)
        bundle: dict[str, str | bytes] = super()._repr_mimebundle_(include, excluded)
        if "text/html" in include - excluded:
            svg = bundle.get("image/svg+xml")  # rendered once for both
            if not isinstance(svg, str):
                svg = self._repr_image_svg_xml()
            bundle["text/html"] = self._html(svg)
        return bundle


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def svg_element(svg: str) -> str:
    """The `<svg>` element alone: no XML declaration, doctype or comments before it."""
    return svg[svg.index("<svg") :]


def fit_svg(svg: str) -> str:
    """Graphviz SVG made to scale with its container: width 100% up to its natural width (it
    never grows past it), height following from the viewBox."""
    svg = svg_element(svg)
    match = _SVG_SIZE.match(svg)
    if not match:
        return svg
    width = float(match.group(1)) * 4 / 3  # points to CSS pixels
    return svg.replace(
        match.group(0),
        f'<svg width="100%" style="max-width:{width:.0f}px;height:auto;display:block"',
        1,
    )


def _natural_svg(svg: str) -> str:
    return f'<div style="overflow-x:auto">{svg_element(svg)}</div>'
