"""Plan a drawing before Graphviz lays it out: its orientation, and which long edges to cut short.

`plan(shapes, edges, rankdir)` takes the boxes about to be drawn (their estimated sizes) and the
edges between them, and returns the direction to draw in and the edges to draw from a copy of
their tail placed next to their head.

Why: dot puts every node on a rank and turns an edge that spans k ranks into k - 1 invisible
"virtual" nodes; crossing minimization and coordinate assignment grow with them. In
`x*x*...*x` with n factors, `x` feeds an op on every other rank, so the layout holds about n²
virtual nodes (40,000 for n = 200) and used to take minutes. So edges longer than `LONG_SPAN`
ranks, and past `VIRTUAL_BUDGET` the longest edges until the estimate is within budget, are
drawn from a dashed copy of their tail (`x` again, beside the op that uses it): layout time
stays bounded for every graph within max_nodes (measured in `python -m benchmarks.layout`).
Small graphs keep every edge.

The orientation rule (`rankdir=None`): estimate the drawing's width in both directions, LR
(ranks left to right) and TB (top to bottom), and how much an output `NOTEBOOK_WIDTH_PX`
wide must shrink each; draw TB if that keeps its text at least 5% larger, else LR (so LR when
both fit unshrunk: wide shallow graphs stay LR; deep ones, such as a chain of 30 ops, turn TB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NOTEBOOK_WIDTH_PX", "VIRTUAL_BUDGET", "Plan", "Shape", "plan", "ranks"]

NOTEBOOK_WIDTH_PX = 833
"""Output width of a notebook cell in JupyterLab's default layout at a 1280 px wide window."""

VIRTUAL_BUDGET = 3000
"""Virtual nodes (rank crossings of long edges) allowed before long edges are cut short."""

MIN_CUT_SPAN = 3
"""Only edges spanning more ranks than this are ever cut short."""

LONG_SPAN = 16
"""Edges spanning more ranks than this (eight ops) are always cut short: past that, a bundle of
long edges reads as a curtain, and a copy of the tail beside its use reads better."""

# Graphviz's defaults, in points: space between ranks and between nodes on a rank.
RANKSEP = 36.0
NODESEP = 18.0
CHAR_WIDTH = 6.7  # Helvetica at 12 pt, averaged over digits and letters
FIELD_PAD = 16.0
LINE_HEIGHT = 23.0
OP_HEIGHT = 22.0


@dataclass(frozen=True)
class Shape:
    """A box about to be drawn: its record fields (a record) or its text (an ellipse)."""

    fields: tuple[str, ...]
    record: bool = True

    def size(self, rankdir: str) -> tuple[float, float]:
        """Estimated (width, height) in points: LR lays a record's fields side by side, TB
        stacks them (the drawing writes records as `{a | b}`, which dot flips with the ranks)."""
        widths = [len(f) * CHAR_WIDTH + FIELD_PAD for f in self.fields] or [FIELD_PAD]
        if not self.record:
            return max(widths[0] + FIELD_PAD, 40.0), OP_HEIGHT
        if rankdir in ("LR", "RL"):
            return sum(widths), LINE_HEIGHT + 13
        return max(widths), LINE_HEIGHT * len(widths) + 13


@dataclass(frozen=True)
class Plan:
    """What `plan` decided: the direction, the edges to draw from a copy of their tail, and the
    estimates it used (for benchmarks and tests)."""

    rankdir: str
    cut: frozenset[int]
    virtual: int
    virtual_after: int
    widths: dict[str, float]


