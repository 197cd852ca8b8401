"""Losses against hand-written formulas (values and gradients) and central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_core import Value

from .helpers import analytic_grads, numeric_grads


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def values(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


def check(loss_fn, outputs: list[Value], targets, value: float, grads: list[float]) -> None:
    """The loss's value and gradients equal the hand formula and agree with central diffs."""

    def f():
        return loss_fn(outputs, targets)

    assert f().data == pytest.approx(value, rel=1e-12)
    analytic = analytic_grads(f, outputs)
    assert analytic == pytest.approx(grads, rel=1e-9, abs=1e-12)
    assert analytic == pytest.approx(numeric_grads(f, outputs), rel=1e-5, abs=1e-8)


def test_mse():
    o, t = [0.5, -1.0, 2.0], [1.0, 0.0, 2.5]
    value = sum((a - b) ** 2 for a, b in zip(o, t)) / 3
    check(nn.mse, values(*o), t, value, [2 * (a - b) / 3 for a, b in zip(o, t)])


def test_squared_error_is_half_the_sum():
    o, t = [0.75136507, 0.772928465], [0.01, 0.99]
    value = 0.5 * (0.01 - o[0]) ** 2 + 0.5 * (0.99 - o[1]) ** 2
    check(nn.squared_error, values(*o), t, value, [a - b for a, b in zip(o, t)])
    assert nn.squared_error(Value(3.0), 1.0).data == 2.0  # a single output


def test_hinge():
    o, t = [0.5, -2.0, 0.2, 3.0], [1, 1, -1, -1]
    margins = [1 - b * a for a, b in zip(o, t)]
    value = sum(max(0.0, m) for m in margins) / 4
    grads = [(-b / 4 if m > 0 else 0.0) for m, b in zip(margins, t)]
    check(nn.hinge, values(*o), t, value, grads)


def test_bce_on_probabilities():
    p, t = [0.9, 0.2, 0.6, 0.35], [1.0, 0.0, 0.25, 1.0]
    value = -sum(b * math.log(a) + (1 - b) * math.log(1 - a) for a, b in zip(p, t)) / 4
    grads = [(a - b) / (a * (1 - a)) / 4 for a, b in zip(p, t)]
    check(nn.bce, values(*p), t, value, grads)


def test_bce_clamps_log_of_zero_instead_of_failing():
    assert nn.bce([Value(0.0)], [1.0]).data == 100.0
    assert nn.bce([Value(1.0)], [0.0]).data == 100.0
    assert nn.bce([Value(1.0)], [1.0]).data == 0.0  # the log(1 - p) = log 0 term is skipped


def test_bce_with_logits_matches_bce_and_has_gradient_sigmoid_minus_target():
    z, t = [2.0, -1.5, 0.0, 0.0, 30.0], [1.0, 0.0, 1.0, 0.3, 0.0]
    p = [sigmoid(a) for a in z]
    # -[t log p + (1 - t) log(1 - p)] = log(1 + e^z) - t z, exact even where p rounds near 1
    value = sum(math.log1p(math.exp(a)) - b * a for a, b in zip(z, t)) / 5
    check(nn.bce_with_logits, values(*z), t, value, [(a - b) / 5 for a, b in zip(p, t)])


def test_bce_with_logits_is_stable_for_huge_logits():
    z = values(1000.0, -1000.0, 1000.0)
    loss = nn.bce_with_logits(z, [0.0, 1.0, 1.0])
    assert loss.data == pytest.approx(2000.0 / 3)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([1 / 3, -1 / 3, 0.0])


