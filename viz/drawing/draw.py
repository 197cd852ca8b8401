"""Value graph -> Digraph: a record per Value (name, data, grad), a small node per op.

Node ids come from the topological order (`v0`, `v1`, ... with `v3_op` for the op that made
`v3`, `e3_0` for its first input edge, `s0`, `s1`, ... for collapsed scopes in order of first
appearance), so the same graph always gives byte-identical DOT. Name scopes (set by
`autograd_core.name_scope`, e.g. by nn modules) become nested clusters, or one box each when
collapsed. Every box carries its node's qualified name (`viz.graph.names`) as its tooltip. A
long edge may start from a copy of its tail (`v0_at_v12_op`: `v0` drawn again beside `v12_op`;
see `viz.drawing.layout_plan`).

Drawing goes in phases, one function or method each: group and check the size (`draw_order`),
build the boxes and edges (`viz.drawing.boxes`), plan the layout (`viz.drawing.layout_plan`),
cut long edges, write the DOT (`viz.drawing.dot`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence

from autograd_core import Value, gradients

from ..graph.limits import DEFAULT_MAX_NODES, too_large
from ..graph.numbers import as_float, format_number
from ..graph.order import graph_order
from ..graph.scopes import Collapse, box_count, groups
from .boxes import Boxes
from .digraph import Digraph
from .dot import new_digraph, write_dot
from .layout_plan import Shape, plan
from .options import DrawOptions
from .theme import THEMES

__all__ = ["DrawOptions", "draw_dot", "draw_order"]

NOTE_WIDTH = 72
"""Characters per line of the note under a drawing."""


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
    group_of = groups(order, collapse)
    count = box_count(group_of)
    if max_nodes is not None and count > max_nodes:
        raise too_large(order, count, max_nodes)
    notes = marks() if marks else {}
    drawing = Boxes(order, opts, group_of, grad_of, notes)
    drawing.build()
    layout = plan(
        [Shape(tuple(b.fields) or (" ",), b.record) for b in drawing.boxes],
        [(tail, head) for tail, head, _ in drawing.edges],
        opts.rankdir,
    )
    copies = drawing.cut_long_edges(layout.cut)
    theme = THEMES[opts.theme]
    graph = new_digraph(layout.rankdir, opts, theme)
    graph.layout_plan = layout  # what the planner decided, for benchmarks and tests
    note = _note(order, notes, bool(copies))
    if note:
        graph.attr(label=note, labelloc="b", labeljust="l")
    write_dot(graph, drawing.boxes, drawing.edges, cluster=opts.cluster, theme=theme, copies=copies)
    return graph


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
