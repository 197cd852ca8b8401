"""Neuron, Layer and MLP: weighted sums and activations built from Values.

Initialisation (deterministic from `seed`): biases start at 0 and each weight is drawn
uniformly from [-bound, bound], where `init="uniform"` (the default, micrograd's) has bound 1 and
`init="scaled"` has bound 1/sqrt(nin) (PyTorch's default for a linear layer, which keeps a
weighted sum of order 1 however wide the layer). `seed` is an int, a `numpy.random.Generator`
(shared, so consecutive modules get different weights), or None (fresh randomness).

Every Value a module creates carries its name as a scope (`autograd_core.name_scope`): the
parameters and forward-pass nodes of an MLP's fourth neuron in its first layer have
`.scope == "layers.0.neurons.3"`, the prefix of their `named_parameters()` names, so viz can
draw one box per neuron.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from operator import methodcaller
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_core import Value, name_scope

from . import files
from ._checks import is_number, mismatch, positive_int, quoted
from .module import Module, Outputs, _Running

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    # `methodcaller("tanh")(x)` is `x.tanh()`: it pickles by name, so a model pickles too
    "tanh": methodcaller("tanh"),
    "relu": methodcaller("relu"),
    "sigmoid": methodcaller("sigmoid"),
    "linear": None,  # identity: adds no node to the graph
}

INITS: dict[str, Callable[[int], float]] = {
    "uniform": lambda nin: 1.0,
    "scaled": lambda nin: 1.0 / math.sqrt(nin),
}

Seed = int | np.random.Generator | None
Inputs = Sequence[float | Value] | np.ndarray | float | Value


class Neuron(Module):
    """`activation(w · x + b)`: one weight per input and a bias.

    >>> neuron = nn.Neuron(2, seed=0)          # tanh; weights drawn from the seed, bias 0
    >>> y = neuron([1.0, -2.0]); y.backward()
    >>> round(y.data, 4), [round(w.grad, 4) for w in neuron.w]   # dy/dw_i = (1 - y²)·x_i
    (0.8321, [0.3077, -0.6154])
    """

    def __init__(
        self, nin: int, activation: str = "tanh", *, init: str = "uniform", seed: Seed = None
    ) -> None:
        self.nin = positive_int(nin, "nin")
        self.activation = _activation_name(activation)
        self.init = _init_name(init)
        self._apply = ACTIVATIONS[self.activation]
        bound = INITS[self.init](self.nin)
        weights = np.random.default_rng(seed).uniform(-bound, bound, self.nin).tolist()
        self.w = [Value(v, f"w.{i}") for i, v in enumerate(weights)]  # as named_parameters()
        self.b = Value(0.0, "b")

    def forward(self, x: Inputs) -> Value:
        return self._forward(_inputs(x, self.nin, "Neuron"))

    if TYPE_CHECKING:

        def __call__(self, x: Inputs) -> Value: ...

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def _forward(self, xs: list[Value]) -> Value:
        # Start from the bias, not from 0: sum() would add a constant leaf and an extra node.
        act = self.b
        for w, x in zip(self.w, xs):
            act = act + w * x
        return self._apply(act) if self._apply else act

    def __repr__(self) -> str:
        return f"Neuron({self.nin} inputs, {self.activation})"


class Layer(Module):
    """`nout` neurons that all see the same inputs. One output is returned as a bare Value.

    >>> layer = nn.Layer(2, 3, seed=0)         # 3 tanh neurons, 2 weights and a bias each
    >>> [round(v.data, 4) for v in layer([1.0, -2.0])]
    [0.8321, 0.7682, -0.7717]
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        *,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        self.nin = positive_int(nin, "nin")
        self.nout = positive_int(nout, "nout")
        self.activation = _activation_name(activation)
        self.init = _init_name(init)
        rng = np.random.default_rng(seed)
        self._scopes = [f"neurons.{j}" for j in range(self.nout)]
        self.neurons = []
        for scope in self._scopes:
            with name_scope(scope):
                self.neurons.append(Neuron(self.nin, self.activation, init=init, seed=rng))

    def forward(self, x: Inputs) -> Value | Outputs:
        return _result(self._forward(_inputs(x, self.nin, "Layer")))

    if TYPE_CHECKING:

        def __call__(self, x: Inputs) -> Value | Outputs: ...

    def get_config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
        }

    def _forward(self, xs: list[Value]) -> list[Value]:
        out = []
        for scope, neuron in zip(self._scopes, self.neurons):
            with name_scope(scope):
                out.append(neuron._forward(xs))
        return out

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        """`[self(x) for x in xs]`, neuron by neuron: each name scope is entered once per batch."""
        with _Running(self):
            outs = self._forward_batch([_inputs(x, self.nin, "Layer") for x in xs])
        return [_result(out) for out in outs]

    def _forward_batch(self, batch: list[list[Value]]) -> list[list[Value]]:
        outs: list[list[Value]] = [[] for _ in batch]
        for scope, neuron in zip(self._scopes, self.neurons):
            forward = neuron._forward
            with name_scope(scope):
                for out, xs in zip(outs, batch):
                    out.append(forward(xs))
        return outs

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.activation})"


