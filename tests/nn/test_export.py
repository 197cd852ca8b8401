"""nn.to_torch / from_torch / to_onnx against the real PyTorch and onnxruntime.

The truth is the other system: torch's own forward and autograd, onnx.checker and onnxruntime.
Weights are checked against `named_parameters()` names, read independently of the exporter.
"""

from __future__ import annotations

import collections
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd_core import Value
from tests.conftest import needs
from tests.kernel import ROOT

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_ONNX = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))
ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"]
TORCH_NAMES = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid"}
PARAM = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(?:w\.(\d+)|b)")
M = TypeVar("M", bound=nn.Module)
SMALL = settings(max_examples=25, deadline=None)


def with_biases(model: M) -> M:
    """Give every neuron a nonzero bias (they start at 0), so the biases are really checked."""
    rng = np.random.default_rng(len(model.parameters()))
    for name, p in model.named_parameters():
        if name.split(".")[-1] == "b":
            p.data = rng.uniform(-1, 1)
    return model


mlps = st.builds(
    nn.MLP,
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    activation=st.sampled_from(ACTIVATIONS),
    output_activation=st.sampled_from(ACTIVATIONS),
    init=st.sampled_from(["uniform", "scaled"]),
    seed=st.integers(0, 2**32 - 1),
).map(with_biases)


@pytest.fixture(scope="module")
def torch() -> Any:
    needs(HAS_TORCH, 'torch (pip install -e ".[torch]")')
    import torch

    return torch


@pytest.fixture(scope="module")
def ort() -> Any:
    needs(HAS_ONNX, 'onnx and onnxruntime (pip install -e ".[onnx]")')
    return importlib.import_module("onnxruntime")


def inputs(nin: int, seed: int, n: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, nin))


def nn_outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """The engine's outputs, one row per sample, as an array of shape (n, nout)."""
    rows = []
    for x in X:
        out = model(x.tolist())
        rows.append([out.data] if isinstance(out, Value) else [o.data for o in out])
    return np.array(rows)


def position(name: str) -> tuple[int, int, int | None]:
    """(layer, neuron, input) of a parameter from its name alone; input None for a bias."""
    match = PARAM.fullmatch(name)
    assert match, name
    k, j, i = match.groups()
    return int(k), int(j), None if i is None else int(i)


def weights_by_name(model: nn.MLP) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weight matrices and bias vectors assembled from `named_parameters()` names alone."""
    W = [np.full((layer.nout, layer.nin), np.nan) for layer in model.layers]
    B = [np.full(layer.nout, np.nan) for layer in model.layers]
    for name, p in model.named_parameters():
        k, j, i = position(name)
        if i is None:
            B[k][j] = p.data
        else:
            W[k][j, i] = p.data
    return W, B


def close(a: np.ndarray | float, b: np.ndarray | float, tol: float = 1e-12) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1, np.abs(b))))


# --- to_torch ------------------------------------------------------------------------------


@SMALL
@given(model=mlps, seed=st.integers(0, 1000))
def test_to_torch_has_the_same_layers_weights_and_outputs(
    torch: Any, model: Any, seed: Any
) -> None:
    t = nn.to_torch(model)
    expected = []
    for k in range(len(model.layers)):
        expected.append("Linear")
        act = model.output_activation if k == len(model.layers) - 1 else model.activation
        expected += [TORCH_NAMES[act]] if act in TORCH_NAMES else []
    assert type(t) is torch.nn.Sequential
    assert [type(m).__name__ for m in t] == expected

    linears = [m for m in t if isinstance(m, torch.nn.Linear)]
    W, B = weights_by_name(model)
    for linear, w, b in zip(linears, W, B, strict=True):
        assert linear.weight.dtype == linear.bias.dtype == torch.float64
        assert np.array_equal(linear.weight.detach().numpy(), w)
        assert np.array_equal(linear.bias.detach().numpy(), b)

    X = inputs(model.nin, seed)
    with torch.no_grad():
        out = t(torch.tensor(X)).numpy()
    assert close(out, nn_outputs(model, X))


@SMALL
@given(model=mlps, seed=st.integers(0, 1000))
def test_torch_gradients_equal_backward(torch: Any, model: Any, seed: Any) -> None:
    """One loss, two engines: torch's autograd and ours give the same gradients to 1e-12."""
    X = inputs(model.nin, seed)
    T = np.random.default_rng(seed + 1).normal(size=(len(X), model.sizes[-1]))
    outs = [model(x.tolist()) for x in X]
    loss = nn.mse(outs, T[:, 0].tolist() if T.shape[1] == 1 else T.tolist())
    model.zero_grad()
    loss.backward()

    t = nn.to_torch(model)
    t_loss = ((t(torch.tensor(X)) - torch.tensor(T)) ** 2).mean()
    t_loss.backward()
    assert close(t_loss.item(), loss.data)
    linears = [m for m in t if isinstance(m, torch.nn.Linear)]
    for name, p in model.named_parameters():
        k, j, i = position(name)
        linear = linears[k]
        t_grad = linear.bias.grad[j] if i is None else linear.weight.grad[j, i]
        assert close(t_grad.item(), p.grad), name


