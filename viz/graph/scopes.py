"""Name scopes (set by `autograd_core.name_scope`, e.g. by nn modules): how they nest, sort and
collapse. `groups(order, collapse)` says which collapsed scope each node is drawn in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from autograd_core import Value

__all__ = [
    "Collapse",
    "box_count",
    "collapse_rule",
    "groups",
    "inner_name",
    "outer_scope",
    "scope_sort_key",
    "scopes_hint",
]

Collapse = str | Iterable[str] | int
"""What `collapse=` takes: scope names (matching nested scopes too) or a depth."""


def collapse_rule(collapse: Collapse) -> Callable[[str | None], str | None]:
    """A function from a node's scope to the scope it collapses into (None: not collapsed)."""
    if isinstance(collapse, bool):
        raise TypeError("collapse= takes scope names or a depth (an int >= 1), not a bool")
    if isinstance(collapse, int):
        if collapse < 1:
            raise ValueError(f"collapse depth must be >= 1, got {collapse}")

        def by_depth(scope: str | None) -> str | None:
            parts = scope.split(".") if scope else []
            return ".".join(parts[:collapse]) if len(parts) >= collapse else None

        return by_depth
    names = (collapse,) if isinstance(collapse, str) else tuple(collapse)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"collapse= scope names must be non-empty str, got {name!r}")
    names = tuple(sorted(set(names), key=lambda n: (n.count("."), n)))  # outermost wins

    def by_name(scope: str | None) -> str | None:
        if scope:
            for name in names:
                if scope == name or scope.startswith(name + "."):
                    return name
        return None

    return by_name


def outer_scope(scope: str) -> str | None:
    """The scope that contains `scope` ('a.b' -> 'a', 'a' -> None).

    An index belongs to the name before it, so 'layers.0.neurons.3' sits in 'layers.0', not in
    'layers.0.neurons': an MLP reads as layers.0 > neurons.3, not layers > 0 > neurons > 3.
    """
    parts = scope.split(".")
    cut = len(parts) - 1
    if cut > 0 and parts[cut].isdigit():
        cut -= 1
    return ".".join(parts[:cut]) or None


def inner_name(scope: str) -> str:
    """The part of `scope` below its outer scope: the cluster's label."""
    outer = outer_scope(scope)
    return scope[len(outer) + 1 :] if outer else scope


def scope_sort_key(scope: str | None) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting `neurons.2` before `neurons.10`, and unscoped nodes first."""
    if not scope:
        return ()
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in scope.split("."))


def scopes_hint(order: Sequence[Value]) -> str:
    """A sentence naming the graph's outer scopes, for error messages ('' when it has none)."""
    scopes = sorted({outer_scope(n.scope) or n.scope for n in order if n.scope}, key=scope_sort_key)
    if not scopes:
        return ""
    shown = ", ".join(repr(s) for s in scopes[:8]) + (", ..." if len(scopes) > 8 else "")
    return f" Scopes in this graph: {shown}."


def groups(order: Sequence[Value], collapse: Collapse) -> list[str | None]:
    """The collapsed scope each node is drawn in (None: drawn on its own)."""
    if not isinstance(collapse, int | str):
        collapse = tuple(collapse)
    rule = collapse_rule(collapse)
    group_of = [rule(node.scope) for node in order]
    if not isinstance(collapse, int):
        for name in (collapse,) if isinstance(collapse, str) else collapse:
            if name not in group_of:
                raise ValueError(
                    f"collapse: no Value has scope {name!r} (or a scope inside it)."
                    + scopes_hint(order)
                )
    return group_of


def box_count(group_of: Sequence[str | None]) -> int:
    """How many boxes a view draws: one per uncollapsed node, one per collapsed scope."""
    return sum(g is None for g in group_of) + len(set(group_of) - {None})
