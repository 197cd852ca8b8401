"""The training step fit() takes per batch, eager or compiled: one protocol, two implementations.

`step(batch)` trains on the samples at the indices `batch` (one optimizer step) and returns the
batch's loss and the model's outputs; `step.sync()` makes the model's Values hold the trained
numbers, and `step.reader(params)` reads those numbers without writing them anywhere. The eager
step updates the Values themselves, so its `sync()` does nothing; the compiled step keeps the
parameters in one vector and writes them back when synced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np

import autograd_core
from autograd_core import Value, no_grad

from .losses import LOSSES, l2_penalty, softmax_cross_entropy, squared_error
from .module import Module
from .optim import Optimizer


class ParameterVectors(NamedTuple):
    """Parameters' numbers as two vectors, one entry per parameter: `data` their values and
    `grad` their gradients (new arrays, the caller's to keep); `nn.TrainingRun` hands them out.

    >>> class AtTheEnd(nn.Callback):
    ...     reads_model = False
    ...     def on_train_begin(self, model, run):
    ...         self.run = run
    ...     def on_train_end(self, model, history):
    ...         self.vectors = self.run.parameter_vectors()
    >>> end = AtTheEnd()
    >>> history = nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], epochs=1,
    ...                  progress=False, callbacks=[end])   # one SGD step from w = 0.2739, b = 0
    >>> data, grad = end.vectors                  # d mse / dw = d mse / db = w + b - 1
    >>> data.round(4).tolist(), grad.round(4).tolist()
    ([0.3465, 0.0726], [-0.7261, -0.7261])
    """

    data: np.ndarray
    grad: np.ndarray


class Step(Protocol):
    """What fit() calls per batch: `step(batch) -> (loss, outputs)`; `sync()` before anything
    reads the model (a callback that says so, validation, the end of training); `reader(params)`
    for a callback that reads the numbers instead (see `nn.TrainingRun.parameter_vectors`)."""

    def __call__(self, batch: Sequence[int]) -> tuple[float, Any]: ...

    def sync(self) -> None: ...

    def reader(self, params: Sequence[Value]) -> Callable[[], ParameterVectors]:
        """A function returning `params`' numbers as `sync()` would leave them in their Values,
        without syncing."""
        ...


@dataclass(frozen=True)
class Objective:
    """What a step minimises: `loss_fn(outputs, targets)` over a batch, plus `l2·Σ p²` over
    `l2_params`, by `optimizer`. `samples` and `targets` are fit's own lists (a callback may add
    to them between epochs)."""

    model: Callable[..., Any]
    loss_fn: Callable[..., Any]
    optimizer: Optimizer
    samples: list[Any]
    targets: list[Any]
    l2: float = 0.0
    l2_params: tuple[Value, ...] = ()


class EagerStep:
    """Forward the batch, compute the loss, `zero_grad()`, `backward()`, `optimizer.step()`."""

    def __init__(self, objective: Objective) -> None:
        self.objective = objective

    def __call__(self, batch: Sequence[int]) -> tuple[float, list[Any]]:
        o = self.objective
        outputs = forward(o.model, take(o.samples, batch))
        loss = o.loss_fn(outputs, take(o.targets, batch))
        if o.l2:
            loss = loss + l2_penalty(o.l2_params, o.l2)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss must return a Value, got {type(loss).__name__}")
        o.optimizer.zero_grad()
        loss.backward()
        o.optimizer.step()
        return loss.data, outputs

    def sync(self) -> None:
        """Nothing to write back: an eager step updates the model's Values themselves."""

    def reader(self, params: Sequence[Value]) -> Callable[[], ParameterVectors]:
        """The Values hold the numbers: read them."""
        params = list(params)
        return lambda: read_values(params)


def read_values(params: Sequence[Value]) -> ParameterVectors:
    """`params`' `.data` and `.grad`, as vectors."""
    grads = np.fromiter((p.grad for p in params), float, len(params))
    return ParameterVectors(read_numbers(params), grads)


def read_numbers(params: Sequence[Value]) -> np.ndarray:
    """`params`' `.data`, as a vector."""
    return np.fromiter((p.data for p in params), float, len(params))


# How a compiled step hands each built-in loss its targets, and how it reduces over a batch.
# Every built-in loss takes its targets as traced numbers (class labels as one-hot vectors),
# so one program serves every batch; a custom loss gets them as static values. squared_error
# is a sum over samples, every other built-in loss a mean.
_SUMMED = (squared_error,)
_BUILT_IN = {spec.fn for spec in LOSSES.values()}

