"""The training view: `TrainingView(model, X, y)`, a callback of `nn.fit` that records a run,
shows it live in Jupyter and saves it as a page or images.

- `view.py`: TrainingView, the three parts below behind one object;
- `recorder.py`: the fit callback, which records the epochs (`recording.py`: the snapshots,
  and the numbers a picture needs) of the model trained on `data.py`'s points;
- `live.py`: the live view; `widget.py`: its Jupyter widget; `kernel_pump.py`: handling the
  widget's clicks while fit runs (the one adapter to ipykernel's internals, 6 and 7);
- `export.py`: the exporters: `page.py` (the replay page), `image.py` (GIF, PNG);
- `static/`: the front end: charts.js (the drawing the widget and the page share), widget.js,
  page.js, their stylesheets and page.html.
"""

from .view import TrainingView

__all__ = ["TrainingView"]
