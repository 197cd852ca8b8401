"""Compile at scale: `fit(compile=True)`'s step on wide MLPs against hand-written numpy.

For each network an `nn.MLP` (ReLU hidden layers, linear output) and a numpy MLP start from the
same weights; one step is forward, backward and an SGD update on a batch, with MSE loss. Before
anything is timed the two must agree on the loss and every gradient (relative 1e-12). Tracing
time and memory are measured in a fresh interpreter, so one network's heap does not weigh on
the next.

`python -m benchmarks.scale [--quick]` prints the table; `--trace SIZES BATCH` is the child.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from typing import Any

import numpy as np

import autograd_core
import nn

from .child import run_child
from .memory import _peak_kib, _status_kib
from .tables import ms, table
from .timing import Budget, epoch_series, in_turns, series, steady, summary

NETWORKS = ((2, 16, 16, 1), (64, 128, 64, 10), (784, 128, 64, 10))
QUICK_NETWORKS = ((2, 4, 4, 1), (8, 16, 3))
BATCH = 64
STEPS = 8  # batches per epoch: fit writes the trained numbers back to the Values once an epoch
RTOL = 1e-12


class NumpyMLP:
    """ReLU MLP, MSE, SGD: vectorized forward, hand-written backward."""

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.W = [W.copy() for W, _ in weights]
        self.b = [b.copy() for _, b in weights]

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, list, list]:
        acts, zs = [X], []
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W.T + b
            zs.append(z)
            acts.append(z if k == len(self.W) - 1 else np.maximum(z, 0.0))
        diff = acts[-1] - Y
        loss = float((diff * diff).mean(axis=1).mean())
        dz = 2.0 * diff / diff.size
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for k in reversed(range(len(self.W))):
            dW[k], db[k] = dz.T @ acts[k], dz.sum(axis=0)
            if k:
                dz = (dz @ self.W[k]) * (zs[k - 1] > 0)
        return loss, dW, db

    def step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
        loss, dW, db = self.loss_and_grads(X, Y)
        for p, g in zip((*self.W, *self.b), (*dW, *db)):
            p -= lr * g
        return loss


def problem(sizes: tuple[int, ...], batch: int, seed: int = 0) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    model = nn.MLP(sizes[0], list(sizes[1:]), activation="relu", init="scaled", seed=seed)
    weights = [
        (
            np.array([[w.data for w in n.w] for n in layer.neurons]),
            np.array([n.b.data for n in layer.neurons]),
        )
        for layer in model.layers
    ]
    X = rng.normal(size=(batch, sizes[0]))
    Y = rng.normal(size=(batch, sizes[-1]))
    return model, weights, X, Y


def per_sample_loss(model: Any) -> Any:
    return lambda x, y: nn.mse(model(x), y)


def check(sizes: tuple[int, ...], batch: int) -> float:
    """The largest difference between compiled and numpy loss and gradients, relative to the
    largest of them (a sum of 784 products is added in another order by BLAS)."""
    model, weights, X, Y = problem(sizes, batch)
    compiled = autograd_core.compile(per_sample_loss(model), X[0], Y[0])
    result = compiled.run(X, Y, input_grads=False)
    loss, dW, db = NumpyMLP(weights).loss_and_grads(X, Y)
    by_param = {id(p): g for p, g in zip(compiled.params, result.grads.tolist())}
    ours, theirs = [result.value], [loss]
    for layer, W, b in zip(model.layers, dW, db):
        for j, neuron in enumerate(layer.neurons):
            ours += [by_param[id(w)] for w in neuron.w] + [by_param[id(neuron.b)]]
            theirs += list(W[j]) + [b[j]]
    ours_a, theirs_a = np.array(ours), np.array(theirs)
    return float(np.max(np.abs(ours_a - theirs_a)) / np.max(np.abs(theirs_a)))


def timings(sizes: tuple[int, ...], batch: int, budget: Budget) -> dict[str, Any]:
    """Seconds per step of `nn.fit(compile=True)` (from its own `history.time`, over epochs of
    several batches) and of the numpy loop over the same batches, timed in turns."""
    model, weights, X, Y = problem(sizes, batch * STEPS)
    reference = NumpyMLP(weights)
    batches = [(X[i : i + batch], Y[i : i + batch]) for i in range(0, len(X), batch)]

    def numpy_steps(budget: Budget) -> list[float]:
        gc.collect()
        return series(lambda k: reference.step(*batches[k % STEPS], 1e-3), budget)

    def fit(epochs: int) -> list[float]:
        history = nn.fit(
            model, X, Y, loss="mse", optimizer=nn.SGD(model, lr=1e-3), epochs=epochs,
            batch_size=batch, shuffle=False, progress=False, compile=True,
        )  # fmt: skip
        return history.time

    def compiled_steps(budget: Budget) -> list[float]:
        gc.collect()
        return epoch_series(fit, budget, steps_per_epoch=STEPS)

    times = in_turns({"compiled": compiled_steps, "numpy": numpy_steps}, budget)
    out = {"compiled": summary(times["compiled"]), "numpy": summary(times["numpy"])}
    out["ratio"] = out["compiled"]["median_s"] / out["numpy"]["median_s"]
    return out


def trace_child(sizes: tuple[int, ...], batch: int) -> dict[str, Any]:
    """In a fresh interpreter: seconds and peak memory to compile the per-sample loss."""
    model, _, X, Y = problem(sizes, batch)
    gc.collect()
    before = _status_kib("VmRSS") or 0
    start = time.perf_counter()
    compiled = autograd_core.compile(per_sample_loss(model), X[0], Y[0])
    compiled.run(X, Y, input_grads=False)  # the first batch schedules the program
    seconds = time.perf_counter() - start
    return {"trace_s": seconds, "trace_peak_mib": (_peak_kib() - before) / 1024}


def run(quick: bool = False, log: Any = lambda _: None) -> list[dict[str, Any]]:
    budget = (
        Budget(0.05, warmup=1, min_repeats=2, max_repeats=3) if quick else Budget(3.0, 2, 5, 200)
    )
    rows = []
    for sizes in QUICK_NETWORKS if quick else NETWORKS:
        batch = BATCH
        log(f"compile at scale: MLP {sizes}, batch {batch}")
        row: dict[str, Any] = {
            "sizes": list(sizes),
            "batch": batch,
            "max_rel_diff": check(sizes, batch),
        }
        if row["max_rel_diff"] > RTOL:
            row["error"] = f"compiled and numpy disagree by {row['max_rel_diff']:.2e}"
            rows.append(row)
            continue
        row.update(run_child("benchmarks.scale", "--trace", ",".join(map(str, sizes)), str(batch)))
        row.update(timings(sizes, batch, budget))
        rows.append(row)
    return rows


def render(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    body = []
    for r in rows:
        name = f"{'-'.join(map(str, r['sizes']))}, {r['batch']}"
        if "error" in r:
            body.append([name, r["error"], "", "", "", ""])
            continue
        body.append(
            [
                name,
                ms(r["compiled"]["median_s"]),
                ms(r["numpy"]["median_s"]),
                f"{r['ratio']:.2f}x",
                f"{r['trace_s']:.2f} s",
                f"{r['trace_peak_mib']:.0f} MiB",
            ]
        )
    headers = [
        "network, batch",
        "compiled step ms",
        "numpy step ms",
        "ratio",
        "tracing",
        "tracing memory",
    ]
    return table(headers, body, markdown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--trace", nargs=2, metavar=("SIZES", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.trace:
        sizes = tuple(int(s) for s in args.trace[0].split(","))
        print(json.dumps(trace_child(sizes, int(args.trace[1]))))
        return 0
    conditions: list[str] = []
    with steady(conditions, keep_freed_memory=True):
        rows = run(args.quick, log=lambda msg: print(f"... {msg}", file=sys.stderr))
    print("\n".join(conditions))
    print(render(rows, args.markdown))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
