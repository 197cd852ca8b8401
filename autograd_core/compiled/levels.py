"""The batch backend: the same program, run level by level over a (nodes x batch) matrix."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from .arrays import _to_numpy, batch_function, math_of
from .program import _Program, kind_of, needs_grad, parents_of
from .shared import Rows, as_slice, is_number
from .tensorize import Chains, Dot, add_chains, find_dots

# A speed-only shortcut, keyed by row: these rows' batch forms (a + b, a - b, a * b) written as
# numpy's ufuncs, which write in place (out=). Without it they run their batch form, the same.
_UFUNCS = {ops.ADD: np.add, ops.SUB: np.subtract, ops.MUL: np.multiply}


class _On:
    """Where a batch runs: the array library `xp`, its device, and the plan's index arrays
    converted for it (numpy's are used as they are)."""

    def __init__(self, xp: Any, inputs: list[Any]) -> None:
        self.xp = xp
        self.device = next((a.device for a in inputs if hasattr(a, "device")), None)
        self.math = math_of(xp)  # the namespace `m` the op rules use, on xp's arrays
        self.sum = np.add.reduce if xp is np else xp.sum  # numpy's without np.sum's wrapper
        self.cache: dict[int, Any] = {}

    def array(self, a: Any) -> Any:
        if self.xp is np:
            return a
        return self.xp.asarray(a, dtype=self.xp.float64, device=self.device)

    def index(self, rows: Rows) -> Any:
        if self.xp is np or isinstance(rows, slice):
            return rows
        if id(rows) not in self.cache:
            self.cache[id(rows)] = self.xp.asarray(rows, device=self.device)
        return self.cache[id(rows)]

    def function(self, step: _Step) -> Callable[..., Any]:
        return step.function if self.xp is np else batch_function(step.op, self.xp)


_NUMPY = _On(np, [])


class _Scatter:
    """`G[idx] += contrib`, also right when idx names a row several times (a node with several
    users in one step): those contributions are summed first. `sole`: nothing else adds to
    these rows, so numpy may write the gradient straight into them (`into`)."""

    def __init__(self, idx: np.ndarray, sole: bool = False) -> None:
        unique, first, counts = np.unique(idx, return_index=True, return_counts=True)
        self.repeat = 0  # > 0: idx is each of `rows` so many times in a row
        self.order: np.ndarray | None = None  # else, for repeats: sort, then add runs
        self.rows: Rows = as_slice(idx)
        self.sole = sole and len(unique) == len(idx) and isinstance(self.rows, slice)
        if len(unique) == len(idx):
            return
        firsts = idx[np.sort(first)]
        m = int(counts[0])
        if (counts == m).all() and (idx == np.repeat(firsts, m)).all():
            self.repeat, self.rows = m, as_slice(firsts)
        else:
            self.order = np.argsort(idx, kind="stable")
            self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            self.rows = as_slice(unique)

    def add(self, G: Any, contrib: Any, on: _On) -> None:
        xp = on.xp
        if self.repeat:
            contrib = on.sum(xp.reshape(contrib, (-1, self.repeat, G.shape[1])), axis=1)
        elif self.order is not None:
            if xp is np:
                contrib = np.add.reduceat(contrib[self.order], self.starts, axis=0)
            else:  # the same sums as a product with a 0/1 matrix (one row per target row)
                contrib = on.array(self.summing()) @ contrib
        if xp is np:
            G[self.rows] += contrib
        else:
            rows = on.index(self.rows)
            G[rows] = G[rows] + contrib

    def into(self, G: Any, on: _On) -> Any:
        """G's rows, for an operation to write its result into (`out=`), when they are a view
        that only this adds to (so they hold zeros); else None: `add` the result."""
        return G[self.rows] if self.sole and on.xp is np else None

    def add_product(self, G: Any, g: Any, d: Any, on: _On) -> None:
        """G[idx] += g·d, for a local derivative d (an array, or the number 1 or -1)."""
        out = self.into(G, on)
        if out is None:
            self.add(G, g if is_number(d, 1.0) else -g if is_number(d, -1.0) else g * d, on)
        elif is_number(d, 1.0):
            np.copyto(out, g)
        elif is_number(d, -1.0):
            np.negative(g, out=out)
        else:
            np.multiply(g, d, out=out)

    def summing(self) -> np.ndarray:
        """The (rows x contributions) 0/1 matrix that adds each row's contributions."""
        assert self.order is not None
        S = np.zeros((len(self.starts), len(self.order)))
        ends = [*self.starts[1:], len(self.order)]
        for r, (a, b) in enumerate(zip(self.starts, ends)):
            S[r, self.order[a:b]] = 1.0
        return S


@dataclass
class _Step:
    """Nodes that run as one numpy operation: `op` applied row by row. An ADD step may have
    more than two operands: chains of adds ((t0 + t1) + t2) + ..., summed left to right."""

    op: ops.Op
    out: slice  # the rows the nodes' values go to
    parents: list[Rows]  # per operand, the rows it reads
    grads: list[_Scatter | None]  # per operand, how its gradient is added (None: not needed)

    def __post_init__(self) -> None:
        self.chain = self.op is ops.ADD  # every term of a sum gets the sum's gradient
        self.ufunc = _UFUNCS.get(self.op) if len(self.parents) == 2 else None
        self.function = batch_function(self.op)
        self.needed = any(g is not None for g in self.grads)

    def forward(self, V: Any, P: Any, on: _On, blocks: list[Any]) -> list[Any]:
        """Fill the step's rows of V; return what backward reads (its operands)."""
        args = [V[on.index(rows)] for rows in self.parents]
        if on.xp is np and self.ufunc is not None:  # a + b, a - b, a * b, in place
            self.ufunc(args[0], args[1], out=V[self.out])
        elif self.chain:  # ((a + b) + c) + ..., left to right
            total = args[0] + args[1]
            for term in args[2:]:
                total += term
            V[self.out] = total
        else:
            V[self.out] = on.function(self)(*args)
        return args

    def backward(self, V: Any, G: Any, grads: np.ndarray, args: list[Any], on: _On) -> None:
        """Add the step's gradient times each operand's local derivative to the operand's rows
        of G (a sum's terms get the sum's gradient as it is)."""
        if not self.needed:
            return
        g = G[self.out]
        if self.chain:
            local: Any = [1.0] * len(self.grads)
        else:
            local = self.op.rule(on.math, V[self.out], *args)
        for scatter, d in zip(self.grads, local):
            if scatter is not None:
                scatter.add_product(G, g, d, on)


@dataclass
class _MatMul:
    """A layer of dot products as one matrix product: `out = W @ X + b + extras`, where W's
    entries and b's are parameters (`weights` and `bias` hold their indices) and X is the rows
    `xs`. Backward: the transposed products, `W.T @ g` for X and `g @ X.T` for W, and b's
    gradient is g summed over the batch."""

    out: slice
    weights: np.ndarray  # (nodes, inputs): parameter indices
    xs: Rows
    x_grad: _Scatter | None
    bias: Rows | None  # parameter indices, one per node
    extras: list[Rows]
    extra_grads: list[_Scatter | None]
    sole: bool = False  # W's gradient has no other term (no other step reads those parameters)
    source: int | None = None  # X is this argument's block of rows: read from the argument

    def __post_init__(self) -> None:
        """When W's indices step evenly (a model's weights, neuron after neuron), W is a strided
        view of the parameter vector: read and updated in place, with no gather or scatter."""
        w, self.strides = self.weights, None
        self.unique = len(np.unique(w)) == w.size  # gradients add without np.add.at
        if w.size and w.min() >= 0:
            rows = w[1:, 0] - w[:-1, 0] if len(w) > 1 else np.array([w.shape[1]])
            cols = w[0, 1:] - w[0, :-1] if w.shape[1] > 1 else np.array([1])
            rs, cs = int(rows[0]), int(cols[0])
            affine = w[0, 0] + rs * np.arange(len(w))[:, None] + cs * np.arange(w.shape[1])
            if rs > 0 and cs > 0 and (w == affine).all() and self.unique:
                self.strides = (int(w[0, 0]), rs, cs)

    def view(self, vector: np.ndarray) -> np.ndarray:
        """W (or its gradient) as a view of a parameter vector, when the indices allow."""
        base, rs, cs = self.strides  # type: ignore[misc]
        (n, k), end = self.weights.shape, base + rs * len(self.weights)
        if rs % cs == 0 and rs >= cs * k and end <= len(vector):  # plain slicing: quicker
            return vector[base:end].reshape(n, rs)[:, : cs * k : cs]
        step = vector.strides[0]
        return np.lib.stride_tricks.as_strided(vector[base:], (n, k), (rs * step, cs * step))

    def forward(self, V: Any, P: Any, on: _On, blocks: list[Any]) -> tuple[Any, Any]:
        """Fill the layer's rows of V; return W and X, which backward reads. X is read from
        the argument itself (`blocks`, numpy's) when it is one, else from V."""
        if on.xp is np:
            W = self.view(P) if self.strides else P[self.weights]
            X = V[self.xs] if self.source is None else blocks[self.source]
            out = np.matmul(W, X, out=V[self.out])
            if self.bias is not None:
                out += P[self.bias, None]
        else:
            W, X = P[on.index(self.weights)], V[on.index(self.xs)]
            out = on.xp.matmul(W, X)
            if self.bias is not None:
                out = out + P[on.index(self.bias), None]
            V[self.out] = out
        for extra in self.extras:
            V[self.out] += V[on.index(extra)]
        return W, X

    def backward(self, V: Any, G: Any, grads: np.ndarray, kept: Any, on: _On) -> None:
        """Add the gradients of W and b to `grads`, and those of X and the extras to G."""
        g, (W, X) = G[self.out], kept
        self._weight_grads(g, X, grads, on)
        if self.bias is not None:
            gb = on.sum(g, axis=1) if on.xp is np else _to_numpy(on.sum(g, axis=1))
            if isinstance(self.bias, slice):  # evenly spaced, so every entry its own
                grads[self.bias] += gb
            else:  # an index may repeat (a bias tied across neurons)
                np.add.at(grads, self.bias, gb)
        if self.x_grad is not None:
            if (into := self.x_grad.into(G, on)) is not None:
                np.matmul(W.T, g, out=into)
            else:
                self.x_grad.add(G, W.T @ g, on)
        for scatter in self.extra_grads:
            if scatter is not None:
                scatter.add_product(G, g, 1.0, on)

    def _weight_grads(self, g: Any, X: Any, grads: np.ndarray, on: _On) -> None:
        """Add g @ X.T, W's gradient, to `grads` (written in place where nothing else adds)."""
        if self.sole and self.strides and on.xp is np:
            np.matmul(g, X.T, out=self.view(grads))
            return
        gW = g @ X.T if on.xp is np else _to_numpy(g @ X.T)
        if self.strides:
            self.view(grads)[...] += gW
        elif self.unique:
            grads[self.weights] += gW
        else:
            np.add.at(grads, self.weights, gW)


Kind = Any  # what a group of nodes shares: an op row, ("sum", terms) or ("dot", *layer)


@dataclass
class _Levels:
    """A program scheduled for a batch (`schedule` makes one): the nodes that apply the same op
    at the same depth of the graph run as one numpy operation over a (nodes x batch) matrix,
    which gathers their operands' rows; the backward pass scatter-adds gradients back. A chain
    of adds (a sum of losses) counts as one node, summed in order; a layer's weighted sums run
    as one matrix product (see tensorize.py), in the order BLAS sums them.

    Node values are the straight-line program's (bit for bit outside matrix products); gradients
    differ only in the order contributions are added. `print(compiled)` still shows the
    straight-line program: this is only how a batch is scheduled, in a few dozen numpy calls.
    The matrix's rows: the inputs, the parameters `params` read as values (their indices in
    the parameter vector: `param_index`), the constants `consts`, then each step's nodes.
    """

    steps: list[_Step | _MatMul]
    size: int  # rows of the matrix
    inputs: list[tuple[int, np.ndarray, Rows, slice]]  # per argument: elements read (also as a
    # slice where they can be: a view of the argument, no gather), the rows they fill
    params: slice
    unread: frozenset[int]  # the inputs' blocks only matrix products read, from the arguments
    param_index: np.ndarray
    consts: slice
    const_values: np.ndarray
    outputs: list[int]
    shapes: list[tuple[int, ...] | None]
    n_params: int
    input_grads: bool
    backward_needed: bool
    n_ops: int

    def run(
        self, inputs: list[Any], params: np.ndarray, seed: Any, size: int, xp: Any = np
    ) -> tuple[Any, ...]:
        """Forward and, given a seed (one number, or one per example), backward over a batch
        of `size` examples: (outputs, input gradients or None, parameter gradients summed over
        the batch). The batch's arrays are `xp`'s (numpy, or an Array API library's such as
        torch, on its device); the parameters and their gradients stay numpy vectors."""
        on = _NUMPY if xp is np else _On(xp, inputs)
        V = xp.empty((self.size, size), dtype=xp.float64, device=on.device)
        blocks: list[Any] = []  # each argument's block of rows: V's, or the argument's own
        for b, (arg, _, pick, rows) in enumerate(self.inputs):
            a = on.array(inputs[arg])
            if self.shapes[arg] == ():
                block = a
            else:
                block = a[on.index(pick)] if a.ndim == 2 else a[on.index(pick), None]
            if xp is np and b in self.unread and block.shape == (rows.stop - rows.start, size):
                blocks.append(block)  # only matrix products read it: no copy into V
            else:
                V[rows] = block
                blocks.append(V[rows])
        P = on.array(params)
        if self.param_index.size:  # parameters read other than as weights and biases
            V[self.params] = P[on.index(self.param_index), None]
        V[self.consts] = on.array(self.const_values)
        saved = [step.forward(V, P, on, blocks) for step in self.steps]
        outputs = tuple(V[o] for o in self.outputs)
        grads = np.zeros(self.n_params)
        if seed is None or not self.backward_needed:
            return outputs, None, grads
        G = xp.empty((self.size, size), dtype=xp.float64, device=on.device)
        # the inputs' rows only collect gradients when they are asked for: else left as they are
        G[0 if self.input_grads else self.params.start :] = 0.0
        G[self.outputs[0]] = on.array(seed)
        for step, kept in zip(reversed(self.steps), reversed(saved)):
            step.backward(V, G, grads, kept, on)
        if self.param_index.size:
            grads[self.param_index] += _to_numpy(on.sum(G[self.params], axis=1))
        return outputs, self._input_grads(G) if self.input_grads else None, grads

    def _input_grads(self, G: np.ndarray) -> list[Any]:
        found = {}
        for arg, elements, _, rows in self.inputs:
            found.update({(arg, int(e)): g for e, g in zip(elements, G[rows])})
        grads: list[Any] = []
        for i, shape in enumerate(self.shapes):
            if shape is None:
                grads.append(None)
            elif shape == ():
                grads.append(found.get((i, 0), 0.0))
            else:
                grads.append([found.get((i, j), 0.0) for j in range(math.prod(shape))])
        return grads


# --- scheduling: a program's nodes into steps -------------------------------------------------


def schedule(program: _Program, input_grads: bool) -> _Levels:
    """`program` scheduled for a batch, with or without its inputs' gradients."""
    chains = add_chains(program)
    dots = find_dots(program, chains)
    operands, inner = _operands(program, chains, dots)
    rows = program.rows
    inputs = [k for k, kind in enumerate(map(kind_of, rows)) if kind == "input"]
    inputs.sort(key=lambda k: rows[k].where)
    plan, leaves = _layout(program, _groups(program, operands, inner, dots), operands, inputs)
    n_params = sum(program.rows[k].kind == "param" for k in leaves)
    slot = {k: i for i, k in enumerate(inputs + leaves)}
    walk = [(k, (*dots[k].weights, *operands[k]) if k in dots else operands[k])
            for _, members in plan for k in members]  # fmt: skip
    want = needs_grad(program, input_grads, walk)
    reads = _reads(plan, operands, dots, program.outputs[0])
    steps = _steps(program, plan, operands, dots, slot, _Scatters(want, slot, reads))
    param_index = np.array([program.rows[k].where[0] for k in leaves[:n_params]], np.intp)
    _mark_sole_weights(steps, param_index, len(program.params))
    blocks = _input_blocks(program, inputs)
    return _Levels(
        steps=steps,
        size=len(slot),
        inputs=blocks,
        params=slice(len(inputs), len(inputs) + n_params),
        unread=_read_in_place(steps, blocks, [slot[o] for o in program.outputs]),
        param_index=param_index,
        consts=slice(len(inputs) + n_params, len(inputs) + len(leaves)),
        const_values=np.array([program.rows[k].value for k in leaves[n_params:]])[:, None],
        outputs=[slot[o] for o in program.outputs],
        shapes=program.shapes,
        n_params=len(program.params),
        input_grads=input_grads,
        backward_needed=want[program.outputs[0]],
        n_ops=program.n_ops,
    )


def _operands(
    program: _Program, chains: Chains, dots: dict[int, Dot]
) -> tuple[list[Sequence[int]], list[bool]]:
    """Per node, what its step reads (a chain's terms, a dot's inputs and extra terms, else
    its parents), and whether a larger step absorbs it (an inner add, a dot's product)."""
    inner = list(chains.inner)
    for dot in dots.values():
        for product in dot.products:
            inner[product] = True
    operands: list[Sequence[int]] = list(map(parents_of, program.rows))
    for k, terms in chains.terms.items():
        operands[k] = terms
    for k, dot in dots.items():
        operands[k] = (*dot.xs, *dot.extras)
    return operands, inner


def _groups(
    program: _Program, operands: list[Sequence[int]], inner: list[bool], dots: dict[int, Dot]
) -> dict[tuple[int, Kind], list[int]]:
    """The nodes by (depth, kind): each group runs as one step."""
    level = [0] * len(program.rows)
    groups: dict[tuple[int, Kind], list[int]] = {}
    for k, row in enumerate(program.rows):
        if inner[k] or row.kind != "op":
            continue
        level[k] = 1 + max(map(level.__getitem__, operands[k]))
        if k in dots:
            kind: Kind = ("dot", *dots[k].layer)
        else:
            kind = ("sum", len(operands[k])) if len(operands[k]) > 2 else row.op
        groups.setdefault((level[k], kind), []).append(k)
    return groups


def _is_dot(kind: Kind) -> bool:
    return isinstance(kind, tuple) and kind[0] == "dot"


def _layout(
    program: _Program,
    groups: dict[tuple[int, Kind], list[int]],
    operands: list[Sequence[int]],
    inputs: list[int],
) -> tuple[list[tuple[Kind, list[int]]], list[int]]:
    """The steps in order of depth, and the leaves (parameters first, then constants) in the
    order the steps first read them, so a step reads them as one slice. A step's nodes are
    ordered so that an operand it repeats comes in runs (summed as one, backwards)."""
    rank = {k: i for i, k in enumerate(inputs)}  # a provisional layout
    plan, leaves = [], []
    for (_, kind), members in sorted(groups.items(), key=lambda item: item[0][0]):
        if not _is_dot(kind):
            members = _ordered(members, operands, rank, len(program.rows))
        for p in (p for k in members for p in operands[k]):
            if p not in rank:
                rank[p] = len(rank)
                leaves.append(p)
        for k in members:
            rank[k] = len(rank)
        plan.append((kind, members))
    leaves += [o for o in program.outputs if o not in rank]  # a leaf fn returns as it is
    leaves.sort(key=lambda k: program.rows[k].kind != "param")  # parameters first: one block
    return plan, leaves


def _ordered(
    members: list[int], operands: list[Sequence[int]], slot: dict[int, int], n: int
) -> list[int]:
    """The group's nodes sorted by their operands' rows, the most repeated operand first."""
    width = len(operands[members[0]])
    cols = [[slot.get(operands[k][j], n + operands[k][j]) for k in members] for j in range(width)]
    repeats = [len(c) - len(set(c)) for c in cols]
    first = repeats.index(max(repeats))
    keys = [first] + [j for j in range(width) if j != first]
    order = sorted(range(len(members)), key=lambda i: [cols[j][i] for j in keys])
    return [members[i] for i in order]


def _reads(
    plan: list[tuple[Kind, list[int]]],
    operands: list[Sequence[int]],
    dots: dict[int, Dot],
    loss: int,
) -> list[int]:
    """Per node, how many step operands read it (a layer's matrix product reads its inputs
    once), plus one for the loss, which the seed starts: who adds to its gradient."""
    reads = [0] * len(operands)
    reads[loss] += 1
    for kind, members in plan:
        if _is_dot(kind):
            read = [*dots[members[0]].xs, *(e for k in members for e in dots[k].extras)]
        else:
            read = [p for k in members for p in operands[k]]
        for p in read:
            reads[p] += 1
    return reads


@dataclass
class _Scatters:
    """Makes the `_Scatter` that adds an operand's gradients, where any is wanted."""

    want: list[bool]
    slot: dict[int, int]
    reads: list[int]

    def __call__(self, nodes: Sequence[int]) -> _Scatter | None:
        if not any(self.want[k] for k in nodes):
            return None
        idx = np.array([self.slot[k] for k in nodes], dtype=np.intp)
        return _Scatter(idx, sole=all(self.reads[k] == 1 for k in nodes))


def _steps(
    program: _Program,
    plan: list[tuple[Kind, list[int]]],
    operands: list[Sequence[int]],
    dots: dict[int, Dot],
    slot: dict[int, int],
    scatter: _Scatters,
) -> list[_Step | _MatMul]:
    """Each group of the plan as a step, its nodes given the next rows of the matrix."""
    steps: list[_Step | _MatMul] = []
    for kind, members in plan:
        start = len(slot)
        slot.update({k: start + i for i, k in enumerate(members)})
        out = slice(start, len(slot))
        if _is_dot(kind):
            steps.append(_matmul(program, [dots[k] for k in members], out, slot, scatter))
            continue
        columns = [[operands[k][j] for k in members] for j in range(len(operands[members[0]]))]
        parents = [as_slice(np.array([slot[p] for p in c], dtype=np.intp)) for c in columns]
        op = ops.ADD if isinstance(kind, tuple) else kind  # ("sum", n): a chain of adds
        steps.append(_Step(op, out, parents, [scatter(c) for c in columns]))
    return steps


def _mark_sole_weights(
    steps: list[_Step | _MatMul], param_index: np.ndarray, n_params: int
) -> None:
    """Mark the matrix products whose weights nothing else reads (no other product, bias or
    parameter row): their gradient is written in place, not added."""
    everything = np.arange(n_params)
    products = [step for step in steps if isinstance(step, _MatMul)]
    read = [param_index] + [p.weights.ravel() for p in products]
    read += [everything[p.bias] for p in products if p.bias is not None]
    uses = np.bincount(np.concatenate(read), minlength=n_params) if n_params else everything
    for p in products:
        p.sole = p.unique and bool((uses[p.weights] == 1).all())


def _read_in_place(
    steps: list[_Step | _MatMul],
    blocks: list[tuple[int, np.ndarray, Rows, slice]],
    outputs: list[int],
) -> frozenset[int]:
    """Point each matrix product whose X is an argument's block of rows at that block (its
    `source`: the first layer reads the batch as it is, a transposed view, with no copy), and
    return the blocks nothing else reads: those are never copied into the value matrix."""
    where = {(rows.start, rows.stop): b for b, (_, _, _, rows) in enumerate(blocks)}
    read = np.zeros(max([0, *(rows.stop for *_, rows in blocks)]), dtype=bool)
    for step in steps:
        if isinstance(step, _MatMul):
            xs = step.xs
            if isinstance(xs, slice) and xs.step in (None, 1):
                step.source = where.get((xs.start, xs.stop))
            if step.source is None:
                read[_within(xs, len(read))] = True
            for extra in step.extras:
                read[_within(extra, len(read))] = True
        else:
            for rows in step.parents:
                read[_within(rows, len(read))] = True
    read[[o for o in outputs if o < len(read)]] = True
    return frozenset(b for b, (*_, rows) in enumerate(blocks) if not read[rows].any())


def _within(rows: Rows, n: int) -> Rows:
    """The rows of `rows` below n (the inputs' rows), as an index."""
    if isinstance(rows, slice):
        return slice(min(rows.start or 0, n), min(rows.stop, n), rows.step)
    return rows[rows < n]


def _matmul(
    program: _Program, dots: list[Dot], out: slice, slot: dict[int, int], scatter: _Scatters
) -> _MatMul:
    weights = np.array([[program.rows[w].where[0] for w in d.weights] for d in dots])
    bias = np.array([program.rows[d.bias].where[0] for d in dots if d.bias is not None])
    xs = np.array([slot[x] for x in dots[0].xs], dtype=np.intp)
    extras = [[d.extras[j] for d in dots] for j in range(len(dots[0].extras))]
    return _MatMul(
        out,
        weights.astype(np.intp),
        as_slice(xs),
        scatter(list(dots[0].xs)),
        as_slice(bias.astype(np.intp)) if len(bias) else None,
        [as_slice(np.array([slot[e] for e in column], dtype=np.intp)) for column in extras],
        [scatter(column) for column in extras],
    )


def _input_blocks(
    program: _Program, inputs: list[int]
) -> list[tuple[int, np.ndarray, Rows, slice]]:
    """Per argument: the elements fn reads (as an array, and as a slice where they can be) and
    the block of rows they fill, in order."""
    blocks = []
    for arg in sorted({program.rows[k].where[0] for k in inputs}):
        elements = [program.rows[k].where[1] for k in inputs if program.rows[k].where[0] == arg]
        first = inputs.index(next(k for k in inputs if program.rows[k].where[0] == arg))
        picked = np.array(elements, dtype=np.intp)
        blocks.append((arg, picked, as_slice(picked), slice(first, first + len(elements))))
    return blocks
