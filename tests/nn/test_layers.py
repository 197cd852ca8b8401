"""Neuron, Layer, MLP: forward values against hand formulas, gradients against finite
differences, inputs of every accepted kind, clear errors, initialisation and name scopes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_core import Value, graph_stats, name_scope, topological_order

from .helpers import analytic_grads, numeric_grads

HAND_ACTIVATIONS = {
    "tanh": math.tanh,
    "relu": lambda a: max(a, 0.0),
    "sigmoid": lambda a: 1 / (1 + math.exp(-a)),
    "linear": lambda a: a,
}


def set_params(module: nn.Module, values: list[float]) -> None:
    for p, v in zip(module.parameters(), values):
        p.data = v


@pytest.mark.parametrize("activation", list(HAND_ACTIVATIONS))
def test_neuron_computes_activation_of_weighted_sum(activation):
    n = nn.Neuron(3, activation)
    set_params(n, [0.5, -1.25, 2.0, 0.1])  # w0, w1, w2, b
    x = [0.3, 0.7, -0.2]
    a = 0.5 * 0.3 + -1.25 * 0.7 + 2.0 * -0.2 + 0.1
    assert n(x).data == pytest.approx(HAND_ACTIVATIONS[activation](a), rel=1e-15)


def test_neuron_graph_is_lean():
    """w·x + b starts from the bias: nin multiplies, nin adds, one activation, no constants."""
    n = nn.Neuron(5, "tanh", seed=0)
    out = n([Value(float(i)) for i in range(5)])
    stats = graph_stats(out)
    assert stats.ops == {"*": 5, "+": 5, "tanh": 1}
    assert stats.leaves == 5 + 5 + 1  # inputs, weights, bias
    assert graph_stats(nn.Neuron(2, "linear", seed=0)([1.0, 2.0])).ops == {"*": 2, "+": 2}


def test_layer_and_mlp_forward_match_hand_computation():
    mlp = nn.MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    p = [x.data for x in mlp.parameters()]
    W1 = [p[0:2], p[3:5], p[6:8]]
    b1 = [p[2], p[5], p[8]]
    W2 = [p[9:12], p[13:16]]
    b2 = [p[12], p[16]]
    x = [0.4, -0.9]
    h = [math.tanh(sum(w * xi for w, xi in zip(W1[j], x)) + b1[j]) for j in range(3)]
    o = [1 / (1 + math.exp(-(sum(w * hi for w, hi in zip(W2[k], h)) + b2[k]))) for k in range(2)]
    out = mlp(x)
    assert [v.data for v in out] == pytest.approx(o, rel=1e-14)
    layer_out = mlp.layers[0](x)
    assert [v.data for v in layer_out] == pytest.approx(h, rel=1e-14)


@pytest.mark.parametrize("sizes", [[1], [1, 1], [3, 1, 2], [1, 4, 1]])
def test_a_layer_of_one_neuron_works_anywhere(sizes):
    mlp = nn.MLP(2, sizes, activation="tanh", seed=1)
    x = [0.5, -0.3]

    def f():
        out = mlp(x)
        outs = out if isinstance(out, list) else [out]
        assert len(outs) == sizes[-1]
        total = outs[0]
        for o in outs[1:]:
            total = total + o
        return total

    params = mlp.parameters()
    assert analytic_grads(f, params) == pytest.approx(numeric_grads(f, params), abs=1e-7)


def test_mlp_gradients_match_finite_differences_for_every_activation():
    for act in ("tanh", "sigmoid", "relu"):
        mlp = nn.MLP(3, [4, 3, 1], activation=act, output_activation="tanh", seed=2)
        xs = [[0.1, -0.5, 0.9], [1.2, 0.3, -0.7]]

        def f(mlp=mlp, xs=xs):
            a, b = (mlp(x) for x in xs)
            return a * a + b

        params = mlp.parameters()
        assert analytic_grads(f, params) == pytest.approx(numeric_grads(f, params), abs=1e-6)


def test_inputs_may_be_lists_tuples_arrays_numbers_or_values():
    mlp = nn.MLP(2, [3, 1], seed=0)
    expected = mlp([0.25, -0.5]).data
    assert mlp((0.25, -0.5)).data == expected
    assert mlp(np.array([0.25, -0.5])).data == expected
    assert mlp(np.array([0.25, -0.5], dtype=np.float32)).data == pytest.approx(expected)
    assert mlp([np.float64(0.25), Value(-0.5)]).data == expected
    one = nn.MLP(1, [2, 1], seed=0)
    assert one(0.5).data == one([0.5]).data == one(Value(0.5)).data == one(np.array([0.5])).data
    assert nn.Layer(1, 1, seed=0)(2).data == nn.Layer(1, 1, seed=0)([2.0]).data


def test_gradients_flow_into_value_inputs():
    x = Value(0.7)
    mlp = nn.MLP(1, [3, 1], seed=0)

    def f():
        return mlp([x])

    f().backward()
    assert x.grad == pytest.approx(numeric_grads(f, [x])[0], abs=1e-7)


@pytest.mark.parametrize(
    "module, name",
    [(nn.Neuron(3, seed=0), "Neuron"), (nn.Layer(3, 2, seed=0), "Layer"), (nn.MLP(3, [2]), "MLP")],
)
def test_wrong_input_length_says_the_expected_length(module, name):
    with pytest.raises(ValueError, match=rf"{name} expects 3 inputs, got 2"):
        module([1.0, 2.0])
    with pytest.raises(ValueError, match="expects 3 inputs, got 1"):
        module(1.0)
    with pytest.raises(ValueError, match="expects one input vector of length 3"):
        module(np.zeros((2, 3)))


def test_bad_inputs_are_type_errors():
    mlp = nn.MLP(2, [1])
    with pytest.raises(TypeError, match="input 1 must be a number or a Value, got str"):
        mlp([1.0, "2"])
    with pytest.raises(TypeError, match="got bool"):
        mlp([True, 1.0])
    with pytest.raises(TypeError, match="list, tuple or numpy array"):
        mlp({1.0, 2.0})


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="nin must be a positive int, got 0"):
        nn.Neuron(0)
    with pytest.raises(TypeError, match="nin must be a positive int, got float"):
        nn.Layer(2.0, 3)
    with pytest.raises(ValueError, match="activation must be one of tanh, relu, sigmoid, linear"):
        nn.MLP(2, [3], activation="softplus")
    with pytest.raises(TypeError, match="activation must be a name"):
        nn.Neuron(2, activation=math.tanh)
    with pytest.raises(TypeError, match="nouts must be a non-empty list"):
        nn.MLP(2, [])
    with pytest.raises(ValueError, match="each layer size in nouts must be a positive int"):
        nn.MLP(2, [3, 0])
    with pytest.raises(ValueError, match="init must be one of uniform, scaled"):
        nn.MLP(2, [3], init="xavier")


def test_initialisation_is_documented_and_deterministic():
    a = nn.MLP(4, [8, 1], seed=7)
    b = nn.MLP(4, [8, 1], seed=7)
    c = nn.MLP(4, [8, 1], seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()
    for init, bound in (("uniform", 1.0), ("scaled", 0.5)):  # 1/sqrt(4) for the first layer
        m = nn.MLP(4, [50], init=init, seed=0)
        weights = [p.data for name, p in m.named_parameters() if ".w." in name]
        biases = [p.data for name, p in m.named_parameters() if name.endswith(".b")]
        assert all(-bound <= w <= bound for w in weights)
        assert max(map(abs, weights)) > 0.9 * bound  # 200 draws fill the interval
        assert biases == [0.0] * 50
    # A shared generator continues: two neurons from one generator differ.
    rng = np.random.default_rng(0)
    n1, n2 = nn.Neuron(3, seed=rng), nn.Neuron(3, seed=rng)
    assert n1.state_dict() != n2.state_dict()


def test_values_carry_the_module_scope_and_labels():
    mlp = nn.MLP(2, [3, 1], seed=0)
    for name, p in mlp.named_parameters():  # one name everywhere: scope + "." + label
        assert f"{p.scope}.{p.label}" == name
        assert p.label in ("b", *(f"w.{i}" for i in range(3)))
    out = mlp([0.5, 0.25])
    interior = [v for v in topological_order(out) if v.parents]
    assert {v.scope for v in interior} == {f"layers.0.neurons.{j}" for j in range(3)} | {
        "layers.1.neurons.0"
    }
    inputs = [v for v in topological_order(out) if v.label in ("x0", "x1")]
    assert len(inputs) == 2  # one leaf per input, shared by every neuron of the first layer
    with name_scope("model"):
        scoped = nn.Layer(2, 1, seed=0)
        y = scoped([1.0, 2.0])
    assert scoped.neurons[0].b.scope == "model.neurons.0"
    assert y.scope == "model.neurons.0"


def test_repr_is_readable():
    assert repr(nn.Neuron(3, "relu")) == "Neuron(3 inputs, relu)"
    assert repr(nn.Layer(2, 4, "sigmoid")) == "Layer(2 -> 4, sigmoid)"
    assert repr(nn.MLP(2, [16, 16, 1], activation="relu")) == (
        "MLP(2 -> 16 -> 16 -> 1, 337 parameters)\n"
        "  layers.0: Layer(2 -> 16, relu)\n"
        "  layers.1: Layer(16 -> 16, relu)\n"
        "  layers.2: Layer(16 -> 1, linear)"
    )


def test_forward_batch_gives_the_same_values_graph_and_gradients_as_one_by_one():
    xs = [[0.5, -1.0], (2.0, 0.25), np.array([0.0, 1.5])]
    for make in (
        lambda: nn.MLP(2, [3, 2, 1], activation="relu", seed=4),
        lambda: nn.MLP(2, [3, 2], seed=4),
        lambda: nn.Layer(2, 3, seed=4),
        lambda: nn.Layer(2, 1, seed=4),
        lambda: nn.Neuron(2, seed=4),  # the Module default
    ):
        one, many = make(), make()
        outs_one = [one(x) for x in xs]
        outs_many = many.forward_batch(xs)

        def flat(outs):
            return [v for o in outs for v in (o if isinstance(o, list) else [o])]

        assert [v.data for v in flat(outs_many)] == [v.data for v in flat(outs_one)]
        assert [v.scope for v in flat(outs_many)] == [v.scope for v in flat(outs_one)]
        for outs in (outs_one, outs_many):
            total = flat(outs)[0]
            for v in flat(outs)[1:]:
                total = total + v * v
            total.backward()
        assert [p.grad for p in many.parameters()] == [p.grad for p in one.parameters()]
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        nn.MLP(2, [1]).forward_batch([[1.0, 2.0], [1.0, 2.0, 3.0]])
