"""The op table on arrays: each op's batch form, its errors per batch element, and the math
namespace `m` on arrays, which the op rules use for a batch's backward pass.

Arrays are numpy's by default, or any Array API library's (torch, CuPy, ...): `xp` is the
library's namespace, from array-api-compat.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from .. import ops

Array = Any  # an array of numpy or of another Array API library


def namespace(*arrays: Any) -> Any:
    """The Array API namespace of the arrays given: numpy for numpy arrays and numbers, else
    the library's, through array-api-compat (an optional dependency, needed only then)."""
    foreign = [
        a for a in arrays if hasattr(a, "shape") and not isinstance(a, np.ndarray | np.generic)
    ]
    if not foreign:
        return np
    try:
        from array_api_compat import array_namespace
    except ImportError:
        raise ImportError(
            f"compile got {type(foreign[0]).__name__} arrays; other array libraries than numpy "
            'need array-api-compat: pip install "autograd-core[array-api]"'
        ) from None
    return array_namespace(*foreign)


@cache
def math_of(xp: Any) -> Any:
    """The namespace `m` on `xp`'s arrays (one number per example), IEEE-style as `ops.FLOAT`."""

    class M:
        exp, log, sin, cos, tanh = xp.exp, xp.log, xp.sin, xp.cos, xp.tanh

        @staticmethod
        def sigmoid(a: Array) -> Array:
            return ops.SIGMOID.batch(xp, a)

        @staticmethod
        def pow(a: Array, n: Any) -> Array:
            with np.errstate(all="ignore"):
                return xp.pow(a, n)

        @staticmethod
        def step(a: Array) -> Array:
            return a > 0  # booleans: a product with them is 0.0 or the other number

        @staticmethod
        def sign(a: Array) -> Array:
            return (a > 0) * 1.0 - (a < 0) * 1.0  # 0 at nan, as on floats (xp.sign: nan)

    return M


ARRAYS = math_of(np)
"""The namespace `m` on numpy arrays."""


def batch_function(op: ops.Op, xp: Any = np) -> Callable[..., Any]:
    """`op`'s batch form (its row's `batch`) on `xp`'s arrays, with the float form's errors
    where it can raise (see `batch_value`)."""
    form = op.batch
    if not op.raises:
        return lambda *args: form(xp, *args)
    return lambda *args: _checked(op, form, args, xp)


def batch_value(op: ops.Op, *args: Any) -> Any:
    """`op` over a batch: its value where every input is finite is the float form's, and where
    the float form raises, this raises the same error, naming the first such batch element."""
    return batch_function(op, namespace(*args))(*args)


def _checked(op: ops.Op, form: Callable[..., Any], args: tuple[Any, ...], xp: Any) -> Any:
    with np.errstate(all="ignore"):
        out = form(xp, *args)
    if xp.all(xp.isfinite(out)):
        return out
    flagged = ~xp.isfinite(out)
    for a in args:
        flagged = flagged & xp.isfinite(xp.asarray(a))
    if xp.any(flagged):
        flat = np.asarray(_to_numpy(flagged)).reshape(-1)
        _raise_where_floats_do(op, args, np.flatnonzero(flat))
    return out


def _to_numpy(a: Any) -> np.ndarray:
    """A host numpy copy of an array of any library (for errors and the elementwise path)."""
    if isinstance(a, np.ndarray | float | int):
        return np.asarray(a, dtype=float)
    a = a.cpu() if hasattr(a, "cpu") else a  # torch on a GPU
    return np.asarray(a.detach() if hasattr(a, "detach") else a, dtype=float)


def _raise_where_floats_do(op: ops.Op, args: tuple[Any, ...], elements: np.ndarray) -> None:
    """Run the float form at each element a batch form made non-finite from finite inputs:
    the first where it raises gives the engine's own error, plus which batch element."""
    columns = np.broadcast_arrays(*[_to_numpy(a) for a in args])
    for i in elements.tolist():
        _at(op, [float(c.flat[i]) for c in columns], i)


def _at(op: ops.Op, numbers: list[float], i: int) -> float:
    try:
        return op.value(*numbers)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{error} (batch element {i})") from None
