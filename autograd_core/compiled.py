"""Trace once, replay fast: compile a scalar function into a straight-line program.

`compile(fn, *example_args)` runs `fn` once on Values made from the example arguments and turns
the graph it built into Python source: one statement per node for the forward pass, one per
chain-rule step for the backward pass, each calling the op table's own functions. The program
then runs on new inputs without creating a single Value: on floats for one example, or on
numpy arrays for a whole batch at once (every node becomes a vector over the batch).

A trace records one path through `fn`. It is valid only while `fn` builds the same graph for
every input: ops like `relu` are fine, Python control flow on data (`if x.data > 0:`) is not.
`check=True` also runs `fn` eagerly on every example and raises TraceError where they disagree.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import linecache
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any, Literal, NamedTuple

import numpy as np

from . import ops
from .context import enable_grad
from .graph import topological_order
from .value import Value, gradients

__all__ = ["CompiledFunction", "Result", "TraceError", "compile"]

Reduction = Literal["mean", "sum"]


class TraceError(RuntimeError):
    """The traced program does not stand for `fn`: its graph depends on the data or on chance."""


class Result(NamedTuple):
    """What one compiled forward and backward pass gives.

    `value` is the loss: fn's (first) output for one example, its mean or sum over a batch.
    `grads[i]` is d value / d `params[i]`; `input_grads` holds d value / d argument, shaped like
    each argument (None for a static one); `outputs` is fn's output per example (a tuple when
    fn returns several).
    """

    value: float
    grads: np.ndarray
    input_grads: tuple
    outputs: Any


# --- the names printed programs call: each is an op row's own value function ------------------

exp, log, tanh = ops.EXP.value, ops.LOG.value, ops.TANH.value
sigmoid, relu, sqrt = ops.SIGMOID.value, ops.RELU.value, ops.SQRT.value
sin, cos = ops.SIN.value, ops.COS.value
divide = ops.DIV.value  # a / b, with a clear error when b is 0
pow_value = ops.POW.value  # a ** b for a Value exponent b
pow_number = ops._pow_number  # a ** n for a number n: the '**n' rows
power = ops._power  # a ** n in a derivative rule: +inf at 0 for n < 0, not an error

_OPERATORS = {
    ops.ADD: "{} + {}",
    ops.SUB: "{} - {}",
    ops.MUL: "{} * {}",
    ops.NEG: "-{}",
    ops.IDENTITY: "{}",
}
_CALLS = {
    ops.EXP: "exp",
    ops.LOG: "log",
    ops.TANH: "tanh",
    ops.SIGMOID: "sigmoid",
    ops.RELU: "relu",
    ops.SIN: "sin",
    ops.COS: "cos",
    ops.SQRT: "sqrt",
    ops.ABS: "abs",
    ops.DIV: "divide",
    ops.POW: "pow_value",
}

# --- tracing: run fn on Values and read the graph back ----------------------------------------


@dataclass
class _Trace:
    """One eager run of fn: its graph in topological order, its outputs, and which leaves are
    the arguments' elements (leaf -> (argument index, flat element index))."""

    order: list[Value]
    outputs: list[Value]
    inputs: dict[Value, tuple[int, int]]


