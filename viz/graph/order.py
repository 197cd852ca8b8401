"""The order every view reads a graph in: `graph_order(root, caller)`, a topological order."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_core import Value, topological_order

__all__ = ["graph_order", "require_value"]


def graph_order(root: Value, caller: str) -> list[Value]:
    """The nodes `root` depends on, inputs first and `root` last; `caller` names the function
    in the TypeError a non-Value gets (see `require_value`)."""
    require_value(root, caller)
    return topological_order(root)


def require_value(root: object, caller: str, rest: str = "") -> None:
    """Raise a TypeError unless `root` is a Value, saying what to pass instead; `rest` is what
    follows the Value in a call of `caller` (`", path"` for render).

    >>> require_value([Value(1.0), Value(2.0)], "draw_dot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: draw_dot() needs a Value, got list of 2 Values: pass one of them, draw_dot(...
    """
    if not isinstance(root, Value):
        raise TypeError(f"{caller}() needs a Value, got {_instead(root, caller, rest)}")


def _instead(root: object, caller: str, rest: str) -> str:
    """What `root` is, and what to pass in its place."""
    kind = type(root).__name__
    if callable(root) and callable(getattr(root, "parameters", None)):
        return (
            f"a model ({kind}): pass what it computes, {caller}(model(x){rest}) for an input x, or "
            f"the loss; its parameters() are the graph's leaves, not a graph"
        )
    if isinstance(root, Sequence) and root and all(isinstance(v, Value) for v in root):
        return (
            f"{kind} of {len(root)} Value{'s' if len(root) > 1 else ''}: pass one of them, "
            f"{caller}(outputs[0]{rest}), or a "
            "Value computed from them all (their sum, a loss)"
        )
    if isinstance(root, int | float) and not isinstance(root, bool):
        return f"{kind} {root!r}: make it a Value, Value({root!r}, label='x'), and draw an op on it"
    return f"{kind}: {root!r:.80}"
