"""explain_backward: a self-contained HTML page that steps through the backward pass.

Step 0 is the forward pass (every grad unknown), step 1 seeds the root, and each later step
takes the next node in reverse topological order and passes its gradient to its inputs, showing
each chain-rule update with the actual numbers. The gradients are recomputed from the recorded
local derivatives, so the page neither needs nor touches `.grad`.
"""

from __future__ import annotations

import html
import json
import re

from autograd_core import Value

from .draw import (
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    _draw,
    _Options,
    _order,
    format_number,
    node_name,
)
from .explain_page import TEMPLATE
from .jupyter import HTMLPage

__all__ = ["backward_steps", "explain_backward"]

_INFIX = {"+", "-", "*", "/", "**"}


def _formula(op: str, names: list[str]) -> str:
    if op in _INFIX and len(names) == 2:
        return f"{names[0]} {op} {names[1]}"
    if op.startswith("**"):
        return f"{names[0]}{op}"
    if op == "neg":
        return f"-{names[0]}"
    return f"{op}({', '.join(names)})"


def backward_steps(root: Value, precision: int = 4) -> list[dict]:
    """The steps the page shows, as plain data (titles, text lines, which grads change)."""
    return _steps(_order(root, "backward_steps"), precision)[0]


def _steps(order: list[Value], precision: int) -> tuple[list[dict], list[float | None]]:
    def fmt(x: float) -> str:
        return format_number(x, precision)

    index = {node: i for i, node in enumerate(order)}
    names = [node_name(i, node) for i, node in enumerate(order)]
    uses = [0] * len(order)  # edges into consumers not processed yet
    for node in order:
        for parent in node.parents:
            uses[index[parent]] += 1
    grads: list[float | None] = [None] * len(order)
    last = len(order) - 1
    interior = sum(1 for node in order if node.parents)
    steps = [
        {
            "title": "Forward pass done: every value is known, no gradient yet",
            "current": None,
            "inputs": [],
            "lines": [
                f"The backward pass visits the {interior} op results from {names[last]} back "
                "to the inputs, in reverse topological order.",
                "Orange: a gradient still being summed. Bold: complete.",
            ],
            "updates": [],
        },
        {
            "title": f"Seed: grad({names[last]}) = d{names[last]}/d{names[last]} = 1",
            "current": last,
            "inputs": [],
            "lines": [f"grad({names[last]}) = 1.0"],
            "updates": [[last, fmt(1.0), True]],
        },
    ]
    grads[last] = 1.0
    for i in reversed(range(len(order))):
        node = order[i]
        if not node.parents:
            continue
        g = grads[i]
        parent_ids = [index[p] for p in node.parents]
        lines, updates = [], []
        for j, local in zip(parent_ids, node.local_grads):
            local = float(local)
            contribution = local * g
            before = grads[j]
            grads[j] = contribution if before is None else before + contribution
            uses[j] -= 1
            line = (
                f"grad({names[j]}) += ∂{names[i]}/∂{names[j]} × grad({names[i]}) = "
                f"{fmt(local)} × {fmt(g)} = {fmt(contribution)}"
            )
            if before is not None:
                line += f"   → {fmt(before)} + {fmt(contribution)} = {fmt(grads[j])}"
            lines.append(line)
            updates.append([j, fmt(grads[j]), uses[j] == 0])
        done = [j for j in dict.fromkeys(parent_ids) if uses[j] == 0]
        if done:
            lines.append(
                "complete: " + ", ".join(f"grad({names[j]}) = {fmt(grads[j])}" for j in done)
            )
        formula = _formula(node.op, [names[j] for j in parent_ids])
        steps.append(
            {
                "title": f"{names[i]} = {formula}: pass grad({names[i]}) = {fmt(g)} to its inputs",
                "current": i,
                "inputs": parent_ids,
                "lines": lines,
                "updates": updates,
            }
        )
    return steps, grads


def explain_backward(
    root: Value,
    *,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    backend: str | None = None,
    title: str | None = None,
    play_interval: float = 1.2,
) -> HTMLPage:
    """An HTML page that walks the backward pass of `root` one node at a time.

    Prev/next/play buttons (play advances every `play_interval` seconds); keys: → or n next,
    ← or p previous, space play/pause, Home/End.
    Self-contained (inline SVG, CSS and JS; no network). Displays inline in Jupyter;
    `.save('backward.html')` writes it.
    """
    order = _order(root, "explain_backward")
    if not 0.01 <= play_interval <= 60:
        raise ValueError(f"play_interval is in seconds, 0.01 to 60, got {play_interval!r}")
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"explain_backward: the graph has {len(order)} Values, more than "
            f"max_nodes={max_nodes}; step through a sub-expression, or raise max_nodes "
            "(each Value adds a step)"
        )
    steps, grads = _steps(order, precision)
    # Laid out with the final grads, so every field is wide enough; the script shows each step.
    graph = _draw(
        order,
        _Options(rankdir, True, True, True, True, True, precision, backend),
        max_nodes=max_nodes,
        grad_of=lambda i, node: grads[i],
    )
    svg = graph.pipe(format="svg", encoding="utf-8")
    svg = svg[svg.index("<svg") :]
    page_title = title or f"Backward pass of {node_name(len(order) - 1, order[-1])}"
    data = {"steps": steps, "count": len(order), "interval_ms": round(play_interval * 1000)}
    payload = (
        json.dumps(data, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    parts = {"TITLE": html.escape(page_title), "SVG": svg, "DATA": payload}
    page = re.sub(r"\{\{(TITLE|SVG|DATA)\}\}", lambda m: parts[m.group(1)], TEMPLATE)
    match = re.search(r'height="([\d.]+)pt"', svg)
    height = int(float(match.group(1)) * 4 / 3) + 280 if match else 600
    return HTMLPage(page, height=max(360, min(height, 900)), title=page_title)
