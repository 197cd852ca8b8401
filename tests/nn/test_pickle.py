"""Models, layers, neurons, optimizers and histories survive pickle and copy.deepcopy: a copy
holds its own parameters with the same names, numbers and scopes, computes the same outputs, and
trains on exactly as the original does."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest

import nn
from autograd_core import Value

from .helpers import ids


class Tied(nn.Module):
    """A module of our own: submodules called in forward, a bare Value, a tied bias."""

    def __init__(self) -> None:
        self.hidden = nn.Layer(3, 4, "relu", seed=5)
        self.out = nn.Neuron(4, "sigmoid", seed=6)
        self.out.b = self.hidden.neurons[0].b
        self.scale = Value(1.5)

    def forward(self, x: Any) -> Value:
        return self.out(self.hidden(x)) * self.scale


MODELS: dict[str, Callable[[], nn.Module]] = {
    "mlp tanh": lambda: nn.MLP(3, [4, 2], seed=0),
    "mlp relu sigmoid": lambda: nn.MLP(3, [5, 4, 1], "relu", "sigmoid", seed=1),
    "layer": lambda: nn.Layer(3, 2, "sigmoid", seed=2),
    "neuron": lambda: nn.Neuron(3, "relu", seed=3),
    "user module": Tied,
}
COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
}
INPUTS = [[0.3, -1.2, 0.7], [2.0, 0.5, -0.1], [-1.0, -1.0, 1.0]]


def outputs(model: nn.Module) -> list[list[float]]:
    """Every output number for INPUTS (a graph is built, so its ops run as Values)."""
    rows = []
    for x in INPUTS:
        out = model(x)
        rows.append([v.data for v in (out if isinstance(out, list) else [out])])
    return rows


def with_biases_and_grads(model: nn.Module) -> nn.Module:
    """Nonzero biases (they start at 0) and gradients, so that both are really compared."""
    for i, p in enumerate(model.parameters()):
        p.data += 0.01 * (i + 1)
        p.grad = 0.5 - 0.1 * i
    outputs(model)  # a call fills a user module's submodule-name cache, which pickles too
    return model


def parameters(model: nn.Module) -> list[tuple[str, float, float, str | None, str | None]]:
    return [(n, p.data, p.grad, p.label, p.scope) for n, p in model.named_parameters()]


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_a_copied_module_has_its_own_equal_parameters_and_the_same_outputs(make, how) -> None:
    model = with_biases_and_grads(make())
    twin = COPIES[how](model)
    assert type(twin) is type(model)
    assert parameters(twin) == parameters(model)
    assert not set(ids(twin.parameters())) & set(ids(model.parameters()))  # its own Values
    assert outputs(twin) == outputs(model)
    assert repr(twin) == repr(model)


@pytest.mark.parametrize("how", COPIES)
def test_a_tied_parameter_stays_tied_in_the_copy(how) -> None:
    twin = COPIES[how](Tied())
    assert twin.out.b is twin.hidden.neurons[0].b
    assert twin.num_parameters() == Tied().num_parameters()


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("compile", [False, True])
@pytest.mark.parametrize("make_optimizer", [nn.Adam, nn.SGD], ids=["adam", "sgd"])
def test_a_copied_model_and_optimizer_train_on_as_the_originals(how, compile, make_optimizer):
    """Adam's moments and step count and SGD's velocity are in the copy: two more epochs
    give the same history and parameters from either."""
    X = [[0.5, -1.0, 0.2], [1.5, 0.3, -0.7], [-0.4, 0.9, 1.1], [0.0, -0.2, 0.4]]
    y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    model = nn.MLP(3, [4, 2], seed=7)
    kwargs = {"momentum": 0.9} if make_optimizer is nn.SGD else {}
    optimizer = make_optimizer(model, lr=0.05, **kwargs)
    fit: dict[str, Any] = {"epochs": 2, "batch_size": 2, "seed": 0, "progress": False}
    nn.fit(model, X, y, optimizer=optimizer, compile=compile, **fit)
    twin, twin_optimizer = COPIES[how]((model, optimizer))
    assert ids(twin_optimizer.params) == ids(twin.parameters())  # it steps the copy's Values
    history = nn.fit(model, X, y, optimizer=optimizer, compile=compile, **fit)
    twin_history = nn.fit(twin, X, y, optimizer=twin_optimizer, compile=compile, **fit)
    assert twin_history.loss == history.loss
    assert parameters(twin) == parameters(model)
    assert twin_optimizer.steps == optimizer.steps == 8


@pytest.mark.parametrize("how", COPIES)
def test_a_history_copies_whole(how) -> None:
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, -1, 1]
    validation = ([[0.5, 0.5]], [1])
    history = nn.fit(
        nn.MLP(2, [3, 1], seed=0), X, y, loss="hinge", epochs=3, validation=validation,
        progress=False,
    )  # fmt: skip
    twin = COPIES[how](history)
    assert twin == history
    assert (twin.epochs, twin.steps, twin.val_loss) == (3, 3, history.val_loss)
