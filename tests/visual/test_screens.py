"""What a person sees, as golden screenshots in headless Chromium (1280x900, device scale 1).

Each test draws something with viz, opens it in the `chromium` fixture with animations and
transitions off, photographs one element and compares it with tests/visual/golden/<name>.png
within a tolerance (see golden.py; a failure writes the actual picture and a diff image to
tests/visual/output/). Everything is seeded and sized, so the same code draws the same pixels:

- the README's neuron drawing and its collapsed MLP drawing (examples/readme_pictures.py);
- the step-through page (`explain_backward(...).save`), from file://, at step 3;
- the explorer's front end after `set(x=3.0)`, and the training view's live widget half-way
  through a fit: each widget's real .js/.css rendered from the state its Python side holds then,
  in a page as wide as a JupyterLab output at 1280 px (833 px) -- deterministic, and a second
  rather than a JupyterLab start (the explorer's browser test measures the live one in Lab);
- the saved training replay (`TrainingView.save("run.html")`), as it opens.

Regenerate after an intended change, and look at every picture before committing it:

    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/visual
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

import nn
import viz
from autograd_core import Value
from tests.browser import wait_until
from tests.conftest import needs
from tests.kernel import ROOT
from viz.frontend import bundle_css, bundle_js, fill_page
from viz.jupyter import script_json

from ..viz.helpers import graphviz_pure_installed
from .golden import assert_matches_golden

HERE = Path(__file__).parent
OUTPUT_WIDTH = 833  # a notebook output's width in JupyterLab at 1280 px (viz.drawing.layout_plan)
BACKEND = "graphviz-pure"


@pytest.fixture(autouse=True, scope="module")
def _parts() -> None:
    needs(importlib.util.find_spec("PIL") is not None, "Pillow (the plot extra)")
    needs(graphviz_pure_installed(), "the graphviz-pure command")


def photograph(driver: Any, page: Path, selector: str, ready: str = "true") -> bytes:
    """Open `page`, wait until the JavaScript expression `ready` holds, stop every animation
    and return a PNG of the element `selector`."""
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    wait_until(
        lambda: driver.execute_script(f"return document.readyState === 'complete' && ({ready});"),
        10,
        f"{page.name} to be ready ({ready})",
    )
    still(driver)
    return bytes(driver.find_element(By.CSS_SELECTOR, selector).screenshot_as_png)


def still(driver: Any) -> None:
    """Add still.css to the page on show: no transition, animation or blinking caret."""
    driver.execute_script(
        "var s = document.createElement('style'); s.textContent = arguments[0];"
        "document.head.appendChild(s);",
        (HERE / "still.css").read_text(encoding="utf-8"),
    )


def readme_pictures() -> Any:
    path = ROOT / "examples" / "readme_pictures.py"
    spec = importlib.util.spec_from_file_location("readme_pictures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drawing_page(svg_path: Path) -> Path:
    page = svg_path.with_suffix(".html")
    svg = svg_path.read_text(encoding="utf-8")
    page.write_text(fill_page(HERE / "drawing.html", {"SVG": svg[svg.index("<svg") :]}), "utf-8")
    return page


def widget_page(path: Path, static: Path, state: dict[str, Any]) -> Path:
    """A page that renders the anywidget front end static/widget.js (and widget.css or
    charts.css) from `state`, the traitlets its Python side holds."""
    css = static / "widget.css" if (static / "widget.css").exists() else static / "charts.css"
    path.write_text(
        fill_page(
            HERE / "widget.html",
            {
                "CSS": bundle_css(css),
                "WIDTH": str(OUTPUT_WIDTH),
                "STATE": script_json(state),
                "ESM": script_json(bundle_js(static / "widget.js")),
            },
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("name", ["neuron", "mlp_collapsed"])
def test_readme_drawings(name: str, chromium: Any, tmp_path: Path) -> None:
    svg = readme_pictures().PICTURES[f"{name}.svg"](tmp_path / f"{name}.svg")
    assert_matches_golden(photograph(chromium, drawing_page(Path(svg)), "#drawing svg"), name)


def test_step_through_page_at_step_3(chromium: Any, tmp_path: Path) -> None:
    page = viz.explain_backward(readme_pictures().neuron(), backend=BACKEND)
    path = page.save(tmp_path / "steps.html")
    chromium.get(path.as_uri())
    wait_until(lambda: chromium.execute_script("return !!window.vizStepper;"), 10, "the stepper")
    still(chromium)
    chromium.execute_script("window.vizStepper.show(3);")
    assert chromium.execute_script("return document.getElementById('viz').dataset.step") == "3"
    from selenium.webdriver.common.by import By

    png = chromium.find_element(By.ID, "viz").screenshot_as_png
    assert_matches_golden(bytes(png), "step_through_step_3")


def test_explorer_after_set_x_3(chromium: Any, tmp_path: Path) -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8814, label="b")
    o = (x * w + b).tanh()
    o.label = "o"
    explorer = viz.explore(o, backend=BACKEND)
    explorer.set(x=3.0)
    names = ("svg", "error", "sliders", "inputs", "nodes", "steps", "revision")
    state = {name: getattr(explorer, name) for name in names}
    static = ROOT / "viz" / "explorer" / "static"
    page = widget_page(tmp_path / "explorer.html", static, state)
    ready = "document.body.dataset.ready && document.querySelector('.viz-explorer[data-zoom]')"
    assert_matches_golden(photograph(chromium, page, "#widget", ready), "explorer_x_3")


class Halfway:
    """A fit callback that keeps the live widget's state at epoch 6 of 12."""

    def __init__(self, view: viz.TrainingView) -> None:
        self.widget = view.widget  # made before fit starts, as displaying it in a notebook does
        self.state: dict[str, Any] = {}

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        if epoch + 1 == 6:  # fit counts epochs from 0
            self.state = {n: getattr(self.widget, n) for n in ("spec", "curves", "frame", "status")}


def two_moons_fit(halfway: bool = False) -> tuple[viz.TrainingView, Halfway | None]:
    """A 2-8-8-1 MLP trained 12 epochs on 40 two-moons points, every epoch recorded."""
    X, y = nn.data.make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], seed=0)
    view = viz.TrainingView(model, X, 2 * y - 1, every=1, fps=None, title="two moons")
    watch = Halfway(view) if halfway else None
    nn.fit(model, X, 2 * y - 1, loss="hinge", epochs=12, progress=False, seed=0,
           callbacks=[view, *([watch] if watch else [])])  # fmt: skip
    return view, watch


def test_training_view_live_half_way(chromium: Any, tmp_path: Path) -> None:
    _, halfway = two_moons_fit(halfway=True)
    assert halfway is not None and halfway.state["frame"]["epoch"] == 6
    static = ROOT / "viz" / "training" / "static"
    page = widget_page(tmp_path / "training.html", static, halfway.state)
    ready = "document.querySelector('.tv-root[data-epoch=\"6\"]')"
    assert_matches_golden(photograph(chromium, page, "#widget", ready), "training_live_epoch_6")


def test_training_replay_page_as_it_opens(chromium: Any, tmp_path: Path) -> None:
    view, _ = two_moons_fit()
    path = view.save(tmp_path / "run.html")
    ready = "document.querySelector('.tv-root[data-epoch=\"12\"]')"
    assert_matches_golden(photograph(chromium, path, "#tv", ready), "training_replay")
