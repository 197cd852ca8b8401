"""fit(callbacks=[...]): the hooks' order and arguments in every batch mode, eager and compiled,
stopping, samples added between epochs, and the time left out of history.time."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

import nn
from autograd_core import Value
from nn.data import make_blobs

N = 20
MODES = [(None, 1), (1, N), (7, 3), (64, 1)]  # batch_size, optimizer steps per epoch


def blobs() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_blobs(N, centers=[[-2.0, -2.0], [2.0, 2.0]], cluster_std=0.5, seed=0)
    return X, 2 * y - 1


class Recorder:
    """Writes down every hook call, with copies of what it saw."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.run: nn.TrainingRun | None = None

    def on_train_begin(self, model: Any, run: nn.TrainingRun) -> None:
        self.run = run
        self.calls.append(("begin", model, len(run.X), run.epochs, run.batch_size))

    def on_batch_end(self, model: Any, step: int, loss: float) -> None:
        self.calls.append(("batch", step, loss))

    def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
        self.calls.append(("epoch", epoch, history.epochs, history.steps, list(history.loss)))

    def on_train_end(self, model: Any, history: nn.History) -> None:
        self.calls.append(("end", history.epochs))


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compile"])
@pytest.mark.parametrize("batch_size, per_epoch", MODES)
def test_hooks_are_called_in_order_with_exact_arguments(compiled, batch_size, per_epoch):
    X, y = blobs()
    model = nn.MLP(2, [3, 1], seed=0)
    rec = Recorder()
    history = nn.fit(
        model, X, y, loss="hinge", epochs=3, batch_size=batch_size, seed=0, progress=False,
        compile=compiled, callbacks=[rec],
    )  # fmt: skip
    kinds = [call[0] for call in rec.calls]
    assert kinds == ["begin"] + (["batch"] * per_epoch + ["epoch"]) * 3 + ["end"]
    assert rec.calls[0] == ("begin", model, N, 3, batch_size)
    batches = [call for call in rec.calls if call[0] == "batch"]
    assert [b[1] for b in batches] == list(range(3 * per_epoch))
    epochs = [call for call in rec.calls if call[0] == "epoch"]
    assert [(e[1], e[2], e[3]) for e in epochs] == [
        (k, k + 1, (k + 1) * per_epoch) for k in range(3)
    ]
    assert [e[4] for e in epochs] == [history.loss[: k + 1] for k in range(3)]
    assert rec.calls[-1] == ("end", 3)
    # the epoch's loss is the batch losses weighted by batch size: the hooks saw the real ones
    size = N if batch_size is None else min(batch_size, N)
    weights = [min(size, N - lo) for lo in range(0, N, size)]
    for k in range(3):
        losses = [b[2] for b in batches[k * per_epoch : (k + 1) * per_epoch]]
        assert np.dot(losses, weights) / N == pytest.approx(history.loss[k], rel=1e-12)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compile"])
@pytest.mark.parametrize("batch_size, per_epoch", MODES)
def test_a_stop_request_ends_training_after_the_current_epoch(compiled, batch_size, per_epoch):
    X, y = blobs()

    class StopAtSecondEpoch(nn.Callback):
        def on_train_begin(self, model: Any, run: nn.TrainingRun) -> None:
            self.run = run

        def on_batch_end(self, model: Any, step: int, loss: float) -> None:
            if step == per_epoch:  # the first step of the second epoch: that epoch still ends
                self.run.stop()

    rec = Recorder()
    history = nn.fit(
        nn.MLP(2, [3, 1], seed=0), X, y, loss="hinge", epochs=10, batch_size=batch_size,
        progress=False, compile=compiled, callbacks=[StopAtSecondEpoch(), rec],
    )  # fmt: skip
    assert history.epochs == 2 and history.steps == 2 * per_epoch
    assert len(history.accuracy) == len(history.time) == 2
    assert [c[1] for c in rec.calls if c[0] == "epoch"] == [0, 1]
    assert rec.calls[-1] == ("end", 2)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compile"])
