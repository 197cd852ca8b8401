"""`pytest -n N` gives one worker every module that uses a browser fixture (scheduling.py)."""

from __future__ import annotations

import pytest

from tests.kernel import ROOT

scheduling = pytest.importorskip("tests.scheduling", reason="pytest-xdist is not installed")


def test_every_collected_test_that_uses_a_browser_fixture_is_in_the_browser_unit(request):
    using = {
        item.nodeid.split("::", 1)[0]
        for item in request.session.items
        if {"chromium", "jupyterlab", "executed_notebooks"} & set(getattr(item, "fixturenames", ()))
    }
    assert {m: scheduling.unit(ROOT, m) for m in using} == dict.fromkeys(
        using, scheduling.BROWSER_UNIT
    )


def test_other_modules_are_units_of_their_own():
    for module in ("tests/test_layering.py", "tests/autograd_core/test_ops.py"):
        assert scheduling.unit(ROOT, module) == module
    assert scheduling.unit(ROOT, "tests/viz/test_notebook_fit.py") == scheduling.BROWSER_UNIT
