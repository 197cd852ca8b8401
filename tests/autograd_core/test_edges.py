"""Exact at the edges: powers at 0, overflowing derivatives, repeated backward, NaN and inf.

Checked against closed forms and against PyTorch in float64 (skipped without torch locally,
required in CI).
"""

import gc
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import Value, grad, gradients
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
    poly = lambda x: sum((ck * x**k for k, ck in enumerate(c)), Value(0.0))  # noqa: E731
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
    live_values = lambda: sum(type(o) is Value for o in gc.get_objects())  # noqa: E731
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
