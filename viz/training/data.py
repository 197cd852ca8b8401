"""The points a TrainingView draws and fit trains on: `TrainingData`, which clicks can grow."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Value

__all__ = ["COLORS", "TrainingData", "count"]

COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

MAX_GRID = 200


class TrainingData:
    """Samples `X` and targets `y` (checked, as lists), their classes, and for two-input data
    the plot's extent and the `grid` cells (per side) the decision boundary is computed on."""

    def __init__(self, X: Any, y: Any, grid: int) -> None:
        self.X, self.y = _data(X, y)
        self.n0 = len(self.X)  # points given; those past it were added by clicking
        self.grid_size = count(grid, "grid (cells per side)", 2)
        if self.grid_size > MAX_GRID:
            raise ValueError(f"grid must be at most {MAX_GRID} cells per side, got {grid}")
        self.classes = _classes(self.y)
        self.extent = _extent(self.X)
        self.grid = _grid(self.extent, self.grid_size) if self.extent else np.zeros((0, 2))

    def points(self) -> np.ndarray:
        return np.asarray(self.X, dtype=float)

    def same_as(self, X: Any, y: Any) -> bool:
        """Whether fit got these very points (it must train on what the view draws)."""
        if len(X) != len(self.X):
            return False
        return bool(np.array_equal(np.asarray(X, dtype=float), self.points())) and (
            list(y) == self.y
        )

    def add(self, point: object, label: Any) -> list[float]:
        """Check and append a point (a list of numbers) of class `label`; return it as floats."""
        if not isinstance(point, (list, tuple, np.ndarray)):
            raise TypeError(f"a point is a list of numbers, got {type(point).__name__}")
        width = len(self.X[0])
        finite = all(isinstance(v, numbers.Real) and math.isfinite(v) for v in point)
        if len(point) != width or not finite:
            raise ValueError(f"a point needs {width} finite numbers, got {point!r}")
        if label not in self.classes:
            raise ValueError(f"label must be one of the classes {self.classes}, got {label!r}")
        floats = [float(v) for v in point]
        self.X.append(floats)
        self.y.append(label)
        return floats

    def spec(self) -> dict[str, Any]:
        """The data's part of the pictures' `spec` (see static/charts.js)."""
        return {
            "classes": [str(c) for c in self.classes],
            "colors": list(COLORS),
            "extent": self.extent or [0.0, 1.0, 0.0, 1.0],
            "grid_size": self.grid_size,
            "points": [p[:2] for p in self.X] if self.extent else [],
            "labels": [self.classes.index(t) if t in self.classes else 0 for t in self.y],
            "n0": self.n0,
        }

    def labels(self, outputs: np.ndarray, predict: Callable[[Any], Any] | None) -> list[int]:
        """A class index per grid cell (-1: a label outside the data's classes), from the
        loss's own rule (fit's `predict`) or else the class nearest to a one-output score."""
        index = {c: i for i, c in enumerate(self.classes)}
        if predict is not None:  # it takes what fit hands it: Values
            if outputs.shape[1] == 1:
                scores: list[Any] = [Value(v) for v in outputs[:, 0].tolist()]
            else:
                scores = [[Value(v) for v in row] for row in outputs.tolist()]
            return [index.get(_hashable(predict(s)), -1) for s in scores]
        numeric = [c for c in self.classes if isinstance(c, (int, float))]
        if outputs.shape[1] != 1 or len(numeric) != len(self.classes):
            return [-1] * len(outputs)
        distance = np.abs(outputs[:, :1] - np.asarray(numeric, dtype=float)[None, :])
        nearest: list[int] = np.argmin(distance, axis=1).tolist()
        return nearest


def count(n: object, what: str, least: int) -> int:
    """`n` as an int of at least `least`, else a clear error naming `what`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}: {n!r}")
    if n < least:
        raise ValueError(f"{what} must be at least {least}, got {n}")
    return int(n)


def _data(X: Any, y: Any) -> tuple[list[list[float]], list[Any]]:
    if not isinstance(X, (np.ndarray, list, tuple)) or not isinstance(y, (np.ndarray, list, tuple)):
        raise TypeError(
            f"X and y must be numpy arrays or lists, got {type(X).__name__}, {type(y).__name__}"
        )
    samples = np.asarray(X, dtype=float)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or len(samples) == 0:
        raise ValueError(f"X must be a non-empty list of samples, got shape {samples.shape}")
    if not np.isfinite(samples).all():
        raise ValueError("X has a value that is not finite (nan or inf)")
    targets = np.asarray(y).tolist() if isinstance(y, np.ndarray) else list(y)
    if len(targets) != len(samples):
        raise ValueError(f"X has {len(samples)} samples but y has {len(targets)} targets")
    return samples.tolist(), targets


def _classes(y: list[Any]) -> list[Any]:
    labels = {_hashable(t) for t in y}
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=repr)


def _hashable(label: Any) -> Any:
    return tuple(label) if isinstance(label, list) else label


def _extent(X: list[list[float]]) -> list[float] | None:
    """[x0, x1, y0, y1] around two-input data, padded by 10% (None for other widths)."""
    if len(X[0]) != 2:
        return None
    a = np.asarray(X, dtype=float)
    lo, hi = a.min(axis=0), a.max(axis=0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    return [float(v) for v in (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])]


def _grid(extent: list[float], n: int) -> np.ndarray:
    """Cell centres, row by row from the top (largest y) down, left to right."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)