def _trace(fn: Callable, args: Sequence, static: frozenset[int]) -> _Trace:
    """Call fn on fresh Value leaves (static arguments as they are) and record the graph."""
    inputs: dict[Value, tuple[int, int]] = {}
    call_args = []
    for i, arg in enumerate(args):
        if i in static:
            call_args.append(arg)
            continue
        leaves = [Value(x) for x in arg.ravel().tolist()]
        inputs.update({leaf: (i, j) for j, leaf in enumerate(leaves)})
        if arg.ndim == 0:
            call_args.append(leaves[0])
        else:
            call_args.append(np.array(leaves, dtype=object).reshape(arg.shape).tolist())
    with enable_grad():
        out = fn(*call_args)
    outputs = [_as_value(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
    if not outputs:
        raise TypeError("compile: fn returned an empty sequence; it must return a Value")
    order: list[Value] = []
    seen: set[Value] = set()
    for o in outputs:  # parents before children, across all outputs
        for node in topological_order(o):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return _Trace(order, outputs, inputs)


def _as_value(x: object) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"compile: fn must return Values (or a tuple of them), got {type(x).__name__}")


# --- the program: one row per node ------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """One node: an input element, a parameter, a constant, or an op applied to earlier rows."""

    kind: Literal["input", "param", "const", "op"]
    op: ops.Op | None = None
    parents: tuple[int, ...] = ()
    where: tuple[int, int] = (0, 0)  # input: (argument, element); param: (its index, 0)
    value: float = 0.0  # const: the number


class _Program:
    """A traced graph as rows, printed as Python source and compiled into two functions."""

    def __init__(
        self,
        first: _Trace,
        second: _Trace,
        arg_names: list[str],
        shapes: list[tuple[int, ...] | None],
        title: str,
    ) -> None:
        captured = set(second.order)  # a leaf both runs share was made outside fn: a parameter
        index = {node: k for k, node in enumerate(first.order)}
        self.params: list[Value] = []
        self.rows: list[_Row] = []
        for node in first.order:
            if node.parents:
                parents = tuple(index[p] for p in node.parents)
                self.rows.append(_Row("op", node._op, parents))
            elif node in first.inputs:
                self.rows.append(_Row("input", where=first.inputs[node]))
            elif node in captured:
                self.rows.append(_Row("param", where=(len(self.params), 0)))
                self.params.append(node)
            else:
                self.rows.append(_Row("const", value=node.data))
        self.outputs = [index[o] for o in first.outputs]
        self.arg_names, self.shapes, self.title = arg_names, shapes, title
        self.needs_grad = self._needs_grad()
        self.levels: dict[bool, _Levels] = {}  # batch schedules, with and without input grads
        self.names = self._node_names()
        self.source = self._source(backward=True)
        self.forward = self._load(self._source(backward=False), "forward")
        self.forward_backward = self._load(self.source, title)
        if problem := self.difference(second):
            raise TraceError(
                f"fn built different graphs on two runs with the same inputs ({problem[1]}); "
                "compile needs a deterministic fn (no random numbers or changing state inside)"
            )

    def __len__(self) -> int:
        return len(self.rows)

    # --- comparing a run of fn against the program -----------------------------------------

    def difference(self, trace: _Trace) -> tuple[str, str] | None:
        """The first place where `trace` differs from this program: ('graph' or 'constant',
        a description), or None when it is the same graph."""
        if len(trace.order) != len(self.rows):
            return "graph", f"the trace has {len(self.rows)} nodes, this run {len(trace.order)}"
        index = {node: k for k, node in enumerate(trace.order)}
        for k, (row, node) in enumerate(zip(self.rows, trace.order)):
            name = self.names[k]
            if row.kind == "op":
                parents = tuple(index[p] for p in node.parents)
                if not node.parents or node._op.name != row.op.name or parents != row.parents:
                    got = f"{node.op or 'a leaf'}({', '.join(self.names[p] for p in parents)})"
                    traced = f"{name} = {self._line(k)}"
                    return "graph", f"the trace has {traced}, but this run computed {got} there"
            elif node.parents:
                return "graph", f"the trace has leaf {name}, but this run computed {node.op} there"
            elif row.kind == "input":
                if trace.inputs.get(node) != row.where:
                    return "graph", f"the trace has input {name}, this run something else there"
            elif row.kind == "param":
                if node is not self.params[row.where[0]]:
                    return "graph", f"the trace has parameter {name}, this run another leaf there"
            elif node in trace.inputs or not _same(node.data, row.value):
                return "constant", f"the constant {row.value!r} of the trace is {node.data!r} now"
        if [index[o] for o in trace.outputs] != self.outputs:
            return "graph", "fn returned different nodes"
        return None

    # --- printing ------------------------------------------------------------------------------

    def _needs_grad(self) -> list[bool]:
        """A node needs a gradient when an input or a parameter lies below it and the loss (the
        first output) above it."""
        below: list[bool] = []
        for row in self.rows:
            below.append(row.kind in ("input", "param") or any(below[p] for p in row.parents))
        above = [False] * len(self.rows)
        above[self.outputs[0]] = True
        for k in reversed(range(len(self.rows))):
            if above[k]:
                for p in self.rows[k].parents:
                    above[p] = True
        return [b and a for b, a in zip(below, above)]

    def _node_names(self) -> list[str]:
        """x_0 for element 0 of argument x (x for a number), p3, v7; a constant is its number."""
        names, interior = [], count()
        for row in self.rows:
            if row.kind == "input":
                arg, element = row.where
                name = self.arg_names[arg]
                names.append(name if self.shapes[arg] == () else f"{name}_{element}")
            elif row.kind == "param":
                names.append(f"p{row.where[0]}")
            elif row.kind == "const":
                names.append(_literal(row.value).text)
            else:
                names.append(f"v{next(interior)}")
        return names

    def _line(self, k: int) -> str:
        """The right-hand side that computes node k in the forward pass."""
        row = self.rows[k]
        args = [_wrapped(self.names[p]) for p in row.parents]
        if row.op in _OPERATORS:
            return _OPERATORS[row.op].format(*args)
        args = [self.names[p] for p in row.parents]
        if row.op in _CALLS:
            return f"{_CALLS[row.op]}({', '.join(args)})"
        if row.op.name.startswith("**"):  # a '**n' row: its number n lives in its value function
            n = inspect.getclosurevars(row.op.value).nonlocals["n"]
            return f"pow_number({args[0]}, {_literal(n).text})"
        if ops.OPS.get(row.op.name) is row.op:
            return f"OPS[{row.op.name!r}].value({', '.join(args)})"
        raise TraceError(f"compile: op {row.op.name!r} is not in autograd_core.ops.OPS")

    def _source(self, backward: bool) -> str:
        rows, names = self.rows, self.names
        body = []
        for i, name in enumerate(self.arg_names):
            if self.shapes[i]:
                used = sorted({r.where[1] for r in rows if r.kind == "input" and r.where[0] == i})
                body += [f"{name}_{j} = {name}[{j}]" for j in used]
        for p, param in enumerate(self.params):
            body.append(f"p{p} = params[{p}]" + (f"  # {param.label}" if param.label else ""))
        body.append("# forward: one line per node of the graph")
        body += [f"{names[k]} = {self._line(k)}" for k, row in enumerate(rows) if row.kind == "op"]
        outputs = ", ".join(names[o] for o in self.outputs)
        if not backward:
            body.append(f"return {outputs}" if len(self.outputs) == 1 else f"return ({outputs},)")
            return self._function("forward", "params", body, "fn's outputs, no gradients.")
        body += self._backward_lines()
        outputs = outputs if len(self.outputs) == 1 else f"({outputs},)"
        body.append(f"return {outputs}, {self._input_grads()}, {self._param_grads()}")
        doc = "The forward pass, then the backward pass: g_v is d(output)/d(v)."
        return self._function(self.title, "params, seed=1.0", body, doc)

    def _grad_name(self, k: int) -> str:
        return f"g_{self.names[k]}" if self.needs_grad[k] else "0.0"

    def _input_grads(self) -> str:
        """A list with one entry per argument: its grad, or a list of its elements' grads."""
        by_arg: list[dict[int, str]] = [{} for _ in self.arg_names]
        for k, row in enumerate(self.rows):
            if row.kind == "input":
                by_arg[row.where[0]][row.where[1]] = self._grad_name(k)
        items = []
        for i, shape in enumerate(self.shapes):
            if shape is None:  # a static argument
                items.append("None")
            elif shape == ():
                items.append(by_arg[i].get(0, "0.0"))
            else:
                grads = [by_arg[i].get(j, "0.0") for j in range(math.prod(shape))]
                items.append(f"[{', '.join(grads)}]")
        return f"[{', '.join(items)}]"

    def _param_grads(self) -> str:
        grads = [self._grad_name(k) for k, row in enumerate(self.rows) if row.kind == "param"]
        return f"[{', '.join(grads)}]"

    def _backward_lines(self) -> list[str]:
        rows, names, needs = self.rows, self.names, self.needs_grad
        out = self.outputs[0]
        if not needs[out]:
            return ["# backward: the output depends on no input or parameter"]
        lines = ["# backward: the chain rule, from the output back to the leaves"]
        lines.append(f"g_{names[out]} = seed")
        has_grad = {out}
        for k in reversed(range(len(rows))):
            row = rows[k]
            if row.kind != "op" or not needs[k]:
                continue
            locals_ = self._local_grads(k, lines)
            g = _Expr(f"g_{names[k]}")
            for p, local in zip(row.parents, locals_):
                if not needs[p]:
                    continue
                term = g if _is(local, 1.0) else -g if _is(local, -1.0) else g * local
                target = _Expr(f"g_{names[p]}")
                lines.append(f"{target.text} = {(target + term if p in has_grad else term).text}")
                has_grad.add(p)
        return lines

    def _local_grads(self, k: int, lines: list[str]) -> tuple:
        """d node / d parent for each parent, as code: the op row's own rule, evaluated on
        pieces of code instead of numbers."""
        row = self.rows[k]
        args = [_name_expr(self.names[i]) for i in (k, *row.parents)]
        try:
            return tuple(row.op.local_grads(*args))
        except Exception:  # a rule the printer can't follow: call it, then index its result
            name = f"d_{self.names[k]}"
            call = ", ".join(e.text for e in args)
            lines.append(f"{name} = OPS[{row.op.name!r}].local_grads({call})")
            return tuple(_Expr(f"{name}[{i}]") for i in range(len(row.parents)))

    def _function(self, name: str, extra: str, body: list[str], doc: str) -> str:
        text = "\n".join(body)
        used = sorted(n for n in _VOCABULARY if f"{n}(" in text)
        header = [f"from autograd_core.compiled import {', '.join(used)}"] if used else []
        if "OPS[" in text:
            header.append("from autograd_core.ops import OPS")
        signature = ", ".join([*self.arg_names, extra])
        lines = [*header, "", "", f"def {name}({signature}):", f'    """{doc}"""']
        lines += [f"    {line}" for line in body]
        return "\n".join(lines).lstrip("\n") + "\n"

    def _load(self, source: str, name: str) -> Callable:
        """Compile the source (kept in linecache, so a traceback shows the failing line)."""
        filename = f"<compiled {self.title}.{name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict[str, Any] = {}
        exec(builtins.compile(source, filename, "exec"), namespace)
        return namespace[name]


_VOCABULARY = ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "divide")
_VOCABULARY += ("pow_value", "pow_number", "power")


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _is(x: object, number: float) -> bool:
    return isinstance(x, (int, float)) and x == number


