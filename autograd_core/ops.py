"""The op table: each op's value and local derivatives, written once as `Op(name, value, rule)`.
Adding an op is one row here, one `Value` method line, one test row.

`value(*inputs)` is the op on floats: outside its domain an error names the op and the number
(`log() needs a positive input, got -1.0`); NaN and inf give IEEE results. `rule(m, out, *inputs)`
gives d(out)/d(input) per input, with arithmetic and the namespace `m` only (`m.cos(a)`): `FLOAT`
below for backward, Values for create-graph (so higher derivatives come free), arrays for
compile, symbols for printed formulas. A rule never asks what it holds."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Rule = Callable[..., tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Op:
    """One row of the table.

    `name` is how code calls the op (`tanh(x)`), `arity` its number of inputs, `value` the op on
    floats, `rule` its local derivatives over a namespace `m`, `batch(xp, *arrays)` the op on a
    batch of arrays of the Array API namespace `xp`, and `raises` whether the float form can raise
    on finite inputs (then a batch's non-finite results are checked against it). `infix` is the
    operator code writes (`x / y`), `n` the number baked into `x ** n` (the `power` family).

    >>> OPS["mul"].value(2.0, 3.0), OPS["mul"].rule(FLOAT, 6.0, 2.0, 3.0)
    (6.0, (3.0, 2.0))
    >>> str(OPS["div"]), OPS["tanh"].symbol, power(2).symbol
    ('/', 'tanh', '**2')
    """

    name: str
    arity: int
    value: Callable[..., float]
    rule: Rule
    batch: Callable[..., Any]
    raises: bool = False
    infix: str = ""
    n: float | None = None

    @property
    def symbol(self) -> str:
        """What drawings show: '+', '/', '**2', 'tanh'."""
        return f"**{self.n:g}" if self.n is not None else self.infix or self.name

    def __str__(self) -> str:
        return self.symbol

    def __repr__(self) -> str:
        return f"Op({self.symbol!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by name: rows hold lambdas
        return (power, (self.n,)) if self.n is not None else (row, (self.name,))


def _ieee(fn: Callable[[float], float]) -> Callable[[float], float]:
    """`fn` as the namespace `FLOAT` needs it: IEEE results (inf, nan), never an exception."""

    def ieee(x: float) -> float:
        try:
            return fn(x)
        except OverflowError:
            return math.inf
        except ValueError:  # cos(inf), log(-1): not a number
            return math.nan

    return ieee


def _pow(x: float, n: float) -> float:
    """x ** n, with inf where the float operator raises (0 ** -1, overflow), nan for complex."""
    try:
        out = x**n
    except (ZeroDivisionError, OverflowError):
        odd = float(n).is_integer() and n % 2 == 1
        return -math.inf if odd and math.copysign(1.0, x) < 0 else math.inf
    return out if isinstance(out, float | int) else math.nan


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)  # this branch never overflows for very negative a
    return e / (1.0 + e)


MATH = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "pow", "step", "sign")  # every `m` has these


class FLOAT:
    """The namespace `m` on floats."""

    exp, log, sin, cos = _ieee(math.exp), _ieee(math.log), _ieee(math.sin), _ieee(math.cos)
    tanh, sigmoid, pow = staticmethod(math.tanh), staticmethod(_sigmoid), staticmethod(_pow)

    step = staticmethod(lambda a: 1.0 if a > 0 else 0.0)  # relu's slope, a constant
    sign = staticmethod(lambda a: 1.0 if a > 0 else -1.0 if a < 0 else 0.0)


def _checked(name: str, fn: Callable[[float], float], need: str = "", ok: Any = None) -> Any:
    """`fn` with the op's errors: an input outside `ok` needs `need`; overflow is an error."""

    def value(a: float) -> float:
        if ok is not None and not ok(a) and math.isfinite(a):
            raise ValueError(f"{name}() needs {need}, got {a!r}")
        try:
            return fn(a)
        except OverflowError:
            raise OverflowError(f"{name}() overflows a float at {a!r}") from None
        except ValueError:  # a non-finite input: IEEE gives nan
            return math.nan

    return value


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _power_value(a: float, n: float, positive: bool = False) -> float:
    """a ** n; `positive` for x ** y with a Value y, whose derivative d/dy is out * log(x)."""
    if positive and -math.inf < a <= 0:
        raise ValueError(
            f"x ** y with a Value exponent needs a positive base (d/dy is log(x)), got {a!r}; "
            "use a plain number exponent for other bases"
        )
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"0.0 ** {n!r} divides by zero")
    if -math.inf < a < 0 and not float(n).is_integer():
        raise ValueError(f"a negative base {a!r} needs an integer exponent, got {n!r}")
    try:
        return float(a**n)
    except OverflowError:
        raise OverflowError(f"{a!r} ** {n!r} overflows a float") from None


