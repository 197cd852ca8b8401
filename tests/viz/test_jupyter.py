"""Inline display: a real Jupyter kernel (nbclient) gets image/svg+xml with no `dot` on PATH."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import viz
from tests.conftest import needs
from tests.kernel import kernel_available
from viz import format_number

from .helpers import graphviz_pure_installed, strip_graphviz_from_path
from .samples import reuse

CELLS = [
    "import shutil, sys\nimport viz\nfrom autograd_core import Value\n"
    "print(shutil.which('dot'), shutil.which('graphviz-pure'))",
    "x = Value(2.0, label='x')\ny = (x * x).tanh(); y.label = 'y'\ny.backward()\ny",
    "viz.draw_dot(y)",
    "viz.show(y, show_local_grads=True)",
    "viz.explain_backward(y)",
]


def test_inline_display_in_a_real_kernel(tmp_path: Path, monkeypatch) -> None:
    needs(kernel_available(), "nbclient, nbformat, ipykernel and a python3 kernel spec")
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    import nbformat
    from nbclient import NotebookClient

    strip_graphviz_from_path(monkeypatch)  # the kernel inherits a PATH with no Graphviz at all
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [cell.outputs for cell in notebook.cells]

    assert outputs[0][0]["text"].strip() == "None None"
    # a Value stays plain text
    (value,) = outputs[1]
    assert set(value["data"]) == {"text/plain"}
    assert value["data"]["text/plain"].startswith("Value(data=0.999")
    # the Digraph displays as SVG inline in HTML, scaled to the output's width
    (drawn,) = outputs[2]
    svg = drawn["data"]["text/html"]
    assert svg.startswith('<svg width="100%" style="max-width:')
    dy_dx = format_number(2 * 2.0 * (1 - math.tanh(4.0) ** 2))  # 0.0054
    assert "<svg" in svg and "data 2.0" in svg and f"grad {dy_dx}<" in svg
    # show() displays the same way, with the options passed on
    (shown,) = outputs[3]
    assert shown["output_type"] == "display_data"
    assert "<svg" in shown["data"]["text/html"] and 'class="edge"' in svg
    # the backward page is an isolated iframe
    (page,) = outputs[4]
    assert page["data"]["text/html"].startswith("<iframe srcdoc=")


def test_show_outside_ipython_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"viz.render\(root, 'graph.svg'\)"):
        viz.show(reuse())
