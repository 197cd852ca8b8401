"""The contenders: one training problem, four ways to get its loss and gradients.

Each contender starts from the same `Problem` (data and initial weights) and exposes the same
small interface, so the runner times them all with the same code. The scalar engines (ours,
micrograd, PyTorch 0-dim tensors) share one loss expression, written exactly as micrograd's demo.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd_core
import nn

from .data import Problem
from .timing import Budget, epoch_series, series


class Contender(ABC):
    """One way to compute the demo's loss and its gradient w.r.t. every parameter."""

    name: str = ""
    description: str = ""
    # A contender whose library adds ~10^5 Python objects to the process (torch) is made and
    # timed after the others: every collection of the cyclic GC scans all live objects, so its
    # import would slow every other GC-on row, which no user of those engines would see.
    heavy: bool = False

    @abstractmethod
    def forward(self) -> Any:
        """Build the loss (for a scalar engine: the whole graph) and return it."""

    @abstractmethod
    def backward(self, loss: Any) -> None:
        """Fill the parameters' gradients from `loss`."""

    @abstractmethod
    def zero_grad(self) -> None: ...

    @abstractmethod
    def sgd(self, lr: float) -> None:
        """One plain SGD update: p -= lr * grad."""

    @abstractmethod
    def loss_value(self, loss: Any) -> float: ...

    @abstractmethod
    def grads(self) -> np.ndarray:
        """The parameters' gradients in micrograd's `MLP.parameters()` order."""

    def count_nodes(self, loss: Any) -> int | None:
        """Nodes in the loss graph, or None when the contender has no node graph."""
        return None

    def n_params(self) -> int:
        return len(self.grads())

    def step(self, lr: float) -> float:
        """A whole training step, as in micrograd's demo loop. The graph is dropped on return."""
        self.zero_grad()
        loss = self.forward()
        self.backward(loss)
        self.sgd(lr)
        return self.loss_value(loss)

    def timed_steps(self, budget: Budget, lr: Callable[[int], float]) -> list[float]:
        """Seconds of each of a series of `step(lr(k))` calls, back to back (`timing.series`)."""
        return series(lambda k: self.step(lr(k)), budget)


# --- the scalar engines ----------------------------------------------------------------------


def hinge_loss(
    model: Callable[[list], Any],
    params: Sequence[Any],
    rows: list[list[float]],
    labels: list[float],
    wrap: Callable[[float], Any],
    alpha: float,
) -> Any:
    """micrograd demo's loss, op for op: mean(relu(1 - y * score)) + alpha * sum(p * p)."""
    inputs = [[wrap(v) for v in row] for row in rows]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in params)
    return data_loss + reg_loss


def scalar_mlp(problem: Problem, make_param: Callable[[float], Any]):
    """A micrograd-shaped MLP over any scalar type: relu hidden layers, a linear output.

    Returns `(model, params)`: `model(x)` maps a list of scalars to one scalar, and `params` is in
    micrograd's order (per neuron, weights then bias). This is the piece to swap for `nn.MLP`.
    """
    layers = [
        [([make_param(float(w)) for w in W[j]], make_param(float(b[j]))) for j in range(len(b))]
        for W, b in problem.weights
    ]
    last = len(layers) - 1

    def model(x: list) -> Any:
        for k, layer in enumerate(layers):
            out = []
            for w, b in layer:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(act if k == last else act.relu())
            x = out
        return x[0]

    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    return model, params


class _ScalarEngine(Contender):
    """Shared plumbing of the scalar engines: params with `.data` and `.grad` attributes."""

    params: list
    model: Callable[[list], Any]
    wrap: Callable[[float], Any]

    def __init__(self, problem: Problem) -> None:
        self.rows, self.labels, self.alpha = problem.rows(), problem.labels(), problem.alpha

    def forward(self) -> Any:
        return hinge_loss(self.model, self.params, self.rows, self.labels, self.wrap, self.alpha)

    def backward(self, loss: Any) -> None:
        loss.backward()

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def sgd(self, lr: float) -> None:
        for p in self.params:
            p.data -= lr * p.grad

    def loss_value(self, loss: Any) -> float:
        return float(loss.data)

    def grads(self) -> np.ndarray:
        return np.array([float(p.grad) for p in self.params])

    def n_params(self) -> int:
        return len(self.params)


