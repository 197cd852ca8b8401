"""The program: a traced graph as one row per node, printed as straight-line Python source
(forward, then the chain rule) and compiled into functions."""

from __future__ import annotations

import builtins
import functools
import linecache
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING, Any, Literal

from .. import ops
from ..value import Value
from .formula import Symbol, forward_symbol, local_grad_symbols
from .tensorize import add_chains, find_dots, layers
from .trace import _Trace
from .vocabulary import VOCABULARY

if TYPE_CHECKING:
    from .levels import _Levels


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
        trace: _Trace,
        arg_names: list[str],
        shapes: list[tuple[int, ...] | None],
        title: str,
        rank: dict[Value, int],
    ) -> None:
        index = {node: k for k, node in enumerate(trace.order)}
        # The parameters in the order `rank` gives (the compiled function's), then the others as
        # fn first uses them: a model's layer then reads its weights as one block of a vector.
        found = [node for node in trace.order if node.op is None and trace.is_param(node)]
        self.params = sorted(found, key=lambda p: rank.get(p, len(rank)))
        place = {p: i for i, p in enumerate(self.params)}
        self.rows: list[_Row] = []
        for node in trace.order:
            if node.op is not None:
                parents = tuple(index[p] for p in node.parents)
                self.rows.append(_Row("op", node.op, parents))
            elif node in trace.inputs:
                self.rows.append(_Row("input", where=trace.inputs[node]))
            elif node in place:
                self.rows.append(_Row("param", where=(place[node], 0)))
            else:
                self.rows.append(_Row("const", value=node.data))
        self.outputs = [index[o] for o in trace.outputs]
        self.arg_names, self.shapes, self.title = arg_names, shapes, title
        self.needs_grad = self._needs_grad()
        self.levels: dict[bool, _Levels] = {}  # batch schedules, with and without input grads
        self.slots: Any = None  # where each parameter sits in the compiled function's params
        self.names = self._node_names()

    # The printed program, and the straight-line functions compiled from it, are made on first
    # use: a wide network's program has hundreds of thousands of lines.
    @functools.cached_property
    def source(self) -> str:
        return self._source(backward=True)

    @functools.cached_property
    def forward(self) -> Callable[..., Any]:
        return self._load(self._source(backward=False), "forward")

    @functools.cached_property
    def forward_backward(self) -> Callable[..., Any]:
        return self._load(self.source, self.title)

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
                if node.op is not row.op or parents != row.parents:
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
                names.append(Symbol("", code=True).literal(row.value).text)
            else:
                names.append(f"v{next(interior)}")
        return names

    def _symbol(self, k: int) -> Symbol:
        """Node k as code: its name, or a constant's number."""
        name = self.names[k]
        return Symbol(name, 3 if name.startswith("-") else 5, code=True)

    def _line(self, k: int) -> str:
        """The right-hand side that computes node k in the forward pass."""
        row = self.rows[k]
        return forward_symbol(row.op, [self._symbol(p) for p in row.parents]).text  # type: ignore[arg-type]

    def _source(self, backward: bool) -> str:
        rows, names = self.rows, self.names
        body = []
        for i, name in enumerate(self.arg_names):
            if self.shapes[i]:
                used = sorted({r.where[1] for r in rows if r.kind == "input" and r.where[0] == i})
                body += [f"{name}_{j} = {name}[{j}]" for j in used]
        for p, param in enumerate(self.params):
            name = ".".join(filter(None, [param.scope, param.label]))
            body.append(f"p{p} = params[{p}]" + (f"  # {name}" if name else ""))
        body.append("# forward: one line per node of the graph")
        fused = self._fused_comments()
        for k, row in enumerate(rows):
            if row.kind == "op":
                body.append(f"{names[k]} = {self._line(k)}")
                body += fused.get(k, [])
        outputs = ", ".join(names[o] for o in self.outputs)
        if not backward:
            body.append(f"return {outputs}" if len(self.outputs) == 1 else f"return ({outputs},)")
            return self._function("forward", "params", body, "fn's outputs, no gradients.")
        body += self._backward_lines()
        outputs = outputs if len(self.outputs) == 1 else f"({outputs},)"
        body.append(f"return {outputs}, {self._input_grads()}, {self._param_grads()}")
        doc = "The forward pass, then the backward pass: g_v is d(output)/d(v)."
        return self._function(self.title, "params, seed=1.0", body, doc)

    def _fused_comments(self) -> dict[int, list[str]]:
        """Where a batch runs a layer of weighted sums as one matrix product, a comment after
        the layer's last sum: which sums, and the product that computes them."""
        dots = find_dots(self, add_chains(self))
        comments = {}
        for members in layers(dots):
            sums, xs = (
                [self.names[k] for k in members],
                [self.names[x] for x in dots[members[0]].xs],
            )
            _, extras, bias = dots[members[0]].layer
            comments[max(members)] = [
                f"# ^ a batch runs {_span(sums)} as one matrix product: W ({len(sums)}x{len(xs)}) "
                f"@ [{_span(xs)}]"
                + (" + b" if bias else "")
                + (f" + {extras} term(s) each" if extras else ""),
                "#   and its backward as W.T @ g (inputs) and g @ X.T (weights)",
            ]
        return comments

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
            node, args = self._symbol(k), [self._symbol(p) for p in row.parents]
            g = Symbol(f"g_{names[k]}", code=True)
            for p, local in zip(row.parents, local_grad_symbols(row.op, node, args)):  # type: ignore[arg-type]
                if not needs[p]:
                    continue
                term = g if local.text == "1.0" else -g if local.text == "-1.0" else g * local
                target = Symbol(f"g_{names[p]}", code=True)
                lines.append(f"{target.text} = {(target + term if p in has_grad else term).text}")
                has_grad.add(p)
        return lines

    def _function(self, name: str, extra: str, body: list[str], doc: str) -> str:
        text = "\n".join(body)
        used = sorted(n for n in VOCABULARY if re.search(rf"\b{n}\(", text))
        header = (
            [f"from autograd_core.compiled.vocabulary import {', '.join(used)}"] if used else []
        )
        signature = ", ".join([*self.arg_names, extra])
        lines = [*header, "", "", f"def {name}({signature}):", f'    """{doc}"""']
        lines += [f"    {line}" for line in body]
        return "\n".join(lines).lstrip("\n") + "\n"

    def _load(self, source: str, name: str) -> Callable[..., Any]:
        """Compile the source (kept in linecache, so a traceback shows the failing line)."""
        filename = f"<compiled {self.title}.{name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict[str, Any] = {}
        exec(builtins.compile(source, filename, "exec"), namespace)
        function: Callable[..., Any] = namespace[name]
        return function


def _span(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{names[0]}, ..., {names[-1]}"


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _is(x: object, number: float) -> bool:
    return isinstance(x, int | float) and x == number
