"""Value: a number that remembers how it was computed; backward() applies the chain rule.

Read from the top: the one place a node is made (`_node`); how a row of the op table becomes
the method making its nodes (`_applying_unary`, `_applying_binary`: the row's value, and its
rule on floats for the local gradients); the node (`Value`); the graph's order; the chain-rule
loop of `backward()`; `gradients()`, the same rule into a dict (numbers, or Values to
differentiate again, with `VALUES` as the rules' namespace); pickling; and what a Value refuses
(it is a node, not a number)."""

from __future__ import annotations

import functools
import numbers
import operator
from collections.abc import Callable
from typing import Any, Literal, NoReturn, SupportsIndex, TypeVar, cast, overload

from . import ops
from .context import current, enable_grad
from .ops import FLOAT

_new = object.__new__
Method = TypeVar("Method", bound=Callable[..., Any])

_version: object | None = None  # what data_version() returns; None after an assignment


def data_version() -> object:
    """The Values' numbers as they stand, as a token: the same object (`is`) until some
    Value's number is assigned (`x.data = ...`, the one way an existing Value's changes).
    Numbers copied out of Values together with it are current while it is returned: the
    compiled function keeps its parameters' numbers this way, not reading them every call."""
    global _version
    if _version is None:
        _version = object()
    return _version


def _node(
    data: float,
    scope: str | None,
    op: ops.Op | None = None,
    parent1: Value | None = None,
    local_grad1: float = 0.0,
    parent2: Value | None = None,
    local_grad2: float = 0.0,
    label: str | None = None,
) -> Value:
    """The one place a Value is made. A leaf (`Value(3.0)`, an op under no_grad) has no op and
    no parents; an op's result holds its row, its inputs and d(result)/d(input) for each."""
    node = _new(Value)
    node._data = data
    node._grad = 0.0
    node.label = label
    node.scope = scope
    node.op = op
    node._parent1 = parent1
    node._local_grad1 = local_grad1
    node._parent2 = parent2
    node._local_grad2 = local_grad2
    node._grad_sum = 0.0
    node._visited_by = None
    return node


def _method(function: Method, name: str) -> Method:
    """`function` as the method `Value.name`, named so that it pickles by its qualified name.
    A method is its row's function itself: a method calling a helper would cost every op one
    more Python call (+8% instructions in a training step, measured with callgrind)."""
    function.__name__ = name
    function.__qualname__ = f"Value.{name}"
    return function


def _unary_method(row: ops.Op, name: str) -> Callable[[Value], Value]:
    return _method(_applying_unary(row), name)


def _binary_method(row: ops.Op, name: str) -> Callable[[Value, Value | float], Value]:
    return _method(_applying_binary(row), name)


def _reflected_method(row: ops.Op, name: str) -> Callable[[Value, float], Value]:
    binary = _applying_binary(row)
    return _method(lambda a, b: binary(b, a), name)  # `2 * x` calls x.__rmul__(2)


def _applying_unary(row: ops.Op) -> Callable[[Value], Value]:
    """A new function applying the one-input `row`: its value and, while recording, its input
    and d(out)/d(input), in a new node. With `_applying_binary`, the hot path of a forward pass."""
    value, rule = row.value, row.rule

    def unary(a: Value) -> Value:
        x = a._data
        out = value(x)
        recording, scope = current()
        if not recording:
            return _node(out, scope)
        (local_grad,) = rule(FLOAT, out, x)
        return _node(out, scope, row, a, local_grad)

    return unary


def _applying_binary(row: ops.Op) -> Callable[[Any, Any], Value]:
    """A new function applying the two-input `row`, as `_applying_unary`; a plain number on
    either side becomes a constant leaf (drawn as one)."""
    value, rule = row.value, row.rule

    def binary(a: Any, b: Any) -> Value:
        if type(a) is not type(b):  # a number and a Value: the number becomes a constant leaf
            a, b = _as_value(a), _as_value(b)
            if a is None or b is None:  # Python then says which operand types it cannot combine
                return cast(Value, NotImplemented)
        x = a._data
        y = b._data
        out = value(x, y)
        recording, scope = current()
        if not recording:
            return _node(out, scope)
        local_grad1, local_grad2 = rule(FLOAT, out, x, y)
        return _node(out, scope, row, a, local_grad1, b, local_grad2)

    return binary


