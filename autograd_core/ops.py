"""The op table: each op's value and its local derivatives, defined once.

`value` takes floats and returns a float, raising a clear error outside the op's domain.
`local_grads(out, *inputs)` returns d(out)/d(input) for each input. It is written with
operators and the helpers below only, so the same rule runs on floats (a normal backward pass)
and on Values (a create-graph pass, which is how higher-order derivatives come for free).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    value: Callable[..., float]
    local_grads: Callable[..., tuple]


# --- helpers that work on a float or a Value -------------------------------------------------


def _data(x) -> float:
    return x if isinstance(x, float) else x.data


def _ln(x):
    return math.log(x) if isinstance(x, float) else x.log()


def _sin(x):
    return math.sin(x) if isinstance(x, float) else x.sin()


def _cos(x):
    return math.cos(x) if isinstance(x, float) else x.cos()


def _step(x) -> float:
    """d relu / dx: 1 above zero, 0 at and below (a constant, so its own derivative is 0)."""
    return 1.0 if _data(x) > 0 else 0.0


def _sign(x) -> float:
    d = _data(x)
    return 1.0 if d > 0 else -1.0 if d < 0 else 0.0


def _power(x, n: float):
    """x ** n, but +inf where a float x is 0 and n < 0: a derivative that blows up, not an error."""
    if isinstance(x, float) and x == 0.0 and n < 0:
        return math.inf
    return x**n


# --- values, with errors that name the op and the number -------------------------------------


def _checked(name: str, fn: Callable[[float], float]) -> Callable[[float], float]:
    def value(a: float) -> float:
        try:
            return fn(a)
        except OverflowError:
            raise OverflowError(f"{name}() overflows a float at {a!r}") from None
        except ValueError:
            raise ValueError(f"{name}() is undefined at {a!r}") from None

    value.__name__ = name
    return value


def _log(a: float) -> float:
    if a <= 0:
        raise ValueError(f"log() needs a positive input, got {a!r}")
    return math.log(a)


def _sqrt(a: float) -> float:
    if a < 0:
        raise ValueError(f"sqrt() needs a non-negative input, got {a!r}")
    return math.sqrt(a)


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)  # this branch never overflows for very negative a
    return e / (1.0 + e)


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _pow_number(a: float, n: float) -> float:
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"0.0 ** {n!r} divides by zero")
    if a < 0 and not float(n).is_integer():
        raise ValueError(f"a negative base {a!r} needs an integer exponent, got {n!r}")
    try:
        return a**n
    except OverflowError:
        raise OverflowError(f"{a!r} ** {n!r} overflows a float") from None


def _pow_value(a: float, b: float) -> float:
    if a <= 0:
        raise ValueError(
            f"x ** y with a Value exponent needs a positive base (d/dy is log(x)), got {a!r}; "
            "use a plain number exponent for other bases"
        )
    return _pow_number(a, b)


# --- the table -------------------------------------------------------------------------------

ADD = Op("+", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0))
SUB = Op("-", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0))
MUL = Op("*", lambda a, b: a * b, lambda out, a, b: (b, a))
DIV = Op("/", _divide, lambda out, a, b: (1 / b, -out / b))
POW = Op("**", _pow_value, lambda out, a, b: (b * a ** (b - 1), out * _ln(a)))
NEG = Op("neg", lambda a: -a, lambda out, a: (-1.0,))
IDENTITY = Op("id", lambda a: a, lambda out, a: (1.0,))
EXP = Op("exp", _checked("exp", math.exp), lambda out, a: (out,))
LOG = Op("log", _log, lambda out, a: (1 / a,))
TANH = Op("tanh", math.tanh, lambda out, a: (1 - out * out,))
SIGMOID = Op("sigmoid", _checked("sigmoid", _sigmoid), lambda out, a: (out * (1 - out),))
RELU = Op("relu", lambda a: a if a > 0 else 0.0, lambda out, a: (_step(a),))
SIN = Op("sin", _checked("sin", math.sin), lambda out, a: (_cos(a),))
COS = Op("cos", _checked("cos", math.cos), lambda out, a: (-_sin(a),))
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