def test_to_torch_copies_and_leaves_torch_rng_alone(torch: Any) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    state = torch.get_rng_state()
    first: Any = nn.to_torch(model)[0]
    assert torch.equal(torch.get_rng_state(), state)
    with torch.no_grad():
        first.weight.add_(1.0)
    assert model.layers[0].neurons[0].w[0].data == nn.MLP(2, [3, 1], seed=0).parameters()[0].data


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_takes_a_layer_and_a_neuron(torch: Any, activation: Any) -> None:
    X = inputs(3, 0)
    extra = [TORCH_NAMES[activation]] if activation in TORCH_NAMES else []
    for module, nout in ((nn.Layer(3, 2, activation, seed=1), 2), (nn.Neuron(3, activation), 1)):
        t = nn.to_torch(with_biases(module))
        first: Any = t[0]
        assert [type(m).__name__ for m in t] == ["Linear", *extra]
        assert (first.in_features, first.out_features) == (3, nout)
        with torch.no_grad():
            assert close(t(torch.tensor(X)).numpy(), nn_outputs(module, X))


class Doubler(nn.Module):
    def __init__(self) -> None:
        self.w = Value(2.0)

    def __call__(self, x: float) -> Value:
        return self.w * x


class WiderMLP(nn.MLP):
    pass


@pytest.mark.parametrize("export", ["to_torch", "to_onnx"])
def test_only_mlp_layer_and_neuron_can_be_exported(
    torch: Any, ort: Any, tmp_path: Any, export: Any
) -> None:
    def call(model: object) -> object:
        return getattr(nn, export)(model, *([tmp_path / "m.onnx"] if export == "to_onnx" else []))

    with pytest.raises(TypeError, match=rf"{export}\(\).*cannot export Doubler \(a custom nn"):
        call(Doubler())
    with pytest.raises(TypeError, match=r"cannot export WiderMLP \(a subclass of MLP"):
        call(WiderMLP(2, [3, 1]))
    with pytest.raises(TypeError, match="cannot export list"):
        call([1.0, 2.0])
    mixed = nn.Layer(3, 2, "tanh", seed=0)
    mixed.neurons[1] = nn.Neuron(3, "relu", seed=1)
    with pytest.raises(ValueError, match="different activations"):
        call(mixed)
    assert not (tmp_path / "m.onnx").exists()


# --- from_torch ----------------------------------------------------------------------------


@SMALL
@given(model=mlps, seed=st.integers(0, 1000))
def test_from_torch_of_to_torch_is_the_same_model(torch: Any, model: Any, seed: Any) -> None:
    back = nn.from_torch(nn.to_torch(model))
    assert type(back) is nn.MLP
    assert back.sizes == model.sizes
    assert back.output_activation == model.output_activation
    if len(model.layers) > 1:
        assert back.activation == model.activation
    assert back.state_dict() == model.state_dict()
    X = inputs(model.nin, seed)
    assert close(nn_outputs(back, X), nn_outputs(model, X))