def test_softmax_cross_entropy():
    rows, labels = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], [0, 2]
    outputs = [values(*row) for row in rows]
    flat = [v for row in outputs for v in row]

    value, grads = 0.0, []
    for row, label in zip(rows, labels):
        exps = [math.exp(z) for z in row]
        value += (math.log(sum(exps)) - row[label]) / 2
        grads += [(e / sum(exps) - (k == label)) / 2 for k, e in enumerate(exps)]

    def f():
        return nn.softmax_cross_entropy(outputs, labels)

    assert f().data == pytest.approx(value, rel=1e-12)
    assert analytic_grads(f, flat) == pytest.approx(grads, rel=1e-9)
    assert analytic_grads(f, flat) == pytest.approx(numeric_grads(f, flat), rel=1e-5)
    single = nn.softmax_cross_entropy(outputs[0], 0).data
    assert single == pytest.approx(math.log(sum(math.exp(z) for z in rows[0])) - 1.0)
    assert nn.softmax_cross_entropy(outputs, np.array(labels)).data == f().data


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = values(1000.0, 1001.0, 999.0)
    loss = nn.softmax_cross_entropy(z, 1)
    e = [math.exp(-1.0), 1.0, math.exp(-2.0)]
    assert loss.data == pytest.approx(math.log(sum(e)))
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([e[0] / sum(e), 1 / sum(e) - 1, e[2] / sum(e)])


def test_l2_penalty():
    ps = values(0.5, -2.0, 3.0)
    check(lambda o, _: nn.l2_penalty(o, 0.01), ps, None, 0.01 * 13.25, [0.01, -0.04, 0.06])
    mlp = nn.MLP(2, [2, 1], seed=0)
    assert nn.l2_penalty(mlp, 1.0).data == pytest.approx(sum(p.data**2 for p in mlp.parameters()))
    assert nn.l2_penalty([], 1.0).data == 0.0


