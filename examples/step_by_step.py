"""Backpropagation step by step: the classic worked example of a 2-2-2 sigmoid network.

The numbers are those of Matt Mazur's "A Step by Step Backpropagation Example": inputs 0.05 and
0.10, weights w1..w8, a bias b1 shared by both hidden units and b2 shared by both outputs,
targets 0.01 and 0.99, error E = ½·Σ(target − out)², learning rate 0.5. The engine does the
chain rule; this script prints every forward value, dE/dw for every weight, the weights after
one update (all from the gradients of the same pass; the biases stay fixed, as in the original),
then trains and prints the error and outputs.

    python examples/step_by_step.py [--steps 10000]
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import nn
from autograd_core import Value

INPUTS = {"i1": 0.05, "i2": 0.10}
WEIGHTS = {
    "w1": 0.15,  # i1 -> h1
    "w2": 0.20,  # i2 -> h1
    "w3": 0.25,  # i1 -> h2
    "w4": 0.30,  # i2 -> h2
    "w5": 0.40,  # h1 -> o1
    "w6": 0.45,  # h2 -> o1
    "w7": 0.50,  # h1 -> o2
    "w8": 0.55,  # h2 -> o2
}
BIASES = {"b1": 0.35, "b2": 0.60}
TARGETS = (0.01, 0.99)
LEARNING_RATE = 0.5


def forward(i: dict[str, Value], w: dict[str, Value], b: dict[str, Value]) -> dict[str, Value]:
    """Every value of the forward pass, by name, in the order it is computed; E_total last."""
    v: dict[str, Value] = {}
    v["net_h1"] = w["w1"] * i["i1"] + w["w2"] * i["i2"] + b["b1"]
    v["out_h1"] = v["net_h1"].sigmoid()
    v["net_h2"] = w["w3"] * i["i1"] + w["w4"] * i["i2"] + b["b1"]
    v["out_h2"] = v["net_h2"].sigmoid()
    v["net_o1"] = w["w5"] * v["out_h1"] + w["w6"] * v["out_h2"] + b["b2"]
    v["out_o1"] = v["net_o1"].sigmoid()
    v["net_o2"] = w["w7"] * v["out_h1"] + w["w8"] * v["out_h2"] + b["b2"]
    v["out_o2"] = v["net_o2"].sigmoid()
    v["E_total"] = nn.squared_error([v["out_o1"], v["out_o2"]], TARGETS)
    for name, value in v.items():
        value.label = name
    return v


def main(steps: int = 10_000, out: TextIO | None = None) -> dict[str, dict[str, float]]:
    """Run the walkthrough, print it to `out` (stdout), and return every number it printed."""
    out = out or sys.stdout

    def show(name: str, x: float) -> None:
        print(f"  {name:<8} = {x:.9g}", file=out)

    i = {name: Value(x, name) for name, x in INPUTS.items()}
    w = {name: Value(x, name) for name, x in WEIGHTS.items()}
    b = {name: Value(x, name) for name, x in BIASES.items()}
    optimizer = nn.SGD(list(w.values()), lr=LEARNING_RATE)  # biases are not given: held fixed

    values = forward(i, w, b)
    optimizer.zero_grad()
    values["E_total"].backward()
    result: dict[str, dict[str, float]] = {
        "forward": {name: v.data for name, v in values.items()},
        "gradients": {name: p.grad for name, p in w.items()},
    }
    print("Forward pass", file=out)
    for name, x in result["forward"].items():
        show(name, x)
    print("Backward pass: dE_total/dw", file=out)
    for name, g in result["gradients"].items():
        show(f"dE/d{name}", g)

    optimizer.step()  # every weight moves by -0.5 * its gradient from this same pass
    result["updated"] = {name: p.data for name, p in w.items()}
    print(f"Weights after one update (learning rate {LEARNING_RATE})", file=out)
    for name, x in result["updated"].items():
        show(name, x)

    values = forward(i, w, b)
    result["after_update"] = {"E_total": values["E_total"].data}
    print("Error after one update", file=out)
    show("E_total", values["E_total"].data)

    for _ in range(steps - 1):  # the update above was step 1
        optimizer.zero_grad()
        values["E_total"].backward()
        optimizer.step()
        values = forward(i, w, b)
    result["trained"] = {name: values[name].data for name in ("E_total", "out_o1", "out_o2")}
    print(f"After {steps} steps", file=out)
    for name, x in result["trained"].items():
        show(name, x)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="training steps (10000)")
    args = parser.parse_args()
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    main(args.steps)
