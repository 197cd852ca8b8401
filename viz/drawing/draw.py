"""Value graph -> Digraph: a record per Value (name, data, grad), a small node per op.

Node ids come from the topological order (`v0`, `v1`, ... with `v3_op` for the op that made
`v3`, `e3_0` for its first input edge, `s0`, `s1`, ... for collapsed scopes in order of first
appearance), so the same graph always gives byte-identical DOT. Name scopes (set by
`autograd_core.name_scope`, e.g. by nn modules) become nested clusters, or one box each when
collapsed. Every box carries its node's qualified name (`viz.graph.names`) as its tooltip. A long
edge may start from a copy of its tail (`v0_at_v12_op`: `v0` drawn again beside `v12_op`; see
`viz.drawing.layout_plan`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import graphviz  # type: ignore[import-untyped]

from autograd_core import Value, gradients

from ..graph.limits import DEFAULT_MAX_NODES, too_large
from ..graph.names import node_name, qualified_names
from ..graph.numbers import as_float, format_number
from ..graph.order import graph_order
from ..graph.scopes import Collapse, box_count, groups, inner_name, outer_scope, scope_sort_key
from .digraph import Digraph
from .layout_plan import Shape, plan
from .theme import THEMES, Theme

__all__ = ["DrawOptions", "draw_dot", "draw_order"]

RANKDIRS = ("LR", "TB", "RL", "BT")

FONT = "Helvetica"
FONT_SIZE = "12"
"""One size for every text in a drawing: records, ops, edge labels (legible on slides)."""

NOTE_WIDTH = 72
"""Characters per line of the note under a drawing."""

LAYOUT_ATTRS = {"nslimit": "1", "nslimit1": "1", "ordering": "out"}
"""Bounds on dot's network-simplex passes (iterations per node: small graphs never reach them,
a safety net behind `viz.drawing.layout_plan`'s copies of long edges), and out-edges kept in
the order they are written, which is scope order: neurons.0, neurons.1, ... (dot otherwise
rotates sibling boxes that all connect alike, since every order crosses as many edges)."""


def draw_dot(
    root: Value,
    rankdir: str | None = None,
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
    theme: str = "light",
    fit: bool = True,
    dpi: float = 96.0,
) -> Digraph:
    """Draw the graph `root` depends on, as a Digraph that renders with no system Graphviz.

    >>> x = Value(2.0, label="x"); y = x * x + 1; y.backward()
    >>> graph = viz.draw_dot(y)             # in Jupyter, display it (a cell's last line)
    >>> svg = graph.pipe(format="svg", encoding="utf-8")    # or graph.render(outfile="y.png")
    >>> "<svg" in svg, "grad 4.0" in svg    # x's box: data 2.0, grad dy/dx = 2x = 4.0
    (True, True)

    - `rankdir`: 'LR', 'TB', 'RL' or 'BT'; None picks LR or TB, whichever a notebook output
      shrinks less (deep graphs go top to bottom; see `viz.drawing.layout_plan`).
    - `show_local_grads` labels each input edge with d(result)/d(input), so the chain rule can
      be read off the picture; `show_ids` names every box by its qualified name (`#i` for an
      unlabelled Value: its graph order), as the CLI table and the step-through page do.
    - `cluster` groups Values of a name scope in a labelled box; `collapse` draws whole scopes
      as one box each: scope names (`"layers.0"`, matching nested scopes too) or a depth (`2`
      collapses every scope to its first two parts: an nn.MLP's layers).
    - `max_nodes` (None: no limit) stops huge graphs; `backend` picks the layout program
      ('auto', 'graphviz-pure', 'dot'; see `viz.find_renderer`).
    - `theme` is 'light' or 'dark'; `fit` (default) scales the drawing down to the width of a
      notebook output, `fit=False` keeps its natural size; `dpi` sets PNG/JPEG resolution
      (192 or 300 for slides; the longer side stays within
      `viz.drawing.layout_program.MAX_RASTER_PIXELS`).

    Leaves whose grad was summed over several backward() calls (it differs from what one pass
    gives, while every op result matches one pass) get an orange outline and a note.
    Display it in Jupyter, or call `.pipe(format='svg')`, `.render(outfile='g.png')`, `.source`.
    """
    order = graph_order(root, "draw_dot")
    opts = DrawOptions(
        rankdir, show_data, show_grad, show_local_grads, show_ids, cluster, precision, backend,
        theme=theme, fit=fit, dpi=dpi,
    )  # fmt: skip
    return draw_order(
        order,
        opts,
        collapse=collapse,
        max_nodes=max_nodes,
        grad_of=lambda i, node: node.grad,
        marks=lambda: _accumulated(order, precision),
    )


# --- internals, shared with the step-through page and the explorer ------------------------------


@dataclass(frozen=True)
class DrawOptions:
    rankdir: str | None = "LR"
    show_data: bool = True
    show_grad: bool = True
    show_local_grads: bool = False
    show_ids: bool = False
    cluster: bool = True
    precision: int = 4
    backend: str | None = None
    theme: str = "light"
    fit: bool = True
    dpi: float = 96.0

    def __post_init__(self) -> None:
        if self.rankdir is not None and self.rankdir not in RANKDIRS:
            raise ValueError(
                f"rankdir must be one of {', '.join(RANKDIRS)} or None (choose), "
                f"got {self.rankdir!r}"
            )
        if isinstance(self.precision, bool) or not isinstance(self.precision, int):
            raise TypeError(f"precision must be an int, got {self.precision!r}")
        if not 1 <= self.precision <= 12:
            raise ValueError(f"precision must be between 1 and 12, got {self.precision}")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {self.theme!r}")
        if not isinstance(self.fit, bool):
            raise TypeError(f"fit must be True or False, got {self.fit!r}")
        Digraph._check_dpi(self.dpi)


def _record_field(text: str) -> str:
    """Escape text for one field of a record label (backslash and `{}|<>"` are special)."""
    text = text.replace("\\", "\\\\").replace("\n", " ")
    for ch in '{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def _accumulated(order: Sequence[Value], precision: int) -> dict[int, str]:
    """Leaves whose `.grad` holds several backward() passes: `{index: note}`.

    The engine does not count passes, but it resets op results' grads on each backward() while
    leaves keep adding. So when every op result's grad matches one pass
    (`autograd_core.gradients`) and a leaf's does not, that leaf has summed several passes (or
    passes from another root). The note gives the multiple when it is a whole number.
    """
    root = order[-1]
    if not root.parents:
        return {}
    one = gradients(root)

    def same(a: object, b: object) -> bool:
        return math.isclose(as_float(a), as_float(b), rel_tol=1e-9, abs_tol=1e-12)

    if not all(same(n.grad, one.get(n, 0.0)) for n in order if n.parents):
        return {}  # grads from no pass, or from another root: nothing to compare with
    marks = {}
    for i, node in enumerate(order):
        if node.parents or same(node.grad, one.get(node, 0.0)):
            continue
        single = as_float(one.get(node, 0.0))
        ratio = as_float(node.grad) / single if single else 0.0
        if ratio >= 1.5 and abs(ratio - round(ratio)) < 1e-6:
            marks[i] = f"{round(ratio)}x one pass"
        else:
            marks[i] = f"one pass: {format_number(single, precision)}"
    return marks


@dataclass
class _Box:
    """A node about to be drawn: its id, the scope whose cluster holds it, text and attributes."""

    id: str
    scope: str | None
    fields: list[str]
    attrs: dict[str, str]
    record: bool = True
    sort: tuple[object, ...] = ()
    name: str = ""  # what a copy of it shows
    edges_in: list[int] = field(default_factory=list)


def draw_order(
    order: Sequence[Value],
    opts: DrawOptions,
    *,
    collapse: Collapse = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    grad_of: Callable[[int, Value], object],
    marks: Callable[[], dict[int, str]] | None = None,
) -> Digraph:
    """Build the Digraph of `order` (a topological order); `grad_of(i, node)` gives each grad,
    `marks()` an extra note for some leaves (see `_accumulated`), once the size is checked."""
    theme = THEMES[opts.theme]
    index = {node: i for i, node in enumerate(order)}
    group_of = groups(order, collapse)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(group_of):
        if g is not None:
            members.setdefault(g, []).append(i)
    boxes_count = box_count(group_of)
    if max_nodes is not None and boxes_count > max_nodes:
        raise too_large(order, boxes_count, max_nodes)

    notes = marks() if marks else {}
    qualified = qualified_names(order)
    group_id = {g: f"s{k}" for k, g in enumerate(members)}
    # A group's outputs: its Values used outside it (or the root). The box shows a single one.
    outputs: dict[str, dict[int, None]] = {g: {} for g in members}
    for i, node in enumerate(order):
        for parent in node.parents:
            j = index[parent]
            inside = group_of[j]
            if inside is not None and inside != group_of[i]:
                outputs[inside][j] = None
    last = group_of[-1]
    if last is not None:
        outputs[last][len(order) - 1] = None

    def fmt(x: object) -> str:
        return format_number(as_float(x), opts.precision)

    boxes: list[_Box] = []
    box_of: dict[str, int] = {}  # id -> position in boxes
    edges: list[tuple[int, int, dict[str, str]]] = []

    def add(box: _Box) -> int:
        box_of[box.id] = len(boxes)
        boxes.append(box)
        return len(boxes) - 1

    def value_box(j: int) -> int:
        g = group_of[j]
        return box_of[group_id[g] if g is not None else f"v{j}"]

    # Clusters hold uncollapsed Values. A scope left with only collapsed boxes gets no cluster:
    # its boxes show their full names, and dot keeps them in order (it cannot inside a cluster).
    clustered: set[str] = set()
    for node, g in zip(order, group_of):
        scope = node.scope if g is None and opts.cluster else None
        while scope:
            clustered.add(scope)
            scope = outer_scope(scope)

    def home(scope: str | None) -> str | None:
        while scope and scope not in clustered:
            scope = outer_scope(scope)
        return scope

    group_edges: set[tuple[int, int]] = set()
    for i, node in enumerate(order):
        g = group_of[i]
        if g is not None:
            if i == members[g][0]:
                where = home(outer_scope(g))
                shown = g[len(where) + 1 :] if where else g
                fields = [shown, f"{len(members[g])} values"]
                if len(outputs[g]) == 1:
                    (j,) = outputs[g]
                    fields += [f"data {fmt(order[j].data)}", f"grad {fmt(grad_of(j, order[j]))}"]
                else:
                    fields.append(f"{len(outputs[g])} outputs")
                attrs = {"style": "filled,rounded", "fillcolor": theme.group_fill, "tooltip": g}
                add(
                    _Box(group_id[g], where, fields, attrs, sort=(scope_sort_key(g), i), name=shown)
                )
            for parent in node.parents:
                source, target = value_box(index[parent]), box_of[group_id[g]]
                if source != target and (source, target) not in group_edges:
                    group_edges.add((source, target))
                    edges.append((source, target, {}))
            continue
        if opts.show_ids:
            name = qualified[i]
        elif not opts.cluster and node.scope and node.label:
            name = f"{node.scope}.{node.label}"
        else:
            name = node_name(i, node)
        fields = [name] if node.label or opts.show_ids else []
        if opts.show_data:
            fields.append(f"data {fmt(node.data)}")
        if opts.show_grad:
            grad = grad_of(i, node)
            fields.append(f"grad {fmt(grad) if grad is not None else '?'}")
        tooltip = qualified[i]
        attrs = {}
        if not node.parents and node.label:
            attrs.update(style="filled", fillcolor=theme.leaf_fill)
        elif not node.parents:  # a constant, made from a plain number
            attrs.update(color=theme.muted, fontcolor=theme.muted)
            tooltip += f" (constant {fmt(node.data)})"
        if i in notes:
            fields.append(notes[i])
            attrs.update(color=theme.accent, penwidth="2")
            tooltip += f": grad summed over several backward() calls ({notes[i]})"
        if i == len(order) - 1:
            attrs["penwidth"] = "2"
        attrs["tooltip"] = tooltip
        sort = (scope_sort_key(node.scope), i)
        record = add(_Box(f"v{i}", node.scope, fields, attrs, sort=sort, name=name))
        if node.parents:
            op = add(
                _Box(
                    f"v{i}_op",
                    node.scope,
                    [str(node.op)],
                    {"tooltip": f"{qualified[i]} = {node.op}(...)", "margin": "0.04,0.02"},
                    record=False,
                    sort=sort,
                )
            )
            edges.append((op, record, {"id": f"e{i}"}))
            for k, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
                attrs = {"id": f"e{i}_{k}"}
                if opts.show_local_grads:
                    attrs["label"] = fmt(local)
                edges.append((value_box(index[parent]), op, attrs))

    layout = plan(
        [Shape(tuple(b.fields) or (" ",), b.record) for b in boxes],
        [(t, h) for t, h, _ in edges],
        opts.rankdir,
    )
    # Cut edges start from a dashed copy of their tail, placed beside their head.
    copies: dict[tuple[int, int], int] = {}
    for k in sorted(layout.cut):
        tail, head, attrs = edges[k]
        if (tail, head) not in copies:
            original = boxes[tail]
            if not original.fields or original.fields[0] != original.name:
                original.fields.insert(0, original.name)  # the copy names it, so must it
            copies[tail, head] = add(
                _Box(
                    f"{original.id}_at_{boxes[head].id}",
                    boxes[head].scope,
                    [original.name],
                    {
                        "style": "dashed",
                        "color": theme.muted,
                        "tooltip": f"{original.attrs['tooltip']} (drawn again near its use)",
                    },
                    sort=boxes[head].sort,
                )
            )
        edges[k] = (copies[tail, head], head, attrs)

    graph = Digraph(
        name="autograd",
        graph_attr={
            "rankdir": layout.rankdir,
            "bgcolor": theme.background,
            "fontcolor": theme.text,
            "fontname": FONT,
            "fontsize": FONT_SIZE,
            **LAYOUT_ATTRS,
        },
        node_attr={
            "fontname": FONT,
            "fontsize": FONT_SIZE,
            "color": theme.line,
            "fontcolor": theme.text,
        },
        edge_attr={
            "fontname": FONT,
            "fontsize": FONT_SIZE,
            "arrowsize": "0.7",
            "color": theme.line,
            "fontcolor": theme.text,
        },
        backend=opts.backend,
        fit=opts.fit,
        dpi=opts.dpi,
    )
    graph.layout_plan = layout  # what the planner decided, for benchmarks and tests
    note = _note(order, notes, bool(copies))
    if note:
        graph.attr(label=note, labelloc="b", labeljust="l")
    _emit(graph, boxes, edges, opts, theme, set(copies.values()))
    return graph


def _note(order: Sequence[Value], marks: dict[int, str], copies: bool) -> str:
    """Lines under the drawing that explain what it marks (left-justified: `\\l` ends a line)."""
    text = []
    if marks:
        labelled = [str(order[i].label) for i in marks if order[i].label]
        constants = len(marks) - len(labelled)
        names = ", ".join(labelled[:6]) + (", ..." if len(labelled) > 6 else "")
        if constants:
            names += f"{' and ' if names else ''}{constants} constant{'s' if constants > 1 else ''}"
        text.append(
            f"Orange outline: a leaf whose grad is the sum of several backward() calls ({names}). "
            "Call zero_grad() before backward() to see one pass."
        )
    if copies:
        text.append("Dashed: a Value drawn again beside a distant use; its numbers are in its box.")
    lines = [line for paragraph in text for line in textwrap.wrap(paragraph, NOTE_WIDTH)]
    return "".join(line + "\\l" for line in lines)


def _emit(
    graph: Digraph,
    boxes: Sequence[_Box],
    edges: Sequence[tuple[int, int, dict[str, str]]],
    opts: DrawOptions,
    theme: Theme,
    copies: set[int],
) -> None:
    """Write the boxes (in scope order, so neurons.0, neurons.1, ... come out in that order)
    into their clusters, then the edges."""
    clusters: dict[str, graphviz.Digraph] = {}

    def container(scope: str | None) -> graphviz.Digraph:
        if not scope or not opts.cluster:
            return graph
        if scope not in clusters:
            container(outer_scope(scope))  # outer clusters first
            clusters[scope] = graphviz.Digraph(
                name=f"cluster_{len(clusters)}",
                graph_attr={
                    "label": graphviz.escape(inner_name(scope)),
                    "tooltip": graphviz.escape(scope),
                    "style": "rounded,dashed",
                    "color": theme.cluster,
                    "fontcolor": theme.text,
                    "fontname": FONT,
                    "fontsize": FONT_SIZE,
                    "labeljust": "l",
                    "labelloc": "t",  # not the graph's "b" (where its note goes)
                },
            )
        return clusters[scope]

    rank = sorted(range(len(boxes)), key=lambda b: boxes[b].sort)
    position = {b: k for k, b in enumerate(rank)}
    for b in rank:
        box = boxes[b]
        attrs = {"id": box.id, **box.attrs}
        if box.record:
            label = "{ " + (" | ".join(_record_field(f) for f in box.fields) or " ") + " }"
            attrs = {"shape": "record", **attrs}
        else:
            label = graphviz.escape(box.fields[0])
            attrs = {"shape": "ellipse", "height": "0.3", **attrs}
        attrs["tooltip"] = graphviz.escape(attrs["tooltip"])
        container(box.scope).node(box.id, label=label, **attrs)
    for scope in sorted(clusters, key=lambda s: -s.count(".")):  # innermost first
        outer = outer_scope(scope)
        (clusters[outer] if outer else graph).subgraph(clusters[scope])
    for k in sorted(range(len(edges)), key=lambda k: (position[edges[k][1]], k)):
        tail, head, attrs = edges[k]
        if copies and tail not in copies:
            # Keep the real edges straight: an op would otherwise sit halfway to its copied
            # input, and a chain of them drifts sideways a little at every step.
            attrs = {**attrs, "weight": "4"}
        graph.edge(boxes[tail].id, boxes[head].id, **attrs)
