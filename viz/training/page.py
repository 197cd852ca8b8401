"""The replay page of a recorded training run: one HTML file, no network, works from file://.

`page(title, data)` fills the template with the drawing code of `viz.training_js` and the run's
numbers (JSON, with <, > and & escaped so it cannot close the script element). A scrubber and a
play button (keys: ← → and space) step through the recorded epochs.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..jupyter import script_json
from .assets import CSS, DRAW

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{TITLE}}</title>
<style>
body { margin: 12px; }
h1 { font: bold 16px Helvetica, Arial, sans-serif; margin: 0 0 6px; }
{{CSS}}
</style>
</head>
<body>
<h1>{{TITLE}}</h1>
<div id="tv"></div>
<script id="tv-data" type="application/json">{{DATA}}</script>
<script>
{{DRAW}}
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("tv-data").textContent);
  var ui = tvBuild(document.getElementById("tv"), false), frames = data.frames, k = 0, timer = null;
  ui.scrub.max = String(frames.length - 1);
  function show(i) {
    k = Math.max(0, Math.min(frames.length - 1, i));
    ui.scrub.value = String(k);
    tvDraw(ui, data.spec, data.curves, frames[k], "frame " + (k + 1) + " of " + frames.length);
  }
  function stop() { clearInterval(timer); timer = null; ui.play.textContent = "\\u25B6 play"; }
  function play() {
    if (timer) { stop(); return; }
    if (k >= frames.length - 1) { show(0); }
    ui.play.textContent = "\\u2016 pause";
    timer = setInterval(function () {
      if (k >= frames.length - 1) { stop(); } else { show(k + 1); }
    }, 150);
  }
  ui.scrub.addEventListener("input", function () { stop(); show(parseInt(ui.scrub.value, 10)); });
  ui.play.addEventListener("click", play);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight") { stop(); show(k + 1); }
    else if (ev.key === "ArrowLeft") { stop(); show(k - 1); }
    else if (ev.key === " ") { ev.preventDefault(); play(); }
  });
  show(0);
})();
</script>
</body>
</html>
"""


def page(title: str, data: dict[str, Any]) -> str:
    """The replay page for `data` = {spec, curves, frames} (see `viz.training_js`)."""
    text = script_json(data, allow_nan=False)
    parts = {"CSS": CSS, "DRAW": DRAW, "TITLE": html.escape(title), "DATA": text}
    return re.sub(r"\{\{(CSS|DRAW|TITLE|DATA)\}\}", lambda m: parts[m[1]], TEMPLATE)
