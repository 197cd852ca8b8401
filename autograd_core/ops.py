"""The op table: each op's value and local derivatives, written once as `Op(name, value, rule)`.
Adding an op is one row here (and its place in `OPS`), one `Value` method line, one test row.

`value(*inputs)` is the op on floats: outside its domain an error names the op and the number
(`log() needs a positive input, got -1.0`); NaN and inf give IEEE results. `rule(m, out, *inputs)`
gives d(out)/d(input) per input, with arithmetic and the namespace `m` only (`m.cos(a)`): `FLOAT`
below for backward, Values for create-graph (so higher derivatives come free), arrays for
compile, symbols for printed formulas. A rule never asks what it holds.

Power has one name per meaning: the row `POW` ("pow") is `x ** y` with a Value exponent,
`power(n)` the rows of `x ** n` for a number n (both raise as Python does, with the numbers),
and `m.pow` the namespaces' IEEE power (inf and nan instead of errors), which create-graph
passes record as `IEEE_POW` and `ieee_power(n)` ("ieee_pow") rows, so they replay as made."""

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
    operator code writes (`x / y`), `n` the number baked into `x ** n` (a family of rows, one
    per exponent: `power(n)`, `ieee_power(n)`).

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by name (rows hold lambdas), so it unpickles to the table's very row."""
        return (row, (self.name,) if self.n is None else (self.name, self.n))


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


def _ieee_pow(x: float, n: float) -> float:
    """x ** n as IEEE 754's pow: inf where Python's operator raises (0 ** -1, overflow), nan
    for a complex result. The namespaces' `pow`, and the rows create-graph passes record."""
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


MATH = ("pow", "log", "sin", "cos", "sigmoid", "step", "sign")
"""The names the rules call on `m`, which every namespace has (a test runs the rules to check)."""


class FLOAT:
    """The namespace `m` on floats: IEEE results (inf, nan), never an error."""

    pow = staticmethod(_ieee_pow)
    log = _ieee(math.log)
    sin = _ieee(math.sin)
    cos = _ieee(math.cos)
    sigmoid = staticmethod(_sigmoid)

    @staticmethod
    def step(a: float) -> float:
        """relu's slope: 1 above 0, else 0 (a constant: its own derivative is 0)."""
        return 1.0 if a > 0 else 0.0

    @staticmethod
    def sign(a: float) -> float:
        """abs's slope: -1, 0 or 1 (a constant)."""
        return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


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


def _power(a: float, n: float) -> float:
    """a ** n, or the error that names the op and the numbers (x ** n and x ** y)."""
    if a == 0 and n < 0:
        raise ZeroDivisionError(f"0.0 ** {n!r} divides by zero")
    if -math.inf < a < 0 and not float(n).is_integer():
        raise ValueError(f"a negative base {a!r} needs an integer exponent, got {n!r}")
    try:
        return float(a**n)
    except OverflowError:
        raise OverflowError(f"{a!r} ** {n!r} overflows a float") from None


def _pow(a: float, b: float) -> float:
    """x ** y with a Value exponent y: its derivative d/dy is out * log(x), so x > 0."""
    if -math.inf < a <= 0:
        raise ValueError(
            f"x ** y with a Value exponent needs a positive base (d/dy is log(x)), got {a!r}; "
            "use a plain number exponent for other bases"
        )
    return _power(a, b)


def _batch_sigmoid(xp: Any, a: Any) -> Any:
    e = xp.exp(-xp.abs(a))  # exp(-a) where a >= 0 and exp(a) below, as the float form
    return xp.where(a >= 0, 1.0, e) / (1.0 + e)  # 1 / (1 + e) or e / (1 + e): one division


def _softplus(a: float) -> float:
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))  # log(1 + e^a), never overflowing


# --- the table ------------------------------------------------------------------------------

_exp = _checked("exp", math.exp)
_log = _checked("log", math.log, "a positive input", lambda a: a > 0)
_log1p = _checked("log1p", math.log1p, "an input above -1", lambda a: a > -1)
_sqrt = _checked("sqrt", math.sqrt, "a non-negative input", lambda a: a >= 0)


def _pow_rule(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """d(a ** b)/da and d(a ** b)/db."""
    return b * m.pow(a, b - 1), out * m.log(a)


def _power_rule(n: float) -> Rule:
    """d(a ** n)/da for a fixed n; (x ** 0)' is 0, even at 0."""
    return lambda m, out, a: (n * m.pow(a, n - 1) if n else 0.0,)


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
# x ** y needs x > 0 (d/dy is log x): other finite bases become nan in a batch, which the check
# reports.
POW = Op("pow", 2, _pow, _pow_rule,
         lambda xp, a, b: xp.pow(xp.where((a <= 0) & (a > -xp.inf), xp.nan, a), b),
         raises=True, infix="**")
# The same with IEEE's inf and nan for errors: what `m.pow` records in a create-graph pass.
IEEE_POW = Op("ieee_pow", 2, _ieee_pow, _pow_rule, lambda xp, a, b: xp.pow(a, b), infix="**")
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
SQRT = Op("sqrt", 1, _sqrt, lambda m, out, a: (0.5 * m.pow(a, -0.5),),  # +inf at 0 and -0
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
    for op in (ADD, SUB, MUL, DIV, POW, IEEE_POW, NEG, IDENTITY, EXP, LOG, TANH, SIGMOID, RELU)
    + (SIN, COS, SQRT, ABS, SOFTPLUS, LOG1P, MAXIMUM)
}
"""Every row above by name. `x ** n` is a family, one row per exponent: `power(n)`."""


@lru_cache(maxsize=256)
def power(n: float) -> Op:
    """x ** n for a fixed number n: the exponent is part of the op, not an input.

    >>> power(2).value(3.0), power(2).rule(FLOAT, 9.0, 3.0)
    (9.0, (6.0,))
    """
    return Op(
        "power",
        1,
        lambda a: _power(a, n),
        _power_rule(n),
        lambda xp, a: xp.pow(xp.where((a != 0) | (n >= 0), a, xp.nan), n),
        raises=True,
        n=n,
    )


@lru_cache(maxsize=256)
def ieee_power(n: float) -> Op:
    """x ** n with IEEE's inf and nan for errors: what `m.pow(x, n)` records in a create-graph
    pass, so a derivative at an edge (sqrt's at 0 is inf) replays as it was computed.

    >>> ieee_power(-1).value(0.0), power(-1).symbol == ieee_power(-1).symbol
    (inf, True)
    """
    return Op(
        "ieee_pow", 1, lambda a: _ieee_pow(a, n), _power_rule(n), lambda xp, a: xp.pow(a, n), n=n
    )


FAMILIES: dict[str, Callable[[float], Op]] = {"power": power, "ieee_pow": ieee_power}
"""The rows made per exponent, by name."""


def row(name: str, n: float | None = None) -> Op:
    """The table's row called `name`; with `n`, that family's row (`row("power", 2)` is
    `power(2)`). How a pickled op finds its very row again.

    >>> row("mul") is MUL, row("power", 2) is power(2)
    (True, True)
    """
    return OPS[name] if n is None else FAMILIES[name](n)
