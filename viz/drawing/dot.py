"""Write a drawing's boxes and edges as DOT: one font, the theme's colours, nested clusters.

Boxes go out in scope order (neurons.0, neurons.1, ... in that order), each into the cluster of
its scope; then the edges, ordered by their heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import graphviz  # type: ignore[import-untyped]

from ..graph.scopes import inner_name, outer_scope
from .boxes import Box, Edge
from .digraph import Digraph
from .options import DrawOptions
from .theme import Theme

__all__ = ["new_digraph", "write_dot"]

FONT = "Helvetica"
FONT_SIZE = "12"
"""One size for every text in a drawing: records, ops, edge labels (legible on slides)."""

LAYOUT_ATTRS = {"nslimit": "1", "nslimit1": "1", "ordering": "out"}
"""Bounds on dot's network-simplex passes (iterations per node: small graphs never reach them,
a safety net behind `viz.drawing.layout_plan`'s copies of long edges), and out-edges kept in
the order they are written, which is scope order: neurons.0, neurons.1, ... (dot otherwise
rotates sibling boxes that all connect alike, since every order crosses as many edges)."""


def new_digraph(rankdir: str, opts: DrawOptions, theme: Theme) -> Digraph:
    """An empty Digraph with the drawing's font, colours and layout bounds."""
    text = {"fontname": FONT, "fontsize": FONT_SIZE}
    return Digraph(
        name="autograd",
        graph_attr={
            "rankdir": rankdir,
            "bgcolor": theme.background,
            "fontcolor": theme.text,
            **text,
            **LAYOUT_ATTRS,
        },
        node_attr={**text, "color": theme.line, "fontcolor": theme.text},
        edge_attr={**text, "arrowsize": "0.7", "color": theme.line, "fontcolor": theme.text},
        backend=opts.backend,
        fit=opts.fit,
        dpi=opts.dpi,
    )


def write_dot(
    graph: Digraph,
    boxes: Sequence[Box],
    edges: Sequence[Edge],
    *,
    cluster: bool,
    theme: Theme,
    copies: set[int],
) -> None:
    """Write `boxes` into their clusters (`cluster=False`: all at the top level), then `edges`;
    `copies` are the boxes drawn again near a distant use (see `Boxes.cut_long_edges`)."""
    clusters = _Clusters(graph, theme, cluster)
    rank = sorted(range(len(boxes)), key=lambda b: boxes[b].sort)
    for b in rank:
        box = boxes[b]
        clusters.of(box.scope).node(box.id, label=_label(box), **_node_attrs(box))
    clusters.nest()
    position = {b: k for k, b in enumerate(rank)}
    for k in sorted(range(len(edges)), key=lambda k: (position[edges[k][1]], k)):
        tail, head, attrs = edges[k]
        if copies and tail not in copies:
            # Keep the real edges straight: an op would otherwise sit halfway to its copied
            # input, and a chain of them drifts sideways a little at every step.
            attrs = {**attrs, "weight": "4"}
        graph.edge(boxes[tail].id, boxes[head].id, **attrs)


def _label(box: Box) -> str:
    if box.record:
        return "{ " + (" | ".join(_record_field(f) for f in box.fields) or " ") + " }"
    return str(graphviz.escape(box.fields[0]))


def _node_attrs(box: Box) -> dict[str, str]:
    attrs = {"id": box.id, **box.attrs}
    if box.record:
        attrs = {"shape": "record", **attrs}
    else:
        attrs = {"shape": "ellipse", "height": "0.3", **attrs}
    attrs["tooltip"] = graphviz.escape(attrs["tooltip"])
    return attrs


def _record_field(text: str) -> str:
    """Escape text for one field of a record label (backslash and `{}|<>"` are special)."""
    text = text.replace("\\", "\\\\").replace("\n", " ")
    for ch in '{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


class _Clusters:
    """The clusters of a drawing, one per drawn scope, made outer first as boxes need them."""

    def __init__(self, graph: Digraph, theme: Theme, enabled: bool) -> None:
        self.graph, self.theme, self.enabled = graph, theme, enabled
        self.clusters: dict[str, graphviz.Digraph] = {}

    def of(self, scope: str | None) -> graphviz.Digraph:
        """The (sub)graph a box of `scope` goes into."""
        if not scope or not self.enabled:
            return self.graph
        if scope not in self.clusters:
            self.of(outer_scope(scope))  # outer clusters first
            self.clusters[scope] = graphviz.Digraph(
                name=f"cluster_{len(self.clusters)}",
                graph_attr={
                    "label": graphviz.escape(inner_name(scope)),
                    "tooltip": graphviz.escape(scope),
                    "style": "rounded,dashed",
                    "color": self.theme.cluster,
                    "fontcolor": self.theme.text,
                    "fontname": FONT,
                    "fontsize": FONT_SIZE,
                    "labeljust": "l",
                    "labelloc": "t",  # not the graph's "b" (where its note goes)
                },
            )
        return self.clusters[scope]

    def nest(self) -> None:
        """Put each cluster into its outer one (innermost first), the outermost into the graph."""
        for scope in sorted(self.clusters, key=lambda s: -s.count(".")):
            outer = outer_scope(scope)
            (self.clusters[outer] if outer else self.graph).subgraph(self.clusters[scope])
