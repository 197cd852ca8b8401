"""explain_backward: the steps' formulas and numbers, arithmetic that checks out to the digits
shown (on fixed and random graphs), collapsed scopes, a self-contained page, and stepping it
from file:// in headless Chromium."""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd_core import Value, gradients, name_scope, topological_order
from tests.conftest import needs
from viz import GraphTooLargeError, HTMLPage, backward_steps, explain_backward
from viz.explain import page
from viz.explain.steps import chain_rule_lines, walk
from viz.jupyter import script_json

from ..helpers import drawn, graphviz_pure_installed, legend_swatch
from ..samples import neuron, neuron_grads, reuse, scoped

NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
TERM = rf"(?:{NUMBER}|\({NUMBER}\))"
ARITHMETIC = re.compile(rf"= ({TERM}(?: [×+] {TERM})+) = ({NUMBER})$")


def resolution(text: str, precision: int) -> Fraction:
    """Half a unit of the last digit `text` stands for: shown decimals, at least `precision`."""
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    if exponent:
        return Fraction(10) ** (int(exponent) - max(decimals, precision - 1)) / 2
    return Fraction(10) ** -max(decimals, precision) / 2


def check_arithmetic(line: str, precision: int = 4) -> bool:
    """If `line` ends in `= a × b [+ c × d ...] = r`, check it with exact fractions; return
    whether it had arithmetic to check."""
    match = ARITHMETIC.search(line)
    if not match:
        return False
    total, size, terms = Fraction(0), Fraction(0), match.group(1).split(" + ")
    for term in terms:
        product = Fraction(1)
        for factor in term.split(" × "):
            product *= Fraction(factor.strip("()"))
        total, size = total + product, size + abs(product)
    result = match.group(2)
    # The float arithmetic that computed the result rounds once per product and per addition
    # (unit roundoff 2**-53); where terms cancel, that rounding is all the result is.
    rounding = (len(terms) + 1) * size * Fraction(1, 2**53)
    assert abs(total - Fraction(result)) <= resolution(result, precision) + rounding, (
        f"the shown arithmetic is off: {line!r} (exactly {float(total)!r})"
    )
    return True


def all_lines(steps: list[dict[str, Any]]) -> list[str]:
    return [line for step in steps for line in step["lines"]]


def test_steps_show_formulas_then_numbers() -> None:
    o = neuron()
    steps = backward_steps(o)
    order = topological_order(o)
    interior = [i for i, node in enumerate(order) if node.parents]
    assert len(steps) == 2 + len(interior)
    assert [s["current"] for s in steps[2:]] == interior[::-1]  # root first
    assert steps[0]["updates"] == [] and steps[1]["updates"] == [[9, "1.0", True]]
    assert steps[2]["title"] == "o = tanh(n): pass grad(o) = 1.0 to its inputs"
    local, line = steps[2]["lines"][:2]
    assert local.startswith("∂o/∂n = 1 - o * o = ")
    assert float(local.rsplit("= ", 1)[1]) == pytest.approx(neuron_grads()["n"], abs=5e-5)
    assert line.startswith("grad(n) += ∂o/∂n × grad(o) = ")
    mul = next(s for s in steps if s["current"] == 2)  # #2 = x1 * w1
    assert mul["title"].startswith("#2 = x1 * w1: pass grad(#2) = ")
    assert mul["lines"][0] == "∂#2/∂x1 = w1 = -3.0"
    assert mul["lines"][1].startswith("grad(x1) += ∂#2/∂x1 × grad(#2) = -3.0 × ")
    assert mul["lines"][2] == "∂#2/∂w1 = x1 = 2.0"
    add = next(s for s in steps if s["current"] == 8)  # n = #6 + b: a constant derivative
    assert add["lines"][0] == "∂n/∂#6 = 1"


