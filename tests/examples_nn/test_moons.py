"""examples/moons.py: 100% training accuracy within 100 steps, and two real PNG files."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs

from .conftest import load_example

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop


@pytest.fixture(scope="module", autouse=True)
def matplotlib_installed():
    needs(importlib.util.find_spec("matplotlib") is not None, "matplotlib (the `plot` extra)")


def png_size(path: Path) -> tuple[int, int]:
    """Check the PNG signature and IHDR chunk, and return (width, height)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return load_example("moons").main(tmp_path_factory.mktemp("moons"), steps=100)


def test_reaches_100_percent_training_accuracy_within_100_steps(result):
    assert result.first_perfect_step is not None and result.first_perfect_step < 100
    assert result.history.accuracy[result.first_perfect_step] == 1.0
    assert result.accuracy == 1.0
    assert result.history.steps == 100 and len(result.history.loss) == 100
    assert result.history.loss[-1] < result.history.loss[0] / 10
    assert result.model.num_parameters() == 337


def test_saves_decision_boundary_and_loss_curve_pngs(result):
    for path in (result.boundary_png, result.loss_png):
        width, height = png_size(path)
        assert width >= 300 and height >= 300
        assert path.stat().st_size > 5_000  # a real picture, not an empty canvas


def test_runs_as_a_script(examples_dir, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(examples_dir / "moons.py"), str(out), "--steps", "3", "--grid", "10"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "training accuracy after 3 steps" in proc.stdout
    assert png_size(out / "moons_boundary.png") and png_size(out / "moons_loss.png")
