"""Independent truth for the nn tests: central finite differences on plain floats; identities."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from autograd_core import Value, no_grad


def numeric_grads(f: Callable[[], Value], params: list[Value], eps: float = 1e-6) -> list[float]:
    """d f() / d p for each p by central differences, nudging `p.data` and restoring it."""
    grads = []
    with no_grad():
        for p in params:
            x = p.data
            p.data = x + eps
            up = f().data
            p.data = x - eps
            down = f().data
            p.data = x
            grads.append((up - down) / (2 * eps))
    return grads


def analytic_grads(f: Callable[[], Value], params: list[Value]) -> list[float]:
    for p in params:
        p.grad = 0.0
    f().backward()
    return [p.grad for p in params]


def ids(values: Iterable[object]) -> list[int]:
    """The objects' identities, in order: two lists of parameters are the same parameters when
    their ids are equal (`==` on Values may compare numbers, and biases all start at 0.0)."""
    return [id(v) for v in values]
