"""explain_backward: a self-contained HTML page that steps through the backward pass.

Step 0 is the forward pass (every grad unknown), step 1 seeds the root, and each later step takes
the next node in reverse topological order (or a whole collapsed scope) and passes its gradient
to its inputs, with each local-derivative formula and chain-rule product written out (see
`viz.explain.steps`). The page zooms and pans, keeps the current node in view and needs no network.
Its front end is static/page.html, page.js and page.css (with the pan/zoom and stepper modules
they import, which the explorer shares), inlined by `viz.frontend`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from autograd_core import Value

from ..drawing.digraph import svg_element
from ..drawing.draw import DrawOptions, draw_order
from ..frontend import bundle_css, bundle_js, fill_page
from ..graph.limits import DEFAULT_MAX_NODES, GraphTooLargeError
from ..graph.order import graph_order
from ..graph.scopes import Collapse, box_count, groups
from ..jupyter import script_json
from .animation import Animation, BackwardPage
from .steps import Walk, backward_steps, walk

__all__ = ["backward_steps", "explain_backward", "page_data", "svg_text"]

STATIC = Path(__file__).parent / "static"


def explain_backward(
    root: Value,
    *,
    rankdir: str = "LR",
    precision: int = 4,
    collapse: Collapse = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    backend: str | None = None,
    title: str | None = None,
    play_interval: float = 1.2,
) -> BackwardPage:
    """An HTML page that walks the backward pass of `root` one node at a time.

    >>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.backward()
    >>> page = viz.explain_backward(y)      # in Jupyter, display it: shown inline
    >>> page.save("backward.html").name     # or a file that opens in any browser
    'backward.html'

    Prev/next/play buttons (play advances every `play_interval` seconds); keys: → or n next,
    ← or p previous, space play/pause, Home/End, + − 0 to zoom; drag or wheel on the graph.
    `collapse` (as for `draw_dot`, e.g. `collapse=2` for an MLP's layers) draws a scope as one
    box and passes its gradient in one step. Self-contained (inline SVG, CSS and JS; no
    network). Displays inline in Jupyter; `.save('backward.html')` writes it, `.save('b.gif')`
    an animation for slides (one frame per step; see `BackwardPage`).
    """
    order = graph_order(root, "explain_backward")
    if not 0.01 <= play_interval <= 60:
        raise ValueError(f"play_interval is in seconds, 0.01 to 60, got {play_interval!r}")
    group_of = groups(order, collapse)
    boxes = box_count(group_of)
    if max_nodes is not None and boxes > max_nodes:
        raise GraphTooLargeError(
            f"explain_backward: the graph has {boxes} boxes, more than max_nodes={max_nodes}; "
            "step through a sub-expression, collapse scopes (collapse=2), or raise max_nodes "
            "(each box adds a step)"
        )
    steps = walk(order, precision, collapse)
    shown: set[int] = set()  # the nodes whose grad the drawing shows

    def grad_of(i: int, node: Value) -> float:
        shown.add(i)
        return steps.grads[i]

    # Laid out with the final grads, so every field is wide enough; the script shows each step.
    graph = draw_order(
        order,
        DrawOptions(
            rankdir=rankdir,
            show_local_grads=True,
            show_ids=True,
            precision=precision,
            backend=backend,
        ),  # fmt: skip
        collapse=collapse,
        max_nodes=max_nodes,
        grad_of=grad_of,
    )
    svg = svg_text(graph.pipe(format="svg", encoding="utf-8"))
    page_title = title or f"Backward pass of {steps.names[-1]}"
    data = page_data(steps, shown)
    data["interval_ms"] = round(play_interval * 1000)
    parts = {
        "TITLE": html.escape(page_title),
        "CSS": bundle_css(STATIC / "page.css"),
        "SVG": svg,
        "DATA": script_json(data),
        "SCRIPT": bundle_js(STATIC / "page.js"),
    }
    page = fill_page(STATIC / "page.html", parts)
    animation = Animation(graph, steps, data["box"], set(data["hidden"]), play_interval)
    return BackwardPage(page, animation, height=_frame_height(svg), title=page_title)


def _frame_height(svg: str, width: float = 800) -> int:
    """Pixels for the page's iframe in Jupyter: the controls and text, and the drawing as it
    shows when fitted to about `width` pixels (at most 900 in all)."""
    size = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if not size:
        return 640
    w, h = (float(v) * 4 / 3 for v in size.groups())
    return int(max(420, min(h * min(1.0, width / w) + 310, 900)))


def page_data(steps: Walk, shown: set[int]) -> dict[str, Any]:
    """The steps as compact JSON-ready data for the page's script (names stored once).

    Each step is `[title parts, current node or -1, inputs, lines (as parts), updates]`; a part
    is text or a node index (its name goes there); updates are flat `[node, grad text, 0/1]`.
    `box` maps a node inside a collapsed scope to the scope's box id (`s0`, `s1`, ... in order
    of first appearance, as the drawing numbers them); `hidden` lists the nodes whose grad the
    drawing does not show (those not in `shown`).
    """
    scope_ids = {g: f"s{k}" for k, g in enumerate(dict.fromkeys(filter(None, steps.group_of)))}
    box = {i: scope_ids[g] for i, g in enumerate(steps.group_of) if g is not None}
    return {
        "names": steps.names,
        "count": len(steps.order),
        "box": box,
        "hidden": [i for i in range(len(steps.order)) if i not in shown],
        "steps": [
            [
                _merge(s.title),
                -1 if s.current is None else s.current,
                s.inputs,
                [_merge(line) for line in s.lines],
                [x for j, text, final in s.updates for x in (j, text, int(final))],
            ]
            for s in steps.steps
        ],
    }


def svg_text(svg: str) -> str:
    """The `<svg>` element alone and smaller: no comments, no `<title>`s (they hold node ids),
    and one font-family on the root when every text has the same one."""
    svg = svg_element(svg)
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg)
    fonts = set(re.findall(r' font-family="([^"]*)"', svg))
    if len(fonts) == 1:
        svg = svg.replace(f' font-family="{next(iter(fonts))}"', "")
        svg = svg.replace("<svg", f'<svg font-family="{next(iter(fonts))}"', 1)
    return svg


def _merge(parts: list[str | int]) -> list[str | int]:
    merged: list[str | int] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif p != "":
            merged.append(p)
    return merged
