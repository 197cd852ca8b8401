"""examples/step_by_step.py against hand-written chain-rule code (no engine) to 9 digits."""

from __future__ import annotations

import io
import math
import subprocess
import sys

import pytest

from .conftest import load_example

I1, I2 = 0.05, 0.10
T1, T2 = 0.01, 0.99
B1, B2 = 0.35, 0.60
W0 = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]  # w1..w8
LR = 0.5


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def hand_pass(w: list[float]) -> tuple[dict[str, float], list[float]]:
    """Forward values and dE/dw1..dE/dw8 of the 2-2-2 network, written out by the chain rule."""
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    net_h1 = w1 * I1 + w2 * I2 + B1
    out_h1 = sig(net_h1)
    net_h2 = w3 * I1 + w4 * I2 + B1
    out_h2 = sig(net_h2)
    net_o1 = w5 * out_h1 + w6 * out_h2 + B2
    out_o1 = sig(net_o1)
    net_o2 = w7 * out_h1 + w8 * out_h2 + B2
    out_o2 = sig(net_o2)
    e_total = 0.5 * (T1 - out_o1) ** 2 + 0.5 * (T2 - out_o2) ** 2
    # output layer: dE/dnet_o = dE/dout_o * dout_o/dnet_o
    delta_o1 = -(T1 - out_o1) * out_o1 * (1 - out_o1)
    delta_o2 = -(T2 - out_o2) * out_o2 * (1 - out_o2)
    # hidden layer: dE/dout_h sums over both outputs, using the weights before the update
    delta_h1 = (delta_o1 * w5 + delta_o2 * w7) * out_h1 * (1 - out_h1)
    delta_h2 = (delta_o1 * w6 + delta_o2 * w8) * out_h2 * (1 - out_h2)
    grads = [
        delta_h1 * I1,
        delta_h1 * I2,
        delta_h2 * I1,
        delta_h2 * I2,
        delta_o1 * out_h1,
        delta_o1 * out_h2,
        delta_o2 * out_h1,
        delta_o2 * out_h2,
    ]
    forward = {
        "net_h1": net_h1,
        "out_h1": out_h1,
        "net_h2": net_h2,
        "out_h2": out_h2,
        "net_o1": net_o1,
        "out_o1": out_o1,
        "net_o2": net_o2,
        "out_o2": out_o2,
        "E_total": e_total,
    }
    return forward, grads


def hand_walkthrough(steps: int) -> dict[str, dict[str, float]]:
    forward, grads = hand_pass(W0)
    names = [f"w{k}" for k in range(1, 9)]
    w = [x - LR * g for x, g in zip(W0, grads)]
    result = {
        "forward": forward,
        "gradients": dict(zip(names, grads)),
        "updated": dict(zip(names, w)),
        "after_update": {"E_total": hand_pass(w)[0]["E_total"]},
    }
    for _ in range(steps - 1):
        w = [x - LR * g for x, g in zip(w, hand_pass(w)[1])]
    final = hand_pass(w)[0]
    result["trained"] = {k: final[k] for k in ("E_total", "out_o1", "out_o2")}
    return result


@pytest.fixture(scope="module")
def run():
    out = io.StringIO()
    result = load_example("step_by_step").main(10_000, out=out)
    return result, out.getvalue()


@pytest.fixture(scope="module")
def hand():
    return hand_walkthrough(10_000)


def sig9(x: float) -> str:
    return f"{x:.9g}"


def test_every_number_matches_hand_chain_rule_to_9_significant_digits(run, hand):
    result, _ = run
    assert list(result) == list(hand)
    for section, numbers in hand.items():
        assert list(result[section]) == list(numbers), section
        for name, expected in numbers.items():
            got = result[section][name]
            assert sig9(got) == sig9(expected), (section, name, got, expected)
            assert math.isclose(got, expected, rel_tol=1e-9), (section, name)


def test_the_printout_shows_each_number_to_9_significant_digits(run, hand):
    _, text = run
    printed = [line.split("=") for line in text.splitlines() if "=" in line]
    printed = [(name.strip(), value.strip()) for name, value in printed]
    expected = []
    for section, numbers in hand.items():
        for name, value in numbers.items():
            label = f"dE/d{name}" if section == "gradients" else name
            expected.append((label, sig9(value)))
    assert printed == expected
    for heading in ("Forward pass", "Backward pass", "after one update", "After 10000 steps"):
        assert heading in text


def test_published_walkthrough_numbers(run):
    """The values printed in the original walkthrough, to the digits it prints."""
    result, _ = run
    published = {
        ("forward", "out_h1"): 0.593269992,
        ("forward", "out_h2"): 0.596884378,
        ("forward", "out_o1"): 0.75136507,
        ("forward", "out_o2"): 0.772928465,
        ("forward", "E_total"): 0.298371109,
        ("gradients", "w5"): 0.082167041,
        ("updated", "w5"): 0.35891648,
        ("updated", "w6"): 0.408666186,
        ("updated", "w7"): 0.511301270,
        ("updated", "w8"): 0.561370121,
        ("updated", "w1"): 0.149780716,
        ("updated", "w2"): 0.19956143,
        ("updated", "w3"): 0.24975114,
        ("updated", "w4"): 0.29950229,
    }
    for (section, name), value in published.items():
        assert result[section][name] == pytest.approx(value, abs=6e-9), (section, name)


def test_runs_as_a_script(examples_dir, run):
    _, text = run
    proc = subprocess.run(
        [sys.executable, str(examples_dir / "step_by_step.py")],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert proc.stdout == text  # deterministic, and the script prints what main() returns
