"""The boxes and edges of a drawing, before Graphviz sees them.

`Boxes(order, ...)` turns a topological order into a record per Value (name, data, grad), an
ellipse per op and one rounded box per collapsed scope, with the edges between them, in graph
order. `cut_long_edges` then redraws the edges the layout plan cuts from a dashed copy of their
tail placed beside their head (see `viz.drawing.layout_plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from autograd_core import Value

from ..graph.names import node_name, qualified_names
from ..graph.numbers import as_float, format_number
from ..graph.scopes import outer_scope, scope_sort_key
from .options import DrawOptions
from .theme import THEMES

__all__ = ["Box", "Boxes", "Edge"]

Edge = tuple[int, int, dict[str, str]]
"""(tail box, head box, DOT attributes)."""


@dataclass
class Box:
    """A node about to be drawn: its id, the scope whose cluster holds it, text and attributes."""

    id: str
    scope: str | None
    fields: list[str]
    attrs: dict[str, str]
    record: bool = True
    sort: tuple[object, ...] = ()
    name: str = ""  # what a copy of it shows


class Boxes:
    """The boxes and edges of `order` (a topological order), built by `build()`.

    `group_of[i]` is the collapsed scope node i is drawn in (None: its own box), `grad_of(i,
    node)` the grad its box shows, `notes` an extra line for some leaves (summed grads).
    """

    def __init__(
        self,
        order: Sequence[Value],
        opts: DrawOptions,
        group_of: Sequence[str | None],
        grad_of: Callable[[int, Value], object],
        notes: dict[int, str],
    ) -> None:
        self.order, self.opts, self.group_of = order, opts, group_of
        self.theme = THEMES[opts.theme]
        self.grad_of, self.notes = grad_of, notes
        self.index = {node: i for i, node in enumerate(order)}
        self.qualified = qualified_names(order)
        self.members = _members(group_of)
        self.group_id = {g: f"s{k}" for k, g in enumerate(self.members)}
        self.outputs = _group_outputs(order, group_of, self.index)
        self.clustered = _clustered_scopes(order, group_of, opts.cluster)
        self.boxes: list[Box] = []
        self.edges: list[Edge] = []
        self._box_of: dict[str, int] = {}  # id -> position in boxes
        self._group_edges: set[tuple[int, int]] = set()

    def build(self) -> None:
        """Add every node's box, in graph order: its own record and op, or its scope's box."""
        for i, node in enumerate(self.order):
            group = self.group_of[i]
            if group is None:
                self._add_value(i, node)
            else:
                self._add_to_group(i, node, group)

    def fmt(self, x: object) -> str:
        return format_number(as_float(x), self.opts.precision)

    def _add(self, box: Box) -> int:
        self._box_of[box.id] = len(self.boxes)
        self.boxes.append(box)
        return len(self.boxes) - 1

    def _value_box(self, j: int) -> int:
        """The box that shows node j: its own, or its collapsed scope's."""
        group = self.group_of[j]
        return self._box_of[self.group_id[group] if group is not None else f"v{j}"]

    def _home(self, scope: str | None) -> str | None:
        """The innermost drawn cluster holding `scope` (None: the top level)."""
        while scope and scope not in self.clustered:
            scope = outer_scope(scope)
        return scope

    # --- collapsed scopes ----------------------------------------------------------------------

    def _add_to_group(self, i: int, node: Value, group: str) -> None:
        if i == self.members[group][0]:
            self._add_group_box(group, i)
        target = self._box_of[self.group_id[group]]
        for parent in node.parents:
            source = self._value_box(self.index[parent])
            if source != target and (source, target) not in self._group_edges:
                self._group_edges.add((source, target))
                self.edges.append((source, target, {}))

    def _add_group_box(self, group: str, first: int) -> None:
        """A scope's box: its name, its size and, for a single output, that output's numbers."""
        where = self._home(outer_scope(group))
        shown = group[len(where) + 1 :] if where else group
        fields = [shown, f"{len(self.members[group])} values"]
        outputs = self.outputs[group]
        if len(outputs) == 1:
            (j,) = outputs
            node = self.order[j]
            fields += [f"data {self.fmt(node.data)}", f"grad {self.fmt(self.grad_of(j, node))}"]
        else:
            fields.append(f"{len(outputs)} outputs")
        attrs = {"style": "filled,rounded", "fillcolor": self.theme.group_fill}
        attrs["tooltip"] = group
        sort = (scope_sort_key(group), first)
        self._add(Box(self.group_id[group], where, fields, attrs, sort=sort, name=shown))

    # --- Values and ops ------------------------------------------------------------------------

    def _add_value(self, i: int, node: Value) -> None:
        """Node i's record and, for an op result, the op's ellipse and its input edges."""
        name = self._name(i, node)
        fields, attrs = self._record(i, node, name)
        sort = (scope_sort_key(node.scope), i)
        record = self._add(Box(f"v{i}", node.scope, fields, attrs, sort=sort, name=name))
        if node.parents:
            self._add_op(i, node, record, sort)

    def _name(self, i: int, node: Value) -> str:
        if self.opts.show_ids:
            return self.qualified[i]
        if not self.opts.cluster and node.scope and node.label:
            return f"{node.scope}.{node.label}"
        return node_name(i, node)

    def _record(self, i: int, node: Value, name: str) -> tuple[list[str], dict[str, str]]:
        """A Value's record fields (name, data, grad, note) and its look (`viz.drawing.theme`)."""
        fields = [name] if node.label or self.opts.show_ids else []
        if self.opts.show_data:
            fields.append(f"data {self.fmt(node.data)}")
        if self.opts.show_grad:
            grad = self.grad_of(i, node)
            fields.append(f"grad {self.fmt(grad) if grad is not None else '?'}")
        theme, tooltip = self.theme, self.qualified[i]
        attrs: dict[str, str] = {}
        if not node.parents and node.label:
            attrs.update(style="filled", fillcolor=theme.leaf_fill)
        elif not node.parents:  # a constant, made from a plain number
            attrs.update(color=theme.muted, fontcolor=theme.muted)
            tooltip += f" (constant {self.fmt(node.data)})"
        if i in self.notes:
            fields.append(self.notes[i])
            attrs.update(color=theme.accent, penwidth="2")
            tooltip += f": grad summed over several backward() calls ({self.notes[i]})"
        if i == len(self.order) - 1:
            attrs["penwidth"] = "2"
        attrs["tooltip"] = tooltip
        return fields, attrs

    def _add_op(self, i: int, node: Value, record: int, sort: tuple[object, ...]) -> None:
        attrs = {"tooltip": f"{self.qualified[i]} = {node.op}(...)", "margin": "0.04,0.02"}
        op = self._add(Box(f"v{i}_op", node.scope, [str(node.op)], attrs, record=False, sort=sort))
        self.edges.append((op, record, {"id": f"e{i}"}))
        for k, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            edge = {"id": f"e{i}_{k}"}
            if self.opts.show_local_grads:
                edge["label"] = self.fmt(local)
            self.edges.append((self._value_box(self.index[parent]), op, edge))

    # --- long edges ----------------------------------------------------------------------------

    def cut_long_edges(self, cut: Iterable[int]) -> set[int]:
        """Draw each edge in `cut` from a dashed copy of its tail beside its head (one copy per
        tail and head); return the copies' boxes."""
        copies: dict[tuple[int, int], int] = {}
        for k in sorted(cut):
            tail, head, attrs = self.edges[k]
            if (tail, head) not in copies:
                copies[tail, head] = self._add(self._copy(self.boxes[tail], self.boxes[head]))
            self.edges[k] = (copies[tail, head], head, attrs)
        return set(copies.values())

    def _copy(self, original: Box, near: Box) -> Box:
        if not original.fields or original.fields[0] != original.name:
            original.fields.insert(0, original.name)  # the copy names it, so must it
        attrs = {
            "style": "dashed",
            "color": self.theme.muted,
            "tooltip": f"{original.attrs['tooltip']} (drawn again near its use)",
        }
        box_id = f"{original.id}_at_{near.id}"
        return Box(box_id, near.scope, [original.name], attrs, sort=near.sort)


