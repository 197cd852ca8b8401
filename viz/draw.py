"""Value graph -> Digraph: a record per Value (label, data, grad), a small node per op.

Node ids come from the topological order (`v0`, `v1`, ... with `v3_op` for the op that made
`v3`), so the same graph always gives byte-identical DOT. Name scopes (set by
`autograd_core.name_scope`, e.g. by nn modules) become nested clusters, or one box each when
collapsed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import graphviz

from autograd_core import Value, topological_order

from .renderer import Digraph

__all__ = ["DEFAULT_MAX_NODES", "GraphTooLargeError", "draw_dot", "format_number"]

DEFAULT_MAX_NODES = 1000
"""draw_dot refuses graphs with more boxes than this (one per Value, one per collapsed scope).

graphviz-pure lays out about 2,000 Values a second (a record and an op node each), so the default
keeps an SVG under about half a second.
"""

RANKDIRS = ("LR", "TB", "RL", "BT")
Collapse = str | Iterable[str] | int


class GraphTooLargeError(ValueError):
    """The graph has more boxes than `max_nodes`; the message says how to draw less."""


def format_number(x: float, precision: int = 4) -> str:
    """`x` rounded to `precision` decimals, trailing zeros trimmed: 2.0, -1.5, 0.7071, 1e-05."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0.0"
    if 10.0 ** (1 - precision) <= abs(x) < 1e6:
        text = f"{x:.{precision}f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    mantissa, exponent = f"{x:.{max(precision - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    show_data: bool = True,
    show_grad: bool = True,
    show_local_grads: bool = False,
    show_ids: bool = False,
    cluster: bool = True,
    collapse: Collapse = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    precision: int = 4,
    backend: str | None = None,
) -> Digraph:
    """Draw the graph `root` depends on, as a Digraph that renders with no system Graphviz.

    - `show_local_grads` labels each input edge with d(result)/d(input), so the chain rule can
      be read off the picture; `show_ids` names unlabeled Values `#i` (their graph order).
    - `cluster` groups Values of a name scope in a labelled box; `collapse` draws whole scopes
      as one box each: scope names (`"mlp.layer0"`, matching nested scopes too) or a depth (`2`
      collapses every scope to its first two parts).
    - `max_nodes` (None: no limit) stops huge graphs; `backend` picks the layout program
      ('auto', 'graphviz-pure', 'dot'; see `viz.find_renderer`).

    Display it in Jupyter, or call `.pipe(format='svg')`, `.render(outfile='g.png')`, `.source`.
    """
    order = _order(root, "draw_dot")
    return _draw(
        order,
        _Options(
            rankdir, show_data, show_grad, show_local_grads, show_ids, cluster, precision, backend
        ),
        collapse=collapse,
        max_nodes=max_nodes,
        grad_of=lambda i, node: node.grad,
    )


# --- internals, shared with explain.py -------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    rankdir: str = "LR"
    show_data: bool = True
    show_grad: bool = True
    show_local_grads: bool = False
    show_ids: bool = False
    cluster: bool = True
    precision: int = 4
    backend: str | None = None

    def __post_init__(self) -> None:
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {self.rankdir!r}")
        if isinstance(self.precision, bool) or not isinstance(self.precision, int):
            raise TypeError(f"precision must be an int, got {self.precision!r}")
        if not 1 <= self.precision <= 12:
            raise ValueError(f"precision must be between 1 and 12, got {self.precision}")


def _order(root: Value, caller: str) -> list[Value]:
    if not isinstance(root, Value):
        raise TypeError(f"{caller}() needs a Value, got {type(root).__name__}: {root!r:.80}")
    return topological_order(root)


def node_name(i: int, node: Value) -> str:
    """How text refers to the i-th Value of the order: its label, else `#i`."""
    return node.label or f"#{i}"


def _record_field(text: str) -> str:
    """Escape text for one field of a record label (backslash and `{}|<>"` are special)."""
    text = text.replace("\\", "\\\\").replace("\n", " ")
    for ch in '{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def _collapse_rule(collapse: Collapse) -> Callable[[str | None], str | None]:
    """A function from a node's scope to the scope it collapses into (None: not collapsed)."""
    if isinstance(collapse, bool):
        raise TypeError("collapse= takes scope names or a depth (an int >= 1), not a bool")
    if isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"collapse depth must be >= 1, got {collapse}")

        def by_depth(scope: str | None) -> str | None:
            parts = scope.split(".") if scope else []
            return ".".join(parts[:collapse]) if len(parts) >= collapse else None

        return by_depth
    names = (collapse,) if isinstance(collapse, str) else tuple(collapse)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"collapse= scope names must be non-empty str, got {name!r}")
    names = tuple(sorted(set(names), key=lambda n: (n.count("."), n)))  # outermost wins

    def by_name(scope: str | None) -> str | None:
        if scope:
            for name in names:
                if scope == name or scope.startswith(name + "."):
                    return name
        return None

    return by_name


def _outer(scope: str) -> str | None:
    """The scope that contains `scope` ('a.b' -> 'a', 'a' -> None).

    An index belongs to the name before it, so 'layers.0.neurons.3' sits in 'layers.0', not in
    'layers.0.neurons': an MLP reads as layers.0 > neurons.3, not layers > 0 > neurons > 3.
    """
    parts = scope.split(".")
    cut = len(parts) - 1
    if cut > 0 and parts[cut].isdigit():
        cut -= 1
    return ".".join(parts[:cut]) or None


def _inner_name(scope: str) -> str:
    """The part of `scope` below its outer scope: the cluster's label."""
    outer = _outer(scope)
    return scope[len(outer) + 1 :] if outer else scope


