"""Value: a number that remembers how it was computed; backward() applies the chain rule."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from typing import Any, Literal, overload

from . import ops
from .context import current, enable_grad
from .graph import topological_order

_new = object.__new__


def _unary(op: ops.Op) -> Callable[[Value], Value]:
    """The method of a one-input op: its value, input and d(out)/d(in) in a new node (the hot
    path of every forward pass, so the node is filled in right here)."""
    value, rule, FLOAT = op.value, op.rule, ops.FLOAT

    def method(a: Value) -> Value:
        x = a._data
        data = value(x)
        enabled, scope = current()
        node = _new(Value)
        node._data, node.grad, node.label, node.scope = data, 0.0, None, scope
        node._g, node._visit = 0.0, None
        if enabled:
            node.op, node._a, node._b, node._db = op, a, None, 0.0
            (node._da,) = rule(FLOAT, data, x)
        else:
            node.op, node._a, node._b, node._da, node._db = None, None, None, 0.0, 0.0
        return node

    return method


def _binary(op: ops.Op, reflected: bool = False) -> Callable[[Value, Value | float], Value]:
    """The method of a two-input op; a number becomes a constant leaf. `reflected`: `2 * x`."""
    value, rule, FLOAT = op.value, op.rule, ops.FLOAT

    def method(a: Any, b: Any) -> Value:
        if type(a) is not Value or type(b) is not Value:
            a, b = _as_value(a), _as_value(b)
            if a is None or b is None:
                return NotImplemented  # type: ignore[no-any-return]
        x, y = a._data, b._data
        data = value(x, y)
        enabled, scope = current()
        node = _new(Value)
        node._data, node.grad, node.label, node.scope = data, 0.0, None, scope
        node._g, node._visit = 0.0, None
        if enabled:
            node.op, node._a, node._b = op, a, b
            node._da, node._db = rule(FLOAT, data, x, y)
        else:
            node.op, node._a, node._b, node._da, node._db = None, None, None, 0.0, 0.0
        return node

    return (lambda self, other: method(other, self)) if reflected else method


def _compare(compare: Callable[[float, float], bool]) -> Callable[[Value, Value | float], bool]:
    def method(self: Value, other: Any) -> bool:
        number = other._data if isinstance(other, Value) else _as_float(other)
        return NotImplemented if number is None else compare(self._data, number)

    return method


class Value:
    """A scalar node of the graph.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1          # ops record their inputs and local derivatives
    >>> y.backward()           # the chain rule, from y back to the leaves
    >>> y.data, x.grad         # y = x² + 1 and dy/dx = 2x
    (10.0, 6.0)

    Ops: `+ - * / **` (numbers on either side), `-x`, `abs`, and the methods `exp log log1p sqrt
    tanh sigmoid relu softplus sin cos maximum`, one row each of `ops.OPS`. An op's result keeps
    its `op` (the table's row; `str(node.op)` is its symbol), `parents` and `local_grads`
    d(self)/d(parent); slots `_a _b _da _db` hold them (no
    closures: a dropped graph is freed at once). Values compare by number, hash by identity."""

    __slots__ = ("_data", "grad", "label", "scope", "op", "_a", "_b", "_da", "_db", "_g", "_visit")
    __hash__ = object.__hash__

    def __init__(self, data: float, label: str | None = None) -> None:
        self._data, self.grad, self.label = _number(data, "Value()"), 0.0, label
        self.scope: str | None = current()[1]
        self.op: ops.Op | None = None
        self._a: Value | None = None
        self._b: Value | None = None
        self._da, self._db, self._g = 0.0, 0.0, 0.0
        self._visit: object = None

    @property
    def data(self) -> float:
        """The number. Assigning it (as an optimizer step does) checks it is a real number."""
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        self._data = value if type(value) is float else _number(value, "Value.data")

    def item(self) -> float:
        """The number, as PyTorch's `tensor.item()`: the same as `.data`."""
        return self._data

    @property
    def is_leaf(self) -> bool:
        return self._a is None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order."""
        return () if self._a is None else (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as recorded when the op ran."""
        return () if self._a is None else (self._da,) if self._b is None else (self._da, self._db)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec: str) -> str:
        return format(self._data, spec) if spec else repr(self)

    def __float__(self) -> float:  # so math.tanh(x) cannot silently drop the graph
        raise TypeError("a Value is not a float: use its ops (x.tanh(), ...) or x.data, x.item()")

    # Comparisons are by the numbers, as floats compare.
    __eq__, __ne__ = _compare(operator.eq), _compare(operator.ne)  # type: ignore[assignment]
    __lt__, __le__ = _compare(operator.lt), _compare(operator.le)
    __gt__, __ge__ = _compare(operator.gt), _compare(operator.ge)

    # The ops: one method per row of the table in ops.py.
    __add__, __radd__ = _binary(ops.ADD), _binary(ops.ADD, reflected=True)
    __sub__, __rsub__ = _binary(ops.SUB), _binary(ops.SUB, reflected=True)
    __mul__, __rmul__ = _binary(ops.MUL), _binary(ops.MUL, reflected=True)
    __truediv__, __rtruediv__ = _binary(ops.DIV), _binary(ops.DIV, reflected=True)
    __rpow__, maximum = _binary(ops.POW, reflected=True), _binary(ops.MAXIMUM)
    __neg__, __abs__, abs = _unary(ops.NEG), _unary(ops.ABS), _unary(ops.ABS)
    exp, log, log1p, sqrt = _unary(ops.EXP), _unary(ops.LOG), _unary(ops.LOG1P), _unary(ops.SQRT)
    tanh, sigmoid, relu = _unary(ops.TANH), _unary(ops.SIGMOID), _unary(ops.RELU)
    softplus, sin, cos = _unary(ops.SOFTPLUS), _unary(ops.SIN), _unary(ops.COS)

    def __pow__(self, other: Value | float) -> Value:
        """`x ** 2` bakes the number into the op; `x ** y` with a Value y differentiates both."""
        if isinstance(other, Value):
            return _pow_value(self, other)
        n = _as_float(other)
        return NotImplemented if n is None else _unary(ops.power(n))(self)

    def __pos__(self) -> Value:
        return self

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled with its graph, a flat table (any depth) pointing at the leaves as objects."""
        if self._a is None:
            return super().__reduce_ex__(protocol)
        interior = [node for node in topological_order(self) if node._a is not None]
        place = {node: i for i, node in enumerate(interior)}
        table = [
            (n._data, n.grad, n.label, n.scope, n.op, n._da, n._db)
            + tuple(place.get(p, p) for p in n.parents)
            for n in interior
        ]
        return (_unpickle_graph, (table,))

    def backward(self, grad: float = 1.0) -> None:
        """Set `.grad` of every node this one depends on to d(self)/d(node), times `grad`.
        Interior nodes show this pass; leaves (inputs, parameters, constants) accumulate across
        calls, as in PyTorch: each pass adds its total once (so a second identical call exactly
        doubles them). `.grad` is a number; see `gradients` for differentiable ones."""
        _backprop(self, _number(grad, "backward()'s seed"))


_pow_value, _identity = _binary(ops.POW), _unary(ops.IDENTITY)


def apply(row: ops.Op, *inputs: Value) -> Value:
    """A new node: the op table's `row` applied to `inputs`, as `node.op` made `node`.

    >>> x = Value(3.0); y = x * x; apply(y.op, x, Value(5.0)).data
    15.0
    """
    return (_unary(row) if len(inputs) == 1 else _binary(row))(*inputs)


def _unpickle_graph(table: list[tuple[Any, ...]]) -> Value:
    nodes: list[Value] = []
    for data, grad, label, scope, op, da, db, *parents in table:
        node = _new(Value)
        node._data, node.grad, node.label, node.scope, node.op = data, grad, label, scope, op
        node._a, node._b = (nodes[p] if type(p) is int else p for p in (*parents, None)[:2])
        node._da, node._db, node._g, node._visit = da, db, 0.0, None
        nodes.append(node)
    return nodes[-1]


def _backprop(root: Value, seed: Any, grads: dict[Value, Any] | None = None) -> None:
    """The chain rule in reverse topological order (a node's gradient is complete before it is
    passed on): d(root)/d(node) goes to `grads[node]`, or to `.grad` (interior: set; leaves:
    add), with running sums in `_g` (0.0 between passes). A Value seed: rules run on Values."""
    order = topological_order(root)
    root._g = seed
    try:
        if grads is None:  # backward(): the hot path, straight into .grad
            for node in reversed(order):
                g, node._g, a = node._g, 0.0, node._a
                if a is None:
                    node.grad += g
                    continue
                node.grad = g
                a._g += node._da * g
                b = node._b
                if b is not None:
                    b._g += node._db * g
            return
        create_graph = isinstance(seed, Value)
        with enable_grad() if create_graph else nullcontext():
            for node in reversed(order):
                g, node._g = node._g, 0.0
                grads[node] = g
                if node.op is None:
                    continue
                local_grads = (
                    node.op.rule(VALUES, node, *node.parents) if create_graph else node.local_grads
                )
                for parent, local in zip(node.parents, local_grads):
                    term, total = local * g, parent._g
                    parent._g = term if create_graph and type(total) is float else total + term
    except BaseException:  # an interrupted pass leaves every running sum at 0.0 again
        for node in order:
            node._g = 0.0
        raise


@overload
def gradients(
    root: Value, seed: float = ..., *, create_graph: Literal[False] = ...
) -> dict[Value, float]: ...
@overload
def gradients(
    root: Value, seed: Value | float = ..., *, create_graph: Literal[True]
) -> dict[Value, Value]: ...
def gradients(root: Value, seed: Value | float = 1.0, *, create_graph: bool = False) -> Any:
    """d(root)/d(node) for every node root depends on, as a dict; no `.grad` is touched (with
    `create_graph=True`, Values to differentiate again).

    >>> x = Value(3.0); gradients(x * x)[x]
    6.0
    """
    seed = Value(seed) if create_graph and not isinstance(seed, Value) else seed
    grads: dict[Value, Any] = {}
    _backprop(root, seed, grads)
    return grads


class VALUES:
    """The namespace `m` on Values (create-graph passes); `pow` is inf where `FLOAT.pow` is."""

    exp, log, sin, cos = Value.exp, Value.log, Value.sin, Value.cos
    tanh, sigmoid = Value.tanh, Value.sigmoid

    @staticmethod
    def pow(x: Value, n: Value | float) -> Value:
        op, e = (ops.POW, n._data) if isinstance(n, Value) else (ops.power(n), n)
        lenient = replace(op, value=lambda *_: ops.FLOAT.pow(x._data, e))
        node = _binary(lenient)(x, n) if isinstance(n, Value) else _unary(lenient)(x)
        node.op = op if node.op else None  # the node records the table's own op
        return node

    step = staticmethod(lambda x: Value(ops.FLOAT.step(x._data)))  # constants: derivative 0
    sign = staticmethod(lambda x: Value(ops.FLOAT.sign(x._data)))


def _as_float(x: object) -> float | None:
    """`x` as a float when it is a real number (a bool is not), else None: the one check."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return None


def _number(x: object, who: str) -> float:
    if (number := _as_float(x)) is None:
        raise TypeError(f"{who} needs a real number, got {type(x).__name__}: {x!r:.80}")
    return number


def _as_value(x: object) -> Value | None:
    number = None if isinstance(x, Value) else _as_float(x)
    return x if isinstance(x, Value) else None if number is None else Value(number)
