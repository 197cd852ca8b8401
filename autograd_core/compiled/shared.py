"""Small helpers the compiled modules share: numbers compared as the engine's, and index arrays
as slices (a view of an array, no copy)."""

from __future__ import annotations

import numpy as np

Rows = slice | np.ndarray


def same(a: float, b: float) -> bool:
    """The same number, NaN included."""
    return a == b or (a != a and b != b)


def is_number(x: object, number: float) -> bool:
    """Whether `x` is a plain number equal to `number` (not an array)."""
    return isinstance(x, int | float) and x == number


def as_slice(idx: np.ndarray) -> Rows:
    """The indices `idx` as a slice (a view, no copy) when they are evenly spaced and rising,
    else as they are."""
    if len(idx) == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    if len(idx) == 0:
        return idx
    step = int(idx[1] - idx[0])
    if step > 0 and (np.diff(idx) == step).all():
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


def covers(rows: Rows, n: int) -> bool:
    """Whether `rows` are all of 0..n-1, in order."""
    return isinstance(rows, slice) and rows.indices(n) == (0, n, 1) and rows.stop == n
