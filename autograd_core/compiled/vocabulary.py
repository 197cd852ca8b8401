"""The names printed programs call, derived from the op table: every op that code calls by name
(`tanh(v2)`, `div(v1, v3)`, `power(v0, 2.0)`) and the rules' math namespace (`step`, `pow`).

Each works on floats (one example: the op's own float form, the engine's very numbers) and on
numpy arrays (a batch: its batch form, with errors naming the batch element).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from .arrays import ARRAYS, batch_value


def _op_function(op: ops.Op | None) -> Callable[..., Any]:
    def function(*args: Any) -> Any:
        row = ops.power(args[-1]) if op is None else op
        inputs = args[:-1] if op is None else args
        if any(isinstance(a, np.ndarray) for a in inputs):
            return batch_value(row, *inputs)
        return row.value(*inputs)

    return function


def _math_function(name: str) -> Callable[..., Any]:
    on_floats, on_arrays = getattr(ops.FLOAT, name), getattr(ARRAYS, name)

    def function(*args: Any) -> Any:
        if any(isinstance(a, np.ndarray) for a in args):
            return on_arrays(*args)
        return on_floats(*args)

    return function


VOCABULARY: dict[str, Callable[..., Any]] = {name: _math_function(name) for name in ops.MATH}
VOCABULARY.update({op.name: _op_function(op) for op in ops.OPS.values()})  # an op's own name
VOCABULARY["power"] = _op_function(None)  # power(x, n): the `x ** n` rows

globals().update(VOCABULARY)  # printed programs import them from here by name
