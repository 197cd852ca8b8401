"""The live view: a recorder's pictures in a Jupyter widget, updated as fit runs.

It updates the widget at most `fps` times a second (None: once per recorded epoch) with the
decision boundary and the data (two-input models), the loss and accuracy curves, gradient norms
and dead ReLUs per layer, and the weights. Its buttons pause, resume, run one epoch at a time or
stop training: a paused fit waits inside the recorder's `on_epoch_end`, still handling the
widget's messages through the kernel pump. A click in the boundary plot adds a point of the
chosen class, which fit trains on from the next epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .kernel_pump import KernelPump
from .recorder import Recorder
from .recording import Snapshot

__all__ = ["LiveView", "Pause"]

POLL_SECONDS = 0.05  # how often a paused fit looks for the widget's messages


@dataclass
class Pause:
    """The buttons' state: running, paused, or running one epoch and then pausing."""

    paused: bool = False
    after_next: bool = False  # "one epoch": pause again after the next epoch

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = self.after_next = False

    def step(self) -> None:
        self.paused, self.after_next = False, True

    def epoch_done(self) -> bool:
        """At the end of an epoch: whether fit waits now."""
        if self.after_next:
            self.paused, self.after_next = True, False
        return self.paused


class LiveView:
    """Shows `recorder`'s model in a widget made by `make_widget(spec=..., status=...)` (a
    TrainingWidget, or anything with its traits, `hold_sync` and `on_msg`) and listens to its
    buttons; `pump` reads them while fit runs."""

    def __init__(
        self,
        recorder: Recorder,
        fps: float | None,
        make_widget: Callable[..., Any],
        pump: KernelPump,
    ) -> None:
        self.recorder, self.fps, self.pump = recorder, fps, pump
        self.pause = Pause()
        self._last_push = -math.inf
        self.widget = make_widget(spec=recorder.spec(self.controls), status=recorder.status)
        self.widget.on_msg(self._on_message)
        recorder.listener = self
        self.push(force=True)

    @property
    def controls(self) -> bool:
        """Whether the buttons can work while fit runs (see `viz.training.kernel_pump`)."""
        return self.pump.available

    # --- what the recorder tells -------------------------------------------------------------

    def train_began(self) -> None:
        self.pause.resume()
        self.widget.status = self.recorder.status
        self.widget.spec = self.recorder.spec(self.controls)
        self.push(force=True)

    def epoch_ended(self, snap: Snapshot | None) -> None:
        self.push(snap=snap)
        if self.pump.available:
            self._wait_while_paused()

    def train_ended(self, snap: Snapshot | None) -> None:
        self.widget.status = self.recorder.status
        self.push(force=True, snap=snap)

    # --- showing -----------------------------------------------------------------------------

    def push(self, force: bool = False, snap: Snapshot | None = None) -> None:
        """Show the model as it is now; `snap`: a snapshot of it taken just before, to reuse."""
        now = time.perf_counter()
        if not force and self.fps is not None and now - self._last_push < 1 / self.fps:
            return
        self._last_push = now
        frame = self.recorder.frame(snap if snap is not None else self.recorder.snapshot())
        with self.widget.hold_sync():
            self.widget.curves = self.recorder.curves()
            self.widget.frame = frame

    def add_point(self, point: object, label: Any) -> None:
        """Add a training point (see `TrainingView.add_point`; checked there) and draw it."""
        self.recorder.add_point(point, label)
        self.widget.spec = self.recorder.spec(self.controls)

    # --- the buttons -------------------------------------------------------------------------

    def _wait_while_paused(self) -> None:
        try:
            self.pump.poll()
            if self.pause.epoch_done():
                self.push(force=True)
                self.widget.status = "paused"
                while self.pause.paused:
                    self.pump.poll(timeout=POLL_SECONDS)
                self.widget.status = self.recorder.status
        except BaseException:  # an interrupted kernel (KeyboardInterrupt) ends fit here
            self.recorder.interrupted()
            self.widget.status = self.recorder.status
            raise
        finally:
            self.pump.release()

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            self.pause.resume()
        elif kind == "add":
            self._on_add(content)
        elif self.recorder.training:  # the other buttons act on a running fit
            self._on_button(kind)

    def _on_button(self, kind: object) -> None:
        if kind == "pause":
            self.pause.pause()
        elif kind == "step":
            self.pause.step()
        elif kind == "stop":
            self.recorder.stop()
            self.pause.resume()

    def _on_add(self, content: dict[str, Any]) -> None:
        label, point = content.get("label"), content.get("point")
        classes = self.recorder.data.classes
        if isinstance(label, int) and 0 <= label < len(classes):
            try:
                self.add_point(point, classes[label])
            except (TypeError, ValueError):
                pass  # a malformed message from a front end changes nothing
