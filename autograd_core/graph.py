"""Around a graph: its statistics, and zeroing gradients (of a graph, Values, or a model)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from .value import Value, topological_order

__all__ = ["GraphStats", "graph_stats", "topological_order", "zero_grad"]


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
    >>> x = Value(2.0); graph_stats(x * x + x)
    GraphStats(nodes=3, edges=4, leaves=1, ops={'*': 1, '+': 1})
    """
    order = topological_order(root)
    ops = Counter(node.op.symbol for node in order if node.op)
    leaves = len(order) - ops.total()
    return GraphStats(len(order), sum(len(node.parents) for node in order), leaves, dict(ops))


class HasParameters(Protocol):
    """A model: anything with `parameters()` (nn's modules, or your own)."""

    def parameters(self) -> Iterable[Value]: ...


def zero_grad(target: Value | Iterable[Value] | HasParameters) -> None:
    """Set `.grad = 0.0` on every node of the graph under a Value (leaves included), of each
    Value of an iterable (`model.parameters()`), or on a model's parameters.

    >>> x = Value(2.0); y = x * x; y.backward(); zero_grad(y); x.grad
    0.0
    """
    roots = _roots(target)
    for root in roots:
        for node in topological_order(root):
            node.grad = 0.0


def _roots(target: object) -> list[Value]:
    """Every Value `zero_grad` was given, checked before any is changed."""
    if isinstance(target, Value):
        return [target]
    parameters = getattr(target, "parameters", None)
    items: Any = parameters() if callable(parameters) else target
    try:
        roots: list[object] = [target] if isinstance(items, str | bytes) else list(items)
    except TypeError:
        roots = [target]  # not iterable: refused below, naming it
    values = [root for root in roots if isinstance(root, Value)]
    if len(values) < len(roots):
        i, bad = next((i, root) for i, root in enumerate(roots) if not isinstance(root, Value))
        where = "" if bad is target else f" (item {i} is {type(bad).__name__}: {bad!r:.60})"
        raise TypeError(
            "zero_grad() needs a Value, an iterable of Values or a model with parameters(), "
            f"got {type(target).__name__}{where}; a model also has model.zero_grad()"
        )
    return values
