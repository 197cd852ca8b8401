"""explain_backward: the steps' numbers, a self-contained page, and stepping it in Chromium."""

from __future__ import annotations

import importlib.util
import math
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from autograd_core import Value, gradients, topological_order
from tests.conftest import needs
from viz import GraphTooLargeError, HTMLPage, backward_steps, explain_backward, format_number

from .helpers import graphviz_pure_installed
from .samples import neuron, neuron_grads, reuse


def test_steps_walk_reverse_topological_order_with_the_numbers() -> None:
    o = neuron()
    steps = backward_steps(o)
    order = topological_order(o)
    interior = [i for i, node in enumerate(order) if node.parents]
    assert len(steps) == 2 + len(interior)
    assert [s["current"] for s in steps[2:]] == interior[::-1]  # root first
    assert steps[0]["updates"] == [] and steps[1]["updates"] == [[9, "1.0", True]]
    dn = format_number(neuron_grads()["n"])
    local = format_number(1 - math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432) ** 2)
    assert steps[2]["title"] == "o = tanh(n): pass grad(o) = 1.0 to its inputs"
    assert steps[2]["lines"][0] == f"grad(n) += ∂o/∂n × grad(o) = {local} × 1.0 = {dn}"
    # x1 * w1: grad(w1) += x1 × grad(#2) = 2.0 × 0.5
    mul = next(s for s in steps if s["current"] == 2)
    assert mul["title"] == "#2 = x1 * w1: pass grad(#2) = 0.5 to its inputs"
    assert mul["lines"][:2] == [
        "grad(x1) += ∂#2/∂x1 × grad(#2) = -3.0 × 0.5 = -1.5",
        "grad(w1) += ∂#2/∂w1 × grad(#2) = 2.0 × 0.5 = 1.0",
    ]


def test_reused_node_accumulates_then_completes() -> None:
    steps = backward_steps(reuse())
    add = next(s for s in steps if s["current"] == 1)
    assert add["lines"] == [
        "grad(a) += ∂#1/∂a × grad(#1) = 1.0 × 3.0 = 3.0",
        "grad(a) += ∂#1/∂a × grad(#1) = 1.0 × 3.0 = 3.0   → 3.0 + 3.0 = 6.0",
        "complete: grad(a) = 6.0",
    ]
    assert add["updates"] == [[0, "3.0", False], [0, "6.0", True]]


def test_final_grads_agree_with_the_engine() -> None:
    for root in (neuron(), reuse(), (Value(0.3, "u").sigmoid() * Value(2.0, "v")).log()):
        engine = gradients(root)
        final = {}
        for step in backward_steps(root):
            for j, text, complete in step["updates"]:
                final[j] = (text, complete)
        order = topological_order(root)
        assert len(final) == len(order)
        for j, node in enumerate(order):
            assert final[j] == (format_number(engine[node]), True)


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
    saved = page.save(tmp_path / "page.html")
    assert saved.read_text(encoding="utf-8") == text
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in inline
    with pytest.raises(TypeError, match="explain_backward"):
        explain_backward([x])
    with pytest.raises(GraphTooLargeError, match="sub-expression"):
        explain_backward((x * 2).exp(), max_nodes=2)
    with pytest.raises(ValueError, match="play_interval"):
        explain_backward(x, play_interval=0)


def chromium_available() -> bool:
    return bool(
        shutil.which("chromium")
        and shutil.which("chromedriver")
        and importlib.util.find_spec("selenium")
    )


