"""TrainingView: watch a network learn while `fit` runs, and replay the run anywhere.

    view = viz.TrainingView(model, X, y)     # displayed in Jupyter: a live widget
    view                                     # (show it before training)
    nn.fit(model, X, y, loss="hinge", epochs=100, callbacks=[view])
    view.save("run.html")                    # or "run.gif", "run.png"

It is three parts behind one object:
- the recorder (`viz.training.recorder`), a callback of `nn.fit` (hooks `on_train_begin`,
  `on_epoch_end`, `on_train_end`), duck-typed: viz never imports nn. It records the epochs:
  cheap copies of the parameters, as often as 5% of the training time allows, read from fit's
  `run.parameter_vectors()` (the view says `reads_model = False`, so a compiled fit does not
  write its parameters back into the model's Values for it every epoch);
- the live view (`viz.training.live`), made when the view is first displayed in Jupyter: the
  pictures, updated at most `fps` times a second, and the buttons that pause, resume, run one
  epoch at a time or stop training, and add points by clicking;
- the exporters (`viz.training.export`): the replay page, the GIF and the PNG.
Outside Jupyter, or never displayed, it records silently.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..jupyter import with_snapshot
from . import export
from .data import TrainingData
from .kernel_pump import KernelPump
from .live import LiveView
from .recorder import Recorder

__all__ = ["TrainingView"]


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

    As a callback it says `reads_model = False`: it records from fit's `run.parameter_vectors()`,
    so a compiled fit does not write its parameters back into the model's Values for it.
    """

    def __init__(
        self,
        model: Any,
        X: np.ndarray | Sequence[Any],
        y: np.ndarray | Sequence[Any],
        *,
        grid: int = 60,
        every: int | None = None,
        max_frames: int = 200,
        fps: float | None = 10.0,
        title: str = "training",
    ) -> None:
        self.model = model
        data = TrainingData(X, y, grid)
        self._recorder = Recorder(model, data, every=every, max_frames=max_frames)
        self._fps = _rate(fps)
        self._live: LiveView | None = None
        self.title = str(title)

    # --- the data -----------------------------------------------------------------------------

    @property
    def X(self) -> np.ndarray:
        """The training samples, with the points added by clicking (an (n, inputs) array)."""
        return np.array(self._recorder.data.X, dtype=float)

    @property
    def y(self) -> np.ndarray:
        """The targets of `X`, in the same order."""
        return np.array(self._recorder.data.y)

    @property
    def recording(self) -> Any:
        """What was recorded: `frames` (a Snapshot per recorded epoch) and `curves` (per epoch)."""
        return self._recorder.recording

    @property
    def recorded_epochs(self) -> list[int]:
        """The epochs recorded (0 is the model before training), one picture each when saved."""
        return [s.epoch for s in self._recorder.recording.frames]

    def add_point(self, point: Sequence[float], label: Any) -> None:
        """Add a training point of class `label`, as a click in the boundary plot does.

        While fit runs it trains on the point from the next epoch on."""
        if self._live is not None:
            self._live.add_point(point, label)
        else:
            self._recorder.add_point(point, label)

    # --- the callback: the recorder's ---------------------------------------------------------

    reads_model = False  # it records from fit's run.parameter_vectors(), not the model

    def on_train_begin(self, model: Any, run: Any) -> None:
        self._recorder.on_train_begin(model, run)

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        self._recorder.on_epoch_end(model, epoch, history)

    def on_train_end(self, model: Any, history: Any) -> None:
        self._recorder.on_train_end(model, history)

    # --- live display -------------------------------------------------------------------------

    @property
    def widget(self) -> Any:
        """The Jupyter widget (made on first use; displaying the view displays it)."""
        if self._live is None:
            from .widget import TrainingWidget  # anywidget: loaded only when displayed

            self._live = LiveView(self._recorder, self._fps, TrainingWidget, KernelPump())
        return self._live.widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        snapshot = export.snapshot_html(self._recorder, self.title, repr(self))
        return with_snapshot(self.widget._repr_mimebundle_(**kwargs), snapshot)

    # --- saving -------------------------------------------------------------------------------

    def frames(self) -> list[dict[str, Any]]:
        """The pictures' numbers for every recorded epoch (what the replay page shows)."""
        return self._recorder.frames()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the run: `.html` a replay page (scrubber, play; self-contained, works from
        file://), `.gif` one frame per recorded epoch, `.png` the final state. Returns the path.
        """
        return export.save(self._recorder, self.title, path)

    def __repr__(self) -> str:
        recorder = self._recorder
        return (
            f"<TrainingView: {recorder.epoch} epochs, {len(recorder.recording.frames)} "
            f"recorded; {len(recorder.data.X)} points>"
        )


def _rate(fps: object) -> float | None:
    if fps is None:
        return None
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise TypeError(f"fps must be a number or None, got {type(fps).__name__}: {fps!r}")
    rate = float(fps)
    if not 0 < rate < math.inf:
        raise ValueError(f"fps must be a positive number or None, got {fps!r}")
    return rate
