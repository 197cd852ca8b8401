"""viz.explore: rebuilding the graph with new leaf values, the widget's state, and dragging its
slider in a real JupyterLab in headless Chromium."""

from __future__ import annotations

import html
import math
import operator
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, topological_order
from tests.browser import Lab, notebook, panel, run_all, wait_until
from tests.conftest import needs
from tests.kernel import execute, kernel_available
from viz.explorer.widget import Explorer, explore, replay, slider_range

from ..helpers import drawn, graphviz_pure_installed, legend_swatch, strip_graphviz_from_path

W, B = -3.0, 6.8814


def neuron(x: float = 2.0) -> tuple[Value, dict[str, Value]]:
    leaves = {"x": Value(x, label="x"), "w": Value(W, label="w"), "b": Value(B, label="b")}
    o = (leaves["x"] * leaves["w"] + leaves["b"]).tanh()
    o.label = "o"
    o.backward()
    return o, leaves


def closed_form(x: float, w: float = W, b: float = B) -> dict[str, float]:
    """o = tanh(x*w + b) and its derivatives, by hand."""
    o = math.tanh(x * w + b)
    d = 1 - o * o
    return {"o": o, "x": w * d, "w": x * d, "b": d}


def test_set_recomputes_forward_and_backward_without_touching_the_inputs() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    o, leaves = neuron()
    explorer = explore(o)
    assert isinstance(explorer, Explorer)
    assert [s["name"] for s in explorer.sliders] == ["x", "w", "b"]
    want = closed_form(2.0)
    assert explorer.root.data == pytest.approx(want["o"], rel=1e-12)
    explorer.set(x=3.0)
    want = closed_form(3.0)
    assert explorer.root.data == pytest.approx(want["o"], rel=1e-12)
    for name in "xwb":
        assert explorer.leaves[name].grad == pytest.approx(want[name], rel=1e-12)
    assert explorer.inputs == {"x": 3.0, "w": W, "b": B}
    # the user's own graph is unchanged
    assert leaves["x"].data == 2.0 and o.data == pytest.approx(closed_form(2.0)["o"])
    assert leaves["x"].grad == pytest.approx(closed_form(2.0)["x"])
    # what the widget sends: numbers in the drawing and per node
    assert f"data {round(want['o'], 4)}" in html.unescape(explorer.svg)
    assert explorer.nodes[-1]["data"] == str(round(want["o"], 4))
    assert explorer.nodes[0]["grad"] == str(round(want["x"], 4))
    assert explorer.error == ""
    steps = explorer.steps["steps"]
    assert len(steps) == 2 + 3  # forward, seed, then tanh, +, *


def test_a_slider_move_from_the_browser_recomputes_or_shows_the_error() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    x = Value(2.0, label="x")
    y = (x * x).log()
    y.label = "y"
    explorer = explore(y)
    revision = explorer.revision
    explorer.inputs = {"x": 0.5}  # what the front end does when the slider moves
    assert explorer.revision == revision + 1
    assert explorer.root.data == pytest.approx(math.log(0.25))
    assert explorer.leaves["x"].grad == pytest.approx(2 / 0.5)
    explorer.inputs = {"x": 0.0}  # log(0): the error is shown, the last graph stays
    assert "log() needs a positive input" in explorer.error
    assert explorer.revision == revision + 2
    assert explorer.root.data == pytest.approx(math.log(0.25))
    with pytest.raises(ValueError, match="log"):
        explorer.set(x=0.0)
    assert explorer.leaves["x"].data == 0.5


