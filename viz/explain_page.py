"""The HTML, CSS and JavaScript of the explain_backward page (kept in Python: no data files).

Placeholders: {{TITLE}} (escaped text), {{SVG}} (the drawing), {{DATA}} (JSON, with <, > and &
escaped so it cannot close the script element).
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
  body { font-family: Helvetica, Arial, sans-serif; margin: 12px; color: #222; }
  h1 { font-size: 17px; margin: 0 0 8px; }
  #controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
  #controls button { font-size: 14px; padding: 3px 10px; cursor: pointer; }
  #step-counter { font-variant-numeric: tabular-nums; min-width: 6em; }
  #keys { color: #777; font-size: 12px; }
  #step-title { font-weight: bold; margin: 4px 0; }
  #step-text { font-family: Menlo, Consolas, monospace; font-size: 13px; margin: 0 0 8px;
               padding: 6px 8px; background: #f7f7f7; border-left: 3px solid #d62728;
               white-space: pre-wrap; min-height: 3.6em; }
  #graph { overflow: auto; }
  #graph svg { max-width: 100%; height: auto; }
  .grad-unknown { fill: #9a9a9a; }
  .grad-partial { fill: #d35400; font-style: italic; }
  .grad-final { fill: #111; font-weight: bold; }
  g.current > polygon, g.current > ellipse { stroke: #d62728; stroke-width: 3; }
  g.current > polygon { fill: #fde2e2; }
  g.input > polygon { stroke: #1f77b4; stroke-width: 2.5; }
  g.active > path { stroke: #d62728; stroke-width: 2.5; }
  g.active > polygon { stroke: #d62728; fill: #d62728; }
  g.active > text { fill: #d62728; font-weight: bold; }
</style>
</head>
<body>
<h1>{{TITLE}}</h1>
<div id="controls">
  <button id="first" title="first step (Home)">&#xAB; first</button>
  <button id="prev" title="previous step (&#x2190; or p)">&#x25C0; prev</button>
  <button id="play" title="play / pause (space)">&#x25B6; play</button>
  <button id="next" title="next step (&#x2192; or n)">next &#x25B6;</button>
  <button id="last" title="last step (End)">last &#xBB;</button>
  <span id="step-counter"></span>
  <span id="keys">keys: &#x2190; &#x2192; (or p n), space, Home, End</span>
</div>
<div id="step-title"></div>
<pre id="step-text"></pre>
<div id="graph">{{SVG}}</div>
<script id="viz-data" type="application/json">{{DATA}}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("viz-data").textContent);
  var steps = data.steps, count = data.count, step = 0, timer = null;
  var gradText = [];
  for (var i = 0; i < count; i++) {
    var texts = document.querySelectorAll("#v" + i + " > text"), found = null;
    for (var t = 0; t < texts.length; t++) {
      if (texts[t].textContent.indexOf("grad ") === 0) { found = texts[t]; }
    }
    gradText.push(found);
  }
  function setClass(id, cls, on) {
    var el = document.getElementById(id);
    if (el) { el.classList.toggle(cls, on); }
  }
  function show(k) {
    step = Math.max(0, Math.min(steps.length - 1, k));
    var value = [], state = [], i, j;
    for (i = 0; i < count; i++) { value.push("?"); state.push("unknown"); }
    for (j = 0; j <= step; j++) {
      steps[j].updates.forEach(function (u) {
        value[u[0]] = u[1]; state[u[0]] = u[2] ? "final" : "partial";
      });
    }
    for (i = 0; i < count; i++) {
      var el = gradText[i];
      if (!el) { continue; }
      el.textContent = "grad " + value[i];
      el.setAttribute("class", "grad-" + state[i]);
    }
    document.querySelectorAll(".current, .input, .active").forEach(function (el) {
      el.classList.remove("current", "input", "active");
    });
    var s = steps[step];
    if (s.current !== null) {
      setClass("v" + s.current, "current", true);
      setClass("v" + s.current + "_op", "current", true);
      setClass("e" + s.current, "active", true);
      s.inputs.forEach(function (p, n) {
        setClass("v" + p, "input", true);
        setClass("e" + s.current + "_" + n, "active", true);
      });
    }
    document.getElementById("step-counter").textContent =
      "step " + step + " / " + (steps.length - 1);
    document.getElementById("step-title").textContent = s.title;
    document.getElementById("step-text").textContent = s.lines.join("\\n");
    document.body.setAttribute("data-step", String(step));
    document.getElementById("prev").disabled = step === 0;
    document.getElementById("next").disabled = step === steps.length - 1;
    if (step === steps.length - 1) { pause(); }
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    document.getElementById("play").innerHTML = "&#x25B6; play";
  }
  function play() {
    if (timer !== null) { pause(); return; }
    if (step === steps.length - 1) { show(0); }
    document.getElementById("play").innerHTML = "&#x275A;&#x275A; pause";
    timer = setInterval(function () { show(step + 1); }, data.interval_ms);
  }
  document.getElementById("first").onclick = function () { pause(); show(0); };
  document.getElementById("prev").onclick = function () { pause(); show(step - 1); };
  document.getElementById("next").onclick = function () { pause(); show(step + 1); };
  document.getElementById("last").onclick = function () { pause(); show(steps.length - 1); };
  document.getElementById("play").onclick = play;
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var k = e.key;
    if (k === "ArrowRight" || k === "n") { pause(); show(step + 1); }
    else if (k === "ArrowLeft" || k === "p") { pause(); show(step - 1); }
    else if (k === " " || k === "k") { play(); }
    else if (k === "Home") { pause(); show(0); }
    else if (k === "End") { pause(); show(steps.length - 1); }
    else { return; }
    e.preventDefault();
  });
  show(0);
})();
</script>
</body>
</html>
"""