def ranks(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """Ranks much as dot's network simplex assigns them (it minimizes the total edge length).

    Start from the longest path, then sweep the nodes (latest first): each moves within the
    room its edges leave, to its latest rank when it has more out-edges than in-edges, else to
    its earliest. An input that feeds only this node (and whose own inputs do the same) moves
    with it, so it does not hold it back: `w * x` over its own leaves sits just before the op
    that uses it; a leaf used many times sits just before its first use.
    """
    ins: list[list[int]] = [[] for _ in range(count)]
    outs: list[list[int]] = [[] for _ in range(count)]
    for tail, head in edges:
        outs[tail].append(head)
        ins[head].append(tail)
    topo = _topological(ins, outs)
    rank = [0] * count
    for node in topo:
        for head in outs[node]:
            rank[head] = max(rank[head], rank[node] + 1)
    floating = [False] * count  # feeds one node only, and so does everything it depends on
    for node in topo:
        floating[node] = len(outs[node]) == 1 and all(floating[t] for t in ins[node])
    for node in reversed(topo):
        pulling = sum(1 for t in ins[node] if not floating[t])
        if outs[node] and (not ins[node] or len(outs[node]) > pulling):
            rank[node] = min(rank[h] for h in outs[node]) - 1
    low = min(rank, default=0)
    return [r - low for r in rank]


def _topological(ins: Sequence[list[int]], outs: Sequence[list[int]]) -> list[int]:
    """The boxes in an order where every edge points forward (Kahn's algorithm)."""
    topo: list[int] = []
    waiting = [len(tails) for tails in ins]
    ready = [i for i, n in enumerate(waiting) if not n]
    while ready:
        node = ready.pop()
        topo.append(node)
        for head in outs[node]:
            waiting[head] -= 1
            if not waiting[head]:
                ready.append(head)
    if len(topo) != len(ins):
        raise ValueError("the drawing's edges form a cycle")
    return topo


def _extent(
    shapes: Sequence[Shape], rank: Sequence[int], virtual_per_rank: Sequence[int], rankdir: str
) -> float:
    """Estimated width in points of the drawing in direction `rankdir`."""
    depth = len(virtual_per_rank)
    along = [0.0] * depth  # the rank's thickness along the ranks' direction
    across = [NODESEP * v for v in virtual_per_rank]  # the rank's length
    for shape, r in zip(shapes, rank):
        w, h = shape.size(rankdir)
        thick, long = (w, h) if rankdir in ("LR", "RL") else (h, w)
        along[r] = max(along[r], thick)
        across[r] += long + NODESEP
    if rankdir in ("LR", "RL"):
        return sum(along) + RANKSEP * (depth - 1)
    return max(across, default=0.0)


def _virtual(rank: Sequence[int], edges: Sequence[tuple[int, int]], depth: int) -> list[int]:
    """How many virtual nodes each rank holds (a difference array over the edges' spans)."""
    diff = [0] * (depth + 1)
    for tail, head in edges:
        if rank[head] - rank[tail] > 1:
            diff[rank[tail] + 1] += 1
            diff[rank[head]] -= 1
    out, running = [], 0
    for d in diff[:depth]:
        running += d
        out.append(running)
    return out


def plan(
    shapes: Sequence[Shape],
    edges: Sequence[tuple[int, int]],
    rankdir: str | None,
    *,
    budget: int | None = None,
    width_px: int = NOTEBOOK_WIDTH_PX,
) -> Plan:
    """Choose the direction (when `rankdir` is None) and the edges to cut short (see above)."""
    budget = VIRTUAL_BUDGET if budget is None else budget
    rank = ranks(len(shapes), edges)
    spans = [rank[h] - rank[t] for t, h in edges]
    virtual = sum(s - 1 for s in spans if s > 1)
    remaining = virtual
    cut: set[int] = set()
    for k in sorted(range(len(edges)), key=lambda k: -spans[k]):
        if spans[k] <= MIN_CUT_SPAN or (spans[k] <= LONG_SPAN and remaining <= budget):
            break
        cut.add(k)
        remaining -= spans[k] - 1  # the copy sits one rank before the head: no crossing
    kept = [e for k, e in enumerate(edges) if k not in cut]
    depth = max(rank, default=0) + 1
    per_rank = _virtual(rank, kept, depth)
    widths = {d: _extent(shapes, rank, per_rank, d) for d in ("LR", "TB")}
    if rankdir is None:
        limit = width_px * 72 / 96  # points

        def shrink(d: str) -> float:
            return min(1.0, limit / max(widths[d], 1.0))

        rankdir = "TB" if shrink("TB") > shrink("LR") * 1.05 else "LR"
    return Plan(rankdir, frozenset(cut), virtual, remaining, widths)
