"""Bad input gets a clear error naming the op and the number, and builds nothing."""

import math

import numpy as np
import pytest

from autograd_core import Value


@pytest.mark.parametrize("bad", ["3", None, 1 + 2j, [1.0], True, np.array([1.0, 2.0])])
def test_value_rejects_non_real_numbers(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_arithmetic_with_strings_is_a_type_error(op):
    names = {"x": Value(2.0)}
    with pytest.raises(TypeError):
        eval(f"x {op} 'a'", names)
    with pytest.raises(TypeError):
        eval(f"'a' {op} x", names)


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: Value(-1.0).log(), ValueError, r"log\(\) needs a positive input, got -1.0"),
        (lambda: Value(0.0).log(), ValueError, r"log\(\) needs a positive input, got 0.0"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(\) needs a non-negative input, got -4.0"),
        (
            lambda: Value(-8.0) ** (1 / 3),
            ValueError,
            "negative base -8.0 needs an integer exponent",
        ),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, "positive base"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero: 1.0 / 0.0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"0.0 \*\* -1.0"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp\(\) overflows a float at 1000.0"),
        (lambda: Value(10.0) ** 400, OverflowError, "overflows"),
    ],
)
def test_domain_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_negative_base_integer_power_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_nan_and_inf_pass_through():
    assert math.isnan((Value(math.nan) * 2).data)
    y = Value(math.inf).tanh()
    y.backward()
    assert y.data == 1.0
    assert Value(-math.inf).exp().data == 0.0


def test_failed_op_leaves_operands_untouched():
    x = Value(-1.0)
    with pytest.raises(ValueError):
        x.log()
    assert (x.data, x.grad, x.parents) == (-1.0, 0.0, ())


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
