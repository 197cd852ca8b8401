"""What a TrainingView records, and how a recorded epoch becomes a picture's numbers.

Recording an epoch is cheap: a copy of every parameter's `.data` and `.grad` (a `Snapshot`),
taken every `every` epochs or, by default, whenever the time spent recording is at most
`budget` (5%) of the time spent training so far: every epoch of a slow (eager) fit, every few
of a fast (compiled) one.
The numbers a picture needs (the decision boundary on a grid, the weights per layer, each
layer's gradient norm and dead-ReLU fraction) are computed from a snapshot only when it is
shown or saved (`ModelProbe.frame`), by running the model itself, traced once with
`autograd_core.compile`, on the snapshot's parameters.

Memory stays bounded: past `max_frames` snapshots every other one is dropped (the first and the
latest stay) and from then on the epochs recorded are at least twice as far apart as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_core
from autograd_core import Value, no_grad

CURVES = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass(frozen=True)
class Snapshot:
    """The model at the end of one epoch: parameter values and gradients, `parameters()` order."""

    epoch: int
    data: np.ndarray
    grad: np.ndarray
    n_points: int  # how many data points existed (points can be added while training)


@dataclass(frozen=True)
class Group:
    """One layer as the pictures show it: its parameters' places and how they form a matrix."""

    name: str
    rows: list[list[int]]  # a weight matrix: per neuron, its parameters' places (bias last)
    relu: bool


@dataclass
class Recording:
    """Per-epoch curves, and snapshots thinned past `max_frames` (see the module doc)."""

    max_frames: int = 200
    every: int = 1  # the fewest epochs between two snapshots (doubles with each thinning)
    budget: float | None = None  # None: every `every` epochs; else the share of time allowed
    frames: list[Snapshot] = field(default_factory=list)
    curves: dict[str, list[float | None]] = field(
        default_factory=lambda: {name: [] for name in CURVES}
    )

    def wants(self, epoch: int, spent: float, elapsed: float) -> bool:
        """Record `epoch`, after `spent` seconds recording in `elapsed` seconds of training?"""
        if self.frames and epoch - self.frames[-1].epoch < self.every:
            return False
        return self.budget is None or spent <= self.budget * elapsed

    def add(self, snapshot: Snapshot) -> None:
        if self.frames and self.frames[-1].epoch == snapshot.epoch:
            self.frames[-1] = snapshot
            return
        self.frames.append(snapshot)
        if len(self.frames) > self.max_frames:
            self.every *= 2
            last = self.frames[-1]
            self.frames = self.frames[::2] + ([last] if len(self.frames) % 2 == 0 else [])

    def add_epoch(self, history: Any) -> None:
        """Append the newest entry of each of the history's curves (None where it has none)."""
        for name in CURVES:
            values = getattr(history, name, None)
            self.curves[name].append(float(values[-1]) if values else None)


