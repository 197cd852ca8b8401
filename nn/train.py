"""fit(): the training loop of gradient descent, plus predict() and evaluate() without a graph.

One training step is: forward every sample of a batch, compute the loss, zero the grads,
`backward()`, `optimizer.step()`. `batch_size=None` takes one step per epoch on all the data
(full-batch gradient descent), `1` one step per sample (stochastic), `k` one step per k samples
(mini-batch): the three kinds the material teaches. `compile=True` takes the same steps through
`autograd_core.compile`: the model and loss are traced once and replayed over each batch.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

import autograd_core
from autograd_core import Value, gc_paused, no_grad

from ._checks import finite_nonnegative, positive_int, rows
from .callbacks import TrainingRun
from .callbacks import hooks as callback_hooks
from .losses import (
    LOSSES,
    LossSpec,
    _number,
    _scores,
    check_targets,
    get_loss,
    l2_penalty,
    softmax_cross_entropy,
    squared_error,
)
from .module import Module
from .optim import SGD, Optimizer

Loss = str | Callable[[Any, Any], Value]


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
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None
    time: list[float] = field(default_factory=list)
    val_loss: list[float] | None = None
    val_accuracy: list[float] | None = None
    steps: int = 0  # optimizer steps taken

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


StepFn = Callable[[Sequence[int]], tuple[float, Any]]


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
    `nn.train.CHECKED`), each and together, and raises ValueError if they differ. A custom loss
    callable must be a mean over samples of its per-sample values, and it gets the targets as
    they are (one program is traced per distinct target); the built-in losses have no branch on
    the numbers and get the targets as traced data (softmax_cross_entropy's class labels as
    one-hot vectors), so one program serves every batch.

    `callbacks` is a list of objects with any of the hooks of `nn.Callback` (`on_train_begin`,
    `on_batch_end`, `on_epoch_end`, `on_train_end`), called in list order; `viz.TrainingView` is
    one. A callback may `stop()` the run or `add()` samples to it (see `nn.TrainingRun`). The
    time spent in callbacks is left out of `history.time`.

    Python's cyclic garbage collector is paused while training (see `autograd_core.gc_paused`).
    """
    spec = get_loss(loss)
    if to_label is not None:
        spec = LossSpec(spec.fn, to_label=to_label)
    samples, targets = _dataset(X, y)
    n = len(samples)
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
    hooked = callback_hooks(callbacks)

    l2_params = _parameters(model) if l2 else []
    if compile:
        outputs = None if spec.predict is None else "values" if to_label else "numbers"
        step: Any = _CompiledStep(
            model, spec.fn, optimizer, l2_params, l2, samples, targets, outputs, first_output
        )
    else:
        step = _training_step(model, spec.fn, optimizer, l2_params, l2, samples, targets)
    sync = getattr(step, "sync", lambda: None)  # compiled steps keep the parameters in a vector
    rng = np.random.default_rng(seed)
    history = History(
        accuracy=[] if spec.predict else None,
        val_loss=[] if val else None,
        val_accuracy=[] if val and spec.predict else None,
    )
    run = TrainingRun(samples, targets, epochs, batch_size, spec.predict, val)
    on_batch_end, on_epoch_end = hooked["on_batch_end"], hooked["on_epoch_end"]
    for hook in hooked["on_train_begin"]:
        hook(model, run)
    start = time.perf_counter()
    in_callbacks = 0.0  # seconds spent in callbacks during the epochs, left out of history.time
    steps = 0
    bar = _progress_bar(epochs, progress)
    with gc_paused(), bar, _finally(sync):  # an interrupted fit keeps its last step
        for epoch in bar:
            n = len(samples)  # a callback may have added samples
            size = n if batch_size is None else min(batch_size, n)
            order = rng.permutation(n).tolist() if shuffle and size < n else range(n)
            total, right = 0.0, 0
            for lo in range(0, n, size):
                batch = order[lo : lo + size]
                batch_loss, outputs = step(batch)
                total += batch_loss * len(batch)
                if spec.predict:
                    right += _count_right(spec, outputs, _take(targets, batch))
                if on_batch_end:
                    called = time.perf_counter()
                    sync()
                    for hook in on_batch_end:
                        hook(model, steps, batch_loss)
                    in_callbacks += time.perf_counter() - called
                steps += 1
            if val or on_epoch_end:  # they read the model: give it the trained numbers
                sync()
            history.steps = optimizer.steps
            history.loss.append(total / n)
            if history.accuracy is not None:
                history.accuracy.append(right / n)
            if val:
                result = _evaluate(model, *val, spec)
                history.val_loss.append(result.loss)  # type: ignore[union-attr]
                if history.val_accuracy is not None:
                    history.val_accuracy.append(result.accuracy)  # type: ignore[arg-type]
            history.time.append(time.perf_counter() - start - in_callbacks)
            if progress:
                bar.set_postfix(_postfix(history), refresh=False)
            if on_epoch_end:
                called = time.perf_counter()
                for hook in on_epoch_end:
                    hook(model, epoch, history)
                in_callbacks += time.perf_counter() - called
            if run.stop_requested:
                break
    for hook in hooked["on_train_end"]:
        hook(model, history)
    return history