def test_bad_arguments_are_clear_errors() -> None:
    o, _ = neuron()
    explorer = explore(o)
    with pytest.raises(ValueError, match="no slider named 'y'.*x, w, b"):
        explorer.set(y=1.0)
    with pytest.raises(TypeError, match="x takes a number"):
        explorer.set(x="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="explore"):
        explore(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no slider named 'q'"):
        explore(o, ranges={"q": (0, 1)})
    with pytest.raises(ValueError, match="low < high"):
        explore(o, ranges={"x": (1, 0)})
    with pytest.raises(ValueError, match="collapse"):
        explore(o, collapse="nowhere")


def test_slider_ranges() -> None:
    for value in (0.0, 2.0, -3.0, 6.8814, 1e-3, 250.0):
        low, high, step = slider_range(value)
        half = max(1.0, 2 * abs(value))
        assert low <= value - half + 1e-12 and high >= value + half - 1e-12
        assert 100 <= (high - low) / step <= 2100
    o, _ = neuron()
    explorer = explore(o, ranges={"x": (-5, 5)})
    x = next(s for s in explorer.sliders if s["name"] == "x")
    assert (x["min"], x["max"]) == (-5.0, 5.0)
    explorer.set(x=9.0)  # past the end: the range grows to hold it
    x = next(s for s in explorer.sliders if s["name"] == "x")
    assert x["max"] == 9.0 and explorer.inputs["x"] == 9.0


OPS = ["+", "-", "*", "tanh", "sigmoid", "sin", "exp_small", "square", "neg", "relu"]


@st.composite
def expressions(draw: st.DrawFn) -> tuple[list[tuple[str, int, int]], list[float]]:
    """A random expression over 3 leaves: a list of (op, input, input) rows, and leaf values."""
    values = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
    rows = []
    for k in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(OPS))
        a, b = draw(st.integers(0, 2 + k)), draw(st.integers(0, 2 + k))
        rows.append((op, a, b))
    return rows, values


UNARY = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "sin": Value.sin,
    "exp_small": lambda a: (a * 0.1).exp(),
    "square": lambda a: a**2,
    "neg": lambda a: -a,
    "relu": Value.relu,
}
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def build(rows: list[tuple[str, int, int]], values: list[float]) -> Value:
    nodes = [Value(v, label=name) for v, name in zip(values, "abc")]
    for op, i, j in rows:
        a, b = nodes[i], nodes[j]
        nodes.append(BINARY[op](a, b) if op in BINARY else UNARY[op](a))
    return nodes[-1] + 0.0 * (nodes[0] + nodes[1] + nodes[2])  # every leaf in the graph


