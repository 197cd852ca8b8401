"""Loss functions: a number (a Value) that says how wrong the outputs are, to back-propagate.

Each takes `outputs` and `targets` for one sample or a whole batch. The element-wise losses
(mse, squared_error, hinge, bce, bce_with_logits) accept a Value, a number or a (nested)
list/tuple/array of them, and pair outputs with targets element by element. They are means over
the elements, except `squared_error`, which is the sum ½·Σ(target − out)² of the classic
backprop walkthrough. `softmax_cross_entropy` (also `cross_entropy`, PyTorch's name) takes one
vector of logits per sample and a class index per sample.

`LOSSES` maps each name that `fit(loss=...)` accepts to the loss and to how its outputs become
class labels (None for regression), which is how `fit` knows to report accuracy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from autograd_core import Value

from ._checks import is_number
from .module import Module

LOG_FLOOR = -100.0  # bce clamps log(p) here (as PyTorch does) instead of failing on p == 0


def mse(outputs: object, targets: object) -> Value:
    """Mean squared error: mean of (out − target)².

    >>> outputs = [Value(1.0), Value(3.0)]
    >>> loss = nn.mse(outputs, [0.0, 1.0]); loss.backward()    # ((1 - 0)² + (3 - 1)²) / 2
    >>> loss.data, [o.grad for o in outputs]                   # d/d out = 2·(out - target) / 2
    (2.5, [1.0, 2.0])
    """
    terms = []
    for o, t in _pairs(outputs, targets, "mse"):
        d = o - t
        terms.append(d * d)
    return _mean(terms)


def squared_error(outputs: object, targets: object) -> Value:
    """½·Σ(target − out)²: the error of the classic backpropagation walkthrough (a sum).

    >>> outputs = [Value(0.75), Value(0.5)]
    >>> loss = nn.squared_error(outputs, [0.0, 1.0]); loss.backward()   # ½·(0.75² + 0.5²)
    >>> loss.data, [o.grad for o in outputs]                            # d/d out = out - target
    (0.40625, [0.75, -0.5])
    """
    terms = []
    for o, t in _pairs(outputs, targets, "squared_error"):
        d = t - o
        terms.append(d * d)
    return 0.5 * _sum(terms)


def hinge(outputs: object, targets: object) -> Value:
    """Max-margin loss: mean of max(0, 1 − target·score), targets −1 or +1 (micrograd's demo).

    >>> scores = [Value(0.5), Value(-2.0)]       # the first is inside the margin, the second not
    >>> loss = nn.hinge(scores, [1, -1]); loss.backward()      # (max(0, 1 - 0.5) + 0) / 2
    >>> loss.data, [s.grad for s in scores]
    (0.25, [-0.5, 0.0])
    """
    pairs = _pairs(outputs, targets, "hinge")
    for _, t in pairs:
        if not isinstance(t, Value) and t not in (-1.0, 1.0):
            raise ValueError(f"hinge targets must be -1 or +1, got {t!r} (map 0/1 to it: 2*y - 1)")
    return _mean([(1 - t * o).relu() for o, t in pairs])


def bce(probs: object, targets: object) -> Value:
    """Binary cross-entropy on probabilities: mean of −[t·log p + (1 − t)·log(1 − p)].

    >>> p = Value(0.8)                            # a predicted probability of class 1
    >>> loss = nn.bce(p, 1.0); loss.backward()    # -log 0.8, whose derivative is -1 / 0.8
    >>> round(loss.data, 4), p.grad
    (0.2231, -1.25)

    As in PyTorch, each log is clamped at −100 (`log(max(p, e^−100))`, gradient 0 below), so a
    saturated sigmoid gives a large loss, not an error. Prefer `bce_with_logits` for raw scores.
    No branch depends on the numbers, so a compiled trace holds for every target and p.
    """
    terms = []
    for p, t in _pairs(probs, targets, "bce", unit_targets=True):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"bce needs probabilities in [0, 1], got {p.data!r}; for raw scores use "
                "bce_with_logits"
            )
        terms.append(-(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p)))
    return _mean(terms)


def bce_with_logits(logits: object, targets: object) -> Value:
    """Binary cross-entropy of sigmoid(z), computed from the logit z without overflow.

    >>> z = Value(0.0)                            # a raw score (logit): sigmoid(0) = 0.5
    >>> loss = nn.bce_with_logits(z, 1.0); loss.backward()
    >>> round(loss.data, 4), z.grad               # log 2, and sigmoid(z) - target
    (0.6931, -0.5)

    It is log(1 + e^z) − t·z, written as relu(z) − t·z + log(1 + e^−|z|) so that exp never sees
    a positive number, and without a branch on z (so a compiled trace holds for every z). The
    relu is spelled (z + |z|)·½: the same number, but its derivative at z = 0 is ½, which makes
    the gradient σ(z) − t there too.
    """
    terms = []
    for z, t in _pairs(logits, targets, "bce_with_logits", unit_targets=True):
        size = abs(z)
        terms.append((z + size) * 0.5 - t * z + (1 + (-size).exp()).log())
    return _mean(terms)


def softmax_cross_entropy(logits: object, targets: object) -> Value:
    """−log softmax(logits)[target], averaged over samples (PyTorch's CrossEntropyLoss).

    >>> logits = [Value(0.0), Value(0.0)]         # two classes, equally likely; the target is 1
    >>> loss = nn.softmax_cross_entropy(logits, 1); loss.backward()
    >>> round(loss.data, 4), [z.grad for z in logits]           # log 2; softmax - one_hot(1)
    (0.6931, [0.5, -0.5])
    >>> round(nn.cross_entropy([[2.0, 0.0], [0.0, 2.0]], [0, 1]).data, 4)  # a batch: log(1 + e⁻²)
    0.1269

    `cross_entropy` is the same function, under PyTorch's name.

    One sample is a list of logits and its target: an int class index, or a list of class
    probabilities (floats or Values, such as a one-hot vector), as in PyTorch. A batch is a list
    of such lists and a list of targets. log Σ e^z is built from `a + softplus(b − a)` terms:
    stable for any logits, and without a branch on the numbers, so a compiled trace holds for
    every sample (`fit(compile=True)` passes one-hot targets as data).
    """
    rows: list[Any]
    if isinstance(logits, Value) or is_number(logits):
        rows, labels = [logits], [targets]  # a bare score: refused below, with what to do
    else:
        rows = _as_list(logits)
        flat = all(isinstance(z, Value) or is_number(z) for z in rows)
        one_sample = rows and flat and not _is_int_list(targets)  # int targets: a batch
        rows, labels = ([rows], [targets]) if one_sample else (rows, _as_list(targets))
    if len(rows) != len(labels):
        raise ValueError(
            f"softmax_cross_entropy: {len(rows)} samples of logits but {len(labels)} targets "
            "(one sample is a list of logits and an int; a batch, a list of lists and of ints)"
        )
    if not rows:
        raise ValueError("softmax_cross_entropy needs at least one sample")
    terms = []
    for row, label in zip(rows, labels):
        if isinstance(row, Value) or is_number(row):
            raise TypeError(
                "softmax_cross_entropy needs one list of logits per sample (one per class), but "
                "got one Value per sample (a model with one output): use bce_with_logits or hinge "
                "with that one score, or give the last layer one output per class"
            )
        z = [_value(v, "softmax_cross_entropy") for v in _as_list(row)]
        lse = _logsumexp(z)
        terms.append(lse - z[_class(label, len(z))] if _is_class(label) else _soft(lse, z, label))
    return _mean(terms)


def _logsumexp(z: list[Value]) -> Value:
    """log Σ e^z, pairwise in a balanced tree: log(e^a + e^b) = a + softplus(b − a), exact and
    stable for any numbers, and few levels deep (a compiled batch runs each level at once)."""
    while len(z) > 1:
        z = [a + (b - a).softplus() for a, b in zip(z[::2], z[1::2])] + z[len(z) - len(z) % 2 :]
    return z[0]


def _is_class(label: object) -> bool:
    return isinstance(label, numbers.Integral) and not isinstance(label, bool)


def _is_int_list(x: object) -> bool:
    return isinstance(x, (list, tuple, np.ndarray)) and all(_is_class(v) for v in _as_list(x))


def _class(label: Any, k: int) -> int:
    if not 0 <= int(label) < k:
        raise ValueError(f"softmax_cross_entropy target {label} is out of range for {k} logits")
    return int(label)


def _soft(lse: Value, z: list[Value], probs: object) -> Value:
    """−Σ t_k log softmax(z)_k for class probabilities t."""
    if isinstance(probs, bool) or not isinstance(probs, (list, tuple, np.ndarray)):
        raise TypeError(
            "softmax_cross_entropy targets are int class indices or lists of class "
            f"probabilities, got {probs!r}"
        )
    t = _as_list(probs)
    if len(t) != len(z):
        raise ValueError(f"softmax_cross_entropy: {len(t)} class probabilities for {len(z)} logits")
    return _sum([tk * (lse - zk) for tk, zk in zip(t, z) if not (is_number(tk) and tk == 0)])


cross_entropy = softmax_cross_entropy
"""PyTorch's name for softmax_cross_entropy: the same function."""


def l2_penalty(parameters: Iterable[Value] | Module, alpha: float = 1e-4) -> Value:
    """alpha·Σ p²: weight decay written as a loss term (micrograd's demo uses alpha = 1e-4).

    >>> weights = [Value(1.0), Value(2.0)]
    >>> penalty = nn.l2_penalty(weights, alpha=0.1); penalty.backward()   # 0.1·(1² + 2²)
    >>> penalty.data, [w.grad for w in weights]                           # 2·alpha·w
    (0.5, [0.2, 0.4])

    `parameters` may be a model (`nn.l2_penalty(model)`): all its parameters.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not alpha >= 0:
        raise ValueError(f"l2_penalty alpha must be a number >= 0, got {alpha!r}")
    params = parameters.parameters() if isinstance(parameters, Module) else list(parameters)
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"l2_penalty needs Values (parameters), got {type(p).__name__}")
    if not params:
        return Value(0.0)
    return alpha * _sum([p * p for p in params])


# --- which names fit() accepts, and how each loss's outputs become labels ---------------------


@dataclass(frozen=True)
class LossSpec:
    """A loss, and how model outputs become class labels (both None: a regression loss).

    >>> spec = nn.LOSSES["bce"]                   # what fit(loss="bce") uses
    >>> spec.fn is nn.bce, spec.predict(Value(0.8))             # a probability above ½: class 1
    (True, 1)
    >>> nn.LossSpec(nn.mse, to_label=lambda out: round(out.data)).predict(Value(2.2))
    2

    `labels` maps a batch of outputs (an array, one row per sample) to labels at once;
    `to_label` is a rule of your own for one output (`fit(to_label=...)`).
    """

    fn: Callable[[object, object], Value]
    labels: Callable[[np.ndarray], np.ndarray] | None = None
    to_label: Callable[[object], object] | None = None

    @cached_property
    def predict(self) -> Callable[[object], object] | None:
        """How one model output (a Value, a number or a list of them) becomes a label."""
        if self.to_label is not None or self.labels is None:
            return self.to_label
        labels = self.labels
        return lambda output: labels(_scores(output)).tolist()


def _scores(output: object) -> np.ndarray:
    """One output's numbers: a 0-d array for one Value, a vector for a list of them."""
    numbers = [_number(o) for o in _flatten(output, [])]
    return np.array(numbers if isinstance(output, (list, tuple, np.ndarray)) else numbers[0])


LOSSES: dict[str, LossSpec] = {
    "mse": LossSpec(mse),
    "squared_error": LossSpec(squared_error),
    "hinge": LossSpec(hinge, lambda s: np.where(s > 0, 1, -1)),
    "bce": LossSpec(bce, lambda p: np.where(p > 0.5, 1, 0)),
    "bce_with_logits": LossSpec(bce_with_logits, lambda z: np.where(z > 0, 1, 0)),
    "softmax_cross_entropy": LossSpec(softmax_cross_entropy, lambda z: np.argmax(z, axis=-1)),
}
LOSSES["cross_entropy"] = LOSSES["softmax_cross_entropy"]


def check_targets(
    loss: Callable[[object, object], Value], targets: list[Any], output: object
) -> None:
    """Check every target against a built-in loss before training, naming the first bad one.

    `targets` holds one target per sample (finite numbers or vectors of them, as fit's data
    checks leave them); `output` is the model's output for one sample, which says how many
    numbers a target must have. A custom loss checks its own targets.
    """
    if loss is softmax_cross_entropy:
        if not isinstance(output, (list, tuple)):
            softmax_cross_entropy([output], [0])  # raises the one-Value explanation
        k = len(output)  # type: ignore[arg-type]
        for i, t in enumerate(targets):
            if not _is_class(t):
                raise TypeError(
                    f"y[{i}] is {t!r}, but softmax_cross_entropy targets are int class indices "
                    "(convert labels with y.astype(int))"
                )
            if not 0 <= int(t) < k:
                raise ValueError(f"y[{i}] is class {t}, but the model has {k} outputs (0..{k - 1})")
        return
    if loss not in _TARGET_RANGES:
        return
    width = len(_flatten(output, []))
    allowed, hint = _TARGET_RANGES[loss]
    for i, t in enumerate(targets):
        values = _flatten(t, [])
        if len(values) != width:
            raise ValueError(
                f"y[{i}] has {len(values)} numbers, but the model gives {width} outputs per sample"
            )
        for v in values:
            if allowed is not None and not allowed(v):
                raise ValueError(f"y[{i}] is {t!r}, but {loss.__name__} {hint}")


_TARGET_RANGES: dict[Callable[..., Value], tuple[Callable[[float], bool] | None, str]] = {
    mse: (None, ""),
    squared_error: (None, ""),
    hinge: (lambda t: t in (-1.0, 1.0), "targets must be -1 or +1 (map 0/1 labels with 2*y - 1)"),
    bce: (lambda t: 0.0 <= t <= 1.0, "targets must be in [0, 1]"),
    bce_with_logits: (lambda t: 0.0 <= t <= 1.0, "targets must be in [0, 1]"),
}


def get_loss(loss: str | Callable[[object, object], Value]) -> LossSpec:
    """The LossSpec for a name in LOSSES, or for a callable (a known loss function keeps its
    label rule; any other callable is treated as a regression loss).

    >>> nn.get_loss("hinge").predict(Value(-0.3))               # the score's sign is the label
    -1
    >>> nn.get_loss(lambda out, target: (out - target) ** 2).predict is None  # regression
    True
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        return LOSSES[loss]
    if callable(loss):
        for spec in LOSSES.values():
            if spec.fn is loss:
                return spec
        return LossSpec(loss)
    raise TypeError(f"loss must be a name ({', '.join(LOSSES)}) or a callable, got {loss!r}")


# --- helpers ---------------------------------------------------------------------------------


def _sum(terms: Sequence[Value | float]) -> Value:
    """Add terms left to right, starting from the first (no constant 0 leaf, one node fewer)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total if isinstance(total, Value) else Value(total)


def _mean(terms: Sequence[Value | float]) -> Value:
    """The terms' sum over their count; one term is its own mean (no `/ 1` node)."""
    return _sum(terms) / len(terms) if len(terms) > 1 else _sum(terms)


def _clamped_log(p: Value) -> Value:
    return p.maximum(math.exp(LOG_FLOOR)).log()


def _as_list(x: object) -> list[Any]:
    if isinstance(x, np.ndarray):
        return list(x.tolist())
    if isinstance(x, (list, tuple)):
        return list(x)
    raise TypeError(f"expected a list, tuple or numpy array, got {type(x).__name__}")


def _flatten(x: object, out: list[Any]) -> list[Any]:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        for item in x:
            _flatten(item, out)
    else:
        out.append(x)
    return out


def _number(x: object) -> float:
    """A Value's number, or a number as a float (a Value is never converted implicitly)."""
    return x.data if isinstance(x, Value) else float(x)  # type: ignore[arg-type]


def _value(x: object, who: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{who} outputs must be Values or numbers, got {type(x).__name__}")


def _pairs(
    outputs: object, targets: object, who: str, unit_targets: bool = False
) -> list[tuple[Value, float | Value]]:
    """Flatten outputs and targets and pair them up, checking types, lengths and ranges.

    A target may be a Value (a compiled trace's input, `fit(compile=True)`): it is used as it
    is, and its range can't be checked here (fit checks the numbers before it traces).
    """
    outs, targs = _flatten(outputs, []), _flatten(targets, [])
    if len(outs) != len(targs):
        raise ValueError(f"{who}: {len(outs)} outputs but {len(targs)} targets")
    if not outs:
        raise ValueError(f"{who} needs at least one output")
    pairs: list[tuple[Value, float | Value]] = []
    for o, t in zip(outs, targs):
        if isinstance(t, Value):
            pairs.append((_value(o, who), t))
            continue
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise TypeError(f"{who} targets must be numbers, got {type(t).__name__}: {t!r}")
        t = float(t)
        if unit_targets and not 0.0 <= t <= 1.0:
            raise ValueError(f"{who} targets must be in [0, 1], got {t!r}")
        pairs.append((_value(o, who), t))
    return pairs