@pytest.mark.parametrize("batch_size", [None, 1, 7])
def test_a_sample_added_between_epochs_is_trained_on_from_the_next_epoch(compiled, batch_size):
    X, y = blobs()
    X = X.tolist()
    seen: list[int] = []

    def counting_hinge(outputs: Any, targets: Any) -> Any:
        seen.append(len(targets))
        return nn.hinge(outputs, targets)

    class AddAfterFirstEpoch:
        def on_train_begin(self, model: Any, run: nn.TrainingRun) -> None:
            self.run = run

        def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
            if epoch == 0:
                self.run.add([0.0, 3.0], 1)

    def train(loss: Any, compiled: bool) -> tuple[nn.History, list[float]]:
        model = nn.MLP(2, [3, 1], seed=0)
        history = nn.fit(
            model, X, y, loss=loss, epochs=3, batch_size=batch_size, progress=False, seed=0,
            compile=compiled, callbacks=[AddAfterFirstEpoch()],
        )  # fmt: skip
        return history, [p.data for p in model.parameters()]

    history, params = train(counting_hinge, False)  # eager: the loss sees every batch
    per_epoch = [1 if batch_size is None else -(-n // batch_size) for n in (N, N + 1, N + 1)]
    assert history.steps == sum(per_epoch)
    firsts = np.cumsum([0, *per_epoch[:-1]])
    targets_per_epoch = [sum(seen[a : a + k]) for a, k in zip(firsts, per_epoch)]
    assert targets_per_epoch == [N, N + 1, N + 1]
    if compiled:  # the same steps through the compiled path: the same batches, the same model
        history, compiled_params = train("hinge", True)
        assert history.steps == sum(per_epoch)
        assert compiled_params == pytest.approx(params, rel=1e-9, abs=1e-12)
    assert len(X) == N  # fit's own copy grew, not the caller's list


def test_hooks_a_callback_leaves_out_are_not_needed_and_subclassing_gives_no_ops():
    X, y = blobs()

    class OnlyEpochs(nn.Callback):
        def __init__(self) -> None:
            self.epochs: list[int] = []

        def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
            self.epochs.append(epoch)

    class Duck:
        ended = 0

        def on_train_end(self, model: Any, history: nn.History) -> None:
            self.ended += 1

    only, duck = OnlyEpochs(), Duck()
    nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=4, progress=False, callbacks=[only, duck])
    assert only.epochs == [0, 1, 2, 3] and duck.ended == 1


def test_time_in_callbacks_is_left_out_of_history_time(monkeypatch):
    """A fake clock: each reading advances it by 1 s, and the callback by 1000 s more."""
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    class Slow:
        def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
            now[0] += 1000.0

    X, y = blobs()
    monkeypatch.setattr(time, "perf_counter", clock)
    history = nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=3, progress=False, callbacks=[Slow()])
    assert all(t < 100 for t in history.time)
    assert history.time == sorted(history.time)


def test_bad_callbacks_and_bad_added_samples_raise_clear_errors():
    X, y = blobs()
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match=r"callbacks must be a list .* callbacks=\[view\]"):
        nn.fit(model, X, y, epochs=1, progress=False, callbacks=Recorder())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"callbacks\[1\] \(int\) has none of the hooks"):
        nn.fit(model, X, y, epochs=1, progress=False, callbacks=[Recorder(), 3])

    run = nn.TrainingRun([[0.0, 1.0]], [1], epochs=1, batch_size=None)
    with pytest.raises(ValueError, match="a sample of 2 numbers"):
        run.add([1.0], 1)
    with pytest.raises(TypeError, match="a sample of numbers"):
        run.add([1.0, "a"], 1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="a sample as a list of numbers"):
        run.add(3.0, 1)  # type: ignore[arg-type]
    assert run.X == [[0.0, 1.0]] and run.y == [1]
    run.add((2, 3), -1)
    assert run.X == [[0.0, 1.0], [2.0, 3.0]] and run.y == [1, -1]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 10**400])
def test_an_added_sample_must_be_finite_as_fit_checks_x(bad: float) -> None:
    run = nn.TrainingRun([[0.0]], [1.0], epochs=1, batch_size=None)
    with pytest.raises(ValueError, match=r"X\[1\]\[0\] is .*: the data must be finite"):
        run.add([bad], 1.0)
    assert run.X == [[0.0]] and run.y == [1.0]
    with pytest.raises(ValueError, match="the data must be finite"):
        nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [bad]], [1.0, 1.0], progress=False)


# --- reads_model: who needs the model's Values synced ---------------------------------------


class Net(nn.Module):
    """An MLP behind a parameter its forward never reads (listed first): a compiled step's
    vector lacks it when the optimizer does not hold it either."""

    def __init__(self) -> None:
        self.unused = Value(0.5)
        self.mlp = nn.MLP(2, [3, 1], seed=0)

    def forward(self, x: Any) -> Any:
        return self.mlp(x)


def model_and_optimizer(kind: str) -> tuple[nn.Module, nn.Optimizer]:
    """An MLP with momentum; or Net, whose optimizer holds the MLP's parameters backwards (so
    the compiled step's vector is in another order than `parameters()`, without `unused`)."""
    if kind == "mlp":
        model: nn.Module = nn.MLP(2, [3, 1], seed=0)
        return model, nn.SGD(model, lr=0.1, momentum=0.5)
    net = Net()
    return net, nn.SGD(list(reversed(net.mlp.parameters())), lr=0.1)


class ReadsTheModel(nn.Callback):
    """Per batch and per epoch: every parameter's .data and .grad, read from the model."""

    def __init__(self) -> None:
        self.seen: list[tuple[list[float], list[float]]] = []

    def read(self, model: Any) -> None:
        params = model.parameters()
        self.seen.append(([p.data for p in params], [p.grad for p in params]))

    def on_batch_end(self, model: Any, step: int, loss: float) -> None:
        self.read(model)

    def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
        self.read(model)


