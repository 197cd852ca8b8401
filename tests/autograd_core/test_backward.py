"""backward() semantics: reuse, calling twice, seeding, zeroing, deep graphs, no_grad."""

import asyncio
import math
import operator
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import (
    Value,
    graph_stats,
    is_grad_enabled,
    name_scope,
    no_grad,
    topological_order,
    zero_grad,
)


def neuron():
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8813735870195432, "b")
    o = (x * w + b).tanh()
    return x, w, b, o


def test_micrograd_lecture_neuron():
    x, w, b, o = neuron()
    o.backward()
    t = math.tanh(2.0 * -3.0 + 6.8813735870195432)
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert x.grad == pytest.approx(-3.0 * (1 - t * t), rel=1e-12)
    assert w.grad == pytest.approx(2.0 * (1 - t * t), rel=1e-12)
    assert b.grad == pytest.approx(1 - t * t, rel=1e-12)
    assert o.item() == o.data and f"{o:.4f}" == "0.7071"


def test_reused_node():
    a = Value(3.0)
    b = a + a
    c = b * b  # c = 4a^2, dc/da = 8a
    c.backward()
    assert b.grad == pytest.approx(12.0)
    assert a.grad == pytest.approx(24.0)


def test_backward_twice_interior_same_leaves_double():
    x, w, b, o = neuron()
    n = o.parents[0]
    o.backward()
    first = (n.grad, x.grad, w.grad, b.grad)
    o.backward()
    assert n.grad == first[0]
    assert (x.grad, w.grad, b.grad) == (2 * first[1], 2 * first[2], 2 * first[3])


def test_seed_and_zero_grad():
    x, w, b, o = neuron()
    o.backward(grad=2.5)
    assert o.grad == 2.5
    g = x.grad
    zero_grad(o)
    assert all(node.grad == 0.0 for node in topological_order(o))
    o.backward()
    assert x.grad == pytest.approx(g / 2.5)


def test_backward_rejects_non_number_seed():
    _, _, _, o = neuron()
    with pytest.raises(TypeError, match="seed"):
        o.backward(grad="1")


@pytest.mark.slow
def test_million_deep_chain_with_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y + x  # y = (n + 1) * x, one op per link of the chain
    y.backward()
    assert x.grad == 1_000_001.0
    del y  # freeing a deep graph must not recurse either


def test_topological_order_and_stats():
    x, w, b, o = neuron()
    order = topological_order(o)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is o and len(order) == 6
    assert all(position[p] < position[n] for n in order for p in n.parents)
    stats = graph_stats(o)
    assert (stats.nodes, stats.edges, stats.leaves) == (6, 5, 3)
    assert stats.ops == {"*": 1, "+": 1, "tanh": 1}


def test_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


def test_a_value_equals_only_itself_even_holding_the_same_number():
    a, b = Value(1.0), Value(1.0)
    assert a == a and not a != a
    assert a != b and not a == b  # two nodes, one number
    assert a != 1.0 and 1.0 != a and not a == 1.0  # a node is not a number
    assert b not in [a] and [a, b].index(b) == 1 and [a, b, b].count(b) == 2
    assert len({a, b}) == 2 and hash(a) != hash(b)  # equal objects, equal hashes: identity both
    params = [Value(0.0), Value(0.0)]  # two biases that start at 0.0 ...
    assert params != params[::-1]  # ... a swap is visible


def test_orderings_compare_the_numbers_and_never_disagree_with_equality_silently():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1.0 and 2 >= a and not a > 1
    assert max([a, b]) is b and min([b, a]) is a and sorted([b, a])[0] is a
    for x, y in [(1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (0.0, -0.0), (math.nan, 1.0)]:
        for left, right in [(Value(x), Value(y)), (Value(x), y), (x, Value(y))]:
            assert (left < right, left <= right, left > right, left >= right) == (
                x < y,
                x <= y,
                x > y,
                x >= y,
            )
    c = Value(1.0)
    assert a <= c <= a and a != c  # documented: two nodes holding one number are not equal
    with pytest.raises(TypeError, match="not supported between"):
        operator.lt(a, "x")


def test_math_functions_refuse_a_value_instead_of_dropping_the_graph():
    x = Value(0.5)
    for call in (math.tanh, math.exp, float):
        with pytest.raises(TypeError, match=r"x\.tanh\(\).*x\.data"):
            call(x)
    assert f"{x:.3f}" == "0.500" and f"{x}" == repr(x) and x.item() == 0.5


def test_no_grad_records_nothing_and_nests():
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        y = x * 3
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.data == 6.0 and y.parents == () and y.op is None
    z = x * 3
    assert z.parents == (x, z.parents[1])


def test_no_grad_as_decorator():
    @no_grad()
    def f(v):
        return v * v

    assert f(Value(3.0)).parents == ()
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def worker():
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()  # the main thread still records
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True}


