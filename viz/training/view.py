"""TrainingView: watch a network learn while `fit` runs, and replay the run anywhere.

    view = viz.TrainingView(model, X, y)     # displayed in Jupyter: a live widget
    view                                     # (show it before training)
    nn.fit(model, X, y, loss="hinge", epochs=100, callbacks=[view])
    view.save("run.html")                    # or "run.gif", "run.png"

It is a callback of `nn.fit` (hooks `on_train_begin`, `on_epoch_end`, `on_train_end`), duck-typed:
viz never imports nn. It records the epochs (see `viz.training.recording`: cheap copies of the
parameters, as often as 5% of the training time allows, thinned past `max_frames`) and, once
displayed in Jupyter, updates the widget at most `fps` times a second: the decision boundary
with the data (two-input models), the loss and accuracy curves, gradient norms and dead ReLUs
per layer, and the weights. Its buttons pause, resume, run one epoch at a time or stop training
(a paused fit waits inside the callback, still handling the widget's messages); a click in the
boundary plot adds a point of the chosen class, which fit trains on from the next epoch.
Outside Jupyter, or never displayed, it records silently.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_core import Value

from ..jupyter import with_snapshot
from .kernel_pump import KernelPump
from .page import page
from .recording import ModelProbe, Recording, Snapshot

COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

__all__ = ["TrainingView"]

BUDGET = 0.05  # by default, recording may take this share of the training time


class TrainingView:
    """A callback for `nn.fit` that records the run and, in Jupyter, shows it live.

    >>> X, y = nn.data.make_moons(20, noise=0.1, seed=0); model = nn.MLP(2, [8, 1], seed=0)
    >>> view = viz.TrainingView(model, X, 2 * y - 1)       # in Jupyter, display it first
    >>> history = nn.fit(model, X, 2 * y - 1, "hinge", epochs=2, progress=False, callbacks=[view])
    >>> view, view.save("run.html").name                 # a replay page (or .gif, .png)
    (<TrainingView: 2 epochs, 3 recorded; 20 points>, 'run.html')

    `model` is any object with `parameters()` (Values) and a call; `X` (n samples) and `y` (their
    targets) are the training data fit gets: the points drawn, to which clicks add (read the
    grown data back as `view.X`, `view.y`). `grid` cells per side for the decision boundary
    (drawn for two-input models). `every=None` records an epoch whenever recording has taken at
    most 5% of the training time so far (every epoch of an eager fit, every few of a compiled
    one), `every=k` every k-th epoch; past `max_frames` recorded epochs every other one is
    dropped and the interval between them doubles. `fps` caps the live
    updates per second (None: one per recorded epoch).
    """

    def __init__(
        self,
        model: Any,
        X: np.ndarray | Sequence[Any],
        y: np.ndarray | Sequence[Any],
        *,
        grid: int = 40,
        every: int | None = None,
        max_frames: int = 200,
        fps: float | None = 10.0,
        title: str = "training",
    ) -> None:
        self.model = model
        self._probe = ModelProbe(model)
        self._X, self._y = _data(X, y)
        self._n0 = len(self._X)
        self.recording = Recording(
            _count(max_frames, "max_frames", 2),
            1 if every is None else _count(every, "every", 1),
            BUDGET if every is None else None,
        )
        self._spent = 0.0  # seconds spent recording since training began
        self._began = 0.0
        self._grid_size = _count(grid, "grid (cells per side)", 2)
        if self._grid_size > 200:
            raise ValueError(f"grid must be at most 200 cells per side, got {grid}")
        self._fps = _rate(fps)
        self.title = str(title)
        self._classes = _classes(self._y)
        self._extent = _extent(self._X)
        self._grid = _grid(self._extent, self._grid_size) if self._extent else np.zeros((0, 2))
        self._predict: Any = None
        self._run: Any = None
        self._epoch = 0  # epochs trained while watched, over every fit
        self._planned = 0
        self._widget: Any = None
        self._pump: KernelPump | None = None
        self._paused = False
        self._pause_after = False  # "one epoch": pause again after the next epoch
        self._last_push = -math.inf
        self._status = "ready"
        self.recording.add(self._probe.snapshot(0, len(self._X)))

    # --- the data -----------------------------------------------------------------------------

    @property
    def X(self) -> np.ndarray:
        """The training samples, with the points added by clicking (an (n, inputs) array)."""
        return np.array(self._X, dtype=float)

    @property
    def y(self) -> np.ndarray:
        """The targets of `X`, in the same order."""
        return np.array(self._y)

    @property
    def recorded_epochs(self) -> list[int]:
        """The epochs recorded (0 is the model before training), one picture each when saved."""
        return [s.epoch for s in self.recording.frames]

    def add_point(self, point: Sequence[float], label: Any) -> None:
        """Add a training point of class `label`, as a click in the boundary plot does.

        While fit runs it trains on the point from the next epoch on."""
        if not isinstance(point, (list, tuple, np.ndarray)):
            raise TypeError(f"a point is a list of numbers, got {type(point).__name__}")
        if len(point) != len(self._X[0]) or not all(
            isinstance(v, numbers.Real) and math.isfinite(v) for v in point
        ):
            raise ValueError(f"a point needs {len(self._X[0])} finite numbers, got {point!r}")
        if label not in self._classes:
            raise ValueError(f"label must be one of the classes {self._classes}, got {label!r}")
        point = [float(v) for v in point]
        self._X.append(point)
        self._y.append(label)
        if self._run is not None:
            self._run.add(point, label)
        if self._widget is not None:
            self._widget.spec = self._spec()

    # --- the callback ----------------------------------------------------------------------

    def on_train_begin(self, model: Any, run: Any) -> None:
        if model is not self.model:
            raise ValueError("this TrainingView was made for another model: make one per model")
        if len(run.X) != len(self._X) or not (
            np.array_equal(np.asarray(run.X, dtype=float), self.X) and list(run.y) == self._y
        ):
            raise ValueError(
                "fit got other data than this TrainingView shows: pass the view the same X and "
                "y (view.X and view.y hold the points added by clicking)"
            )
        self._run = run
        self._predict = getattr(run, "predict", None)
        self._planned = self._epoch + int(run.epochs)
        self._spent, self._began = 0.0, time.perf_counter()
        self._paused = self._pause_after = False
        self._set_status("training")
        if self._widget is not None:
            self._widget.spec = self._spec()
            self._push(force=True)

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        self._epoch += 1
        self.recording.add_epoch(history)
        now = time.perf_counter()
        snap = None
        if self.recording.wants(self._epoch, self._spent, now - self._began):
            snap = self._probe.snapshot(self._epoch, len(self._X))
            self.recording.add(snap)
            self._spent += time.perf_counter() - now
        if self._widget is None:
            return
        self._push(snap=snap)
        if self._pump is not None and self._pump.available:
            self._wait_while_paused()

    def on_train_end(self, model: Any, history: Any) -> None:
        snap = None
        if self.recording.frames[-1].epoch != self._epoch:
            snap = self._probe.snapshot(self._epoch, len(self._X))
            self.recording.add(snap)
        self._run = None
        self._set_status("done")
        if self._widget is not None:
            self._push(force=True, snap=snap)

    # --- live display --------------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The Jupyter widget (made on first use; displaying the view displays it)."""
        if self._widget is None:
            from .widget import TrainingWidget

            self._pump = KernelPump()
            widget = TrainingWidget(spec=self._spec(), status=self._status)
            widget.on_msg(self._on_message)
            self._widget = widget
            self._push(force=True)
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_snapshot(self.widget._repr_mimebundle_(**kwargs), self._snapshot())

    def _snapshot(self) -> str:
        """The view as a static page shows it: the last recorded epoch's picture (with Pillow)."""
        text = html.escape(repr(self))
        if not self.recording.frames:
            return f"<p><code>{text}</code> (live in Jupyter while fit runs)</p>"
        try:
            from .image import draw

            image = draw(
                self._spec(), self._curves(), self._frame(self.recording.frames[-1]), self.title
            )
        except ImportError:
            return f"<p><code>{text}</code></p>"
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return f'<img alt="{text}" style="max-width:100%" src="data:image/png;base64,{data}">'

    def _push(self, force: bool = False, snap: Snapshot | None = None) -> None:
        """Show the model as it is now; `snap`: a snapshot of it taken just before, to reuse."""
        now = time.perf_counter()
        if not force and self._fps is not None and now - self._last_push < 1 / self._fps:
            return
        self._last_push = now
        widget = self._widget
        if snap is None:
            snap = self._probe.snapshot(self._epoch, len(self._X))
        with widget.hold_sync():
            widget.curves = self._curves()
            widget.frame = self._frame(snap)

    def _set_status(self, status: str) -> None:
        self._status = status
        if self._widget is not None:
            self._widget.status = status

    def _wait_while_paused(self) -> None:
        pump = self._pump
        assert pump is not None
        try:
            pump.poll()
            if self._pause_after:
                self._paused, self._pause_after = True, False
            if self._paused:
                self._push(force=True)
                self._set_status("paused")
                while self._paused:
                    pump.poll(timeout=0.05)
                self._set_status("training")
        except BaseException:  # an interrupted kernel (KeyboardInterrupt) ends fit here
            self._run = None
            self._set_status("interrupted")
            raise
        finally:
            pump.release()

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "pause" and self._run is not None:
            self._paused = True
        elif kind == "resume":
            self._paused = self._pause_after = False
        elif kind == "step" and self._run is not None:
            self._paused, self._pause_after = False, True
        elif kind == "stop" and self._run is not None:
            self._run.stop()
            self._paused = self._pause_after = False
        elif kind == "add":
            label = content.get("label")
            if isinstance(label, int) and 0 <= label < len(self._classes):
                try:
                    self.add_point(content.get("point"), self._classes[label])
                except (TypeError, ValueError):
                    pass  # a malformed message from a front end changes nothing

    # --- the numbers the pictures show -----------------------------------------------------

    def _spec(self) -> dict[str, Any]:
        extent = self._extent or [0.0, 1.0, 0.0, 1.0]
        return {
            "classes": [str(c) for c in self._classes],
            "colors": list(COLORS),
            "extent": extent,
            "grid_size": self._grid_size,
            "points": [p[:2] for p in self._X] if self._extent else [],
            "labels": [self._classes.index(t) if t in self._classes else 0 for t in self._y],
            "n0": self._n0,
            "layers": [g.name for g in self._probe.groups],
            "epochs": self._planned,
            "controls": bool(self._pump and self._pump.available),
        }

    def _curves(self) -> dict[str, list[float | None]]:
        return {
            name: [v if v is not None and math.isfinite(v) else None for v in values]
            for name, values in self.recording.curves.items()
        }

    def _frame(self, snap: Any) -> dict[str, Any]:
        return self._probe.frame(snap, self._grid, np.asarray(self._X, dtype=float), self._labels)

    def _labels(self, outputs: np.ndarray) -> list[int]:
        """A class index per grid cell (-1: a label outside the data's classes), from the
        loss's own rule (fit's `predict`) or else the class nearest to a one-output score."""
        index = {c: i for i, c in enumerate(self._classes)}
        if self._predict is not None:  # it takes what fit hands it: Values
            if outputs.shape[1] == 1:
                scores: list[Any] = [Value(v) for v in outputs[:, 0].tolist()]
            else:
                scores = [[Value(v) for v in row] for row in outputs.tolist()]
            return [index.get(_hashable(self._predict(s)), -1) for s in scores]
        numeric = [c for c in self._classes if isinstance(c, (int, float))]
        if outputs.shape[1] != 1 or len(numeric) != len(self._classes):
            return [-1] * len(outputs)
        distance = np.abs(outputs[:, :1] - np.asarray(numeric, dtype=float)[None, :])
        nearest: list[int] = np.argmin(distance, axis=1).tolist()
        return nearest

    def frames(self) -> list[dict[str, Any]]:
        """The pictures' numbers for every recorded epoch (what the replay page shows)."""
        return [self._frame(s) for s in self.recording.frames]

    # --- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run: `.html` a replay page (scrubber, play; self-contained, works from
        file://), `.gif` one frame per recorded epoch, `.png` the final state. Returns the path.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".html":
            data = {"spec": self._spec(), "curves": self._curves(), "frames": self.frames()}
            path.write_text(page(self.title, data), encoding="utf-8")
        elif suffix in (".gif", ".png"):
            from .image import save_images

            frames = self.frames() if suffix == ".gif" else [self._frame(self.recording.frames[-1])]
            save_images(path, self._spec(), self._curves(), frames, self.title)
        else:
            raise ValueError(f"save() writes .html, .gif or .png, got {path.name!r}")
        return path

    def __repr__(self) -> str:
        return (
            f"<TrainingView: {self._epoch} epochs, {len(self.recording.frames)} recorded; "
            f"{len(self._X)} points>"
        )


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


def _rate(fps: object) -> float | None:
    if fps is None:
        return None
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise TypeError(f"fps must be a number or None, got {type(fps).__name__}: {fps!r}")
    rate = float(fps)
    if not 0 < rate < math.inf:
        raise ValueError(f"fps must be a positive number or None, got {fps!r}")
    return rate


def _count(n: object, what: str, least: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}: {n!r}")
    if n < least:
        raise ValueError(f"{what} must be at least {least}, got {n}")
    return int(n)
