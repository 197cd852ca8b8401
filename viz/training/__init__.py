"""The training view: `TrainingView(model, X, y)`, a callback of `nn.fit` that records a run,
shows it live in Jupyter and saves it as a page or images.

- `view.py`: TrainingView; `recording.py`: the recorded epochs and the numbers a picture needs;
- `widget.py` and `kernel_pump.py`: the live widget, and handling its clicks while fit runs;
- `page.py` and `image.py`: the saved page, the GIF/PNG;
- `static/`: the front end: charts.js (the drawing), widget.js, page.js and page.html.
"""

from .view import TrainingView

__all__ = ["TrainingView"]
