"""A compiled function given torch tensors computes with torch (through array-api-compat) and
returns torch results equal to numpy's; numpy stays the default and the only requirement."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nn
from autograd_core import Value, compile
from tests.conftest import needs
from tests.kernel import ROOT

try:
    import torch
except ImportError:  # pragma: no cover - torch is in the dev extra
    torch = None

DEVICES = ["cpu"] + (["cuda"] if torch is not None and torch.cuda.is_available() else [])


def on(device, *arrays):
    return [torch.tensor(a, dtype=torch.float64, device=device) for a in arrays]


def close(ours, reference, rtol=1e-12):
    ours = ours.cpu().numpy() if hasattr(ours, "cpu") else np.asarray(ours)
    scale = max(float(np.max(np.abs(reference))), 1e-300)
    assert float(np.max(np.abs(ours - reference))) <= rtol * scale


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_an_mlp_on_torch_tensors_gives_numpys_numbers_as_torch_tensors(device, activation):
    needs(torch is not None, "torch")
    model = nn.MLP(5, [7, 6, 3], activation=activation, seed=1)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 5)), rng.normal(size=(20, 3))
    f = compile(lambda x, y: nn.mse(model(x), y), X[0], Y[0])
    reference = f.run(X, Y)
    result = f.run(*on(device, X, Y))
    assert isinstance(result.outputs, torch.Tensor) and result.outputs.device.type == device
    assert result.value == pytest.approx(reference.value, rel=1e-12)
    close(result.grads, reference.grads)
    close(result.input_grads[0], reference.input_grads[0])
    close(result.input_grads[1], reference.input_grads[1])
    close(f(*on(device, X, Y)), f(X, Y))


def test_every_op_kind_and_repeated_operands_agree_on_torch():
    needs(torch is not None, "torch")
    w = [Value(v) for v in (0.7, -0.4, 1.3)]

    def fn(x):  # exp, log, sqrt, division, powers, a weight tied across a layer, x reused
        a = w[0] * x[0] + w[1] * x[1] + w[0] * x[2]
        b = w[2] * x[0] + w[0] * x[1]
        s = (a * a + 1).sqrt() + (b.exp() + 1).log() / (1 + x[1] * x[1]) + abs(x[2]) ** 1.5
        return s.softplus() + a.maximum(b) + x[0] * x[0] * x[0]

    X = np.random.default_rng(2).normal(size=(9, 3))
    f = compile(fn, X[0])
    reference = f.run(X)
    (Xt,) = on("cpu", X)
    result = f.run(Xt)
    close(torch.as_tensor(result.value), reference.value)
    close(result.grads, reference.grads)
    close(result.input_grads[0], reference.input_grads[0])


def test_errors_on_torch_name_the_op_the_number_and_the_batch_element():
    needs(torch is not None, "torch")
    f = compile(lambda x: x.log(), 1.0)
    with pytest.raises(
        ValueError, match=r"log\(\) needs a positive input, got -2.0 \(batch element 1\)"
    ):
        f(torch.tensor([1.0, -2.0], dtype=torch.float64))


@pytest.mark.slow
def test_without_array_api_compat_the_error_names_the_extra():
    code = (
        "import sys; sys.modules['array_api_compat'] = None\n"
        "import torch\nfrom autograd_core import Value, compile\n"
        "w = Value(2.0); f = compile(lambda x: w * x, 1.0)\n"
        "try:\n    f(torch.tensor([1.0, 2.0], dtype=torch.float64))\n"
        "except ImportError as e:\n    print(e)\n"
    )
    needs(torch is not None, "torch")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert 'pip install "autograd-core[array-api]"' in done.stdout, done.stderr


def test_mixing_torch_tensors_and_numpy_arrays_says_which_argument_is_which():
    needs(torch is not None, "torch")
    f = compile(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(
        TypeError, match=r"argument x is a torch.Tensor but argument y a numpy.ndarray; give"
    ):
        f(torch.tensor([1.0, 2.0], dtype=torch.float64), np.array([3.0, 4.0]))


def test_an_argument_without_a_batch_axis_gets_one_summed_gradient_on_torch_as_on_numpy():
    needs(torch is not None, "torch")
    w = Value(0.5)
    f = compile(lambda x, s: (w * x * s).tanh(), 1.0, 2.0, check=True)
    X = np.array([0.5, -1.0, 2.0])
    reference = f.run(X, 0.7)  # s shared by the batch: d loss / d s sums over it
    result = f.run(torch.tensor(X, dtype=torch.float64), 0.7)
    assert result.input_grads[1] == pytest.approx(reference.input_grads[1], rel=1e-12)
    close(result.input_grads[0], reference.input_grads[0])
