"""backward() semantics: reuse, calling twice, seeding, zeroing, deep graphs, no_grad."""

import asyncio
import math
import sys
import threading

import pytest

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


def test_comparisons_agree_with_the_numbers_as_floats_do():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1.0 and 2 >= a and not a > 1
    assert max([a, b]) is b and sorted([b, a], key=id) and sorted([b, a])[0] is a
    for x, y in [
        (1.0, 1.0),
        (1.0, 2.0),
        (2.0, 1.0),
        (0.0, -0.0),
        (math.nan, 1.0),
        (math.nan, math.nan),
    ]:
        for left, right in [(Value(x), Value(y)), (Value(x), y), (x, Value(y))]:
            assert (left == right, left != right) == (x == y, x != y)
            assert (left < right, left <= right, left > right, left >= right) == (
                x < y,
                x <= y,
                x > y,
                x >= y,
            )
    assert (Value(1.0) == "1.0") is False and Value(1.0) != None  # noqa: E711
    with pytest.raises(TypeError, match="not supported between"):
        a < "x"  # noqa: B015


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
