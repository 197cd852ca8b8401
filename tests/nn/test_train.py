"""fit(), predict(), evaluate(): batch modes, history, gradient bookkeeping, no needless graphs."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import nn
from autograd_core import Value, is_grad_enabled
from nn.data import make_blobs

from .helpers import numeric_grads


def separable(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two well separated blobs, labels -1/+1."""
    X, y = make_blobs(n, centers=[[-2.0, -2.0], [2.0, 2.0]], cluster_std=0.5, seed=seed)
    return X, 2 * y - 1


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(None, 1), (1, 20), (5, 4), (64, 1)])
def test_every_batch_mode_decreases_the_loss_on_a_separable_problem(batch_size, steps_per_epoch):
    X, y = separable()
    model = nn.MLP(2, [4, 1], init="scaled", seed=0)
    lr = 0.1 if batch_size is None or batch_size > 1 else 0.02
    history = nn.fit(
        model, X, y, loss="hinge", optimizer=nn.SGD(model, lr=lr), epochs=15,
        batch_size=batch_size, seed=0, progress=False,
    )  # fmt: skip
    assert history.epochs == 15 and history.steps == 15 * steps_per_epoch
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] == 1.0
    assert nn.evaluate(model, X, y, "hinge").accuracy == 1.0
    assert len(history.time) == 15 and history.time == sorted(history.time)


def test_full_batch_steps_follow_the_finite_difference_gradient():
    """Two fit() steps equal two hand steps p -= lr * dL/dp, with dL/dp by central differences:
    so stale grads are zeroed before every backward pass."""
    X, y = separable(8)
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    ref = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    for p in model.parameters():
        p.grad = 123.0  # stale gradients from somewhere else
    params = ref.parameters()

    def loss():
        return nn.mse([ref(x) for x in X.tolist()], y.tolist()) + nn.l2_penalty(params, 0.01)

    for _ in range(2):
        grads = numeric_grads(loss, params)
        for p, g in zip(params, grads):
            p.data -= 0.05 * g
    nn.fit(model, X, y, optimizer=nn.SGD(model, lr=0.05), epochs=2, l2=0.01, progress=False)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in params], rel=1e-7, abs=1e-9
    )


def test_shuffling_is_deterministic_from_the_seed():
    X, y = separable()

    def run(seed, shuffle=True):
        model = nn.MLP(2, [3, 1], seed=0)
        nn.fit(model, X, y, loss="hinge", epochs=3, batch_size=4, shuffle=shuffle, seed=seed,
               progress=False)  # fmt: skip
        return model.state_dict()

    assert run(1) == run(1) != run(2)
    assert run(1, shuffle=False) == run(2, shuffle=False)


def test_history_accuracy_validation_and_regression():
    X, y = separable(24)
    Xt, Xv, yt, yv = nn.data.train_test_split(X, y, test_size=0.25, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    h = nn.fit(model, Xt, yt, loss=nn.hinge, epochs=3, validation=(Xv, yv), progress=False)
    assert len(h.accuracy) == len(h.val_loss) == len(h.val_accuracy) == 3
    assert h.val_loss[-1] == nn.evaluate(model, Xv, yv, "hinge").loss
    reg = nn.fit(model, Xt, yt.astype(float), loss="mse", epochs=2, progress=False)
    assert reg.accuracy is None and reg.val_loss is None and len(reg.loss) == 2
    custom = nn.fit(
        model, Xt, yt, loss=lambda o, t: nn.mse(o, t), epochs=1, progress=False,
        to_label=lambda out: 1 if out.data > 0 else -1,
    )  # fmt: skip
    assert custom.accuracy is not None and 0 <= custom.accuracy[0] <= 1


def test_softmax_classification_with_adam():
    X, y = make_blobs(30, centers=[[0, 3], [3, -2], [-3, -2]], cluster_std=0.4, seed=0)
    model = nn.MLP(2, [6, 3], init="scaled", seed=0)
    h = nn.fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(model, lr=0.05),
               epochs=25, batch_size=10, seed=0, progress=False)  # fmt: skip
    assert h.loss[-1] < 0.3 * h.loss[0]
    assert h.accuracy[-1] == 1.0


def test_predict_and_evaluate_build_no_graph():
    seen = []
    model = nn.MLP(2, [2, 2], seed=0)

    def spy(x):
        seen.append(is_grad_enabled())
        return model(x)

    X = np.array([[0.5, 1.0], [-1.0, 0.25]])
    out = nn.predict(spy, X)
    assert out == [[v.data for v in model(x)] for x in X.tolist()]
    assert all(type(v) is float for row in out for v in row)
    nn.evaluate(spy, X, [0, 1], "cross_entropy")
    assert seen == [False] * 4