def _training_step(
    model: Callable[..., Any],
    loss_fn: Callable[..., Any],
    optimizer: Optimizer,
    l2_params: list[Value],
    l2: float,
    samples: list[Any],
    targets: list[Any],
) -> StepFn:
    """The function fit() calls per batch (the indices of its samples, which a callback may add
    to), returning (loss, outputs); `_CompiledStep` is the same function, compiled."""

    def step(batch: Sequence[int]) -> tuple[float, list[Any]]:
        outputs = _forward(model, _take(samples, batch))
        loss = loss_fn(outputs, _take(targets, batch))
        if l2:
            loss = loss + l2_penalty(l2_params, l2)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss must return a Value, got {type(loss).__name__}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data, outputs

    return step


# How a compiled step hands each built-in loss its targets, and how it reduces over a batch.
# Every built-in loss takes its targets as traced numbers (class labels as one-hot vectors),
# so one program serves every batch; a custom loss gets them as static values. squared_error
# is a sum over samples, every other built-in loss a mean.
_SUMMED = (squared_error,)
_BUILT_IN = {spec.fn for spec in LOSSES.values()}


class _CompiledStep:
    """`_training_step` through `autograd_core.compile`: the per-sample loss (and the model's
    outputs, for accuracy) traced once and replayed per batch; the l2 term in closed form.

    The parameters live in one vector between `sync()` calls, which write it (and the last
    step's gradients) back to the model's Values: updating a hundred thousand Values one by one
    would take longer than the step itself. fit syncs after every epoch, before any
    `on_batch_end` callback and when training stops. The compiled loss is checked against the
    eager one first, on up to CHECKED samples spread over the data (ValueError if they differ).
    """

    def __init__(
        self, model: Callable[..., Any], loss_fn: Callable[..., Value], optimizer: Optimizer,
        l2_params: list[Value], l2: float, samples: list[Any], targets: list[Any],
        want_outputs: str | None, first_output: Any,
    ) -> None:  # fmt: skip
        self.static = loss_fn not in _BUILT_IN
        self.classes = 0  # softmax_cross_entropy: labels become one-hot vectors of this length
        if loss_fn is softmax_cross_entropy:  # first_output: the model's for samples[0]
            self.classes = len(first_output)
        reduction: Literal["mean", "sum"] = "sum" if loss_fn in _SUMMED else "mean"
        self.several = False  # does the model return a list of outputs?

        def per_sample(x: Any, y: Any) -> tuple[Value, ...]:
            out = model(x)
            self.several = isinstance(out, list)
            loss = loss_fn(out, y)
            if not isinstance(loss, Value):
                raise TypeError(f"the loss must return a Value, got {type(loss).__name__}")
            return (loss, *(out if self.several else [out]))

        self.samples, self.labels = samples, targets  # fit's lists: a callback may add to them
        X, Y = np.asarray(samples, dtype=float), self.targets(targets)
        self.X, self.Y = X, Y
        static = (1,) if self.static else ()
        # The vector: the optimizer's parameters, then the penalty's, then any other fn reads. In
        # the model's order, a layer's weights are one block of it, read and updated as a view.
        first = list({id(p): p for p in [*optimizer.params, *l2_params]}.values())
        self.data = autograd_core.compile(
            per_sample, X[0], Y[0], reduction=reduction, static=static, params=first
        )
        _check_compiled(self.data, reduction, model, samples, targets, loss_fn, X, Y)
        self.optimizer, self.want_outputs = optimizer, want_outputs
        self.params = self.data.params  # the penalty's parameters are among them (given first)
        self.l2, self.penalized = l2, _positions(self.params, l2_params)
        self.theta = np.array([p.data for p in self.params])
        self.grads = np.zeros(len(self.params))
        self.synced = True

    def targets(self, yb: list[Any]) -> Any:
        if self.static:
            return list(yb)
        if self.classes:
            return np.eye(self.classes)[np.asarray(yb, dtype=int)]
        return np.asarray(yb, dtype=float)

    def __call__(self, batch: Sequence[int]) -> tuple[float, Any]:
        if self.synced:  # the Values may have changed since (a callback, a load): read them
            self.theta = np.array([p.data for p in self.params])
        if len(self.X) != len(self.samples):  # a callback added samples
            self.X, self.Y = np.asarray(self.samples, dtype=float), self.targets(self.labels)
        index = _batch_index(batch)
        X = self.X[index]
        Y = self.Y[index] if isinstance(self.Y, np.ndarray) else _take(self.Y, batch)
        result = self.data.run(X, Y, input_grads=False, params=self.theta)
        grads, loss = result.grads, result.value
        if self.l2:  # l2·Σ p², whose gradient is 2·l2·p: one dot product, one scaled copy
            p = self.theta[self.penalized]
            grads[self.penalized] += 2 * self.l2 * p
            loss += self.l2 * float(p @ p)
        n = len(self.optimizer.params)
        self.theta[:n] = self.optimizer.update(self.theta[:n], grads[:n])
        self.grads, self.synced = grads, False
        if not self.want_outputs:
            return loss, []
        scores = np.column_stack(result.outputs[1:]) if self.several else result.outputs[1]
        if self.want_outputs == "values":  # a to_label of the user's may read .data
            rows = scores.tolist()
            return loss, [[Value(v) for v in r] for r in rows] if self.several else list(
                map(Value, rows)
            )
        return loss, scores  # one row per sample, for the loss's label rule

    def sync(self) -> None:
        """Write the vector and the last step's gradients back to the parameters' Values."""
        if not self.synced:
            for p, value, grad in zip(self.params, self.theta.tolist(), self.grads.tolist()):
                p.data, p.grad = value, grad
            self.synced = True


