"""The batch backend: the same program, run level by level over a (nodes x batch) matrix."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops
from .arrays import _to_numpy, batch_function, math_of
from .program import _is, _Program
from .tensorize import Dot, add_chains, find_dots

_UFUNCS = {ops.ADD: np.add, ops.SUB: np.subtract, ops.MUL: np.multiply}
Rows = slice | np.ndarray


def _rows(idx: np.ndarray) -> Rows:
    """Rows `idx` of a matrix as a slice (a view, no copy) when they are evenly spaced."""
    if len(idx) == 1:
        return slice(int(idx[0]), int(idx[0]) + 1)
    step = int(idx[1] - idx[0])
    if step > 0 and (np.diff(idx) == step).all():
        return slice(int(idx[0]), int(idx[-1]) + 1, step)
    return idx


class _On:
    """Where a batch runs: the array library `xp`, its device, and the plan's index arrays
    converted for it (numpy's are used as they are)."""

    def __init__(self, xp: Any, inputs: list[Any]) -> None:
        self.xp = xp
        self.device = next((a.device for a in inputs if hasattr(a, "device")), None)
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
    users in one step): those contributions are summed first."""

    def __init__(self, idx: np.ndarray) -> None:
        unique, first, counts = np.unique(idx, return_index=True, return_counts=True)
        self.repeat = 0  # > 0: idx is each of `rows` so many times in a row
        self.order: np.ndarray | None = None  # else, for repeats: sort, then add runs
        self.rows: Rows = _rows(idx)
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

    def add(self, G: Any, contrib: Any, on: _On) -> None:
        xp = on.xp
        if self.repeat:
            contrib = xp.sum(xp.reshape(contrib, (-1, self.repeat, G.shape[1])), axis=1)
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


@dataclass
class _MatMul:
    """A layer of dot products as one matrix product: `out = W @ X + extras`, where W's entries
    are parameters (`weights` holds their indices) and X is the rows `xs`. Backward: the
    transposed products, `W.T @ g` for X and `g @ X.T` for W."""

    out: slice
    weights: np.ndarray  # (nodes, inputs): parameter indices
    xs: Rows
    x_grad: _Scatter | None
    extras: list[Rows]
    extra_grads: list[_Scatter | None]
    unique: bool  # every weight is a different parameter: gradients add without np.add.at

    def __post_init__(self) -> None:
        """When W's indices step evenly (a model's weights, neuron after neuron), W is a strided
        view of the parameter vector: read and updated in place, with no gather or scatter."""
        w, self.strides = self.weights, None
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


class _Levels:
    """A program scheduled for a batch: the nodes that apply the same op at the same depth of
    the graph run as one numpy operation over a (nodes x batch) matrix, which gathers their
    operands' rows; the backward pass scatter-adds gradients back. A chain of adds (a sum of
    losses) counts as one node, summed in order; a layer's weighted sums run as one matrix
    product (see tensorize.py), in the order BLAS sums them.

    Node values are the straight-line program's (bit for bit outside matrix products); gradients
    differ only in the order contributions are added. `print(compiled)` still shows the
    straight-line program: this is only how a batch is scheduled, in a few dozen numpy calls.
    """

    def __init__(self, program: _Program, input_grads: bool) -> None:
        rows, n = program.rows, len(program.rows)
        chains = add_chains(program)
        dots = find_dots(program, chains)
        inner = list(chains.inner)
        for dot in dots.values():
            for product in dot.products:
                inner[product] = True
        operands = [
            [*dots[k].xs, *dots[k].extras] if k in dots else chains.terms.get(k, row.parents)
            for k, row in enumerate(rows)
        ]
        want = self._wanted(program, operands, inner, input_grads)
        level = [0] * n
        groups: dict[tuple[Any, ...], list[int]] = {}
        for k, row in enumerate(rows):
            if row.kind == "op" and not inner[k]:
                level[k] = 1 + max(level[p] for p in operands[k])
                if k in dots:
                    kind: Any = ("dot", dots[k].xs, len(dots[k].extras))
                else:
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
            if not (isinstance(kind, tuple) and kind[0] == "dot"):
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
        self.inputs = self._input_blocks(program, inputs)
        self.steps: list[_Step | _MatMul] = []
        for kind, members in plan:
            start = len(slot)
            slot.update({k: start + i for i, k in enumerate(members)})
            out = slice(start, len(slot))
            if isinstance(kind, tuple) and kind[0] == "dot":
                self.steps.append(
                    self._matmul(program, [dots[k] for k in members], out, slot, want)
                )
                continue
            idx = np.array([[slot[p] for p in operands[k]] for k in members], dtype=np.intp).T
            grads = [
                _Scatter(i) if any(want[operands[k][j]] for k in members) else None
                for j, i in enumerate(idx)
            ]
            op = ops.ADD if isinstance(kind, tuple) else kind
            self.steps.append(_Step(op, out, [_rows(i) for i in idx], grads))
        self.size = len(slot)
        self.n_params = len(program.params)
        self.outputs = [slot[o] for o in program.outputs]
        self.shapes = program.shapes
        self.input_grads = input_grads
        self.backward_needed = want[program.outputs[0]]
        self.n_ops = sum(row.kind == "op" for row in rows)

    @staticmethod
    def _matmul(
        program: _Program, dots: list[Dot], out: slice, slot: dict[int, int], want: list[bool]
    ) -> _MatMul:
        weights = np.array([[program.rows[w].where[0] for w in d.weights] for d in dots])
        xs = np.array([slot[x] for x in dots[0].xs], dtype=np.intp)
        extras = np.array([[slot[e] for e in d.extras] for d in dots], dtype=np.intp).T
        extras = extras.reshape(len(dots[0].extras), len(dots))
        return _MatMul(
            out,
            weights.astype(np.intp),
            _rows(xs),
            _Scatter(xs) if any(want[x] for x in dots[0].xs) else None,
            [_rows(e) for e in extras],
            [
                _Scatter(e) if any(want[d.extras[j]] for d in dots) else None
                for j, e in enumerate(extras)
            ],
            len(np.unique(weights)) == weights.size,
        )

    @staticmethod
    def _input_blocks(program: _Program, inputs: list[int]) -> list[tuple[int, np.ndarray, slice]]:
        """Per argument: the elements fn reads and the block of rows they fill, in order."""
        blocks = []
        for arg in sorted({program.rows[k].where[0] for k in inputs}):
            elements = [program.rows[k].where[1] for k in inputs if program.rows[k].where[0] == arg]
            first = inputs.index(next(k for k in inputs if program.rows[k].where[0] == arg))
            blocks.append(
                (arg, np.array(elements, dtype=np.intp), slice(first, first + len(elements)))
            )
        return blocks

    @staticmethod
    def _wanted(
        program: _Program, operands: list[Any], inner: list[bool], inputs: bool
    ) -> list[bool]:
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
    def _ordered(
        members: list[int], operands: list[Any], slot: dict[int, int], n: int
    ) -> list[int]:
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

    def run(
        self, inputs: list[Any], params: np.ndarray, seed: Any, size: int, xp: Any = np
    ) -> tuple[Any, ...]:
        """Forward and, given a seed, backward over a batch of `size` examples: (outputs,
        input gradients or None, parameter gradients summed over the batch). The batch's
        arrays are `xp`'s (numpy, or an Array API library's such as torch, on its device);
        the parameters and their gradients stay numpy vectors."""
        on = _NUMPY if xp is np else _On(xp, inputs)
        V = xp.empty((self.size, size), dtype=xp.float64, device=on.device)
        for arg, elements, rows in self.inputs:
            a = inputs[arg]
            if self.shapes[arg] == ():
                V[rows] = on.array(a)
            else:
                a = on.array(a)
                V[rows] = a[on.index(elements)] if a.ndim == 2 else a[on.index(elements), None]
        P = on.array(params)
        V[self.params] = P[on.index(self.param_index), None]
        V[self.consts] = on.array(self.const_values)
        saved: list[Any] = []
        for step in self.steps:
            out = V[step.out]
            if isinstance(step, _MatMul):
                W = step.view(P) if xp is np and step.strides else P[on.index(step.weights)]
                if xp is np:
                    np.matmul(W, V[step.xs], out=out)
                else:
                    V[step.out] = xp.matmul(W, V[on.index(step.xs)])
                for extra in step.extras:
                    V[step.out] += V[on.index(extra)]
                saved.append(W)
                continue
            args = [V[on.index(rows)] for rows in step.parents]
            if xp is np and step.ufunc is not None:  # a + b, a - b, a * b, in place
                step.ufunc(args[0], args[1], out=out)
            elif step.chain:  # ((a + b) + c) + ..., left to right
                total = args[0] + args[1]
                for term in args[2:]:
                    total += term
                V[step.out] = total
            else:
                V[step.out] = on.function(step)(*args)
            saved.append(args)
        outputs = tuple(V[o] for o in self.outputs)
        grads = np.zeros(self.n_params)
        if seed is None or not self.backward_needed:
            return outputs, None, grads
        G = xp.zeros((self.size, size), dtype=xp.float64, device=on.device)
        G[self.outputs[0]] = on.array(seed)
        m = math_of(xp)
        for step, args in zip(reversed(self.steps), reversed(saved)):
            g = G[step.out]
            if isinstance(step, _MatMul):
                W, X = args, V[on.index(step.xs)]
                gW = _to_numpy(g @ X.T) if xp is not np else g @ X.T
                if step.strides:
                    step.view(grads)[...] += gW
                elif step.unique:
                    grads[step.weights] += gW
                else:
                    np.add.at(grads, step.weights, gW)
                if step.x_grad is not None:
                    step.x_grad.add(G, W.T @ g, on)
                for scatter in step.extra_grads:
                    if scatter is not None:
                        scatter.add(G, g, on)
                continue
            if not step.needed:
                continue
            if step.chain:
                for scatter in step.grads:
                    if scatter is not None:
                        scatter.add(G, g, on)
                continue
            for scatter, local in zip(step.grads, step.op.rule(m, V[step.out], *args)):
                if scatter is not None:
                    term = g if _is(local, 1.0) else -g if _is(local, -1.0) else g * local
                    scatter.add(G, term, on)
        grads[self.param_index] += _to_numpy(xp.sum(G[self.params], axis=1))
        return outputs, self._input_grads(G) if self.input_grads else None, grads

    def _input_grads(self, G: np.ndarray) -> list[Any]:
        found = {}
        for arg, elements, rows in self.inputs:
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
