"""Smoke tests: the benchmark runner works on tiny sizes. Timings are never asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.contenders import NumpyVectorized, Ours
from benchmarks.data import make_problem
from benchmarks.training import check_agreement

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_json_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
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
        "targets",
    }
    check = results["correctness"]
    assert check["ran"] and check["passed"]
    assert {"ours", "numpy"} <= set(check["contenders"])
    assert {"ours", "ours (gc off)", "numpy"} <= set(results["training_step"])
    assert results["forward_backward"]["ours"]["backward_over_forward"] > 0
    assert [row["nodes"] for row in results["scaling"]["ours"]] == [99, 999]
    assert results["memory"]["ours"]["bytes_per_node"] > 0
    assert len(results["targets"]) == 4
    if importlib.util.find_spec("micrograd"):
        assert check["contenders"]["micrograd"]["ok"]
        assert {"micrograd", "micrograd (gc off)"} <= set(results["training_step"])
        assert results["scaling"]["micrograd"]["deepest_ok_nodes"] > 0
    if not importlib.util.find_spec("torch"):
        assert any("torch skipped" in note for note in results["notes"])


class _WrongGradient(NumpyVectorized):
    name = "wrong"

    def grads(self) -> np.ndarray:
        grads = super().grads()
        grads[0] *= 1 + 1e-6
        return grads


def test_agreement_check_catches_a_wrong_gradient() -> None:
    problem = make_problem(6, (3,))
    check = check_agreement([NumpyVectorized(problem), Ours(problem), _WrongGradient(problem)])
    assert not check["passed"]
    assert check["contenders"]["ours"]["ok"]
    assert not check["contenders"]["wrong"]["ok"]
