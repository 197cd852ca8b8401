"""The docstrings' `>>>` examples run as written (doctest), and every public name has one.

Every module of autograd_core (with autograd_core.compiled), nn (with nn.export) and viz is
searched by doctest's own finder and run with numpy's default print options, in an empty
temporary working directory (an example that writes a file writes it there). Examples may use
`nn`, `viz` and `Value` unimported: the names a reader has after the README's imports.

Examples that need PyTorch or ONNX are marked `# doctest: +SKIP` (they are optional extras);
a second test runs exactly those, with the mark ignored, where torch, onnx and onnxruntime are
installed.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import io
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import nn
import viz
from autograd_core import Value
from tests.conftest import needs

PACKAGES = ("autograd_core", "nn", "viz")
GLOBALS = {"nn": nn, "viz": viz, "Value": Value}
# Modules whose skipped examples need optional extras, and the imports those need.
OPTIONAL = {"nn.export._torch": ("torch",), "nn.export._onnx": ("onnx", "onnxruntime")}
# numpy's documented defaults (np.set_printoptions), so printed arrays read the same everywhere.
NUMPY_DEFAULTS = dict(
    precision=8, threshold=1000, edgeitems=3, linewidth=75, suppress=False, nanstr="nan",
    infstr="inf", sign="-", floatmode="maxprec", formatter=None, legacy=False,
)  # fmt: skip


def _module_names() -> Iterator[str]:
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        yield package_name
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if not info.name.endswith(".__main__"):  # importing it would run the CLI
                yield info.name


MODULES = sorted(_module_names())


def _doctests(module: ModuleType) -> list[doctest.DocTest]:
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, extraglobs=GLOBALS)
    return sorted(tests, key=lambda t: t.name)


def _run(tests: list[doctest.DocTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run `tests`; return the report of every failure ("" when all passed)."""
    monkeypatch.chdir(tmp_path)
    report = io.StringIO()
    runner = doctest.DocTestRunner(verbose=False)
    with np.printoptions(**NUMPY_DEFAULTS):  # type: ignore[arg-type]
        for test in tests:
            runner.run(test, out=report.write)
    return report.getvalue()


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(
    module_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = _run(_doctests(importlib.import_module(module_name)), tmp_path, monkeypatch)
    assert not failures, failures


@pytest.mark.parametrize("module_name", sorted(OPTIONAL))
def test_skipped_examples_run_with_the_optional_extras(
    module_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `+SKIP` examples of the export modules, run for real (PyTorch and ONNX installed)."""
    for requirement in OPTIONAL[module_name]:
        found = importlib.util.find_spec(requirement) is not None
        needs(found, f"{requirement} (for the examples in {module_name})")
    tests = _doctests(importlib.import_module(module_name))
    skipped = 0
    for test in tests:
        for example in test.examples:
            skipped += example.options.pop(doctest.SKIP, False)
    assert skipped, f"{module_name} has no skipped examples: take it out of OPTIONAL"
    failures = _run(tests, tmp_path, monkeypatch)
    assert not failures, failures


def _public_callables(package_name: str) -> list[tuple[str, object]]:
    package = importlib.import_module(package_name)
    found: list[tuple[str, object]] = []
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found.append((name, obj))
    return found


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_public_function_and_class_has_an_example(package_name: str) -> None:
    public = _public_callables(package_name)
    assert public, f"{package_name}.__all__ names no function or class"
    missing = [name for name, obj in public if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, f"{package_name}: no `>>>` example in the docstring of {missing}"
