"""The live view's parts that need no kernel: the pump's adapter refuses kernels it does not
know, and the buttons act on a running fit only (the real kernel tests: test_training.py)."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

import nn
import viz
from viz.training.kernel_pump import KernelPump, shell_queue
from viz.training.live import LiveView, Pause


def test_the_pump_knows_no_other_kernel_and_then_does_nothing() -> None:
    for kernel in (SimpleNamespace(), SimpleNamespace(shell_stream=SimpleNamespace(socket=1))):
        assert shell_queue(kernel) is None
        pump = KernelPump(kernel)
        assert not pump.available and pump.poll(timeout=0.01) == 0
        pump.release()
    assert not KernelPump().available  # no kernel in a test process


def test_outside_a_kernel_the_widget_shows_no_buttons() -> None:
    X, y = nn.data.make_moons(10, noise=0.1, seed=0)
    view = viz.TrainingView(nn.MLP(2, [2, 1], seed=0), X, 2 * y - 1)
    assert view.widget.spec["controls"] is False and view.widget.status == "ready"


def test_pause_step_and_resume() -> None:
    pause = Pause()
    assert not pause.epoch_done()
    pause.pause()
    assert pause.epoch_done() and pause.epoch_done()  # stays paused
    pause.step()  # runs one epoch, then pauses again
    assert not pause.paused and pause.epoch_done() and pause.paused
    pause.resume()
    assert not pause.epoch_done()


class Widget:
    def __init__(self, **traits: Any) -> None:
        self.__dict__.update(traits)

    def on_msg(self, callback: Any) -> None:
        self.send = callback

    def hold_sync(self) -> Any:
        return contextlib.nullcontext()


def test_the_buttons_act_on_a_running_fit_only() -> None:
    X, y = nn.data.make_moons(10, noise=0.1, seed=0)
    view = viz.TrainingView(nn.MLP(2, [2, 1], seed=0), X, 2 * y - 1)
    live = LiveView(view._recorder, None, Widget, KernelPump())
    stops: list[int] = []
    for kind in ("pause", "step", "stop"):
        live.widget.send(live.widget, {"type": kind}, [])
    assert not live.pause.paused and not live.pause.after_next  # no fit: nothing to act on
    view._recorder.run = SimpleNamespace(stop=lambda: stops.append(1))  # as fit's run
    live.widget.send(live.widget, {"type": "pause"}, [])
    assert live.pause.paused
    live.widget.send(live.widget, {"type": "stop"}, [])
    assert stops == [1] and not live.pause.paused  # a stopped fit does not wait
    live.widget.send(live.widget, {"type": "add", "point": [0.5, "x"], "label": 1}, [])
    live.widget.send(live.widget, {"type": "add", "point": [0.5, 2.0], "label": 9}, [])
    assert len(view.X) == 10  # malformed clicks change nothing