class MLP(Module):
    """A stack of Layers: `MLP(2, [16, 16, 1])` maps 2 inputs through two hidden layers to 1.

    >>> model = nn.MLP(2, [3, 1], seed=0)      # 2 inputs, 3 tanh neurons, 1 linear output
    >>> model
    MLP(2 -> 3 -> 1, 13 parameters)
      layers.0: Layer(2 -> 3, tanh)
      layers.1: Layer(3 -> 1, linear)
    >>> round(model([1.0, -2.0]).data, 4)
    0.4627

    Hidden layers use `activation`; the last layer uses `output_activation` (default linear, so
    the output is a raw score). One output is returned as a bare Value, several as a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "linear",
        *,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        self.nin = positive_int(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [self.nin] + [positive_int(n, "each layer size in nouts") for n in nouts]
        self.activation = _activation_name(activation)
        self.output_activation = _activation_name(output_activation)
        self.init = _init_name(init)
        rng = np.random.default_rng(seed)
        self._scopes = [f"layers.{i}" for i in range(len(nouts))]
        self.layers = []
        for i, scope in enumerate(self._scopes):
            last = i == len(nouts) - 1
            with name_scope(scope):
                act = self.output_activation if last else self.activation
                self.layers.append(Layer(sizes[i], sizes[i + 1], act, init=init, seed=rng))

    @property
    def sizes(self) -> list[int]:
        """Widths from input to output: `[2, 16, 16, 1]`."""
        return [self.nin] + [layer.nout for layer in self.layers]

    def forward(self, x: Inputs) -> Value | Outputs:
        xs = _inputs(x, self.nin, "MLP")
        for scope, layer in zip(self._scopes, self.layers):
            with name_scope(scope):
                xs = layer._forward(xs)
        return _result(xs)

    if TYPE_CHECKING:

        def __call__(self, x: Inputs) -> Value | Outputs: ...

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        """`[self(x) for x in xs]`, layer by layer: fit() and predict() use this, because entering
        a name scope costs more than an op, and this way each is entered once per batch."""
        with _Running(self):
            batch = [_inputs(x, self.nin, "MLP") for x in xs]
            for scope, layer in zip(self._scopes, self.layers):
                with name_scope(scope):
                    batch = layer._forward_batch(batch)
        return [_result(out) for out in batch]

    def get_config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": self.sizes[1:],
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
        }

    def __repr__(self) -> str:
        lines = [f"MLP({' -> '.join(map(str, self.sizes))}, {self.num_parameters()} parameters)"]
        lines += [f"  layers.{i}: {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines)


def _result(outputs: list[Value]) -> Value | Outputs:
    """One output as a bare Value, several as an Outputs list."""
    return outputs[0] if len(outputs) == 1 else Outputs(outputs)


def _inputs(x: object, n: int, who: str) -> list[Value]:
    """Check an input vector and make every number a Value leaf (once, not once per neuron)."""
    if isinstance(x, np.ndarray):
        if x.ndim > 1:
            raise ValueError(f"{who} expects one input vector of length {n}, got shape {x.shape}")
        x = x.tolist()
    if isinstance(x, Value) or is_number(x):
        x = [x]
    elif not isinstance(x, (list, tuple)):
        raise TypeError(
            f"{who} expects a list, tuple or numpy array of {n} numbers or Values, "
            f"got {type(x).__name__}"
        )
    if len(x) != n:
        raise ValueError(f"{who} expects {n} inputs, got {len(x)}")
    xs = []
    for i, xi in enumerate(x):
        if isinstance(xi, Value):
            xs.append(xi)
        elif is_number(xi):
            xs.append(Value(xi, f"x{i}"))
        else:
            raise TypeError(f"{who} input {i} must be a number or a Value, got {type(xi).__name__}")
    return xs


def _init_name(name: object) -> str:
    if not isinstance(name, str) or name not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {name!r}")
    return name


def _activation_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name ({', '.join(ACTIVATIONS)}), got {name!r}")
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {name!r}")
    return name


# --- how many parameters a config builds, which nn.load checks before it builds anything -------


def _neuron_parameters(config: Mapping[str, Any]) -> int:
    _config_keys(config, {"nin", "activation", "init"})
    return _config_size(config["nin"], "nin") + 1


def _layer_parameters(config: Mapping[str, Any]) -> int:
    _config_keys(config, {"nin", "nout", "activation", "init"})
    return _config_size(config["nout"], "nout") * (_config_size(config["nin"], "nin") + 1)


def _mlp_parameters(config: Mapping[str, Any]) -> int:
    _config_keys(config, {"nin", "nouts", "activation", "output_activation", "init"})
    nouts = config["nouts"]
    if not isinstance(nouts, list) or not nouts:
        raise ValueError("config 'nouts' must be a list of layer sizes")
    sizes = [_config_size(config["nin"], "nin")]
    sizes += [_config_size(n, "nouts (each layer size)") for n in nouts]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def _config_size(n: object, what: str) -> int:
    if type(n) is not int or n < 1:
        raise ValueError(f"config {what} must be a positive int, got {n!r:.40}")
    return n


def _config_keys(config: Mapping[str, Any], keys: set[str]) -> None:
    if set(config) != keys:
        wrong = mismatch(keys - set(config), set(config) - keys, quoted)
        raise ValueError(f"its config has {wrong}")


files.register(Neuron, _neuron_parameters)
files.register(Layer, _layer_parameters)
files.register(MLP, _mlp_parameters)
