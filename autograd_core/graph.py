"""Walking a graph: the one topological order, statistics, zeroing grads. Never recursive."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, parents before children, `root` last. Depth first with a
    stack (a million ops deep is fine), marking seen nodes with a token in a slot (not a set):
    two threads must not walk one graph at once.

    >>> from autograd_core import Value
    >>> x = Value(2.0, label="x"); [str(n.op or n.label) for n in topological_order((x * x).exp())]
    ['x', '*', 'exp']
    """
    token = object()
    root._visit = token
    order: list[Value] = []
    stack = [root]  # always a path: each entry is a parent of the one below it
    while stack:
        node = stack[-1]
        a = node._a
        if a is not None and a._visit is not token:
            a._visit = token
            if a._a is not None:
                stack.append(a)
                continue
            order.append(a)  # a leaf is done as soon as it is seen
        b = node._b
        if b is not None and b._visit is not token:
            b._visit = token
            if b._a is not None:
                stack.append(b)
                continue
            order.append(b)
        order.append(stack.pop())  # both parents are done
    return order


class GraphStats(NamedTuple):
    """Size of a graph: nodes, edges (parent links), leaves, how many nodes each op made.
    >>> GraphStats(nodes=3, edges=2, leaves=2, ops={"*": 1}).nodes
    3
    """

    nodes: int
    edges: int
    leaves: int
    ops: dict[str, int]


def graph_stats(root: Value) -> GraphStats:
    """`GraphStats` of the graph under `root`.
    >>> from autograd_core import Value
    >>> x = Value(2.0); graph_stats(x * x + x)
    GraphStats(nodes=3, edges=4, leaves=1, ops={'*': 1, '+': 1})
    """
    order = topological_order(root)
    ops = Counter(node.op.symbol for node in order if node.op)
    leaves = len(order) - ops.total()
    return GraphStats(len(order), sum(len(node.parents) for node in order), leaves, dict(ops))


def zero_grad(root: Value) -> None:
    """Set `.grad = 0.0` on every node of the graph, leaves included.
    >>> from autograd_core import Value
    >>> x = Value(2.0); y = x * x; y.backward(); zero_grad(y); x.grad
    0.0
    """
    for node in topological_order(root):
        node.grad = 0.0
