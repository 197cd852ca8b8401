"""`pytest -n N`: how the tests are shared among N worker processes (pytest-xdist).

A worker takes a test module at a time, so a module's fixtures are made once. The modules whose
tests use the browser, JupyterLab or the executed notebooks (their source names one of
BROWSER_FIXTURES) form a single unit instead: one worker makes those session fixtures once for
all of them, and one Chromium at a time drives the JupyterLab server. This applies to `-n N`
with the default `--dist load`; another `--dist` is left as asked.

tests/conftest.py registers this module as a plugin when pytest-xdist is installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import Producer

BROWSER_FIXTURES = ("chromium", "jupyterlab", "executed_notebooks")
NAMES_A_FIXTURE = re.compile(rf"\b(?:{'|'.join(BROWSER_FIXTURES)})\b")
BROWSER_UNIT = "the modules that use the browser, JupyterLab or the executed notebooks"


class ModuleScheduling(LoadScopeScheduling):
    """Load-balanced by module, the browser modules as one unit (see this module's doc)."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        self._units: dict[str, str] = {}

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if module not in self._units:
            self._units[module] = unit(self.config.rootpath, module)
        return self._units[module]


def unit(root: Path, module: str) -> str:
    """The unit of work `module` (a path under `root`) belongs to: BROWSER_UNIT or itself."""
    path = root / module
    if path.is_file() and NAMES_A_FIXTURE.search(path.read_text(encoding="utf-8")):
        return BROWSER_UNIT
    return module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> ModuleScheduling | None:
    """The scheduler for `-n N` with the default distribution; None leaves xdist's own."""
    if config.getoption("dist") != "load":
        return None
    return ModuleScheduling(config, log)
