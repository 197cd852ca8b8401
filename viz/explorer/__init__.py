"""The explorer: `explore(root)`, an anywidget with a slider per labelled leaf.

- `widget.py`: the widget (Python side) and `replay`, which recomputes the recorded graph;
- `static/`: its front end, widget.js and widget.css (the sliders, the drawing, the stepper).
"""

from .widget import Explorer, explore

__all__ = ["Explorer", "explore"]