def test_nested_outputs_and_numpy_targets_are_flattened():
    outs = [values(1.0, 2.0), values(3.0, 4.0)]
    assert nn.mse(outs, np.array([[1.0, 2.0], [3.0, 5.0]])).data == 0.25


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: nn.mse(values(1.0, 2.0), [1.0]), ValueError, "mse: 2 outputs but 1 targets"),
        (lambda: nn.mse([], []), ValueError, "at least one"),
        (lambda: nn.mse(["a"], [1.0]), TypeError, "outputs must be Values or numbers, got str"),
        (lambda: nn.mse(values(1.0), ["a"]), TypeError, "targets must be numbers"),
        (lambda: nn.hinge(values(1.0), [0]), ValueError, "hinge targets must be -1 or \\+1"),
        (lambda: nn.bce(values(1.5), [1]), ValueError, "probabilities in \\[0, 1\\], got 1.5"),
        (lambda: nn.bce(values(0.5), [2]), ValueError, "targets must be in \\[0, 1\\]"),
        (lambda: nn.softmax_cross_entropy(values(1, 2), 2), ValueError, "out of range"),
        (lambda: nn.softmax_cross_entropy([values(1, 2)], [1.0]), TypeError, "int class indices"),
        (lambda: nn.softmax_cross_entropy([values(1, 2)], [0, 1]), ValueError, "1 samples"),
        (lambda: nn.l2_penalty(values(1.0), -1.0), ValueError, "alpha must be a number >= 0"),
        (lambda: nn.l2_penalty([1.0], 1.0), TypeError, "needs Values"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_get_loss_by_name_or_callable():
    assert nn.get_loss("hinge").fn is nn.hinge
    assert nn.get_loss("cross_entropy").fn is nn.softmax_cross_entropy
    assert nn.get_loss(nn.bce) is nn.LOSSES["bce"]
    custom = nn.get_loss(lambda o, t: nn.mse(o, t))
    assert custom.predict is None
    assert nn.LOSSES["hinge"].predict(Value(0.3)) == 1
    assert nn.LOSSES["hinge"].predict([Value(-0.3), Value(2.0)]) == [-1, 1]
    assert nn.LOSSES["softmax_cross_entropy"].predict(values(0.1, 3.0, -1.0)) == 1
    with pytest.raises(ValueError, match="unknown loss 'l1'; choose one of mse, squared_error"):
        nn.get_loss("l1")
    with pytest.raises(TypeError, match="loss must be a name"):
        nn.get_loss(3)


def test_bce_with_logits_gives_the_two_branch_numbers_for_hard_labels():
    """The branch-free form is the old z >= 0 / z < 0 pair of formulas, to the last bit, for
    targets 0 and 1."""
    for z in [-800.0, -30.0, -2.5, -1e-9, 0.0, 1e-9, 0.7, 3.0, 40.0, 800.0]:
        for t in (0.0, 1.0):
            v = Value(z)
            old = (1 - t) * v + (1 + (-v).exp()).log() if z >= 0 else -t * v + (1 + v.exp()).log()
            assert nn.bce_with_logits([Value(z)], [t]).data == old.data


def test_regression_losses_take_traced_targets_one_program_for_all():
    from autograd_core import compile

    w = Value(0.7)
    for loss in (nn.mse, nn.squared_error, nn.hinge, nn.bce_with_logits):
        compiled = compile(lambda x, t, loss=loss: loss([w * x], [t]), 0.5, 1.0)
        X, T = np.array([0.5, -1.0, 2.0]), np.array([1.0, -1.0, 1.0])
        if loss is nn.bce_with_logits:
            T = (T + 1) / 2
        for x, t in zip(X, T):
            assert compiled(x, t) == loss([w * x], [t]).data
        assert len(compiled._programs) == 1


# --- targets as data: the same numbers as PyTorch, with no branch on the numbers -------------

try:
    import torch
except ImportError:  # pragma: no cover - torch is in the dev extra
    torch = None


def test_cross_entropy_matches_pytorch_for_labels_probabilities_and_huge_logits():
    from tests.conftest import needs

    needs(torch is not None, "torch")
    rows = [[2.0, -1.0, 0.5], [1e4, -1e4, 3.0], [0.3, 0.3, 0.3], [-800.0, -790.0, -805.0]]
    labels = [0, 2, 1, 1]
    probs = [[0.2, 0.5, 0.3], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.1, 0.8, 0.1]]
    for targets, torch_targets in [
        (labels, torch.tensor(labels)),
        (probs, torch.tensor(probs, dtype=torch.float64)),
    ]:
        z = [[Value(v) for v in row] for row in rows]
        loss = nn.cross_entropy(z, targets)
        loss.backward()
        t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
        expected = torch.nn.functional.cross_entropy(t, torch_targets)
        expected.backward()
        assert loss.data == pytest.approx(expected.item(), rel=1e-12)
        grads = [[v.grad for v in row] for row in z]
        assert np.allclose(grads, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_a_one_hot_target_gives_the_label_loss():
    z = [Value(1.5), Value(-0.5), Value(0.25)]
    assert nn.cross_entropy(z, 2).data == pytest.approx(
        nn.cross_entropy(z, [0.0, 0.0, 1.0]).data, rel=1e-15
    )


def test_bce_clamps_as_pytorch_does_at_zero_and_one():
    from tests.conftest import needs

    needs(torch is not None, "torch")
    ps, ts = [0.0, 1.0, 1e-50, 0.3, 1.0], [1.0, 0.0, 1.0, 0.6, 1.0]
    values = [Value(p) for p in ps]
    loss = nn.bce(values, ts)
    loss.backward()
    p = torch.tensor(ps, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(p, torch.tensor(ts, dtype=torch.float64))
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12)
    assert values[3].grad == pytest.approx(p.grad[3].item(), rel=1e-12)
    assert [v.grad for v in values][:3] == [0.0, 0.0, 0.0]  # below the clamp: no gradient
    # At p = t = 1 the loss -log p has derivative -1 (over 5 samples); PyTorch's combined
    # formula (p - t) / (p (1 - p)) gives 0 there instead.
    assert values[4].grad == -1 / 5
