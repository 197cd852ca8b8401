"""Rendering with no `dot` on PATH: SVG/PNG/JPEG bytes, files, Jupyter hooks, renderer choice."""

from __future__ import annotations

import os
import re
import stat
import sys
import sysconfig
from pathlib import Path

import graphviz
import pytest

import viz
from autograd_core import Value
from tests.conftest import needs
from viz import RendererNotFound, draw_dot, find_renderer, render
from viz.drawing import layout_program
from viz.drawing.layout_program import MAX_RASTER_PIXELS

from ..helpers import graphviz_pure_installed, png_size, strip_graphviz_from_path
from ..samples import neuron, reuse
from .test_draw import chain, check_golden


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> str:
    needs(graphviz_pure_installed(), "the graphviz-pure command (pip install graphviz-pure)")
    return strip_graphviz_from_path(monkeypatch)


def test_graphviz_pure_is_found_beside_the_interpreter(no_dot: str) -> None:
    renderer = find_renderer()
    assert renderer.name == "graphviz-pure"
    assert Path(renderer.path).parent in {
        Path(sys.executable).parent,
        Path(sysconfig.get_path("scripts")),
    }


def test_svg_png_jpeg_with_no_dot_on_path(no_dot: str) -> None:
    graph = draw_dot(neuron(), rankdir="LR")
    svg = graph.pipe(format="svg", encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert "grad &#45;1.5" in svg and "data 0.7071" in svg and "tanh" in svg
    assert re.search(r'<g id="v9" class="node">', svg)  # our ids reach the SVG, for scripts
    width, height = png_size(graph.pipe(format="png"))
    assert 500 < width <= MAX_RASTER_PIXELS and 50 < height < width
    assert graph.pipe(format="jpeg")[:3] == b"\xff\xd8\xff"


def test_golden_svgs_are_byte_identical(no_dot: str) -> None:
    first = draw_dot(neuron()).pipe(format="svg", encoding="utf-8")
    assert draw_dot(neuron()).pipe(format="svg", encoding="utf-8") == first
    check_golden("neuron.svg", first)
    check_golden("reuse.svg", draw_dot(reuse(), show_local_grads=True).pipe(encoding="utf-8"))


def test_render_picks_the_format_from_the_extension(no_dot: str, tmp_path: Path) -> None:
    y = reuse()
    assert render(y, tmp_path / "g.svg").read_text().count("<svg") == 1
    assert png_size(render(y, tmp_path / "g.png").read_bytes())[0] > 0
    assert render(y, tmp_path / "g.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert render(y, tmp_path / "g.dot").read_text() == draw_dot(y).source
    page = render(y, tmp_path / "g.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    with pytest.raises(ValueError, match=r"extension.*\.svg, \.png"):
        render(y, tmp_path / "g.bmp")
    with pytest.raises(TypeError, match="needs a Value"):
        render(3.0, tmp_path / "g.svg")
    assert not (tmp_path / "g.bmp").exists()


def test_digraph_render_and_jupyter_hooks(no_dot: str, tmp_path: Path) -> None:
    graph = draw_dot(reuse())
    out = graph.render(outfile=tmp_path / "out.png")
    assert Path(out) == tmp_path / "out.png" and png_size(Path(out).read_bytes())[0] > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]  # no DOT file beside it
    (tmp_path / "mine.gv").write_text("the user's own file")
    assert graph.render(outfile=tmp_path / "mine.svg").endswith("mine.svg")
    assert (tmp_path / "mine.gv").read_text() == "the user's own file"  # left as it was
    assert "<svg" in (tmp_path / "mine.svg").read_text()
    out = graph.render(filename="plain", directory=tmp_path)  # format defaults to svg
    assert Path(out) == tmp_path / "plain.svg" and "<svg" in Path(out).read_text()
    with pytest.raises(graphviz.FileExistsError):
        graph.render(outfile=tmp_path / "out.png", raise_if_result_exists=True)
    # Jupyter gets the SVG inline in HTML, scaled to the output's width up to its natural width,
    # and only that: a second copy as image/svg+xml would double every executed notebook
    bundle = graph._repr_mimebundle_()
    natural = graph._repr_image_svg_xml()
    points = float(re.search(r'<svg width="([\d.]+)pt"', natural).group(1))
    assert list(bundle) == ["text/html"]
    # and so does IPython's display formatter, which a kernel uses: no second copy as SVG
    from IPython.core.formatters import DisplayFormatter

    shown, _ = DisplayFormatter().format(graph)
    assert sorted(shown) == ["text/html", "text/plain"]
    assert graph._repr_mimebundle_(exclude=["text/html"]) == {"image/svg+xml": natural}
    html = bundle["text/html"]
    assert html.startswith('<svg width="100%" style="max-width:') and "viewBox=" in html
    assert f"max-width:{points * 4 / 3:.0f}px" in html
    assert html[html.index("<g ") :] == natural[natural.index("<g ") :]  # the same drawing
    assert graph._repr_html_() == html
    svg_only = graph._repr_mimebundle_(include=["image/svg+xml"])
    assert svg_only == {"image/svg+xml": natural}
    assert png_size(graph._repr_mimebundle_(include=["image/png"])["image/png"])[0] > 0
    # fit=False: the natural size, scrolling sideways inside the output when wider than it
    kept = draw_dot(reuse(), fit=False)._repr_mimebundle_()["text/html"]
    assert kept == f'<div style="overflow-x:auto">{natural[natural.index("<svg") :]}</div>'
    copied = draw_dot(reuse(), fit=False, dpi=192, backend="graphviz-pure").copy()
    assert (copied.fit, copied.dpi, copied.backend) == (False, 192.0, "graphviz-pure")


@pytest.mark.slow
def test_png_size_is_capped_and_unreadable_shrinking_is_reported(no_dot: str) -> None:
    graph = draw_dot(chain(300), rankdir="LR")  # about 80,000 points wide at natural size
    natural = float(re.search(r'width="([\d.]+)pt"', graph.pipe(encoding="utf-8")).group(1))
    shrink = MAX_RASTER_PIXELS / (natural * 96 / 72)
    assert shrink < 0.1
    with pytest.warns(viz.UnreadableRasterWarning, match=r"Write SVG instead") as caught:
        width, height = png_size(graph.pipe(format="png"))
    assert width <= MAX_RASTER_PIXELS and height <= MAX_RASTER_PIXELS
    assert Path(caught[0].filename) == Path(__file__)  # points at the caller's line
    # 12 pt text at 96 dpi is 16 px; the warning gives what is left of it
    assert f"text is {16 * shrink:.2g} pixels" in str(caught[0].message)
    # too small to be drawn at all: a clear error, not a blank or broken image
    with pytest.raises(ValueError, match=r"cannot draw this graph as an image.*Write SVG"):
        draw_dot(chain(10_001), max_nodes=None).pipe(format="png")


def test_layout_errors_surface_with_stderr(no_dot: str) -> None:
    broken = viz.Digraph(body=["\tthis is { not dot\n"])
    with pytest.raises(graphviz.CalledProcessError) as info:
        broken.pipe()
    assert info.value.stderr


def test_asking_for_a_missing_dot_says_how_to_install(no_dot: str, monkeypatch) -> None:
    with pytest.raises(RendererNotFound) as info:
        find_renderer("dot")
    message = str(info.value)
    assert "backend='dot'" in message
    assert "pip install graphviz-pure" in message and "apt-get install graphviz" in message
    assert isinstance(info.value, graphviz.ExecutableNotFound)  # old handlers still catch it
    monkeypatch.setenv("VIZ_BACKEND", "dot")
    with pytest.raises(RendererNotFound):
        draw_dot(reuse()).pipe()
    with pytest.raises(ValueError, match="unknown backend 'cairo'"):
        find_renderer("cairo")


def test_pdf_needs_a_system_graphviz(no_dot: str) -> None:
    with pytest.raises(RendererNotFound, match="graphviz-pure cannot write 'pdf'"):
        draw_dot(reuse()).pipe(format="pdf")


def test_no_renderer_at_all_is_one_clear_error(no_dot: str, monkeypatch) -> None:
    monkeypatch.setattr(layout_program, "_pure_candidates", lambda: iter(()))  # as if not installed
    with pytest.raises(RendererNotFound) as info:
        draw_dot(reuse())._repr_mimebundle_()
    assert "neither graphviz-pure nor `dot`" in str(info.value)
    assert "pip install graphviz-pure" in str(info.value)


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as a stand-in dot")
def test_system_dot_is_used_when_asked_or_when_graphviz_pure_is_missing(
    no_dot: str, tmp_path: Path, monkeypatch
) -> None:
    # A `dot` on PATH that logs its calls and lays out with the real graphviz-pure.
    pure = find_renderer("graphviz-pure").path
    log = tmp_path / "calls.log"
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{pure}" "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{no_dot}")

    assert find_renderer().name == "graphviz-pure"  # auto prefers graphviz-pure
    svg = draw_dot(reuse(), backend="dot").pipe(encoding="utf-8")
    assert "<svg" in svg and log.read_text().split() == ["-Kdot", "-Tsvg"]
    monkeypatch.setattr(layout_program, "_pure_candidates", lambda: iter(()))
    assert find_renderer() == viz.Renderer("dot", str(fake))
    draw_dot(reuse()).pipe(format="png")
    assert "-Tpng -Gdpi=96 -Gsize=42.6667,42.6667" in log.read_text()
    assert find_renderer(str(fake)).path == str(fake)  # a path works as a backend too


def test_value_keeps_a_plain_text_repr() -> None:
    x = Value(2.0, label="x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert not any(hasattr(x, name) for name in ("_repr_svg_", "_repr_mimebundle_", "_repr_html_"))