Outputs = Literal["numbers", "values"] | None
"""What a compiled step returns as outputs: None (nothing: no accuracy to count), "numbers" (an
array, one row per sample, for a built-in loss's label rule) or "values" (Values, for a
`to_label` of the user's, which may read `.data`)."""


class CompiledStep:
    """`EagerStep` through `autograd_core.compile`: the per-sample loss (and the model's
    outputs, for accuracy) traced once and replayed per batch; the l2 term in closed form.

    The parameters live in one vector between `sync()` calls, which write it (and the last
    step's gradients) back to the model's Values: updating a hundred thousand Values one by one
    would take longer than the step itself. The compiled loss is checked against the eager one
    first, on up to CHECKED samples spread over the data (ValueError if they differ).
    `first_output` is the model's eager output for the first sample (it sizes one-hot targets,
    and the check compares it, not a second eager pass, with the program's).
    """

    def __init__(self, objective: Objective, want_outputs: Outputs, first_output: Any) -> None:
        o = self.objective = objective
        self.static = o.loss_fn not in _BUILT_IN
        self.classes = 0  # softmax_cross_entropy: labels become one-hot vectors of this length
        if o.loss_fn is softmax_cross_entropy:
            self.classes = len(first_output)
        reduction: Literal["mean", "sum"] = "sum" if o.loss_fn in _SUMMED else "mean"
        self.X, self.Y = np.asarray(o.samples, dtype=float), self.targets(o.targets)
        # The vector: the optimizer's parameters, then the penalty's, then any other fn reads. In
        # the model's order, a layer's weights are one block of it, read and updated as a view.
        first = list(dict.fromkeys([*o.optimizer.params, *o.l2_params]))  # Values: by identity
        static = (1,) if self.static else ()
        self.per_sample = PerSample(o.model, o.loss_fn)  # not a method: no cycle through self
        self.program = autograd_core.compile(
            self.per_sample, self.X[0], self.Y[0], reduction=reduction, static=static,
            params=first,
        )  # fmt: skip
        _check_compiled(self.program, reduction, o, self.X, self.Y, first_output)
        self.want_outputs = want_outputs
        self.params = self.program.params  # the penalty's parameters are among them (given first)
        self.penalized = _positions(self.params, list(o.l2_params))
        self.theta = np.zeros(0)  # read from the Values by the first step, as after a sync
        self.grads = np.zeros(len(self.params))
        self.synced = True

    def targets(self, yb: list[Any]) -> Any:
        if self.static:
            return list(yb)
        if self.classes:
            return np.eye(self.classes)[np.asarray(yb, dtype=int)]
        return np.asarray(yb, dtype=float)

    def __call__(self, batch: Sequence[int]) -> tuple[float, Any]:
        o = self.objective
        if self.synced:  # the Values may have changed since (a callback, a load): read them
            self.theta = read_numbers(self.params)
        if len(self.X) != len(o.samples):  # a callback added samples
            self.X, self.Y = np.asarray(o.samples, dtype=float), self.targets(o.targets)
        index = batch_index(batch)
        X = self.X[index]
        Y = self.Y[index] if isinstance(self.Y, np.ndarray) else take(self.Y, batch)
        result = self.program.run(X, Y, input_grads=False, params=self.theta)
        grads, loss = result.grads, result.value
        if o.l2:  # l2·Σ p², whose gradient is 2·l2·p: one dot product, one scaled copy
            p = self.theta[self.penalized]
            grads[self.penalized] += 2 * o.l2 * p
            loss += o.l2 * float(p @ p)
        n = len(o.optimizer.params)
        o.optimizer.update(self.theta[:n], grads[:n])  # in place: theta[:n] is a view
        self.grads, self.synced = grads, False
        return loss, self._outputs(result.outputs[1:])

    def _outputs(self, outputs: list[Any]) -> Any:
        """The model's outputs for the batch, as `want_outputs` says."""
        if not self.want_outputs:
            return []
        several = self.per_sample.several
        scores = np.column_stack(outputs) if several else outputs[0]
        if self.want_outputs == "numbers":
            return scores  # one row per sample, for the loss's label rule
        rows = scores.tolist()
        return [[Value(v) for v in r] for r in rows] if several else list(map(Value, rows))

    def sync(self) -> None:
        """Write the vector and the last step's gradients back to the parameters' Values."""
        if not self.synced:
            for p, value, grad in zip(self.params, self.theta.tolist(), self.grads.tolist()):
                p.data, p.grad = value, grad
            self.synced = True

    def reader(self, params: Sequence[Value]) -> Callable[[], ParameterVectors]:
        """Read `params` from the vector and the last step's gradients (from their Values when
        synced, since then a callback may have changed them, or when the vector lacks one)."""
        params = list(params)
        where = {id(p): i for i, p in enumerate(self.params)}
        outside = [i for i, p in enumerate(params) if id(p) not in where]
        inside: slice | np.ndarray = slice(None)
        if outside:  # a parameter the loss never reads and the optimizer does not hold
            inside = np.array([i for i, p in enumerate(params) if id(p) in where], dtype=np.intp)
        places = _positions(self.params, [p for p in params if id(p) in where])

        def read() -> ParameterVectors:
            if self.synced:
                return read_values(params)
            data, grad = np.empty(len(params)), np.empty(len(params))
            data[inside], grad[inside] = self.theta[places], self.grads[places]
            for i in outside:
                data[i], grad[i] = params[i].data, params[i].grad
            return ParameterVectors(data, grad)

        return read


