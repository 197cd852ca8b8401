"""explore(root): a Jupyter widget with a slider per labelled leaf; moving one recomputes the graph.

    >>> x = Value(2.0, label="x"); y = x * x
    >>> explorer = viz.explore(y)      # in Jupyter: the drawing, sliders, a step control
    >>> explorer.set(x=3.0)            # what dragging the slider for x does
    >>> explorer.root.data, explorer.leaves["x"].grad
    (9.0, 6.0)

Built on anywidget (JupyterLab, Notebook 7, VS Code, Colab). The widget computes nothing in the
browser: a slider sends its value, Python rebuilds the recorded graph with the same ops
(`replay`), runs `backward()` on the copy and sends the new drawing, values, gradients and
steps back. The Values you passed in are never changed. Its front end is static/widget.js and
widget.css (with the explain page's pan/zoom and stepper, which they import).
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from autograd_core import Value, apply, enable_grad

from ..drawing.draw import DrawOptions, draw_order
from ..drawing.layout_program import RendererNotFound
from ..explain.page import page_data, svg_text
from ..explain.steps import chain_rule_lines, walk
from ..frontend import bundle_css, bundle_js, widget_source
from ..graph.limits import DEFAULT_MAX_NODES
from ..graph.names import qualified_names
from ..graph.numbers import format_number
from ..graph.order import graph_order
from ..graph.scopes import Collapse, groups
from ..jupyter import with_snapshot

__all__ = ["Explorer", "explore", "replay", "slider_range"]

STATIC = Path(__file__).parent / "static"


def replay(order: Sequence[Value], data: Mapping[int, float]) -> list[Value]:
    """The graph of `order` (a topological order) built again with the same ops, as a new list.

    Leaf `i` gets `data[i]` when given (else its own number); labels and scopes are copied.
    Each op is its node's own row of the op table (`autograd_core.apply(node.op, ...)`).
    """
    index = {node: i for i, node in enumerate(order)}
    new: list[Value] = []
    with enable_grad():
        for i, node in enumerate(order):
            args = [new[index[p]] for p in node.parents]
            out = apply(node.op, *args) if node.op else Value(data.get(i, node.data))
            out.label, out.scope = node.label, node.scope
            new.append(out)
    return new


def slider_range(value: float) -> tuple[float, float, float]:
    """(min, max, step) of a leaf's slider: value ± max(1, 2|value|), in about 200 steps.

    The ends sit on the step grid, so the slider's values are round numbers.
    """
    half = max(1.0, 2 * abs(value))
    step = 10.0 ** math.floor(math.log10(2 * half / 200))
    low = math.floor((value - half) / step) * step
    high = math.ceil((value + half) / step) * step
    return _round(low, step), _round(high, step), step


def _round(x: float, step: float) -> float:
    return round(x, max(0, -math.floor(math.log10(step))))


class Explorer(anywidget.AnyWidget):
    """The widget `explore()` returns. `set(x=3.0)` moves a slider; `root` and `leaves` give
    the current graph (a copy: the Values you passed in are never changed).

    >>> x = Value(2.0, label="x"); y = x * x
    >>> explorer = viz.explore(y); explorer.set(x=3.0)
    >>> explorer.root.data, explorer.leaves["x"].grad, x.data    # the copy moved; x did not
    (9.0, 6.0, 2.0)
    """

    _esm = widget_source(STATIC / "widget.js", bundle_js)
    _css = widget_source(STATIC / "widget.css", bundle_css)
    svg = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    sliders: traitlets.List[dict[str, Any]] = traitlets.List([]).tag(sync=True)
    inputs = traitlets.Dict({}).tag(sync=True)
    nodes: traitlets.List[dict[str, Any]] = traitlets.List([]).tag(sync=True)
    steps = traitlets.Dict({}).tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        root: Value,
        *,
        ranges: Mapping[str, tuple[float, float]] | None = None,
        precision: int = 4,
        rankdir: str | None = None,
        collapse: Collapse = (),
        max_nodes: int | None = DEFAULT_MAX_NODES,
        backend: str | None = None,
    ) -> None:
        order = graph_order(root, "explore")
        self._options = DrawOptions(
            rankdir=rankdir, show_ids=True, precision=precision, backend=backend
        )
        self._collapse, self._max_nodes = collapse, max_nodes
        groups(order, collapse)  # a bad collapse= is an error now, not in the widget
        first = replay(order, {})
        self._check_replay(order, first)
        first[-1].backward()
        names = qualified_names(first)
        self._slider_index = {
            names[i]: i for i, node in enumerate(order) if node.is_leaf and node.label
        }
        sliders = []
        for name, i in self._slider_index.items():
            low, high, step = slider_range(order[i].data)
            if ranges and name in ranges:
                low, high = _checked_range(name, ranges[name])
                step = (high - low) / 200
            sliders.append({"name": name, "index": i, "min": low, "max": high, "step": step})
        unknown = sorted(set(ranges or ()) - set(self._slider_index))
        if unknown:
            raise self._no_slider("explore(ranges=...)", unknown[0])
        self._order = order
        self.graph: list[Value] = first
        super().__init__(
            sliders=sliders,
            inputs={name: order[i].data for name, i in self._slider_index.items()},
        )
        self._show(first)
        self.observe(self._on_inputs, names="inputs")

    @property
    def root(self) -> Value:
        """The output of the current graph (rebuilt after every slider move or `set`)."""
        return self.graph[-1]

    @property
    def leaves(self) -> dict[str, Value]:
        """The current graph's leaves that have sliders, by name."""
        return {name: self.graph[i] for name, i in self._slider_index.items()}

    def set(self, values: Mapping[str, float] | None = None, /, **named: float) -> None:
        """Move sliders from Python: `set(x=3.0)`, or `set({"layers.0.w1": 0.5})`.

        Recomputes forward and backward and redraws, as dragging does. A math error (`log`
        of a negative number, ...) raises and leaves the explorer as it was.
        """
        asked = {**(values or {}), **named}
        inputs = dict(self.inputs)
        for name, value in asked.items():
            if name not in self._slider_index:
                raise self._no_slider("explorer.set()", name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"explorer.set(): {name} takes a number, got {value!r}")
            inputs[name] = float(value)
        graph = self._rebuild(inputs)  # raises before anything changes
        with self.hold_sync():
            self.sliders = [_widened(s, inputs[s["name"]]) for s in self.sliders]
            self.unobserve(self._on_inputs, names="inputs")
            try:
                self.inputs = inputs
            finally:
                self.observe(self._on_inputs, names="inputs")
            self._show(graph)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, and for static pages the drawing as it stands and the sliders."""
        snapshot = (
            f'<div style="max-width:100%;overflow:hidden">{self.svg}</div>' if self.svg else ""
        )
        snapshot += f"<p><code>{html.escape(repr(self))}</code></p>"
        return with_snapshot(super()._repr_mimebundle_(**kwargs), snapshot)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={format_number(v.data)}" for n, v in self.leaves.items())
        state = f"; {self.error.splitlines()[0]}" if self.error else ""
        out = self.nodes[-1] if self.nodes else {"name": "?", "data": "?"}
        return f"<Explorer of {out['name']} = {out['data']}: sliders {shown or 'none'}{state}>"

    # --- internals ---------------------------------------------------------------------------

    def _rebuild(self, inputs: Mapping[str, float]) -> list[Value]:
        data = {i: float(inputs[name]) for name, i in self._slider_index.items() if name in inputs}
        graph = replay(self._order, data)
        graph[-1].backward()
        return graph

    def _on_inputs(self, change: Mapping[str, Any]) -> None:
        """A slider moved in the browser: rebuild, or show the math error and keep the graph."""
        try:
            inputs = {k: float(v) for k, v in change["new"].items()}
            graph = self._rebuild(inputs)
        except (TypeError, ValueError, ArithmeticError) as error:
            with self.hold_sync():
                self.error = f"{error}"
                self.revision += 1
            return
        self._show(graph)

    def _show(self, graph: list[Value]) -> None:
        """Send the drawing, every node's numbers and formulas, and the steps of `graph`."""
        precision = self._options.precision
        steps = walk(graph, precision, self._collapse)
        shown: set[int] = set()
        svg, error = _drawing(graph, self._options, self._collapse, self._max_nodes, shown)
        lines = chain_rule_lines(steps, precision)
        nodes = [
            {
                "name": steps.names[i],
                "op": str(node.op or ""),
                "data": format_number(node.data, precision),
                "grad": format_number(node.grad, precision),
                "lines": lines[i],
            }
            for i, node in enumerate(graph)
        ]
        self.graph = graph
        with self.hold_sync():
            self.svg = svg
            self.error = error
            self.nodes = nodes
            self.steps = page_data(steps, shown)
            self.revision += 1

    def _no_slider(self, caller: str, name: str) -> ValueError:
        sliders = ", ".join(self._slider_index) or "none (label a leaf to get one)"
        return ValueError(f"{caller}: no slider named {name!r}; the sliders are {sliders}")

    def _check_replay(self, order: Sequence[Value], graph: Sequence[Value]) -> None:
        for node, new in zip(order, graph):
            if not math.isclose(node.data, new.data, rel_tol=1e-12, abs_tol=1e-300) and not (
                math.isnan(node.data) and math.isnan(new.data)
            ):
                raise ValueError(
                    f"explore(): rebuilding {node.op!r} gives {new.data!r}, but the graph "
                    f"recorded {node.data!r}; this graph cannot be explored"
                )


