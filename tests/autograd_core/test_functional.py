"""grad, value_and_grad, create_graph and gradcheck, against closed forms."""

import math

import pytest

from autograd_core import (
    GradcheckError,
    Value,
    grad,
    gradcheck,
    gradients,
    is_grad_enabled,
    no_grad,
    value_and_grad,
)


def nth(f, n):
    for _ in range(n):
        f = grad(f)
    return f


def test_derivatives_of_sin_up_to_fourth_order():
    closed = [math.sin, math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin]
    for order, exact in enumerate(closed):
        got = nth(lambda x: x.sin(), order)(Value(1.5))
        assert got.data == pytest.approx(exact(1.5), rel=1e-12)


def test_derivatives_of_cube():
    for order, exact in enumerate([1.5**3, 3 * 1.5**2, 6 * 1.5, 6.0, 0.0]):
        got = nth(lambda x: x**3, order)(Value(1.5))
        assert got.data == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_derivatives_of_exp_tanh():
    x = 0.3
    t = math.tanh(x)
    s = 1 - t * t  # tanh'
    f = math.exp(t)
    first = f * s
    second = f * s * s + f * (-2 * t * s)
    third = (
        f * s**3
        + f * 2 * s * (-2 * t * s)
        + f * s * (-2 * t * s)
        + f * (-2 * s * s + 4 * t * t * s)
    )
    def g(v):
        return v.tanh().exp()

    assert grad(g)(x).data == pytest.approx(first, rel=1e-12)
    assert grad(grad(g))(x).data == pytest.approx(second, rel=1e-12)
    assert grad(grad(grad(g)))(x).data == pytest.approx(third, rel=1e-11)


def test_higher_order_through_every_op_matches_finite_differences():
    fns = {
        "exp": lambda x: x.exp(),
        "log": lambda x: x.log(),
        "sigmoid": lambda x: x.sigmoid(),
        "sqrt": lambda x: x.sqrt(),
        "cos": lambda x: x.cos(),
        "div": lambda x: 1 / (1 + x * x),
        "pow": lambda x: x**x,
    }
    for name, f in fns.items():
        g2 = grad(grad(f))
        eps = 1e-4
        g1 = grad(f)
        numeric = (g1(0.7 + eps).data - g1(0.7 - eps).data) / (2 * eps)
        assert g2(0.7).data == pytest.approx(numeric, rel=1e-6), name


def test_argnums_tuple_and_value_and_grad():
    def f(x, y):
        return x * x * y + y.sin()

    value, (dx, dy) = value_and_grad(f, argnums=(0, 1))(2.0, 0.5)
    assert value.data == pytest.approx(4 * 0.5 + math.sin(0.5))
    assert (dx.data, dy.data) == pytest.approx((2 * 2.0 * 0.5, 4 + math.cos(0.5)))
    assert grad(f, argnums=1)(2.0, 0.5).data == pytest.approx(4 + math.cos(0.5))


def test_grad_does_not_touch_outer_grads():
    x = Value(1.5)
    g = grad(lambda v: v * v * v)(x)
    assert x.grad == 0.0
    g.backward()  # d/dx 3x^2 = 6x
    assert x.grad == pytest.approx(9.0)


def test_grad_of_constant_function_is_zero():
    assert grad(lambda x: 3.0)(1.0).data == 0.0
    assert grad(lambda x, y: y * 2, argnums=0)(1.0, 2.0).data == 0.0


def test_grad_argnums_out_of_range():
    with pytest.raises(IndexError, match="argnums"):
        grad(lambda x: x, argnums=2)(1.0)


def test_create_graph_gradients_are_differentiable_values():
    x = Value(0.5)
    y = x.sin() * x
    dydx = gradients(y, create_graph=True)[x]
    assert isinstance(dydx, Value) and x.grad == 0.0  # .grad untouched, and always a number
    assert dydx.data == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5), rel=1e-15)
    dydx.backward()
    assert x.grad == pytest.approx(-math.sin(0.5) * 0.5 + 2 * math.cos(0.5), rel=1e-15)
    with pytest.raises(TypeError, match=r"gradients\(root, create_graph=True\)"):
        y.backward(create_graph=True)  # type: ignore[arg-type]


def test_gradcheck_passes_on_engine_functions():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, 0.3, -1.2)
    assert gradcheck(lambda a, b, c: (a - c) ** 2 + b.sigmoid().log(), 1.0, 2.0, -0.5)


def test_gradcheck_reports_each_mismatching_input():
    def broken(a, b):
        y = a.sin()
        y._local_grad1 = 2 * math.cos(a.data)  # a wrong rule for sin, on input 0 only
        return y * b

    with pytest.raises(GradcheckError) as err:
        gradcheck(broken, 0.4, 1.0)
    message = str(err.value)
    assert "input 0" in message and "input 1" not in message
    assert repr(2 * math.cos(0.4)) in message


def test_grad_is_a_function_of_its_inputs_even_under_no_grad():
    with no_grad():
        assert grad(lambda x: x * x)(3.0).data == 6.0
        assert grad(grad(lambda x: x**3))(2.0).data == 12.0
        value, slope = value_and_grad(lambda x: x.sin())(0.5)
        assert (value.data, slope.data) == (math.sin(0.5), math.cos(0.5))
        assert not is_grad_enabled()  # grad's own recording ends with its evaluation


def test_gradcheck_checks_functions_that_differentiate():
    assert gradcheck(grad(lambda x: x**3), 2.0)  # its numeric side runs f under no_grad
    assert gradcheck(grad(grad(lambda x: (x * x).sin())), 0.7)
    with no_grad():
        assert gradcheck(lambda x: x * x, 3.0)  # the analytic side too
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda x: grad(lambda t: t * Value(t.data))(x), 1.5)  # a wrong derivative
