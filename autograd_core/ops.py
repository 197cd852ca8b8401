"""The op table: each op's value and its local derivatives, defined once.

`value` takes floats and returns a float, raising a clear error outside the op's domain.
`local_grads(out, *inputs)` returns d(out)/d(input) for each input. It is written with
operators and the helpers below only, so the same rule runs on floats (a normal backward pass)
and on Values (a create-graph pass, which is how higher-order derivatives come for free).

Both also accept numpy arrays (one number per example of a batch), which is how a compiled
program (`autograd_core.compiled`) replays a graph over a whole batch. The float path is
checked first and stays the fast one; errors on arrays name the op and the offending element.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    value: Callable[..., float]
    local_grads: Callable[..., tuple]


# --- helpers that work on a float, a Value or a numpy array -----------------------------------


def _data(x) -> float:
    if isinstance(x, float):
        return x
    return x if isinstance(x, np.ndarray) else x.data


def _ln(x):
    if isinstance(x, float):
        return math.log(x)
    return np.log(x) if isinstance(x, np.ndarray) else x.log()


def _sin(x):
    if isinstance(x, float):
        return math.sin(x)
    return np.sin(x) if isinstance(x, np.ndarray) else x.sin()


def _cos(x):
    if isinstance(x, float):
        return math.cos(x)
    return np.cos(x) if isinstance(x, np.ndarray) else x.cos()


def _step(x) -> float:
    """d relu / dx: 1 above zero, 0 at and below (a constant, so its own derivative is 0)."""
    if isinstance(x, float):
        return 1.0 if x > 0 else 0.0
    d = _data(x)
    if isinstance(d, float):
        return 1.0 if d > 0 else 0.0
    return (d > 0) * 1.0  # an array: 1.0 or 0.0 per element


def _sign(x) -> float:
    d = x if isinstance(x, float) else _data(x)
    if isinstance(d, float):
        return 1.0 if d > 0 else -1.0 if d < 0 else 0.0
    return (d > 0) * 1.0 - (d < 0) * 1.0


def _power(x, n: float):
    """x ** n, but +inf where a float x is 0 and n < 0: a derivative that blows up, not an error."""
    if isinstance(x, float) and x == 0.0 and n < 0:
        return math.inf
    return x**n


# --- values, with errors that name the op and the number -------------------------------------


def _first(mask, *arrays) -> tuple | None:
    """The first batch element where `mask` holds: (its index, each array's number there)."""
    if not np.any(mask):
        return None
    i = int(np.argmax(mask))
    return (i, *(float(np.broadcast_to(x, np.shape(mask)).flat[i]) for x in arrays))


def _checked(name: str, fn: Callable[[float], float], array_fn: Callable) -> Callable:
    def value(a):
        if not isinstance(a, float):
            return _checked_array(name, array_fn, a)
        try:
            return fn(a)
        except OverflowError:
            raise OverflowError(f"{name}() overflows a float at {a!r}") from None
        except ValueError:
            raise ValueError(f"{name}() is undefined at {a!r}") from None

    value.__name__ = name
    return value


def _checked_array(name: str, array_fn: Callable, a: np.ndarray) -> np.ndarray:
    """`array_fn(a)`, with the float path's errors: inf from a finite input, nan from a number."""
    with np.errstate(all="ignore"):
        out = array_fn(a)
    if bad := _first(np.isinf(out) & np.isfinite(a), a):
        raise OverflowError(f"{name}() overflows a float at {bad[1]!r} (batch element {bad[0]})")
    if bad := _first(np.isnan(out) & ~np.isnan(a), a):
        raise ValueError(f"{name}() is undefined at {bad[1]!r} (batch element {bad[0]})")
    return out


def _log(a: float) -> float:
    if not isinstance(a, float):
        if bad := _first(a <= 0, a):
            raise ValueError(
                f"log() needs a positive input, got {bad[1]!r} (batch element {bad[0]})"
            )
        return np.log(a)
    if a <= 0:
        raise ValueError(f"log() needs a positive input, got {a!r}")
    return math.log(a)


def _sqrt(a: float) -> float:
    if not isinstance(a, float):
        if bad := _first(a < 0, a):
            raise ValueError(
                f"sqrt() needs a non-negative input, got {bad[1]!r} (batch element {bad[0]})"
            )
        return np.sqrt(a)
    if a < 0:
        raise ValueError(f"sqrt() needs a non-negative input, got {a!r}")
    return math.sqrt(a)


def _tanh(a: float) -> float:
    return math.tanh(a) if isinstance(a, float) else np.tanh(a)


def _relu(a: float) -> float:
    if isinstance(a, float):
        return a if a > 0 else 0.0
    return np.fmax(a, 0.0)  # as the float path: NaN gives 0.0


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)  # this branch never overflows for very negative a
    return e / (1.0 + e)


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(a))  # exp(-a) where a >= 0 and exp(a) below: the float path's two branches
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _divide(a: float, b: float) -> float:
    if not isinstance(b, float):
        if bad := _first(b == 0, a, b):
            raise ZeroDivisionError(
                f"division by zero: {bad[1]!r} / {bad[2]!r} (batch element {bad[0]})"
            )
        return a / b
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _pow_number(a: float, n: float) -> float:
    if not isinstance(a, float):
        return _pow_array(a, n)
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"0.0 ** {n!r} divides by zero")
    if a < 0 and not float(n).is_integer():
        raise ValueError(f"a negative base {a!r} needs an integer exponent, got {n!r}")
    try:
        return a**n
    except OverflowError:
        raise OverflowError(f"{a!r} ** {n!r} overflows a float") from None


