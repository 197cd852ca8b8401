"""Value: one scalar node of the graph, with its parents and local derivatives."""

from __future__ import annotations

import numbers
from contextlib import nullcontext

from . import ops
from .context import current, enable_grad
from .graph import topological_order

_new = object.__new__


class Value:
    """A scalar that remembers how it was computed.

    `data` is the number; `grad` is d(root)/d(self) after `root.backward()`. Every op has one or
    two inputs, so a node keeps its parents in two slots, `_a` and `_b` (None when absent), with
    the local derivatives `_da` = d(self)/d(a) and `_db` = d(self)/d(b), recorded when the op ran.
    Slots, not tuples: each node is then the only object the garbage collector tracks, which
    makes building a graph several times faster. `parents` and `local_grads` give tuples.
    `_visit` marks the nodes one backward pass has ordered (see `_interior_order`).
    Leaves (inputs, parameters, constants) have no parents. No closures, so a dropped graph is
    freed at once by reference counting.
    """

    __slots__ = ("data", "grad", "label", "scope", "_op", "_a", "_b", "_da", "_db", "_visit")
    __array_ufunc__ = None  # numpy defers to our operators: np.float64(2) * x is a Value

    def __init__(self, data: float, label: str | None = None) -> None:
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, numbers.Real):
                raise TypeError(f"Value() needs a real number, got {type(data).__name__}: {data!r}")
            data = float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self.scope = current().scope
        self._op: ops.Op | None = None
        self._a: Value | None = None
        self._b: Value | None = None
        self._da = self._db = self._visit = None

    @property
    def op(self) -> str:
        """The op's display name ('+', 'tanh', '**2', ...), or '' for a leaf."""
        return self._op.name if self._op else ""

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order."""
        if self._a is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple:
        """d(self)/d(parent) for each parent, as recorded when the op ran."""
        if self._a is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    # Ordering compares data, so `max(values)` and `score > 0` work. `==` stays identity: Values
    # are dict keys and set members, and equal numbers are still different nodes.
    def __lt__(self, other) -> bool:
        return self.data < _data_of(other)

    def __le__(self, other) -> bool:
        return self.data <= _data_of(other)

    def __gt__(self, other) -> bool:
        return self.data > _data_of(other)

    def __ge__(self, other) -> bool:
        return self.data >= _data_of(other)

    # --- ops: each is one row of the table in ops.py -----------------------------------------

    def __add__(self, other):
        return _binary(ops.ADD, self, other)

    def __radd__(self, other):
        return _binary(ops.ADD, other, self)

    def __sub__(self, other):
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other):
        return _binary(ops.SUB, other, self)

    def __mul__(self, other):
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other):
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other):
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.DIV, other, self)

    def __rpow__(self, other):
        return _binary(ops.POW, other, self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.ABS, self)

    def __pow__(self, other):
        """`x ** 2` bakes the number into the op; `x ** y` with a Value y differentiates both."""
        if isinstance(other, Value):
            return _binary(ops.POW, self, other)
        if _is_number(other):
            return _unary(ops.power(float(other)), self)
        return NotImplemented

    def exp(self) -> Value:
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        return _unary(ops.LOG, self)

    def tanh(self) -> Value:
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        return _unary(ops.RELU, self)

    def sin(self) -> Value:
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        return _unary(ops.COS, self)

    def sqrt(self) -> Value:
        return _unary(ops.SQRT, self)

    def abs(self) -> Value:
        return _unary(ops.ABS, self)

    # --- backward ----------------------------------------------------------------------------

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Fill `.grad` of every node this one depends on, seeding this node with `grad`.

        Interior nodes show this pass's gradient; leaves (inputs, parameters, constants)
        accumulate across calls, as PyTorch's `.grad` does, so zero them between steps. With
        `create_graph=True` every `.grad` is itself a Value that can be differentiated again.
        """
        if create_graph:
            for node, g in gradients(self, grad, create_graph=True).items():
                node.grad = node.grad + g if node._a is None else g
            return
        if not _is_number(grad):
            raise TypeError(f"backward() needs a number to seed with, got {grad!r}")
        if self._a is None:  # a leaf: nothing to propagate
            self.grad += float(grad)
            return
        order = _interior_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = float(grad)
        for node in reversed(order):
            g = node.grad
            a = node._a
            a.grad += node._da * g
            b = node._b
            if b is not None:
                b.grad += node._db * g


def _interior_order(root: Value) -> list[Value]:
    """The interior nodes (those with parents) under `root`, parents first: backward's order.

    Like `topological_order`, but it skips leaves, which backward only accumulates into, and it
    marks visited nodes with a token in a slot instead of a set, so a graph of a million nodes
    costs no big hash table. Two passes over the same graph at once would confuse the marks,
    but they would race on `.grad` anyway.
    """
    token = object()
    root._visit = token
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack[-1]
        a = node._a
        if a._a is not None and a._visit is not token:
            a._visit = token
            stack.append(a)
            continue
        b = node._b
        if b is not None and b._a is not None and b._visit is not token:
            b._visit = token
            stack.append(b)
            continue
        order.append(stack.pop())
    return order


def _is_number(x) -> bool:
    if type(x) is float or type(x) is int:  # the common case, without the slower ABC check
        return True
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _data_of(x) -> float:
    if isinstance(x, Value):
        return x.data
    if _is_number(x):
        return x
    raise TypeError(f"cannot compare a Value with {type(x).__name__}: {x!r}")


def _as_value(x) -> Value | None:
    if isinstance(x, Value):
        return x
    return Value(x) if _is_number(x) else None


# The two functions below are the hot path of every forward pass, so they build the node inline.


def _unary(op: ops.Op, a: Value) -> Value:
    x = a.data
    data = op.value(x)
    enabled, scope = current()
    node = _new(Value)
    node.data, node.grad, node.label, node.scope, node._visit = data, 0.0, None, scope, None
    if enabled:
        node._op, node._a, node._b, node._db = op, a, None, None
        (node._da,) = op.local_grads(data, x)
    else:
        node._op = node._a = node._b = node._da = node._db = None
    return node


def _binary(op: ops.Op, a, b):
    if type(a) is not Value or type(b) is not Value:
        a, b = _as_value(a), _as_value(b)
        if a is None or b is None:
            return NotImplemented
    x, y = a.data, b.data
    data = op.value(x, y)
    enabled, scope = current()
    node = _new(Value)
    node.data, node.grad, node.label, node.scope, node._visit = data, 0.0, None, scope, None
    if enabled:
        node._op, node._a, node._b = op, a, b
        node._da, node._db = op.local_grads(data, x, y)
    else:
        node._op = node._a = node._b = node._da = node._db = None
    return node


def gradients(root: Value, seed=1.0, *, create_graph: bool = False) -> dict[Value, object]:
    """d(root)/d(node) for every node root depends on, as a dict; no `.grad` is touched.

    This is what `grad()` builds on: it must not disturb the `.grad` of an outer computation.

    The chain rule over a reverse topological order: each node's grad is complete before it is
    passed on, since everything that uses it comes later in the order. With `create_graph` the
    local derivatives are re-evaluated from the op rules on Values, so the grads are Values too.
    """
    if create_graph and not isinstance(seed, Value):
        seed = Value(seed)
    grads = {root: seed}
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(root)):
            if node._a is None:
                continue
            g = grads[node]
            parents = node.parents
            local_grads = node._op.local_grads(node, *parents) if create_graph else node.local_grads
            for parent, local in zip(parents, local_grads):
                grads[parent] = grads.get(parent, 0.0) + local * g
    return grads
