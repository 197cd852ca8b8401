"""Small graphs shared by the viz tests, each with its gradients known in closed form."""

from __future__ import annotations

import math

from autograd_core import Value, name_scope

B = 6.8813735870195432  # makes n = 0.8814 and tanh(n) = 1/sqrt(2): the micrograd lecture neuron


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b) with labels, after backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def neuron_grads() -> dict[str, float]:
    """d o / d leaf, by hand: do/dn = 1 - tanh(n)^2, then the product rule."""
    n = 2.0 * -3.0 + 0.0 * 1.0 + B
    dn = 1 - math.tanh(n) ** 2
    return {"x1": -3.0 * dn, "w1": 2.0 * dn, "x2": 1.0 * dn, "w2": 0.0 * dn, "b": dn, "n": dn}


def reuse() -> Value:
    """y = (a + a) * 3: `a` is used twice, so d y / d a = 6; `3` becomes a constant leaf."""
    a = Value(-1.5, label="a")
    s = a + a
    y = s * 3
    y.label = "y"
    y.backward()
    return y


LAYER = [(0.5, -1.0, 0.1), (2.0, 0.3, -0.2)]  # (w0, w1, b) of the two neurons
INPUTS = (1.0, -2.0)


def scoped() -> Value:
    """loss = o0 * o1, where o_k = tanh(w·x + b) is built inside name_scope('layer')/('n{k}')."""
    x = [Value(INPUTS[0], label="x0"), Value(INPUTS[1], label="x1")]
    outs = []
    with name_scope("layer"):
        for k, (w0, w1, b) in enumerate(LAYER):
            with name_scope(f"n{k}"):
                w = [Value(w0, label="w0"), Value(w1, label="w1")]
                bias = Value(b, label="b")
                outs.append((x[0] * w[0] + x[1] * w[1] + bias).tanh())
    loss = outs[0] * outs[1]
    loss.label = "loss"
    loss.backward()
    return loss


def scoped_outputs() -> list[float]:
    return [math.tanh(w0 * INPUTS[0] + w1 * INPUTS[1] + b) for w0, w1, b in LAYER]
