"""fit, predict and evaluate on bad data: a clear typed error naming the first bad sample, raised
before any training step (the model is left as it was)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn

X = [[0.5, 1.0], [-1.0, 0.3], [0.2, -0.7], [1.5, 0.1]]
Y = [1.0, -1.0, -1.0, 1.0]


def refused(error: type[Exception], match: str, X=X, y=Y, nouts=(1,), **options) -> None:
    """fit(model, X, y) must raise `error` matching `match` and leave the model unchanged."""
    model = nn.MLP(2, list(nouts), seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=match):
        nn.fit(model, X, y, epochs=3, progress=False, **{"loss": "hinge", **options})
    assert model.state_dict() == before


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused_before_training_naming_the_sample(bad: float) -> None:
    Xb = [row[:] for row in X]
    Xb[2][1] = bad
    refused(ValueError, f"X\\[2\\]\\[1\\] is {bad!r}: the data must be finite", X=Xb)
    refused(ValueError, f"X\\[2, 1\\] is {bad!r}", X=np.array(Xb))
    refused(ValueError, f"y\\[3\\] is {bad!r}", y=[*Y[:3], bad], loss="mse")
    refused(ValueError, f"y\\[1\\] is {bad!r}", y=np.array([1.0, bad, 1.0, 1.0]), loss="mse")
    with pytest.raises(ValueError, match="X\\[2\\]\\[1\\]"):
        nn.predict(nn.MLP(2, [1]), Xb)
    with pytest.raises(ValueError, match="X\\[2\\]\\[1\\]"):
        nn.evaluate(nn.MLP(2, [1]), Xb, Y)


def test_ragged_strings_and_other_shapes_are_refused() -> None:
    refused(ValueError, "X\\[1\\] is a vector of 3 but X\\[0\\] is a vector of 2",
            X=[[1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0], [1.0, 1.0]])  # fmt: skip
    refused(ValueError, "X\\[1\\] is a single number but X\\[0\\] is a vector of 2",
            X=[[1.0, 2.0], 3.0, [0.0, 0.0], [1.0, 1.0]])  # fmt: skip
    refused(TypeError, "X\\[0\\]\\[1\\] is str '2'; X must hold numbers",
            X=[[1.0, "2"], [1.0, 2.0], [0.0, 0.0], [1.0, 1.0]])  # fmt: skip
    refused(TypeError, "X\\[3\\] is NoneType", X=[[1.0, 2.0], [1.0, 2.0], [0.0, 0.0], None])
    refused(TypeError, "array of bool \\(convert with X.astype\\(float\\)\\)",
            X=np.array(X) > 0)  # fmt: skip
    refused(TypeError, "array of <U", X=np.array([["a", "b"]] * 4))
    refused(ValueError, "1-D .* or 2-D .*, got shape \\(4, 2, 1\\)", X=np.zeros((4, 2, 1)))
    refused(ValueError, "X\\[0\\] is 1000.* too large|X\\[0\\]\\[0\\] is 1000",
            X=[[10**400, 1.0]] + X[1:])  # fmt: skip
    refused(TypeError, "X must be a numpy array or a list of samples, got str", X="abcd")
    refused(TypeError, "y must be a numpy array or a list of samples, got dict", y={1: 2})
    refused(ValueError, "X has 4 samples but y has 3 targets", y=Y[:3])


@pytest.mark.parametrize(
    ("loss", "y", "error", "match"),
    [
        ("hinge", [1, 0, 0, 1], ValueError, "y\\[1\\] is 0, but hinge targets must be -1 or \\+1"),
        ("bce", [1, 0, 2, 1], ValueError, "y\\[2\\] is 2, but bce targets must be in \\[0, 1\\]"),
        ("bce_with_logits", [1, -1, 0, 1], ValueError, "y\\[1\\] is -1, but bce_with_logits"),
        ("mse", [[1.0, 2.0]] * 4, ValueError, "y\\[0\\] has 2 numbers, but the model gives 1"),
        ("cross_entropy", [0, 1, 1, 0], TypeError,
         "one list of logits per sample .* one Value per sample .* use bce_with_logits or hinge"),
    ],
    ids=["hinge", "bce", "bce_with_logits", "mse", "cross_entropy-one-output"],
)  # fmt: skip
def test_targets_that_do_not_suit_the_loss_are_refused_before_training(
    loss: str, y: list, error: type[Exception], match: str
) -> None:
    refused(error, match, y=y, loss=loss)
    refused(error, match, y=y, loss=loss, compile=True)


def test_class_indices_are_checked_against_the_number_of_outputs() -> None:
    refused(ValueError, "y\\[2\\] is class 3, but the model has 3 outputs \\(0..2\\)",
            y=[0, 2, 3, 1], nouts=(3,), loss="cross_entropy")  # fmt: skip
    refused(ValueError, "y\\[2\\] is class -1", y=[0, 2, -1, 1], nouts=(3,), loss="cross_entropy")
    refused(TypeError, "y\\[0\\] is 0.0, but softmax_cross_entropy targets are int class indices",
            y=np.array([0.0, 1.0, 2.0, 0.0]), nouts=(3,), loss="cross_entropy")  # fmt: skip
    model = nn.MLP(2, [3], seed=0)  # the same checks on the validation data
    with pytest.raises(ValueError, match="y\\[1\\] is class 5"):
        nn.fit(model, X, [0, 1, 2, 0], loss="cross_entropy", validation=(X[:2], [0, 5]),
               progress=False)  # fmt: skip


def test_the_loss_functions_say_what_they_need() -> None:
    one = nn.MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="one list of logits per sample"):
        nn.cross_entropy([one(x) for x in X], [0, 1, 1, 0])
    with pytest.raises(TypeError, match="one list of logits per sample"):
        nn.softmax_cross_entropy(one(X[0]), 0)
    three = nn.MLP(2, [3], seed=0)
    assert nn.cross_entropy([three(x) for x in X], [0, 1, 2, 0]).data > 0


def test_good_data_in_every_accepted_form_still_trains() -> None:
    for Xs, ys in [(X, Y), (np.array(X), np.array(Y)), ([np.array(r) for r in X], tuple(Y)),
                   (np.array(X, dtype=np.float32), np.array(Y, dtype=int))]:  # fmt: skip
        model = nn.MLP(2, [1], seed=0)
        history = nn.fit(model, Xs, ys, loss="hinge", epochs=3, progress=False)
        assert len(history.loss) == 3 and history.loss[-1] < history.loss[0]
    assert len(nn.predict(nn.Neuron(1), [0.5, 1.0, 2.0])) == 3  # one number per sample


def test_an_int_too_large_for_a_float_is_a_value_error_not_an_overflow_error() -> None:
    huge = 10**400
    refused(ValueError, "l2 must be a finite number >= 0", l2=huge)
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        nn.SGD(model, momentum=huge)
    with pytest.raises(ValueError, match="lr must be >= 0 and finite"):
        nn.SGD(model, lr=huge)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        nn.data.make_moons(10, noise=huge)
    with pytest.raises(ValueError, match="the learning-rate schedule gave 1000"):
        nn.SGD(model, lr=lambda k: huge).step()