def explore(
    root: Value,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    precision: int = 4,
    rankdir: str | None = None,
    collapse: Collapse = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    backend: str | None = None,
) -> Explorer:
    """A widget showing the graph of `root` with a slider for each labelled leaf.

    >>> x = Value(2.0, label="x"); w = Value(-1.0, label="w"); y = (x * w).tanh()
    >>> explorer = viz.explore(y, ranges={"x": (-5, 5)})   # in Jupyter: display it
    >>> explorer.set(x=0.5)                 # as dragging x's slider to 0.5 does
    >>> round(explorer.root.data, 4), round(explorer.leaves["w"].grad, 4)   # tanh(-0.5); x(1 - y²)
    (-0.4621, 0.3932)

    Moving a slider (or `explorer.set(x=3.0)`) rebuilds the graph with the new number,
    recomputes forward and backward in Python and redraws. A step control walks the backward
    pass as `explain_backward` does; hovering a node shows its op, local-derivative formulas
    and chain-rule product. `ranges={"x": (-5, 5)}` sets a slider's range (default: the value
    ± max(1, 2|value|)). Other options as for `draw_dot`: `rankdir=None` (the default) picks
    LR or TB by draw_dot's rule, and the widget shows the whole drawing, scaled down to fit.
    """
    return Explorer(
        root,
        ranges=ranges,
        precision=precision,
        rankdir=rankdir,
        collapse=collapse,
        max_nodes=max_nodes,
        backend=backend,
    )


def _drawing(
    graph: list[Value],
    options: DrawOptions,
    collapse: Collapse,
    max_nodes: int | None,
    shown: set[int],
) -> tuple[str, str]:
    """(SVG text, error message): the widget shows the message instead of raising."""

    def grad_of(i: int, node: Value) -> float:
        shown.add(i)
        return node.grad

    digraph = draw_order(graph, options, collapse=collapse, max_nodes=max_nodes, grad_of=grad_of)
    try:
        return svg_text(digraph.pipe(format="svg", encoding="utf-8")), ""
    except RendererNotFound as error:
        return "", f"No drawing: {error}"
    except Exception as error:  # displaying must never raise in the kernel
        return "", f"No drawing: {type(error).__name__}: {error}"


def _checked_range(name: str, bounds: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise TypeError(f"explore(ranges=...): {name} takes (low, high), got {bounds!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"explore(ranges=...): {name} needs finite low < high, got {bounds!r}")
    return low, high


def _widened(slider: dict[str, Any], value: float) -> dict[str, Any]:
    """The slider, its range stretched to hold `value` when `set()` went past an end."""
    if slider["min"] <= value <= slider["max"]:
        return slider
    return {**slider, "min": min(slider["min"], value), "max": max(slider["max"], value)}
