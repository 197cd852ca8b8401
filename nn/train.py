"""fit(): the training loop of gradient descent, plus predict() and evaluate() without a graph.

One training step is: forward every sample of a batch, compute the loss, zero the grads,
`backward()`, `optimizer.step()`. `batch_size=None` takes one step per epoch on all the data
(full-batch gradient descent), `1` one step per sample (stochastic), `k` one step per k samples
(mini-batch): the three kinds the material teaches. `compile=True` takes the same steps through
`autograd_core.compile`: the model and loss are traced once and replayed over each batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

import autograd_core
from autograd_core import Value, gc_paused, no_grad

from ._checks import finite_nonnegative, positive_int
from .losses import (
    LOSSES,
    LossSpec,
    bce,
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
    loss: float
    accuracy: float | None  # None for a regression loss


StepFn = Callable[[list, list], tuple[float, list]]


def fit(
    model: Module,
    X: np.ndarray | Sequence,
    y: np.ndarray | Sequence,
    loss: Loss = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    *,
    l2: float = 0.0,
    validation: tuple[np.ndarray | Sequence, np.ndarray | Sequence] | None = None,
    to_label: Callable[[Any], Any] | None = None,
    compile: bool = False,
) -> History:
    """Train `model` on `(X, y)` and return its History.

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
    on all of (X, y) against the eager one and raises ValueError if they differ. A custom loss
    callable must be a mean over samples of its per-sample values, and it gets the targets as
    they are (one program is traced per distinct target); the built-in losses get the targets
    as traced numbers, except bce and softmax_cross_entropy, which branch on them (the latter
    also subtracts the traced sample's largest logit as a constant: the same loss in math).

    Python's cyclic garbage collector is paused while training (see `autograd_core.gc_paused`).
    """
    spec = get_loss(loss)
    if to_label is not None:
        spec = LossSpec(spec.fn, to_label)
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

    l2_params = _parameters(model) if l2 else []
    if compile:
        step = _compiled_training_step(
            model, spec.fn, optimizer, l2_params, l2, samples, targets, bool(spec.predict)
        )
    else:
        step = _training_step(model, spec.fn, optimizer, l2_params, l2)
    size = n if batch_size is None else min(batch_size, n)
    rng = np.random.default_rng(seed)
    history = History(
        accuracy=[] if spec.predict else None,
        val_loss=[] if val else None,
        val_accuracy=[] if val and spec.predict else None,
    )
    start = time.perf_counter()
    bar = _progress_bar(epochs, progress)
    with gc_paused(), bar:
        for _ in bar:
            order = rng.permutation(n).tolist() if shuffle and size < n else range(n)
            total, right = 0.0, 0
            for lo in range(0, n, size):
                batch = order[lo : lo + size]
                xb, yb = [samples[i] for i in batch], [targets[i] for i in batch]
                batch_loss, outputs = step(xb, yb)
                total += batch_loss * len(batch)
                if spec.predict:
                    right += sum(spec.predict(o) == t for o, t in zip(outputs, yb))
            history.steps = optimizer.steps
            history.loss.append(total / n)
            postfix = {"loss": f"{total / n:.4g}"}
            if history.accuracy is not None:
                history.accuracy.append(right / n)
                postfix["acc"] = f"{right / n:.3f}"
            if val:
                result = _evaluate(model, *val, spec)
                history.val_loss.append(result.loss)  # type: ignore[union-attr]
                if history.val_accuracy is not None:
                    history.val_accuracy.append(result.accuracy)  # type: ignore[arg-type]
            history.time.append(time.perf_counter() - start)
            bar.set_postfix(postfix, refresh=False)
    return history


def _training_step(
    model: Callable, loss_fn: Callable, optimizer: Optimizer, l2_params: list[Value], l2: float
) -> StepFn:
    """The function fit() calls per batch, returning (loss, outputs); a compiled variant of
    this one function is all a faster backend would need to provide."""

    def step(xb: list, yb: list) -> tuple[float, list]:
        outputs = _forward(model, xb)
        loss = loss_fn(outputs, yb)
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
# Static targets (passed as they are, one program per value) for losses that branch on them;
# squared_error is a sum over samples, every other built-in loss a mean.
_STATIC_TARGETS = (bce, softmax_cross_entropy)
_SUMMED = (squared_error,)
_BUILT_IN = {spec.fn for spec in LOSSES.values()}


def _compiled_training_step(
    model: Callable,
    loss_fn: Callable,
    optimizer: Optimizer,
    l2_params: list[Value],
    l2: float,
    samples: list,
    targets: list,
    want_outputs: bool,
) -> StepFn:
    """`_training_step` through `autograd_core.compile`: the per-sample loss (and the model's
    outputs, for accuracy) traced once, the l2 term traced on its own, both replayed per batch.

    Checks the compiled loss against the eager one on all the data first (which also checks
    the targets as the eager loss does) and raises ValueError if they differ.
    """
    static = loss_fn in _STATIC_TARGETS or loss_fn not in _BUILT_IN
    reduction = "sum" if loss_fn in _SUMMED else "mean"
    several = False  # does the model return a list of outputs?

    def per_sample(x: Any, y: Any) -> tuple:
        nonlocal several
        out = model(x)
        several = isinstance(out, list)
        loss = loss_fn(out, y)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss must return a Value, got {type(loss).__name__}")
        return (loss, *(out if several else [out]))

    def as_targets(yb: list) -> Any:
        return list(yb) if static else np.asarray(yb, dtype=float)

    X = np.asarray(samples, dtype=float)
    Y = as_targets(targets)
    data = autograd_core.compile(
        per_sample, X[0], Y[0], reduction=reduction, static=(1,) if static else ()
    )
    penalty = autograd_core.compile(lambda: l2_penalty(l2_params, l2)) if l2 else None
    _check_compiled(data, reduction, model, samples, targets, loss_fn, X, Y)

    def step(xb: list, yb: list) -> tuple[float, list]:
        optimizer.zero_grad()
        result = data.backward(np.asarray(xb, dtype=float), as_targets(yb), input_grads=False)
        loss = result.value
        if penalty is not None:
            loss = loss + penalty.backward().value
        optimizer.step()
        if not want_outputs:
            return loss, []
        columns = [np.atleast_1d(o).tolist() for o in result.outputs[1:]]
        if several:
            return loss, [[Value(v) for v in row] for row in zip(*columns)]
        return loss, [Value(v) for v in columns[0]]

    return step


@no_grad()
def _check_compiled(
    data: Any, reduction: str, model: Callable, samples: list, targets: list,
    loss_fn: Callable, X: np.ndarray, Y: Any,
) -> None:  # fmt: skip
    """Raise ValueError unless the compiled loss on all the data is the eager one."""
    eager = float(loss_fn(_forward(model, samples), targets))
    losses = np.atleast_1d(data(X, Y)[0])
    compiled = float(losses.sum() if reduction == "sum" else losses.mean())
    if not abs(compiled - eager) <= 1e-9 * max(abs(eager), abs(compiled)) + 1e-12:
        raise ValueError(
            f"fit(compile=True): the compiled loss on the training data is {compiled!r} but the "
            f"eager loss is {eager!r}. A compiled model and loss must build the same graph for "
            "every sample (no Python branches on .data), and a custom loss must be the mean of "
            "its per-sample values; train with compile=False otherwise"
        )


@no_grad()
def predict(model: Callable, X: np.ndarray | Sequence) -> list:
    """The model's outputs for every sample as plain floats (or lists of floats), no graph."""
    return [_floats(out) for out in _forward(model, _samples(X))]


def evaluate(
    model: Callable, X: np.ndarray | Sequence, y: np.ndarray | Sequence, loss: Loss = "mse"
) -> Evaluation:
    """`(loss, accuracy)` of the model on `(X, y)`, computed without building a graph."""
    return _evaluate(model, *_dataset(X, y), get_loss(loss))


@no_grad()
def _evaluate(model: Callable, samples: list, targets: list, spec: LossSpec) -> Evaluation:
    outputs = _forward(model, samples)
    loss = float(spec.fn(outputs, targets))
    if spec.predict is None:
        return Evaluation(loss, None)
    right = sum(spec.predict(o) == t for o, t in zip(outputs, targets))
    return Evaluation(loss, right / len(samples))


def _forward(model: Callable, samples: list) -> list:
    if isinstance(model, Module):
        return model.forward_batch(samples)
    return [model(x) for x in samples]


def _floats(output: Any) -> Any:
    if isinstance(output, (list, tuple)):
        return [float(o) for o in output]
    return float(output)


def _samples(X: np.ndarray | Sequence) -> list:
    if isinstance(X, np.ndarray):
        return X.tolist()
    if isinstance(X, (list, tuple)):
        return list(X)
    raise TypeError(f"X must be a numpy array or a list of samples, got {type(X).__name__}")


def _dataset(X: np.ndarray | Sequence, y: np.ndarray | Sequence) -> tuple[list, list]:
    samples = _samples(X)
    if isinstance(y, np.ndarray):
        targets = y.tolist()
    elif isinstance(y, (list, tuple)):
        targets = list(y)
    else:
        raise TypeError(f"y must be a numpy array or a list of targets, got {type(y).__name__}")
    if len(samples) != len(targets):
        raise ValueError(f"X has {len(samples)} samples but y has {len(targets)} targets")
    if not samples:
        raise ValueError("fit needs at least one sample")
    return samples, targets


def _parameters(model: object) -> list[Value]:
    if not isinstance(model, Module):
        raise TypeError(
            f"model must be an nn Module (or pass an optimizer), got {type(model).__name__}"
        )
    return model.parameters()


def _progress_bar(epochs: int, show: bool):
    """tqdm over the epochs: a widget in Jupyter, text in a terminal. Imported only when shown,
    so `import nn` stays quiet in a kernel without ipywidgets."""
    if show:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm  # the plain class: a disabled bar, and no notebook import
    return tqdm(range(epochs), desc="fit", unit="epoch", disable=not show)
