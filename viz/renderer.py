"""Find a layout program (graphviz-pure or a system `dot`) and run it; a Digraph that uses it.

The stock `graphviz` package runs a `dot` found on PATH, which pip cannot install. Our Digraph
overrides the package's two piping hooks (`_pipe_lines`, `_pipe_lines_string`) and its render
hook (`_render`), so `pipe()`, `render()` and Jupyter display run whichever program
`find_renderer` picks, found by absolute path (a Jupyter kernel's PATH often lacks the venv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import graphviz
from graphviz.backend import rendering as _rendering

__all__ = [
    "BACKENDS",
    "MAX_RASTER_PIXELS",
    "RENDER_TIMEOUT",
    "Digraph",
    "Renderer",
    "RendererNotFound",
    "find_renderer",
]

BACKENDS = ("auto", "graphviz-pure", "dot")
"""Names accepted as `backend` (a path to a dot-compatible executable works too)."""

MAX_RASTER_PIXELS = 4096
"""PNG/JPEG output is scaled down to fit this many pixels on its longer side."""

RENDER_TIMEOUT = 120.0
"""Seconds a layout program may run before it is stopped."""

RASTER_FORMATS = frozenset({"png", "jpeg", "jpg", "jpe"})
PURE_FORMATS = frozenset(
    "canon dot dot_json gv jpe jpeg jpg json json0 plain plain-ext png svg xdot xdot1.2 xdot1.4 "
    "xdot_json".split()
)
"""What graphviz-pure 0.2 writes (no PDF); other formats need a system Graphviz."""

INSTALL_HELP = """\
Install one of:
  pip install graphviz-pure           # a pure-Rust dot, no system package (SVG, PNG, JPEG)
  sudo apt-get install graphviz       # Debian/Ubuntu system Graphviz (also PDF)
  brew install graphviz               # macOS
  conda install -c conda-forge graphviz"""


class RendererNotFound(graphviz.ExecutableNotFound):
    """No layout program could be found. A graphviz.ExecutableNotFound, so old handlers work."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, f"{message}\n{INSTALL_HELP}")


@dataclass(frozen=True)
class Renderer:
    """A layout program: `name` is 'graphviz-pure' or 'dot' (or the file name of a custom one)."""

    name: str
    path: str

    def command(self, engine: str, format: str) -> list[str]:
        """The argv for laying out stdin with `engine` into `format` on stdout."""
        args = [self.path, f"-K{engine}", f"-T{format}"]
        if format.split(":")[0] in RASTER_FORMATS:
            dpi = 96
            inches = MAX_RASTER_PIXELS / dpi
            args += [f"-Gdpi={dpi}", f"-Gsize={inches:g},{inches:g}"]  # only ever scales down
        return args

    def run(
        self, engine: str, format: str, source: bytes, *, quiet: bool = False, cwd=None
    ) -> bytes:
        """Lay out DOT `source` and return the output bytes; errors as graphviz raises them."""
        cmd = self.command(engine, format)
        try:
            proc = subprocess.run(
                cmd, input=source, capture_output=True, timeout=RENDER_TIMEOUT, cwd=cwd
            )
        except FileNotFoundError:
            raise RendererNotFound(f"the layout program {self.path!r} has gone missing") from None
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"{self.name} took over {RENDER_TIMEOUT:g} s; draw a smaller graph "
                "(a sub-expression, or collapse=... name scopes)"
            ) from None
        if proc.returncode != 0:
            raise graphviz.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
        if proc.stderr and not quiet:
            sys.stderr.write(proc.stderr.decode(errors="replace"))
        return proc.stdout


def _pure_candidates() -> Iterator[Path]:
    """Where pip puts the graphviz-pure command: beside this Python, the scripts dirs, PATH."""
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    yield Path(sys.executable).parent / exe
    yield Path(sysconfig.get_path("scripts")) / exe
    try:
        yield Path(sysconfig.get_path("scripts", f"{os.name}_user")) / exe
    except KeyError:  # no user scheme on this platform
        pass
    found = shutil.which("graphviz-pure")
    if found:
        yield Path(found)


def _find_pure() -> Renderer | None:
    for path in _pure_candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return Renderer("graphviz-pure", str(path))
    return None