class Ours(_ScalarEngine):
    name = "ours"
    description = "autograd_core Values, micrograd-shaped MLP"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.wrap = autograd_core.Value
        self.model, self.params = scalar_mlp(problem, autograd_core.Value)

    def count_nodes(self, loss: Any) -> int:
        return autograd_core.graph_stats(loss).nodes


class Micrograd(_ScalarEngine):
    name = "micrograd"
    description = "micrograd 0.1.0 Value + micrograd.nn.MLP"

    def __init__(self, problem: Problem) -> None:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        super().__init__(problem)
        sizes = problem.sizes
        mlp = MLP(sizes[0], sizes[1:])
        for layer, (W, b) in zip(mlp.layers, problem.weights):
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(W[j, i])
                neuron.b.data = float(b[j])
        self.wrap, self.model, self.params = Value, mlp, mlp.parameters()

    def count_nodes(self, loss: Any) -> int:
        seen, stack = {id(loss)}, [loss]
        while stack:
            for child in stack.pop()._prev:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        return len(seen)


class Torch(_ScalarEngine):
    name = "torch"
    description = "PyTorch, one float64 0-dim tensor per scalar"
    heavy = True

    def __init__(self, problem: Problem) -> None:
        import torch

        super().__init__(problem)
        self.torch = torch

        def param(v: float):
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        self.wrap = lambda v: torch.tensor(v, dtype=torch.float64)
        self.model, self.params = scalar_mlp(problem, param)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def sgd(self, lr: float) -> None:
        with self.torch.no_grad():
            for p in self.params:
                p -= lr * p.grad

    def loss_value(self, loss: Any) -> float:
        return float(loss.item())

    def grads(self) -> np.ndarray:
        return np.array([p.grad.item() for p in self.params])


class Compiled(_ScalarEngine):
    """Our engine traced once with `autograd_core.compile` and replayed over the whole batch:
    the per-example hinge loss (`(1 + -y * score).relu()`, the demo's) and the L2 term, each a
    compiled program; `forward` runs both programs' forward and backward passes."""

    name = "compiled"
    description = "autograd_core.compile: the demo's loss traced once, replayed over the batch"
    fused = True  # forward() also computes the gradients: no forward/backward split to time

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.model, self.params = scalar_mlp(problem, autograd_core.Value)
        self.X, self.y = problem.X.copy(), problem.y.copy()
        params, alpha = self.params, self.alpha
        model = self.model
        self.data = autograd_core.compile(
            lambda x, y: (1 + -y * model(x)).relu(), self.X[0], self.y[0]
        )
        self.penalty = autograd_core.compile(lambda: alpha * sum(p * p for p in params))

    def forward(self) -> Any:
        data = self.data.run(self.X, self.y, input_grads=False)
        return data, self.penalty.run()

    def backward(self, loss: Any) -> None:
        for program, result in zip((self.data, self.penalty), loss):
            for p, g in zip(program.params, result.grads.tolist()):  # in the trace's order
                p.grad += g

    def loss_value(self, loss: Any) -> float:
        return loss[0].value + loss[1].value

    def step(self, lr: float) -> float:
        """What a compiled training loop does: `backward` adds the grads to `.grad` itself."""
        self.zero_grad()
        loss = self.data.backward(self.X, self.y, input_grads=False).value
        loss += self.penalty.backward().value
        self.sgd(lr)
        return loss


