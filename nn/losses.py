"""Loss functions: a number (a Value) that says how wrong the outputs are, to back-propagate.

Each takes `outputs` and `targets` for one sample or a whole batch. The element-wise losses
(mse, squared_error, hinge, bce, bce_with_logits) accept a Value, a number or a (nested)
list/tuple/array of them, and pair outputs with targets element by element. They are means over
the elements, except `squared_error`, which is the sum ½·Σ(target − out)² of the classic
backprop walkthrough. `softmax_cross_entropy` takes one vector of logits per sample and a class
index per sample.

`LOSSES` maps each name that `fit(loss=...)` accepts to the loss and to how its outputs become
class labels (None for regression), which is how `fit` knows to report accuracy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from autograd_core import Value

from .module import Module

LOG_FLOOR = -100.0  # bce clamps log(p) here (as PyTorch does) instead of failing on p == 0


def mse(outputs: object, targets: object) -> Value:
    """Mean squared error: mean of (out − target)²."""
    terms = []
    for o, t in _pairs(outputs, targets, "mse"):
        d = o - t
        terms.append(d * d)
    return _sum(terms) / len(terms)


def squared_error(outputs: object, targets: object) -> Value:
    """½·Σ(target − out)²: the error of the classic backpropagation walkthrough (a sum)."""
    terms = []
    for o, t in _pairs(outputs, targets, "squared_error"):
        d = t - o
        terms.append(d * d)
    return 0.5 * _sum(terms)


def hinge(outputs: object, targets: object) -> Value:
    """Max-margin loss: mean of max(0, 1 − target·score), targets −1 or +1 (micrograd's demo)."""
    pairs = _pairs(outputs, targets, "hinge")
    for _, t in pairs:
        if not isinstance(t, Value) and t not in (-1.0, 1.0):
            raise ValueError(f"hinge targets must be -1 or +1, got {t!r} (map 0/1 to it: 2*y - 1)")
    return _sum([(1 - t * o).relu() for o, t in pairs]) / len(pairs)


def bce(probs: object, targets: object) -> Value:
    """Binary cross-entropy on probabilities: mean of −[t·log p + (1 − t)·log(1 − p)].

    A log of a probability below e^−100 is clamped to −100 (its gradient is then 0), so a
    saturated sigmoid gives a large loss, not an error. Prefer `bce_with_logits` for raw scores.
    The clamp and the skipped zero-weight term are Python branches on the numbers: a compiled
    trace (`fit(compile=True)`) keeps the example's path, with targets as static arguments.
    """
    terms = []
    for p, t in _pairs(probs, targets, "bce", unit_targets=True):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"bce needs probabilities in [0, 1], got {p.data!r}; for raw scores use "
                "bce_with_logits"
            )
        # A zero-weight term is left out, so its log is never evaluated (it may be log 0).
        if t == 1.0:
            terms.append(-_clamped_log(p))
        elif t == 0.0:
            terms.append(-_clamped_log(1 - p))
        else:
            terms.append(-(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p)))
    return _sum(terms) / len(terms)


def bce_with_logits(logits: object, targets: object) -> Value:
    """Binary cross-entropy of sigmoid(z), computed from the logit z without overflow.

    It is log(1 + e^z) − t·z, written as relu(z) − t·z + log(1 + e^−|z|) so that exp never sees
    a positive number, and without a branch on z (so a compiled trace holds for every z). The
    relu is spelled (z + |z|)·½: the same number, but its derivative at z = 0 is ½, which makes
    the gradient σ(z) − t there too.
    """
    terms = []
    for z, t in _pairs(logits, targets, "bce_with_logits", unit_targets=True):
        size = abs(z)
        terms.append((z + size) * 0.5 - t * z + (1 + (-size).exp()).log())
    return _sum(terms) / len(terms)


