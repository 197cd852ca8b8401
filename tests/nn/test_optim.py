"""Optimizers: each step against its formula written out by hand, schedules, and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core
import nn
from autograd_core import Value

from .helpers import ids


def params_with_grads(data: list[float], grads: list[float]) -> list[Value]:
    ps = [Value(x) for x in data]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def test_sgd_step_is_p_minus_lr_times_grad():
    ps = params_with_grads([1.0, -2.0, 0.5], [0.5, -1.0, 0.0])
    opt = nn.SGD(ps, lr=0.1)
    opt.step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 0.5, -2.0 + 0.1 * 1.0, 0.5]
    assert opt.steps == 1


def test_sgd_momentum_and_weight_decay_over_two_steps():
    (p,) = params_with_grads([2.0], [0.5])
    opt = nn.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    g1 = 0.5 + 0.01 * 2.0
    v1 = g1
    x1 = 2.0 - 0.1 * v1
    opt.step()
    assert p.data == pytest.approx(x1, rel=1e-15)
    p.grad = -0.25
    g2 = -0.25 + 0.01 * x1
    v2 = 0.9 * v1 + g2
    opt.step()
    assert p.data == pytest.approx(x1 - 0.1 * v2, rel=1e-15)


def test_adam_two_steps_against_the_formula():
    (p,) = params_with_grads([1.0], [0.3])
    lr, b1, b2, eps, wd = 0.01, 0.8, 0.95, 1e-6, 0.1
    opt = nn.Adam([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    x, m, v = 1.0, 0.0, 0.0
    for t, grad in ((1, 0.3), (2, -0.7)):
        p.grad = grad
        g = grad + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        opt.step()
        assert p.data == pytest.approx(x, rel=1e-14)
    # Adam's first step moves every parameter by about lr, whatever the gradient's size.
    (q,) = params_with_grads([0.0], [1e-3])
    nn.Adam([q], lr=0.01).step()
    assert q.data == pytest.approx(-0.01, rel=1e-4)


def test_learning_rate_schedule_gets_the_step_index():
    (p,) = params_with_grads([0.0], [1.0])
    seen = []

    def schedule(k):
        seen.append(k)
        return 1.0 - 0.9 * k / 100

    opt = nn.SGD([p], lr=schedule)
    for _ in range(3):
        opt.step()
    assert seen == [0, 1, 2]
    assert p.data == pytest.approx(-(1.0 + 0.991 + 0.982))
    assert opt.current_lr() == pytest.approx(0.973)
    bad = nn.SGD([p], lr=lambda k: -1.0)
    with pytest.raises(ValueError, match="schedule gave -1.0 at step 0"):
        bad.step()


def test_zero_grad_and_module_params_and_duplicates():
    mlp = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(mlp, lr=0.1)
    assert ids(opt.params) == ids(mlp.parameters())
    mlp([1.0, 1.0]).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())
    p = Value(1.0)
    assert ids(nn.SGD([p, p], lr=0.1).params) == [id(p)]  # listed twice, updated once


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda p: nn.SGD(p, lr=-0.1), ValueError, "lr must be >= 0 and finite"),
        (lambda p: nn.SGD(p, lr="0.1"), TypeError, "lr must be a number"),
        (lambda p: nn.SGD(p, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda p: nn.SGD(p, weight_decay=math.nan), ValueError, "weight_decay"),
        (lambda p: nn.Adam(p, betas=(0.9,)), TypeError, "betas must be a pair"),
        (lambda p: nn.Adam(p, betas=(0.9, 1.5)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (lambda p: nn.Adam(p, eps=0.0), ValueError, "eps must be > 0"),
        (lambda p: nn.SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda p: nn.SGD([1.0], lr=0.1), TypeError, "params must all be Values, got float"),
        (lambda p: nn.SGD(p[0], lr=0.1), TypeError, "iterable of Values"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])


def test_a_compiled_model_sees_each_optimizer_step_and_a_loaded_state():
    """A compiled function keeps the parameters' numbers between calls; what writes them
    through the public API (a step, load_state_dict, fit's write-back) reaches its next call,
    which gives the eager model's number, bit for bit, on one example."""
    model = nn.MLP(2, [3, 1], seed=0)
    compiled = autograd_core.compile(model, [0.0, 0.0])
    x = [1.0, -2.0]
    for optimizer in (nn.SGD(model, lr=0.1), nn.Adam(model, lr=0.1)):
        for _ in range(2):
            assert compiled(x) == model(x).data  # read now, and kept
            optimizer.zero_grad()
            nn.mse(model(x), 0.0).backward()
            optimizer.step()
    assert compiled(x) == model(x).data
    model.load_state_dict({name: 0.5 for name, _ in model.named_parameters()})
    assert compiled(x) == pytest.approx(0.5 + 3 * 0.5 * math.tanh(0.5 * (1.0 - 2.0) + 0.5))
    nn.fit(model, [x], [1.0], epochs=3, compile=True, progress=False)
    assert compiled(x) == model(x).data


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_update_writes_the_new_numbers_into_a_view_of_a_bigger_vector(momentum):
    # fit(compile=True) keeps every parameter in one vector and updates the optimizer's part
    # of it in place; the numbers are SGD's closed form, p - lr·(grad + wd·p), after two steps
    ws = [Value(1.0), Value(-2.0), Value(0.5)]
    opt = nn.SGD(ws, lr=0.1, momentum=momentum, weight_decay=0.01)
    vector = np.array([1.0, -2.0, 0.5, 7.0])  # one more number, not the optimizer's
    grads = np.array([0.3, -0.4, 2.0])
    part = vector[:3]
    assert opt.update(part, grads) is part
    opt.update(part, grads)
    expected, velocity = np.array([1.0, -2.0, 0.5]), np.zeros(3)
    for _ in range(2):
        velocity = momentum * velocity + grads + 0.01 * expected
        expected = expected - 0.1 * velocity
    assert vector[:3].tolist() == pytest.approx(expected.tolist(), rel=1e-15)
    assert vector[3] == 7.0
