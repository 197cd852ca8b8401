"""Smoke tests: the benchmark runner works on tiny sizes. Timings are never asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.contenders import Compiled, NnFit, NnFitCompiled, NumpyVectorized, Ours
from benchmarks.data import make_problem
from benchmarks.timing import Budget, in_turns
from benchmarks.training import check_agreement
from benchmarks.versus_torch import QUICK_CASES

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_json_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "## Targets" in done.stdout
    results = json.loads(out.read_text())
    assert set(results) >= {
        "meta",
        "notes",
        "correctness",
        "training_step",
        "forward_backward",
        "scaling",
        "memory",
        "scale",
        "versus_torch",
        "plain_malloc",
        "targets",
    }
    check = results["correctness"]
    assert check["ran"] and check["passed"]
    assert {"ours", "numpy"} <= set(check["contenders"])
    assert {"ours", "ours (gc off)", "compiled", "numpy"} <= set(results["training_step"])
    assert {"ours (nn.fit step, gc off)", "compiled (nn.fit step)"} <= set(results["training_step"])
    assert all(check["contenders"][name]["ok"] for name in check["contenders"])
    assert results["forward_backward"]["ours"]["backward_over_forward"] > 0
    assert [row["nodes"] for row in results["scaling"]["ours"]] == [99, 999]
    assert results["memory"]["ours"]["bytes_per_node"] > 0
    # the quick run's scale rows are too small for targets; section 7 adds one per network and
    # three more, where torch is there
    torch = importlib.util.find_spec("torch") is not None
    assert len(results["targets"]) == 7 + (len(QUICK_CASES) + 3 if torch else 0)
    if torch:
        assert [case["name"] for case in results["versus_torch"]["cases"]] == [
            case.name for case in QUICK_CASES
        ]
        assert "## 7. fit(compile=True) against a PyTorch loop" in done.stdout
    else:
        assert results["versus_torch"]["skipped"] == "torch is not importable here"
    plain = results["plain_malloc"]
    assert set(plain["training_step"]) == {
        "ours", "ours (gc off)", "compiled", "compiled (nn.fit step)", "numpy"
    }  # fmt: skip
    assert [row["sizes"] for row in plain["scale"]] == [[2, 4, 4, 1], [8, 16, 3]]
    assert "malloc left as it is (no mallopt), as in a user's process" in plain["notes"]
    assert "## 8. The headline rows without mallopt" in done.stdout
    assert [row["sizes"] for row in results["scale"]] == [[2, 4, 4, 1], [8, 16, 3]]
    assert all(row["max_rel_diff"] <= 1e-12 and row["ratio"] > 0 for row in results["scale"])
    assert "compiled" not in results["forward_backward"]
    if importlib.util.find_spec("micrograd"):
        assert check["contenders"]["micrograd"]["ok"]
        assert {"micrograd", "micrograd (gc off)"} <= set(results["training_step"])
        assert results["scaling"]["micrograd"]["deepest_ok_nodes"] > 0
    if not importlib.util.find_spec("torch"):
        assert any("torch skipped" in note for note in results["notes"])
    assert any(note.startswith("BLAS ") for note in results["notes"])  # the conditions, stated


def test_measurements_in_turns_share_the_budget_and_pool_their_times() -> None:
    calls: list[tuple[str, int]] = []

    def measure(name: str):
        def run(budget: Budget) -> list[float]:
            calls.append((name, budget.max_repeats))
            return [float(len(calls))]

        return run

    times = in_turns({"a": measure("a"), "b": measure("b")}, Budget(3.0, max_repeats=100))
    assert calls == [("a", 34), ("b", 34)] * 3  # three rounds, each a third of the repeats
    assert times == {"a": [1.0, 3.0, 5.0], "b": [2.0, 4.0, 6.0]}


class _WrongGradient(NumpyVectorized):
    name = "wrong"

    def grads(self) -> np.ndarray:
        grads = super().grads()
        grads[0] *= 1 + 1e-6
        return grads


def test_compiled_and_fit_contenders_agree_with_numpy_and_keep_agreeing_after_steps() -> None:
    """The compiled rows are checked like every other: same loss and gradients as numpy, from
    the same weights, and still after a few SGD steps (parameters are read fresh each call)."""
    problem = make_problem(12, (4, 3))
    contenders = [NumpyVectorized(problem), Compiled(problem), NnFit(problem)]
    contenders.append(NnFitCompiled(problem))
    assert check_agreement(contenders)["passed"]
    for k in range(3):
        losses = [c.step(0.1 * (k + 1)) for c in contenders]
        np.testing.assert_allclose(losses, losses[0], rtol=1e-12)
    assert check_agreement(contenders)["passed"]


def test_agreement_check_catches_a_wrong_gradient() -> None:
    problem = make_problem(6, (3,))
    check = check_agreement([NumpyVectorized(problem), Ours(problem), _WrongGradient(problem)])
    assert not check["passed"]
    assert check["contenders"]["ours"]["ok"]
    assert not check["contenders"]["wrong"]["ok"]
