"""The compiled program on torch tensors against PyTorch's own module: the seed's network,
MLP(784, [128, 64, 10]) with ReLU, at batch 1,024, forward and backward of the MSE loss.

    python -m benchmarks.gpu [--device cuda] [--batch 1024]

Both start from the same weights (`nn.to_torch`) and must agree on the loss and the gradients
(relative 1e-9) before anything is timed. Prints the device's name (the GPU's, on CUDA) and
milliseconds per step; on a machine without CUDA it runs on the CPU and says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

import autograd_core
import nn

from .timing import Budget, series, summary

RTOL = 1e-9


def measure(device: str, batch: int, repeats: int = 30) -> dict[str, Any]:
    import torch

    model = nn.MLP(784, [128, 64, 10], activation="relu", init="scaled", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(batch, 784)), rng.normal(size=(batch, 10))
    compiled = autograd_core.compile(lambda x, y: nn.mse(model(x), y), X[0], Y[0])
    net = nn.to_torch(model).to(device)
    Xt = torch.tensor(X, dtype=torch.float64, device=device)
    Yt = torch.tensor(Y, dtype=torch.float64, device=device)

    def ours() -> Any:
        return compiled.run(Xt, Yt, input_grads=False)

    def theirs() -> float:
        net.zero_grad()
        loss = torch.nn.functional.mse_loss(net(Xt), Yt)
        loss.backward()
        return loss.item()

    result, loss = ours(), theirs()
    if abs(result.value - loss) > RTOL * abs(loss):
        raise SystemExit(f"the losses disagree: compiled {result.value!r}, torch {loss!r}")
    grad_err = max_grad_diff(model, compiled, result, net)
    if not grad_err <= RTOL:
        raise SystemExit(f"the gradients disagree: max relative difference {grad_err:.2e}")

    cuda = torch.device(device).type == "cuda"
    sync = torch.cuda.synchronize if cuda else lambda: None
    exactly = Budget(0.0, warmup=3, min_repeats=repeats, max_repeats=repeats)

    def timed(fn: Any) -> float:
        """Median seconds of `fn`, each call waited for until the device has finished it."""

        def call(_: int) -> None:
            fn()
            sync()

        return float(summary(series(call, exactly))["median_s"])

    name = torch.cuda.get_device_name() if cuda else f"CPU ({torch.get_num_threads()} threads)"
    compiled_s, torch_s = timed(ours), timed(theirs)
    return {
        "device": name,
        "batch": batch,
        "compiled_ms": 1000 * compiled_s,
        "torch_ms": 1000 * torch_s,
        "ratio": compiled_s / torch_s,
    }


def max_grad_diff(model: nn.MLP, compiled: Any, result: Any, net: Any) -> float:
    """The largest difference between the compiled gradients and the torch module's (its
    Linear layers' `weight.grad` and `bias.grad`), relative to the largest of the latter."""
    import torch

    by_param = {id(p): g for p, g in zip(compiled.params, result.grads.tolist())}
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    ours, theirs = [], []
    for layer, linear in zip(model.layers, linears, strict=True):
        W, b = linear.weight.grad.tolist(), linear.bias.grad.tolist()
        for j, neuron in enumerate(layer.neurons):
            ours += [by_param[id(w)] for w in neuron.w] + [by_param[id(neuron.b)]]
            theirs += W[j] + [b[j]]
    ours_a, theirs_a = np.array(ours), np.array(theirs)
    return float(np.max(np.abs(ours_a - theirs_a)) / np.max(np.abs(theirs_a)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda if present)")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        print("no CUDA device here: measuring on the CPU instead", file=sys.stderr)
    row = measure(device, args.batch, args.repeats)
    print(
        f"{row['device']}, batch {row['batch']}: compiled program {row['compiled_ms']:.2f} ms, "
        f"torch module {row['torch_ms']:.2f} ms ({row['ratio']:.2f}x)"
    )
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