# --- printing a derivative rule: operators on pieces of code ----------------------------------

_ATOM, _POW, _UNARY, _MUL, _ADD, _CMP = 6, 5, 4, 3, 2, 1


def _operator(symbol: str, prec: int, swap: bool = False) -> Callable:
    def method(self: _Expr, other: object) -> _Expr:
        left, right = (_code(other), self) if swap else (self, _code(other))
        right_first = symbol == "**"  # ** groups from the right, the others from the left
        lt = left.text if left.prec > prec or left.prec == prec and not right_first else None
        rt = right.text if right.prec > prec or right.prec == prec and right_first else None
        return _Expr(f"{lt or f'({left.text})'} {symbol} {rt or f'({right.text})'}", prec)

    return method


class _Expr:
    """A piece of printed Python with its operator precedence. The op rules run on these instead
    of numbers, and so print themselves: `1 - out * out` becomes "1 - v3 * v3"."""

    __slots__ = ("text", "prec")

    def __init__(self, text: str, prec: int = _ATOM) -> None:
        self.text, self.prec = text, prec

    @property
    def data(self) -> _Expr:  # the helpers read `.data` to branch on a Value; here, print it
        return self

    __add__, __radd__ = _operator("+", _ADD), _operator("+", _ADD, swap=True)
    __sub__, __rsub__ = _operator("-", _ADD), _operator("-", _ADD, swap=True)
    __mul__, __rmul__ = _operator("*", _MUL), _operator("*", _MUL, swap=True)
    __truediv__, __rtruediv__ = _operator("/", _MUL), _operator("/", _MUL, swap=True)
    __gt__, __lt__ = _operator(">", _CMP), _operator("<", _CMP)
    __rpow__ = _operator("**", _POW, swap=True)

    def __pow__(self, n: object) -> _Expr:
        if isinstance(n, (int, float)) and n < 0:  # ops._power: 0 ** -1 is inf there, no error
            return _Expr(f"power({self.text}, {_literal(n).text})")
        return _operator("**", _POW)(self, n)

    def __neg__(self) -> _Expr:
        return _Expr(f"-{self.text}" if self.prec >= _UNARY else f"-({self.text})", _UNARY)

    def log(self) -> _Expr:
        return _Expr(f"log({self.text})")

    def sin(self) -> _Expr:
        return _Expr(f"sin({self.text})")

    def cos(self) -> _Expr:
        return _Expr(f"cos({self.text})")