def _members(group_of: Sequence[str | None]) -> dict[str, list[int]]:
    """The nodes of each collapsed scope, scopes in order of first appearance."""
    members: dict[str, list[int]] = {}
    for i, group in enumerate(group_of):
        if group is not None:
            members.setdefault(group, []).append(i)
    return members


def _group_outputs(
    order: Sequence[Value], group_of: Sequence[str | None], index: dict[Value, int]
) -> dict[str, dict[int, None]]:
    """A collapsed scope's outputs: its Values used outside it (or the root), in order. The
    scope's box shows the numbers of a single one."""
    outputs: dict[str, dict[int, None]] = {g: {} for g in _members(group_of)}
    for i, node in enumerate(order):
        for parent in node.parents:
            j = index[parent]
            inside = group_of[j]
            if inside is not None and inside != group_of[i]:
                outputs[inside][j] = None
    last = group_of[-1]
    if last is not None:
        outputs[last][len(order) - 1] = None
    return outputs


def _clustered_scopes(
    order: Sequence[Value], group_of: Sequence[str | None], cluster: bool
) -> set[str]:
    """The scopes drawn as clusters: those holding uncollapsed Values, and their outer scopes.

    A scope left with only collapsed boxes gets no cluster: its boxes show their full names,
    and dot keeps them in order (it cannot inside a cluster)."""
    clustered: set[str] = set()
    for node, group in zip(order, group_of):
        scope = node.scope if group is None and cluster else None
        while scope:
            clustered.add(scope)
            scope = outer_scope(scope)
    return clustered