class Value:
    """A scalar node of the graph.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1          # ops record their inputs and local derivatives
    >>> y.backward()           # the chain rule, from y back to the leaves
    >>> y.data, x.grad         # y = x² + 1 and dy/dx = 2x
    (10.0, 6.0)

    Ops: `+ - * / **` (numbers on either side), `-x`, `abs(x)`, and the methods `exp log log1p
    sqrt tanh sigmoid relu softplus sin cos maximum`, one row of `ops.OPS` each. A result keeps
    its `op` (that row; `str(node.op)` is its symbol), its `parents` and `local_grads`, the
    numbers d(self)/d(parent): no closures, so a dropped graph is freed at once.

    A Value is a node, not a number. `a == b` only when `a is b`, and a Value hashes by
    identity, so every node is its own dict key and list entry even when two hold one number.
    `<`, `<=`, `>`, `>=` compare the numbers, so `max()`, `min()` and `sorted()` order Values by
    `.data`; they never use `==`, so nothing disagrees with it silently, but `a <= b <= a` does
    not make `a == b` (two nodes that hold one number are still two nodes). `float()`, `int()`,
    `round()`, `bool()`, `math.*` and numpy's functions refuse a Value (`TypeError`): use
    `x.data` for the number, or the ops to stay in the graph.
    """

    __slots__ = (
        "_data",  # the number: `data`
        "_grad",  # d(root)/d(self) of the last backward(): `grad`
        "label",
        "scope",
        "op",  # the row of ops.OPS that made this node; None for a leaf
        "_parent1",  # the op's inputs (a one-input op has no second: None)
        "_parent2",
        "_local_grad1",  # d(self)/d(_parent1) and d(self)/d(_parent2), numbers
        "_local_grad2",
        "_grad_sum",  # during backward(): the gradient from the children so far, else 0.0
        "_visited_by",  # the token of the last topological_order() that reached this node
    )

    _data: float
    _grad: float
    label: str | None
    scope: str | None
    op: ops.Op | None
    _parent1: Value | None
    _parent2: Value | None
    _local_grad1: float
    _local_grad2: float
    _grad_sum: float
    _visited_by: object

    def __new__(cls, data: float, label: str | None = None) -> Value:
        return _node(_number(data, "Value()"), current()[1], label=label)

    @property
    def data(self) -> float:
        """The number. Assigning it (as an optimizer step does) checks it is a real number and
        retires `data_version()`."""
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        global _version
        self._data = value if type(value) is float else _number(value, "Value.data")
        if _version is not None:  # after the write: a version taken from now on includes it
            _version = None

    @property
    def grad(self) -> float:
        """d(root)/d(self) from backward(), always a number. `p.grad = None` (PyTorch's way to
        zero) means no gradient yet, as `p.grad = 0.0`: the next backward() gives its own."""
        return self._grad

    @grad.setter
    def grad(self, value: float | None) -> None:
        self._grad = 0.0 if value is None else _number(value, "Value.grad")

    def item(self) -> float:
        """The number, as PyTorch's `tensor.item()`: the same as `.data`."""
        return self._data

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants (and results of ops under no_grad)."""
        return self._parent1 is None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order."""
        if self._parent1 is None:
            return ()
        if self._parent2 is None:
            return (self._parent1,)
        return (self._parent1, self._parent2)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as recorded when the op ran."""
        if self._parent1 is None:
            return ()
        if self._parent2 is None:
            return (self._local_grad1,)
        return (self._local_grad1, self._local_grad2)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self._grad!r}{label})"

    def __format__(self, spec: str) -> str:
        return format(self._data, spec) if spec else repr(self)

    # The ops: each method is the function applying its row of the table (see `_method`).
    __add__ = _binary_method(ops.ADD, "__add__")
    __radd__ = _reflected_method(ops.ADD, "__radd__")
    __sub__ = _binary_method(ops.SUB, "__sub__")
    __rsub__ = _reflected_method(ops.SUB, "__rsub__")
    __mul__ = _binary_method(ops.MUL, "__mul__")
    __rmul__ = _reflected_method(ops.MUL, "__rmul__")
    __truediv__ = _binary_method(ops.DIV, "__truediv__")
    __rtruediv__ = _reflected_method(ops.DIV, "__rtruediv__")
    __rpow__ = _reflected_method(ops.POW, "__rpow__")
    maximum = _binary_method(ops.MAXIMUM, "maximum")  # NaN wins; a tie splits the gradient
    __neg__ = _unary_method(ops.NEG, "__neg__")
    __abs__ = _unary_method(ops.ABS, "__abs__")
    abs = _unary_method(ops.ABS, "abs")
    exp = _unary_method(ops.EXP, "exp")
    log = _unary_method(ops.LOG, "log")
    log1p = _unary_method(ops.LOG1P, "log1p")
    sqrt = _unary_method(ops.SQRT, "sqrt")
    tanh = _unary_method(ops.TANH, "tanh")
    sigmoid = _unary_method(ops.SIGMOID, "sigmoid")
    relu = _unary_method(ops.RELU, "relu")
    softplus = _unary_method(ops.SOFTPLUS, "softplus")
    sin = _unary_method(ops.SIN, "sin")
    cos = _unary_method(ops.COS, "cos")

    def __pow__(self, other: Value | float) -> Value:
        """`x ** 2` bakes the number into the op; `x ** y` with a Value y differentiates both."""
        if isinstance(other, Value):
            return _applier(ops.POW)(self, other)
        n = _as_float(other)
        return NotImplemented if n is None else _applier(ops.power(n))(self)

    def __pos__(self) -> Value:
        return self

    def backward(self, grad: float = 1.0, *, create_graph: Literal[False] = False) -> None:
        """Set `.grad` of every node this one depends on to d(self)/d(node), times `grad`.
        Interior nodes show this pass; leaves (inputs, parameters, constants) accumulate across
        calls, as in PyTorch: each pass adds its total once (so a second identical call exactly
        doubles them). `.grad` is a number; see `gradients` for differentiable ones."""
        if create_graph:
            raise TypeError(
                "backward() stores numbers in .grad and has no create_graph; for gradients to "
                "differentiate again use gradients(root, create_graph=True) or grad(f)"
            )
        _backpropagate(topological_order(self), _number(grad, "backward()'s seed"))

    # Orderings compare the numbers (see the class docstring); == and hash are identity.

    def __lt__(self, other: Value | float) -> bool:
        return _compare(operator.lt, self, other)

    def __le__(self, other: Value | float) -> bool:
        return _compare(operator.le, self, other)

    def __gt__(self, other: Value | float) -> bool:
        return _compare(operator.gt, self, other)

    def __ge__(self, other: Value | float) -> bool:
        return _compare(operator.ge, self, other)

    # A Value is not a number: these would drop the graph silently.

    def __float__(self) -> NoReturn:
        raise TypeError(_not_a_number("float() and math.*"))

    def __int__(self) -> NoReturn:
        raise TypeError(_not_a_number("int()"))

    def __index__(self) -> NoReturn:
        raise TypeError(_not_a_number("an index"))

    def __round__(self, ndigits: SupportsIndex | None = None) -> NoReturn:
        raise TypeError(_not_a_number("round()"))

    def __trunc__(self) -> NoReturn:
        raise TypeError(_not_a_number("math.trunc()"))

    def __floor__(self) -> NoReturn:
        raise TypeError(_not_a_number("math.floor()"))

    def __ceil__(self) -> NoReturn:
        raise TypeError(_not_a_number("math.ceil()"))

    def __bool__(self) -> NoReturn:
        raise TypeError(_not_a_number("bool() and `if x:`"))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy's operators with numpy numbers and arrays act as Python's (`np.float64(2) * x`
        is a Value, `array * x` an object array of Values); any other numpy function on a Value
        is a TypeError naming what to use (`x.exp()`, `x.data`)."""
        return _numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> NoReturn:
        raise TypeError(f"numpy.{func.__name__}() does not take a Value: {_what_to_use(func)}")

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Pickled with its graph as a flat table (any depth); leaves travel as objects, so
        pickle's memo keeps one leaf one object across every graph pickled together."""
        if self._parent1 is None:
            return (_unpickle_graph, ([_pickled(self, {})],))
        interior = [node for node in topological_order(self) if node._parent1 is not None]
        place = {node: i for i, node in enumerate(interior)}
        return (_unpickle_graph, ([_pickled(node, place) for node in interior],))


