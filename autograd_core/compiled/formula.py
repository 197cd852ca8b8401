"""Formulas: an op's rule run on symbols instead of numbers prints itself.

>>> from autograd_core import Value
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> n = x * w
>>> forward_formula(n, ["n", "x", "w"]), local_grad_formulas(n, ["n", "x", "w"])
('x * w', ('w', 'x'))
>>> local_grad_formulas(n.tanh(), ["o", "n"])
('1 - o * o',)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..ops import FAMILIES, MATH, Op
from ..value import Value

_ATOM, _POW, _UNARY, _MUL, _ADD = 5, 4, 3, 2, 1
_PRECEDENCE = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}


def _operator(symbol: str, swap: bool = False) -> Any:
    return lambda self, other: self._infix(symbol, other, swap)


class Symbol:
    """A piece of code and its precedence; arithmetic on Symbols writes code."""

    __slots__ = ("text", "prec", "code")

    def __init__(self, text: str, prec: int = _ATOM, code: bool = False) -> None:
        self.text, self.prec, self.code = text, prec, code

    def __str__(self) -> str:
        return self.text

    def _infix(self, symbol: str, other: object, swap: bool = False) -> Symbol:
        left, right = (self.literal(other), self) if swap else (self, self.literal(other))
        prec = _PRECEDENCE[symbol]
        right_first = symbol == "**"  # ** groups from the right, the others from the left
        lt = left.text if left.prec > prec or left.prec == prec and not right_first else None
        rt = right.text if right.prec > prec or right.prec == prec and right_first else None
        if right_first and right.prec == _UNARY:  # x ** -1 needs no parentheses
            rt = right.text
        text = f"{lt or f'({left.text})'} {symbol} {rt or f'({right.text})'}"
        return Symbol(text, prec, self.code)

    __add__, __radd__ = _operator("+"), _operator("+", swap=True)
    __sub__, __rsub__ = _operator("-"), _operator("-", swap=True)
    __mul__, __rmul__ = _operator("*"), _operator("*", swap=True)
    __truediv__, __rtruediv__ = _operator("/"), _operator("/", swap=True)
    __pow__ = _operator("**")

    def __neg__(self) -> Symbol:
        text = f"-{self.text}" if self.prec >= _UNARY else f"-({self.text})"
        return Symbol(text, _UNARY, self.code)

    def literal(self, x: object) -> Symbol:
        """A number as text: exact (it reads back as the same float) in code, short for readers."""
        if isinstance(x, Symbol):
            return x
        if type(x) is int:
            return Symbol(str(x), _UNARY if x < 0 else _ATOM, self.code)
        number = float(x)  # type: ignore[arg-type]
        if not math.isfinite(number):
            text = f"float({str(number)!r})" if self.code else str(number)
        elif not self.code and number.is_integer():
            text = str(int(number))
        else:
            text = repr(number)
        return Symbol(text, _UNARY if text.startswith("-") else _ATOM, self.code)

    def call(self, name: str, *args: object) -> Symbol:
        return Symbol(f"{name}({', '.join(self.literal(a).text for a in args)})", _ATOM, self.code)


NAMESPACE = "m"
"""What code calls the rules' math namespace, as the rules do: `m.cos(v0)`. Its functions are
IEEE-style (inf, nan) where an op of the same name raises, so code never calls them bare."""


class Symbols:
    """The math namespace `m` on Symbols: `m.cos(x)` is the text `cos(x)` for a reader, and
    `m.cos(x)` in code (`code=True`, for compiled programs), where `pow` is a call too (inf at
    `0 ** -1`, as the engine's derivative pass gives)."""

    def __init__(self, code: bool = False) -> None:
        self._prefix = f"{NAMESPACE}." if code else ""

    def __getattr__(self, name: str) -> Any:
        if name not in MATH:
            raise AttributeError(f"the math namespace has no {name!r} (it has {', '.join(MATH)})")
        return lambda *args: args[0].call(self._prefix + name, *args)

    def pow(self, x: Symbol, n: object) -> Symbol:
        return x.call(self._prefix + "pow", x, n) if self._prefix else x**n


def forward_symbol(op: Op, args: Sequence[Symbol]) -> Symbol:
    """The code computing `op` from `args`: `x * w`, `-x`, `tanh(n)`, `x ** 2`, read off the row.

    An op whose float form is plain arithmetic prints as that arithmetic: the float form runs
    on the symbols, as a rule does. Code writes it only for an op that never raises; it calls
    the others by name, so their errors read as the engine's (`division by zero: 1.0 / 0.0`).
    A reader sees `infix` and `x ** n` operators."""
    a = args[0]
    if not (a.code and op.raises) and (text := _arithmetic(op, args)) is not None:
        return text
    if op.infix and not a.code:
        return a._infix(op.infix, args[1])
    if op.n is not None and not a.code:
        return a._infix("**", op.n)
    return a.call(called_name(op), *args, *([] if op.n is None else [op.n]))


def called_name(op: Op) -> str:
    """The name code calls `op` by: its row's name, or for a row of a family (one row per
    exponent, `op.n`) the family's function, `power(x, n)`, `ieee_power(x, n)`: a family's rows
    may share their name with a row of two inputs (`ieee_pow(x, y)`)."""
    return op.name if op.n is None else FAMILIES[op.name].__name__


def _arithmetic(op: Op, args: Sequence[Symbol]) -> Symbol | None:
    """The op's float form run on symbols, when it is only arithmetic (+ - * / and negation on
    its inputs); None when it calls math, compares or converts (which a Symbol refuses)."""
    try:
        out = op.value(*args)
    except TypeError:
        return None
    return out if isinstance(out, Symbol) else None


def local_grad_symbols(op: Op, out: Symbol, args: Sequence[Symbol]) -> tuple[Symbol, ...]:
    """The op's rule evaluated on symbols: d(out)/d(arg) for each arg, as code."""
    return tuple(out.literal(d) for d in op.rule(Symbols(out.code), out, *args))


def forward_formula(node: Value, names: Sequence[str]) -> str:
    """How `node` was computed, with `names` = (the node's name, then its parents').

    >>> x = Value(2.0); forward_formula(x ** 3, ["y", "x"])
    'x ** 3'
    """
    _check(node, names)
    return forward_symbol(node.op, [Symbol(n) for n in names[1:]]).text  # type: ignore[arg-type]


def local_grad_formulas(node: Value, names: Sequence[str]) -> tuple[str, ...]:
    """d(node)/d(parent) for each parent as formulas, from the op's own rule.

    >>> x = Value(2.0); local_grad_formulas(x ** 3, ["y", "x"])
    ('3 * x ** 2',)
    """
    _check(node, names)
    symbols = [Symbol(n) for n in names]
    return tuple(s.text for s in local_grad_symbols(node.op, symbols[0], symbols[1:]))  # type: ignore[arg-type]


def _check(node: Value, names: Sequence[str]) -> None:
    if not isinstance(node, Value) or node.op is None:
        raise TypeError(f"formulas need a Value made by an op, got {node!r:.80}")
    if len(names) != 1 + len(node.parents):
        raise ValueError(
            f"need {1 + len(node.parents)} names (the node's, then its parents'), got {len(names)}"
        )
