"""See a Value graph: draw it (`draw_dot`), show it in Jupyter, render it to a file, step
through its backward pass (`explain_backward`), or explore it with sliders (`explore`). Needs
no system Graphviz: graphviz-pure lays it out; a system `dot` is used when asked for
(`backend='dot'`) or when graphviz-pure is missing.
"""

from typing import TYPE_CHECKING

from .drawing import (
    Digraph,
    Renderer,
    RendererNotFound,
    UnreadableRasterWarning,
    draw_dot,
    find_renderer,
)
from .explain import backward_steps, explain_backward
from .files import render
from .graph import DEFAULT_MAX_NODES, GraphTooLargeError, format_number
from .jupyter import HTMLPage, show
from .training import TrainingView

if TYPE_CHECKING:
    from .explorer import Explorer, explore

__all__ = [
    "DEFAULT_MAX_NODES",
    "Digraph",
    "Explorer",
    "GraphTooLargeError",
    "HTMLPage",
    "Renderer",
    "RendererNotFound",
    "TrainingView",
    "UnreadableRasterWarning",
    "backward_steps",
    "draw_dot",
    "explain_backward",
    "explore",
    "find_renderer",
    "format_number",
    "render",
    "show",
]


def __getattr__(name: str) -> object:
    """`explore` and `Explorer` load anywidget (and IPython) only when first used."""
    if name in ("explore", "Explorer"):
        from . import explorer

        return getattr(explorer, name)
    raise AttributeError(f"module 'viz' has no attribute {name!r}")