@functools.lru_cache(maxsize=512)
def _applier(row: ops.Op) -> Callable[..., Value]:
    """The function applying `row`, made once per row (for `apply`, `x ** n` and create-graph
    passes)."""
    return _applying_unary(row) if row.arity == 1 else _applying_binary(row)


def apply(row: ops.Op, *inputs: Value | float) -> Value:
    """A new node: the op table's `row` applied to `inputs`, as `node.op` made `node` (so
    `apply(node.op, *node.parents)` gives `node.data` again, for every node the engine makes).

    >>> x = Value(3.0); y = x * x; apply(y.op, x, Value(5.0)).data
    15.0
    """
    if len(inputs) != row.arity:
        raise TypeError(f"apply(): {row.name} takes {row.arity} input(s), got {len(inputs)}")
    return _applier(row)(*(x if isinstance(x, Value) else Value(x) for x in inputs))


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, parents before children, `root` last. Depth first with a
    stack (a million ops deep is fine), marking seen nodes with a token in a slot (not a set):
    two threads must not walk one graph at once.

    >>> x = Value(2.0, label="x"); [str(n.op or n.label) for n in topological_order((x * x).exp())]
    ['x', '*', 'exp']
    """
    token = object()
    root._visited_by = token
    order: list[Value] = []
    stack = [root]  # always a path: each entry is a parent of the one below it
    while stack:
        node = stack[-1]
        parent = node._parent1
        if parent is not None and parent._visited_by is not token:
            parent._visited_by = token
            if parent._parent1 is not None:
                stack.append(parent)
                continue
            order.append(parent)  # a leaf is done as soon as it is seen
        parent = node._parent2
        if parent is not None and parent._visited_by is not token:
            parent._visited_by = token
            if parent._parent1 is not None:
                stack.append(parent)
                continue
            order.append(parent)
        order.append(stack.pop())  # both parents are done
    return order


def _backpropagate(order: list[Value], seed: float) -> None:
    """The chain rule into `.grad`, from the root (last in `order`) back to the leaves: each
    node passes local_grad * its gradient to each parent's `_grad_sum`, which is complete when
    the walk reaches that parent (all its children come later in the order). Interior nodes
    get this pass's gradient; leaves add it to what they hold, as in PyTorch."""
    order[-1]._grad_sum = seed
    try:
        for node in reversed(order):
            node_grad = node._grad_sum
            node._grad_sum = 0.0
            parent = node._parent1
            if parent is None:  # a leaf
                node._grad += node_grad
                continue
            node._grad = node_grad
            parent._grad_sum += node._local_grad1 * node_grad
            parent = node._parent2
            if parent is not None:
                parent._grad_sum += node._local_grad2 * node_grad
    except BaseException:  # an interrupted pass leaves every running sum at 0.0 again
        for node in order:
            node._grad_sum = 0.0
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
    """d(root)/d(node) for every node root depends on, as a dict; no `.grad` is touched. With
    `create_graph=True` the op rules run on Values (recorded even under no_grad), so each
    gradient is a Value to differentiate again.

    >>> x = Value(3.0); gradients(x * x)[x]
    6.0
    """
    order = topological_order(root)
    if not create_graph:
        return _chain_rule(order, _number(seed, "gradients()'s seed"), _recorded_local_grads)
    with enable_grad():
        seed = seed if isinstance(seed, Value) else Value(seed)
        return _chain_rule(order, seed, _local_grads_as_values)


