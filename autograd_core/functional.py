"""Derivatives as functions: grad, value_and_grad, and gradcheck against finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, overload

from . import ops
from .context import enable_grad, no_grad
from .value import Value, _as_value, _number, apply, gradients


def value_and_grad(
    f: Callable[..., Value | float], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Value, Any]]:
    """A function giving `(f(*args), df/d args[argnums])`, both Values (so the derivative can be
    differentiated again; a tuple `argnums` gives a tuple). No `.grad` is touched. It is a
    function of its inputs: f runs recorded even under `no_grad()`, or there would be no graph
    to differentiate (and `gradcheck(grad(f), x)`, which moves x under no_grad, would fail).

    >>> y, dy = value_and_grad(lambda x: x * x * x)(2.0); y.data, dy.data
    (8.0, 12.0)
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Value | float) -> tuple[Value, Value | tuple[Value, ...]]:
        inputs: list[Any] = list(args)
        with enable_grad():
            for i in positions:
                if not -len(inputs) <= i < len(inputs):
                    raise IndexError(f"argnums {i} is out of range for {len(inputs)} arguments")
                x = inputs[i]
                # A fresh node per call: the derivative flows to it, and through it to any outer x.
                inputs[i] = apply(ops.IDENTITY, x) if isinstance(x, Value) else Value(x)
            root = _root(f(*inputs))
            grads = gradients(root, create_graph=True)
        found = tuple(_or_zero(grads.get(inputs[i])) for i in positions)
        return root, found[0] if isinstance(argnums, int) else found

    return wrapped


def _or_zero(gradient: Value | None) -> Value:
    return Value(0.0) if gradient is None else gradient  # f does not depend on that input


@overload
def grad(f: Callable[..., Value | float], argnums: int = 0) -> Callable[..., Value]: ...
@overload
def grad(
    f: Callable[..., Value | float], argnums: Sequence[int]
) -> Callable[..., tuple[Value, ...]]: ...
def grad(f: Callable[..., Value | float], argnums: int | Sequence[int] = 0) -> Any:
    """A function computing df/dx as a Value; composable.

    >>> grad(grad(grad(lambda x: x ** 4)))(0.5).data  # 24 x
    12.0
    """
    value_and_grad_f = value_and_grad(f, argnums)
    return lambda *args: value_and_grad_f(*args)[1]


class GradcheckError(AssertionError):
    """Analytic and finite-difference gradients disagree (a rule, or a graph, is wrong).

    >>> gradcheck(lambda x: x * Value(x.data), 3.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    autograd_core.functional.GradcheckError: ...input 0 at 3.0: analytic 3.0, numeric 6.0...
    """


def gradcheck(
    f: Callable[..., Value | float],
    *inputs: float,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> bool:
    """True when the engine's gradient of `f` at `inputs` agrees with central differences
    (`math.isclose` with `rtol`, `atol`), else GradcheckError listing each mismatch.

    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
    """
    points = [_number(x, "gradcheck()") for x in inputs]
    leaves = [Value(x) for x in points]
    with enable_grad():  # the engine's gradient, even when called under no_grad
        grads = gradients(_root(f(*leaves)))

    def moved(i: int, h: float) -> float:  # f, as a number, with input i moved by h
        with no_grad():
            return _root(f(*(Value(x + h if j == i else x) for j, x in enumerate(points)))).data

    bad = []
    for i, (x, leaf) in enumerate(zip(points, leaves)):
        analytic, numeric = grads.get(leaf, 0.0), (moved(i, eps) - moved(i, -eps)) / (2 * eps)
        if not math.isclose(analytic, numeric, rel_tol=rtol, abs_tol=atol):
            bad.append(f"  input {i} at {x!r}: analytic {analytic!r}, numeric {numeric!r}")
    if bad:
        raise GradcheckError("gradients disagree with central differences:\n" + "\n".join(bad))
    return True


def _root(out: object) -> Value:
    if (root := _as_value(out)) is None:
        raise TypeError(f"f must return a Value or a number, got {type(out).__name__}")
    return root
