"""The program: a traced graph as data, one row per node (an input element, a parameter, a
constant, or an op applied to earlier rows), with the names printed code gives its nodes.
Printing it is printer.py's; scheduling it for a batch, levels.py's."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import count, repeat
from operator import itemgetter
from typing import Literal, NamedTuple

import numpy as np

from .. import ops
from ..value import Value
from .formula import Symbol, forward_symbol
from .shared import same
from .trace import _Trace

_SERIALS = count(1)
_NO = (0, 0)


class _Row(NamedTuple):
    """One node: an input element, a parameter, a constant, or an op applied to earlier rows
    (a tuple: a wide network's program has a few hundred thousand)."""

    kind: Literal["input", "param", "const", "op"]
    op: ops.Op | None = None
    parents: tuple[int, ...] = ()
    where: tuple[int, int] = (0, 0)  # input: (argument, element); param: (its index, 0)
    value: float = 0.0  # const: the number


_PARAM = _Row("param")  # a parameter's row until its place in `params` is known
kind_of, parents_of = itemgetter(0), itemgetter(2)  # `row.kind`, `row.parents` at C speed


class _Program:
    """A traced graph as rows: `rows` in topological order (`n_ops` of them ops), `params`
    (the parameter Values rows of kind "param" index), `outputs` (row indices, the loss
    first), the arguments' names and shapes, a `title`, a `serial` number (unique in the
    process) and `names`, what printed code calls each node."""

    def __init__(
        self,
        trace: _Trace,
        arg_names: list[str],
        shapes: list[tuple[int, ...] | None],
        title: str,
        rank: dict[Value, int],
    ) -> None:
        order = trace.order
        index: dict[Value | None, int] = dict(zip(order, range(len(order))))
        self.rows: list[_Row] = []
        add, new, inputs = self.rows.append, tuple.__new__, trace.inputs
        n_ops, found = 0, []  # found: the parameters' rows, made once their order is known
        for node in order:  # rows made as plain tuples: a wide network has 300,000
            op = node.op
            if op is not None:  # the hot case: an op, of one input or two (the slots: no tuple)
                first, second = node._parent1, node._parent2
                parents = (index[first],) if second is None else (index[first], index[second])
                add(new(_Row, ("op", op, parents, _NO, 0.0)))
                n_ops += 1
            elif node in inputs:
                add(new(_Row, ("input", None, (), inputs[node], 0.0)))
            elif trace.is_param(node):
                found.append(len(self.rows))
                add(_PARAM)
            else:
                add(new(_Row, ("const", None, (), _NO, node.data)))
        self.n_ops = n_ops
        # The parameters in the order `rank` gives (the compiled function's), then the others as
        # fn first uses them: a model's layer then reads its weights as one block of a vector.
        params = [order[k] for k in found]
        ranks = np.fromiter(map(rank.get, params, repeat(len(rank))), np.intp, len(params))
        by_rank = np.argsort(ranks, kind="stable")  # ties (no rank) in the order of first use
        self.params = [params[i] for i in by_rank.tolist()]
        place = np.empty_like(by_rank)
        place[by_rank] = np.arange(len(params))
        for k, i in zip(found, place.tolist()):
            self.rows[k] = new(_Row, ("param", None, (), (i, 0), 0.0))
        self.outputs = [index[o] for o in trace.outputs]
        self.arg_names, self.shapes, self.title = arg_names, shapes, title
        self.serial = next(_SERIALS)

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
            if row.kind == "op":
                parents = tuple(index[p] for p in node.parents)
                if node.op is not row.op or parents != row.parents:
                    got = f"{node.op or 'a leaf'}({', '.join(self.names[p] for p in parents)})"
                    traced = f"{self.names[k]} = {self.line(k)}"
                    return "graph", f"the trace has {traced}, but this run computed {got} there"
            elif (problem := self._leaf_difference(k, node, trace)) is not None:
                return problem
        if [index[o] for o in trace.outputs] != self.outputs:
            return "graph", "fn returned different nodes"
        return None

    def _leaf_difference(self, k: int, node: Value, trace: _Trace) -> tuple[str, str] | None:
        """How `node` of `trace` differs from the program's leaf k, if it does."""
        row, name = self.rows[k], self.names[k]
        if node.parents:
            return "graph", f"the trace has leaf {name}, but this run computed {node.op} there"
        if row.kind == "input":
            if trace.inputs.get(node) != row.where:
                return "graph", f"the trace has input {name}, this run something else there"
        elif row.kind == "param":
            if node is not self.params[row.where[0]]:
                return "graph", f"the trace has parameter {name}, this run another leaf there"
        elif node in trace.inputs or not same(node.data, row.value):
            return "constant", f"the constant {row.value!r} of the trace is {node.data!r} now"
        return None

    # --- naming ------------------------------------------------------------------------------

    @functools.cached_property
    def names(self) -> list[str]:
        """What printed code calls each node: x_0 for element 0 of argument x (x for a
        number), p3, v7; a constant is its number."""
        names, interior = [], count()
        for row in self.rows:
            if row.kind == "input":
                arg, element = row.where
                name = self.arg_names[arg]
                names.append(name if self.shapes[arg] == () else f"{name}_{element}")
            elif row.kind == "param":
                names.append(f"p{row.where[0]}")
            elif row.kind == "const":
                names.append(Symbol("", code=True).literal(row.value).text)
            else:
                names.append(f"v{next(interior)}")
        return names

    def symbol(self, k: int) -> Symbol:
        """Node k as code: its name, or a constant's number."""
        name = self.names[k]
        return Symbol(name, 3 if name.startswith("-") else 5, code=True)

    def line(self, k: int) -> str:
        """The right-hand side that computes node k in the forward pass."""
        row = self.rows[k]
        return forward_symbol(row.op, [self.symbol(p) for p in row.parents]).text  # type: ignore[arg-type]


def needs_grad(
    program: _Program, inputs: bool = True, walk: Sequence[tuple[int, Sequence[int]]] = ()
) -> list[bool]:
    """Per node, whether it needs a gradient: a parameter (or, with `inputs`, an input) lies
    below it and the loss (the first output) above it. `walk` is the nodes in order with what
    each reads; by default every op with its parents. A batch schedule passes its steps' (a
    layer's weighted sums read the weights and inputs, not the products they absorb): far
    fewer, and a node no step computes needs none."""
    rows = program.rows
    leaves = ("param", "input") if inputs else ("param",)
    below = [kind in leaves for kind in map(kind_of, rows)]
    if not walk:
        walk = [(k, parents) for k, parents in enumerate(map(parents_of, rows)) if parents]
    for k, reads in walk:
        below[k] = any(map(below.__getitem__, reads))
    above = [False] * len(rows)
    above[program.outputs[0]] = True
    for k, reads in reversed(walk):
        if above[k]:
            for p in reads:
                above[p] = True
    return [b and a for b, a in zip(below, above)]
