"""The recorder: the `nn.fit` callback behind a TrainingView.

It checks that fit trains the view's model on the view's data, records the epochs (see
`viz.training.recording`: cheap copies of the parameters, as often as 5% of the training time
allows, thinned past `max_frames`; read from fit's `run.parameter_vectors()`, so that a
compiled fit need not write its parameters back into the model for it), and tells a listener
(the live view, once displayed) when training begins, after each epoch and when it ends.
Duck-typed: viz never imports nn.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol

import numpy as np

from .data import TrainingData, count
from .recording import ModelProbe, Recording, Snapshot

__all__ = ["BUDGET", "Listener", "Recorder"]

BUDGET = 0.05  # by default, recording may take this share of the training time


class Listener(Protocol):
    """What the recorder tells as fit runs (the live view); `snap`: the model at that moment
    when the recorder just took it (to reuse), else None."""

    def train_began(self) -> None: ...

    def epoch_ended(self, snap: Snapshot | None) -> None: ...

    def train_ended(self, snap: Snapshot | None) -> None: ...


class Recorder:
    """Records a model's training on `data`: the callback hooks `on_train_begin`,
    `on_epoch_end` and `on_train_end`, and the numbers of the pictures of what it recorded."""

    def __init__(
        self, model: Any, data: TrainingData, *, every: int | None, max_frames: int
    ) -> None:
        self.model = model
        self.probe = ModelProbe(model)
        self.data = data
        self.recording = Recording(
            count(max_frames, "max_frames", 2),
            1 if every is None else count(every, "every", 1),
            BUDGET if every is None else None,
        )
        self.run: Any = None  # fit's run while it trains: it can stop, and take new points
        self.epoch = 0  # epochs trained while recorded, over every fit
        self.planned = 0  # the epoch the current (or last) fit ends at
        self.status = "ready"  # then "training", "done" or "interrupted"
        self.listener: Listener | None = None
        self._predict: Any = None  # fit's rule from outputs to a label
        self._spent = 0.0  # seconds spent recording since training began
        self._began = 0.0
        self.recording.add(self.snapshot())

    # --- the callback ------------------------------------------------------------------------

    def on_train_begin(self, model: Any, run: Any) -> None:
        if model is not self.model:
            raise ValueError("this TrainingView was made for another model: make one per model")
        if not self.data.same_as(run.X, run.y):
            raise ValueError(
                "fit got other data than this TrainingView shows: pass the view the same X and "
                "y (view.X and view.y hold the points added by clicking)"
            )
        self.run = run
        self._predict = getattr(run, "predict", None)
        self.planned = self.epoch + int(run.epochs)
        self._spent, self._began = 0.0, time.perf_counter()
        self.status = "training"
        if self.listener is not None:
            self.listener.train_began()

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        self.epoch += 1
        self.recording.add_epoch(history)
        now = time.perf_counter()
        snap = None
        if self.recording.wants(self.epoch, self._spent, now - self._began):
            snap = self.snapshot()
            self.recording.add(snap)
            self._spent += time.perf_counter() - now
        if self.listener is not None:
            self.listener.epoch_ended(snap)

    def on_train_end(self, model: Any, history: Any) -> None:
        snap = None
        if self.recording.frames[-1].epoch != self.epoch:
            snap = self.snapshot()
            self.recording.add(snap)
        self.run = None
        self.status = "done"
        if self.listener is not None:
            self.listener.train_ended(snap)

    # --- while fit runs ----------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return self.run is not None

    def add_point(self, point: object, label: Any) -> None:
        """Add a point of class `label` to the data (and to fit's, while it trains)."""
        floats = self.data.add(point, label)
        if self.run is not None:
            self.run.add(floats, label)

    def stop(self) -> None:
        """Ask fit to stop after the current epoch."""
        if self.run is not None:
            self.run.stop()

    def interrupted(self) -> None:
        """Fit was interrupted (the kernel's stop button): it ends here."""
        self.run = None
        self.status = "interrupted"

    # --- the numbers the pictures show -------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The model as it is now: while fit runs, read from its run (`parameter_vectors()`,
        where fit offers it: the recorder does not read the model, see `TrainingView`)."""
        read = getattr(self.run, "parameter_vectors", None)
        data, grad = read() if callable(read) else self.probe.vectors()
        n = len(self.data.X)
        return Snapshot(self.epoch, np.asarray(data, dtype=float), np.asarray(grad, dtype=float), n)

    def spec(self, controls: bool = False) -> dict[str, Any]:
        """What every picture shares (see static/charts.js); `controls`: the live view
        shows its buttons."""
        return {
            **self.data.spec(),
            "layers": [g.name for g in self.probe.groups],
            "epochs": self.planned,
            "controls": controls,
        }

    def curves(self) -> dict[str, list[float | None]]:
        return {
            name: [v if v is not None and math.isfinite(v) else None for v in values]
            for name, values in self.recording.curves.items()
        }

    def frame(self, snap: Snapshot) -> dict[str, Any]:
        """One epoch's pictures' numbers."""
        return self.probe.frame(
            snap,
            self.data.grid,
            self.data.points(),
            lambda out: self.data.labels(out, self._predict),
        )

    def frames(self) -> list[dict[str, Any]]:
        """The pictures' numbers for every recorded epoch."""
        return [self.frame(s) for s in self.recording.frames]
