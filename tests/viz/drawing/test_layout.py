"""Drawings that fit and read well, laid out by the real graphviz-pure.

Orientation, long edges drawn from copies, qualified names as tooltips, neurons in order,
constants, accumulated grads, themes, one text size, dpi, fitting a notebook's width in a real
Chromium, hints that work past max_nodes, and the layout program dying with its Python process.
Layout *time* is measured in `python -m benchmarks.layout`, never asserted here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest

import nn
import viz
from autograd_core import Value, topological_order
from benchmarks.layout import power
from tests.conftest import needs
from tests.kernel import ROOT
from viz import GraphTooLargeError, draw_dot, format_number
from viz.drawing.layout_plan import NOTEBOOK_WIDTH_PX, VIRTUAL_BUDGET
from viz.drawing.layout_program import MAX_RASTER_PIXELS
from viz.drawing.theme import THEMES

from ..helpers import graphviz_pure_installed, png_size
from ..samples import neuron, neuron_grads, reuse
from .test_draw import chain, records


@pytest.fixture
def renderer() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command (pip install graphviz-pure)")


def svg_of(root: Value, **options: object) -> str:
    text: str = draw_dot(root, **options).pipe(format="svg", encoding="utf-8")
    return text


def svg_size(svg: str) -> tuple[float, float]:
    """Width and height in points."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert match, "not a Graphviz SVG"
    return float(match.group(1)), float(match.group(2))


def text_positions(svg: str) -> dict[str, tuple[float, float]]:
    """Each node's first text -> its (x, y) in the SVG (y grows downwards)."""
    out = {}
    for group in re.findall(r'<g id="[^"]+" class="node">(.*?)</g>\n(?=<!--|</g>)', svg, re.S):
        match = re.search(r'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>', group)
        if match:
            out[match.group(3)] = (float(match.group(1)), float(match.group(2)))
    return out


def mlp(sizes: list[int], **options: object) -> tuple[nn.MLP, Value]:
    model = nn.MLP(sizes[0], sizes[1:], seed=0, **options)
    out = model([0.5, -1.0, 0.25, 2.0][: sizes[0]])
    assert isinstance(out, Value)
    out.backward()
    return model, out


# --- 1. fit and orientation --------------------------------------------------------------------


def test_auto_direction_is_the_one_a_notebook_shrinks_less(renderer: None) -> None:
    limit = NOTEBOOK_WIDTH_PX * 72 / 96  # points

    def shrink(svg: str) -> float:
        return min(1.0, limit / svg_size(svg)[0])

    _, wide = mlp([2, 16, 1])
    cases = {"neuron": (neuron(), "TB"), "chain(30)": (chain(30), "TB")}
    cases["16 neurons, collapsed"] = (wide, "LR")
    for name, (root, expected) in cases.items():
        options = {"collapse": 4} if "collapsed" in name else {}
        chosen = draw_dot(root, **options).layout_plan.rankdir
        assert chosen == expected, name
        other = "LR" if chosen == "TB" else "TB"
        # checked against the real layouts: the choice shrinks less (or both fit)
        assert shrink(svg_of(root, rankdir=chosen, **options)) >= shrink(
            svg_of(root, rankdir=other, **options)
        ), name
    # a direction that is given is kept
    for rankdir in ("LR", "TB", "RL", "BT"):
        assert f"rankdir={rankdir}" in draw_dot(chain(30), rankdir=rankdir).source


FIT_PAGE = """<!DOCTYPE html><html><body style="margin:0">
<div id="fit" style="width:{width}px">{fit}</div>
<div id="small" style="width:{width}px">{small}</div>
<div id="natural" style="width:{width}px">{natural}</div></body></html>"""

MEASURE = """
const box = id => document.querySelector('#' + id + ' svg').getBoundingClientRect();
const natural = document.querySelector('#natural > div');
return {fit: [box('fit').width, box('fit').height], small: [box('small').width],
        natural: [box('natural').width, natural.scrollWidth, natural.clientWidth]};
"""


