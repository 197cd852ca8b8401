"""The replay page of a recorded training run: one HTML file, no network, works from file://.

`page(title, data)` fills static/page.html with page.js (and the charts.js it imports), page.css
and the run's numbers (JSON, with <, > and & escaped so it cannot close the script element). A
scrubber and a play button (keys: ← → and space) step through the recorded epochs.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..frontend import bundle_css, bundle_js, fill_page
from ..jupyter import script_json

STATIC = Path(__file__).parent / "static"


def page(title: str, data: dict[str, Any]) -> str:
    """The replay page for `data` = {spec, curves, frames} (see static/charts.js)."""
    return fill_page(
        STATIC / "page.html",
        {
            "TITLE": html.escape(title),
            "CSS": bundle_css(STATIC / "page.css"),
            "DATA": script_json(data, allow_nan=False),
            "SCRIPT": bundle_js(STATIC / "page.js"),
        },
    )
