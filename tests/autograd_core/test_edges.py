"""Exact at the edges: powers at 0, overflowing derivatives, repeated backward, NaN and inf.

Checked against closed forms and against PyTorch in float64 (skipped without torch locally,
required in CI).
"""

import gc
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, apply, grad, gradients, topological_order
from tests.conftest import needs

try:
    import torch
except ImportError:  # pragma: no cover - torch is in the dev extra
    torch = None


def nth(f, order):
    for _ in range(order):
        f = grad(f)
    return f


def torch_nth(f, x, order):
    """The order-th derivative of f at x, by PyTorch in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = f(t)
    for _ in range(order):
        if not y.requires_grad:  # the derivative of a constant
            return 0.0
        (y,) = torch.autograd.grad(y, t, create_graph=True)
    return y.item()


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


EXPONENTS = [0, 1, 2, 3, 4, 5, 0.5, 1.5, 2.5]


@pytest.mark.parametrize("n", EXPONENTS)
def test_every_derivative_of_a_power_at_zero_is_exact(n):
    for order in range(6):
        got = nth(lambda x: x**n, order)(0.0)
        got = got.data if isinstance(got, Value) else got
        # closed form: n (n-1) ... (n-order+1) * 0 ** (n - order), with 0 ** 0 = 1 and the
        # derivative of a constant 0 (an integer n below the order)
        coeff = math.prod(n - i for i in range(order))
        if coeff == 0:
            exact = 0.0
        elif n - order == 0:
            exact = float(coeff)
        else:
            exact = 0.0 if n - order > 0 else math.copysign(math.inf, coeff)
        assert same(got, exact), (n, order, got, exact)


@pytest.mark.parametrize("n", EXPONENTS)
def test_powers_at_zero_agree_with_pytorch(n):
    needs(torch is not None, "torch")
    for order in range(5):
        got = nth(lambda x: x**n, order)(0.0)
        assert same(
            got.data if isinstance(got, Value) else got, torch_nth(lambda t: t**n, 0.0, order)
        )


def test_polynomial_at_zero_has_gradient_c1():
    c = [0.7, -1.3, 2.9, 0.4]
    def poly(x):
        return sum((ck * x**k for k, ck in enumerate(c)), Value(0.0))

    x = Value(0.0)
    poly(x).backward()
    assert x.grad == c[1]
    assert grad(grad(poly))(0.0).data == 2 * c[2]


def test_sqrt_derivative_at_zero_is_inf_in_every_mode():
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf
    assert grad(Value.sqrt)(0.0).data == math.inf


def test_a_finite_value_never_raises_because_its_derivative_overflows():
    x = Value(1e-200)
    y = x**-1
    assert y.data == 1e200
    y.backward()
    assert x.grad == -math.inf
    z = Value(1e-200)
    (1 / z).backward()
    assert z.grad == -math.inf
    tiny = Value(5e-324)
    y = tiny.log()
    assert y.data == pytest.approx(-744.44, abs=0.01)
    y.backward()
    assert tiny.grad == math.inf
    assert grad(lambda v: v**-1)(1e-200).data == -math.inf


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=8
    )
)
def test_a_second_backward_exactly_doubles_a_leaf_reached_by_many_paths(coefficients):
    x = Value(0.3)
    total = Value(0.0)
    for c in coefficients:  # x is reached once per term, with contributions that round
        total = total + (x * c).tanh() * c
    total.backward()
    first = x.grad
    total.backward()
    assert x.grad == 2 * first
    assert total.grad == 1.0  # an interior node shows the latest pass only


def test_nan_and_inf_flow_through_as_floats_do():
    nan, inf = math.nan, math.inf
    assert math.isnan(Value(nan).relu().data)
    assert math.isnan(Value(inf).sin().data) and math.isnan(Value(-inf).cos().data)
    assert math.isnan(Value(-inf).log().data) and Value(inf).log().data == inf
    assert math.isnan(Value(-inf).sqrt().data) and math.isnan(Value(nan).log().data)
    assert Value(inf).tanh().data == 1.0 and Value(-inf).sigmoid().data == 0.0
    assert Value(-inf).softplus().data == 0.0 and Value(inf).softplus().data == inf


@pytest.mark.parametrize(
    "name",
    ["exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs", "softplus", "log1p"],
)
def test_ops_on_nan_and_inf_agree_with_pytorch(name):
    needs(torch is not None, "torch")
    torch_op = {"softplus": torch.nn.functional.softplus}.get(name, getattr(torch, name, None))
    for x in (math.nan, math.inf, -math.inf):
        ours = getattr(Value(x), name)().data
        theirs = torch_op(torch.tensor(x, dtype=torch.float64)).item()
        assert same(ours, theirs), (name, x, ours, theirs)


def test_create_graph_gradients_leave_no_reference_cycles():
    was = gc.isenabled()
    gc.disable()
    def live_values():
        return sum(type(o) is Value for o in gc.get_objects())

    before = live_values()
    try:
        x = Value(0.5)
        y = (x * x).sin() * x
        dydx = gradients(y, create_graph=True)[x]
        assert dydx.data == pytest.approx(2 * 0.5**2 * math.cos(0.25) + math.sin(0.25), rel=1e-15)
        del x, y, dydx
        assert live_values() == before  # freed by reference counting alone
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_sqrt_and_the_half_power_agree_at_either_signed_zero(zero):
    """A derivative is a function of the number, and -0.0 == 0.0: both spellings give the
    one-sided derivative inside sqrt's domain, +inf (IEEE's pow(-0.0, -0.5) is +inf)."""
    spellings = {"sqrt": lambda t: t.sqrt(), "**0.5": lambda t: t**0.5}
    for name, f in spellings.items():
        x = Value(zero)
        f(x).backward()
        assert x.grad == math.inf, name
        assert grad(f)(zero).data == math.inf, name
        assert grad(grad(f))(zero).data == -math.inf, name  # -x ** -1.5 / 4
    assert math.copysign(1.0, Value(zero).sqrt().data) == math.copysign(1.0, zero)  # IEEE sqrt
    assert math.copysign(1.0, (Value(zero) ** 0.5).data) == 1.0  # IEEE pow: +0.0


def test_sqrt_and_the_half_power_agree_with_pytorch_at_zero():
    """At +0.0 PyTorch agrees; at -0.0 it computes x ** 0.5 as sqrt (value -0.0, derivative
    -inf), while IEEE pow gives +0.0: there the engine keeps the number's derivative, +inf."""
    needs(torch is not None, "torch")
    for f in (lambda t: t.sqrt(), lambda t: t**0.5):
        for order in (1, 2):
            assert nth(f, order)(0.0).data == torch_nth(f, 0.0, order)


