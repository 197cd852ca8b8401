"""Section 7, fit(compile=True) against a PyTorch loop: its quick run prints every figure with
its target, and nothing is timed unless both contenders report the same losses. Timings are
never asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import timing, versus_torch
from tests.conftest import needs

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_prints_every_figure_with_its_target(tmp_path: Path) -> None:
    needs(importlib.util.find_spec("torch") is not None, "torch")
    out = tmp_path / "section.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.versus_torch", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    section = json.loads(out.read_text())
    names = [case.name for case in versus_torch.QUICK_CASES]
    assert [case["name"] for case in section["cases"]] == names
    for case in section["cases"]:
        assert case["loss_rel_diff"] <= 1e-9
        assert case["epochs"] == 2
        assert len(case["fit"]["rounds"]) == len(case["torch"]["rounds"]) == 2
        assert case["ratio"] == case["fit"]["median_s"] / case["torch"]["median_s"]
        assert case["drift"] <= 1e-9  # the two models still train alike after every round
    assert section["setup"]["name"] == names[-1] and section["setup"]["median_s"] > 0
    assert section["run"]["ratio"] > 0 and section["recording"]["epochs"] == 5
    thresholds = [(t["threshold"], t["at_least"]) for t in section["targets"]]
    assert thresholds == [(1.0, False)] * len(names) + [(1.0, False), (1.5, False), (20.0, False)]
    assert section["torch_threads"] == 1
    assert "malloc left as it is (no mallopt), as in a user's process" in section["notes"]
    assert any(note.startswith("BLAS on one thread") for note in section["notes"])
    lines = done.stdout.splitlines()
    assert lines[0].startswith("## 7. fit(compile=True) against a PyTorch loop")
    assert sum(line.startswith(names[0]) or line.startswith(names[1]) for line in lines) == 2
    verdicts = [line for line in lines if line.startswith(("PASS", "MISS"))]
    assert len(verdicts) == 3
    assert "(target <= 1)" in verdicts[0] and "(target <= 1.5)" in verdicts[1]
    assert "(target <= 20)" in verdicts[2]


def test_nothing_is_timed_when_the_losses_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    needs(importlib.util.find_spec("torch") is not None, "torch")

    class SlowerLearner(versus_torch.TorchContender):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            for group in self.optimizer.param_groups:
                group["lr"] *= 1 + 1e-6  # the second epoch's loss differs by about 1e-7

    monkeypatch.setattr(versus_torch, "TorchContender", SlowerLearner)
    row = versus_torch.compare(versus_torch.QUICK_CASES[0], versus_torch.QUICK)
    assert row["error"].startswith("the losses disagree")
    assert 1e-9 < row["loss_rel_diff"] < 1e-3
    assert "fit" not in row and "ratio" not in row


def test_malloc_is_left_alone_unless_a_run_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(timing, "_keep_freed_memory", lambda: calls.append(True) or True)
    notes: list[str] = []
    with timing.steady(notes, keep_freed_memory=False):
        pass
    assert calls == [] and "malloc left as it is (no mallopt), as in a user's process" in notes
    with timing.steady(notes, keep_freed_memory=True):
        pass
    assert calls == [True] and notes[-1].startswith("glibc malloc keeps freed memory")
