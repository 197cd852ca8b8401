"""Printing a derivative rule: operators on pieces of code."""

from __future__ import annotations

import math
from collections.abc import Callable

_ATOM, _POW, _UNARY, _MUL, _ADD, _CMP = 6, 5, 4, 3, 2, 1


def _operator(symbol: str, prec: int, swap: bool = False) -> Callable:
    def method(self: _Expr, other: object) -> _Expr:
        left, right = (_code(other), self) if swap else (self, _code(other))
        right_first = symbol == "**"  # ** groups from the right, the others from the left
        lt = left.text if left.prec > prec or left.prec == prec and not right_first else None
        rt = right.text if right.prec > prec or right.prec == prec and right_first else None
        return _Expr(f"{lt or f'({left.text})'} {symbol} {rt or f'({right.text})'}", prec)

    return method


class _Expr:
    """A piece of printed Python with its operator precedence. The op rules run on these instead
    of numbers, and so print themselves: `1 - out * out` becomes "1 - v3 * v3"."""

    __slots__ = ("text", "prec")

    def __init__(self, text: str, prec: int = _ATOM) -> None:
        self.text, self.prec = text, prec

    @property
    def data(self) -> _Expr:  # the helpers read `.data` to branch on a Value; here, print it
        return self

    __add__, __radd__ = _operator("+", _ADD), _operator("+", _ADD, swap=True)
    __sub__, __rsub__ = _operator("-", _ADD), _operator("-", _ADD, swap=True)
    __mul__, __rmul__ = _operator("*", _MUL), _operator("*", _MUL, swap=True)
    __truediv__, __rtruediv__ = _operator("/", _MUL), _operator("/", _MUL, swap=True)
    __gt__, __lt__ = _operator(">", _CMP), _operator("<", _CMP)
    __rpow__ = _operator("**", _POW, swap=True)

    def __pow__(self, n: object) -> _Expr:
        if isinstance(n, (int, float)) and n < 0:  # ops._power: 0 ** -1 is inf there, no error
            return _Expr(f"power({self.text}, {_literal(n).text})")
        return _operator("**", _POW)(self, n)

    def __neg__(self) -> _Expr:
        return _Expr(f"-{self.text}" if self.prec >= _UNARY else f"-({self.text})", _UNARY)

    def log(self) -> _Expr:
        return _Expr(f"log({self.text})")

    def sin(self) -> _Expr:
        return _Expr(f"sin({self.text})")

    def cos(self) -> _Expr:
        return _Expr(f"cos({self.text})")


def _literal(x: float) -> _Expr:
    """A number as Python source that reads back as the very same float."""
    if not isinstance(x, int):
        x = float(x)
        if not math.isfinite(x):
            return _Expr(f"float({str(x)!r})")
    text = repr(x)
    return _Expr(text, _UNARY if text.startswith("-") else _ATOM)


def _name_expr(name: str) -> _Expr:
    """A node's name (or a constant's number) as an expression."""
    return _Expr(name, _UNARY if name.startswith("-") else _ATOM)


def _wrapped(name: str) -> str:
    return f"({name})" if name.startswith("-") else name


def _code(x: object) -> _Expr:
    return x if isinstance(x, _Expr) else _literal(x)  # type: ignore[arg-type]
