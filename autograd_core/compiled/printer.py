"""The printer: a program as straight-line Python source (forward, then the chain rule, one
statement per node and per chain-rule step), and that source compiled into a function.

>>> from autograd_core import Value, compile
>>> w = Value(2.0); f = compile(lambda x: (w * x).log(), 1.0)
>>> print(f.source.split("# forward")[1].split("# backward")[0].strip())
: one line per node of the graph
    v0 = p0 * x
    v1 = log(v0)
"""

from __future__ import annotations

import builtins
import linecache
import math
import re
import weakref
from collections.abc import Callable
from typing import Any

from .formula import NAMESPACE, Symbol, local_grad_symbols
from .program import _Program, needs_grad
from .vocabulary import VOCABULARY

Notes = dict[int, list[str]]
"""Comment lines to print after a node's statement (a node index -> its lines)."""


def source(program: _Program, backward: bool = True, notes: Notes | None = None) -> str:
    """The program as a Python function: `forward(*args, params)` gives fn's outputs;
    `<title>(*args, params, seed=1.0)` also every gradient, as (outputs, input grads, param
    grads). `notes` adds comments after the nodes they belong to."""
    body = _reads(program)
    body.append("# forward: one line per node of the graph")
    for k, row in enumerate(program.rows):
        if row.kind == "op":
            body.append(f"{program.names[k]} = {program.line(k)}")
            body += (notes or {}).get(k, [])
    outputs = ", ".join(program.names[o] for o in program.outputs)
    if not backward:
        body.append(f"return {outputs}" if len(program.outputs) == 1 else f"return ({outputs},)")
        return _function(program, "forward", "params", body, "fn's outputs, no gradients.")
    needs = needs_grad(program)
    body += _backward_lines(program, needs)
    outputs = outputs if len(program.outputs) == 1 else f"({outputs},)"
    grads = f"{_input_grads(program, needs)}, {_param_grads(program, needs)}"
    body.append(f"return {outputs}, {grads}")
    doc = "The forward pass, then the backward pass: g_v is d(output)/d(v)."
    return _function(program, program.title, "params, seed=1.0", body, doc)


def load(program: _Program, backward: bool) -> Callable[..., Any]:
    """The program's source compiled into a function. Its source is kept in linecache under a
    name no other program has (`<compiled loss 3.forward>`, torch.fx's practice), so a
    traceback shows this program's failing line; the entry goes when the function does."""
    text = source(program, backward)
    name = program.title if backward else "forward"
    filename = f"<compiled {program.title} {program.serial}.{name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(builtins.compile(text, filename, "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    weakref.finalize(function, linecache.cache.pop, filename, None)
    return function


def _reads(program: _Program) -> list[str]:
    """The statements that name the input elements fn reads, and the parameters."""
    body = []
    for i, name in enumerate(program.arg_names):
        if program.shapes[i]:
            rows = program.rows
            used = sorted({r.where[1] for r in rows if r.kind == "input" and r.where[0] == i})
            body += [f"{name}_{j} = {name}[{j}]" for j in used]
    for p, param in enumerate(program.params):
        name = ".".join(filter(None, [param.scope, param.label]))
        body.append(f"p{p} = params[{p}]" + (f"  # {name}" if name else ""))
    return body


def _grad_name(program: _Program, needs: list[bool], k: int) -> str:
    return f"g_{program.names[k]}" if needs[k] else "0.0"


def _input_grads(program: _Program, needs: list[bool]) -> str:
    """A list with one entry per argument: its grad, or a list of its elements' grads."""
    by_arg: list[dict[int, str]] = [{} for _ in program.arg_names]
    for k, row in enumerate(program.rows):
        if row.kind == "input":
            by_arg[row.where[0]][row.where[1]] = _grad_name(program, needs, k)
    items = []
    for i, shape in enumerate(program.shapes):
        if shape is None:  # a static argument
            items.append("None")
        elif shape == ():
            items.append(by_arg[i].get(0, "0.0"))
        else:
            grads = [by_arg[i].get(j, "0.0") for j in range(math.prod(shape))]
            items.append(f"[{', '.join(grads)}]")
    return f"[{', '.join(items)}]"


def _param_grads(program: _Program, needs: list[bool]) -> str:
    rows = program.rows
    grads = [_grad_name(program, needs, k) for k, row in enumerate(rows) if row.kind == "param"]
    return f"[{', '.join(grads)}]"


def _backward_lines(program: _Program, needs: list[bool]) -> list[str]:
    rows, names, out = program.rows, program.names, program.outputs[0]
    if not needs[out]:
        return ["# backward: the output depends on no input or parameter"]
    lines = ["# backward: the chain rule, from the output back to the leaves"]
    lines.append(f"g_{names[out]} = seed")
    has_grad = {out}
    for k in reversed(range(len(rows))):
        row = rows[k]
        if row.op is None or not needs[k]:
            continue
        node, args = program.symbol(k), [program.symbol(p) for p in row.parents]
        g = Symbol(f"g_{names[k]}", code=True)
        for p, local in zip(row.parents, local_grad_symbols(row.op, node, args)):
            if not needs[p]:
                continue
            term = g if local.text == "1.0" else -g if local.text == "-1.0" else g * local
            target = Symbol(f"g_{names[p]}", code=True)
            lines.append(f"{target.text} = {(target + term if p in has_grad else term).text}")
            has_grad.add(p)
    return lines


def _function(program: _Program, name: str, extra: str, body: list[str], doc: str) -> str:
    text = "\n".join(body)
    called = {a or b for a, b in re.findall(rf"(?<![\w.])(?:(\w+)\(|({NAMESPACE})\.)", text)}
    used = sorted(called & VOCABULARY.keys())
    header = [f"from autograd_core.compiled.vocabulary import {', '.join(used)}"] if used else []
    signature = ", ".join([*program.arg_names, extra])
    lines = [*header, "", "", f"def {name}({signature}):", f'    """{doc}"""']
    lines += [f"    {line}" for line in body]
    return "\n".join(lines).lstrip("\n") + "\n"
