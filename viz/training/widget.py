"""The training view's Jupyter widget: an anywidget with the drawing code and four traitlets.

Imported only when a TrainingView is displayed, so recording needs neither anywidget nor a
kernel. Python sets `spec`, `curves`, `frame` and `status` (see static/charts.js); each change
is sent to the front end at once, also from inside a running cell. The front end (static/widget.js
and charts.css) sends {"type": "pause" | "resume" | "step" | "stop"} and
{"type": "add", "point": [x, y], "label": i}.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from ..frontend import bundle_js, widget_source

STATIC = Path(__file__).parent / "static"


class TrainingWidget(anywidget.AnyWidget):
    _esm = widget_source(STATIC / "widget.js", bundle_js)  # it imports charts.js
    _css = STATIC / "charts.css"
    spec = traitlets.Dict().tag(sync=True)
    curves = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    status = traitlets.Unicode("ready").tag(sync=True)
