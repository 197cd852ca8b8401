"""The backward pass as steps to show, with the chain rule written out.

`backward_steps(root)` gives step 0 (the forward pass, no gradient known), step 1 (the seed), then
one step per op result in reverse topological order: the node passes its gradient to each input,
`∂n/∂x = w = -3.0` (the local-derivative formula from the op table, then its recorded value) and
`grad(x) += ∂n/∂x × grad(n) = -3.0 × 0.5 = -1.5`. Shown arithmetic checks out to the digits shown
(see `viz.explain.arithmetic`). Every node is called by its qualified name (`viz.graph.names`).
A collapsed scope is one step that lists what it sends to its inputs. The gradients are
recomputed from the recorded local derivatives: `.grad` is neither needed nor changed.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_core import Value, forward_formula, local_grad_formulas

from ..graph.names import qualified_names
from ..graph.numbers import format_number
from ..graph.order import graph_order
from ..graph.scopes import Collapse, groups
from .arithmetic import Sum, shown, signed

__all__ = ["backward_steps", "chain_rule_lines"]

Part = str | int
"""A piece of shown text: a literal, or the index of a node whose name goes there."""

LISTED_INSIDE = 8  # a collapsed scope's step lists this many of its leaves' grads


@dataclass
class _Step:
    title: list[Part]
    current: int | None = None
    scope: str | None = None
    inputs: list[int] = field(default_factory=list)
    lines: list[list[Part]] = field(default_factory=list)
    updates: list[tuple[int, str, bool]] = field(default_factory=list)


@dataclass
class Walk:
    """The steps of one graph, the names they use, and the gradients they end with."""

    order: list[Value]
    names: list[str]
    group_of: list[str | None]
    steps: list[_Step]
    grads: list[float]

    def text(self, parts: Sequence[Part]) -> str:
        return "".join(self.names[p] if isinstance(p, int) else p for p in parts)

    def plain(self) -> list[dict[str, Any]]:
        """The steps as plain data: titles and lines as text, node indices into the order."""
        return [
            {
                "title": self.text(s.title),
                "current": s.current,
                "scope": s.scope,
                "inputs": s.inputs,
                "lines": [self.text(line) for line in s.lines],
                "updates": [list(u) for u in s.updates],
            }
            for s in self.steps
        ]


def backward_steps(
    root: Value, precision: int = 4, *, collapse: Collapse = ()
) -> list[dict[str, Any]]:
    """The steps the page shows, as plain data: title, current node, lines, changed grads.

    >>> x = Value(2.0, label="x"); y = x * x; y.label = "y"; y.backward()
    >>> steps = viz.backward_steps(y)
    >>> for step in steps:
    ...     print(step["title"])
    Forward pass done: every value is known, no gradient yet
    Seed: grad(y) = ∂y/∂y = 1
    y = x * x: pass grad(y) = 1.0 to its inputs
    >>> steps[-1]["lines"][-1]
    'complete: grad(x) = 4.0'

    `current` and `inputs` are indices into `topological_order(root)`; each update is
    `[node index, grad as shown, complete?]`. `collapse` as for `draw_dot`: a collapsed scope
    is one step.
    """
    return walk(graph_order(root, "backward_steps"), precision, collapse).plain()


def walk(order: list[Value], precision: int, collapse: Collapse = ()) -> Walk:
    """Run the chain rule over `order` (a topological order), recording what each step shows."""
    walker = _Walker(order, precision, groups(order, collapse))
    for unit in _units(order, walker.index, walker.group_of):
        walker.steps.append(walker.collapsed(unit) if isinstance(unit, str) else walker.op(unit))
    final = [0.0 if g is None else g for g in walker.grads]  # all set: every node is reached
    return Walk(order, walker.names, walker.group_of, walker.steps, final)


def chain_rule_lines(steps: Walk, precision: int) -> list[list[str]]:
    """For each node: its formula and local derivatives (`∂n/∂x = w = -3.0`), then how its grad
    is summed, `grad(x) = ∂n/∂x × grad(n) + ... = -3.0 × 0.5 + ... = -1.5`, a term per use."""
    order, names, grads = steps.order, steps.names, steps.grads
    index = {node: i for i, node in enumerate(order)}
    terms: list[list[tuple[int, float]]] = [[] for _ in order]  # (consumer, local) per use
    lines: list[list[str]] = [[] for _ in order]
    for i, node in enumerate(order):
        if not node.parents:
            continue
        parents = [index[p] for p in node.parents]
        node_names = (names[i], *(names[j] for j in parents))
        formulas = local_grad_formulas(node, node_names)
        lines[i].append(f"{names[i]} = {forward_formula(node, node_names)}")
        for j, local, formula in zip(parents, node.local_grads, formulas):
            terms[j].append((i, float(local)))
            text = format_number(float(local), precision)
            lines[i].append(steps.text(_local_line(i, j, formula, text)))
    for j, uses in enumerate(terms):
        if not uses:  # the root: every other node is used on the way to it
            lines[j].append(f"grad({names[j]}) = {format_number(grads[j], precision)} (the seed)")
            continue
        numbers = [x for i, local in uses for x in (local, grads[i])] + [grads[j]]
        relation = Sum(tuple((2 * k, 2 * k + 1) for k in range(len(uses))), len(numbers) - 1)
        texts = shown(numbers, [relation], precision)
        symbols = " + ".join(f"∂{names[i]}/∂{names[j]} × grad({names[i]})" for i, _ in uses)
        products = " + ".join(
            f"{signed(texts[2 * k]) if k else texts[0]} × {signed(texts[2 * k + 1])}"
            for k in range(len(uses))
        )
        lines[j].append(f"grad({names[j]}) = {symbols} = {products} = {texts[-1]}")
    return lines


# --- internals ---------------------------------------------------------------------------------


def _local_line(i: int, j: int, formula: str, value: str) -> list[Part]:
    """`∂n/∂x = w = -3.0`; a formula that is a number (`1`) is not repeated as one."""
    line: list[Part] = ["∂", i, "/∂", j, f" = {formula}"]
    try:
        float(formula)
    except ValueError:
        line.append(f" = {value}")
    return line


def _units(
    order: Sequence[Value], index: dict[Value, int], group_of: Sequence[str | None]
) -> list[int | str]:
    """Op results and collapsed scopes in an order where every consumer comes before its input.

    Without collapsed scopes this is the reverse topological order. A scope that a path leaves
    and re-enters cannot be one step; that is a ValueError naming it.
    """
    unit_of: list[int | str | None] = [
        g if g is not None else (i if node.parents else None)
        for i, (node, g) in enumerate(zip(order, group_of))
    ]
    position: dict[int | str, int] = {}  # a unit's latest node
    consumers: dict[int | str, set[int | str]] = {}
    for i, unit in enumerate(unit_of):
        if unit is not None:
            position[unit] = i
            consumers.setdefault(unit, set())
    for i, node in enumerate(order):
        for parent in node.parents:
            source, target = unit_of[index[parent]], unit_of[i]
            if source is not None and target is not None and source != target:
                consumers[source].add(target)
    return _consumers_first(consumers, position)


def _consumers_first(
    consumers: dict[int | str, set[int | str]], position: dict[int | str, int]
) -> list[int | str]:
    """The units, each after all its consumers, the latest in graph order first among those
    ready (Kahn's algorithm); a ValueError names a scope caught in a cycle."""
    waiting = {unit: len(users) for unit, users in consumers.items()}
    inputs: dict[int | str, set[int | str]] = {unit: set() for unit in consumers}
    for unit, users in consumers.items():
        for user in users:
            inputs[user].add(unit)
    ready = [(-position[u], str(u), u) for u, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    result: list[int | str] = []
    while ready:
        _, _, unit = heapq.heappop(ready)
        result.append(unit)
        for source in inputs[unit]:
            waiting[source] -= 1
            if waiting[source] == 0:
                heapq.heappush(ready, (-position[source], str(source), source))
    if len(result) < len(waiting):
        stuck = sorted(str(u) for u, n in waiting.items() if n and isinstance(u, str))
        raise ValueError(
            f"collapse: scope {stuck[0]!r} cannot be one step of the backward pass: a path "
            "leaves it and comes back in. Collapse a scope around both ends, or less."
        )
    return result


class _Walker:
    """The state of one backward walk: each node's grad so far and its uses still to come."""

    def __init__(self, order: list[Value], precision: int, group_of: list[str | None]) -> None:
        self.order, self.precision, self.group_of = order, precision, group_of
        self.names = qualified_names(order)
        self.index = {node: i for i, node in enumerate(order)}
        self.uses = [0] * len(order)  # edges into consumers whose step has not come yet
        for node in order:
            for parent in node.parents:
                self.uses[self.index[parent]] += 1
        self.grads: list[float | None] = [None] * len(order)
        last = len(order) - 1
        self.grads[last] = 1.0
        interior = sum(1 for node in order if node.parents)
        visits: list[Part] = [f"The backward pass visits the {interior} op results from ", last]
        self.steps = [
            _Step(
                ["Forward pass done: every value is known, no gradient yet"],
                lines=[
                    [*visits, " back to the inputs, in reverse topological order."],
                    [
                        "Each step multiplies the gradient that arrived by a local derivative "
                        "∂out/∂in, recorded when the op ran, and adds it to the input's gradient."
                    ],
                ],
            ),
            _Step(
                ["Seed: grad(", last, ") = ∂", last, "/∂", last, " = 1"],
                current=last,
                lines=[["grad(", last, ") = 1.0"]],
                updates=[(last, self.fmt(1.0), True)],
            ),
        ]

    def fmt(self, x: float | None) -> str:
        return "?" if x is None else format_number(x, self.precision)

    def send(self, i: int, j: int, local: float) -> tuple[float, float | None, float]:
        """Add node i's share to the grad of its input j: (contribution, before, after)."""
        g = self.grads[i]
        assert g is not None  # every consumer's step came first
        contribution = local * g
        before = self.grads[j]
        self.grads[j] = after = contribution if before is None else before + contribution
        self.uses[j] -= 1
        return contribution, before, after

    def complete(self, inputs: Sequence[int]) -> list[list[Part]]:
        done = [j for j in dict.fromkeys(inputs) if self.uses[j] == 0]
        if not done:
            return []
        line: list[Part] = ["complete: "]
        for k, j in enumerate(done):
            line += [", " if k else "", "grad(", j, f") = {self.fmt(self.grads[j])}"]
        return [line]

    def op(self, i: int) -> _Step:
        """Node i passes its grad to each input: the local formula, the product, the sum.

        All numbers of the step are shown together, so grad(i) reads the same in every line.
        """
        node, names = self.order[i], self.names
        parents = [self.index[p] for p in node.parents]
        g = self.grads[i]
        assert g is not None
        node_names = (names[i], *(names[j] for j in parents))
        numbers, relations = [g], []
        rows = []  # per input: j, formula, where its numbers are, summed?, grad after, complete?
        formulas = local_grad_formulas(node, node_names)
        for j, local, formula in zip(parents, node.local_grads, formulas):
            contribution, before, after = self.send(i, j, float(local))
            k = len(numbers)
            numbers += [float(local), contribution]
            relations.append(Sum(((k, 0),), k + 1))
            if before is not None:
                numbers += [before, after]
                relations.append(Sum(((k + 2,), (k + 1,)), k + 3))
            rows.append((j, formula, k, before is not None, after, self.uses[j] == 0))
        texts = shown(numbers, relations, self.precision)
        title: list[Part] = [i, f" = {forward_formula(node, node_names)}: pass grad(", i]
        step = _Step([*title, f") = {texts[0]} to its inputs"], current=i, inputs=parents)
        for j, formula, k, summed, after, complete in rows:
            local_text, contribution_text = texts[k], texts[k + 1]
            step.lines.append(_local_line(i, j, formula, local_text))
            product = f"{local_text} × {signed(texts[0])} = {contribution_text}"
            step.lines.append(["grad(", j, ") += ∂", i, "/∂", j, " × grad(", i, f") = {product}"])
            if summed:
                total = f"{texts[k + 2]} + {signed(contribution_text)} = {texts[k + 3]}"
                step.lines.append(["grad(", j, f") = {total}"])
            step.updates.append((j, self.fmt(after), complete))
        step.lines += self.complete(parents)
        return step

    def collapsed(self, scope: str) -> _Step:
        """A collapsed scope in one step: the chain rule inside it, summed per outside input."""
        order, group_of = self.order, self.group_of
        members = [i for i, g in enumerate(group_of) if g == scope]
        sent: dict[int, list[float]] = {}  # outside input -> its contributions, in order
        before: dict[int, float | None] = {}
        touched: dict[int, None] = {}
        for i in reversed(members):
            for parent, local in zip(order[i].parents, order[i].local_grads):
                j = self.index[parent]
                outside = group_of[j] != scope
                if outside and j not in sent:
                    sent[j], before[j] = [], self.grads[j]
                contribution, _, _ = self.send(i, j, float(local))
                touched[j] = None
                if outside:
                    sent[j].append(contribution)
        step = _Step(
            [f"{scope} (collapsed, {len(members)} values): pass its gradient to its inputs"],
            current=members[-1],
            scope=scope,
            inputs=list(sent),
        )
        step.lines.append([f"Inside {scope} the chain rule runs over its {len(members)} "
                           "values. What leaves the scope:"])  # fmt: skip
        for j, contributions in sent.items():
            total, start, after = sum(contributions), before[j], self.grads[j]
            assert after is not None
            count = f"   (the sum of {len(contributions)} chain-rule products inside {scope})"
            if start is None:
                step.lines.append(["grad(", j, f") += {self.fmt(total)}{count}"])
                continue
            texts = shown([start, total, after], [Sum(((0,), (1,)), 2)], self.precision)
            step.lines.append(["grad(", j, f") += {texts[1]}{count}"])
            step.lines.append(["grad(", j, f") = {texts[0]} + {signed(texts[1])} = {texts[2]}"])
        leaves = [i for i in members if not order[i].parents]
        if leaves:
            line: list[Part] = [f"its {len(leaves)} leaves: "]
            for k, i in enumerate(leaves[:LISTED_INSIDE]):
                line += [", " if k else "", "grad(", i, f") = {self.fmt(self.grads[i])}"]
            if len(leaves) > LISTED_INSIDE:
                line.append(f", and {len(leaves) - LISTED_INSIDE} more")
            step.lines.append(line)
        step.updates = [(j, self.fmt(self.grads[j]), self.uses[j] == 0) for j in touched]
        step.lines += self.complete(list(sent))
        return step