class ReadsTheVectors(nn.Callback):
    """Per batch and per epoch: the run's vectors, and the model's Values as they are then."""

    reads_model = False

    def __init__(self) -> None:
        self.seen: list[tuple[list[float], list[float]]] = []
        self.values: list[list[float]] = []

    def on_train_begin(self, model: Any, run: nn.TrainingRun) -> None:
        self.run, self.model = run, model

    def read(self) -> None:
        data, grad = self.run.parameter_vectors()
        self.seen.append((data.tolist(), grad.tolist()))
        self.values.append([p.data for p in self.model.parameters()])

    def on_batch_end(self, model: Any, step: int, loss: float) -> None:
        self.read()

    def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
        self.read()


def same_numbers(got: list[tuple[list[float], list[float]]], want: Any) -> None:
    assert len(got) == len(want)
    for (data, grad), (want_data, want_grad) in zip(got, want):
        assert data == pytest.approx(want_data, rel=1e-9, abs=1e-12)
        assert grad == pytest.approx(want_grad, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "kind, batch_size, l2",
    [("mlp", None, 0.0), ("mlp", 7, 0.01), ("net", None, 0.0), ("net", 7, 0.0)],
)
def test_a_callback_that_reads_the_vectors_sees_the_eager_numbers_and_the_model_is_not_synced(
    kind, batch_size, l2
):
    X, y = blobs()

    def train(compiled: bool, callback: Any) -> nn.Module:
        model, optimizer = model_and_optimizer(kind)
        nn.fit(
            model, X, y, loss="hinge", optimizer=optimizer, epochs=3, batch_size=batch_size,
            seed=0, l2=l2, progress=False, compile=compiled, callbacks=[callback],
        )  # fmt: skip
        return model

    truth = ReadsTheModel()  # an eager fit: its Values are the numbers, step by step
    train(False, truth)
    vectors = ReadsTheVectors()
    model = train(True, vectors)
    same_numbers(vectors.seen, truth.seen)
    initial = [p.data for p in model_and_optimizer(kind)[0].parameters()]
    assert all(values == initial for values in vectors.values)  # never written while training
    # the end of training syncs: the Values hold the last numbers the vectors showed
    assert [p.data for p in model.parameters()] == vectors.seen[-1][0]
    assert [p.grad for p in model.parameters()] == vectors.seen[-1][1]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compile"])
def test_callbacks_read_a_synced_model_unless_they_say_otherwise(compiled):
    """The default (an nn.Callback, or a duck-typed object without `reads_model`) reads the
    model: it sees it synced before every hook, beside a callback that does not read it."""
    X, y = blobs()

    class Duck:
        def __init__(self) -> None:
            self.seen: list[tuple[list[float], list[float]]] = []

        def on_epoch_end(self, model: Any, epoch: int, history: nn.History) -> None:
            params = model.parameters()
            self.seen.append(([p.data for p in params], [p.grad for p in params]))

    truth = ReadsTheModel()
    model, optimizer = model_and_optimizer("net")
    nn.fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=3, batch_size=7, seed=0,
           progress=False, callbacks=[truth])  # fmt: skip
    reading, duck, vectors = ReadsTheModel(), Duck(), ReadsTheVectors()
    model, optimizer = model_and_optimizer("net")
    nn.fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=3, batch_size=7, seed=0,
           progress=False, compile=compiled, callbacks=[vectors, reading, duck])  # fmt: skip
    same_numbers(reading.seen, truth.seen)
    same_numbers(duck.seen, truth.seen[3::4])  # 3 batches, then the epoch's end
    same_numbers(vectors.seen, truth.seen)
    # another callback reads the model, so it is synced before every hook of that kind
    want = np.array([values for values, _ in truth.seen])
    np.testing.assert_allclose(np.array(vectors.values), want, rtol=1e-9, atol=1e-12)


def test_validation_syncs_the_model_for_every_epoch_even_when_no_callback_reads_it():
    X, y = blobs()
    vectors = ReadsTheVectors()
    model = nn.MLP(2, [3, 1], seed=0)
    history = nn.fit(model, X, y, loss="hinge", epochs=3, progress=False, compile=True,
                     validation=(X, y), callbacks=[vectors])  # fmt: skip
    # full batch: batch, epoch, batch, epoch, ... At each epoch's end, after validation, the
    # Values hold the epoch's trained numbers
    ends = [data for data, _ in vectors.seen[1::2]]
    assert vectors.values[1::2] == ends and ends[0] != ends[1]
    # validated on the training data: the model after epoch k is the one epoch k + 1 starts with
    assert history.val_loss[:-1] == pytest.approx(history.loss[1:], rel=1e-12)


def test_parameter_vectors_need_a_run_of_fit_and_reads_model_must_be_a_bool():
    run = nn.TrainingRun([[0.0]], [1.0], epochs=1, batch_size=None)
    with pytest.raises(RuntimeError, match=r"parameter_vectors\(\) .* not made by nn.fit"):
        run.parameter_vectors()

    class Unsure(nn.Callback):
        reads_model = "no"  # type: ignore[assignment]

    X, y = blobs()
    with pytest.raises(TypeError, match=r"callbacks\[0\] \(Unsure\) has reads_model = 'no'"):
        nn.fit(nn.MLP(2, [2, 1], seed=0), X, y, epochs=1, progress=False, callbacks=[Unsure()])