def test_progress_bar_can_be_shown_or_hidden(capsys):
    X, y = separable(4)
    nn.fit(nn.MLP(2, [1], seed=0), X, y, loss="hinge", epochs=2, progress=True)
    assert "fit" in capsys.readouterr().err
    nn.fit(nn.MLP(2, [1], seed=0), X, y, loss="hinge", epochs=2, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": [1.0]}, ValueError, "X has 4 samples but y has 1 targets"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be a positive int"),
        ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be an nn Optimizer"),
        ({"loss": "l1"}, ValueError, "unknown loss"),
        ({"model": lambda x: x[0]}, TypeError, "model must be an nn Module"),
        ({"loss": lambda o, t: 1.0}, TypeError, "the loss must return a Value, got float"),
        ({"X": "abc"}, TypeError, "X must be a numpy array or a list"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    X, y = separable(4)
    args = {"model": nn.MLP(2, [1], seed=0), "X": X, "y": y, "loss": "hinge", "progress": False}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        nn.fit(**args)


@pytest.mark.parametrize(
    "keyword, value, what, example",
    [
        ("lr", 0.5, "the learning rate", "optimizer=nn.SGD(model, lr=0.5)"),
        ("learning_rate", 0.1, "the learning rate", "optimizer=nn.SGD(model, lr=0.1)"),
        ("momentum", 0.9, "momentum", "optimizer=nn.SGD(model, lr=0.1, momentum=0.9)"),
        ("weight_decay", 1e-4, "weight decay", "nn.SGD(model, lr=0.1, weight_decay=0.0001)"),
    ],
)
def test_an_optimizer_argument_given_to_fit_says_where_it_belongs(keyword, value, what, example):
    X, y = separable(4)
    model = nn.MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(TypeError, match=f"{what} belongs to the optimizer") as error:
        nn.fit(model, X, y, progress=False, **{keyword: value})
    assert f"no argument {keyword!r}" in str(error.value)
    assert example in str(error.value)
    assert model.state_dict() == before  # refused before training


def test_fit_keeps_its_signature_for_tools_that_read_it():
    assert list(inspect.signature(nn.fit).parameters)[:5] == [
        "model",
        "X",
        "y",
        "loss",
        "optimizer",
    ]
    assert "lr" not in inspect.signature(nn.fit).parameters


@pytest.mark.parametrize("compile", [False, True])
def test_history_steps_counts_the_steps_this_fit_took(compile):
    """A second fit with the same optimizer reports its own steps, as on_batch_end counts them;
    the optimizer's own count goes on across fits."""
    X, y = separable(8)
    model = nn.MLP(2, [3, 1], seed=0)
    optimizer = nn.SGD(model, lr=0.01)
    seen: list[int] = []

    class Steps(nn.Callback):
        def on_batch_end(self, model, step, loss):
            seen.append(step)

    kwargs = {"optimizer": optimizer, "epochs": 2, "batch_size": 2, "compile": compile}
    first = nn.fit(model, X, y, progress=False, **kwargs)
    second = nn.fit(model, X, y, progress=False, callbacks=[Steps()], **kwargs)
    assert first.steps == 8  # 2 epochs of 8 samples in batches of 2
    assert second.steps == 8
    assert seen == list(range(8))
    assert optimizer.steps == 16


def test_fit_accepts_lists_of_values():
    X = [[Value(1.0), Value(1.0)], [Value(-1.0), Value(-1.0)]]
    h = nn.fit(nn.MLP(2, [1], seed=0), X, [1, -1], loss="hinge", epochs=2, progress=False)
    assert len(h.loss) == 2


def test_fit_pauses_the_cyclic_gc_and_restores_it():
    import gc

    seen = []
    X, y = separable(4)

    def loss(outputs, targets):
        seen.append(gc.isenabled())
        return nn.hinge(outputs, targets)

    assert gc.isenabled()
    nn.fit(nn.MLP(2, [1], seed=0), X, y, loss=loss, epochs=2, progress=False)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        nn.fit(nn.MLP(2, [1], seed=0), X, y, loss=loss, epochs=1, progress=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_compiled_fit_pauses_the_gc_from_its_checks_on_and_frees_its_program_as_it_returns():
    """The trace and the pre-flight check make graphs of a few hundred thousand nodes on a wide
    network: the collector is paused for them too. The compiled function is in no reference
    cycle, so reference counting frees it (and its rows) as fit returns."""
    import gc

    from autograd_core.compiled import CompiledFunction

    seen = []
    X, y = separable(4)

    def loss(outputs, targets):
        seen.append(gc.isenabled())
        return nn.hinge(outputs, targets)

    def compiled_functions() -> int:
        return sum(type(o) is CompiledFunction for o in gc.get_objects())

    nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss=loss, epochs=1, progress=False, compile=True)
    assert len(seen) >= 2 and not any(seen)  # the trace, the check (and no eager step)
    gc.collect()
    gc.disable()
    try:
        before = compiled_functions()
        nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss=loss, epochs=1, progress=False, compile=True)
        assert compiled_functions() == before
    finally:
        gc.enable()


