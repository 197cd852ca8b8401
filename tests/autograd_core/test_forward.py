"""Forward mode and the Jacobians (jvp, jacfwd, jacrev, hessian): against PyTorch in float64 on
random graphs through every row of the op table and at the edges the README documents, against
closed forms for the conventions and for derivatives of derivatives, and on bad input.

The PyTorch checks skip without torch locally (required in CI, REQUIRE_ALL=1).
"""

import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import (
    OPS,
    Value,
    apply,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    power,
    tangents,
)
from tests.autograd_core.test_edges import EXPONENTS, same
from tests.autograd_core.test_random_graphs import run, step
from tests.conftest import needs

try:
    import torch
except ImportError:  # pragma: no cover - torch is in the dev extra
    torch = None

# Every row of the table, and the power family at a few exponents (negative, fractional, 0).
ROWS = [*OPS.values(), *(power(n) for n in (0, 1, 2, 3, -1, 0.5, 2.5, -1.5))]

# PyTorch's form of each row: a new row needs one line here (the test says so).
TORCH_ROWS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": lambda a, b: torch.pow(a, b),
    "ieee_pow": lambda a, b: torch.pow(a, b),
    "neg": operator.neg,
    "id": lambda a: a,
    "exp": lambda a: torch.exp(a),
    "log": lambda a: torch.log(a),
    "tanh": lambda a: torch.tanh(a),
    "sigmoid": lambda a: torch.sigmoid(a),
    "relu": lambda a: torch.relu(a),
    "sin": lambda a: torch.sin(a),
    "cos": lambda a: torch.cos(a),
    "sqrt": lambda a: torch.sqrt(a),
    "abs": lambda a: torch.abs(a),
    # log(1 + e^a) exactly (torch's softplus is linear above 20, a different function there)
    "softplus": lambda a: torch.logaddexp(a, torch.zeros_like(a)),
    "log1p": lambda a: torch.log1p(a),
    "maximum": lambda a, b: torch.maximum(a, b),
}


def tensor(x):
    return torch.tensor(x, dtype=torch.float64)


def torch_row(row):
    if row.n is not None:
        return lambda a: a**row.n
    assert row.name in TORCH_ROWS, f"row {row.name!r} has no PyTorch form: add it to TORCH_ROWS"
    return TORCH_ROWS[row.name]


def every_row(xs, program, picks, call):
    """A random graph over `xs` (test_random_graphs' generator), then every row of the table
    applied to nodes of it picked by `picks`: one output per row. A row that can raise gets
    its inputs in (0.5, 1.5), inside every row's domain, and so does x ** y in its IEEE form
    (the create-graph row), whose derivative needs log(x); the others see the raw nodes."""
    nodes, _ = run(program, list(xs), lambda x: x)
    outputs = []
    for row, picked in zip(ROWS, picks):
        args = [nodes[i % len(nodes)] for i in picked[: row.arity]]
        if row.raises or row.infix == "**":  # x ** y: d/dy is out * log(x), for x > 0 only
            args = [a.sigmoid() + 0.5 for a in args]
        outputs.append(call(row, *args))
    return outputs


def ours(program, picks):
    return lambda v: every_row(v, program, picks, apply)


def theirs(program, picks):
    def call(row, *args):
        return torch_row(row)(*args)

    return lambda t: torch.stack(every_row(list(t), program, picks, call))


def data(tree):
    if isinstance(tree, list | tuple):
        return np.array([data(item) for item in tree], dtype=float)
    return tree.data


