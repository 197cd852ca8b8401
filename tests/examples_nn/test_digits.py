"""examples/digits.py: three epochs on scikit-learn's digits, with a small hidden layer so that its
eager comparison step stays quick (the script's default network is 64-128-64-10)."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.conftest import needs

from .conftest import load_example

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop


def test_three_epochs_learn_the_digits_well_above_chance(capsys: pytest.CaptureFixture) -> None:
    needs(importlib.util.find_spec("sklearn") is not None, "scikit-learn (the `digits` extra)")
    load_example("digits").main(epochs=3, hidden=(16,))
    out = capsys.readouterr().out
    assert "MLP(64 -> 16 -> 10, 1210 parameters)" in out  # 64·16 + 16 + 16·10 + 10
    assert "1347 training and 450 test images" in out  # 1,797 images, a quarter held out
    assert re.search(r"^trained 3 epochs \(66 steps of 64 images\)", out, re.M)  # 3·⌈1347/64⌉
    train, test = map(float, re.findall(r"train accuracy (\S+), test accuracy (\S+)", out)[0])
    assert train > 0.4 and test > 0.4, out  # ten classes: chance is 0.1
    assert re.search(r"one compiled step: \S+ ms; one eager step: \S+ ms", out)