def test_jupyter_html_fits_the_output_width_in_a_browser(renderer: None, chromium) -> None:
    wide = draw_dot(chain(30), rankdir="LR")  # far wider than a notebook output
    small = draw_dot(reuse())
    (w, h) = svg_size(wide._repr_image_svg_xml())
    small_w, _ = svg_size(small._repr_image_svg_xml())
    assert w * 4 / 3 > 2 * NOTEBOOK_WIDTH_PX and small_w * 4 / 3 < NOTEBOOK_WIDTH_PX
    page = FIT_PAGE.format(
        width=NOTEBOOK_WIDTH_PX,
        fit=wide._repr_html_(),
        small=small._repr_html_(),
        natural=draw_dot(chain(30), rankdir="LR", fit=False)._repr_html_(),
    )
    chromium.get("data:text/html;charset=utf-8," + urllib.parse.quote(page))
    shown = chromium.execute_script(MEASURE)
    fit_w, fit_h = shown["fit"]
    assert fit_w == pytest.approx(NOTEBOOK_WIDTH_PX, abs=1)  # scaled down to the output
    assert fit_h / fit_w == pytest.approx(h / w, rel=0.02)  # keeping its proportions
    assert shown["small"][0] == pytest.approx(small_w * 4 / 3, abs=1)  # never blown up
    natural_w, scroll, client = shown["natural"]
    assert natural_w == pytest.approx(w * 4 / 3, abs=1) and scroll > client  # scrolls instead


# --- 2. slide quality -------------------------------------------------------------------------


def test_constants_look_different_from_inputs_and_parameters(renderer: None) -> None:
    source = draw_dot(reuse()).source  # y = (a + a) * 3
    constant = re.search(r"^\t+v2 \[.*$", source, re.M).group(0)
    leaf = re.search(r"^\t+v0 \[.*$", source, re.M).group(0)
    assert "fillcolor" in leaf and "fillcolor" not in constant
    muted = THEMES["light"].muted
    assert f'fontcolor="{muted}"' in constant and "(constant 3.0)" in constant
    svg = svg_of(reuse())
    constant_svg = re.search(r'<g id="v2" class="node">.*?</g>\n</g>', svg, re.S).group(0)
    assert f'fill="{muted}"' in constant_svg and f'stroke="{muted}"' in constant_svg


def test_every_text_has_one_size(renderer: None) -> None:
    svg = svg_of(neuron(), show_local_grads=True)
    assert set(re.findall(r'font-size="([\d.]+)"', svg)) == {"12.00"}
    assert svg.count('class="edge"') == 14 and "&#45;3.0</text>" in svg  # edge labels are there


def test_themes(renderer: None) -> None:
    dark = THEMES["dark"]
    svg = svg_of(neuron(), theme="dark")
    assert f'<polygon fill="{dark.background}"' in svg
    texts = set(re.findall(r'<text[^>]*fill="([^"]+)"', svg))
    assert texts == {dark.text}  # every text readable on the dark background
    assert 'fill="black"' not in svg and 'stroke="black"' not in svg
    assert draw_dot(neuron()).source.count("bgcolor=white") == 1
    with pytest.raises(ValueError, match="theme must be one of light, dark"):
        draw_dot(neuron(), theme="blue")


def test_dpi_gives_a_png_more_pixels(renderer: None) -> None:
    graph = draw_dot(neuron())
    sizes = {}
    for dpi in (96, 192, 300):
        graph.dpi = dpi
        sizes[dpi] = png_size(graph.pipe(format="png"))
    assert sizes[192][0] == pytest.approx(2 * sizes[96][0], abs=2)
    assert sizes[300][1] == pytest.approx(300 / 96 * sizes[96][1], abs=3)
    assert png_size(draw_dot(neuron(), dpi=192).pipe(format="png")) == sizes[192]
    big = draw_dot(chain(120), rankdir="LR", dpi=300)  # still capped
    with pytest.warns(viz.UnreadableRasterWarning):
        assert max(png_size(big.pipe(format="png"))) <= MAX_RASTER_PIXELS
    with pytest.raises(ValueError, match="dpi must be between"):
        draw_dot(neuron(), dpi=5)
    with pytest.raises(TypeError, match="dpi must be a number"):
        draw_dot(neuron(), dpi="300")


