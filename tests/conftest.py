"""Shared test helpers. `needs()` skips when an outside part is missing, unless CI demands it.

Tests that start a kernel, a browser, a build or another process are marked `slow`: the fast
loop, `pytest -m "not slow"`, leaves them out. A test that asks for one of SLOW_FIXTURES is
marked here; others carry `@pytest.mark.slow` (or a module's `pytestmark`) themselves."""

from __future__ import annotations

import importlib.util
import os

import pytest

pytest_plugins = ["tests.browser", "tests.executed"]  # session fixtures, one of each per run
if importlib.util.find_spec("xdist"):
    pytest_plugins.append("tests.scheduling")  # how `pytest -n N` shares the tests out

REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"


def needs(available: bool, what: str) -> None:
    """Skip the calling test when `what` is missing; with REQUIRE_ALL=1 (CI) fail instead."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"REQUIRE_ALL=1 but {what} is missing", pytrace=False)
    pytest.skip(f"{what} is missing")


SLOW_FIXTURES = {"chromium", "jupyterlab", "executed_notebooks", "built", "site"}
"""Session fixtures that start a browser, a JupyterLab page, kernels or a docs build."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