def test_no_grad_is_per_asyncio_task():
    async def quiet():
        with no_grad():
            await asyncio.sleep(0.01)
            return is_grad_enabled()

    async def loud():
        await asyncio.sleep(0.005)
        return is_grad_enabled()

    async def main():
        return await asyncio.gather(quiet(), loud())

    assert asyncio.run(main()) == [False, True]


def test_name_scope_tags_nodes_and_nests():
    with name_scope("layer0"):
        w = Value(1.0)
        with name_scope("neuron1"):
            y = w * 2
    assert w.scope == "layer0" and y.scope == "layer0.neuron1"
    assert Value(1.0).scope is None
    with pytest.raises(TypeError):
        name_scope("")


def test_gc_paused_restores_the_collector_and_graphs_are_still_freed():
    import gc

    from autograd_core import gc_paused

    def live_values() -> int:
        return sum(type(o) is Value for o in gc.get_objects())

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        before = live_values()
        y = Value(1.0)
        for _ in range(1000):
            y = (y * 0.5).tanh()
        assert live_values() == before + 3001  # 1000 * (constant, product, tanh) + the leaf
        del y  # reference counting alone frees the whole graph
        assert live_values() == before
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector paused before stays paused
    finally:
        gc.enable()


# PyTorch habits: each either works as it does there or says what to do instead.


def test_grad_none_means_no_gradient_yet_as_in_pytorch():
    x = Value(2.0)
    y = x * x
    y.backward()
    x.grad = None  # PyTorch's way to zero a gradient
    assert x.grad == 0.0 and type(x.grad) is float  # .grad stays a number
    y.backward()
    assert x.grad == 4.0  # one pass, not two
    x.grad = 3
    assert x.grad == 3.0 and type(x.grad) is float


@given(st.one_of(st.text(), st.complex_numbers(), st.lists(st.floats(), min_size=1)))
def test_grad_refuses_anything_but_a_number_or_none(bad):
    x = Value(1.0)
    x.grad = 0.5
    with pytest.raises(TypeError, match=r"Value\.grad needs a real number"):
        x.grad = bad
    assert x.grad == 0.5


def test_grad_refuses_a_value():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"Value\.grad needs a real number, got Value"):
        x.grad = Value(2.0)


def test_zero_grad_takes_a_graph_values_or_a_model():
    x, w = Value(1.0), Value(2.0)
    y = x * w
    y.backward()
    zero_grad([x, w])  # the parameters themselves (leaves: their own graphs)
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 1.0)

    class Model:  # duck-typed: anything with parameters()
        def parameters(self):
            return [x, w]

    y.backward()
    zero_grad(Model())
    assert (x.grad, w.grad) == (0.0, 0.0)
    y.backward()
    zero_grad(p for p in (x,))
    assert (x.grad, w.grad) == (0.0, 1.0)
    zero_grad(y)  # every node of the graph
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)


def test_zero_grad_of_an_nn_model_and_of_its_parameters():
    import nn

    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    zero_grad(model)
    assert all(p.grad == 0.0 for p in model.parameters())
    model([1.0, -1.0]).backward()
    zero_grad(model.parameters())
    assert all(p.grad == 0.0 for p in model.parameters())


@given(
    st.one_of(
        st.integers(),
        st.floats(),
        st.none(),
        st.text(),
        st.lists(st.one_of(st.floats(), st.text(), st.none()), min_size=1),
    )
)
def test_zero_grad_refuses_anything_else_and_changes_nothing(bad):
    x = Value(1.0)
    x.grad = 5.0
    with pytest.raises(TypeError, match=r"zero_grad\(\) needs a Value.*model\.zero_grad\(\)"):
        zero_grad([x, bad] if isinstance(bad, list) else bad)
    assert x.grad == 5.0  # checked before anything is zeroed


def test_backward_has_no_create_graph_and_says_what_does():
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"gradients\(root, create_graph=True\)"):
        y.backward(create_graph=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        float,
        int,
        round,
        lambda v: round(v, 2),
        math.floor,
        math.ceil,
        math.trunc,
        math.tanh,
        bool,
        operator.index,
        lambda v: [1, 2][v],
        lambda v: 1 if v else 0,
    ],
    ids=["float", "int", "round", "round2", "floor", "ceil", "trunc", "math.tanh", "bool"]
    + ["index", "subscript", "if"],
)
def test_a_value_is_not_a_number(call):
    with pytest.raises(TypeError, match=r"x\.tanh\(\).*x\.data"):
        call(Value(0.0))