def test_leaves_summed_over_several_backward_calls_are_marked() -> None:
    o = neuron()  # one backward() so far: nothing to mark
    source = draw_dot(o).source
    assert "one pass" not in source and "backward() calls" not in source
    o.backward()
    labels = records(draw_dot(o).source)
    one = neuron_grads()
    by_name = {label.split(" | ")[0]: label for label in labels.values()}
    for name in ("x1", "w1", "x2", "b"):  # doubled, and said to be
        assert by_name[name].endswith(f"grad {format_number(2 * one[name])} | 2x one pass"), name
    assert by_name["w2"].endswith("grad 0.0")  # d o/d w2 = x2 = 0: twice 0 is one pass
    assert by_name["n"] == f"n | data 0.8814 | grad {format_number(one['n'])}"  # interior: reset
    note = re.search(r'label="(Orange outline[^"]*)"', draw_dot(o).source).group(1)
    assert "several backward() calls (x1, w1, x2, b)" in note.replace("\\l", " ")
    o.backward()
    assert "3x one pass" in draw_dot(o).source
    x1 = next(n for n in topological_order(o) if n.label == "x1")
    x1.grad += 0.25  # not a whole number of passes
    x1_label = records(draw_dot(o).source)["v" + str(topological_order(o).index(x1))]
    assert x1_label.endswith(f"one pass: {format_number(one['x1'])}")
    fresh = Value(2.0, label="x") * Value(3.0, label="y")  # no backward(): nothing to compare
    assert "one pass" not in draw_dot(fresh).source


# --- 3. bounded layout --------------------------------------------------------------------------


def test_long_edges_are_drawn_from_copies_of_their_tail(renderer: None) -> None:
    roots = {n: power(n) for n in (5, 40, 200, 1000)}
    for root in roots.values():
        root.backward()
    assert "_at_" not in draw_dot(roots[5]).source  # small graphs keep every edge
    root = roots[40]
    source = draw_dot(root).source
    copies = re.findall(r"^\t+(v0_at_v\d+_op) \[label=\"\{ x \}\"(.*)$", source, re.M)
    assert copies and all("style=dashed" in attrs for _, attrs in copies)
    # every product still has its two inputs, one way or another
    for i, node in enumerate(topological_order(root)):
        if node.parents:
            assert len(re.findall(rf"^\t\w+ -> v{i}_op\b", source, re.M)) == 2
    assert "Dashed: a Value drawn again" in source
    assert "<svg" in draw_dot(roots[200]).pipe(encoding="utf-8")
    plan = draw_dot(roots[1000]).layout_plan
    assert plan.virtual > 100 * VIRTUAL_BUDGET and plan.virtual_after <= VIRTUAL_BUDGET


def test_too_large_graphs_get_hints_that_work(renderer: None) -> None:
    model, out = mlp([4, 16, 16, 16, 1])
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(out)
    message = str(info.value)
    assert "'layers.0'" in message and "'layers.3'" in message and "mlp." not in message
    depth = int(re.search(r"collapse=(\d+) \(\d+ boxes\)", message).group(1))
    assert "<svg" in draw_dot(out, collapse=depth).pipe(encoding="utf-8")
    boxes = int(re.search(r"max_nodes=(\d+) \(None", message).group(1))
    assert boxes == len(topological_order(out))
    draw_dot(out, max_nodes=boxes)
    with pytest.raises(GraphTooLargeError):
        draw_dot(out, max_nodes=boxes - 1)
    assert len(model.layers) == 4


