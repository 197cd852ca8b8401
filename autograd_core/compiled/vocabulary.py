"""The names printed programs call, derived from the op table: each op by its row's name
(`tanh(v2)`, `div(v1, v3)`: the float forms, which raise the engine's errors), each family of
rows by its function's name (`power(v0, 2.0)`), and the rules' math namespace as `m`
(`m.log(v1)`, `m.pow(v0, 2)`: IEEE-style, never raising). An op and a math function may share
a name (`log`, `sin`, `pow` ...); printed code tells them apart by the `m.` prefix, and no two
names below are the same (`table` checks).

Each works on floats (one example: the engine's very numbers) and on numpy arrays (a batch:
the op's batch form, with errors naming the batch element).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import ops
from .arrays import ARRAYS, batch_value
from .formula import NAMESPACE


def _op_function(op: ops.Op) -> Callable[..., Any]:
    """`op` on floats or, given an array, on a batch."""

    def function(*args: Any) -> Any:
        if any(isinstance(a, np.ndarray) for a in args):
            return batch_value(op, *args)
        return op.value(*args)

    return function


def _family_function(family: Callable[[float], ops.Op]) -> Callable[..., Any]:
    """A family of rows with a number baked in (`power(n)`), called as `power(x, n)`."""

    def function(*args: Any) -> Any:
        return _op_function(family(args[-1]))(*args[:-1])

    return function


def _math_function(name: str) -> Callable[..., Any]:
    on_floats, on_arrays = getattr(ops.FLOAT, name), getattr(ARRAYS, name)

    def function(*args: Any) -> Any:
        if any(isinstance(a, np.ndarray) for a in args):
            return on_arrays(*args)
        return on_floats(*args)

    return function


class MathNamespace:
    """`m` in printed programs: the rules' math namespace on floats or numpy arrays."""

    def __init__(self) -> None:
        for name in ops.MATH:
            setattr(self, name, _math_function(name))


def table(entries: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The entries as a dict, refusing a name given twice (one would silently hide the other)."""
    found: dict[str, Any] = {}
    for name, function in entries:
        if name in found:
            raise ValueError(f"the compiled vocabulary has two entries named {name!r}")
        found[name] = function
    return found


ENTRIES: tuple[tuple[str, Any], ...] = (
    (NAMESPACE, MathNamespace()),
    *((op.name, _op_function(op)) for op in ops.OPS.values()),
    *((family.__name__, _family_function(family)) for family in ops.FAMILIES.values()),
)
VOCABULARY: dict[str, Any] = table(ENTRIES)

globals().update(VOCABULARY)  # printed programs import them from here by name
