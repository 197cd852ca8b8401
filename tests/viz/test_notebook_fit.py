"""Every graph drawing of every teaching notebook fits its output area, in JupyterLab at 1280 px.

Each notebook, as tests/executed.py ran it in a real kernel (outputs included, run once per
session for every test that reads them), is opened in JupyterLab 4 (default layout, 1280x900
page) in headless Chromium, without running it again. It is shown as a reader's saved notebook
is: trusted, so HTML and SVG render as when the kernel made them; and as a static page shows it,
without widget views (no kernel holds their models: JupyterLab would say "model not found"), so
a widget's snapshot shows instead (the explorer's is its drawing). Then each output that draws a
graph (an SVG image, an inline graph SVG, the step-through page's iframe, the explorer) is
scrolled into view and measured: its drawing must be no wider than the output area, and the
output area must have no horizontal scrollbar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Lab, drawings_on_show, open_notebook, too_wide, wait_until
from tests.executed import Executed
from tests.kernel import ROOT

NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("[0-9]*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
"""The live widget's mime type: in a notebook without its kernel it shows no widget."""


def as_saved(executed: Executed, path: Path) -> dict[str, Any]:
    """The executed notebook as a reader saves it and a static page shows it: its outputs,
    without the widget views (each widget's other types, its snapshot, stay)."""
    run = executed.runs[path.stem]
    if run.error is not None:
        raise run.error  # tests/examples/test_notebooks.py reports it too
    notebook: dict[str, Any] = json.loads((executed.folder / path.name).read_text("utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return notebook


def drawing_cells(notebook: dict[str, Any]) -> list[int]:
    """The cell of each output that draws a graph, in order: what `drawings_on_show` finds."""
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html = "".join(data.get("text/html", ""))  # a string, or a list of lines
            if "image/svg+xml" in data or 'class="graph"' in html or "<iframe" in html:
                cells.append(index)
    return cells


def measure(driver: Any, name: str, expected: list[int]) -> list[dict[str, Any]]:
    """`drawings_on_show`, once JupyterLab shows every drawing of the notebook, drawn."""
    found: list[dict[str, Any]] = []

    def drawn() -> bool:
        found[:] = drawings_on_show(driver)
        return [d["cell"] for d in found] == expected and all(d["drawn"] for d in found)

    wait_until(
        drawn,
        60,
        lambda: (
            f"{name}'s drawings (in cells {expected}) to show; JupyterLab shows "
            + str([(d["cell"], "drawn" if d["drawn"] else "not drawn") for d in found])
        ),
    )
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_drawing_fits_the_notebook_at_1280px(
    path: Path,
    executed_notebooks: Executed,
    chromium: Any,
    jupyterlab: Lab,
) -> None:
    notebook = as_saved(executed_notebooks, path)
    expected = drawing_cells(notebook)
    assert expected, f"{path.name} shows no graph drawing"
    lab_path = jupyterlab.upload(path.name, notebook, trusted=True)
    try:
        open_notebook(chromium, jupyterlab, lab_path)
        drawings = measure(chromium, path.name, expected)
    finally:
        jupyterlab.shutdown_kernels()  # the one JupyterLab started on opening it
    wide = too_wide(drawings)
    assert wide == [], (
        f"{path.name}: drawings wider than their output area ({drawings[0]['width']} px): "
        + ", ".join(f"cell {d['cell']} ({d['mime']}): {d['widest']:.0f} px" for d in wide)
    )
