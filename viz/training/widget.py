"""The training view's Jupyter widget: an anywidget with the drawing code and four traitlets.

Imported only when a TrainingView is displayed, so recording needs neither anywidget nor a
kernel. Python sets `spec`, `curves`, `frame` and `status` (see `viz.training.assets`); each change
is sent to the front end at once, also from inside a running cell. The front end sends
{"type": "pause" | "resume" | "step" | "stop"} and {"type": "add", "point": [x, y], "label": i}.
"""

from __future__ import annotations

import anywidget
import traitlets

from .assets import CSS, WIDGET


class TrainingWidget(anywidget.AnyWidget):
    _esm = traitlets.Unicode(WIDGET).tag(sync=True)
    _css = traitlets.Unicode(CSS).tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    curves = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    status = traitlets.Unicode("ready").tag(sync=True)
