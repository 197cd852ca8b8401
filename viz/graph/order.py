"""The order every view reads a graph in: `graph_order(root, caller)`, a topological order."""

from __future__ import annotations

from autograd_core import Value, topological_order

__all__ = ["graph_order"]


def graph_order(root: Value, caller: str) -> list[Value]:
    """The nodes `root` depends on, inputs first and `root` last; `caller` names the function
    in the TypeError a non-Value gets."""
    if not isinstance(root, Value):
        raise TypeError(f"{caller}() needs a Value, got {type(root).__name__}: {root!r:.80}")
    return topological_order(root)
