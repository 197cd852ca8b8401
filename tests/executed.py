"""The teaching notebooks, executed once per test session and shared by the tests that need them.

Each notebook runs top to bottom in a real ipykernel that sees no Graphviz `dot` (see
tests/kernel.py), with PROLOGUE as its first cell to prove it, as many at once as there are
cores. tests/examples/test_notebooks.py checks what each one displayed; tests/test_docs.py builds
the site from the same executed copies: they are written, PROLOGUE removed and the execution
counts shifted back to 1, to a folder that `AUTOGRAD_DOCS_EXECUTED_DIR` names to docs/hooks.py;
tests/viz/test_notebook_fit.py opens those copies in JupyterLab and measures their drawings.

tests/conftest.py registers this module as a plugin, so every test can ask for the fixture.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs
from tests.kernel import ROOT, async_execute, kernel_available

NOTEBOOK_DIR = ROOT / "examples" / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
EXECUTED_DIR_VAR = "AUTOGRAD_DOCS_EXECUTED_DIR"
"""The environment variable that points docs/hooks.py at the executed copies."""

PROLOGUE = """\
import shutil
assert shutil.which("dot") is None, "the test kernel must not see a system Graphviz"
"""


@dataclass
class Run:
    notebook: Any
    """The notebook as executed, PROLOGUE first."""
    error: Exception | None
    """Why it stopped, if it did (a cell raised, a timeout, ...)."""
    seconds: float


@dataclass
class Executed:
    runs: dict[str, Run]
    """By notebook name (`01_values_and_the_graph`)."""
    folder: Path
    """The notebooks that ran to the end, as the docs show them: without PROLOGUE."""


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Executed:
    needs(kernel_available(), "nbclient, ipykernel and a python3 kernel spec")
    return asyncio.run(_execute_all(tmp_path_factory.mktemp("notebooks")))


async def _execute_all(scratch: Path) -> Executed:
    import nbformat

    limit = asyncio.Semaphore(max(1, min(len(NOTEBOOKS), os.cpu_count() or 1)))
    folder = scratch / "executed"
    folder.mkdir()

    async def one(path: Path) -> Run:
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE))
        cwd = scratch / path.stem
        cwd.mkdir()
        async with limit:
            started = time.perf_counter()
            try:
                # widget state is left out, as the docs build leaves it out: a static page
                # shows a widget's snapshot (text/html or an image), not the widget
                await async_execute(notebook, cwd, store_widget_state=False)
            except Exception as error:
                return Run(notebook, error, time.perf_counter() - started)
            seconds = time.perf_counter() - started
        nbformat.write(without_prologue(notebook), folder / path.name)
        return Run(notebook, None, seconds)

    runs = await asyncio.gather(*(one(path) for path in NOTEBOOKS))
    return Executed({path.stem: run for path, run in zip(NOTEBOOKS, runs)}, folder)


def without_prologue(notebook: Any) -> Any:
    """A copy of the executed `notebook` without its PROLOGUE cell, counted from 1 again."""
    notebook = copy.deepcopy(notebook)
    prologue = notebook.cells.pop(0)
    assert prologue.source == PROLOGUE and prologue.execution_count == 1
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.execution_count:
            cell.execution_count -= 1
        for output in cell.outputs:
            if output.get("execution_count"):
                output.execution_count -= 1
    return notebook
