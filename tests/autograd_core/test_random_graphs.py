"""Random expression graphs (hypothesis): engine gradients match central differences."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, gradients

SAFE_UNARY = ["tanh", "sigmoid", "sin", "cos", "exp_small", "square", "softplus"]
BINARY = ["+", "-", "*", "div_safe"]


def apply(op, a, b=None):
    if op == "tanh":
        return a.tanh()
    if op == "sigmoid":
        return a.sigmoid()
    if op == "sin":
        return a.sin()
    if op == "cos":
        return a.cos()
    if op == "exp_small":
        return (a.tanh() * 2).exp()
    if op == "square":
        return a**2
    if op == "softplus":
        return (1 + a.exp()).log()
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "div_safe":
        return a / (1 + b * b)
    raise AssertionError(op)


# A program: a list of steps, each an op applied to earlier nodes (by index, so nodes are reused).
step = st.one_of(
    st.tuples(st.sampled_from(SAFE_UNARY), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.sampled_from(BINARY), st.integers(0, 10**6), st.integers(0, 10**6)),
)


def run(program, inputs, make):
    nodes = [make(x) for x in inputs]
    for op, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(apply(op, a, b))
    total = nodes[-1]
    return nodes, total


@settings(max_examples=150, deadline=None)
@given(
    inputs=st.lists(st.floats(-2, 2), min_size=1, max_size=4),
    program=st.lists(step, min_size=1, max_size=25),
)
def test_random_graph_gradients_match_finite_differences(inputs, program):
    nodes, out = run(program, inputs, Value)
    out.backward()
    leaves = nodes[: len(inputs)]
    eps = 1e-6
    for k, leaf in enumerate(leaves):

        def f(delta, k=k):
            shifted = [x + delta * (i == k) for i, x in enumerate(inputs)]
            return run(program, shifted, Value)[1].data

        numeric = (f(eps) - f(-eps)) / (2 * eps)
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-5, abs_tol=1e-6), (k, program)
    # the functional API agrees with backward() exactly
    grads = gradients(out)
    assert [grads.get(leaf, 0.0) for leaf in leaves] == [leaf.grad for leaf in leaves]


def test_numpy_object_arrays_of_values():
    w = np.array([Value(0.5), Value(-1.0), Value(2.0)], dtype=object)
    x = np.array([1.0, 2.0, 3.0])
    y = np.dot(w, x)
    assert isinstance(y, Value) and y.data == 4.5
    y.backward()
    assert [v.grad for v in w] == [1.0, 2.0, 3.0]
    assert isinstance(np.float64(2.0) * w[0], Value)
    assert isinstance(w[0] + np.float64(2.0), Value)
    assert isinstance(np.sum(w * x), Value)
