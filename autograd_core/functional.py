"""Derivatives as functions: grad, value_and_grad, and gradcheck against finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import ops
from .context import no_grad
from .value import Value, _unary, gradients

ArgNums = int | Sequence[int]


def value_and_grad(f: Callable[..., Value], argnums: ArgNums = 0) -> Callable:
    """Return a function giving `(f(*args), df/d args[argnums])`.

    The derivative is a Value built with a create-graph pass, so it can be differentiated
    again: `grad(grad(f))` is the second derivative. A tuple `argnums` gives a tuple of grads.
    No `.grad` attribute is touched.
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args):
        args = list(args)
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"argnums {i} is out of range for {len(args)} arguments")
            x = args[i]
            # A fresh node per call: the derivative flows to it, and through it to any outer x.
            args[i] = _unary(ops.IDENTITY, x) if isinstance(x, Value) else Value(x)
        out = f(*args)
        if not isinstance(out, Value):
            out = Value(out)
        grads = gradients(out, create_graph=True)
        result = tuple(_as_value(grads.get(args[i], 0.0)) for i in positions)
        return out, result[0] if isinstance(argnums, int) else result

    return wrapped


def grad(f: Callable[..., Value], argnums: ArgNums = 0) -> Callable:
    """Return a function computing df/dx as a Value; composable: `grad(grad(grad(f)))`."""
    value_and_grad_f = value_and_grad(f, argnums)
    return lambda *args: value_and_grad_f(*args)[1]


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


class GradcheckError(AssertionError):
    """Analytic and finite-difference gradients disagree."""


def gradcheck(
    f: Callable[..., Value],
    *inputs: float,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> bool:
    """Compare the engine's gradient of `f` with central differences at `inputs`.

    Returns True when every input agrees (`math.isclose` with `rtol`, `atol`), else raises
    GradcheckError listing each mismatching input, analytic against numeric.
    """
    points = [Value(x).data for x in inputs]  # checks the types
    out = f(*(leaves := [Value(x) for x in points]))
    grads = gradients(out)
    analytic = [float(grads.get(leaf, 0.0)) for leaf in leaves]

    def f_at(values: list[float]) -> float:
        with no_grad():
            return float(f(*(Value(v) for v in values)))

    mismatches = []
    for i, (x, a) in enumerate(zip(points, analytic)):
        numeric = (
            f_at(points[:i] + [x + eps] + points[i + 1 :])
            - f_at(points[:i] + [x - eps] + points[i + 1 :])
        ) / (2 * eps)
        if not math.isclose(a, numeric, rel_tol=rtol, abs_tol=atol):
            mismatches.append(f"  input {i} at {x!r}: analytic {a!r}, numeric {numeric!r}")
    if mismatches:
        raise GradcheckError(
            "gradients disagree with central differences:\n" + "\n".join(mismatches)
        )
    return True
