"""The engine's doors: what bad input does (a clear typed error), and graphs across processes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import Value, apply, compile, ops


def test_data_must_stay_a_real_number():
    x = Value(1.0)
    for bad in ("a", None, 1 + 2j, True, [1.0], Value(2.0)):
        with pytest.raises(TypeError, match="Value.data needs a real number"):
            x.data = bad
    assert x.data == 1.0  # nothing changed
    x.data = np.float64(2.5)
    assert x.data == 2.5 and type(x.data) is float


@given(st.one_of(st.text(), st.binary(), st.none(), st.lists(st.floats()), st.complex_numbers()))
def test_anything_but_a_real_number_is_refused_by_value(bad):
    with pytest.raises(TypeError, match=r"Value\(\) needs a real number"):
        Value(bad)


@given(st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=True, allow_infinity=True)))
def test_any_real_number_is_accepted_as_a_float(number):
    x = Value(number)
    assert type(x.data) is float and (x.data == float(number) or math.isnan(number))


# numpy on Values: numpy's operators act as Python's; any other numpy function is refused.
NUMPY_REFUSED = [
    ("exp", lambda x: np.exp(x), r"x\.exp\(\)"),
    ("log", lambda x: np.log(x), r"x\.log\(\)"),
    ("tanh", lambda x: np.tanh(x), r"x\.tanh\(\)"),
    ("sqrt", lambda x: np.sqrt(x), r"x\.sqrt\(\)"),
    ("log1p", lambda x: np.log1p(x), r"x\.log1p\(\)"),
    ("maximum", lambda x: np.maximum(x, 1.0), r"x\.maximum\(y\)"),
    ("absolute", lambda x: np.abs(x), r"abs\(x\)"),
    ("negative", lambda x: np.negative(x), "-x"),
    ("square", lambda x: np.square(x), r"x \*\* 2"),
    ("arctan", lambda x: np.arctan(x), r"x\.data"),
    ("cosh", lambda x: np.cosh(x), r"x\.data"),
    ("expm1", lambda x: np.expm1(x), r"x\.data"),
    ("log2", lambda x: np.log2(x), r"x\.data"),
    ("floor", lambda x: np.floor(x), r"x\.data"),
    ("isnan", lambda x: np.isnan(x), r"x\.data"),
    ("sign", lambda x: np.sign(x), r"x\.data"),
    ("arctan2", lambda x: np.arctan2(x, 1.0), r"x\.data"),
    ("add", lambda x: np.add(x, 1.0, out=np.empty(())), r"x \+ y"),
    ("add.accumulate", lambda x: np.add.accumulate(x), r"x \+ y"),
    ("round", lambda x: np.round(x, 2), r"x\.data"),
    ("mean", lambda x: np.mean(x), r"x\.data"),
    ("clip", lambda x: np.clip(x, 0.0, 1.0), r"x\.data"),
]


@pytest.mark.parametrize("name, call, use", NUMPY_REFUSED, ids=[n[0] for n in NUMPY_REFUSED])
def test_a_numpy_function_on_a_value_is_a_type_error_saying_what_to_use(name, call, use):
    x = Value(0.5)
    with pytest.raises(TypeError, match=rf"numpy\.{name}\(\) does not take a Value: use {use}"):
        call(x)
    assert x.grad == 0.0 and x.data == 0.5


def test_every_numpy_ufunc_either_acts_as_a_python_operator_or_is_refused_by_name():
    operators = {"add", "subtract", "multiply", "divide", "power"}
    operators |= {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
    ufuncs = sorted({f for f in vars(np).values() if isinstance(f, np.ufunc)}, key=str)
    assert len(ufuncs) > 50
    x = Value(0.5)
    for ufunc in ufuncs:
        for position in range(ufunc.nin):  # the Value in each place, numbers elsewhere
            args = [0.25] * ufunc.nin
            args[position] = x
            if ufunc.__name__ in operators:
                assert isinstance(ufunc(*args), Value | bool), ufunc
                continue
            with pytest.raises(TypeError, match=rf"^numpy\.{ufunc.__name__}\(\) does not take"):
                ufunc(*args)


def test_numpy_operators_act_as_pythons_and_keep_the_graph():
    x = Value(0.5)
    y = np.add(x, 1.0) * np.multiply(np.float64(2.0), x) - np.power(x, 2.0)  # 2x(x + 1) - x²
    assert isinstance(y, Value) and y.data == 2 * 0.5 * 1.5 - 0.25
    y.backward()
    assert x.grad == 4 * 0.5 + 2 - 2 * 0.5
    assert np.less(np.float64(0.1), x) and not np.greater(np.float64(0.1), x)
    assert np.equal(x, x) and not np.equal(x, np.float64(0.5))  # == is identity


def test_numpy_arithmetic_with_values_gives_values():
    x = Value(2.0, label="x")
    assert isinstance(np.float64(3) * x, Value) and (np.float64(3) * x).data == 6.0
    for out in (np.array([1.0, 2.0]) * x, x * np.array([1.0, 2.0]), np.array([1, 2]) * x):
        assert out.dtype == object and [v.data for v in out] == [2.0, 4.0]
    total = (np.array([1.0, 2.0]) * x).sum()
    total.backward()
    assert x.grad == 3.0


def test_backward_needs_a_number_seed():
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"backward\(\)'s seed needs a real number"):
        y.backward("1")


def test_outputs_list_has_no_backward_but_a_loss_does():
    xs = [Value(1.0), Value(2.0)]
    with pytest.raises(AttributeError):
        xs.backward()  # a plain list: nn returns a list subclass that explains (see tests/nn)


def test_compile_refuses_an_empty_batch_clearly():
    w = Value(2.0)
    f = compile(lambda x: w * x, 1.0)
    with pytest.raises(ValueError, match="the batch is empty"):
        f(np.zeros((0,)))


def test_apply_needs_the_rows_number_of_inputs_and_numbers_or_values():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"apply\(\): mul takes 2 input\(s\), got 1"):
        apply(ops.MUL, x)
    with pytest.raises(TypeError, match=r"Value\(\) needs a real number, got str"):
        apply(ops.MUL, x, "3")
    assert apply(ops.MUL, x, 3).data == 6.0 and apply(ops.power(2), 3.0).data == 9.0