SLOW = """
import viz
body = ["\\tx\\n"] + [f"\\tm{i} -> m{i + 1}\\n\\tx -> m{i + 1}\\n" for i in range(400)]
viz.Digraph(body=body).pipe(format="svg")  # no bounds: minutes of layout
"""


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _runs(pid: int, program: str) -> bool:
    try:
        return program in Path(f"/proc/{pid}/cmdline").read_text()
    except FileNotFoundError:
        return False


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; uses prctl")
def test_the_layout_program_ends_when_python_is_terminated(renderer: None) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SLOW)], cwd=ROOT, env={**os.environ}
    )
    layout: list[int] = []
    try:
        deadline = time.monotonic() + 60
        # a child shows its program's command line once it has exec'd it (not just forked)
        while not (layout := [p for p in _children(child.pid) if _runs(p, "graphviz-pure")]):
            assert child.poll() is None, "the render finished before it could be interrupted"
            assert time.monotonic() < deadline, "the layout program never started"
            time.sleep(0.05)
        (pid,) = layout
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(pid), "graphviz-pure outlived the Python process that started it"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pid in layout:  # left running only if the test failed
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_layout_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.layout", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "slowest layout:" in done.stdout and "power(100)" in done.stdout


# --- 4. legible networks ------------------------------------------------------------------------


def test_every_node_carries_its_qualified_name(renderer: None) -> None:
    model, out = mlp([2, 4, 4, 1])
    svg = svg_of(out)
    for p in model.parameters():
        name = f"{p.scope}.{p.label}"  # e.g. layers.0.neurons.2.w.1
        assert svg.count(f'xlink:title="{name}"') == 1, name
    labels = records(draw_dot(out, show_ids=True).source)
    source = draw_dot(out).source
    tooltips = dict(re.findall(r'^\t+(v\d+) \[.*tooltip="?([^" \]]+)"?', source, re.M))
    assert len(tooltips) == len(topological_order(out))
    assert len(set(tooltips.values())) == len(tooltips)  # one name, one node
    for vid, name in tooltips.items():
        assert labels[vid].split(" | ")[0] == name  # show_ids shows the same name
    # inside its neuron's cluster a box needs only its label
    plain = records(source)
    w1 = next(v for v, n in tooltips.items() if n == "layers.0.neurons.2.w.1")
    assert plain[w1].startswith("w.1 | data")
    x, y = Value(1.0, label="x"), Value(2.0, label="x")
    assert set(re.findall(r'tooltip="(x#\d)"', draw_dot(x * y).source)) == {"x#0", "x#1"}


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_collapsed_networks_list_neurons_in_order(renderer: None, rankdir: str) -> None:
    _, out = mlp([2, 8, 8, 1])
    where = text_positions(svg_of(out, collapse=4, rankdir=rankdir))
    for layer in (0, 1):
        names = [f"layers.{layer}.neurons.{k}" for k in range(8)]
        along = [where[n][1] if rankdir == "LR" else where[n][0] for n in names]
        assert along == sorted(along), f"layers.{layer} out of order ({rankdir})"
    # one neuron collapsed inside an expanded layer: a short label inside the layer's cluster
    source = draw_dot(out, collapse="layers.0.neurons.1").source
    layer0 = source[source.index('label="layers.0"') : source.index("subgraph", source.index(
        'label="layers.0"'))]  # fmt: skip
    assert re.search(r'\{ neurons\.1 \| 8 values \|.*tooltip="layers\.0\.neurons\.1"', layer0)


def test_an_edge_the_layout_program_loses_is_reported(renderer: None) -> None:
    # graphviz-pure cannot route the edge from the collapsed layers.0 into the collapsed neuron
    # inside the layers.1 cluster ("Error: lost s1 s0 edge", exit status 1), yet it writes the
    # rest of the drawing: we keep the drawing and say which edge is missing.
    model = nn.MLP(3, [8, 8, 1], seed=1)
    out = model([0.3, 0.3, 0.3])
    assert isinstance(out, Value)
    graph = draw_dot(out, collapse=["layers.1.neurons.0", "layers.0"])
    with pytest.warns(UserWarning, match=r"could not route 1 edge\(s\) \(s1 -> s0\)"):
        svg = graph.pipe(encoding="utf-8")
    assert svg.rstrip().endswith("</svg>") and svg.count('class="node"') > 100
