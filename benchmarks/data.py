"""The benchmark's problem: seeded two-moons data and initial weights shared by every contender."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.data import make_moons


@dataclass(frozen=True)
class Problem:
    """Data and initial weights, identical for every contender.

    `X` is (n, 2) and `y` is (n,) with labels -1/+1. `weights[k]` is layer k's (W, b) with W of
    shape (nout, nin): row j holds neuron j's input weights, as in micrograd's `Neuron.w`.
    """

    X: np.ndarray
    y: np.ndarray
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]
    alpha: float = 1e-4

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0][0].shape[1]] + [W.shape[0] for W, _ in self.weights]

    def rows(self) -> list[list[float]]:
        """The inputs as plain Python floats (what scalar engines wrap in Values)."""
        return [[float(v) for v in row] for row in self.X]

    def labels(self) -> list[float]:
        return [float(v) for v in self.y]

    def flat_weights(self) -> np.ndarray:
        """All parameters in micrograd's `MLP.parameters()` order: per neuron, w then b."""
        return np.concatenate([np.column_stack([W, b]).ravel() for W, b in self.weights])


def init_weights(sizes: list[int], rng: np.random.Generator) -> tuple:
    """micrograd's initialisation: weights uniform in [-1, 1], biases 0."""
    return tuple(
        (rng.uniform(-1.0, 1.0, size=(nout, nin)), np.zeros(nout))
        for nin, nout in zip(sizes[:-1], sizes[1:])
    )


def make_problem(n_points: int = 100, hidden: tuple[int, ...] = (16, 16), seed: int = 1337):
    """micrograd's demo: 100 moons points (noise 0.1) and an MLP(2, [16, 16, 1])."""
    rng = np.random.default_rng(seed)
    X, labels = make_moons(n_points, noise=0.1, seed=rng)
    return Problem(X=X, y=2.0 * labels - 1.0, weights=init_weights([2, *hidden, 1], rng))
