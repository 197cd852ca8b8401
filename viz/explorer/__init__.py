"""The explorer: `explore(root)`, an anywidget with a slider per labelled leaf.

- `widget.py`: the widget (Python side) and `replay`, which recomputes the recorded graph;
- `assets.py`: its front end (the sliders, the drawing, the stepper).
"""

from .widget import Explorer, explore

__all__ = ["Explorer", "explore"]