class NnFit(_ScalarEngine):
    """`nn.fit` on an `nn.MLP` with `loss="hinge", l2=alpha`, plain SGD and the full batch: one
    epoch is one step. Timed from `history.time` of one long fit (`timed_steps`), so the row is
    exactly what fit costs per step, through its public API; fit pauses the cyclic GC."""

    name = "ours (nn.fit step, gc off)"
    description = "nn.MLP + nn.fit (eager Values; fit pauses the GC)"
    gc_enabled = False
    compiled = False

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem = problem
        self.model = nn.MLP(problem.sizes[0], problem.sizes[1:], activation="relu")
        for layer, (W, b) in zip(self.model.layers, problem.weights):
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(W[j, i])
                neuron.b.data = float(b[j])
        self.params = self.model.parameters()

    def fit(self, epochs: int, lr: Callable[[int], float]) -> Any:
        return nn.fit(
            self.model, self.problem.X, self.problem.y, loss="hinge", l2=self.alpha,
            optimizer=nn.SGD(self.model, lr=lr), epochs=epochs, shuffle=False, progress=False,
            compile=self.compiled,
        )  # fmt: skip

    def forward(self) -> Any:
        """One fit epoch with learning rate 0: the loss, and the gradients left in `.grad`."""
        return self.fit(1, lambda k: 0.0).loss[0]

    def backward(self, loss: Any) -> None:
        pass  # fit has filled `.grad` already

    def zero_grad(self) -> None:
        pass  # fit zeroes them itself

    def loss_value(self, loss: Any) -> float:
        return float(loss)

    def timed_steps(self, budget: Budget, lr: Callable[[int], float]) -> list[float]:
        """Seconds per step of one fit long enough for the budget, after its warm-up steps."""
        return epoch_series(lambda epochs: self.fit(epochs, lr).time, budget)


class NnFitCompiled(NnFit):
    name = "compiled (nn.fit step)"
    description = "nn.MLP + nn.fit(compile=True)"
    gc_enabled = True
    compiled = True


# --- the vectorized reference ----------------------------------------------------------------


class NumpyVectorized(Contender):
    """Whole-batch numpy forward and a hand-written backward: the floor for this problem."""

    name = "numpy"
    description = "vectorized numpy forward + hand-written backward"

    def __init__(self, problem: Problem) -> None:
        self.X, self.y, self.alpha = problem.X.copy(), problem.y.copy(), problem.alpha
        self.W = [W.copy() for W, _ in problem.weights]
        self.b = [b.copy() for _, b in problem.weights]
        self.dW = [np.zeros_like(W) for W in self.W]
        self.db = [np.zeros_like(b) for b in self.b]

    def forward(self) -> tuple:
        acts, zs = [self.X], []
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W.T + b
            zs.append(z)
            acts.append(z if k == len(self.W) - 1 else np.maximum(z, 0.0))
        margins = 1.0 - self.y * acts[-1][:, 0]
        data_loss = np.maximum(margins, 0.0).mean()
        reg = sum(float((W * W).sum() + (b * b).sum()) for W, b in zip(self.W, self.b))
        return float(data_loss + self.alpha * reg), acts, zs, margins

    def backward(self, loss: tuple) -> None:
        _, acts, zs, margins = loss
        n = len(self.y)
        dz = ((margins > 0) * -self.y / n)[:, None]  # d loss / d score, shape (n, 1)
        for k in reversed(range(len(self.W))):
            self.dW[k] += dz.T @ acts[k] + 2 * self.alpha * self.W[k]
            self.db[k] += dz.sum(axis=0) + 2 * self.alpha * self.b[k]
            if k:
                dz = (dz @ self.W[k]) * (zs[k - 1] > 0)

    def zero_grad(self) -> None:
        for g in (*self.dW, *self.db):
            g.fill(0.0)

    def sgd(self, lr: float) -> None:
        for p, g in zip((*self.W, *self.b), (*self.dW, *self.db)):
            p -= lr * g

    def loss_value(self, loss: tuple) -> float:
        return loss[0]

    def grads(self) -> np.ndarray:
        return np.concatenate(
            [np.column_stack([dW, db]).ravel() for dW, db in zip(self.dW, self.db)]
        )


ALL: tuple[type[Contender], ...] = (
    Ours,
    Compiled,
    NnFit,
    NnFitCompiled,
    Micrograd,
    Torch,
    NumpyVectorized,
)


def available(problem: Problem, heavy: bool = False) -> tuple[list[Contender], list[str]]:
    """The light (or the heavy) contenders that can run here, with fresh weights, and a note for
    each that can't."""
    made, notes = [], []
    for cls in (cls for cls in ALL if cls.heavy == heavy):
        try:
            made.append(cls(problem))
        except ImportError as error:
            notes.append(f"{cls.name} skipped: {error.name or error} is not importable here")
    return made, notes
