"""The drawing: a Value graph as a Graphviz Digraph (`draw_dot`), laid out by graphviz-pure or
a system `dot` (`find_renderer`).

- `draw.py`: the boxes, edges and clusters of a drawing (where a neuron's box is drawn);
- `layout_plan.py`: its orientation and which long edges to draw from a copy, planned before
  layout so that layout time stays bounded;
- `theme.py`: its colours;
- `digraph.py`: the Digraph that pipes, renders and displays in Jupyter;
- `layout_program.py`: finding and running the layout program.
"""

from .digraph import Digraph
from .draw import draw_dot
from .layout_program import Renderer, RendererNotFound, UnreadableRasterWarning, find_renderer

__all__ = [
    "Digraph",
    "Renderer",
    "RendererNotFound",
    "UnreadableRasterWarning",
    "draw_dot",
    "find_renderer",
]