def power_of(n):
    return lambda t: t**n


UNARY_AT_ZERO = {
    "exp": Value.exp,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sin": Value.sin,
    "cos": Value.cos,
    "sqrt": Value.sqrt,
    "abs": Value.abs,
    "softplus": Value.softplus,
    "log1p": Value.log1p,
    "neg": Value.__neg__,
    **{f"**{n}": power_of(n) for n in (0, 1, 2, 3, 0.5, 1.5, 2.5)},
}


@pytest.mark.parametrize("name", sorted(UNARY_AT_ZERO))
def test_derivatives_at_zero_do_not_depend_on_its_sign(name):
    f = UNARY_AT_ZERO[name]
    for order in (1, 2, 3):
        at = [nth(f, order)(zero).data for zero in (0.0, -0.0)]
        assert same(at[0], at[1]), (order, at)
    for zero in (0.0, -0.0):  # backward's recorded numbers agree with grad's
        x = Value(zero)
        f(x).backward()
        assert same(x.grad, nth(f, 1)(0.0).data)


def replays(root: Value) -> None:
    """Every node of the graph is its op applied to its parents: `apply` gives its number."""
    for node in topological_order(root):
        if node.op is not None:
            assert same(apply(node.op, *node.parents).data, node.data), (node.op, node.data)


EDGE_GRAPHS = {
    "sqrt at 0": lambda: nth(Value.sqrt, 1)(0.0),
    "sqrt at -0.0": lambda: nth(Value.sqrt, 2)(-0.0),
    "x ** 0.5 at 0, third order": lambda: nth(lambda t: t**0.5, 3)(0.0),
    "x ** -1 at 1e-200": lambda: nth(lambda t: t**-1, 2)(1e-200),
    "1 / x at 1e-200": lambda: nth(lambda t: 1 / t, 2)(1e-200),
    "log at 5e-324": lambda: nth(Value.log, 2)(5e-324),
    "relu at 0": lambda: nth(Value.relu, 2)(0.0),
    "abs at 0": lambda: nth(Value.abs, 2)(0.0),
    "x ** x at 1e-300": lambda: nth(lambda t: t**t, 3)(1e-300),
    "exp(x) ** 2 past the float range": lambda: nth(lambda t: t.exp() * t.exp(), 2)(400.0),
    "maximum at a tie": lambda: nth(lambda t: t.maximum(0.0), 2)(0.0),
}


@pytest.mark.parametrize("name", sorted(EDGE_GRAPHS))
def test_every_node_of_a_grad_graph_at_an_edge_replays(name):
    root = EDGE_GRAPHS[name]()
    replays(root)
    replays(nth(lambda t: t.sqrt() * t.relu() + t**0.5, 2)(Value(0.0)))


@settings(max_examples=50, deadline=None)
@given(st.floats(-50, 50, allow_nan=False), st.sampled_from([1, 2, 3]))
def test_every_node_of_a_grad_graph_replays_anywhere(point, order):
    def f(t):
        return (t * t).sqrt() + abs(t) ** 0.5 + t.relu() * t.tanh() + (t * t + 1) ** -1

    replays(nth(f, order)(point))
