"""See a Value graph: draw it (`draw_dot`), show it in Jupyter, render it to a file, and step
through its backward pass (`explain_backward`). Needs no system Graphviz: graphviz-pure lays it
out; a system `dot` is used when asked for (`backend='dot'`) or when graphviz-pure is missing.
"""

from .draw import DEFAULT_MAX_NODES, GraphTooLargeError, draw_dot, format_number
from .explain import backward_steps, explain_backward
from .jupyter import HTMLPage, show
from .render import render
from .renderer import Digraph, Renderer, RendererNotFound, find_renderer

__all__ = [
    "DEFAULT_MAX_NODES",
    "Digraph",
    "GraphTooLargeError",
    "HTMLPage",
    "Renderer",
    "RendererNotFound",
    "backward_steps",
    "draw_dot",
    "explain_backward",
    "find_renderer",
    "format_number",
    "render",
    "show",
]
