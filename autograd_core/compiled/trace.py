"""Tracing: run fn on Values and read the graph back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from ..context import enable_grad, name_scope
from ..graph import topological_order
from ..value import Value, apply

TRACING = "\x00traced"
"""The name scope fn runs in while traced: a leaf made inside is a constant (or an argument),
any other leaf was made before, outside fn: a parameter."""


class TraceError(RuntimeError):
    """The traced program does not stand for `fn`: its graph depends on the data or on chance.

    >>> from autograd_core import Value, compile
    >>> f = compile(lambda x: x.relu() if x.data > 0 else -x, 1.0, check=True)
    >>> f(-2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd_core.compiled.trace.TraceError: check: fn took a different path than when it was...
    """


@dataclass
class _Trace:
    """One eager run of fn: its graph in topological order, its outputs, and which leaves are
    the arguments' elements (leaf -> (argument index, flat element index))."""

    def is_param(self, leaf: Value) -> bool:
        return leaf not in self.inputs and not (leaf.scope or "").startswith(TRACING)

    order: list[Value]
    outputs: list[Value]
    inputs: dict[Value, tuple[int, int]]


def _trace(fn: Callable[..., Any], args: Sequence[Any], static: frozenset[int]) -> _Trace:
    """Call fn on fresh Value leaves (static arguments as they are) and record the graph."""
    inputs: dict[Value, tuple[int, int]] = {}
    call_args = [arg if i in static else _leaves(arg, i, inputs) for i, arg in enumerate(args)]
    with enable_grad(), name_scope(TRACING):
        out = fn(*call_args)
    outputs = [_as_value(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
    if not outputs:
        raise TypeError("compile: fn returned an empty sequence; it must return a Value")
    return _Trace(_order(outputs), outputs, inputs)


def _leaves(arg: np.ndarray, i: int, inputs: dict[Value, tuple[int, int]]) -> Any:
    """Argument i as fresh Value leaves, shaped as it is (nested lists); each leaf goes into
    `inputs` with its place, (i, flat element index)."""
    leaves = [Value(x) for x in arg.ravel().tolist()]
    inputs.update({leaf: (i, j) for j, leaf in enumerate(leaves)})
    if arg.ndim == 0:
        return leaves[0]
    return np.array(leaves, dtype=object).reshape(arg.shape).tolist()


def _order(outputs: list[Value]) -> list[Value]:
    """Every node of the outputs' graph, parents before children, in one walk: from a node
    that joins them, ((o0 + o1) + o2) + ..., which the order then leaves out (so it is the
    walk of o0, then what o1 adds, and so on)."""
    root, joins = outputs[0], set[Value]()
    with enable_grad():
        for o in outputs[1:]:
            root = apply(ops.ADD, root, o)
            joins.add(root)
    order = topological_order(root)
    kept = len(order)
    while kept and order[kept - 1] in joins:
        kept -= 1
    if len(order) - kept == len(joins):  # all at the end, as when the loss reads the others
        del order[kept:]
        return order
    return [node for node in order if node not in joins]


def _as_value(x: object) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"compile: fn must return Values (or a tuple of them), got {type(x).__name__}")