def _literal(x: float) -> _Expr:
    """A number as Python source that reads back as the very same float."""
    if not isinstance(x, int):
        x = float(x)
        if not math.isfinite(x):
            return _Expr(f"float({str(x)!r})")
    text = repr(x)
    return _Expr(text, _UNARY if text.startswith("-") else _ATOM)


def _name_expr(name: str) -> _Expr:
    """A node's name (or a constant's number) as an expression."""
    return _Expr(name, _UNARY if name.startswith("-") else _ATOM)


def _wrapped(name: str) -> str:
    return f"({name})" if name.startswith("-") else name


def _code(x: object) -> _Expr:
    return x if isinstance(x, _Expr) else _literal(x)  # type: ignore[arg-type]


# --- the batch backend: the same program, run level by level over a (nodes x batch) matrix ---

_UFUNCS = {ops.ADD: np.add, ops.SUB: np.subtract, ops.MUL: np.multiply}


def _rows(idx: np.ndarray) -> slice | np.ndarray:
    """Rows `idx` of a matrix as a slice (a view, no copy) when they are evenly spaced."""
    if len(idx) == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and (np.diff(idx) == step).all():
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


class _Scatter:
    """`G[idx] += contrib`, also right when idx names a row several times (a node with several
    users in one step): those contributions are summed first."""

    def __init__(self, idx: np.ndarray) -> None:
        unique, first, counts = np.unique(idx, return_index=True, return_counts=True)
        self.repeat = 0  # > 0: idx is each of `rows` so many times in a row
        self.order: np.ndarray | None = None  # else, for repeats: sort, then add runs
        self.rows: slice | np.ndarray = _rows(idx)
        if len(unique) == len(idx):
            return
        firsts = idx[np.sort(first)]
        m = int(counts[0])
        if (counts == m).all() and (idx == np.repeat(firsts, m)).all():
            self.repeat, self.rows = m, _rows(firsts)
        else:
            self.order = np.argsort(idx, kind="stable")
            self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            self.rows = _rows(unique)

    def add(self, G: np.ndarray, contrib: np.ndarray) -> None:
        if self.repeat:
            contrib = contrib.reshape(-1, self.repeat, G.shape[1]).sum(axis=1)
        elif self.order is not None:
            contrib = np.add.reduceat(contrib[self.order], self.starts, axis=0)
        G[self.rows] += contrib


@dataclass
class _Step:
    """Nodes that run as one numpy operation: `op` applied row by row. An ADD step may have
    more than two operands: chains of adds ((t0 + t1) + t2) + ..., summed left to right."""

    op: ops.Op
    out: slice  # the rows the nodes' values go to
    parents: list  # per operand, the rows it reads (a slice or an index array)
    grads: list  # per operand, a _Scatter for its gradient (None: not needed)


