"""Optimizers: turn each parameter's `.grad` into a step, `p.data -= lr * (something)`.

Each update rule is written once, on numpy arrays (`update(data, grads)`): `step()` gathers the
parameters' `.data` and `.grad`, applies it and writes `.data` back, so no graph is ever built
here; `fit(compile=True)` applies the same rule to its parameter vector directly. A learning
rate is a number or a schedule: a callable given the 0-based index of the step being taken,
e.g. `lambda k: 1.0 - 0.9 * k / 100` (micrograd's demo).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from autograd_core import Value

from ._checks import finite_float, number_or_nan
from .module import Module

LearningRate = float | Callable[[int], float]


class Optimizer:
    """Base of SGD and Adam: one training step is `zero_grad()`, `backward()`, `step()`.

    >>> model = nn.MLP(2, [3, 1], seed=0)          # outputs 0.4627 for [1, -2]
    >>> optimizer = nn.SGD(model, lr=0.1)
    >>> optimizer.zero_grad(); nn.mse(model([1.0, -2.0]), 0.0).backward(); optimizer.step()
    >>> round(model([1.0, -2.0]).data, 4)         # one step closer to the target 0
    0.1756

    It holds the parameters and the learning rate; subclasses define `_rule(lr, data, grads)`.
    """

    def __init__(self, params: Iterable[Value] | Module, lr: LearningRate) -> None:
        self.params = _check_params(params)
        if not callable(lr):
            lr = _check_number(lr, "lr", low=0.0)
        self.lr = lr
        self.steps = 0  # how many steps have been taken

    def current_lr(self) -> float:
        """The learning rate the next `step()` will use."""
        if not callable(self.lr):
            return self.lr
        lr = self.lr(self.steps)
        try:
            number = finite_float(lr, "lr")
        except (TypeError, ValueError):  # not a number, nan, inf, an int too large for a float
            number = math.nan
        if not number >= 0:
            raise ValueError(
                f"the learning-rate schedule gave {lr!r} at step {self.steps}; "
                "it must return a finite number >= 0"
            )
        return number

    def step(self) -> None:
        """Update every parameter from its current `.grad`."""
        data = np.array([p.data for p in self.params])
        grads = np.array([p.grad for p in self.params])
        for p, value in zip(self.params, self.update(data, grads).tolist()):
            p.data = value

    def update(self, data: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """One step on arrays (the parameters' numbers and gradients, in `params` order): `data`
        becomes the new numbers, in place (a view of a bigger vector works), and is returned.
        The optimizer's state (momentum, step count) advances as with `step()`."""
        self._rule(self.current_lr(), data, grads)
        self.steps += 1
        return data

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (call before each `backward()`)."""
        for p in self.params:
            p.grad = 0.0

    def _rule(self, lr: float, data: np.ndarray, grads: np.ndarray) -> None:
        """Write the new numbers into `data`."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent: `v = momentum·v + g` then `p -= lr·v`, where `g = grad + wd·p`.

    >>> w = Value(1.0)
    >>> optimizer = nn.SGD([w], lr=0.1)
    >>> (w * w).backward(); optimizer.step()       # grad 2·w = 2, so w = 1 - 0.1·2
    >>> w.data
    0.8

    With momentum 0 this is plain `p -= lr·(grad + weight_decay·p)`. Same form as PyTorch's SGD.
    """

    def __init__(
        self,
        params: Iterable[Value] | Module,
        lr: LearningRate = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", low=0.0, high=1.0)
        self.weight_decay = _check_number(weight_decay, "weight_decay", low=0.0)
        self._velocity = np.zeros(len(self.params))
        self._scratch = np.empty(len(self.params))

    def _rule(self, lr: float, data: np.ndarray, grads: np.ndarray) -> None:
        g = grads + self.weight_decay * data if self.weight_decay else grads
        if self.momentum:
            g = self._velocity = self.momentum * self._velocity + g
        # p -= lr·g through one scratch vector: a hundred thousand parameters are updated with
        # no new array, where `data - lr * g` made two each step
        step = np.multiply(g, lr, out=self._scratch)
        np.subtract(data, step, out=data)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) in PyTorch's form, with L2 `weight_decay` added to the grad.

    >>> w = Value(1.0)
    >>> optimizer = nn.Adam([w], lr=0.1)
    >>> (w * w).backward(); optimizer.step()       # a first step is lr against the grad's sign
    >>> round(w.data, 6)
    0.9

    `m = β1·m + (1 − β1)·g`, `v = β2·v + (1 − β2)·g²`, bias-corrected by `1 − β^t`, then
    `p -= lr · m̂ / (sqrt(v̂) + eps)`.
    """

    def __init__(
        self,
        params: Iterable[Value] | Module,
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", low=0.0, high=1.0),
            _check_number(betas[1], "betas[1]", low=0.0, high=1.0),
        )
        self.eps = _check_number(eps, "eps", low=0.0)
        if self.eps == 0:
            raise ValueError("eps must be > 0 (it keeps the step finite when a grad is 0)")
        self.weight_decay = _check_number(weight_decay, "weight_decay", low=0.0)
        self._m = np.zeros(len(self.params))
        self._v = np.zeros(len(self.params))

    def _rule(self, lr: float, data: np.ndarray, grads: np.ndarray) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        g = grads + self.weight_decay * data
        self._m = b1 * self._m + (1 - b1) * g
        self._v = b2 * self._v + (1 - b2) * g * g
        data -= lr * (self._m / (1 - b1**t)) / (np.sqrt(self._v / (1 - b2**t)) + self.eps)


def _check_params(params: Iterable[Value] | Module) -> list[Value]:
    if isinstance(params, Module):
        params = params.parameters()
    if isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(f"params must be an iterable of Values, got {type(params).__name__}")
    items = list(params)
    bad = [p for p in items if not isinstance(p, Value)][:1]
    if bad:
        raise TypeError(f"params must all be Values, got {type(bad[0]).__name__}")
    out = list(dict.fromkeys(items))  # a parameter listed twice is still updated once
    if not out:
        raise ValueError("the optimizer got no parameters")
    return out


def _check_number(x: object, name: str, low: float, high: float = math.inf) -> float:
    """A finite real in [low, high) (high excluded only when finite)."""
    number = number_or_nan(x, name)
    if not low <= number < high:
        bound = f"in [{low:g}, {high:g})" if high < math.inf else f">= {low:g} and finite"
        raise ValueError(f"{name} must be {bound}, got {x!r}")
    return number
