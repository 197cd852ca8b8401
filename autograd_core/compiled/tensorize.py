"""Finding the matrix products in a traced program.

A neuron's weighted sum is a chain of adds, `((b + w0*x0) + w1*x1) + ...`. Its terms that are
products of a parameter and something else, used nowhere else, make a dot product `w · x`;
neurons whose dot products read the same inputs in the same order make a layer, which runs as
one matrix product `W @ X` (and its backward as the transposed products). This is the
published trick for compiling a scalar engine's MLP: micrograd's MNIST graph of ~40,000 adds
and ~40,000 multiplies becomes 51 dot products.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np

from .. import ops
from .program import _Program, parents_of

_OP = itemgetter(1)  # `row.op` as a function


@dataclass(frozen=True)
class Chains:
    """A program's add chains: `terms[k]` are the terms summed, in order, by the chain ending at
    node k; `inner[k]` marks an add (or a product) absorbed into a larger step."""

    users: list[int]
    inner: list[bool]
    terms: dict[int, list[int]]


@dataclass(frozen=True)
class Dot:
    """Node k = Σ weights[i] * xs[i] (+ bias) + Σ extras, replacing the product nodes
    `products`. The bias is the first term that is a parameter, as a neuron's `b`."""

    weights: tuple[int, ...]  # parameter rows (node indices)
    xs: tuple[int, ...]
    extras: tuple[int, ...]
    products: tuple[int, ...]
    bias: int | None = None

    @property
    def layer(self) -> tuple[tuple[int, ...], int, bool]:
        """What the dots of one matrix product share: their inputs and the shape of the rest."""
        return self.xs, len(self.extras), self.bias is not None


def add_chains(program: _Program) -> Chains:
    rows, n = program.rows, len(program.rows)
    used = chain(program.outputs, chain.from_iterable(map(parents_of, rows)))
    users: list[int] = np.bincount(np.fromiter(used, np.intp), minlength=n).tolist()
    inner = [False] * n
    terms: dict[int, list[int]] = {}
    add = ops.ADD
    for k in [k for k, op in enumerate(map(_OP, rows)) if op is add]:
        a, b = rows[k].parents
        if users[a] == 1 and a in terms:  # an add used only here: the chain goes on
            inner[a] = True
            terms[k] = terms.pop(a)  # the chain so far, extended in place
            terms[k].append(b)
        else:
            terms[k] = [a, b]
    return Chains(users, inner, terms)


def find_dots(program: _Program, chains: Chains) -> dict[int, Dot]:
    """The sums that hold products of a parameter and another node, used only there."""
    rows, users, mul, dots = program.rows, chains.users, ops.MUL, {}
    for k, terms in chains.terms.items():
        weights, xs, extras, products, bias = [], [], [], [], None
        for t in terms:
            kind, op, parents, _, _ = rows[t]
            if op is mul and users[t] == 1:
                a, b = parents
                w, x = (a, b) if rows[a].kind == "param" else (b, a)
                if rows[w].kind == "param":
                    weights.append(w)
                    xs.append(x)
                    products.append(t)
                    continue
            if bias is None and kind == "param":
                bias = t
            else:
                extras.append(t)
        if weights:
            dots[k] = Dot(tuple(weights), tuple(xs), tuple(extras), tuple(products), bias)
    return dots


def layers(dots: dict[int, Dot]) -> list[list[int]]:
    """The dot nodes grouped by the inputs they read (and the shape of their other terms):
    each group runs as one matrix product. In program order."""
    groups: dict[tuple[tuple[int, ...], int, bool], list[int]] = {}
    for k, dot in dots.items():
        groups.setdefault(dot.layer, []).append(k)
    return list(groups.values())


def layer_notes(program: _Program) -> dict[int, list[str]]:
    """For the printed program: where a batch runs a layer of weighted sums as one matrix
    product, a comment after the layer's last sum, naming the sums and the product."""
    dots = find_dots(program, add_chains(program))
    notes = {}
    for members in layers(dots):
        sums = [program.names[k] for k in members]
        xs = [program.names[x] for x in dots[members[0]].xs]
        _, extras, bias = dots[members[0]].layer
        notes[max(members)] = [
            f"# ^ a batch runs {_span(sums)} as one matrix product: W ({len(sums)}x{len(xs)}) "
            f"@ [{_span(xs)}]"
            + (" + b" if bias else "")
            + (f" + {extras} term(s) each" if extras else ""),
            "#   and its backward as W.T @ g (inputs) and g @ X.T (weights)",
        ]
    return notes


def _span(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{names[0]}, ..., {names[-1]}"
