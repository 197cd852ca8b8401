"""The engine's doors: what bad input does (a clear typed error), and graphs across processes."""

import math
import multiprocessing
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import Value, compile, gradients


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


def test_numpy_functions_call_the_value_method_and_keep_the_graph():
    x = Value(0.5)
    for fn, method in [(np.exp, Value.exp), (np.tanh, Value.tanh), (np.log, Value.log)]:
        y = fn(x)
        assert isinstance(y, Value) and y.data == method(Value(0.5)).data
        y.backward()
    assert x.grad == pytest.approx(math.exp(0.5) + (1 - math.tanh(0.5) ** 2) + 2.0, rel=1e-15)
    with pytest.raises(AttributeError, match="'Value' object has no attribute 'arctan2'"):
        np.arctan2(x, 1.0)  # numpy looks for x.arctan2(): the message names what is missing


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


def graph():
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = x
    for _ in range(5000):  # deeper than pickle's recursion could follow
        y = (y * w).tanh() + x
    return x, w, y


def test_a_deep_graph_pickles_with_its_leaves_shared():
    x, w, y = graph()
    x2, w2, y2 = pickle.loads(pickle.dumps((x, w, y)))
    assert (x2.label, w2.label, y2.data) == ("x", "w", y.data)
    expected = gradients(y)
    y2.backward()
    assert (x2.grad, w2.grad) == (expected[x], expected[w])  # the same graph, the same leaves


def _backward_in_a_worker(payload):
    x, w, y = pickle.loads(payload) if isinstance(payload, bytes) else payload
    y.backward()
    return x.grad, w.grad


def test_a_graph_crosses_a_process_boundary():
    x, w, y = graph()
    expected = gradients(y)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        got = pool.apply(_backward_in_a_worker, (pickle.dumps((x, w, y)),))
        sent = pool.apply(_backward_in_a_worker, ((x, w, y),))  # pickled by multiprocessing
    assert got == sent == (expected[x], expected[w])
