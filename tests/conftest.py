"""Shared test helpers. `needs()` skips when an outside part is missing, unless CI demands it."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.browser", "tests.executed"]  # session fixtures, one of each per run

REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"


def needs(available: bool, what: str) -> None:
    """Skip the calling test when `what` is missing; with REQUIRE_ALL=1 (CI) fail instead."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"REQUIRE_ALL=1 but {what} is missing", pytrace=False)
    pytest.skip(f"{what} is missing")