def test_from_torch_converts_float32_weights_exactly(torch: Any) -> None:
    torch.manual_seed(0)
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 5), torch.nn.Tanh(),
        torch.nn.Linear(5, 2), torch.nn.Sigmoid(),
    )  # fmt: skip
    model = nn.from_torch(t)
    assert (model.sizes, model.activation, model.output_activation) == (
        [3, 5, 5, 2],
        "tanh",
        "sigmoid",
    )
    W, B = weights_by_name(model)
    linears = [m for m in t if isinstance(m, torch.nn.Linear)]
    for linear, w, b in zip(linears, W, B, strict=True):
        # float32 -> float64 is exact, so numpy's own widening must give the very same numbers
        assert np.array_equal(linear.weight.detach().numpy().astype(np.float64), w)
        assert np.array_equal(linear.bias.detach().numpy().astype(np.float64), b)
    X = inputs(3, 0)
    with torch.no_grad():
        in_float64 = t.double()(torch.tensor(X)).numpy()
        in_float32 = t.float()(torch.tensor(X, dtype=torch.float32)).numpy()
    assert close(nn_outputs(model, X), in_float64)
    assert close(nn_outputs(model, X), in_float32, tol=1e-6)


def test_from_torch_reads_identity_and_missing_activations_as_linear(torch: Any) -> None:
    L, T = torch.nn.Linear, torch.nn
    for t, hidden, out in [
        (L(2, 3), None, "linear"),
        (T.Sequential(L(2, 3), L(3, 1)), "linear", "linear"),
        (T.Sequential(L(2, 3), T.Identity(), L(3, 3), T.Identity(), L(3, 1)), "linear", "linear"),
        (T.Sequential(L(2, 3), T.ReLU(), L(3, 1), T.Identity()), "relu", "linear"),
        (T.Sequential(L(2, 4), T.Sigmoid(), L(4, 4), T.Sigmoid(), L(4, 1), T.Tanh()), "sigmoid",
         "tanh"),
    ]:  # fmt: skip
        model = nn.from_torch(t)
        assert model.output_activation == out
        if hidden:
            assert model.activation == hidden
        X = inputs(2, 1)
        with torch.no_grad():
            assert close(nn_outputs(model, X), t.double()(torch.tensor(X)).numpy())