def _chain_rule(
    order: list[Value], seed: Any, local_grads: Callable[[Value], tuple[Any, ...]]
) -> dict[Value, Any]:
    """The chain rule into a dict, root to leaves, with each node's d(node)/d(parents) from
    `local_grads`: the recorded numbers, or the rule run on Values."""
    sums: dict[Value, Any] = {order[-1]: seed}  # a node's gradient so far, from its children
    grads: dict[Value, Any] = {}
    for node in reversed(order):
        node_grad = sums.pop(node)
        grads[node] = node_grad
        for parent, local_grad in zip(node.parents, local_grads(node)):
            term = local_grad * node_grad
            total = sums.get(parent)
            sums[parent] = term if total is None else total + term
    return grads


def _recorded_local_grads(node: Value) -> tuple[float, ...]:
    return node.local_grads


def _local_grads_as_values(node: Value) -> tuple[Value | float, ...]:
    if node.op is None:
        return ()
    return node.op.rule(VALUES, node, *node.parents)


class VALUES:
    """The namespace `m` of the op rules on Values (create-graph passes): each function is an
    op, so a derivative is itself a graph, to differentiate again."""

    log = Value.log
    sin = Value.sin
    cos = Value.cos
    sigmoid = Value.sigmoid

    @staticmethod
    def pow(x: Value, n: Value | float) -> Value:
        """x ** n with IEEE's inf and nan where the op would raise, as `FLOAT.pow` (sqrt's
        derivative at 0 is inf): the `ieee_pow` rows, so the node replays as it was made."""
        if isinstance(n, Value):
            return _applier(ops.IEEE_POW)(x, n)
        return _applier(ops.ieee_power(n))(x)

    @staticmethod
    def step(x: Value) -> float:
        """relu's slope, a constant (its derivative is 0): a number is enough."""
        return FLOAT.step(x._data)

    @staticmethod
    def sign(x: Value) -> float:
        """abs's slope, a constant."""
        return FLOAT.sign(x._data)