def _batch_sigmoid(xp: Any, a: Any) -> Any:
    e = xp.exp(-xp.abs(a))  # exp(-a) where a >= 0 and exp(a) below, as the float form
    return xp.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(a: float) -> float:
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))  # log(1 + e^a), never overflowing


# --- the table ------------------------------------------------------------------------------

_exp = _checked("exp", math.exp)
_log = _checked("log", math.log, "a positive input", lambda a: a > 0)
_log1p = _checked("log1p", math.log1p, "an input above -1", lambda a: a > -1)
_sqrt = _checked("sqrt", math.sqrt, "a non-negative input", lambda a: a >= 0)

# operator.add and friends are a + b etc. in C: the hottest rows skip a Python call.
# fmt: off
ADD = Op("add", 2, operator.add, lambda m, out, a, b: (1.0, 1.0),
         lambda xp, a, b: a + b, infix="+")
SUB = Op("sub", 2, operator.sub, lambda m, out, a, b: (1.0, -1.0),
         lambda xp, a, b: a - b, infix="-")
MUL = Op("mul", 2, operator.mul, lambda m, out, a, b: (b, a),
         lambda xp, a, b: a * b, infix="*")
DIV = Op("div", 2, _divide, lambda m, out, a, b: (1 / b, -out / b),
         lambda xp, a, b: a / b, raises=True, infix="/")
# x ** y needs x > 0 (d/dy is log x): other bases become nan in a batch, which the check reports.
POW = Op("pow_value", 2, lambda a, b: _power_value(a, b, positive=True),
         lambda m, out, a, b: (b * m.pow(a, b - 1), out * m.log(a)),
         lambda xp, a, b: xp.pow(xp.where(a > 0, a, xp.nan), b), raises=True, infix="**")
NEG = Op("neg", 1, operator.neg, lambda m, out, a: (-1.0,), lambda xp, a: -a)
IDENTITY = Op("id", 1, lambda a: a, lambda m, out, a: (1.0,), lambda xp, a: a + 0.0)
EXP = Op("exp", 1, _exp, lambda m, out, a: (out,), lambda xp, a: xp.exp(a), raises=True)
LOG = Op("log", 1, _log, lambda m, out, a: (1 / a,), lambda xp, a: xp.log(a), raises=True)
TANH = Op("tanh", 1, math.tanh, lambda m, out, a: (1 - out * out,), lambda xp, a: xp.tanh(a))
SIGMOID = Op("sigmoid", 1, _sigmoid, lambda m, out, a: (out * (1 - out),), _batch_sigmoid)
RELU = Op("relu", 1, lambda a: 0.0 if a <= 0 else a, lambda m, out, a: (m.step(a),),  # nan: nan
          lambda xp, a: xp.maximum(a, 0.0) + 0.0)  # + 0.0: relu(-0.0) is 0.0, as on floats
SIN = Op("sin", 1, FLOAT.sin, lambda m, out, a: (m.cos(a),), lambda xp, a: xp.sin(a))
COS = Op("cos", 1, FLOAT.cos, lambda m, out, a: (-m.sin(a),), lambda xp, a: xp.cos(a))
SQRT = Op("sqrt", 1, _sqrt, lambda m, out, a: (0.5 * m.pow(out, -1),),
          lambda xp, a: xp.sqrt(a), raises=True)
ABS = Op("abs", 1, abs, lambda m, out, a: (m.sign(a),), lambda xp, a: xp.abs(a))
SOFTPLUS = Op("softplus", 1, _softplus, lambda m, out, a: (m.sigmoid(a),),
              lambda xp, a: xp.maximum(a, 0.0) + xp.log1p(xp.exp(-xp.abs(a))))
LOG1P = Op("log1p", 1, _log1p, lambda m, out, a: (1 / (1 + a),),
           lambda xp, a: xp.log1p(a), raises=True)
MAXIMUM = Op("maximum", 2, lambda a, b: a if a >= b or a != a else b,  # NaN wins, ties share
             lambda m, out, a, b: ((1 + m.sign(a - b)) / 2, (1 - m.sign(a - b)) / 2),
             lambda xp, a, b: xp.maximum(a, b))
# fmt: on

OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, POW, NEG, IDENTITY, EXP, LOG, TANH, SIGMOID, RELU, SIN, COS)
    + (SQRT, ABS, SOFTPLUS, LOG1P, MAXIMUM)
}
"""Every row above by name; the `power` family (one op per exponent) comes from `power(n)`."""


def row(name: str) -> Op:
    """The table's row called `name` (how a pickled op finds its row again)."""
    return OPS[name]


@lru_cache(maxsize=256)
def power(n: float) -> Op:
    """x ** n for a fixed number n: the exponent is part of the op, not an input."""
    return Op(
        "power",
        1,
        lambda a: _power_value(a, n),
        lambda m, out, a: (n * m.pow(a, n - 1) if n else 0.0,),  # (x ** 0)' is 0, even at 0
        lambda xp, a: xp.pow(xp.where((a != 0) | (n >= 0), a, xp.nan), n),
        raises=True,
        n=n,
    )