class _Levels:
    """A program scheduled for a batch: the nodes that apply the same op at the same depth of
    the graph run as one numpy operation over a (nodes x batch) matrix, which gathers their
    operands' rows; the backward pass scatter-adds gradients back. A chain of adds (a neuron's
    weighted sum, a sum of losses) counts as one node, summed in order by np.add.accumulate.

    Every node's value is the straight-line program's, bit for bit; gradients differ only in
    the order a node's contributions are added. `print(compiled)` still shows the straight-line
    program: this is only how a batch is scheduled, in a few dozen numpy calls, not thousands.
    """

    def __init__(self, program: _Program, input_grads: bool) -> None:
        rows, n = program.rows, len(program.rows)
        users = [0] * n
        for row in rows:
            for p in row.parents:
                users[p] += 1
        for o in program.outputs:
            users[o] += 1
        inner = [False] * n  # an add that only feeds the next add of its chain
        terms: dict[int, list[int]] = {}
        for k, row in enumerate(rows):
            if row.op is ops.ADD:
                a, b = row.parents
                if rows[a].op is ops.ADD and users[a] == 1:
                    inner[a] = True
                    terms[k] = terms.pop(a) + [b]
                else:
                    terms[k] = [a, b]
        operands = [terms.get(k, row.parents) for k, row in enumerate(rows)]
        want = self._wanted(program, operands, inner, input_grads)
        level = [0] * n
        groups: dict[tuple, list[int]] = {}
        for k, row in enumerate(rows):
            if row.kind == "op" and not inner[k]:
                level[k] = 1 + max(level[p] for p in operands[k])
                kind = ("sum", len(operands[k])) if len(operands[k]) > 2 else row.op
                groups.setdefault((level[k], kind), []).append(k)

        # Matrix rows: the inputs; the parameters and constants, in the order the steps first
        # read them (so a step reads them as one slice); then each step's nodes, ordered so that
        # an operand a step repeats comes in runs (summed as one, backwards).
        inputs = [k for k, r in enumerate(rows) if r.kind == "input"]
        inputs.sort(key=lambda k: rows[k].where)
        rank = {k: i for i, k in enumerate(inputs)}  # first, a provisional layout
        plan, leaves = [], []
        for (_, kind), members in sorted(groups.items(), key=lambda item: item[0][0]):
            members = self._ordered(members, operands, rank, n)
            for k in members:
                for p in operands[k]:
                    if p not in rank:
                        rank[p] = len(rank)
                        leaves.append(p)
            for k in members:
                rank[k] = len(rank)
            plan.append((kind, members))
        leaves += [o for o in program.outputs if o not in rank]  # a leaf fn returns as it is
        leaves.sort(key=lambda k: rows[k].kind != "param")  # parameters first: one block
        slot = {k: i for i, k in enumerate(inputs + leaves)}
        n_params = sum(rows[k].kind == "param" for k in leaves)
        self.params = slice(len(inputs), len(inputs) + n_params)
        self.param_index = np.array([rows[k].where[0] for k in leaves[:n_params]], dtype=np.intp)
        self.consts = slice(self.params.stop, len(slot))
        self.const_values = np.array([rows[k].value for k in leaves[n_params:]])[:, None]
        self.inputs = [(rows[k].where, slot[k]) for k in inputs]
        self.steps: list[_Step] = []
        for kind, members in plan:
            start = len(slot)
            slot.update({k: start + i for i, k in enumerate(members)})
            idx = np.array([[slot[p] for p in operands[k]] for k in members], dtype=np.intp).T
            grads = [
                _Scatter(i) if any(want[operands[k][j]] for k in members) else None
                for j, i in enumerate(idx)
            ]
            op = ops.ADD if isinstance(kind, tuple) else kind
            self.steps.append(_Step(op, slice(start, len(slot)), [_rows(i) for i in idx], grads))
        self.size = len(slot)
        self.n_params = len(program.params)
        self.outputs = [slot[o] for o in program.outputs]
        self.shapes = program.shapes
        self.input_grads = input_grads
        self.backward_needed = want[program.outputs[0]]
        self.n_ops = sum(row.kind == "op" for row in rows)

    @staticmethod
    def _wanted(program: _Program, operands: list, inner: list[bool], inputs: bool) -> list[bool]:
        """Nodes that need a gradient: a parameter (or an input, if asked) below, the loss
        above."""
        below: list[bool] = []
        for row in program.rows:
            leaf = row.kind == "param" or (inputs and row.kind == "input")
            below.append(leaf or any(below[p] for p in row.parents))
        above = [False] * len(below)
        above[program.outputs[0]] = True
        for k in reversed(range(len(below))):
            if above[k] and not inner[k]:
                for p in operands[k]:
                    above[p] = True
        return [b and a for b, a in zip(below, above)]

    @staticmethod
    def _ordered(members: list[int], operands: list, slot: dict[int, int], n: int) -> list[int]:
        """The group's nodes sorted by their operands' rows, the most repeated operand first."""
        width = len(operands[members[0]])
        cols = [
            [slot.get(operands[k][j], n + operands[k][j]) for k in members] for j in range(width)
        ]
        repeats = [len(c) - len(set(c)) for c in cols]
        first = repeats.index(max(repeats))
        keys = [first] + [j for j in range(width) if j != first]
        order = sorted(range(len(members)), key=lambda i: [cols[j][i] for j in keys])
        return [members[i] for i in order]

    def run(self, inputs: list, params: list[float], seed: Any, size: int) -> tuple:
        """Forward and, given a seed, backward over a batch of `size` examples: (outputs,
        input gradients or None, parameter gradients summed over the batch)."""
        V = np.empty((self.size, size))
        for (arg, element), row in self.inputs:
            V[row] = inputs[arg] if self.shapes[arg] == () else inputs[arg][element]
        V[self.params] = np.asarray(params)[self.param_index, None]
        V[self.consts] = self.const_values
        operands = []
        for step in self.steps:
            args = [V[rows] for rows in step.parents]
            out = V[step.out]
            if step.op is ops.ADD:  # a + b, or a chain ((a + b) + c) + ..., left to right
                np.add(args[0], args[1], out=out)
                for arg in args[2:]:
                    out += arg
            elif ufunc := _UFUNCS.get(step.op):
                ufunc(*args, out=out)
            else:
                out[...] = step.op.value(*args)
            operands.append(args)
        outputs = tuple(V[o] for o in self.outputs)
        grads = np.zeros(self.n_params)
        if seed is None or not self.backward_needed:
            return outputs, None, grads
        G = np.zeros((self.size, size))
        G[self.outputs[0]] = seed
        for step, args in zip(reversed(self.steps), reversed(operands)):
            if not any(step.grads):
                continue
            g = G[step.out]
            if step.op is ops.ADD:  # every term of a sum gets the sum's gradient
                local_grads: Any = [1.0] * len(args)
            else:
                local_grads = step.op.local_grads(V[step.out], *args)
            for scatter, local in zip(step.grads, local_grads):
                if scatter is not None:
                    scatter.add(G, g if _is(local, 1.0) else -g if _is(local, -1.0) else g * local)
        grads[self.param_index] = G[self.params].sum(axis=1)
        return outputs, self._input_grads(G) if self.input_grads else None, grads

    def _input_grads(self, G: np.ndarray) -> list:
        found = {where: G[row] for where, row in self.inputs}
        grads: list[Any] = []
        for i, shape in enumerate(self.shapes):
            if shape is None:
                grads.append(None)
            elif shape == ():
                grads.append(found.get((i, 0), 0.0))
            else:
                grads.append([found.get((i, j), 0.0) for j in range(math.prod(shape))])
        return grads


