"""Compile finds a layer's weighted sums and runs them as one matrix product, with the same
numbers as the engine (to rounding: BLAS adds a dot product in its own order)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd_core import Value, compile, gradients
from autograd_core.compiled.levels import _MatMul

RTOL = 1e-12


def eager_loss_and_grads(fn, params, X, Y):
    """The mean loss and its gradients by the engine, one example at a time."""
    total, grads = 0.0, np.zeros(len(params))
    for x, y in zip(X, Y):
        loss = fn([Value(v) for v in x], y)
        found = gradients(loss)
        total += loss.data
        grads += [found.get(p, 0.0) for p in params]
    return total / len(X), grads / len(X)


def close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = max(np.max(np.abs(expected)), 1e-300)
    assert np.max(np.abs(actual - expected)) <= RTOL * scale, (actual, expected)


def levels_agree_with_the_engine(fn, X, Y):
    """`fn` compiled and run over the batch by levels: its loss and parameter gradients must be
    the engine's. Returns the compiled function."""
    compiled = compile(fn, X[0], Y[0])
    compiled.backend = "levels"
    result = compiled.run(X, Y, input_grads=False)
    loss, grads = eager_loss_and_grads(fn, compiled.params, X, Y)
    close(result.value, loss)
    close(result.grads, grads)
    return compiled


def matmuls(compiled):
    (entry,) = compiled._programs.values()
    levels = entry.schedules[False]
    return [step for step in levels.steps if isinstance(step, _MatMul)]


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=2, max_size=4),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    batch=st.integers(1, 12),
    seed=st.integers(0, 10**6),
)
def test_an_mlp_runs_as_one_matrix_product_per_layer_with_the_engines_numbers(
    sizes, activation, batch, seed
):
    model = nn.MLP(sizes[0], sizes[1:], activation=activation, init="scaled", seed=seed)
    rng = np.random.default_rng(seed)
    for p in model.parameters():  # nonzero biases, so a lost bias term shows
        p.data = rng.normal()
    X, Y = rng.normal(size=(batch, sizes[0])), rng.normal(size=(batch, sizes[-1]))
    compiled = levels_agree_with_the_engine(lambda x, y: nn.mse(model(x), y), X, Y)
    assert len(matmuls(compiled)) == len(sizes) - 1  # one per layer


def test_input_gradients_flow_through_the_transposed_product():
    model = nn.MLP(3, [4, 2], activation="tanh", seed=1)
    X = np.random.default_rng(0).normal(size=(5, 3))
    compiled = compile(lambda x: model(x)[0] * model(x)[1], X[0])
    compiled.backend = "levels"
    got = compiled.run(X).input_grads[0]
    for b in range(5):
        x = [Value(v) for v in X[b]]
        out = model(x)
        found = gradients(out[0] * out[1])
        close(got[b] * 5, [found[v] for v in x])  # the mean over 5 examples


def test_a_weight_used_twice_in_a_layer_gets_both_contributions():
    w, u = Value(0.7, label="w"), Value(-0.3, label="u")

    def fn(x):  # two neurons sharing (tying) the weight w: np.add.at adds both
        return (w * x[0] + u * x[1]).tanh() + (w * x[0] + w * x[1]).tanh()

    X = np.random.default_rng(1).normal(size=(6, 2))
    compiled = compile(fn, X[0])
    compiled.backend = "levels"
    result = compiled.run(X, input_grads=False)
    steps = matmuls(compiled)
    assert len(steps) == 1 and not steps[0].unique
    loss, grads = eager_loss_and_grads(lambda x, _: fn(x), compiled.params, X, np.zeros(6))
    close(result.grads, grads)


def test_a_bias_shared_by_neurons_and_read_elsewhere_gets_every_contribution():
    w = [Value(v) for v in (0.7, -0.3, 0.4, 0.9)]
    b = Value(0.25, label="b")

    def fn(x):  # two neurons with the same bias b, which the output reads once more
        h0 = (b + w[0] * x[0] + w[1] * x[1]).tanh()
        h1 = (b + w[2] * x[0] + w[3] * x[1]).tanh()
        return h0 * h1 + b * b

    X = np.random.default_rng(4).normal(size=(6, 2))
    compiled = compile(fn, X[0])
    compiled.backend = "levels"
    result = compiled.run(X, input_grads=False)
    layer = matmuls(compiled)[0]  # (b * b is a dot product too)
    assert isinstance(layer.bias, np.ndarray)  # b twice: its entries add with np.add.at
    loss, grads = eager_loss_and_grads(lambda x, _: fn(x), compiled.params, X, np.zeros(6))
    close(result.value, loss)
    close(result.grads, grads)


