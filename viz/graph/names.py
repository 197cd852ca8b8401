"""One name per node, the same in every view: drawings, the step-through page, explorer, CLI.

A labelled Value is named by its scope and label (`layers.0.neurons.2.w1`); an unlabelled one by
its place in the graph order (`#31`). Where two nodes would share a name (two `x` leaves), each
gets its place appended (`x#3`, `x#7`), so a name always points at exactly one node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from autograd_core import Value

__all__ = ["node_name", "qualified_names"]


def node_name(i: int, node: Value) -> str:
    """How text refers to the i-th Value of the order: its label, else `#i`."""
    return node.label or f"#{i}"


def _qualified(i: int, node: Value) -> str:
    if not node.label:
        return f"#{i}"
    return f"{node.scope}.{node.label}" if node.scope else node.label


def qualified_names(order: Sequence[Value]) -> list[str]:
    """A unique name for each node of `order` (a topological order), in the same order.

    >>> from autograd_core import Value, topological_order
    >>> x = Value(2.0, label="x"); y = x * Value(3.0, label="x")
    >>> qualified_names(topological_order(y))
    ['x#0', 'x#1', '#2']
    """
    names = [_qualified(i, node) for i, node in enumerate(order)]
    counts = Counter(names)
    return [name if counts[name] == 1 else f"{name}#{i}" for i, name in enumerate(names)]