def assert_close(got, want):
    """Equal to 1e-10 relative to the entry or to the array's largest entry (at least 1): an
    entry near 0 that is a difference of larger terms is only as exact as they are (seen:
    -3.74992e-13 against -3.74978e-13, in a Jacobian whose largest entry is 2)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * scale)


graphs = dict(
    xs=st.lists(st.floats(-2, 2), min_size=1, max_size=4),
    program=st.lists(step, min_size=1, max_size=12),
    picks=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
        min_size=len(ROWS),
        max_size=len(ROWS),
    ),
)


def test_every_row_has_a_torch_form():
    needs(torch is not None, "torch")
    for row in ROWS:
        torch_row(row)


@settings(max_examples=40, deadline=None)
@given(**graphs)
def test_jacobians_agree_with_torch_on_random_graphs_through_every_row(xs, program, picks):
    needs(torch is not None, "torch")
    f = ours(program, picks)
    want = torch.autograd.functional.jacobian(theirs(program, picks), tensor(xs), vectorize=True)
    assert_close(data(jacfwd(f)(xs)), want.numpy())
    assert_close(data(jacrev(f)(xs)), want.numpy())


@settings(max_examples=30, deadline=None)
@given(**graphs, seed=st.integers(0, 2**32 - 1))
def test_jvp_agrees_with_torch_func_jvp_on_random_graphs(xs, program, picks, seed):
    needs(torch is not None, "torch")
    ts = np.random.default_rng(seed).normal(size=len(xs)).tolist()
    y, dy = jvp(ours(program, picks), (xs,), (ts,))
    want_y, want_dy = torch.func.jvp(theirs(program, picks), (tensor(xs),), (tensor(ts),))
    assert_close(data(y), want_y.numpy())
    assert_close(data(dy), want_dy.numpy())


@settings(max_examples=30, deadline=None)
@given(**graphs)
def test_hessian_agrees_with_torch_on_random_graphs(xs, program, picks):
    needs(torch is not None, "torch")
    f, g = ours(program, picks), theirs(program, picks)
    want = torch.autograd.functional.hessian(lambda t: g(t).sum(), tensor(xs), vectorize=True)
    assert_close(data(hessian(lambda v: sum(f(v)))(xs)), want.numpy())


# --- the edges the README documents: x ** n, sqrt, relu and abs at 0 ---------------------------

EDGES = [(f"x**{n}", lambda x, n=n: x**n) for n in EXPONENTS]
EDGES += [(name, lambda x, name=name: getattr(x, name)()) for name in ("sqrt", "relu", "abs")]


@pytest.mark.parametrize("name, f", EDGES, ids=[name for name, _ in EDGES])
def test_at_zero_every_mode_agrees_with_torch(name, f):
    needs(torch is not None, "torch")
    zero = tensor(0.0)
    _, want_tangent = torch.func.jvp(f, (zero,), (tensor(1.0),))
    want_first = torch.autograd.functional.jacobian(f, zero).item()
    want_second = torch.autograd.functional.hessian(f, zero).item()
    assert same(jvp(f, (0.0,), (1.0,))[1].data, want_tangent.item()), name
    assert same(jacfwd(f)(0.0).data, want_first), name
    assert same(jacrev(f)(0.0).data, want_first), name
    assert same(hessian(f)(0.0).data, want_second), name


def test_at_zero_the_documented_numbers():
    """The README's edges as closed forms: (x**n)' at 0 is 0 for n > 1, n = 1 gives 1, n < 1
    (sqrt too) gives inf; relu and abs have slope 0 at 0; (x**2)'' is 2 and sqrt'' is -inf."""
    slopes = {n: jvp(lambda x, n=n: x**n, (0.0,), (1.0,))[1].data for n in (0, 1, 2, 3, 0.5)}
    assert slopes == {0: 0.0, 1: 1.0, 2: 0.0, 3: 0.0, 0.5: math.inf}
    assert jacfwd(Value.sqrt)(0.0).data == math.inf
    assert jacfwd(Value.relu)(0.0).data == 0.0 and jacfwd(Value.abs)(0.0).data == 0.0
    assert hessian(lambda x: x**2)(0.0).data == 2.0
    assert hessian(Value.sqrt)(0.0).data == -math.inf


# --- conventions, closed forms, derivatives of derivatives ------------------------------------


def test_structure_follows_outputs_then_inputs():
    def f(x, v):
        return x * v[0], [v[1].exp(), x]

    J = jacfwd(f, argnums=(0, 1))(2.0, [3.0, 0.5])
    # a tuple of outputs (the second a list): each number becomes (d/dx, [d/dv0, d/dv1])
    assert isinstance(J, tuple) and isinstance(J[1], list)
    assert isinstance(J[0], tuple) and isinstance(J[0][1], list)
    e = math.exp(0.5)
    closed = [(3.0, [2.0, 0.0]), [(0.0, [0.0, e]), (1.0, [0.0, 0.0])]]
    for got in (J, jacrev(f, argnums=(0, 1))(2.0, [3.0, 0.5])):
        flat = [got[0][0], *got[0][1], got[1][0][0], *got[1][0][1], got[1][1][0], *got[1][1][1]]
        want = [3.0, 2.0, 0.0, 0.0, 0.0, e, 1.0, 0.0, 0.0]
        assert [d.data for d in flat] == pytest.approx(want, rel=1e-15), closed
    one = jacfwd(lambda x, y: x * y, argnums=1)(2.0, 5.0)  # int argnums, one output: a Value
    assert isinstance(one, Value) and one.data == 2.0


def test_jvp_returns_values_and_tangents_of_fs_structure():
    y, dy = jvp(lambda x, y: [x * y, (x + 1.0, 7.0)], (2.0, 3.0), (1.0, -1.0))
    assert isinstance(dy, list) and isinstance(dy[1], tuple)
    assert [y[0].data, y[1][0].data, y[1][1].data] == [6.0, 3.0, 7.0]
    assert [dy[0].data, dy[1][0].data, dy[1][1].data] == [3.0 - 2.0, 1.0, 0.0]


def test_grad_of_a_jvp_is_the_second_derivative():
    def f(x):
        return (x * x).sin()

    got = grad(lambda x: jvp(f, (x,), (1.0,))[1])(0.7)
    assert got.data == pytest.approx(2 * math.cos(0.49) - 4 * 0.49 * math.sin(0.49), rel=1e-14)
    # and jvp is linear in the tangent, which can be a Value too: d/dt = f'(x)
    along_t = grad(lambda t: jvp(f, (0.7,), (t,))[1])(3.0)
    assert along_t.data == pytest.approx(2 * 0.7 * math.cos(0.49), rel=1e-14)


def test_jacobians_and_hessians_differentiate_again():
    third = grad(lambda x: hessian(lambda y: y**4 + y.sin())(x))(0.3)
    assert third.data == pytest.approx(24 * 0.3 - math.cos(0.3), rel=1e-14)
    cross = jacfwd(lambda x: jacrev(lambda y: (x * y).exp())(2.0))(0.5)  # d/dx (x e^(2x))
    assert cross.data == pytest.approx(math.exp(1.0) * (1 + 2 * 0.5), rel=1e-14)


def test_a_value_primal_is_the_input_even_where_f_closes_over_it():
    x = Value(3.0)
    # f's own x, closed over, is a constant: only the argument is differentiated
    _, dy = jvp(lambda v: v * x, (x,), (1.0,))
    assert dy.data == 3.0
    # and the result reaches x through the primal: d/dx of (x * 3.0 from the tangent)
    assert grad(lambda u: jvp(lambda v: v * v, (u,), (1.0,))[1])(x).data == 2.0


def test_tangents_of_every_node_by_numbers_or_values():
    x, y = Value(0.5), Value(-1.5)
    a = x * y
    b = a.tanh()
    out = [b + x, a]
    found = tangents(out, {x: 1.0})
    t = 1 - math.tanh(-0.75) ** 2
    assert found[a] == -1.5 and found[b] == pytest.approx(-1.5 * t, rel=1e-15)
    assert found[out[0]] == pytest.approx(-1.5 * t + 1, rel=1e-15) and y not in found
    as_values = tangents(out, {x: 1.0}, create_graph=True)
    assert as_values[out[0]].data == found[out[0]]
    seeded_inside = tangents(b, {a: 2.0})  # a seed keeps its tangent, whatever it depends on
    assert seeded_inside[b] == pytest.approx(2 * t, rel=1e-15)


def test_many_outputs_along_one_chain():
    """One input, every step of a chain an output: one forward pass, a reverse pass each."""

    def chain(x):
        h, outs = x, []
        for _ in range(50):
            h = (h * 0.9 + x * 0.1).sin()
            outs.append(h)
        return outs

    dx = [d.data for d in jvp(chain, (0.4,), (1.0,))[1]]
    assert dx == pytest.approx([d.data for d in jacrev(chain)(0.4)], rel=1e-12)
    h, dh = 0.4, 1.0  # the chain rule by hand
    for _ in range(50):
        h, dh = math.sin(h * 0.9 + 0.04), math.cos(h * 0.9 + 0.04) * (dh * 0.9 + 0.1)
    assert dx[-1] == pytest.approx(dh, rel=1e-12)


# --- bad input -------------------------------------------------------------------------------

not_numbers = st.one_of(
    st.text(max_size=5),
    st.none(),
    st.booleans(),
    st.complex_numbers(),
    st.dictionaries(st.text(), st.integers()),
)
numbers = st.floats(-5, 5)


@given(bad=not_numbers, at=st.integers(0, 2))
def test_a_tangent_or_primal_that_is_not_a_number_is_named(bad, at):
    primals, tangent_list = [1.0, 2.0, 3.0], [1.0, 0.0, 0.0]

    def f(*v):
        return v[0] * v[1] * v[2]

    tangent_list[at] = bad
    with pytest.raises(
        TypeError, match=rf"jvp\(\) tangents\[{at}\] must be a Value or a real number"
    ):
        jvp(f, tuple(primals), tuple(tangent_list))
    tangent_list[at], primals[at] = 0.0, bad
    with pytest.raises(TypeError, match=rf"jvp\(\) primals\[{at}\] must be a Value or a real"):
        jvp(f, tuple(primals), tuple(tangent_list))
    with pytest.raises(TypeError, match=rf"jacfwd\(\) argument {at} must be a Value or a real"):
        jacfwd(f, argnums=(0, 1, 2))(*primals)


@given(primals=st.lists(numbers, max_size=4), tangent_list=st.lists(numbers, max_size=4))
def test_one_tangent_per_primal(primals, tangent_list):
    def f(*v):
        return sum(v, Value(0.0))

    if len(primals) == len(tangent_list):
        assert jvp(f, tuple(primals), tuple(tangent_list))[1].data == pytest.approx(
            sum(tangent_list)
        )
        return
    message = f"jvp\\(\\) got {len(primals)} primals and {len(tangent_list)} tangents"
    with pytest.raises(ValueError, match=message):
        jvp(f, tuple(primals), tuple(tangent_list))


@given(n=st.integers(1, 4), m=st.integers(0, 4))
def test_a_tangent_of_another_shape_is_refused(n, m):
    def f(v):
        return sum(v, Value(0.0))

    primal = [1.0] * n
    if n != m:
        with pytest.raises(ValueError, match=rf"tangents\[0\] has {m} entries but primals\[0\]"):
            jvp(f, (primal,), ([0.5] * m,))
    with pytest.raises(TypeError, match=r"tangents\[0\] is float: 0.5 but primals\[0\] is a list"):
        jvp(f, (primal,), (0.5,))
    with pytest.raises(TypeError, match=r"tangents\[0\]\[0\] is a list of 1 but primals\[0\]\[0\]"):
        jvp(f, (primal,), ([[0.5]] + [0.5] * (n - 1),))


def test_other_bad_calls_say_what_to_do():
    with pytest.raises(TypeError, match=r"as tuples of f's arguments, got float: 1.0: write jvp"):
        jvp(Value.exp, 1.0, 1.0)
    with pytest.raises(IndexError, match="argnums 2 is out of range for 2 arguments"):
        jacfwd(operator.mul, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match=r"jacrev\(\) argnums \(0, -2\) names an argument twice"):
        jacrev(operator.mul, argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums must be ints, got str"):
        hessian(operator.mul, argnums="0")(1.0, 2.0)
    with pytest.raises(TypeError, match="f's result must be a Value or a real number, got str"):
        jacfwd(lambda x: "x")(1.0)
    with pytest.raises(TypeError, match="seed is a Value: pass create_graph=True"):
        tangents(Value(1.0), {Value(1.0): Value(1.0)})
    with pytest.raises(TypeError, match=r"outputs\[1\] must be a Value, got float"):
        tangents([Value(1.0), 2.0], {})
