"""draw_dot: records with the right numbers, op nodes, edge labels, clusters, limits, goldens."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import nn
import viz
from autograd_core import Value, grad, name_scope
from benchmarks.layout import chain
from viz import GraphTooLargeError, draw_dot, format_number

from ..samples import neuron, neuron_grads, reuse, scoped, scoped_outputs

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/viz/drawing/golden/<name>; UPDATE_GOLDEN=1 rewrites it (then review
    the diff)."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from its golden file"


def records(source: str) -> dict[str, str]:
    """Node id -> record label, parsed from DOT."""
    return dict(re.findall(r'^\t+(\w+) \[label="\{ (.*?) \}"', source, flags=re.M))


def test_neuron_records_show_labels_values_and_grads() -> None:
    o = neuron()
    source = draw_dot(o).source
    grads = neuron_grads()
    labels = records(source)
    # one record per Value: 5 leaves, 3 intermediate (x1*w1, x2*w2, sum), n, o
    assert len(labels) == 10
    for name, value in [("x1", 2.0), ("w1", -3.0), ("x2", 0.0), ("w2", 1.0), ("b", 6.8814)]:
        expected = f"{name} | data {format_number(value)} | grad {format_number(grads[name])}"
        assert expected in labels.values()
    assert labels["v8"] == f"n | data 0.8814 | grad {format_number(grads['n'])}"
    assert labels["v9"] == "o | data 0.7071 | grad 1.0"  # the root, last in graph order
    assert "grad -1.5" in labels["v0"] and "grad 1.0" in labels["v1"]
    ops = re.findall(r'^\t(v\d+_op) \[label="?([^" ]+)"?', source, flags=re.M)
    assert [op for _, op in ops] == ["*", "*", "+", "+", "tanh"]
    check_golden("neuron.dot", source)


def test_reuse_draws_two_edges_and_local_grads() -> None:
    y = reuse()
    source = draw_dot(y, show_local_grads=True, rankdir="TB").source
    labels = records(source)
    assert labels["v0"] == "a | data -1.5 | grad 6.0"  # used twice: 2 * 3
    assert labels["v2"] == "data 3.0 | grad -3.0"  # the constant leaf 3, d y / d 3 = a + a
    assert labels["v3"] == "y | data -9.0 | grad 1.0"
    # a + a: two edges from a into the same op, each with local derivative 1
    assert source.count("v0 -> v1_op [label=1.0") == 2
    # (a + a) * 3: d y/d s = 3, d y/d 3 = s = -3
    assert "v1 -> v3_op [label=3.0 id=e3_0]" in source
    assert "v2 -> v3_op [label=-3.0 id=e3_1]" in source
    check_golden("reuse.dot", source)


def test_ids_come_from_graph_order_so_dot_is_byte_identical() -> None:
    first = draw_dot(neuron(), show_local_grads=True).source
    second = draw_dot(neuron(), show_local_grads=True).source  # new objects, new id()s
    assert first == second
    assert not re.search(r"\d{6,}", first)  # no id() anywhere


def test_options_hide_fields_and_show_ids() -> None:
    y = reuse()
    labels = records(draw_dot(y, show_data=False, show_ids=True).source)
    assert labels["v1"] == "#1 | grad 3.0"  # s = a + a; d y / d s = 3
    assert labels["v0"] == "a | grad 6.0"
    labels = records(draw_dot(y, show_grad=False).source)
    assert labels["v0"] == "a | data -1.5"


def test_labels_are_escaped_for_records() -> None:
    a = Value(1.0, label='x|{y}<z> "q" \\n')
    source = draw_dot(a * 2).source
    assert r"x\|\{y\}\<z\> \"q\" \\n | data 1.0" in source


def test_second_derivative_graphs_are_drawable() -> None:
    x = Value(3.0, label="x")
    y = x * x * x
    y.backward()
    assert "x | data 3.0 | grad 27.0" in draw_dot(y).source
    # the second derivative is itself a graph, and drawable
    d2 = grad(grad(lambda t: t * t * t))(Value(2.0))
    assert f"data {format_number(12.0)}" in draw_dot(d2).source


def test_scopes_become_nested_clusters() -> None:
    loss = scoped()
    source = draw_dot(loss).source
    check_golden("scoped.dot", source)
    assert source.count("subgraph cluster_") == 3  # layer, layer.n0, layer.n1
    assert "label=layer" in source and "label=n0" in source and "label=n1" in source
    # the inner clusters are inside the outer one
    outer = source.index("subgraph cluster_0")
    assert outer < source.index("subgraph cluster_1") or outer < source.index("subgraph cluster_2")
    flat = draw_dot(loss, cluster=False).source
    assert "subgraph" not in flat
    # with no cluster to say so, a box names its scope itself
    clustered, flat_labels = records(source), records(flat)
    assert clustered["v4"].startswith("w1 | data -1.0") and flat_labels["v4"].startswith(
        "layer.n0.w1 | data -1.0"
    )
    assert flat_labels["v0"] == clustered["v0"]  # x0 has no scope


def test_an_index_scope_joins_the_name_before_it() -> None:
    x = Value(1.0)
    with name_scope("layers"), name_scope("0"), name_scope("neurons"), name_scope("3"):
        y = x * 2
    source = draw_dot(y).source
    labels = re.findall(r"graph \[.* label=\"?([\w.]+)\"?", source)
    assert source.count("subgraph cluster_") == 2
    assert labels == ["layers.0", "neurons.3"]


def test_collapse_scopes_into_boxes() -> None:
    loss = scoped()
    o0, o1 = scoped_outputs()
    source = draw_dot(loss, collapse=["layer.n0", "layer.n1"]).source
    check_golden("scoped_collapsed.dot", source)
    assert draw_dot(loss, collapse=(f"layer.n{k}" for k in range(2))).source == source
    labels = records(source)
    # each neuron box shows its output and d loss / d output (= the other neuron's output)
    assert (
        labels["s0"] == f"layer.n0 | 8 values | data {format_number(o0)} | grad {format_number(o1)}"
    )
    assert (
        labels["s1"] == f"layer.n1 | 8 values | data {format_number(o1)} | grad {format_number(o0)}"
    )
    assert source.count("v0 -> s0") == 1 and source.count("v3 -> s0") == 1  # x0, x1: once each
    assert "s0 -> v18_op" in source and "s1 -> v18_op" in source
    # a depth collapses every scope to that many parts: the whole layer is one box
    whole = records(draw_dot(loss, collapse=1).source)
    assert whole["s0"] == "layer | 16 values | 2 outputs"
    assert set(whole) == {"v0", "v3", "s0", "v18"}


def test_collapse_errors_name_the_scopes() -> None:
    loss = scoped()
    with pytest.raises(ValueError, match=r"no Value has scope 'lay'.*'layer'"):
        draw_dot(loss, collapse="lay")
    with pytest.raises(TypeError, match="not a bool"):
        draw_dot(loss, collapse=True)
    with pytest.raises(ValueError, match=">= 1"):
        draw_dot(loss, collapse=0)


def test_node_limit_refuses_with_advice_that_works() -> None:
    root = chain(viz.DEFAULT_MAX_NODES + 1)
    with pytest.raises(GraphTooLargeError) as info:
        draw_dot(root)
    message = str(info.value)
    assert f"max_nodes={viz.DEFAULT_MAX_NODES}" in message and "sub-expression" in message
    assert isinstance(info.value, ValueError)
    assert "collapse=" not in message  # no name scopes here: nothing to collapse
    suggested = int(re.search(r"max_nodes=(\d+) \(None", message).group(1))
    assert suggested == viz.DEFAULT_MAX_NODES + 1
    draw_dot(root, max_nodes=suggested)  # following the hint works
    draw_dot(chain(viz.DEFAULT_MAX_NODES))  # exactly at the limit is fine
    draw_dot(root, max_nodes=None)  # no limit when asked


def test_collapsing_brings_a_big_graph_under_the_limit() -> None:
    xs = [Value(float(i)) for i in range(3)]
    with name_scope("big"):
        total = xs[0]
        for _ in range(400):
            total = total * xs[1] + xs[2]
    with pytest.raises(GraphTooLargeError, match="'big'"):
        draw_dot(total, max_nodes=100)
    assert records(draw_dot(total, collapse="big", max_nodes=100).source)["s0"].startswith("big")


def test_bad_input_raises_clear_errors() -> None:
    with pytest.raises(TypeError, match=r"draw_dot\(\) needs a Value, got float"):
        draw_dot(1.0)
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_dot(Value(1.0), rankdir="sideways")
    with pytest.raises(ValueError, match="precision"):
        draw_dot(Value(1.0), precision=0)


def test_passing_a_model_or_a_list_says_what_to_pass_instead(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    with pytest.raises(TypeError, match=r"got a model \(MLP\).*draw_dot\(model\(x\)\)"):
        draw_dot(model)
    with pytest.raises(TypeError, match=r"render\(model\(x\), path\)"):
        viz.render(model, tmp_path / "m.svg")
    with pytest.raises(TypeError, match=r"of 2 Values: pass one.*explain_backward\(outputs\[0\]\)"):
        viz.explain_backward(model([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"got float 2.0: make it a Value, Value\(2.0, label='x'\)"):
        draw_dot(2.0)


def test_digraph_is_a_graphviz_digraph_defaulting_to_svg() -> None:
    import graphviz

    graph = draw_dot(reuse())
    assert isinstance(graph, graphviz.Digraph) and isinstance(graph, viz.Digraph)
    assert graph.format == "svg"
    copy = graph.copy()
    assert copy.source == graph.source and type(copy) is viz.Digraph


def test_viz_never_imports_nn() -> None:
    sources = Path(viz.__file__).parent.rglob("*.py")
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+nn\b", text, flags=re.M), source.name