def test_the_readme_neuron_no_longer_rounds_operands_but_not_the_product() -> None:
    """b = 6.8814 (not the exact constant): grad(#2) is 0.49998..., which 4 decimals would show
    as 0.5 while the product -1.49994 shows as -1.4999."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    o = (x * w + b).tanh()
    lines = all_lines(backward_steps(o))
    line = next(line for line in lines if line.startswith("grad(x) +="))
    assert check_arithmetic(line)
    assert "-3.0 × 0.5 = -1.4999" not in line
    shown = float(line.rsplit("= ", 1)[1])
    assert shown == pytest.approx(-3.0 * (1 - math.tanh(2 * -3 + 6.8814) ** 2), abs=5e-5)


def test_reused_node_accumulates_then_completes() -> None:
    steps = backward_steps(reuse())
    add = next(s for s in steps if s["current"] == 1)
    assert add["lines"] == [
        "∂#1/∂a = 1",
        "grad(a) += ∂#1/∂a × grad(#1) = 1.0 × 3.0 = 3.0",
        "∂#1/∂a = 1",
        "grad(a) += ∂#1/∂a × grad(#1) = 1.0 × 3.0 = 3.0",
        "grad(a) = 3.0 + 3.0 = 6.0",
        "complete: grad(a) = 6.0",
    ]
    assert add["updates"] == [[0, "3.0", False], [0, "6.0", True]]


def network_output(sizes: list[int], seed: int) -> Value:
    """The single output of an nn.MLP(2, sizes) on one input."""
    out = nn.MLP(2, sizes, seed=seed)([0.5, -1.0])
    assert isinstance(out, Value)
    return out


def graphs() -> list[Value]:
    out = network_output([3, 2, 1], seed=1)
    return [
        neuron(),
        reuse(),
        scoped(),
        (Value(0.3, "u").sigmoid() * Value(2.0, "v")).log(),
        (Value(1.234567, "p") / Value(-0.007, "q")) ** 3,
        out,
        nn.hinge([out], [1.0]),
    ]


def test_arithmetic_checks_out_on_several_graphs_and_final_grads_are_the_engines() -> None:
    checked = 0
    for root in graphs():
        for precision in (2, 4, 6):
            steps = backward_steps(root, precision)
            checked += sum(check_arithmetic(line, precision) for line in all_lines(steps))
            for title in (s["title"] for s in steps[2:]):
                assert ": pass grad(" in title
        engine = gradients(root)
        final: dict[int, str] = {}
        for step in backward_steps(root, 6):
            for j, text, complete in step["updates"]:
                final[j] = text
                assert complete in (True, False)
        order = topological_order(root)
        assert len(final) == len(order)
        for j, node in enumerate(order):
            assert float(final[j]) == pytest.approx(engine[node], abs=5e-7, rel=1e-6)
    assert checked > 100


OPS: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "exp": lambda a, b: (a * 0.3).exp(),
    "square": lambda a, b: a**2,
    "sin": lambda a, b: a.sin(),
    "log_sq": lambda a, b: (a * a + 1).log(),
}
LEAF = st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3)
ROW = st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 20), st.integers(0, 20))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(LEAF, min_size=3, max_size=3),
    st.lists(ROW, min_size=1, max_size=10),
    st.sampled_from([1, 3, 4, 6]),
)
def test_arithmetic_checks_out_on_random_graphs(
    values: list[float], rows: list[tuple[str, int, int]], precision: int
) -> None:
    nodes = [Value(v, label=name) for v, name in zip(values, "abc")]
    for op, i, j in rows:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if op == "/" and abs(b.data) < 1e-3:
            continue
        node = OPS[op](a, b)
        if abs(node.data) < 1e6:
            nodes.append(node)
    root = nodes[-1]
    for line in all_lines(backward_steps(root, precision)):
        check_arithmetic(line, precision)
    for lines in chain_rule_lines(walk(topological_order(root), precision), precision):
        for line in lines:
            check_arithmetic(line, precision)


def test_names_are_qualified_and_unique_in_a_network() -> None:
    out = network_output([3, 1], seed=0)
    steps = backward_steps(out)
    text = "\n".join(s["title"] + "\n" + "\n".join(s["lines"]) for s in steps)
    names = re.findall(r"grad\(([^)]+)\)", text)
    params = {n for n in names if not n.startswith("#")}
    assert "layers.0.neurons.2.w.1" in params  # the name named_parameters() gives
    order = topological_order(out)
    labelled = [node for node in order if node.label]
    assert len(params) == len({(n.scope, n.label) for n in labelled})  # one name per node


def test_collapsed_scopes_are_one_step_each() -> None:
    out = network_output([4, 4, 1], seed=3)
    order = topological_order(out)
    steps = backward_steps(out, collapse=2)
    scopes = [s["scope"] for s in steps if s["scope"]]
    assert sorted(scopes) == ["layers.0", "layers.1", "layers.2"]
    assert len(steps) == 2 + 3 + sum(1 for n in order if n.parents and not n.scope)
    layer0 = next(s for s in steps if s["scope"] == "layers.0")
    assert layer0["title"].startswith("layers.0 (collapsed, ")
    assert any("grad(layers.0.neurons.0." in line for line in layer0["lines"])
    engine = gradients(out)
    final = {j: text for s in steps for j, text, _ in s["updates"]}
    for j, node in enumerate(order):
        assert float(final[j]) == pytest.approx(engine[node], abs=5e-5)
    for line in all_lines(steps):
        check_arithmetic(line)


def test_a_scope_that_a_path_leaves_and_reenters_cannot_be_one_step() -> None:
    x = Value(1.5, label="x")
    with name_scope("s"):
        a = x * 2.0
    b = a.tanh()
    with name_scope("s"):
        c = b * a
    with pytest.raises(ValueError, match="scope 's' cannot be one step"):
        backward_steps(c, collapse="s")
    with pytest.raises(ValueError, match="no Value has scope 'nope'"):
        backward_steps(c, collapse="nope")


def page_data(page: HTMLPage) -> dict[str, Any]:
    match = re.search(r'<script id="viz-data" type="application/json">(.*?)</script>', page.html)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_page_is_self_contained_and_escapes_labels(tmp_path: Path) -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = explain_backward((x * 2).exp())
    assert isinstance(page, HTMLPage)
    text = page.html
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text
    assert "<script>alert(1)" not in text
    assert text.count("</script>") == 2  # the data block and the script, nothing else
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", text)
    assert set(re.findall(r"https?://[^\"'\s)]+", text)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert "still being summed" in text and "complete" in text  # the legend
    saved = page.save(tmp_path / "page.html")
    assert saved.read_text(encoding="utf-8") == text
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in inline
    with pytest.raises(TypeError, match="explain_backward"):
        explain_backward([x])  # type: ignore[arg-type]
    with pytest.raises(GraphTooLargeError, match="sub-expression"):
        explain_backward((x * 2).exp(), max_nodes=2)
    with pytest.raises(ValueError, match="play_interval"):
        explain_backward(x, play_interval=0)


def test_network_page_stays_small() -> None:
    """MLP 2-16-16-1 (640 steps): the steps are stored compactly (names once, lines as parts);
    collapse=2 makes a small page."""
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    out = network_output([16, 16, 1], seed=0)
    order = topological_order(out)
    interior = sum(1 for n in order if n.parents)
    data = page.page_data(walk(order, 4), set(range(len(order))))  # the page's data block
    assert len(data["steps"]) == 2 + interior
    assert len(script_json(data).encode()) < 500 * interior
    collapsed = explain_backward(out, collapse=2)
    assert len(page_data(collapsed)["steps"]) == 2 + 3  # forward, seed, three layers
    assert len(collapsed.html.encode()) < 150_000


def test_page_steps_through_backward_in_chromium(chromium: Any, tmp_path: Path) -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser = chromium
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    path = explain_backward(o, play_interval=0.05).save(tmp_path / "backward.html")
    browser.get(path.as_uri())

    def text(name: str) -> str:
        shown: str = browser.find_element(By.CSS_SELECTOR, f"[data-viz={name}]").text
        return shown

    def grad_shown(node: str) -> list[str]:
        """[text, class] of the grad field of node `v<i>` as the page shows it now."""
        return browser.execute_script(  # type: ignore[no-any-return]
            "var t = [...document.getElementById(arguments[0]).querySelectorAll('text')]"
            ".find(e => e.textContent.startsWith('grad '));"
            "return [t.textContent, t.getAttribute('class')];",
            node,
        )

    def step_lines() -> list[str]:
        return text("text").splitlines()

    last = len(backward_steps(o)) - 1
    assert last == 4  # 0 forward, 1 seed, then o, n, #2 (o is v5, n v4, #2 v2, x v0)
    assert text("counter") == f"step 0 / {last}"
    assert text("title").startswith("Forward pass done")
    assert grad_shown("v5") == ["grad ?", "grad-unknown"]
    assert browser.find_element(By.CSS_SELECTOR, "[data-viz=prev]").get_property("disabled")

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)  # step 1: seed
    assert grad_shown("v5") == ["grad 1.0", "grad-final"]
    browser.find_element(By.CSS_SELECTOR, "[data-viz=next]").click()  # step 2: o = tanh(n)
    assert text("title") == "o = tanh(n): pass grad(o) = 1.0 to its inputs"
    assert step_lines()[0] == "∂o/∂n = 1 - o * o = 0.5"
    assert "viz-current" in browser.find_element(By.ID, "v5").get_attribute("class")
    assert "viz-input" in browser.find_element(By.ID, "v4").get_attribute("class")
    assert "viz-active" in browser.find_element(By.ID, "e5_0").get_attribute("class")
    checked = 0
    for _ in range(2):
        body.send_keys("n")
        checked += sum(check_arithmetic(line) for line in step_lines())
    assert text("counter") == f"step {last} / {last}"
    assert checked == 4  # two products in n's step, two in #2's
    assert "grad(x) += ∂#2/∂x × grad(#2) = -3.0 × 0.49998 = -1.4999" in step_lines()
    assert grad_shown("v0") == ["grad -1.4999", "grad-final"]
    assert browser.find_element(By.CSS_SELECTOR, "[data-viz=next]").get_property("disabled")

    # zoom: buttons, keys and the wheel change the scale; dragging pans
    root = browser.find_element(By.ID, "viz")
    zoom = float(root.get_attribute("data-zoom"))
    browser.find_element(By.CSS_SELECTOR, "[data-viz=zoom-in]").click()
    assert float(root.get_attribute("data-zoom")) == pytest.approx(zoom * 1.25)
    body.send_keys("-")
    assert float(root.get_attribute("data-zoom")) == pytest.approx(zoom)
    viewport = browser.find_element(By.CSS_SELECTOR, ".viz-viewport")
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(viewport), 0, -200).perform()
    WebDriverWait(browser, 5).until(lambda d: float(root.get_attribute("data-zoom")) > zoom)
    canvas = browser.find_element(By.CSS_SELECTOR, ".viz-canvas")
    before = canvas.value_of_css_property("transform")
    ActionChains(browser).click_and_hold(viewport).move_by_offset(-60, 15).release().perform()
    assert canvas.value_of_css_property("transform") != before

    body.send_keys(Keys.HOME)
    assert text("counter") == f"step 0 / {last}" and grad_shown("v5")[0] == "grad ?"
    # play runs from the start to the end on its own, then stops
    browser.execute_script("window.__steps = []; new MutationObserver(() => "
                           "window.__steps.push(document.getElementById('viz').dataset.step))"
                           ".observe(document.getElementById('viz'), {attributes: true, "
                           "attributeFilter: ['data-step']});")  # fmt: skip
    body.send_keys(Keys.SPACE)
    WebDriverWait(browser, 15).until(lambda d: text("counter") == f"step {last} / {last}")
    assert "play" in text("play")
    assert browser.execute_script("return window.__steps") == [str(k) for k in range(1, last + 1)]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_node_passing_its_gradient_is_drawn_as_the_legend_says(
    chromium: Any, tmp_path: Path
) -> None:
    """What the browser paints, not class names: at the step where o = tanh(n) passes its
    gradient, o's box and its tanh circle take the legend's red outline and pink fill, and n's
    box the inputs' blue outline; the same shapes at step 0 look otherwise."""
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    chromium.get(explain_backward(o).save(tmp_path / "backward.html").as_uri())
    root = chromium.find_element(By.ID, "viz")
    pink, red = legend_swatch(chromium, root, "current")
    _, blue = legend_swatch(chromium, root, "input")
    assert len({pink, red, blue}) == 3  # three colours to tell apart
    nodes = ("v5", "v5_op", "v4")  # o's box, its tanh circle, n's box
    before = {node: drawn(chromium, root, node) for node in nodes}
    body = chromium.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # step 2: o passes its gradient to n
    assert root.get_attribute("data-step") == "2"
    after = {node: drawn(chromium, root, node) for node in nodes}
    for node in nodes:
        assert after[node] != before[node], f"{node} looks the same at steps 0 and 2"
    assert after["v5"][0] == (pink, red)  # the box's outline polygon
    assert after["v5_op"] == [(pink, red)]
    assert after["v4"][0][1] == blue
    assert all(red not in shape and pink not in shape for shape in before["v5"])


def test_the_current_node_is_scrolled_into_view(chromium: Any, tmp_path: Path) -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    from selenium.webdriver.common.by import By

    out = network_output([4, 4, 1], seed=0)
    path = explain_backward(out).save(tmp_path / "mlp.html")
    chromium.get(path.as_uri())
    chromium.find_element(By.CSS_SELECTOR, "[data-viz=zoom-1]").click()  # natural size
    inside = """
        var v = document.querySelector('.viz-viewport').getBoundingClientRect();
        var s = window.vizStepper, k = arguments[0];
        s.show(k);
        return [...document.querySelectorAll('.viz-current')].map(el => {
            var r = el.getBoundingClientRect();
            return [el.id, r.left >= v.left - 1 && r.right <= v.right + 1 &&
                           r.top >= v.top - 1 && r.bottom <= v.bottom + 1];
        });
    """
    steps = len(backward_steps(out))
    picked = range(1, steps, max(1, steps // 12))
    seen = [s for k in picked for s in chromium.execute_script(inside, k)]
    assert len({id_ for id_, _ in seen}) > 5
    assert [s for s in seen if not s[1]] == []
