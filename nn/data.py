"""Toy data sets for classification, seeded and numpy-based (no scikit-learn needed).

>>> X, y = nn.data.make_moons(100, noise=0.1, seed=0)
>>> X.shape, np.bincount(y).tolist()                 # 100 points in 2-D; 50 of each class
((100, 2), [50, 50])
>>> X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, seed=0)
>>> len(X_train), len(X_test)
(75, 25)

Every `make_*` returns `(X, y)`: `X` a float array of shape (n_samples, 2) (or n_features for
blobs) and `y` an int array of class labels 0, 1, ... . `noise` is the standard deviation of
Gaussian noise added to each coordinate. The same `seed` gives the same data.
For the hinge loss, map 0/1 labels to −1/+1 with `2 * y - 1`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_core import Value

from ._checks import finite_nonnegative, is_number, positive_int

Seed = int | np.random.Generator | None


def make_moons(
    n_samples: int = 100, noise: float = 0.0, *, shuffle: bool = True, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the micrograd demo's data): upper moon 0, lower moon 1."""
    n = positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(seed)
    t0, t1 = _angles(n, math.pi, endpoint=True)
    X, y = _two_classes(
        np.column_stack([np.cos(t0), np.sin(t0)]),
        np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
    )
    return _finish(X, y, noise, shuffle, rng)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.0,
    factor: float = 0.5,
    *,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a circle of radius `factor` (class 1)."""
    n = positive_int(n_samples, "n_samples")
    if not is_number(factor) or not 0 < factor < 1:
        raise ValueError(f"factor must be a number in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    t0, t1 = _angles(n, 2 * math.pi, endpoint=False)
    X, y = _two_classes(
        np.column_stack([np.cos(t0), np.sin(t0)]),
        factor * np.column_stack([np.cos(t1), np.sin(t1)]),
    )
    return _finish(X, y, noise, shuffle, rng)


def _angles(n: int, stop: float, endpoint: bool) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced angles from 0 to `stop`: n // 2 for class 0, the rest for class 1."""
    n0 = n // 2
    return (
        np.linspace(0.0, stop, n0, endpoint=endpoint),
        np.linspace(0.0, stop, n - n0, endpoint=endpoint),
    )


def _two_classes(X0: np.ndarray, X1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stack the points of class 0 and class 1, with their labels."""
    y = np.concatenate([np.zeros(len(X0), dtype=int), np.ones(len(X1), dtype=int)])
    return np.concatenate([X0, X1]), y


def make_xor(
    n_samples: int = 100, noise: float = 0.0, *, shuffle: bool = True, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in the square [−1, 1]², the same number in each quadrant (±1); class 1
    where x and y have opposite signs."""
    n = positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(seed)
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])[np.arange(n) % 4]
    X = signs * rng.uniform(0.0, 1.0, size=(n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(int)
    return _finish(X, y, noise, shuffle, rng)


def make_spirals(
    n_samples: int = 100,
    noise: float = 0.0,
    n_classes: int = 2,
    turns: float = 1.0,
    *,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` arms spiralling out from the origin, each turning `turns` times."""
    n = positive_int(n_samples, "n_samples")
    k = positive_int(n_classes, "n_classes")
    if not is_number(turns) or not turns > 0:
        raise ValueError(f"turns must be a positive number, got {turns!r}")
    rng = np.random.default_rng(seed)
    sizes = _split(n, k)
    parts, labels = [], []
    for c, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * math.pi * (turns * r + c / k)
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        labels.append(np.full(m, c, dtype=int))
    return _finish(np.concatenate(parts), np.concatenate(labels), noise, shuffle, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 3,
    cluster_std: float = 1.0,
    n_features: int = 2,
    center_box: tuple[float, float] = (-10.0, 10.0),
    *,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters: `centers` given, or that many drawn uniformly from `center_box`."""
    n = positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = positive_int(centers, "centers")
        d = positive_int(n_features, "n_features")
        low, high = center_box
        if not low < high:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        middles = rng.uniform(low, high, size=(k, d))
    else:
        middles = np.asarray(centers, dtype=float)
        if middles.ndim != 2 or len(middles) == 0:
            raise ValueError(f"centers must be an int or a (k, n_features) array, got {centers!r}")
    parts, labels = [], []
    for c, m in enumerate(_split(n, len(middles))):
        parts.append(middles[c] + np.zeros((m, middles.shape[1])))
        labels.append(np.full(m, c, dtype=int))
    return _finish(np.concatenate(parts), np.concatenate(labels), cluster_std, shuffle, rng)


def train_test_split(
    X: np.ndarray | Sequence[Any],
    y: np.ndarray | Sequence[Any],
    test_size: float | int = 0.25,
    *,
    shuffle: bool = True,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`X_train, X_test, y_train, y_test`; `test_size` is a fraction in (0, 1) or a count."""
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X has {n} samples but y has {len(y)}")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction or a count, got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(f"a fractional test_size must be in (0, 1), got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"test_size {test_size!r} leaves no train or no test samples of {n}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def accuracy(predictions: Sequence[Any] | np.ndarray, targets: Sequence[Any] | np.ndarray) -> float:
    """The fraction of predictions equal to their targets.

    >>> nn.data.accuracy([1, 0, 1, 1], [1, 1, 1, 1])
    0.75
    """
    preds, targs = list(predictions), list(targets)
    if any(isinstance(x, Value) for x in preds + targs):  # == on Values is identity: 0 matches
        raise TypeError("accuracy() compares labels, not Values: pass [v.data for v in values]")
    if len(preds) != len(targs):
        raise ValueError(f"{len(preds)} predictions but {len(targs)} targets")
    if not preds:
        raise ValueError("accuracy needs at least one prediction")
    return sum(bool(np.all(p == t)) for p, t in zip(preds, targs)) / len(preds)


def _finish(
    X: np.ndarray, y: np.ndarray, noise: float, shuffle: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    noise = finite_nonnegative(noise, "noise")
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def _split(n: int, k: int) -> list[int]:
    """n items into k groups as evenly as possible, the first groups one larger."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]