@settings(max_examples=60, deadline=None)
@given(expressions(), st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_replay_equals_building_the_expression_with_the_new_numbers(
    expression: tuple[list[tuple[str, int, int]], list[float]], new: list[float]
) -> None:
    rows, values = expression
    order = topological_order(build(rows, values))
    leaf_index = {node.label: i for i, node in enumerate(order) if node.label}
    replayed = replay(order, {leaf_index[name]: v for name, v in zip("abc", new)})
    fresh = topological_order(build(rows, new))
    assert [n.op for n in replayed] == [n.op for n in fresh]
    assert [n.data for n in replayed] == [n.data for n in fresh]
    replayed[-1].backward()
    fresh[-1].backward()
    assert [n.grad for n in replayed] == [n.grad for n in fresh]


def test_without_a_renderer_the_widget_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    strip_graphviz_from_path(monkeypatch)
    o, _ = neuron()
    explorer = explore(o, backend="dot")  # no system dot here: nothing can lay it out
    assert explorer.svg == ""
    assert "pip install graphviz-pure" in explorer.error
    assert "No drawing" in repr(explorer)
    bundle = explorer._repr_mimebundle_()
    assert bundle is not None
    explorer.set(x=1.0)  # the numbers still work
    assert explorer.root.data == pytest.approx(closed_form(1.0)["o"])


def test_displaying_in_a_real_kernel_never_raises(tmp_path: Path) -> None:
    needs(kernel_available(), "nbclient, ipykernel and a python3 kernel spec")
    import nbformat

    cells = notebook(
        "from autograd_core import Value\nimport viz\n"
        "x = Value(2.0, label='x'); o = (x * -3.0 + 6.8814).tanh()\n"
        "viz.explore(o)",
        "e = viz.explore(o, backend='dot')  # no dot here: no drawing\ne",
        "print(e.error)",
    )
    nb = nbformat.from_dict(cells)  # type: ignore[no-untyped-call]
    execute(nb, tmp_path)
    kinds = [out.output_type for cell in nb.cells for out in cell.outputs]
    assert "error" not in kinds
    for cell in nb.cells[:2]:
        (out,) = cell.outputs
        assert "application/vnd.jupyter.widget-view+json" in out.data
    assert "pip install graphviz-pure" in nb.cells[2].outputs[0].text


def shown_number(text: str | None) -> float:
    return float(text) if text else math.nan


def test_dragging_the_slider_in_jupyterlab(chromium: Any, jupyterlab: Lab) -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    path = jupyterlab.upload(
        "explorer.ipynb",
        notebook(
            "from autograd_core import Value\nimport viz\n"
            f"x, w, b = Value(2.0, label='x'), Value({W}, label='w'), Value({B}, label='b')\n"
            "o = (x * w + b).tanh(); o.label = 'o'\n"
            "viz.explore(o)"
        ),
    )
    driver = chromium
    run_all(driver, jupyterlab, path)
    page = panel(driver)  # the notebook on show
    (slider,) = wait_until(
        lambda: page.find_elements(By.CSS_SELECTOR, ".viz-explorer input[data-name=x]"),
        30,
        "the explorer's slider for x",
    )
    root = page.find_element(By.CSS_SELECTOR, ".viz-explorer")
    label = root.find_element(By.CSS_SELECTOR, f"label[for='{slider.get_attribute('id')}']")
    assert label.text == "x"
    revision = int(root.get_attribute("data-revision"))
    # drag the thumb from the middle of the track to three quarters of the way
    width = slider.size["width"]
    ActionChains(driver).click_and_hold(slider).move_by_offset(width // 4, 0).release().perform()
    value = float(slider.get_attribute("value"))
    assert value != 2.0
    readout = root.find_element(By.CSS_SELECTOR, ".viz-readout")
    wait_until(
        lambda: (
            int(root.get_attribute("data-revision")) > revision
            and shown_number(readout.get_attribute("data-value")) == pytest.approx(value, abs=1e-4)
        ),
        30,
        "the kernel's answer to the slider",
    )
    want = closed_form(value)
    assert shown_number(readout.get_attribute("data-grad")) == pytest.approx(want["x"], abs=1e-4)
    output = root.find_element(By.CSS_SELECTOR, ".viz-output")
    assert shown_number(output.get_attribute("data-value")) == pytest.approx(want["o"], abs=1e-4)
    # the drawing shows the same numbers: the output box's data and x's grad
    texts = driver.execute_script(
        "return [...arguments[0].querySelectorAll('.viz-canvas g.node text')]"
        ".map(t => t.textContent);",
        root,
    )
    assert f"data {output.get_attribute('data-value')}" in texts
    assert f"grad {readout.get_attribute('data-grad')}" in texts
    # hovering the * op shows its local-derivative formulas and the chain-rule product
    op = root.find_element(By.CSS_SELECTOR, ".viz-canvas g[id='v2_op']")
    ActionChains(driver).move_to_element(op).perform()
    tip = root.find_element(By.CSS_SELECTOR, ".viz-tip")
    wait_until(lambda: tip.is_displayed(), 5, "the hover box")
    assert "(op *)" in tip.text and "∂#2/∂x = w" in tip.text
    assert re.search(r"grad\(#2\) = ∂#4/∂#2 × grad\(#4\) = ", tip.text)
    # the step control walks the backward pass of the new numbers, as the page does
    unstepped = {node: drawn(driver, root, node) for node in ("v2", "v2_op", "v0")}
    root.find_element(By.CSS_SELECTOR, "details summary").click()
    root.find_element(By.CSS_SELECTOR, "[data-viz=first]").click()
    assert root.find_element(By.CSS_SELECTOR, "[data-viz=counter]").text == "step 0 / 4"
    assert "grad ?" in driver.execute_script(
        "return [...arguments[0].querySelectorAll('.viz-canvas text')].map(t => t.textContent);",
        root,
    )
    for _ in range(4):
        root.find_element(By.CSS_SELECTOR, "[data-viz=next]").click()
    lines = root.find_element(By.CSS_SELECTOR, "[data-viz=text]").text.splitlines()
    assert lines[0] == "∂#2/∂x = w = -3.0"
    assert lines[1].startswith("grad(x) += ∂#2/∂x × grad(#2) = -3.0 × ")
    assert float(lines[1].rsplit("= ", 1)[1]) == pytest.approx(want["x"], abs=1e-4)
    # and it is drawn: #2 (passing its gradient now) as the legend's red and pink, x in blue
    pink, red = legend_swatch(driver, root, "current")
    _, blue = legend_swatch(driver, root, "input")
    stepped = {node: drawn(driver, root, node) for node in unstepped}
    for node in unstepped:
        assert stepped[node] != unstepped[node], f"{node} looks the same when stepped to"
    assert stepped["v2"][0] == (pink, red)
    assert stepped["v2_op"] == [(pink, red)]
    assert stepped["v0"][0][1] == blue
    # each further drag is answered too: no value is sent twice (an unchanged value changes
    # nothing in the kernel, which would leave the widget waiting for an answer)
    for offset in (-width // 8, width // 3, -width // 3):
        before = float(slider.get_attribute("value"))
        ActionChains(driver).click_and_hold(slider).move_by_offset(offset, 0).release().perform()
        moved = float(slider.get_attribute("value"))
        assert moved != before
        wait_until(
            lambda moved=moved: (
                shown_number(readout.get_attribute("data-value")) == pytest.approx(moved, abs=1e-4)
            ),
            30,
            "the kernel's answer to another drag of the slider",
        )
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert [e for e in errors if "viz" in e["message"] or "anywidget" in e["message"]] == []


def test_replay_uses_each_nodes_own_op_row_so_every_op_is_exact() -> None:
    from autograd_core import topological_order
    from viz.explorer.widget import replay

    x = Value(0.7, label="x")
    root = (x ** (1 / 3)).softplus() + x.maximum(Value(0.2)) * x.log1p()
    order = topological_order(root)
    new = replay(order, {0: 1.9})
    y = Value(1.9)
    fresh = (y ** (1 / 3)).softplus() + y.maximum(Value(0.2)) * y.log1p()
    assert new[-1].data == fresh.data and new[-1] is not root


FIT = """
const root = arguments[0];
const viewport = root.querySelector('.viz-viewport');
const svg = root.querySelector('.viz-canvas svg');
const area = root.closest('.jp-OutputArea-output');
const v = viewport.getBoundingClientRect(), s = svg.getBoundingClientRect();
return {
  scale: s.width / svg.width.baseVal.value,
  svg: [s.left, s.top, s.right, s.bottom], viewport: [v.left, v.top, v.right, v.bottom],
  area: area.clientWidth, widget: root.getBoundingClientRect().width, scroll: area.scrollWidth,
};
"""


@pytest.mark.parametrize("rankdir", [None, "LR"])
def test_the_drawing_fits_its_output_in_jupyterlab_at_half_size_or_more(
    rankdir: str | None, chromium: Any, jupyterlab: Lab
) -> None:
    """The explorer of notebook 02's neuron (five labelled leaves, ids shown) in JupyterLab at
    1280x900: the whole drawing inside the widget's viewport, at no less than half its size,
    also after `set()` has drawn it again with longer numbers. Drawn LR (wider than the output
    even at half size), it is scaled below half, but still whole."""
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    path = jupyterlab.upload(
        f"explorer_fit_{rankdir}.ipynb",
        notebook(
            "from autograd_core import Value\nimport viz\n"
            "x1, x2 = Value(2.0, 'x1'), Value(0.0, 'x2')\n"
            "w1, w2 = Value(-3.0, 'w1'), Value(1.0, 'w2')\n"
            "b = Value(6.8813735870195432, 'b')\n"
            "x1w1 = x1 * w1; x1w1.label = 'x1*w1'\nx2w2 = x2 * w2; x2w2.label = 'x2*w2'\n"
            "n = x1w1 + x2w2 + b; n.label = 'n'\no = n.tanh(); o.label = 'o'\no.backward()\n"
            f"explorer = viz.explore(o, rankdir={rankdir!r})\nexplorer",
            # as the notebook goes on: new numbers, some longer, so the drawing grows wider
            "for bias in (b.data, 10.0, 20.0):\n    explorer.set(b=bias)",
        ),
    )
    driver = chromium
    run_all(driver, jupyterlab, path)
    page = panel(driver)
    from selenium.webdriver.common.by import By

    root = wait_until(
        lambda: page.find_elements(By.CSS_SELECTOR, ".viz-explorer .viz-canvas svg"),
        30,
        "the explorer's drawing",
    )[0].find_element(By.XPATH, "ancestor::div[contains(@class, 'viz-explorer')]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", root)
    wait_until(lambda: root.get_attribute("data-zoom"), 10, "the drawing to be fitted")
    fit = driver.execute_script(FIT, root)
    left, top, right, bottom = fit["svg"]
    v_left, v_top, v_right, v_bottom = fit["viewport"]
    if rankdir is None:  # the default: the orientation that draw_dot's rule picks
        assert fit["scale"] >= 0.5, f"drawn at {fit['scale']:.0%} of its size: {fit}"
    assert fit["widget"] <= fit["area"] + 1 and fit["scroll"] <= fit["area"] + 1, fit
    clipped = left < v_left - 1 or right > v_right + 1 or top < v_top - 1 or bottom > v_bottom + 1
    assert not clipped, f"the drawing is cut off by the viewport: {fit}"