def _find_dot() -> Renderer | None:
    found = shutil.which("dot")
    return Renderer("dot", found) if found else None


def find_renderer(backend: str | None = None, format: str = "svg") -> Renderer:
    """The layout program for `backend`, able to write `format`.

    `backend` is 'auto' (graphviz-pure, else a system `dot`), 'graphviz-pure', 'dot', or a
    path to a dot-compatible executable. None reads the `VIZ_BACKEND` environment variable,
    defaulting to 'auto'. Raises RendererNotFound, with install lines, when nothing fits.
    """
    backend = backend or os.environ.get("VIZ_BACKEND") or "auto"
    fmt = format.split(":")[0]
    if backend == "auto":
        pure = _find_pure()
        if pure and fmt in PURE_FORMATS:
            return pure
        dot = _find_dot()
        if dot:
            return dot
        if pure:
            raise RendererNotFound(
                f"graphviz-pure cannot write {fmt!r} (it writes {', '.join(sorted(PURE_FORMATS))})"
                " and no system `dot` is on PATH"
            )
        raise RendererNotFound("no Graphviz renderer found: neither graphviz-pure nor `dot`")
    if backend == "graphviz-pure":
        pure = _find_pure()
        if not pure:
            raise RendererNotFound("backend='graphviz-pure' was asked for but is not installed")
        return pure
    if backend == "dot":
        dot = _find_dot()
        if not dot:
            raise RendererNotFound("backend='dot' was asked for but no `dot` is on PATH")
        return dot
    path = Path(backend)
    if path.is_file() and os.access(path, os.X_OK):
        return Renderer(path.name, str(path))
    raise ValueError(
        f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)} "
        "or the path of a dot-compatible executable"
    )


class Digraph(graphviz.Digraph):
    """A graphviz.Digraph whose pipe(), render() and Jupyter display need no `dot` on PATH.

    `backend` picks the layout program (see `find_renderer`); the rest is graphviz.Digraph.
    """

    def __init__(self, *args, backend: str | None = None, **kwargs) -> None:
        kwargs.setdefault("format", "svg")  # graphviz defaults to PDF, which graphviz-pure lacks
        super().__init__(*args, **kwargs)
        self.backend = backend

    def _copy_kwargs(self, **kwargs):
        return super()._copy_kwargs(backend=self.backend, **kwargs)

    def _run(self, engine, format, source: bytes, quiet, cwd=None, **options) -> bytes:
        if options.get("renderer") or options.get("formatter") or options.get("neato_no_op"):
            raise ValueError("renderer=, formatter= and neato_no_op= are not supported by viz")
        renderer = find_renderer(self.backend, format)
        return renderer.run(engine, format, source, quiet=quiet, cwd=cwd)

    @property
    def _pipe_lines(self):
        def pipe_lines(engine, format, input_lines, *, input_encoding, quiet=False, **options):
            source = "".join(input_lines).encode(input_encoding)
            return self._run(engine, format, source, quiet, **options)

        return pipe_lines

    @property
    def _pipe_lines_string(self):
        def pipe_lines_string(engine, format, input_lines, *, encoding, quiet=False, **options):
            source = "".join(input_lines).encode(encoding)
            return self._run(engine, format, source, quiet, **options).decode(encoding)

        return pipe_lines_string

    @property
    def _render(self):
        def render(engine, format=None, filepath=None, quiet=False, *, outfile=None, **options):
            raise_if_exists = options.pop("raise_if_result_exists", False)
            options.pop("overwrite_filepath", None)
            filepath = Path(filepath)
            if outfile is not None:
                outfile = Path(outfile)
                format = format or _rendering.get_format(outfile, format=None)
            else:
                outfile = Path(_rendering.get_outfile(filepath, format=format))
            if raise_if_exists and outfile.exists():
                raise graphviz.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
            source = filepath.read_bytes()
            data = self._run(engine, format, source, quiet, cwd=filepath.parent, **options)
            outfile.write_bytes(data)
            return os.fspath(outfile)

        return render

    def _repr_svg_(self) -> str:
        """The graph as SVG text, for front ends that look for `_repr_svg_`."""
        return self.pipe(format="svg", encoding="utf-8")