# --- compile=True: the same training, through a traced program ---------------------------------

COMPILED_CASES = {
    "hinge": (lambda y: 2 * y - 1, 1),
    "mse": (lambda y: y.astype(float), 1),
    "squared_error": (lambda y: y.astype(float), 1),
    "bce": (lambda y: y, 1),
    "bce_with_logits": (lambda y: y, 1),
    "softmax_cross_entropy": (lambda y: y, 2),
}


def fit_twice(loss, y, nout, batch_size, activation="relu", optimizer=nn.SGD, **kwargs):
    """The same fit eagerly and compiled: (history, final parameters) for each."""
    X, _ = separable(12, seed=3)
    runs = []
    for compile in (False, True):
        model = nn.MLP(2, [4, nout], activation=activation, init="scaled", seed=0)
        if loss == "bce":
            model = nn.MLP(2, [4, nout], activation, "sigmoid", init="scaled", seed=0)
        history = nn.fit(
            model, X, y, loss=loss, optimizer=optimizer(model, lr=0.05), epochs=3,
            batch_size=batch_size, seed=1, progress=False, compile=compile, **kwargs,
        )  # fmt: skip
        runs.append((history, [p.data for p in model.parameters()]))
    return runs


@pytest.mark.parametrize("batch_size", [None, 5, 1])
@pytest.mark.parametrize("loss", COMPILED_CASES)
def test_compiled_fit_gives_the_eager_history(loss, batch_size):
    targets, nout = COMPILED_CASES[loss]
    _, labels = separable(12, seed=3)
    (eager, eager_params), (compiled, compiled_params) = fit_twice(
        loss, targets((labels + 1) // 2), nout, batch_size, l2=1e-3
    )
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-12)
    np.testing.assert_allclose(compiled_params, eager_params, rtol=1e-12, atol=1e-15)
    assert compiled.accuracy == eager.accuracy and compiled.steps == eager.steps


def test_compiled_fit_with_adam_tanh_validation_and_a_label_rule():
    X, y = separable(12, seed=3)
    runs = []
    for compile in (False, True):
        model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
        runs.append(
            nn.fit(
                model,
                X,
                y,
                loss=nn.mse,
                optimizer=nn.Adam(model, lr=0.05),
                epochs=3,
                batch_size=4,
                seed=0,
                progress=False,
                validation=(X[:4], y[:4]),
                to_label=lambda out: 1 if out.data > 0 else -1,
                compile=compile,
            )  # fmt: skip
        )
    eager, compiled = runs
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-12)
    np.testing.assert_allclose(compiled.val_loss, eager.val_loss, rtol=1e-12)
    assert compiled.accuracy == eager.accuracy is not None


def test_compiled_fit_refuses_a_loss_that_branches_on_data_or_is_not_a_mean():
    X, y = separable(8)

    def one_or_many(outputs, targets):  # compiled, a loss sees one sample at a time
        return (outputs, targets) if isinstance(outputs, list) else ([outputs], [targets])

    def branchy(outputs, targets):  # a Python branch on each output's number
        outs, targets = one_or_many(outputs, targets)
        terms = [(o - t) ** 2 if o.data > 0 else (o - t).abs() for o, t in zip(outs, targets)]
        return sum(terms[1:], terms[0]) / len(terms)

    def total(outputs, targets):  # a sum over the batch, not a mean
        outs, targets = one_or_many(outputs, targets)
        return sum(((o - t) ** 2 for o, t in zip(outs, targets)), Value(0.0))

    for loss in (branchy, total):
        with pytest.raises(ValueError, match=r"fit\(compile=True\): the compiled loss of"):
            nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss=loss, epochs=1, progress=False,
                   compile=True)  # fmt: skip
    with pytest.raises(ValueError, match="hinge targets must be -1 or \\+1"):
        nn.fit(nn.MLP(2, [1], seed=0), X, (y + 1) / 2, loss="hinge", progress=False, compile=True)