class ModelProbe:
    """A model seen through its duck type: `parameters()`, a call, and where present `layers`
    (a list of callables with `parameters()`, applied in turn), each layer's `neurons` (with
    `w` and `b`) and `activation`. Without `layers` the whole model is one group."""

    def __init__(self, model: Any) -> None:
        if not callable(model) or not callable(getattr(model, "parameters", None)):
            raise TypeError(
                f"TrainingView needs a model with parameters() and a call, "
                f"got {type(model).__name__}"
            )
        self.model = model
        self.params: list[Value] = list(model.parameters())
        if not self.params or not all(isinstance(p, Value) for p in self.params):
            raise TypeError("TrainingView needs a model whose parameters() are Values")
        self.layers = _layers(model)
        place = {id(p): i for i, p in enumerate(self.params)}
        self.groups = [
            Group(name, _rows(layer, place), getattr(layer, "activation", None) == "relu")
            for name, layer in self.layers or [("model", model)]
        ]
        self._probe: Callable[[np.ndarray], np.ndarray] | None = None
        self._slices: list[slice] = []  # each layer's units among the activations, once traced

    # --- recording: cheap --------------------------------------------------------------------

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every parameter's `.data` and `.grad` now, as two vectors (a Snapshot's numbers)."""
        n = len(self.params)
        data = np.fromiter((p.data for p in self.params), float, n)
        return data, np.fromiter((p.grad for p in self.params), float, n)

    # --- pictures: on demand -----------------------------------------------------------------

    def frame(
        self,
        snap: Snapshot,
        grid: np.ndarray,
        points: np.ndarray,
        labels: Callable[[np.ndarray], list[int]],
    ) -> dict[str, Any]:
        """The JSON-ready numbers of one recorded epoch's pictures.

        `grid` and `points` are (n, inputs) arrays; `labels` maps the model's outputs on the
        grid (an (n, outputs) array) to a class index per cell (None: no boundary picture).
        """
        relu = any(g.relu for g in self.groups)
        with self._loaded(snap):
            on_grid = self.outputs(grid) if len(grid) else None
            acts = self._activations(points[: snap.n_points]) if relu else None
        slices: list[slice | None] = list(self._slices) or [None] * len(self.groups)
        dead: list[float | None] = []
        for group, units in zip(self.groups, slices):
            if group.relu and acts is not None and units is not None and len(acts):
                alive = (acts[:, units] > 0).any(axis=0)
                dead.append(round(float(1 - alive.mean()), 4))
            else:
                dead.append(None)
        return {
            "epoch": snap.epoch,
            "n": snap.n_points,
            "grid": None if on_grid is None else labels(on_grid),
            "weights": [np.round(snap.data[g.rows], 4).tolist() for g in self.groups],
            "grad_norms": [_norm(snap.grad, g) for g in self.groups],
            "dead": dead,
        }

    def outputs(self, points: np.ndarray) -> np.ndarray:
        """The model's outputs on every row of `points`, an (n, outputs) array."""
        acts = self._activations(points)
        return acts[:, self._slices[-1]] if self._slices else acts

    @contextmanager
    def _loaded(self, snap: Snapshot) -> Iterator[None]:
        saved = [p.data for p in self.params]
        for p, v in zip(self.params, snap.data.tolist()):
            p.data = v
        try:
            yield
        finally:
            for p, v in zip(self.params, saved):
                p.data = v

    def _activations(self, points: np.ndarray) -> np.ndarray:
        """Every traced unit's output on each row of `points` (n, units): the outputs of every
        layer in turn when the model has `layers`, else the model's outputs."""
        if len(points) == 0:
            return np.zeros((0, 0))
        if self._probe is None:
            self._slices = self._layer_slices(points[0].tolist())
            self._probe = self._trace(points)
        return self._probe(points)

    def _eager(self, points: np.ndarray) -> np.ndarray:
        with no_grad():
            rows = [[v.data for v in self._units(x)] for x in points.tolist()]
        return np.asarray(rows, dtype=float)

    def _layer_slices(self, x: list[float]) -> list[slice]:
        """Where each layer's units are among the activations: none unless applying the
        layers in turn gives the model's own outputs (then the model is not a plain stack)."""
        if not self.layers:
            return []
        with no_grad():
            outs = self._layer_outputs(x)
            model = _values(self.model(x))
        if [v.data for v in outs[-1]] != [v.data for v in model]:
            return []
        ends = np.cumsum([len(out) for out in outs]).tolist()
        return [slice(e - len(out), e) for e, out in zip(ends, outs)]

    def _units(self, x: Sequence[Any]) -> list[Value]:
        if not self._slices:
            return _values(self.model(x))
        return [v for out in self._layer_outputs(x) for v in out]

    def _layer_outputs(self, x: Sequence[Any]) -> list[list[Value]]:
        outs: list[list[Value]] = []
        h: Any = x
        for _, layer in self.layers or []:
            h = layer(h)
            outs.append(_values(h))
        return outs

    def _trace(self, points: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The compiled units function, checked against eager calls on a few of `points`;
        the eager one where tracing fails or disagrees (a model that branches on data)."""
        try:
            compiled = autograd_core.compile(lambda x: tuple(self._units(x)), points[0])
        except Exception:  # any model compile cannot trace still gets its pictures, slower
            return self._eager

        def run(batch: np.ndarray) -> np.ndarray:
            out = compiled(np.asarray(batch, dtype=float))
            columns = out if isinstance(out, tuple) else (out,)
            return np.stack([np.broadcast_to(c, (len(batch),)) for c in columns], axis=1)

        sample = points[:: max(1, len(points) // 16)]
        try:
            same = np.allclose(run(sample), self._eager(sample), rtol=1e-9, atol=1e-12)
        except Exception:
            same = False
        return run if same else self._eager


def _layers(model: Any) -> list[tuple[str, Any]] | None:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or not layers:
        return None
    if not all(callable(f) and callable(getattr(f, "parameters", None)) for f in layers):
        return None
    return [(f"layers.{i}", layer) for i, layer in enumerate(layers)]


def _rows(layer: Any, place: dict[int, int]) -> list[list[int]]:
    """The layer's weight matrix as places in the parameter list: one row per neuron (its
    weights, then its bias) when it has `neurons`, else one row of all its parameters."""
    neurons = getattr(layer, "neurons", None)
    if isinstance(neurons, (list, tuple)) and all(
        hasattr(n, "w") and hasattr(n, "b") for n in neurons
    ):
        return [[place[id(p)] for p in [*n.w, n.b]] for n in neurons]
    return [[place[id(p)] for p in layer.parameters() if id(p) in place]]


def _values(out: Any) -> list[Value]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _norm(grad: np.ndarray, group: Group) -> float:
    places = [i for row in group.rows for i in row]
    return float(f"{math.sqrt(float(np.sum(grad[places] ** 2))):.4g}")