def _pickled(node: Value, place: dict[Value, int]) -> tuple[Any, ...]:
    """One row of a pickled graph: an interior parent by its place in the table, a leaf as
    itself (pickled on its own, once)."""
    parent1, parent2 = (p if p is None else place.get(p, p) for p in (node._parent1, node._parent2))
    fields = (node._data, node._grad, node.label, node.scope, node.op)
    return (*fields, parent1, node._local_grad1, parent2, node._local_grad2)


def _unpickle_graph(table: list[tuple[Any, ...]]) -> Value:
    nodes: list[Value] = []
    for data, grad, label, scope, op, parent1, local_grad1, parent2, local_grad2 in table:
        parent1 = nodes[parent1] if type(parent1) is int else parent1
        parent2 = nodes[parent2] if type(parent2) is int else parent2
        node = _node(data, scope, op, parent1, local_grad1, parent2, local_grad2, label)
        node.grad = grad
        nodes.append(node)
    return nodes[-1]


def _compare(compare: Callable[[float, float], bool], value: Value, other: object) -> bool:
    number = other._data if isinstance(other, Value) else _as_float(other)
    return NotImplemented if number is None else compare(value._data, number)


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
    """`x` as a Value: itself, or a number as a constant leaf; None for anything else."""
    if isinstance(x, Value):
        return x
    number = _as_float(x)
    return None if number is None else _node(number, current()[1])


def _not_a_number(what: str) -> str:
    return (
        f"{what} got a Value, which is a node of the graph, not a number: use its ops to stay "
        "in the graph (x.tanh(), x.exp(), ...), or x.data (x.item()) for the number"
    )


# numpy (never imported here): the ufuncs that are Python's operators, reached by
# `np.float64(2) * x` and `array * x`, act as the operators do.
_NUMPY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "true_divide": operator.truediv,
    "power": operator.pow,
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "equal": operator.eq,
    "not_equal": operator.ne,
}
_NUMPY_SPELLINGS = {
    "add": "x + y",
    "subtract": "x - y",
    "multiply": "x * y",
    "divide": "x / y",
    "true_divide": "x / y",
    "power": "x ** y",
    "absolute": "abs(x)",
    "fabs": "abs(x)",
    "negative": "-x",
    "positive": "+x",
    "square": "x ** 2",
    "reciprocal": "1 / x",
    "float_power": "x ** y",
    "fmax": "x.maximum(y)",
}


def _numpy_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    python_operator = _NUMPY_OPERATORS.get(ufunc.__name__)
    if python_operator is not None and method == "__call__" and not kwargs:
        operands = [x if isinstance(x, Value) else _as_float(x) for x in inputs]
        if None not in operands:  # Values and numbers: the operator on Python floats
            return python_operator(*operands)
        arrays = _object_arrays(inputs)
        if arrays is not None:  # numpy applies the operator element by element
            return ufunc(*arrays)
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    raise TypeError(f"numpy.{name}() does not take a Value: {_what_to_use(ufunc)}")


def _object_arrays(inputs: tuple[Any, ...]) -> list[Any] | None:
    """The inputs as numpy object arrays of one shape (a Value repeated), through the array's
    own methods; None when an input is neither a Value, a number nor a numpy array."""
    arrays = [x for x in inputs if not isinstance(x, Value) and _as_float(x) is None]
    if len(arrays) != 1 or not hasattr(arrays[0], "ndim"):
        return None
    shaped = arrays[0].astype(object)
    out = []
    for x in inputs:
        if x is arrays[0]:
            out.append(shaped)
        else:
            filled = shaped.copy()
            filled.fill(x)
            out.append(filled)
    return out


def _what_to_use(function: Any) -> str:
    name = function.__name__
    if name in _NUMPY_SPELLINGS:
        return f"use {_NUMPY_SPELLINGS[name]}"
    if not name.startswith("_") and callable(getattr(Value, name, None)):
        return f"use x.{name}({'y' if getattr(function, 'nin', 1) == 2 else ''})"
    return "use x.data for the number (numpy would drop the graph)"
