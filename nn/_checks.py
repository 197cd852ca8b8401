"""Argument checks shared by the nn modules, with errors that name what is expected."""

from __future__ import annotations

import math
import numbers


def positive_int(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def is_number(x: object) -> bool:
    """A real number that is not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def finite_nonnegative(x: object, what: str) -> float:
    if not is_number(x):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}")
    if not 0 <= x < math.inf:
        raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    return float(x)
