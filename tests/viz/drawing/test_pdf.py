"""render(root, "graph.pdf"): one page the size of the drawing, its text extractable (labels and
numbers), vector only (no image), the same bytes each time; without the extra a clear error."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from autograd_core import Value
from tests.conftest import needs
from viz import draw_dot, format_number, render
from viz.cli import main

from ..helpers import graphviz_pure_installed
from ..samples import neuron, neuron_grads


@pytest.fixture(autouse=True)
def _parts() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")
    for module in ("svglib", "reportlab", "pypdf"):
        needs(importlib.util.find_spec(module) is not None, f"{module} (the pdf and dev extras)")


def test_pdf_is_one_page_the_size_of_the_drawing(tmp_path: Path) -> None:
    from pypdf import PdfReader

    root = neuron()
    path = render(root, tmp_path / "graph.pdf", rankdir="LR")
    assert path.read_bytes()[:5] == b"%PDF-"
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    svg = draw_dot(root, rankdir="LR").pipe(format="svg", encoding="utf-8")
    size = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    width, height = float(size.group(1)), float(size.group(2))
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((width, height), abs=1)


def test_pdf_text_holds_the_labels_and_numbers(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = render(neuron(), tmp_path / "graph.pdf", show_local_grads=True)
    text = PdfReader(path).pages[0].extract_text()
    words = set(text.split())
    assert {"x1", "w1", "x2", "w2", "b", "n", "o", "data", "grad", "tanh"} <= words
    for name, value in neuron_grads().items():  # every grad, from the closed form
        assert format_number(value) in words, name
    assert "-3.0" in words  # a local derivative on an edge: d(x1*w1)/d(x1) = w1


def test_pdf_is_vector_with_no_image(tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = render(neuron(), tmp_path / "graph.pdf")
    page = PdfReader(path).pages[0]
    objects = page["/Resources"].get("/XObject", {})
    assert not [name for name, obj in objects.items() if obj.get_object()["/Subtype"] == "/Image"]
    assert not re.search(rb"/Subtype\s*/Image", path.read_bytes())  # none anywhere in the file
    assert re.search(rb"\bre\b|\bl\b|\bc\b", page.get_contents().get_data())  # drawn with paths


def test_pdf_is_the_same_bytes_each_time(tmp_path: Path) -> None:
    first = render(neuron(), tmp_path / "a.pdf").read_bytes()
    assert render(neuron(), tmp_path / "b.pdf").read_bytes() == first


def test_pdf_holds_text_outside_latin_1(tmp_path: Path) -> None:
    from pypdf import PdfReader

    needs(importlib.util.find_spec("matplotlib") is not None, "matplotlib (its DejaVu Sans)")
    theta = Value(0.5, label="θ₁")
    y = (theta * theta).exp()
    y.label = "∂ŷ"
    y.backward()
    text = PdfReader(render(y, tmp_path / "greek.pdf")).pages[0].extract_text()
    assert "θ₁" in text and "∂ŷ" in text


def test_pdf_without_the_extra_names_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "svglib", None)  # as if svglib were not installed
    with pytest.raises(ModuleNotFoundError, match=r'pip install "autograd-core\[pdf\]"'):
        render(neuron(), tmp_path / "graph.pdf")


def test_the_command_line_writes_pdf(tmp_path: Path, capsys, monkeypatch) -> None:
    out = tmp_path / "graph.pdf"
    argv = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.8814", "-q"]
    assert main([*argv, "-o", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    monkeypatch.setitem(sys.modules, "svglib", None)
    assert main([*argv, "-o", str(tmp_path / "again.pdf")]) == 1  # one line, no traceback
    assert 'pip install "autograd-core[pdf]"' in capsys.readouterr().err


def test_the_readme_pdf_is_the_neuron() -> None:
    """docs/images/neuron.pdf (examples/readme_pictures.py): o = tanh(x * w + b) on one page."""
    from pypdf import PdfReader

    reader = PdfReader(Path(__file__).resolve().parents[3] / "docs" / "images" / "neuron.pdf")
    assert len(reader.pages) == 1
    words = set(reader.pages[0].extract_text().split())
    # the README's numbers: x = 2, w = -3, n = 0.8814, o = tanh(n) = 0.7071, grad x = w * 0.5
    assert {"x", "w", "b", "n", "o", "tanh", "2.0", "-3.0", "0.8814", "0.7071", "-1.5"} <= words
