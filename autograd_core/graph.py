"""Walking a graph: topological order, statistics, zeroing grads. Iterative, never recursive."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, parents before children, `root` last.

    A depth-first search with an explicit stack, so a chain a million ops deep is fine.
    """
    order: list[Value] = []
    seen = {root}
    stack = [root]  # always a path: each entry is a parent of the one below it
    while stack:
        node = stack[-1]
        a = node._a
        if a is not None and a not in seen:
            seen.add(a)
            stack.append(a)
            continue
        b = node._b
        if b is not None and b not in seen:
            seen.add(b)
            stack.append(b)
            continue
        order.append(stack.pop())  # both parents are done
    return order


@dataclass(frozen=True)
class GraphStats:
    """Size of a graph: nodes, edges (parent links), leaves, and how many nodes each op made."""

    nodes: int
    edges: int
    leaves: int
    ops: dict[str, int] = field(default_factory=dict)


def graph_stats(root: Value) -> GraphStats:
    order = topological_order(root)
    interior = [node for node in order if not node.is_leaf]
    return GraphStats(
        nodes=len(order),
        edges=sum(len(node.parents) for node in interior),
        leaves=len(order) - len(interior),
        ops=dict(Counter(node._op.name for node in interior)),
    )


def zero_grad(root: Value) -> None:
    """Set `.grad = 0.0` on every node of the graph, leaves included."""
    for node in topological_order(root):
        node.grad = 0.0
