"""Find a layout program (graphviz-pure or a system `dot`) and run it: `find_renderer`.

The stock `graphviz` package runs a `dot` found on PATH, which pip cannot install; our Digraph
(`viz.drawing.digraph`) runs whichever program `find_renderer` picks instead, found by absolute
path (a Jupyter kernel's PATH often lacks the venv).

The layout program dies with the Python process that started it (on Linux, through
PR_SET_PDEATHSIG): a kernel restarted or terminated mid-render leaves no layout running.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import graphviz  # type: ignore[import-untyped]

__all__ = [
    "BACKENDS",
    "DEFAULT_DPI",
    "MAX_RASTER_PIXELS",
    "RENDER_TIMEOUT",
    "Renderer",
    "RendererNotFound",
    "UnreadableRasterWarning",
    "find_renderer",
]

BACKENDS = ("auto", "graphviz-pure", "dot")
"""Names accepted as `backend` (a path to a dot-compatible executable works too)."""

MAX_RASTER_PIXELS = 4096
"""PNG/JPEG output is scaled down to fit this many pixels on its longer side."""

DEFAULT_DPI = 96.0
MIN_TEXT_PIXELS = 5.0
"""A raster whose 12 pt text comes out smaller than this is unreadable: a warning says so."""

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


class UnreadableRasterWarning(UserWarning):
    """A PNG/JPEG had to shrink so much (to fit MAX_RASTER_PIXELS) that its text cannot be read.

    >>> import warnings
    >>> with warnings.catch_warnings():                  # make it an error, for a script
    ...     warnings.simplefilter("error", viz.UnreadableRasterWarning)
    ...     viz.render(Value(1.0, label="x"), "x.png").name    # small: readable, no warning
    'x.png'

    Draw less (a sub-expression, `collapse=`) or write SVG, which has no pixel limit.
    """


class RendererNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """No layout program could be found. A graphviz.ExecutableNotFound, so old handlers work.

    >>> try:
    ...     renderer = viz.find_renderer("dot")     # a system Graphviz: pip cannot install it
    ... except viz.RendererNotFound:                # the message lists how to install one
    ...     renderer = viz.find_renderer("graphviz-pure")
    >>> renderer.name in ("dot", "graphviz-pure")
    True
    """

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, f"{message}\n{INSTALL_HELP}")


@dataclass(frozen=True)
class Renderer:
    """A layout program: `name` is 'graphviz-pure' or 'dot' (or the file name of a custom one).

    >>> renderer = viz.find_renderer("graphviz-pure")
    >>> svg = renderer.run("dot", "svg", b"digraph { x -> y }")   # layout engine, format, DOT
    >>> renderer.name, b"<svg" in svg
    ('graphviz-pure', True)
    """

    name: str
    path: str

    def command(self, engine: str, format: str, dpi: float = DEFAULT_DPI) -> list[str]:
        """The argv for laying out stdin with `engine` into `format` on stdout."""
        args = [self.path, f"-K{engine}", f"-T{format}"]
        if format.split(":")[0] in RASTER_FORMATS:
            inches = MAX_RASTER_PIXELS / dpi
            args += [f"-Gdpi={dpi:g}", f"-Gsize={inches:g},{inches:g}"]  # only ever scales down
        return args

    def run(
        self,
        engine: str,
        format: str,
        source: bytes,
        *,
        quiet: bool = False,
        cwd: str | os.PathLike[str] | None = None,
        dpi: float = DEFAULT_DPI,
    ) -> bytes:
        """Lay out DOT `source` and return the output bytes; errors as graphviz raises them.

        A PNG/JPEG also gets the layout's size (`-Tplain`, from the same run) to tell how far
        it was shrunk: so small its text is unreadable gives an UnreadableRasterWarning, too
        small to draw at all a ValueError, each saying what to do instead.
        """
        if format.split(":")[0] not in RASTER_FORMATS:
            return self._call(self.command(engine, format, dpi), source, quiet, cwd)
        with tempfile.TemporaryDirectory(prefix="viz-") as tmp:
            plain = Path(tmp) / "layout.txt"
            cmd = self.command(engine, format, dpi)
            cmd[2:2] = ["-Tplain", f"-o{plain}"]  # the first -o goes with the first -T
            return self._call(cmd, source, quiet, cwd, check_size=(plain, dpi))

    def _call(
        self,
        cmd: list[str],
        source: bytes,
        quiet: bool,
        cwd: str | os.PathLike[str] | None,
        check_size: tuple[Path, float] | None = None,
    ) -> bytes:
        try:
            proc = subprocess.run(
                cmd,
                input=source,
                capture_output=True,
                timeout=RENDER_TIMEOUT,
                cwd=cwd,
                preexec_fn=_die_with_parent(),
            )
        except FileNotFoundError:
            raise RendererNotFound(f"the layout program {self.path!r} has gone missing") from None
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"{self.name} took over {RENDER_TIMEOUT:g} s; draw a smaller graph "
                "(a sub-expression, or collapse=... name scopes)"
            ) from None
        if check_size is not None:
            _check_raster(*check_size, failed=proc.returncode != 0)
        stderr = proc.stderr.decode(errors="replace")
        lost = _LOST_EDGE.findall(stderr)
        if proc.returncode != 0 and not (lost and proc.stdout and _only_lost_edges(stderr)):
            raise graphviz.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
        if not proc.stdout:
            raise RuntimeError(f"the layout program wrote nothing ({self.name} exited 0)")
        if lost:  # dot's "lost edge" error: the drawing is complete but for these edges
            edges = ", ".join(f"{a} -> {b}" for a, b in lost)
            warnings.warn(
                f"{self.name} could not route {len(lost)} edge(s) ({edges}): they are missing "
                "from the drawing. Collapsing fewer or more scopes usually avoids it",
                stacklevel=_caller_level(),
            )
        elif stderr and not quiet:
            sys.stderr.write(stderr)
        return proc.stdout


_LOST_EDGE = re.compile(r"^Error: lost (\S+) (\S+) edge$", re.M)


def _only_lost_edges(stderr: str) -> bool:
    """Every error in `stderr` is a lost edge (warnings aside)."""
    errors = [line for line in stderr.splitlines() if line.startswith("Error")]
    return all(_LOST_EDGE.match(line) for line in errors)


def _check_raster(plain: Path, dpi: float, *, failed: bool) -> None:
    """Warn (or raise, when nothing could be drawn) if a raster shrank its text out of sight."""
    try:
        first = plain.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].split()
        scale, width, height = (float(x) for x in first[1:4])
    except (OSError, ValueError, IndexError):
        return  # no layout size to judge by; the program's own error (if any) follows
    text = 12 / 72 * dpi * scale
    if text >= MIN_TEXT_PIXELS and not failed:
        return
    message = (
        f"the drawing is {width:g} x {height:g} inches; to fit {MAX_RASTER_PIXELS} pixels a "
        f"side the image shrinks it to {scale:.2%}, so its text is {text:.2g} pixels tall. "
        "Write SVG instead (no pixel limit: viz.render(root, 'graph.svg')), or draw less: a "
        "sub-expression, or collapse= name scopes"
    )
    if failed and min(width, height) * scale * dpi < 1:
        raise ValueError(f"cannot draw this graph as an image: {message}")
    if not failed:
        warnings.warn(message, UnreadableRasterWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """The warnings stacklevel of the first frame outside viz and graphviz: the user's line."""
    inside = (str(Path(__file__).parents[1]), str(Path(graphviz.__file__).parent))
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a function for the child to run before exec: ask the kernel to SIGKILL it when
    this thread's process dies (a SIGTERM'd or restarted Jupyter kernel, a killed script), and
    exit at once if that already happened. Elsewhere None: nothing to do."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the child
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return in_child


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

    >>> viz.find_renderer("graphviz-pure", "png").name   # pip-installed: no system package
    'graphviz-pure'

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