@pytest.fixture
def browser(tmp_path: Path):
    needs(chromium_available(), "Chromium, chromedriver and selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1300,800",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: the page must not need it
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_page_steps_through_backward_in_chromium(browser, tmp_path: Path) -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    o = neuron()
    path = explain_backward(o, play_interval=0.05).save(tmp_path / "backward.html")
    browser.get(path.as_uri())

    def text(element_id: str) -> str:
        return browser.find_element(By.ID, element_id).text

    def grad_shown(node: str) -> tuple[str, str]:
        """(text, class) of the grad field of node `v<i>` as the page shows it now."""
        return browser.execute_script(
            "var t = [...document.querySelectorAll('#' + arguments[0] + ' > text')]"
            ".find(e => e.textContent.startsWith('grad '));"
            "return [t.textContent, t.getAttribute('class')];",
            node,
        )

    last = len(backward_steps(o)) - 1
    assert last == 6  # 0 forward, 1 seed, then o, n, #6, #5, #2
    assert text("step-counter") == f"step 0 / {last}"
    assert text("step-title").startswith("Forward pass done")
    assert grad_shown("v9") == ["grad ?", "grad-unknown"]
    assert grad_shown("v0") == ["grad ?", "grad-unknown"]
    assert browser.find_element(By.ID, "prev").get_property("disabled")

    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)  # step 1: seed
    assert text("step-counter") == f"step 1 / {last}"
    assert grad_shown("v9") == ["grad 1.0", "grad-final"]
    browser.find_element(By.ID, "next").click()  # step 2: o = tanh(n)
    assert text("step-title") == "o = tanh(n): pass grad(o) = 1.0 to its inputs"
    assert "grad(n) += ∂o/∂n × grad(o) = 0.5 × 1.0 = 0.5" in text("step-text")
    assert grad_shown("v8") == ["grad 0.5", "grad-final"]
    assert "current" in browser.find_element(By.ID, "v9").get_attribute("class")
    assert "input" in browser.find_element(By.ID, "v8").get_attribute("class")
    assert "active" in browser.find_element(By.ID, "e9_0").get_attribute("class")

    body.send_keys("n")
    body.send_keys("n")
    body.send_keys("n")  # step 5: #5 = x2 * w2
    assert text("step-counter") == "step 5 / 6"
    assert grad_shown("v0") == ["grad ?", "grad-unknown"]
    assert grad_shown("v4") == ["grad 0.0", "grad-final"]  # w2: x2 × 0.5
    body.send_keys(Keys.ARROW_RIGHT)  # step 6: #2 = x1 * w1
    body.send_keys(Keys.ARROW_RIGHT)  # stays at the last step
    assert text("step-counter") == "step 6 / 6"
    assert text("step-title") == "#2 = x1 * w1: pass grad(#2) = 0.5 to its inputs"
    assert "grad(w1) += ∂#2/∂w1 × grad(#2) = 2.0 × 0.5 = 1.0" in text("step-text")
    assert grad_shown("v0") == ["grad -1.5", "grad-final"]
    assert grad_shown("v1") == ["grad 1.0", "grad-final"]
    assert browser.find_element(By.ID, "next").get_property("disabled")
    browser.save_screenshot(str(tmp_path / "backward-step6.png"))
    assert (tmp_path / "backward-step6.png").read_bytes()[:4] == b"\x89PNG"

    body.send_keys(Keys.ARROW_LEFT)
    assert text("step-counter") == "step 5 / 6"
    body.send_keys(Keys.HOME)
    assert text("step-counter") == f"step 0 / {last}" and grad_shown("v9")[0] == "grad ?"
    body.send_keys(Keys.END)
    assert text("step-counter") == f"step {last} / {last}"

    # play runs from the start to the end on its own, then stops
    browser.find_element(By.ID, "first").click()
    browser.execute_script("window.__steps = []; new MutationObserver(() => "
                           "window.__steps.push(document.body.dataset.step))"
                           ".observe(document.body, {attributes: true});")  # fmt: skip
    body.send_keys(Keys.SPACE)
    assert "pause" in text("play")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 15).until(lambda d: d.find_element(By.ID, "step-counter").text
                                     == f"step {last} / {last}")  # fmt: skip
    assert "play" in text("play")
    assert browser.execute_script("return window.__steps") == [str(k) for k in range(1, last + 1)]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
