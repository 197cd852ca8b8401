"""Every graph drawing of every teaching notebook fits its output area, in JupyterLab at 1280 px.

Each notebook is opened in JupyterLab 4 (default layout, 1280x900 page) in headless Chromium and
run there (*Run All Cells*), so its outputs are the trusted, live ones a reader gets. Then each
output that draws a graph (an SVG image, an inline graph SVG, the step-through page's iframe,
the explorer widget) is scrolled into view and measured: its drawing must be no wider than the
output area, and the output area must have no horizontal scrollbar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser import PANEL, Lab, run_all
from tests.kernel import ROOT

NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("[0-9]*.ipynb"))

MEASURE = f"""
const panel = {PANEL};
const out = [];
for (const area of panel.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {{
  const mime = area.getAttribute('data-mime-type') || '';
  // the explorer is measured as a whole: its drawing zooms and pans inside a clipped view
  const drawings = [...area.querySelectorAll(
    '.jp-RenderedSVG img, .jp-RenderedSVG svg, svg g.graph, iframe, .viz-explorer')]
    .filter(el => el.matches('.viz-explorer') || !el.closest('.viz-explorer'))
    .map(el => el.matches('g.graph') ? el.ownerSVGElement : el);
  if (!drawings.length) {{ continue; }}
  area.scrollIntoView({{block: 'center'}});
  const width = area.clientWidth;
  const widest = Math.max(...drawings.map(el => el.getBoundingClientRect().width));
  const cell = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')]
    .indexOf(area.closest('.jp-Cell'));
  out.push({{cell, mime, width, widest, scroll: area.scrollWidth}});
}}
return out;
"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_drawing_fits_the_notebook_at_1280px(
    path: Path,
    chromium: Any,
    jupyterlab: Lab,
) -> None:
    lab_path = jupyterlab.upload(path.name, json.loads(path.read_text(encoding="utf-8")))
    try:
        run_all(chromium, jupyterlab, lab_path)  # fails on any error or stderr output
        drawings = chromium.execute_script(MEASURE)
    finally:
        jupyterlab.shutdown_kernels()
    assert drawings, f"{path.name} shows no graph drawing"
    too_wide = [d for d in drawings if d["widest"] > d["width"] + 1 or d["scroll"] > d["width"] + 1]
    assert too_wide == [], (
        f"{path.name}: drawings wider than their output area ({drawings[0]['width']} px): "
        + ", ".join(f"cell {d['cell']} ({d['mime']}): {d['widest']:.0f} px" for d in too_wide)
    )