def _scopes_hint(order: Sequence[Value]) -> str:
    scopes = sorted({_outer(n.scope) or n.scope for n in order if n.scope})
    if not scopes:
        return ""
    shown = ", ".join(repr(s) for s in scopes[:8]) + (", ..." if len(scopes) > 8 else "")
    return f" Scopes in this graph: {shown}."


def _draw(
    order: Sequence[Value],
    opts: _Options,
    *,
    collapse: Collapse = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    grad_of: Callable[[int, Value], object],
) -> Digraph:
    """Build the Digraph of `order` (a topological order); `grad_of(i, node)` gives each grad."""
    index = {node: i for i, node in enumerate(order)}
    if not isinstance(collapse, int | str):
        collapse = tuple(collapse)
    rule = _collapse_rule(collapse)
    group_of = [rule(node.scope) for node in order]

    if not isinstance(collapse, int):
        names = (collapse,) if isinstance(collapse, str) else collapse
        unused = [name for name in names if name not in group_of]
        if unused:
            raise ValueError(
                f"collapse: no Value has scope {unused[0]!r} (or a scope inside it)."
                + _scopes_hint(order)
            )

    groups: dict[str, list[int]] = {}
    for i, g in enumerate(group_of):
        if g is not None:
            groups.setdefault(g, []).append(i)
    boxes = sum(g is None for g in group_of) + len(groups)
    if max_nodes is not None and boxes > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {boxes} boxes to draw, more than max_nodes={max_nodes}. Draw less: "
            "a sub-expression (draw_dot(some_inner_value)), whole name scopes as one box "
            "(collapse='mlp.layer0' or collapse=2), or raise the limit (max_nodes=5000; layout "
            "takes about 0.5 ms per box)." + _scopes_hint(order)
        )

    group_id = {g: f"s{k}" for k, g in enumerate(groups)}
    # A group's outputs: its Values used outside it (or the root). The box shows a single one.
    outputs: dict[str, dict[int, None]] = {g: {} for g in groups}
    for i, node in enumerate(order):
        for parent in node.parents:
            j = index[parent]
            if group_of[j] is not None and group_of[j] != group_of[i]:
                outputs[group_of[j]][j] = None
    if group_of[-1] is not None:
        outputs[group_of[-1]][len(order) - 1] = None

    def fmt(x) -> str:
        return format_number(x, opts.precision)

    def vid(j: int) -> str:
        return group_id[group_of[j]] if group_of[j] is not None else f"v{j}"

    graph = Digraph(
        name="autograd",
        graph_attr={"rankdir": opts.rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
        backend=opts.backend,
    )
    clusters: dict[str, graphviz.Digraph] = {}

    def container(scope: str | None) -> graphviz.Digraph:
        if not scope or not opts.cluster:
            return graph
        if scope not in clusters:
            container(_outer(scope))  # outer clusters first
            clusters[scope] = graphviz.Digraph(
                name=f"cluster_{len(clusters)}",
                graph_attr={
                    "label": graphviz.escape(_inner_name(scope)),
                    "tooltip": graphviz.escape(scope),
                    "style": "rounded,dashed",
                    "color": "#8c8c8c",
                    "fontname": "Helvetica",
                    "fontsize": "11",
                    "labeljust": "l",
                },
            )
        return clusters[scope]

    edges: list[tuple[str, str, dict[str, str]]] = []
    group_edges: set[tuple[str, str]] = set()
    for i, node in enumerate(order):
        g = group_of[i]
        if g is not None:
            if i == groups[g][0]:
                fields = [_record_field(g), f"{len(groups[g])} values"]
                if len(outputs[g]) == 1:
                    (j,) = outputs[g]
                    fields += [f"data {fmt(order[j].data)}", f"grad {fmt(grad_of(j, order[j]))}"]
                else:
                    fields.append(f"{len(outputs[g])} outputs")
                container(_outer(g)).node(
                    group_id[g],
                    label="{ " + " | ".join(fields) + " }",
                    shape="record",
                    id=group_id[g],
                    style="filled,rounded",
                    fillcolor="#f3f3f3",
                )
            for parent in node.parents:
                source = vid(index[parent])
                if group_of[index[parent]] != g and (source, group_id[g]) not in group_edges:
                    group_edges.add((source, group_id[g]))
                    edges.append((source, group_id[g], {}))
            continue
        fields = []
        if node.label or opts.show_ids:
            fields.append(_record_field(node_name(i, node)))
        if opts.show_data:
            fields.append(f"data {fmt(node.data)}")
        if opts.show_grad:
            grad = grad_of(i, node)
            fields.append(f"grad {fmt(grad) if grad is not None else '?'}")
        attrs = {"shape": "record", "id": f"v{i}"}
        if not node.parents:
            attrs.update(style="filled", fillcolor="#e8f1fb")
        if i == len(order) - 1:
            attrs["penwidth"] = "2"
        box = container(node.scope)
        box.node(f"v{i}", label="{ " + (" | ".join(fields) or " ") + " }", **attrs)
        if node.parents:
            op = f"v{i}_op"
            box.node(
                op,
                label=graphviz.escape(node.op),
                shape="ellipse",
                id=op,
                fontsize="11",
                margin="0.04,0.02",
                height="0.3",
            )
            edges.append((op, f"v{i}", {"id": f"e{i}"}))
            for k, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
                attrs = {"id": f"e{i}_{k}"}
                if opts.show_local_grads:
                    attrs["label"] = fmt(local)
                edges.append((vid(index[parent]), op, attrs))

    for scope in sorted(clusters, key=lambda s: -s.count(".")):  # innermost first
        outer = _outer(scope)
        (clusters[outer] if outer else graph).subgraph(clusters[scope])
    for tail, head, attrs in edges:
        graph.edge(tail, head, **attrs)
    return graph