def softmax_cross_entropy(logits: object, targets: object) -> Value:
    """−log softmax(logits)[target], averaged over samples.

    One sample is a list of logits and an int class index; a batch is a list of such lists and
    a list of ints. Stable: the largest logit (a constant) is subtracted before exp.
    """
    if isinstance(targets, numbers.Integral) and not isinstance(targets, bool):
        logits, targets = [logits], [targets]
    rows, labels = _as_list(logits), _as_list(targets)
    if len(rows) != len(labels):
        raise ValueError(
            f"softmax_cross_entropy: {len(rows)} samples of logits but {len(labels)} targets "
            "(one sample is a list of logits and an int; a batch, a list of lists and of ints)"
        )
    if not rows:
        raise ValueError("softmax_cross_entropy needs at least one sample")
    terms = []
    for row, label in zip(rows, labels):
        row = [_value(z, "softmax_cross_entropy") for z in _as_list(row)]
        if isinstance(label, bool) or not isinstance(label, numbers.Integral):
            raise TypeError(
                f"softmax_cross_entropy targets must be int class indices, got {label!r}"
            )
        if not 0 <= label < len(row):
            raise ValueError(
                f"softmax_cross_entropy target {label} is out of range for {len(row)} logits"
            )
        top = max(z.data for z in row)
        shifted = [z - top for z in row]
        terms.append(_sum([s.exp() for s in shifted]).log() - shifted[label])
    return _sum(terms) / len(terms)


def l2_penalty(parameters: Iterable[Value] | Module, alpha: float = 1e-4) -> Value:
    """alpha·Σ p²: weight decay written as a loss term (micrograd's demo uses alpha = 1e-4)."""
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


def _elementwise(rule: Callable[[float], float]) -> Callable[[object], object]:
    def predict(output: object) -> object:
        if isinstance(output, (list, tuple)):
            return [rule(float(o)) for o in output]
        return rule(float(output))  # type: ignore[arg-type]

    return predict


def _argmax(output: object) -> int:
    scores = [float(o) for o in output]  # type: ignore[attr-defined]
    return scores.index(max(scores))


@dataclass(frozen=True)
class LossSpec:
    """A loss and how a model output becomes a class label (None: a regression loss)."""

    fn: Callable[[object, object], Value]
    predict: Callable[[object], object] | None


LOSSES: dict[str, LossSpec] = {
    "mse": LossSpec(mse, None),
    "squared_error": LossSpec(squared_error, None),
    "hinge": LossSpec(hinge, _elementwise(lambda s: 1 if s > 0 else -1)),
    "bce": LossSpec(bce, _elementwise(lambda p: 1 if p > 0.5 else 0)),
    "bce_with_logits": LossSpec(bce_with_logits, _elementwise(lambda z: 1 if z > 0 else 0)),
    "softmax_cross_entropy": LossSpec(softmax_cross_entropy, _argmax),
}
LOSSES["cross_entropy"] = LOSSES["softmax_cross_entropy"]


def get_loss(loss: str | Callable[[object, object], Value]) -> LossSpec:
    """The LossSpec for a name in LOSSES, or for a callable (a known loss function keeps its
    label rule; any other callable is treated as a regression loss)."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        return LOSSES[loss]
    if callable(loss):
        for spec in LOSSES.values():
            if spec.fn is loss:
                return spec
        return LossSpec(loss, None)
    raise TypeError(f"loss must be a name ({', '.join(LOSSES)}) or a callable, got {loss!r}")


# --- helpers ---------------------------------------------------------------------------------


def _sum(terms: Sequence[Value | float]) -> Value:
    """Add terms left to right, starting from the first (no constant 0 leaf, one node fewer)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total if isinstance(total, Value) else Value(total)


def _clamped_log(p: Value) -> Value:
    return p.log() if p.data > math.exp(LOG_FLOOR) else Value(LOG_FLOOR)


def _as_list(x: object) -> list:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return list(x)
    raise TypeError(f"expected a list, tuple or numpy array, got {type(x).__name__}")


def _flatten(x: object, out: list) -> list:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        for item in x:
            _flatten(item, out)
    else:
        out.append(x)
    return out


def _value(x: object, who: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
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
    pairs = []
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
