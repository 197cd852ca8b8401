"""Callbacks: code that `fit(..., callbacks=[...])` calls while it trains (Keras / Lightning style).

    class StopAt(nn.Callback):                 # subclassing is optional: fit duck-types hooks
        def on_train_begin(self, model, run):
            self.run = run
        def on_epoch_end(self, model, epoch, history):
            if history.loss[-1] < 0.01:
                self.run.stop()                # fit ends after this epoch

Every hook is optional; fit looks each one up once, so a callback costs nothing in the hooks it
leaves out, and `on_batch_end` (called after every optimizer step) is the only per-step cost.
A callback may read the model in its hooks, unless it says `reads_model = False`: then it reads
the parameters from `run.parameter_vectors()`, and a compiled fit need not write its vector back
into the model's Values before each of its hooks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ._checks import check_sample, is_number

if TYPE_CHECKING:
    from .steps import ParameterVectors
    from .train import History

HOOKS = ("on_train_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class Callback(Protocol):
    """The hooks `nn.fit` calls while it trains; define the ones you need.

    >>> class Printer(nn.Callback):
    ...     def on_epoch_end(self, model, epoch, history):
    ...         print(epoch, round(history.loss[-1], 4))
    >>> model = nn.MLP(1, [1], seed=0)               # y = w·x + b with w = 0.2739, b = 0
    >>> history = nn.fit(model, [[0.0], [1.0]], [0.0, 1.0], epochs=2, progress=False,
    ...                  callbacks=[Printer()])      # epoch 0: mse = (w - 1)² / 2
    0 0.2636
    1 0.1713

    fit calls them in this order: `on_train_begin` once; `on_batch_end` after each
    optimizer step; `on_epoch_end` after each epoch (its history entries are in); `on_train_end`
    once, when training ends normally (all epochs, or a stop). All optional: an object needs only
    the hooks it uses, and subclassing this class gives no-op defaults for the rest (which is why
    fit's `callbacks` is typed as a sequence of objects: a Protocol cannot say "any of these").

    `reads_model` (True unless a callback sets it, as a class or instance attribute) says
    whether its hooks read the model's Values: `fit(compile=True)` keeps the parameters in one
    vector, and writes them back into the Values before `on_batch_end` and `on_epoch_end` only
    when a callback with that hook reads the model. One that sets `reads_model = False` gets
    the parameters from `run.parameter_vectors()` instead, and must not rely on the model's
    Values in those hooks: they may hold older numbers, and a change to them may be lost.
    """

    reads_model: bool = True

    def on_train_begin(self, model: Any, run: TrainingRun) -> None:
        """Training starts: `run` holds the data fit reads and `run.stop()`."""

    def on_batch_end(self, model: Any, step: int, loss: float) -> None:
        """Optimizer step `step` (0, 1, ... within this fit) was taken on a batch with `loss`."""

    def on_epoch_end(self, model: Any, epoch: int, history: History) -> None:
        """Epoch `epoch` (0, 1, ...) ended: `history.epochs == epoch + 1`."""

    def on_train_end(self, model: Any, history: History) -> None:
        """Training ended (not called when an exception ends it)."""


@dataclass
class TrainingRun:
    """What fit shares with its callbacks: the training data it reads and a way to stop.

    >>> class Grow(nn.Callback):
    ...     def on_train_begin(self, model, run):
    ...         self.run = run                       # this TrainingRun
    ...     def on_epoch_end(self, model, epoch, history):
    ...         if epoch == 0:
    ...             self.run.add([2.0], 2.0)         # trained on from the next epoch
    ...         else:
    ...             self.run.stop()                  # fit ends after this epoch
    >>> grow = Grow()
    >>> history = nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], epochs=100,
    ...                  progress=False, callbacks=[grow])
    >>> history.epochs, grow.run.X, grow.run.y
    (2, [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])

    `X` and `y` are fit's own lists of samples and targets, read afresh at the start of every
    epoch: a sample `add`ed by a callback between epochs (in `on_epoch_end`) is trained on from
    the next epoch on. `predict` maps one model output to a class label (None for a regression
    loss). `stop()` ends training after the current epoch. `parameter_vectors()` reads the
    model's parameters and gradients as it trains (`reader`: fit's way to read them).
    """

    X: list[Any]
    y: list[Any]
    epochs: int
    batch_size: int | None
    predict: Callable[[Any], Any] | None = None
    validation: tuple[list[Any], list[Any]] | None = None
    reader: Callable[[], ParameterVectors] | None = field(default=None, repr=False, compare=False)
    stop_requested: bool = field(default=False, init=False)

    def parameter_vectors(self) -> ParameterVectors:
        """The model's parameters now, without touching the model: `data, grad =
        run.parameter_vectors()` are vectors in `model.parameters()` order (the optimizer's,
        for a model without `parameters()`), equal to every parameter's `.data` and `.grad`
        as a callback that reads the model sees them. New arrays: yours to keep.

        >>> class Last(nn.Callback):
        ...     reads_model = False                  # fit need not sync the model for it
        ...     def on_train_begin(self, model, run):
        ...         self.run = run
        ...     def on_epoch_end(self, model, epoch, history):
        ...         self.data, self.grad = self.run.parameter_vectors()
        >>> model, last = nn.MLP(1, [1], seed=0), Last()
        >>> history = nn.fit(model, [[0.0], [1.0]], [0.0, 1.0], epochs=2, progress=False,
        ...                  compile=True, callbacks=[last])
        >>> last.data.tolist() == [p.data for p in model.parameters()]  # synced at the end
        True
        """
        if self.reader is None:
            raise RuntimeError(
                "parameter_vectors() reads the parameters of a running fit: this TrainingRun "
                "was not made by nn.fit (pass reader=... to read them another way)"
            )
        return self.reader()

    def stop(self) -> None:
        """Ask fit to end after the current epoch (its history and `on_epoch_end` included)."""
        self.stop_requested = True

    def add(self, x: Sequence[float], target: Any) -> None:
        """Append one sample and its target to the training data (call it between epochs)."""
        if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
            raise TypeError(f"add() needs a sample as a list of numbers, got {type(x).__name__}")
        width = len(self.X[0]) if self.X and isinstance(self.X[0], (list, tuple)) else None
        if width is not None and len(x) != width:
            raise ValueError(f"add() needs a sample of {width} numbers like the others, got {x!r}")
        if not all(is_number(v) for v in x):
            raise TypeError(f"add() needs a sample of numbers, got {x!r}")
        check_sample(list(x), f"X[{len(self.X)}]", "X")  # finite, as fit checks X
        self.X.append([float(v) for v in x])
        self.y.append(target)


class Hooks:
    """The hooks of fit's `callbacks`, looked up and checked once, called in list order and timed.

    `seconds` is the time spent in them (and in the `sync` they need first when one of them
    reads the model), which fit leaves out of `history.time`. Hooks a callback leaves out cost
    nothing.
    """

    def __init__(self, callbacks: Sequence[object] | None) -> None:
        found, reading = _hooks(callbacks)
        self._train_begin, self._batch_end = found["on_train_begin"], found["on_batch_end"]
        self._epoch_end, self._train_end = found["on_epoch_end"], found["on_train_end"]
        self._batch_end_syncs = "on_batch_end" in reading
        self._epoch_end_syncs = "on_epoch_end" in reading
        self.seconds = 0.0

    def train_begin(self, model: Any, run: TrainingRun) -> None:
        for hook in self._train_begin:
            hook(model, run)

    def batch_end(self, model: Any, step: int, loss: float, sync: Callable[[], None]) -> None:
        """`on_batch_end` of every callback, after `sync()` if one of them reads the model."""
        if self._batch_end:
            started = time.perf_counter()
            if self._batch_end_syncs:
                sync()
            for hook in self._batch_end:
                hook(model, step, loss)
            self.seconds += time.perf_counter() - started

    def epoch_end(self, model: Any, epoch: int, history: History, sync: Callable[[], None]) -> None:
        """`on_epoch_end` of every callback, after `sync()` if one of them reads the model."""
        if self._epoch_end:
            started = time.perf_counter()
            if self._epoch_end_syncs:
                sync()
            for hook in self._epoch_end:
                hook(model, epoch, history)
            self.seconds += time.perf_counter() - started

    def train_end(self, model: Any, history: History) -> None:
        for hook in self._train_end:
            hook(model, history)


def _hooks(
    callbacks: Sequence[object] | None,
) -> tuple[dict[str, list[Callable[..., Any]]], set[str]]:
    """The bound hooks of `callbacks`, by hook name, checked once before training, and the
    names of the hooks that some callback which reads the model has."""
    found: dict[str, list[Callable[..., Any]]] = {name: [] for name in HOOKS}
    reading: set[str] = set()
    if callbacks is None:
        return found, reading
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Sequence):
        raise TypeError(
            f"callbacks must be a list of callbacks, got {type(callbacks).__name__}: "
            "write callbacks=[view]"
        )
    for i, callback in enumerate(callbacks):
        bound = {name: _own_hook(callback, name) for name in HOOKS}
        if not any(bound.values()) and Callback not in type(callback).__mro__:
            raise TypeError(
                f"callbacks[{i}] ({type(callback).__name__}) has none of the hooks "
                f"{', '.join(HOOKS)}"
            )
        reads = _reads_model(callback, i)
        for name, hook in bound.items():
            if hook is not None:
                found[name].append(hook)
                if reads:
                    reading.add(name)
    return found, reading


def _reads_model(callback: object, i: int) -> bool:
    """The callback's `reads_model` (True when it has none), checked."""
    reads = getattr(callback, "reads_model", True)
    if not isinstance(reads, bool):
        raise TypeError(
            f"callbacks[{i}] ({type(callback).__name__}) has reads_model = {reads!r}: "
            "set it to True (its hooks read the model) or False (they read "
            "run.parameter_vectors() instead)"
        )
    return reads


def _own_hook(callback: object, name: str) -> Callable[..., Any] | None:
    """The callback's hook `name`, or None where it has none or only Callback's no-op."""
    hook = getattr(callback, name, None)
    if getattr(type(callback), name, None) is getattr(Callback, name):
        return None
    return hook if callable(hook) else None
