"""Typed for the people who use it: the packages pass `mypy --strict`, and a user's script,
checked against the installed package from outside the repository, sees Values where it
should and a type error where it should."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.kernel import ROOT

USER_SCRIPT = """
from autograd_core import Value, grad, gradients
import nn
import viz

x = Value(2.0, label="x"); w = Value(-3.0, label="w")
reveal_type(x * w)
reveal_type(2 * x)
reveal_type(x ** 2)
reveal_type(x.tanh())
reveal_type(grad(lambda v: v * v)(x))
reveal_type(x.grad)
reveal_type(gradients(x * w)[x])
reveal_type(nn.MLP(2, [3, 1])([1.0, 2.0]))
reveal_type(viz.draw_dot(x * w))
bad = x + "a"
"""

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for this module's runs, new each session: the user's script is checked
    against what checking the packages analysed (the packages, the standard library, their
    dependencies), without analysing it all again. mypy reuses a cached module only when its
    source and the options are unchanged, so the results are those of a cold run."""
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(*args: str, cwd: Path, cache: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    return done.stdout + done.stderr


def test_the_packages_pass_mypy_strict(mypy_cache: Path) -> None:
    out = mypy("autograd_core", "nn", "viz", cwd=ROOT, cache=mypy_cache)
    assert "Success: no issues found" in out, out


def test_a_users_script_sees_values_and_type_errors(tmp_path: Path, mypy_cache: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent(USER_SCRIPT), encoding="utf-8")
    # outside the repository: the installed package
    out = mypy("user.py", cwd=tmp_path, cache=mypy_cache)
    revealed = re.findall(r'Revealed type is "([^"]+)"', out)
    value = "autograd_core.value.Value"
    assert revealed[:5] == [value] * 5, out
    assert revealed[5:7] == ["float"] * 2, out  # .grad is always a number
    assert revealed[7] == f"{value} | nn.module.Outputs", out  # one output, or a list
    assert "viz.drawing.digraph.Digraph" in revealed[8], out
    assert re.search(r'user.py:16: error: .*"str".*"Value \| float"', out), out
    assert "import-not-found" not in out and "import-untyped" not in out, out