# --- the compiled function ------------------------------------------------------------------


@dataclass
class _Group:
    """Part of a batch that one program runs: which rows (None: all of them, or the single
    example) and the arguments as the program takes them (an array per number of fn's)."""

    program: _Program
    rows: np.ndarray | None
    size: int
    inputs: list


class CompiledFunction:
    """`fn` traced into a program; call it like fn, on one example or on a batch.

    `f(*args)` gives fn's outputs; `f.run(*args)` also the gradients, as a Result;
    `f.backward(*args)` adds the parameters' gradients to their `.grad`, as `loss.backward()`.
    A batch is each argument with one more leading axis (numpy arrays or nested lists).
    """

    def __init__(
        self,
        fn: Callable,
        example_args: tuple,
        reduction: Reduction = "mean",
        check: bool = False,
        static: Sequence[int] = (),
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile needs a function, got {fn!r}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.fn, self.reduction, self.check = fn, reduction, check
        n = len(example_args)
        self.static = sorted({i + n if i < 0 else i for i in static})
        if not all(0 <= i < n for i in self.static):
            raise IndexError(f"static positions {tuple(static)} out of range for {n} arguments")
        self.arg_names = _arg_names(fn, n)
        self.title = _title(fn, self.arg_names)
        self._example = [
            a if i in self.static else _array(a, i) for i, a in enumerate(example_args)
        ]
        self.shapes = [None if i in self.static else a.shape for i, a in enumerate(self._example)]
        self._programs: dict[tuple, _Program] = {}
        self.backend: Literal["auto", "levels", "lines"] = "auto"
        self.params: list[Value] = []  # every parameter a program reads, in first-seen order
        self._slot: dict[Value, int] = {}
        self._program(self._example)

    # --- the programs, one per value of the static arguments --------------------------------

    def _program(self, args: Sequence) -> _Program:
        """The program for these static argument values, traced on first use."""
        key = tuple(_hashable(args[i]) for i in self.static)
        if key not in self._programs:
            example = list(self._example)
            for i in self.static:
                example[i] = args[i]
            frozen = frozenset(self.static)
            first, second = _trace(self.fn, example, frozen), _trace(self.fn, example, frozen)
            program = _Program(first, second, self.arg_names, self.shapes, self.title)
            for p in program.params:
                if p not in self._slot:
                    self._slot[p] = len(self.params)
                    self.params.append(p)
            program.slots = np.array([self._slot[p] for p in program.params], dtype=np.intp)
            self._programs[key] = program
        return self._programs[key]

    @property
    def source(self) -> str:
        """The program as Python: forward statements, then the chain rule, line by line."""
        return "\n\n".join(p.source for p in self._programs.values())

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        program = next(iter(self._programs.values()))
        n_ops = sum(row.kind == "op" for row in program.rows)
        more = f", {len(self._programs)} programs" if len(self._programs) > 1 else ""
        return (
            f"<compiled {self.title}: {n_ops} ops, {len(self.params)} parameters, "
            f"reduction={self.reduction!r}{more}>"
        )

    # --- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any) -> Any:
        """fn's outputs: floats for one example, arrays over a batch (a tuple for several)."""
        batch, batched, groups = self._split(args)
        results = []
        for group in groups:
            params = [p.data for p in group.program.params]
            levels = self._scheduled(group.program, batch, input_grads=False)
            with np.errstate(all="ignore"):  # the ops raise clear errors themselves
                if levels is not None:
                    out = self._replay(levels, group, params, None)[0]
                else:
                    out = group.program.forward(*group.inputs, params)
                    out = out if len(group.program.outputs) > 1 else (out,)
            results.append(out)
        outputs = _gather(groups, results, batch)
        if self.check:
            self._verify(args, batch, batched, outputs, None)
        return outputs if len(outputs) > 1 else outputs[0]

    def run(self, *args: Any, input_grads: bool = True) -> Result:
        """The loss and every gradient, from one forward and one backward pass.

        `input_grads=False` skips the gradients with respect to the arguments (a training step
        needs only the parameters'); `Result.input_grads` then holds None for each.
        """
        batch, batched, groups = self._split(args)
        scale = 1.0 / batch if batch is not None and self.reduction == "mean" else 1.0
        total, grads = 0.0, np.zeros(len(self.params))
        g_args: list[Any] = [None] * len(self.shapes)
        results = []
        for group in groups:
            program = group.program
            params = [p.data for p in program.params]
            seed = scale if batch is None else np.full(group.size, scale)
            levels = self._scheduled(program, batch, input_grads)
            with np.errstate(all="ignore"):
                if levels is not None:
                    out, g_inputs, g_params = self._replay(levels, group, params, seed)
                    grads[program.slots] += g_params
                else:
                    out, g_inputs, g_params = program.forward_backward(*group.inputs, params, seed)
                    out = out if len(program.outputs) > 1 else (out,)
                    if g_params:
                        g = _stack(g_params)  # (parameters, rows) over a batch, else (parameters,)
                        grads[program.slots] += g.sum(axis=1) if g.ndim == 2 else g
            results.append(out)
            total += float(np.sum(np.broadcast_to(out[0], (group.size,))))
            if input_grads:
                self._add_input_grads(g_args, g_inputs, group, batch, batched)
        value = total / batch if batch is not None and self.reduction == "mean" else total
        outputs = _gather(groups, results, batch)
        result = Result(value, grads, tuple(g_args), outputs if len(outputs) > 1 else outputs[0])
        if self.check:
            self._verify(args, batch, batched, outputs, result)
        return result

    def backward(self, *args: Any, input_grads: bool = True) -> Result:
        """`run`, then add each gradient to its parameter's `.grad` (they accumulate, as leaves
        do in `Value.backward`: zero them between steps)."""
        result = self.run(*args, input_grads=input_grads)
        for p, g in zip(self.params, result.grads.tolist()):
            p.grad += g
        return result

    # --- the batch backend --------------------------------------------------------------------

    def _scheduled(self, program: _Program, batch: int | None, input_grads: bool) -> Any:
        """The level-by-level schedule to run a batch with, or None for the straight-line
        program: for one example (whose numbers must be the engine's, bit for bit), when
        `backend="lines"`, or, with "auto", when the graph is too sequential to gain."""
        if batch is None or self.backend == "lines":
            return None
        if input_grads not in program.levels:
            program.levels[input_grads] = _Levels(program, input_grads)
        levels = program.levels[input_grads]
        if self.backend == "auto" and 2 * len(levels.steps) > levels.n_ops:
            return None
        return levels

    def _replay(self, levels: _Levels, group: _Group, params: list, seed: Any) -> tuple:
        """`levels.run`; on an error, the straight-line program reruns to report it as it does
        (naming the op, the number and the batch element)."""
        try:
            return levels.run(group.inputs, params, seed, group.size)
        except (ArithmeticError, ValueError) as error:
            group.program.forward(*group.inputs, params)
            raise error

    # --- batches ------------------------------------------------------------------------------

    def _split(self, args: tuple) -> tuple[int | None, list[bool], list[_Group]]:
        """Check the arguments; find the batch size (None: one example), which arguments carry
        a batch axis, and the groups of rows that share one program."""
        if len(args) != len(self.shapes):
            raise TypeError(f"{self.title} takes {len(self.shapes)} arguments, got {len(args)}")
        arrays = [a if i in self.static else _array(a, i) for i, a in enumerate(args)]
        batch, batched = None, [False] * len(args)
        for i, (a, shape) in enumerate(zip(arrays, self.shapes)):
            if shape is None or a.shape == shape:
                continue
            if a.shape[1:] != shape or a.ndim != len(shape) + 1:
                raise ValueError(
                    f"argument {self.arg_names[i]} of {self.title}: expected shape {shape} "
                    f"(one example) or (batch, *{shape}), got {a.shape}"
                )
            if batch is not None and len(a) != batch:
                raise ValueError(f"arguments have different batch sizes: {batch} and {len(a)}")
            batch, batched[i] = len(a), True
        for i in self.static:
            batched[i] = batch is not None and _per_example(arrays[i], batch)
        groups = []
        for rows, example in self._rows_by_program(arrays, batch, batched):
            size = 1 if batch is None else batch if rows is None else len(rows)
            inputs: list[Any] = []
            for i, a in enumerate(arrays):
                if i in self.static:
                    inputs.append(None)
                elif not batched[i]:  # one example's numbers, as floats
                    inputs.append(a.item() if a.ndim == 0 else a.ravel().tolist())
                else:  # one contiguous array over the rows per number of fn's
                    picked = a if rows is None else a[rows]
                    columns = np.ascontiguousarray(picked.reshape(size, -1).T)
                    inputs.append(columns[0] if a.ndim == 1 else list(columns))
            groups.append(_Group(self._program(example), rows, size, inputs))
        return batch, batched, groups

    def _rows_by_program(self, arrays: list, batch: int | None, batched: list[bool]) -> list:
        """(rows, an example with those rows' static values) per program; rows None: all."""
        if batch is None or not any(batched[i] for i in self.static):
            return [(None, arrays)]
        rows: dict[tuple, list[int]] = {}
        examples: dict[tuple, list] = {}
        for b in range(batch):
            example = list(arrays)
            for i in self.static:
                example[i] = _row(arrays[i], b) if batched[i] else arrays[i]
            key = tuple(_hashable(example[i]) for i in self.static)
            rows.setdefault(key, []).append(b)
            examples.setdefault(key, example)
        if len(rows) == 1:
            return [(None, next(iter(examples.values())))]
        return [(np.array(rows[key], dtype=np.intp), examples[key]) for key in rows]

    def _add_input_grads(
        self, total: list, grads: list, group: _Group, batch: int | None, batched: list[bool]
    ) -> None:
        """Add one group's input gradients into `total`, shaped like the arguments."""
        for i, shape in enumerate(self.shapes):
            if shape is None:
                continue
            elements = [grads[i]] if shape == () else grads[i]
            if batch is None:
                total[i] = float(elements[0]) if shape == () else np.reshape(elements, shape)
                continue
            per_row = np.stack([np.broadcast_to(g, (group.size,)) for g in elements], axis=1)
            if batched[i]:  # one gradient per example
                if total[i] is None:
                    total[i] = np.zeros((batch, *shape))
                rows = slice(None) if group.rows is None else group.rows
                total[i].reshape(batch, -1)[rows] = per_row
            else:  # an argument shared by the batch: its gradient sums over it
                summed = per_row.sum(axis=0).reshape(shape)
                total[i] = summed if total[i] is None else total[i] + summed
                if shape == ():
                    total[i] = float(total[i])

    # --- check mode ---------------------------------------------------------------------------

    def _verify(
        self, args: tuple, batch: int | None, batched: list[bool], outputs: tuple, result
    ) -> None:
        """Run fn eagerly on every example and compare graphs and numbers with the program."""
        eager_total, eager_grads = 0.0, np.zeros(len(self.params))
        for b in range(1 if batch is None else batch):
            example = [_row(a, b) if batched[i] else a for i, a in enumerate(args)]
            example = [a if i in self.static else _array(a, i) for i, a in enumerate(example)]
            program = self._program(example)
            trace = _trace(self.fn, example, frozenset(self.static))
            where = "" if batch is None else f" on example {b}"
            problem = program.difference(trace)
            if problem and problem[0] == "graph":
                raise TraceError(
                    f"check: fn took a different path{where} than when it was traced: "
                    f"{problem[1]}. A compiled fn must build the same graph for every input: "
                    "replace Python branches on .data (if x.data > 0) by ops such as relu or "
                    "abs, or make the deciding argument static"
                )
            for k, (o, compiled) in enumerate(zip(trace.outputs, outputs)):
                got = compiled if batch is None else compiled[b]
                if not _close(got, o.data):
                    hint = f" ({problem[1]})" if problem else ""
                    raise TraceError(
                        f"check: output {k}{where} is {o.data!r} eagerly but {float(got)!r} "
                        f"compiled{hint}; does fn read .data into a new Value or a constant?"
                    )
            if result is not None:
                eager_total += trace.outputs[0].data
                found = gradients(trace.outputs[0])
                eager_grads += [float(found.get(p, 0.0)) for p in self.params]
        if result is None:
            return
        if batch is not None and self.reduction == "mean":
            eager_total, eager_grads = eager_total / batch, eager_grads / batch
        bad = [
            f"parameter {i} ({self.params[i].label or 'no label'}): eager {e!r}, compiled {c!r}"
            for i, (e, c) in enumerate(zip(eager_grads.tolist(), result.grads.tolist()))
            if not _close(c, e)
        ]
        if bad or not _close(result.value, eager_total):
            raise TraceError(
                f"check: the compiled loss is {result.value!r}, eagerly {eager_total!r}; "
                "gradients that differ:\n  " + "\n  ".join(bad[:10] or ["none"])
            )


def compile(
    fn: Callable,
    *example_args: Any,
    reduction: Reduction = "mean",
    check: bool = False,
    static: Sequence[int] = (),
) -> CompiledFunction:
    """Trace `fn(*example_args)` once into a program that replays on new inputs, or a batch.

    Each argument is a number or an array (list) of numbers; fn receives Values in its place.
    Leaf Values made outside fn (model weights) are the parameters: each call reads their
    current `.data`. Over a batch the loss (fn's first output) is the `reduction` of the
    per-example losses. `static` argument positions are passed to fn as they are, and each
    new value of them is traced into its own program (class labels, say). `check=True` runs
    fn eagerly too on every call and raises TraceError if the two disagree.

    fn is called twice while tracing, to tell parameters from constants and to catch a fn
    that builds a different graph each time.
    """
    return CompiledFunction(fn, example_args, reduction, check, static)


# --- small helpers ------------------------------------------------------------------------------


def _array(x: Any, position: int) -> np.ndarray:
    if isinstance(x, Value):
        x = x.data
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"compile: argument {position} must be a number or an array of numbers, got "
            f"{type(x).__name__} (pass it as static=({position},) to hand it to fn as it is)"
        ) from None
    if a.dtype == object:  # pragma: no cover - numpy refuses this already
        raise TypeError(f"compile: argument {position} is not numeric")
    return a