class PerSample:
    """What a compiled step traces: one sample's loss, then the model's outputs. A class of its
    own, not a method of the step: the compiled function keeps it, and a step it kept in turn
    would make a reference cycle, which only the cyclic collector frees (a wide network's
    program is a few hundred thousand objects to scan)."""

    def __init__(self, model: Callable[..., Any], loss_fn: Callable[..., Any]) -> None:
        self.model, self.loss_fn = model, loss_fn
        self.several = False  # does the model return a list of outputs?

    def __call__(self, x: Any, y: Any) -> tuple[Value, ...]:
        out = self.model(x)
        self.several = isinstance(out, list)
        loss = self.loss_fn(out, y)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss must return a Value, got {type(loss).__name__}")
        return (loss, *(out if self.several else [out]))


def _positions(params: list[Value], some: list[Value]) -> slice | np.ndarray:
    """Where `some` (each one of `params`) sit in `params`: a slice when they are a block."""
    if not some:
        return slice(0, 0)
    where = {id(p): i for i, p in enumerate(params)}
    found = np.array([where[id(p)] for p in some], dtype=np.intp)
    if len(found) and (found == np.arange(found[0], found[0] + len(found))).all():
        return slice(int(found[0]), int(found[0]) + len(found))
    return found


CHECKED = 32, 500_000
"""fit(compile=True) runs up to 32 samples both ways before training, to catch a trace that
does not hold for every sample, but at least 2 and no more than 500,000 graph nodes' worth."""


@no_grad()
def _check_compiled(
    program: Any, reduction: str, objective: Objective, X: np.ndarray, Y: Any, first_output: Any
) -> None:
    """Raise ValueError unless the compiled loss is the eager one on CHECKED samples spread
    over the data (an eager pass over all of a big data set would take longer than training).
    The first of them is sample 0, whose eager output fit has already (`first_output`, from the
    same parameters): it is not computed twice."""
    samples, targets, loss_fn = objective.samples, objective.targets, objective.loss_fn
    most, nodes = CHECKED
    count = max(2, min(most, nodes // max(1, program.nodes)))
    picked = sorted({round(i) for i in np.linspace(0, len(samples) - 1, count)})
    Y_picked = Y[picked] if isinstance(Y, np.ndarray) else [Y[i] for i in picked]
    losses = np.atleast_1d(program(X[picked], Y_picked)[0]).tolist()
    outputs = [first_output, *forward(objective.model, [samples[i] for i in picked[1:]])]
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


def forward(model: Callable[..., Any], samples: list[Any]) -> list[Any]:
    """The model's outputs for `samples`: a Module's `forward_batch`, else one call each."""
    if isinstance(model, Module):
        return model.forward_batch(samples)
    return [model(x) for x in samples]


def batch_index(batch: Sequence[int]) -> slice | Sequence[int]:
    """A batch as indices; a slice (an array's view, a list's quick copy) when it is a range,
    as every batch is without shuffling."""
    return slice(batch.start, batch.stop) if isinstance(batch, range) else batch


def take(items: list[Any], batch: Sequence[int]) -> list[Any]:
    """items[i] for i in batch."""
    index = batch_index(batch)
    return items[index] if isinstance(index, slice) else [items[i] for i in index]
