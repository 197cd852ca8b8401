"""The teaching notebooks: committed clean, in sync with their sources, and run in a real kernel.

Each notebook is executed top to bottom by nbclient in a real ipykernel whose PATH holds no
Graphviz `dot` (nor the venv's scripts directory, as when Jupyter was started from elsewhere),
so every drawing must come from the pip-installed renderer. They are executed once per session
(tests/executed.py; the docs build in tests/test_docs.py renders the same executed copies); the
test then checks that the graphs (SVG) and plots (PNG) are there.
Per-notebook times: `pytest tests/examples -rP -k real_kernel`.
"""

from __future__ import annotations

import importlib.util
from collections import Counter

import pytest

from tests.executed import NOTEBOOK_DIR, NOTEBOOKS, PROLOGUE, Executed

# The least each executed notebook must display: graphs (their SVG inline in HTML, stored once),
# matplotlib plots as PNG, and the step-by-step backward explorer (or a table) as other HTML.
GRAPH = "graph (SVG in text/html)"
EXPECTED = {
    "01_values_and_the_graph": {GRAPH: 2, "image/png": 1, "text/html": 1},
    "02_one_neuron": {GRAPH: 2, "image/png": 1},
    "03_backprop_step_by_step": {GRAPH: 1, "image/png": 1, "text/html": 1},
    "04_two_moons": {GRAPH: 1, "image/png": 2},
    "05_batch_stochastic_minibatch": {GRAPH: 1, "image/png": 2},
    "06_what_backprop_costs": {GRAPH: 1, "image/png": 2},
    "07_higher_order_derivatives": {GRAPH: 1, "image/png": 2},
    "08_backprop_through_time": {GRAPH: 1, "image/png": 2},
    "09_when_you_outgrow_it": {GRAPH: 1, "image/png": 2, "text/markdown": 3},
    "10_digits_at_blas_speed": {GRAPH: 1, "image/png": 2},
    "11_forward_or_reverse": {GRAPH: 1, "image/png": 1, "text/markdown": 1},
}


def _load_build():
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOK_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_all_notebooks_are_listed():
    assert [nb.stem for nb in NOTEBOOKS] == sorted(EXPECTED)


@pytest.mark.slow
def test_notebooks_match_their_sources():
    build = _load_build()
    assert [s.stem for s in build.sources()] == [nb.stem for nb in NOTEBOOKS]
    for source in build.sources():
        built = build.nbformat.writes(build.notebook(source)) + "\n"
        committed = build.target(source).read_text(encoding="utf-8")
        assert committed == built, (
            f"{source.name} and its notebook differ: run python examples/notebooks/build.py"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} of {path.name} has outputs"
            assert cell.execution_count is None, f"cell {i} of {path.name} has a count"
    assert "widgets" not in nb.metadata


def shown_as(data: dict[str, object]) -> list[str]:
    """What one output shows: its MIME types, a drawing's HTML counted as GRAPH instead."""
    html = str(data.get("text/html", ""))
    graph = html.lstrip().startswith(("<svg", '<div style="overflow-x:auto"><svg'))
    return [GRAPH if graph and mime == "text/html" else mime for mime in data]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_real_kernel(path, executed_notebooks: Executed):
    run = executed_notebooks.runs[path.stem]
    print(f"{path.name}: executed in {run.seconds:.1f} s")
    if run.error is not None:
        raise run.error
    nb = run.notebook
    assert nb.cells[0].source == PROLOGUE  # the kernel saw no system Graphviz

    shown: Counter[str] = Counter()
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type in ("display_data", "execute_result"):
                kinds = shown_as(output.data)
                shown.update(kinds)
                assert not (GRAPH in kinds and "image/svg+xml" in kinds), (
                    f"cell {i} of {path.name} stores its drawing twice (HTML and SVG)"
                )
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"cell {i} of {path.name} wrote to stderr:\n{output.text}"
            )
    for mime, least in EXPECTED[path.stem].items():
        assert shown[mime] >= least, f"{path.name} shows {shown[mime]} {mime}, want {least}+"
