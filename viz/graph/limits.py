"""How big a graph a view draws: `DEFAULT_MAX_NODES` boxes, past which `GraphTooLargeError`."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_core import Value

from .scopes import box_count, collapse_rule, scopes_hint

__all__ = ["DEFAULT_MAX_NODES", "GraphTooLargeError", "too_large"]

DEFAULT_MAX_NODES = 1000
"""draw_dot refuses graphs with more boxes than this (one per Value, one per collapsed scope).

Within it, layout takes at most a few seconds whatever the graph's shape (see
`viz.drawing.layout_plan` and `python -m benchmarks.layout`).
"""


class GraphTooLargeError(ValueError):
    """The graph has more boxes than `max_nodes`; the message says how to draw less.

    >>> x = Value(2.0, label="x"); y = (x * x).tanh()       # 3 boxes: x, x * x and y
    >>> try:
    ...     viz.draw_dot(y, max_nodes=2)
    ... except viz.GraphTooLargeError as e:                  # a ValueError
    ...     print(e)
    the graph has 3 boxes to draw, more than max_nodes=2. Draw less:
      - a sub-expression: draw_dot(some_inner_value)
      - or raise the limit: max_nodes=3 (None for no limit)
    """


def too_large(order: Sequence[Value], boxes: int, max_nodes: int) -> GraphTooLargeError:
    """The error for a graph past `max_nodes`, with hints computed to work on this graph."""
    hints = ["a sub-expression: draw_dot(some_inner_value)"]
    depth = max((n.scope.count(".") + 1 for n in order if n.scope), default=0)
    for d in range(depth, 0, -1):  # the most detailed depth that fits
        rule = collapse_rule(d)
        count = box_count([rule(n.scope) for n in order])
        if count <= max_nodes:
            hints.append(f"whole name scopes as one box each: collapse={d} ({count} boxes)")
            break
    hints.append(f"or raise the limit: max_nodes={boxes} (None for no limit)")
    return GraphTooLargeError(
        f"the graph has {boxes} boxes to draw, more than max_nodes={max_nodes}. Draw less:\n"
        + "\n".join(f"  - {h}" for h in hints)
        + ("\n " + scopes_hint(order) if any(n.scope for n in order) else "")
    )