def unsupported(torch: Any) -> list[tuple[Any, type[Exception], str]]:
    T, L = torch.nn, torch.nn.Linear
    nan = L(2, 1)
    with torch.no_grad():
        nan.weight[0, 0] = float("nan")

    my_sequential = type("MySequential", (T.Sequential,), {})

    def linear(**parts: Any) -> Any:
        """A Linear(2, 3) with some of its parameters replaced."""
        layer = L(2, 3)
        for name, value in parts.items():
            setattr(layer, name, value)
        return layer

    P = torch.nn.Parameter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that a zero-element init does nothing
        empty = L(0, 3)

    return [
        # weights that hold no number, or numbers nn cannot hold, or the wrong shape
        (L(2, 3, device="meta"), ValueError, r"layer 0 \(Linear\) has its weight on the meta dev"),
        (
            T.Sequential(L(2, 3), T.Tanh(), L(3, 1, device="meta")),
            ValueError,
            r"layer 2 \(Linear\) has its weight on the meta device, which holds no numbers",
        ),
        (L(2, 3, dtype=torch.complex64), TypeError, r"layer 0 \(Linear\) has a weight of torch.co"),
        (
            linear(weight=P(torch.ones(3, 2, dtype=torch.int64), requires_grad=False)),
            TypeError,
            r"layer 0 \(Linear\) has a weight of torch.int64; nn takes floating point weights",
        ),
        (
            linear(bias=P(torch.ones(3, dtype=torch.int32), requires_grad=False)),
            TypeError,
            r"layer 0 \(Linear\) has a bias of torch.int32",
        ),
        (
            linear(weight=P(torch.zeros(3, 5))),
            ValueError,
            r"layer 0 \(Linear\) has a weight of shape \(3, 5\), but a Linear\(2, 3\) needs \(3, 2",
        ),
        (
            T.Sequential(L(4, 2), linear(bias=P(torch.zeros(4)))),
            ValueError,
            r"layer 1 \(Linear\) has a bias of shape \(4,\), but a Linear\(2, 3\) needs \(3,\)",
        ),
        (linear(weight=None), TypeError, r"layer 0 \(Linear\) has a weight of type NoneType"),
        (empty, ValueError, r"layer 0 \(Linear\) maps 0 inputs to 3 outputs"),
        (
            linear(weight=P(torch.zeros(3, 2).to_sparse())),
            TypeError,
            r"layer 0 \(Linear\) has a torch.sparse_coo weight: convert it with .to_dense",
        ),
        (T.Sequential(T.LazyLinear(3)), TypeError, r"layer 0 \(LazyLinear\).*on one input first"),
        # layers nn has no counterpart for, or in an order an nn.MLP cannot have
        (T.Sequential(L(2, 3), T.Conv1d(1, 1, 1)), TypeError, r"layer 1 \(Conv1d\)"),
        (
            T.Sequential(L(2, 3), T.Tanh(), T.Dropout(), L(3, 1)),
            TypeError,
            r"layer 2 \(Dropout\).*leave it out",
        ),
        (
            T.Sequential(collections.OrderedDict(fc=L(2, 3), drop=T.Dropout())),
            TypeError,
            r"layer 1 \(Dropout 'drop'\)",
        ),
        (T.Sequential(L(2, 3), T.LeakyReLU()), TypeError, r"layer 1 \(LeakyReLU\)"),
        (T.Sequential(T.Sequential(L(2, 3))), TypeError, r"layer 0 \(Sequential\).*flatten"),
        (
            T.Sequential(L(2, 3), T.Tanh(), T.ReLU()),
            ValueError,
            r"layer 2 \(ReLU\) follows another",
        ),
        (
            T.Sequential(L(2, 3), T.Tanh(), T.Identity()),
            ValueError,
            r"layer 2 \(Identity\) follows",
        ),
        (T.Sequential(T.Tanh(), L(2, 3)), ValueError, r"layer 0 \(Tanh\) comes before any Linear"),
        (T.Sequential(L(2, 3, bias=False)), ValueError, r"layer 0 \(Linear\) has no bias"),
        (
            T.Sequential(L(2, 3), T.Tanh(), L(4, 1)),
            ValueError,
            r"layer 2 \(Linear\) takes 4 inputs, but the layer before it gives 3",
        ),
        (
            T.Sequential(L(2, 3), T.Tanh(), L(3, 3), T.ReLU(), L(3, 1)),
            ValueError,
            r"layer 3 \(ReLU\) makes hidden layer 1 relu, but hidden layer 0 is tanh",
        ),
        (
            T.Sequential(L(2, 3), T.Tanh(), L(3, 3), L(3, 1)),
            ValueError,
            r"layer 3 \(Linear\), right after a Linear, makes hidden layer 1 linear",
        ),
        (T.Sequential(nan), ValueError, r"layer 0 \(Linear\) has a weight or bias that is not fin"),
        (T.Sequential(), ValueError, "empty Sequential"),
        (T.Tanh(), TypeError, "got Tanh"),
        (my_sequential(L(2, 3)), TypeError, "got MySequential"),
        (T.LazyLinear(3), TypeError, "got LazyLinear"),
    ]


def test_from_torch_names_the_layer_it_cannot_take(torch: Any) -> None:
    for module, error, message in unsupported(torch):
        with pytest.raises(error, match=message):
            nn.from_torch(module)


# --- to_onnx -------------------------------------------------------------------------------


def onnx_outputs(ort: Any, path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(["y"], {"x": X})[0])


@SMALL
@given(model=mlps, seed=st.integers(0, 1000))
def test_onnx_is_valid_and_runs_to_the_same_outputs(ort: Any, model: Any, seed: Any) -> None:
    import onnx
    from onnx import numpy_helper

    with tempfile.TemporaryDirectory() as tmp:
        path = nn.to_onnx(model, Path(tmp) / "model.onnx")
        assert path == Path(tmp) / "model.onnx"
        proto = onnx.load(path)
        onnx.checker.check_model(proto, full_check=True)
        X = inputs(model.nin, seed)
        assert close(onnx_outputs(ort, path, X), nn_outputs(model, X))
        assert close(onnx_outputs(ort, path, X[:1]), nn_outputs(model, X[:1]))  # any batch size

    W, B = weights_by_name(model)
    stored = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    expected = {}
    for k in range(len(model.layers)):
        expected[f"layers.{k}.neurons.w"], expected[f"layers.{k}.neurons.b"] = W[k], B[k]
    assert stored.keys() == expected.keys()
    for name, array in stored.items():
        assert array.dtype == np.float64 and np.array_equal(array, expected[name]), name