def _pow_array(a, n) -> np.ndarray:
    """`_pow_number` on a batch: the same three errors, naming the first offending element."""
    if bad := _first((a == 0) & (n < 0), a, n):
        raise ZeroDivisionError(f"0.0 ** {bad[2]!r} divides by zero (batch element {bad[0]})")
    if bad := _first((a < 0) & (np.floor(n) != n), a, n):
        raise ValueError(
            f"a negative base {bad[1]!r} needs an integer exponent, got {bad[2]!r} "
            f"(batch element {bad[0]})"
        )
    with np.errstate(all="ignore"):
        out = np.power(a, n)
    if bad := _first(np.isinf(out) & np.isfinite(a) & np.isfinite(n), a, n):
        raise OverflowError(f"{bad[1]!r} ** {bad[2]!r} overflows a float (batch element {bad[0]})")
    return out


def _pow_value(a: float, b: float) -> float:
    if isinstance(a, float):
        if a <= 0:
            _bad_pow_base(a)
        if not isinstance(b, float):  # one base, an exponent per example
            return _pow_array(a, b)
    elif bad := _first(a <= 0, a):
        _bad_pow_base(bad[1])
    return _pow_number(a, b)


def _bad_pow_base(a: float) -> None:
    raise ValueError(
        f"x ** y with a Value exponent needs a positive base (d/dy is log(x)), got {a!r}; "
        "use a plain number exponent for other bases"
    )


# --- the table -------------------------------------------------------------------------------

# operator.add and friends are a + b etc. in C: the hottest rows skip a Python call.
ADD = Op("+", operator.add, lambda out, a, b: (1.0, 1.0))
SUB = Op("-", operator.sub, lambda out, a, b: (1.0, -1.0))
MUL = Op("*", operator.mul, lambda out, a, b: (b, a))
DIV = Op("/", _divide, lambda out, a, b: (1 / b, -out / b))
POW = Op("**", _pow_value, lambda out, a, b: (b * a ** (b - 1), out * _ln(a)))
NEG = Op("neg", operator.neg, lambda out, a: (-1.0,))
IDENTITY = Op("id", lambda a: a, lambda out, a: (1.0,))
EXP = Op("exp", _checked("exp", math.exp, np.exp), lambda out, a: (out,))
LOG = Op("log", _log, lambda out, a: (1 / a,))
TANH = Op("tanh", _tanh, lambda out, a: (1 - out * out,))
SIGMOID = Op(
    "sigmoid", _checked("sigmoid", _sigmoid, _sigmoid_array), lambda out, a: (out * (1 - out),)
)
RELU = Op("relu", _relu, lambda out, a: (_step(a),))
SIN = Op("sin", _checked("sin", math.sin, np.sin), lambda out, a: (_cos(a),))
COS = Op("cos", _checked("cos", math.cos, np.cos), lambda out, a: (-_sin(a),))
SQRT = Op("sqrt", _sqrt, lambda out, a: (0.5 * _power(out, -1),))
ABS = Op("abs", abs, lambda out, a: (_sign(a),))


@lru_cache(maxsize=256)
def power(n: float) -> Op:
    """x ** n for a fixed number n: the exponent is part of the op, not an input."""
    return Op(f"**{n:g}", lambda a: _pow_number(a, n), lambda out, a: (n * _power(a, n - 1),))


OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, POW, NEG, IDENTITY, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS)
    + (SQRT, ABS)
}
