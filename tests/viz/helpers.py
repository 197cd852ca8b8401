"""Test helpers for viz: a PATH with no Graphviz on it, PNG sizes, and how a node is drawn."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest


def strip_graphviz_from_path(monkeypatch: pytest.MonkeyPatch) -> str:
    """Set PATH to the current one minus every dir holding `dot` or `graphviz-pure`.

    Afterwards neither command is on PATH, as on a fresh machine or in a Jupyter kernel
    whose PATH lacks the venv; viz must still find graphviz-pure beside the interpreter.
    """
    keep = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any((Path(d) / name).exists() for name in ("dot", "graphviz-pure"))
    ]
    path = os.pathsep.join(keep)
    monkeypatch.setenv("PATH", path)
    monkeypatch.delenv("VIZ_BACKEND", raising=False)
    assert shutil.which("dot") is None
    assert shutil.which("graphviz-pure") is None
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def graphviz_pure_installed() -> bool:
    from viz.drawing.layout_program import _find_pure

    return _find_pure() is not None


DRAWN = """
const [scope, id] = arguments;
const node = scope.querySelector(`.viz-canvas [id="${id}"]`);
const shapes = [...node.querySelectorAll("polygon, ellipse")];
return shapes.map((s) => { const c = getComputedStyle(s); return [c.fill, c.stroke]; });
"""

LEGEND = """
const [scope, name] = arguments;
const c = getComputedStyle(scope.querySelector(`.viz-swatch-${name}`));
return [c.backgroundColor, c.borderLeftColor];
"""


def drawn(driver: Any, scope: Any, node_id: str) -> list[tuple[str, str]]:
    """[(fill, stroke)] of the shapes (polygons, ellipses) of drawing node `node_id` inside the
    element `scope`, as the browser computes them: what a person sees, not a class name."""
    return [tuple(pair) for pair in driver.execute_script(DRAWN, scope, node_id)]


def legend_swatch(driver: Any, scope: Any, name: str) -> tuple[str, str]:
    """(fill, border colour) of the legend's swatch `name` ('current', 'input', ...)."""
    fill, border = driver.execute_script(LEGEND, scope, name)
    return fill, border