def _batch_index(batch: Sequence[int]) -> slice | Sequence[int]:
    """A batch as indices; a slice (an array's view, a list's quick copy) when it is a range,
    as every batch is without shuffling."""
    return slice(batch.start, batch.stop) if isinstance(batch, range) else batch


def _take(items: list[Any], batch: Sequence[int]) -> list[Any]:
    """items[i] for i in batch."""
    index = _batch_index(batch)
    return items[index] if isinstance(index, slice) else [items[i] for i in index]


def _postfix(history: History) -> dict[str, str]:
    """The progress bar's numbers after an epoch."""
    shown = {"loss": f"{history.loss[-1]:.4g}"}
    if history.accuracy is not None:
        shown["acc"] = f"{history.accuracy[-1]:.3f}"
    return shown


def _positions(params: list[Value], some: list[Value]) -> slice | np.ndarray:
    """Where `some` (each one of `params`) sit in `params`: a slice when they are a block."""
    where = {id(p): i for i, p in enumerate(params)}
    found = np.array([where[id(p)] for p in some], dtype=np.intp)
    if len(found) and (found == np.arange(found[0], found[0] + len(found))).all():
        return slice(int(found[0]), int(found[0]) + len(found))
    return found


@contextmanager
def _finally(fn: Callable[[], None]) -> Iterator[None]:
    try:
        yield
    finally:
        fn()


CHECKED = 32, 500_000
"""fit(compile=True) runs up to 32 samples both ways before training, to catch a trace that
does not hold for every sample, but at least 2 and no more than 500,000 graph nodes' worth."""


@no_grad()
def _check_compiled(
    data: Any, reduction: str, model: Callable[..., Any], samples: list[Any], targets: list[Any],
    loss_fn: Callable[..., Any], X: np.ndarray, Y: Any,
) -> None:  # fmt: skip
    """Raise ValueError unless the compiled loss is the eager one on CHECKED samples spread
    over the data (an eager pass over all of a big data set would take longer than training)."""
    most, nodes = CHECKED
    count = max(2, min(most, nodes // max(1, data.nodes)))
    picked = sorted({round(i) for i in np.linspace(0, len(samples) - 1, count)})
    Y_picked = Y[picked] if isinstance(Y, np.ndarray) else [Y[i] for i in picked]
    losses = np.atleast_1d(data(X[picked], Y_picked)[0]).tolist()
    outputs = _forward(model, [samples[i] for i in picked])
    chosen = [targets[i] for i in picked]
    pairs = [
        (f"of sample {i}", c, loss_fn(o, t).data)
        for i, c, o, t in zip(picked, losses, outputs, chosen)
    ]
    together = sum(losses) if reduction == "sum" else sum(losses) / len(losses)
    eager = loss_fn(outputs, chosen).data
    pairs.append((f"of samples {picked[0]}..{picked[-1]} together", together, eager))
    for what, compiled, eager in pairs:
        if not abs(compiled - eager) <= 1e-9 * max(abs(eager), abs(compiled)) + 1e-12:
            raise ValueError(
                f"fit(compile=True): the compiled loss {what} is {compiled!r} but the eager one "
                f"is {eager!r}. A compiled model and loss must build the same graph for every "
                "sample (no Python branches on .data), and a custom loss must be the mean of its "
                "per-sample values; train with compile=False otherwise"
            )


@no_grad()
def predict(model: Callable[..., Any], X: np.ndarray | Sequence[Any]) -> list[Any]:
    """The model's outputs for every sample as plain floats (or lists of floats), no graph.

    >>> model = nn.MLP(1, [1], seed=0)                          # y = 0.2739·x
    >>> [round(out, 4) for out in nn.predict(model, [[0.0], [1.0], [2.0]])]
    [0.0, 0.2739, 0.5478]
    """
    return [_floats(out) for out in _forward(model, _samples(X))]


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
    outputs = _forward(model, samples)
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


def _forward(model: Callable[..., Any], samples: list[Any]) -> list[Any]:
    if isinstance(model, Module):
        return model.forward_batch(samples)
    return [model(x) for x in samples]


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
    output = _forward(model, samples[:1])[0]
    for ys in (targets, val[1] if val else []):
        check_targets(loss_fn, ys, output)
    return output


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
