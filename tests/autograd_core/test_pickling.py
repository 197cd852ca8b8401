"""Across processes: a graph pickles with its ops as the very rows of the table, so an unpickled
graph behaves as the original under every function of the engine, here and in a spawned worker.
"""

from __future__ import annotations

import multiprocessing
import pickle
import types
from typing import Any

import numpy as np
import pytest

import viz
from autograd_core import (
    OPS,
    Value,
    apply,
    compile,
    forward_formula,
    grad,
    gradcheck,
    gradients,
    graph_stats,
    local_grad_formulas,
    name_scope,
    ops,
    power,
    topological_order,
    value_and_grad,
    zero_grad,
)
from tests.viz.helpers import graphviz_pure_installed

Graph = tuple[Value, Value, Value, Value]


def make_graph() -> Graph:
    """A small graph through every kind of row: infix, named, `x ** n`, `x ** y`, maximum."""
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.25, label="b")
    with name_scope("layer"):
        n = (x * w + b).tanh()
        y = n.maximum(b) * x**2 + (x**w).log1p() - (b / x).sqrt() + abs(-n).sigmoid().exp()
    y = y + (w - 1).relu() + x.sin() * w.cos() + b.softplus() + b.log()
    y.label = "y"
    return x, w, b, y


def outcome(graph: Graph, drawings: bool = True) -> dict[str, Any]:
    """What every function of the engine gives on `graph`, as plain data (picklable)."""
    x, w, b, y = graph
    order = topological_order(y)
    names = {node: node.label or f"v{i}" for i, node in enumerate(order)}
    interior = [node for node in order if node.op is not None]
    first = gradients(y, create_graph=True)
    second = gradients(first[x], create_graph=True)
    compiled = compile(lambda v: v * y + w * v * v, 1.0).run(np.array([1.0, 2.0, -0.5]))
    got: dict[str, Any] = {
        "order": [(str(n.op or n.label), n.data, n.scope) for n in order],
        "stats": graph_stats(y),
        "rows": [n.op.name for n in interior if n.op],
        "replayed": [apply(n.op, *n.parents).data for n in interior if n.op],
        "local_grads": [n.local_grads for n in interior],
        "formulas": [
            (forward_formula(n, [names[n], *(names[p] for p in n.parents)]),)
            + local_grad_formulas(n, [names[n], *(names[p] for p in n.parents)])
            for n in interior
        ],
        "gradients": [gradients(y)[node] for node in order],
        "create_graph": [first[leaf].data for leaf in (x, w, b)],
        "second_order": [second.get(leaf, Value(0.0)).data for leaf in (x, w, b)],
        "grad": grad(lambda v: (v * y).tanh())(2.0).data,
        "value_and_grad": [v.data for v in value_and_grad(lambda v: v * y)(3.0)],
        "gradcheck": gradcheck(lambda v: v * y + v.exp(), 0.3),
        "compile": (compiled.value, compiled.grads.tolist(), compiled.input_grads[0].tolist()),
    }
    y.backward()
    got["backward"] = [node.grad for node in order]
    zero_grad(y)
    got["zero_grad"] = [node.grad for node in order]
    if drawings:
        got["draw_dot"] = viz.draw_dot(y, show_local_grads=True).source
        explorer = viz.explore(y)
        got["explorer"] = (explorer.nodes, explorer.steps, explorer.svg, explorer.error)
    return got


def round_trip(graph: Graph) -> Graph:
    copy: Graph = pickle.loads(pickle.dumps(graph))
    return copy


def drawings() -> bool:
    return graphviz_pure_installed()  # the explorer lays its drawing out with graphviz-pure


def test_ops_unpickle_to_the_very_rows_of_the_table() -> None:
    rows = [*OPS.values(), power(2), power(-0.5), ops.ieee_power(-1)]
    for row in rows:
        assert pickle.loads(pickle.dumps(row)) is row, row.name
    assert pickle.loads(pickle.dumps(ops.SIN)).rule(ops.FLOAT, 0.0, 0.0) == (1.0,)


def test_every_value_method_pickles_by_its_qualified_name() -> None:
    methods = [
        getattr(Value, name)
        for name, attr in vars(Value).items()
        if isinstance(attr, types.FunctionType)
    ]
    assert len(methods) > 30
    for method in methods:
        assert pickle.loads(pickle.dumps(method)) is method, method.__qualname__
    assert pickle.loads(pickle.dumps([Value.tanh, Value.__rmul__])) == [Value.tanh, Value.__rmul__]


def test_an_unpickled_graph_keeps_its_rows_and_its_numbers() -> None:
    original = make_graph()
    copy = round_trip(original)
    for node, twin in zip(topological_order(original[3]), topological_order(copy[3])):
        assert twin.op is node.op  # the table's own row, not a copy and not None
        assert (twin.data, twin.grad, twin.label, twin.scope) == (
            node.data,
            node.grad,
            node.label,
            node.scope,
        )
        assert twin.local_grads == node.local_grads
    leaves = [n for n in topological_order(copy[3]) if n.is_leaf and n.label]
    assert sorted(leaf.label for leaf in leaves) == ["b", "w", "x"]
    assert all(any(leaf is mine for mine in copy[:3]) for leaf in leaves)  # shared, not copies


def test_an_unpickled_graph_behaves_as_the_original_under_every_engine_function() -> None:
    expected = outcome(make_graph(), drawings())
    got = outcome(round_trip(make_graph()), drawings())
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], key


def test_an_unpickled_grad_graph_at_an_edge_replays_and_explores() -> None:
    z = Value(0.0, label="z")
    d = grad(lambda t: t.sqrt() + t**0.5)(z)  # inf: the create-graph pass records ieee_pow
    copy = pickle.loads(pickle.dumps(d))
    assert copy.data == d.data == float("inf")
    for node, twin in zip(topological_order(d), topological_order(copy)):
        assert twin.op is node.op
        if twin.op is not None:
            assert apply(twin.op, *twin.parents).data == twin.data


def _outcome_in_a_worker(payload: bytes, sent: Graph) -> tuple[dict[str, Any], dict[str, Any]]:
    """Runs in a spawned process: the graph pickled by hand, and the one multiprocessing sent."""
    return outcome(pickle.loads(payload), drawings()), outcome(sent, drawings())


@pytest.mark.slow
def test_a_graph_behaves_the_same_in_a_spawned_worker() -> None:
    expected = outcome(make_graph(), drawings())
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        by_hand, sent = pool.apply(_outcome_in_a_worker, (pickle.dumps(make_graph()), make_graph()))
    for key in expected:
        assert by_hand[key] == expected[key], key
        assert sent[key] == expected[key], key


def deep_graph() -> Graph:
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = x
    for _ in range(5000):  # deeper than pickle's recursion could follow
        y = (y * w).tanh() + x
    return x, w, Value(0.0), y


def test_a_deep_graph_pickles_with_its_leaves_shared() -> None:
    x, w, _, y = deep_graph()
    x2, w2, _, y2 = round_trip((x, w, Value(0.0), y))
    assert (x2.label, w2.label, y2.data) == ("x", "w", y.data)
    expected = gradients(y)
    y2.backward()
    assert (x2.grad, w2.grad) == (expected[x], expected[w])  # the same graph, the same leaves


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_keeps_the_rows(protocol: int) -> None:
    x = Value(0.5, label="x")
    y = (x * x).sin() ** 3
    y2 = pickle.loads(pickle.dumps(y, protocol=protocol))
    assert y2.op is y.op and y2.parents[0].op is ops.SIN
    assert gradients(y2)[y2.parents[0].parents[0].parents[0]] == gradients(y)[x]