def test_weights_read_outside_their_layer_add_to_the_products_gradient():
    model = nn.MLP(3, [4, 2], activation="tanh", seed=2)
    params = model.parameters()

    def fn(x, y):  # an l2 penalty inside fn: every weight is read by its layer and by the sum
        return nn.mse(model(x), y) + 0.01 * sum(p * p for p in params)

    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    compiled = levels_agree_with_the_engine(fn, X, Y)
    assert not any(step.sole for step in matmuls(compiled)[:2])  # the layers' products add
    plain = compile(lambda x, y: nn.mse(model(x), y), X[0], Y[0])
    plain.run(X, Y, input_grads=False)
    assert all(step.sole for step in matmuls(plain))  # nothing else: written in place


def test_sums_of_other_shapes_still_run_and_agree():
    w = [Value(v) for v in (0.5, -1.2, 0.8)]

    def fn(x):  # neurons over different inputs, a product of two parameters, a lone product
        a = w[0] * x[0] + w[1] * x[1] + 1.5
        b = w[2] * x[1] + w[0] * x[2]
        c = w[1] * w[2] + x[0]
        return (a * b + c + w[2] * x[0]).sin()

    X = np.random.default_rng(2).normal(size=(7, 3))
    compiled = compile(fn, X[0])
    compiled.backend = "levels"
    result = compiled.run(X, input_grads=False)
    loss, grads = eager_loss_and_grads(lambda x, _: fn(x), compiled.params, X, np.zeros(7))
    close(result.value, loss)
    close(result.grads, grads)


def test_the_printed_program_shows_the_fused_form_and_still_runs():
    model = nn.MLP(2, [3, 1], activation="relu", seed=0)
    compiled = compile(lambda x, y: nn.mse(model(x), y), [0.1, 0.2], 0.5)
    source = compiled.source
    assert "one matrix product: W (3x2) @ [x_0, x_1] + b" in source
    assert "one matrix product: W (1x3)" in source
    namespace: dict = {}
    exec(source, namespace)
    params = [p.data for p in compiled.params]
    assert namespace["program"]([0.1, 0.2], 0.5, params)[0] == compiled([0.1, 0.2], 0.5)


@pytest.mark.parametrize("sizes", [(64, 128, 64, 10), (784, 32, 10)])
def test_wide_networks_trace_once_and_agree(sizes):
    model = nn.MLP(sizes[0], list(sizes[1:]), activation="relu", init="scaled", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, sizes[0])), rng.normal(size=(4, sizes[-1]))
    def fn(x, y):
        return nn.mse(model(x), y)

    compiled = compile(fn, X[0], Y[0])
    result = compiled.run(X, Y, input_grads=False)
    loss, grads = eager_loss_and_grads(fn, compiled.params, X, Y)
    close(result.value, loss)
    close(result.grads, grads)
    assert "_Program" not in repr(compiled) and "source" not in vars(
        next(iter(compiled._programs.values()))
    )


@pytest.mark.parametrize("also_read", [False, True])
def test_the_first_layer_reads_the_batch_itself_unless_another_step_reads_it_too(also_read):
    # the layer's product takes the argument as it is (no copy into the value matrix); when
    # another step also reads the inputs (x[0] * x[1] here), they are copied and both agree
    model = nn.MLP(5, [4, 1], seed=3)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(7, 1))

    def fn(x, y):
        loss = nn.mse(model(x), y)
        return loss + x[0] * x[1] if also_read else loss

    compiled = levels_agree_with_the_engine(fn, X, Y)
    (entry,) = compiled._programs.values()
    (first, *_) = matmuls(compiled)
    assert first.source == 0
    assert entry.schedules[False].unread == (frozenset() if also_read else frozenset({0}))