def _hashable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (list, np.ndarray)):
        return tuple(_hashable(v) for v in x)
    return x


def _per_example(x: Any, batch: int) -> bool:
    """Is a static argument given per example (a list or array with one value per row)?"""
    return isinstance(x, (list, tuple, np.ndarray)) and len(x) == batch


def _row(x: Any, b: int) -> Any:
    row = x[b]
    return row.item() if isinstance(row, np.generic) else row


def _close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    a, b = float(a), float(b)
    return _same(a, b) or abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _gather(groups: list[_Group], results: list[tuple], batch: int | None) -> tuple:
    """Each output in batch order: a float for one example, else an array over the batch."""
    if batch is None:
        return tuple(float(o) for o in results[0])
    outputs = []
    for k in range(len(results[0])):
        full = np.empty(batch)
        for group, out in zip(groups, results):
            full[slice(None) if group.rows is None else group.rows] = out[k]
        outputs.append(full)
    return tuple(outputs)


def _stack(grads: list) -> np.ndarray:
    try:
        return np.array(grads, dtype=float)
    except ValueError:  # some are floats, some arrays over the batch
        return np.array(np.broadcast_arrays(*grads))


def _arg_names(fn: Callable, n: int) -> list[str]:
    """fn's parameter names where they are safe in printed code, else a0, a1, ..."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = []
    for i in range(n):
        name = positional[i] if i < len(positional) else ""
        ok = name.isidentifier() and name.isalnum() and not keyword.iskeyword(name)
        ok = ok and name not in _RESERVED and not (name[0] in "vpgd" and name[1:].isdigit())
        names.append(name if ok and name not in names else f"a{i}")
    return names


_RESERVED = {*_VOCABULARY, "params", "seed", "forward", "OPS", "float", "abs", "program"}


def _title(fn: Callable, arg_names: list[str]) -> str:
    name = getattr(fn, "__name__", "")
    ok = name.isidentifier() and not keyword.iskeyword(name)
    return name if ok and name not in _RESERVED and name not in arg_names else "program"
