"""fit(): the training loop of gradient descent, plus predict() and evaluate() without a graph.

One training step is: forward every sample of a batch, compute the loss, zero the grads,
`backward()`, `optimizer.step()`. `batch_size=None` takes one step per epoch on all the data
(full-batch gradient descent), `1` one step per sample (stochastic), `k` one step per k samples
(mini-batch): the three kinds the material teaches. `compile=True` takes the same steps through
`autograd_core.compile`: the model and loss are traced once and replayed over each batch.

fit is three parts: preparation (`_prepare` checks the arguments), a step (`nn.steps`: eager
or compiled, one protocol) and the loop (`_train`), which calls the callbacks through
`nn.callbacks.Hooks`.
"""

from __future__ import annotations

import functools
import importlib.util
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, ParamSpec, TypeVar

import numpy as np

from autograd_core import Value, gc_paused, no_grad

from ._checks import finite_nonnegative, positive_int, rows
from .callbacks import Hooks, TrainingRun
from .losses import LossSpec, _number, _scores, check_targets, get_loss
from .module import Module
from .optim import SGD, Optimizer
from .steps import (
    CompiledStep,
    EagerStep,
    Objective,
    Outputs,
    ParameterVectors,
    Step,
    forward,
    take,
)

Loss = str | Callable[[Any, Any], Value]
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class History:
    """What fit() measured, one entry per epoch, ready to plot (`plt.plot(history.loss)`).

    >>> history = nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], epochs=3,
    ...                  progress=False)
    >>> history.epochs, [round(loss, 4) for loss in history.loss], history.accuracy
    (3, [0.2636, 0.1713, 0.119], None)

    `loss` is the training loss (with the l2 term) averaged over the epoch's batches, weighted
    by batch size; `accuracy` the fraction of training samples classified right in those same
    forward passes (None for a regression loss); `time` the seconds since fit() started, at the
    end of each epoch. `val_*` are measured after each epoch when `validation` data is given.
    `steps` is the number of optimizer steps this fit took (as `on_batch_end` counts them, from
    0 in every fit), whatever steps the optimizer took before.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None
    time: list[float] = field(default_factory=list)
    val_loss: list[float] | None = None
    val_accuracy: list[float] | None = None
    steps: int = 0  # optimizer steps this fit took

    @property
    def epochs(self) -> int:
        return len(self.loss)


class Evaluation(NamedTuple):
    """The loss and accuracy that `nn.evaluate` measured (a named tuple).

    >>> result = nn.evaluate(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0])
    >>> round(result.loss, 4), result.accuracy    # mse (w - 1)² / 2 for w = 0.2739; regression
    (0.2636, None)
    """

    loss: float
    accuracy: float | None  # None for a regression loss


# fit's keywords that belong to an optimizer: what each is, and an example in its place.
_OPTIMIZER_KEYWORDS = {
    "lr": ("the learning rate", "nn.SGD(model, lr={})"),
    "learning_rate": ("the learning rate", "nn.SGD(model, lr={})"),
    "momentum": ("momentum", "nn.SGD(model, lr=0.1, momentum={})"),
    "weight_decay": ("weight decay", "nn.SGD(model, lr=0.1, weight_decay={})"),
}


def _optimizer_keywords_explained(fn: Callable[P, R]) -> Callable[P, R]:
    """`fit(..., lr=0.1)` raises a TypeError saying that the learning rate belongs to the
    optimizer, with the call to write instead (Python's own error would only name `lr`)."""

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        for name, (what, example) in _OPTIMIZER_KEYWORDS.items():
            if name in kwargs:
                value = kwargs[name]
                shown = example.format(repr(value) if isinstance(value, (int, float)) else "0.1")
                raise TypeError(
                    f"fit() has no argument {name!r}: {what} belongs to the optimizer; pass "
                    f"one: nn.fit(model, X, y, optimizer={shown})"
                )
        return fn(*args, **kwargs)

    return checked


@_optimizer_keywords_explained
def fit(
    model: Module,
    X: np.ndarray | Sequence[Any],
    y: np.ndarray | Sequence[Any],
    loss: Loss = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    *,
    l2: float = 0.0,
    validation: tuple[np.ndarray | Sequence[Any], np.ndarray | Sequence[Any]] | None = None,
    to_label: Callable[[Any], Any] | None = None,
    compile: bool = False,
    callbacks: Sequence[object] | None = None,
) -> History:
    """Train `model` on `(X, y)` and return its History.

    >>> X, y = nn.data.make_moons(40, noise=0.1, seed=0)       # classes 0 and 1
    >>> model = nn.MLP(2, [8, 1], seed=0)
    >>> history = nn.fit(model, X, 2 * y - 1, loss="hinge", epochs=2, progress=False)
    >>> [round(loss, 4) for loss in history.loss], history.accuracy
    ([0.7067, 0.6159], [0.725, 0.775])

    `loss` is a name from `nn.LOSSES` ("mse", "squared_error", "hinge", "bce",
    "bce_with_logits", "softmax_cross_entropy") or a callable `loss(outputs, targets) -> Value`.
    Accuracy is reported for the classification losses, or for any loss when `to_label` maps
    one model output to a label. `optimizer` defaults to `SGD(model, lr=0.1)`. `l2` adds
    `l2 * Σ p²` over the model's parameters to every batch's loss. `shuffle` reorders the
    samples every epoch (mini-batch and stochastic modes), from `seed`. `progress` shows a tqdm
    bar (a widget in Jupyter).

    `compile=True` traces the model and the loss once (`autograd_core.compile`) and replays
    that program on every batch, a whole batch per numpy operation, instead of building a graph
    of Values per sample: the same steps, many times faster. The history equals eager training
    to rounding (about 1e-12 relative). The rule of tracing applies: the model's forward and
    the loss must build the same graph for every sample, so they must not branch on the data
    (`if x.data > 0:`; ops like relu are fine). Before training, fit checks the compiled loss
    against the eager one on up to 32 samples spread over (X, y) (fewer for a big model; see
    `nn.steps.CHECKED`), each and together, and raises ValueError if they differ. A custom loss
    callable must be a mean over samples of its per-sample values, and it gets the targets as
    they are (one program is traced per distinct target); the built-in losses have no branch on
    the numbers and get the targets as traced data (softmax_cross_entropy's class labels as
    one-hot vectors), so one program serves every batch.

    `callbacks` is a list of objects with any of the hooks of `nn.Callback` (`on_train_begin`,
    `on_batch_end`, `on_epoch_end`, `on_train_end`), called in list order; `viz.TrainingView` is
    one. A callback may `stop()` the run or `add()` samples to it (see `nn.TrainingRun`). The
    time spent in callbacks is left out of `history.time`. A compiled fit writes its parameters
    back into the model's Values before a hook only when a callback that has it reads the model
    (every callback, unless it sets `reads_model = False` and reads `run.parameter_vectors()`),
    and always before validation and when training ends.

    Python's cyclic garbage collector is paused while fit runs (see `autograd_core.gc_paused`).
    """
    with gc_paused():  # the checks and the trace make graphs of a few hundred thousand nodes
        training = _prepare(
            model, X, y, loss, optimizer, epochs, batch_size, shuffle, seed, l2, validation,
            to_label,
        )  # fmt: skip
        hooks = Hooks(callbacks)
        return _train(training, _step(training, compile), hooks, progress)


# --- preparation ---------------------------------------------------------------------------------


@dataclass
class _Training:
    """What fit checked and prepared before its first step."""

    objective: Objective
    spec: LossSpec
    epochs: int
    batch_size: int | None
    validation: tuple[list[Any], list[Any]] | None
    first_output: Any  # the model's output for the first sample
    shuffle: bool
    rng: np.random.Generator  # the order of the samples in every epoch, when shuffled

    def batches(self) -> list[Sequence[int]]:
        """One epoch's batches of sample indices (a callback may have added samples)."""
        n = len(self.objective.samples)
        size = n if self.batch_size is None else min(self.batch_size, n)
        order = self.rng.permutation(n).tolist() if self.shuffle and size < n else range(n)
        return [order[lo : lo + size] for lo in range(0, n, size)]


def _prepare(
    model: Module, X: np.ndarray | Sequence[Any], y: np.ndarray | Sequence[Any], loss: Loss,
    optimizer: Optimizer | None, epochs: int, batch_size: int | None, shuffle: bool,
    seed: int | np.random.Generator | None, l2: float,
    validation: tuple[np.ndarray | Sequence[Any], np.ndarray | Sequence[Any]] | None,
    to_label: Callable[[Any], Any] | None,
) -> _Training:  # fmt: skip
    """fit's arguments checked (errors name the argument) and turned into what the loop needs."""
    spec = get_loss(loss)
    if to_label is not None:
        spec = LossSpec(spec.fn, to_label=to_label)
    samples, targets = _dataset(X, y)
    epochs = positive_int(epochs, "epochs")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    l2 = finite_nonnegative(l2, "l2")
    if optimizer is None:
        optimizer = SGD(_parameters(model), lr=0.1)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn Optimizer (SGD, Adam), got {optimizer!r}")
    val = _dataset(*validation) if validation is not None else None
    first_output = _check_targets(model, spec.fn, samples, targets, val)
    l2_params = tuple(_parameters(model)) if l2 else ()
    objective = Objective(model, spec.fn, optimizer, samples, targets, l2, l2_params)
    rng = np.random.default_rng(seed)
    return _Training(objective, spec, epochs, batch_size, val, first_output, shuffle, rng)


def _step(training: _Training, compile: bool) -> Step:
    """The eager step, or the compiled one with the outputs the loss's label rule reads."""
    if not compile:
        return EagerStep(training.objective)
    spec = training.spec
    outputs: Outputs = None if spec.predict is None else "values" if spec.to_label else "numbers"
    return CompiledStep(training.objective, outputs, training.first_output)


# --- the loop ----------------------------------------------------------------------------------


def _train(training: _Training, step: Step, hooks: Hooks, progress: bool) -> History:
    """Run the epochs: train, validate, record, call the hooks; stop when a callback asks."""
    o, spec, val = training.objective, training.spec, training.validation
    history = History(
        accuracy=[] if spec.predict else None,
        val_loss=[] if val else None,
        val_accuracy=[] if val and spec.predict else None,
    )
    run = TrainingRun(
        o.samples, o.targets, training.epochs, training.batch_size, spec.predict, val,
        _reader(step, o),
    )  # fmt: skip
    hooks.train_begin(o.model, run)
    start = time.perf_counter()
    bar = _progress_bar(training.epochs, progress)
    with bar, _finally(step.sync):  # an interrupted fit keeps its last step
        for epoch in bar:
            _train_epoch(training, step, hooks, history)
            _validate(training, step, history)
            history.time.append(time.perf_counter() - start - hooks.seconds)
            if progress:
                bar.set_postfix(_postfix(history), refresh=False)
            hooks.epoch_end(o.model, epoch, history, step.sync)
            if run.stop_requested:
                break
    hooks.train_end(o.model, history)
    return history


def _train_epoch(training: _Training, step: Step, hooks: Hooks, history: History) -> None:
    """One step per batch; the epoch's loss (weighted by batch size) and accuracy recorded."""
    o, spec = training.objective, training.spec
    n = len(o.samples)
    total, right = 0.0, 0
    for batch in training.batches():
        loss, outputs = step(batch)
        total += loss * len(batch)
        if spec.predict:
            right += _count_right(spec, outputs, take(o.targets, batch))
        hooks.batch_end(o.model, history.steps, loss, step.sync)
        history.steps += 1
    history.loss.append(total / n)
    if history.accuracy is not None:
        history.accuracy.append(right / n)


def _validate(training: _Training, step: Step, history: History) -> None:
    """The loss and accuracy on the validation data, after the epoch, recorded."""
    if training.validation is None:
        return
    step.sync()  # the model's Values must hold the trained numbers
    result = _evaluate(training.objective.model, *training.validation, training.spec)
    history.val_loss.append(result.loss)  # type: ignore[union-attr]
    if history.val_accuracy is not None:
        history.val_accuracy.append(result.accuracy)  # type: ignore[arg-type]


def _postfix(history: History) -> dict[str, str]:
    """The progress bar's numbers after an epoch."""
    shown = {"loss": f"{history.loss[-1]:.4g}"}
    if history.accuracy is not None:
        shown["acc"] = f"{history.accuracy[-1]:.3f}"
    return shown


@contextmanager
def _finally(fn: Callable[[], None]) -> Iterator[None]:
    try:
        yield
    finally:
        fn()


@no_grad()
def predict(model: Callable[..., Any], X: np.ndarray | Sequence[Any]) -> list[Any]:
    """The model's outputs for every sample as plain floats (or lists of floats), no graph.

    >>> model = nn.MLP(1, [1], seed=0)                          # y = 0.2739·x
    >>> [round(out, 4) for out in nn.predict(model, [[0.0], [1.0], [2.0]])]
    [0.0, 0.2739, 0.5478]
    """
    return [_floats(out) for out in forward(model, _samples(X))]


def evaluate(
    model: Callable[..., Any],
    X: np.ndarray | Sequence[Any],
    y: np.ndarray | Sequence[Any],
    loss: Loss = "mse",
) -> Evaluation:
    """`(loss, accuracy)` of the model on `(X, y)`, computed without building a graph.

    >>> model = nn.MLP(1, [1], seed=0)                          # score 0.2739·x; label its sign
    >>> loss, accuracy = nn.evaluate(model, [[-1.0], [1.0], [2.0]], [-1, 1, -1], loss="hinge")
    >>> round(loss, 4), round(accuracy, 4)        # (0.7261 + 0.7261 + 1.5478) / 3; 2 of 3 right
    (1.0, 0.6667)
    """
    return _evaluate(model, *_dataset(X, y), get_loss(loss))


@no_grad()
def _evaluate(
    model: Callable[..., Any], samples: list[Any], targets: list[Any], spec: LossSpec
) -> Evaluation:
    outputs = forward(model, samples)
    loss = spec.fn(outputs, targets).data
    if spec.predict is None:
        return Evaluation(loss, None)
    right = _count_right(spec, outputs, targets)
    return Evaluation(loss, right / len(samples))


def _count_right(spec: LossSpec, outputs: Any, targets: list[Any]) -> int:
    """How many outputs the loss's label rule maps to their target: for a whole batch at once
    with a built-in loss (outputs as an array, one row per sample), else sample by sample."""
    if spec.labels is None or spec.to_label is not None:
        return sum(spec.predict(o) == t for o, t in zip(outputs, targets))  # type: ignore[misc]
    scores = outputs if isinstance(outputs, np.ndarray) else np.array([_scores(o) for o in outputs])
    right = spec.labels(scores) == np.asarray(targets)
    if right.ndim > 1:  # several outputs per sample: right when all are
        right = right.reshape(len(targets), -1).all(axis=1)
    return int(np.count_nonzero(right))


def _floats(output: Any) -> Any:
    if isinstance(output, (list, tuple)):
        return [_number(o) for o in output]
    return _number(output)


def _samples(X: np.ndarray | Sequence[Any]) -> list[Any]:
    """X as a list of samples, checked: numbers or equal-length vectors, all finite."""
    return rows(X, "X")


def _dataset(
    X: np.ndarray | Sequence[Any], y: np.ndarray | Sequence[Any]
) -> tuple[list[Any], list[Any]]:
    samples, targets = _samples(X), rows(y, "y")
    if len(samples) != len(targets):
        raise ValueError(f"X has {len(samples)} samples but y has {len(targets)} targets")
    if not samples:
        raise ValueError("fit needs at least one sample")
    return samples, targets


@no_grad()
def _check_targets(
    model: Callable[..., Any],
    loss_fn: Callable[..., Any],
    samples: list[Any],
    targets: list[Any],
    val: tuple[Any, ...] | None,
) -> Any:
    """Before training: every target (and validation target) suits the loss and the model's
    output for the first sample (its count, range and type), named by index if not. Returns
    that output."""
    output = forward(model, samples[:1])[0]
    for ys in (targets, val[1] if val else []):
        check_targets(loss_fn, ys, output)
    return output


def _reader(step: Step, objective: Objective) -> Callable[[], ParameterVectors]:
    """What `TrainingRun.parameter_vectors()` calls: the step's reader of the model's
    parameters, made on first use (a fit whose callbacks never read them pays nothing)."""
    made: list[Callable[[], ParameterVectors]] = []

    def read() -> ParameterVectors:
        if not made:
            made.append(step.reader(_model_parameters(objective)))
        return made[0]()

    return read


def _model_parameters(objective: Objective) -> list[Value]:
    """The parameters callbacks read, in `model.parameters()` order (the optimizer's when the
    model has no `parameters()`)."""
    parameters = getattr(objective.model, "parameters", None)
    return list(parameters() if callable(parameters) else objective.optimizer.params)


def _parameters(model: object) -> list[Value]:
    if not isinstance(model, Module):
        raise TypeError(
            f"model must be an nn Module (or pass an optimizer), got {type(model).__name__}"
        )
    return model.parameters()


def _progress_bar(epochs: int, show: bool) -> Any:
    """tqdm over the epochs: a widget in Jupyter (when ipywidgets is there), text elsewhere.
    Imported only when shown, so `import nn` stays quiet in any kernel."""
    from tqdm import tqdm as bar  # type: ignore[import-untyped]

    if show and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm as bar  # type: ignore[import-untyped]
    return bar(range(epochs), desc="fit", unit="epoch", disable=not show)