def test_onnx_file_has_named_io_a_dynamic_batch_and_opset_17(ort: Any, tmp_path: Any) -> None:
    import onnx

    path = nn.to_onnx(nn.MLP(3, [4, 2], seed=0), str(tmp_path / "m.onnx"))
    proto = onnx.load(path)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    (x,), (y,) = proto.graph.input, proto.graph.output
    for io, name, width in ((x, "x", 3), (y, "y", 2)):
        dims = io.type.tensor_type.shape.dim
        assert io.name == name
        assert io.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
        assert (dims[0].dim_param, dims[1].dim_value) == ("batch", width)
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Tanh", "Gemm"]


def test_onnx_float32(ort: Any, tmp_path: Any) -> None:
    import onnx

    model = with_biases(nn.MLP(2, [8, 8, 1], "relu", "sigmoid", seed=3))
    path = nn.to_onnx(model, tmp_path / "m.onnx", dtype="float32")
    proto = onnx.load(path)
    assert {t.data_type for t in proto.graph.initializer} == {onnx.TensorProto.FLOAT}
    X = inputs(2, 0)
    out = onnx_outputs(ort, path, X.astype(np.float32))
    assert out.dtype == np.float32
    assert close(out, nn_outputs(model, X), tol=1e-6)


def test_onnx_of_a_layer_and_a_neuron(ort: Any, tmp_path: Any) -> None:
    from onnx import load

    X = inputs(3, 2)
    for module, names in (
        (nn.Layer(3, 2, "sigmoid", seed=0), ["neurons.w", "neurons.b"]),
        (nn.Neuron(3, "relu", seed=0), ["w", "b"]),
    ):
        path = nn.to_onnx(with_biases(module), tmp_path / "m.onnx")
        assert [t.name for t in load(path).graph.initializer] == names
        assert close(onnx_outputs(ort, path, X), nn_outputs(module, X))


def test_to_onnx_checks_its_arguments(ort: Any, tmp_path: Any) -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="dtype 'float64' or 'float32', got 'float16'"):
        nn.to_onnx(model, tmp_path / "m.onnx", dtype="float16")
    with pytest.raises(TypeError, match="needs a file path"):
        nn.to_onnx(model, 42)  # type: ignore[arg-type]


def test_to_onnx_checks_its_path_as_save_does() -> None:  # before it needs onnx
    model = nn.MLP(2, [1], seed=0)
    for bad in ("", "a\0b"):
        with pytest.raises(ValueError, match="is not a file path"):
            nn.to_onnx(model, bad)
    with pytest.raises(TypeError, match="needs a file path"):
        nn.to_onnx(model, b"m.onnx")  # type: ignore[arg-type]


# --- optional dependencies -----------------------------------------------------------------

MISSING = """
import sys
for name in ("torch", "onnx", "onnxruntime"):
    sys.modules[name] = None  # import now fails as it does when the package is not installed
import nn
model = nn.MLP(2, [3, 1], seed=0)
for call in (
    lambda: nn.to_torch(model), lambda: nn.from_torch(None), lambda: nn.to_onnx(model, "m.onnx")
):
    try:
        call()
    except ImportError as e:
        print(type(e).__name__, e.name, e, sep="|")
"""


def run_python(code: str, cwd: Path) -> list[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_missing_extras_raise_errors_naming_the_extra(tmp_path: Any) -> None:
    lines = run_python(MISSING, tmp_path)
    assert lines == [
        "ModuleNotFoundError|torch|to_torch() needs torch, which is not installed: "
        'pip install "autograd-core[torch]"',
        "ModuleNotFoundError|torch|from_torch() needs torch, which is not installed: "
        'pip install "autograd-core[torch]"',
        "ModuleNotFoundError|onnx|to_onnx() needs onnx, which is not installed: "
        'pip install "autograd-core[onnx]"',
    ]
    assert not (tmp_path / "m.onnx").exists()


def test_importing_nn_imports_no_optional_dependency(tmp_path: Any) -> None:
    code = (
        "import sys, nn; print([m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules])"
    )
    assert run_python(code, tmp_path) == ["[]"]
