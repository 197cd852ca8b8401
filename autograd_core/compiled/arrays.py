"""The op table on arrays: each op's batch form, its errors per batch element, and the math
namespace `m` on arrays, which the op rules use for a batch's backward pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops

Array = np.ndarray


def _sigmoid(a: Array) -> Array:
    e = np.exp(-np.abs(a))  # exp(-a) where a >= 0 and exp(a) below: the float path's two branches
    out: Array = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out


def _pow(x: Any, n: Any) -> Any:
    with np.errstate(all="ignore"):
        return np.power(x, n)


class ARRAYS:
    """The namespace `m` on numpy arrays (one number per example), IEEE-style as `ops.FLOAT`."""

    exp, log, sin, cos, tanh = np.exp, np.log, np.sin, np.cos, np.tanh
    sigmoid, pow = staticmethod(_sigmoid), staticmethod(_pow)

    @staticmethod
    def step(a: Array) -> Array:
        return (a > 0) * 1.0

    @staticmethod
    def sign(a: Array) -> Array:
        return np.sign(a) * 1.0  # type: ignore[no-any-return]


# Fast batch forms, where numpy has one. An op without one still runs, an element at a time.
_FORMS: dict[str, Callable[..., Array]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "neg": np.negative,
    "id": np.positive,
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda a: np.maximum(a, 0.0) + 0.0,  # + 0.0: relu(-0.0) is 0.0, as on floats
    "sin": np.sin,
    "cos": np.cos,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "maximum": np.maximum,
    "softplus": lambda a: np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a))),
    # x ** y needs x > 0 (d/dy is log x): other bases become nan, which the check reports.
    "pow_value": lambda a, b: np.power(np.where(a > 0, a, np.nan), b),
}


def batch_value(op: ops.Op, *args: Any) -> Any:
    """`op` over a batch: its value where every input is finite is the float form's, and where
    the float form raises, this raises the same error, naming the first such batch element."""
    form = _FORMS.get(op.name)
    if op.n is not None:
        n = op.n
        form = lambda a: np.power(np.where((a != 0) | (n >= 0), a, np.nan), n)  # noqa: E731
    if form is None:
        return _elementwise(op, args)
    with np.errstate(all="ignore"):
        out = form(*args)
    if np.isfinite(out).all():
        return out
    flagged = ~np.isfinite(out)
    for a in args:
        flagged = flagged & np.isfinite(a)
    if flagged.any():
        _raise_where_floats_do(op, args, np.flatnonzero(np.broadcast_to(flagged, np.shape(out))))
    return out


def _elementwise(op: ops.Op, args: tuple[Any, ...]) -> Array:
    """An op with no batch form, one element at a time."""
    columns = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    out = np.empty(columns[0].shape)
    for i, numbers in enumerate(zip(*(c.flat for c in columns))):
        out.flat[i] = _at(op, [float(x) for x in numbers], i)
    return out


def _raise_where_floats_do(op: ops.Op, args: tuple[Any, ...], elements: Array) -> None:
    """Run the float form at each element a batch form made non-finite from finite inputs:
    the first where it raises gives the engine's own error, plus which batch element."""
    columns = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    for i in elements.tolist():
        _at(op, [float(c.flat[i]) for c in columns], i)


def _at(op: ops.Op, numbers: list[float], i: int) -> float:
    try:
        return op.value(*numbers)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{error} (batch element {i})") from None
