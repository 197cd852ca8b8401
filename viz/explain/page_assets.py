"""The HTML, CSS and JavaScript of the explain_backward page, and the parts the explorer shares.

Kept in Python (no data files). `SCRIPT` defines `vizPanZoom` (wheel, drag and buttons on a
drawing) and `vizStepper` (show step k of the backward pass: grads, highlights, text); the page
and the explorer widget both use them. `CSS` styles both (every class starts with `viz-`).
Placeholders in `TEMPLATE`: {{TITLE}} (escaped text), {{CSS}}, {{LEGEND}}, {{CONTROLS}},
{{ZOOM}}, {{SVG}}, {{DATA}} (JSON, with <, > and & escaped so it cannot close the script
element) and {{SCRIPT}}.
"""

from __future__ import annotations

CSS = """
.viz-root { font-family: Helvetica, Arial, sans-serif; color: #222; }
.viz-controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.viz-controls button, .viz-zoom button { font-size: 13px; padding: 2px 9px; cursor: pointer; }
.viz-counter { font-variant-numeric: tabular-nums; min-width: 6.5em; }
.viz-hint { color: #777; font-size: 12px; }
.viz-step-title { font-weight: bold; margin: 4px 0; }
.viz-step-text { font-family: Menlo, Consolas, monospace; font-size: 13px; margin: 0 0 6px;
  padding: 6px 8px; background: #f7f7f7; border-left: 3px solid #d62728; white-space: pre-wrap;
  min-height: 3.6em; max-height: 14em; overflow: auto; }
.viz-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: #444;
  margin: 4px 0; }
.viz-legend span { white-space: nowrap; }
.viz-swatch { display: inline-block; width: 14px; height: 10px; vertical-align: middle;
  margin-right: 4px; border: 2px solid #999; background: #fff; }
.viz-viewport { position: relative; overflow: hidden; border: 1px solid #ddd; cursor: grab;
  background: #fff; touch-action: none; min-height: 120px; }
.viz-viewport.viz-dragging { cursor: grabbing; }
.viz-canvas { transform-origin: 0 0; position: absolute; left: 0; top: 0; }
.viz-canvas svg { display: block; }
.viz-zoom { position: absolute; right: 6px; top: 6px; z-index: 2; display: flex; gap: 3px;
  align-items: center; background: rgba(255,255,255,0.85); padding: 2px; border-radius: 4px; }
.viz-zoom-level { font-size: 11px; color: #555; min-width: 3.2em; text-align: right; }
.viz-root .grad-unknown { fill: #9a9a9a; }
.viz-root .grad-partial { fill: #d35400; font-style: italic; }
.viz-root .grad-final { fill: #111; font-weight: bold; }
.viz-root g.viz-current > polygon, .viz-root g.viz-current > ellipse,
.viz-root g.viz-current > path { stroke: #d62728; stroke-width: 3; }
.viz-root g.viz-current > polygon { fill: #fde2e2; }
.viz-root g.viz-input > polygon, .viz-root g.viz-input > path { stroke: #1f77b4;
  stroke-width: 2.5; }
.viz-root g.viz-active > path { stroke: #d62728; stroke-width: 2.5; }
.viz-root g.viz-active > polygon { stroke: #d62728; fill: #d62728; }
.viz-root g.viz-active > text { fill: #d62728; font-weight: bold; }
"""

LEGEND = """<div class="viz-legend">
  <span><span class="viz-swatch" style="border-color:#d62728;background:#fde2e2"></span>passes
    its gradient now</span>
  <span><span class="viz-swatch" style="border-color:#1f77b4"></span>its inputs</span>
  <span><span class="viz-swatch" style="border:0;border-top:3px solid #d62728;height:0"></span>
    edges the gradient flows along</span>
  <span><b style="color:#9a9a9a">grad ?</b> not reached yet</span>
  <span><i style="color:#d35400">grad 0.5</i> still being summed</span>
  <span><b>grad 0.5</b> complete</span>
  <span><span class="viz-swatch" style="border-color:#555;background:#e8f1fb"></span>filled:
    inputs and parameters</span>
  <span><span class="viz-swatch" style="border-color:#707070"></span><span
    style="color:#707070">grey</span>: constants</span>
</div>"""

CONTROLS = """<div class="viz-controls">
  <button data-viz="first" title="first step (Home)">&#xAB; first</button>
  <button data-viz="prev" title="previous step (&#x2190; or p)">&#x25C0; prev</button>
  <button data-viz="play" title="play / pause (space)">&#x25B6; play</button>
  <button data-viz="next" title="next step (&#x2192; or n)">next &#x25B6;</button>
  <button data-viz="last" title="last step (End)">last &#xBB;</button>
  <span class="viz-counter" data-viz="counter"></span>
  <span class="viz-hint">keys: &#x2190; &#x2192; (or p n), space, Home, End; + &#x2212; 0 zoom;
    drag or wheel on the graph</span>
</div>
<div class="viz-step-title" data-viz="title"></div>
<pre class="viz-step-text" data-viz="text"></pre>"""

ZOOM = """<div class="viz-zoom">
  <button data-viz="zoom-in" title="zoom in (+)">+</button>
  <button data-viz="zoom-out" title="zoom out (&#x2212;)">&#x2212;</button>
  <button data-viz="zoom-fit" title="fit the width (0)">fit</button>
  <button data-viz="zoom-1" title="natural size">1:1</button>
  <span class="viz-zoom-level" data-viz="zoom-level"></span>
</div>"""

SCRIPT = r"""
function vizJoin(parts, names) {
  var text = "";
  for (var i = 0; i < parts.length; i++) {
    text += typeof parts[i] === "number" ? names[parts[i]] : parts[i];
  }
  return text;
}

function vizPanZoom(root, maxHeight) {
  var viewport = root.querySelector(".viz-viewport");
  var canvas = root.querySelector(".viz-canvas");
  var level = root.querySelector("[data-viz=zoom-level]");
  var st = { s: 1, x: 0, y: 0, w: 0, h: 0 };
  function apply() {
    canvas.style.transform = "translate(" + st.x + "px," + st.y + "px) scale(" + st.s + ")";
    if (level) { level.textContent = Math.round(st.s * 100) + "%"; }
    root.setAttribute("data-zoom", String(st.s));
  }
  function measure() {
    var svg = canvas.querySelector("svg");
    if (!svg) { return false; }
    var w = svg.getAttribute("width") || "0", h = svg.getAttribute("height") || "0";
    var k = /pt$/.test(w) ? 4 / 3 : 1;
    st.w = parseFloat(w) * k; st.h = parseFloat(h) * k;
    svg.setAttribute("width", String(st.w)); svg.setAttribute("height", String(st.h));
    return true;
  }
  var fitted = false;  // showing the fitted view: refit when the viewport's width changes
  function zoomAt(f, cx, cy) {
    fitted = false;
    var s = Math.max(0.02, Math.min(8, st.s * f));
    st.x = cx - (cx - st.x) * s / st.s; st.y = cy - (cy - st.y) * s / st.s; st.s = s;
    apply();
  }
  function center(f) { zoomAt(f, viewport.clientWidth / 2, viewport.clientHeight / 2); }
  function fit() {
    if (!measure()) { return; }
    var vw = viewport.clientWidth || 800;
    st.s = Math.min(1, vw / st.w);
    var height = Math.min(st.h * st.s + 4, maxHeight());
    viewport.style.height = Math.max(120, height) + "px";
    st.x = Math.max(0, (vw - st.w * st.s) / 2); st.y = 0;
    fitted = true;
    apply();
  }
  var width = 0;
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (viewport.clientWidth !== width) {
        width = viewport.clientWidth;
        if (fitted) { fit(); }
      }
    }).observe(viewport);
  }
  function reveal(els) {
    var r = null;
    els.forEach(function (el) {
      if (!el) { return; }
      var b = el.getBoundingClientRect();
      r = r ? { left: Math.min(r.left, b.left), right: Math.max(r.right, b.right),
                top: Math.min(r.top, b.top), bottom: Math.max(r.bottom, b.bottom) } : b;
    });
    var v = viewport.getBoundingClientRect();
    if (!r || (r.left >= v.left && r.right <= v.right && r.top >= v.top &&
               r.bottom <= v.bottom)) { return; }
    st.x += v.left + v.width / 2 - (r.left + r.right) / 2;
    st.y += v.top + v.height / 2 - (r.top + r.bottom) / 2;
    fitted = false;
    apply();
  }
  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    if (e.shiftKey) { st.x -= e.deltaY; fitted = false; apply(); return; }
    var v = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.002), e.clientX - v.left, e.clientY - v.top);
  }, { passive: false });
  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.button !== 0 || e.target.closest("button")) { return; }
    drag = { x: e.clientX, y: e.clientY };
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add("viz-dragging");
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    st.x += e.clientX - drag.x; st.y += e.clientY - drag.y; fitted = false;
    drag = { x: e.clientX, y: e.clientY };
    apply();
  });
  function stop() { drag = null; viewport.classList.remove("viz-dragging"); }
  viewport.addEventListener("pointerup", stop);
  viewport.addEventListener("pointercancel", stop);
  function on(name, fn) {
    var b = root.querySelector("[data-viz=" + name + "]");
    if (b) { b.addEventListener("click", fn); }
  }
  on("zoom-in", function () { center(1.25); });
  on("zoom-out", function () { center(0.8); });
  on("zoom-fit", fit);
  on("zoom-1", function () { center(1 / st.s); });
  function key(k) {
    if (k === "+" || k === "=") { center(1.25); } else if (k === "-") { center(0.8); }
    else if (k === "0") { fit(); } else { return false; }
    return true;
  }
  return { fit: fit, measure: measure, reveal: reveal, zoomAt: zoomAt, key: key, apply: apply,
           state: st };
}

function vizStepper(root, panzoom, intervalMs) {
  var data = null, step = 0, timer = null, gradText = [], highlight = true;
  function part(name) { return root.querySelector("[data-viz=" + name + "]"); }
  function box(i) { return (data.box && data.box[i]) || "v" + i; }
  function find(id) { return root.querySelector('.viz-canvas [id="' + id + '"]'); }
  function bind(newData) {
    if (newData) { data = newData; }
    gradText = [];
    var hidden = {};
    (data.hidden || []).forEach(function (i) { hidden[i] = true; });
    for (var i = 0; i < data.count; i++) {
      var found = null, g = hidden[i] ? null : find(box(i));
      if (g) {
        var texts = g.querySelectorAll("text");
        for (var t = 0; t < texts.length; t++) {
          if (texts[t].textContent.indexOf("grad ") === 0) { found = texts[t]; }
        }
      }
      gradText.push(found);
    }
    show(Math.min(step, data.steps.length - 1));
  }
  function mark(id, cls) {
    var el = find(id);
    if (el) { el.classList.add(cls); }
    return el;
  }
  function show(k) {
    var steps = data.steps;
    step = Math.max(0, Math.min(steps.length - 1, k));
    var value = [], state = [], i, j;
    for (i = 0; i < data.count; i++) { value.push("?"); state.push("unknown"); }
    for (j = 0; j <= step; j++) {
      var u = steps[j][4];
      for (var n = 0; n < u.length; n += 3) {
        value[u[n]] = u[n + 1]; state[u[n]] = u[n + 2] ? "final" : "partial";
      }
    }
    for (i = 0; i < data.count; i++) {
      if (!gradText[i]) { continue; }
      gradText[i].textContent = "grad " + value[i];
      gradText[i].setAttribute("class", "grad-" + state[i]);
    }
    root.querySelectorAll(".viz-current, .viz-input, .viz-active").forEach(function (el) {
      el.classList.remove("viz-current", "viz-input", "viz-active");
    });
    var s = steps[step], current = [];
    if (highlight && s[1] >= 0) {
      current = [mark(box(s[1]), "viz-current"), mark("v" + s[1] + "_op", "viz-current")];
      mark("e" + s[1], "viz-active");
      s[2].forEach(function (p, n) {
        mark(box(p), "viz-input");
        mark("e" + s[1] + "_" + n, "viz-active");
      });
    }
    part("counter").textContent = "step " + step + " / " + (steps.length - 1);
    part("title").textContent = vizJoin(s[0], data.names);
    part("text").textContent = s[3].map(function (l) { return vizJoin(l, data.names); })
      .join("\n");
    root.setAttribute("data-step", String(step));
    part("prev").disabled = step === 0;
    part("next").disabled = step === steps.length - 1;
    if (step === steps.length - 1) { pause(); }
    if (panzoom) { panzoom.reveal(current); }
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    part("play").innerHTML = "&#x25B6; play";
  }
  function play() {
    if (timer !== null) { pause(); return; }
    if (step === data.steps.length - 1) { show(0); }
    part("play").innerHTML = "&#x275A;&#x275A; pause";
    timer = setInterval(function () { show(step + 1); }, intervalMs);
  }
  function go(k) { pause(); show(k); }
  part("first").addEventListener("click", function () { go(0); });
  part("prev").addEventListener("click", function () { go(step - 1); });
  part("next").addEventListener("click", function () { go(step + 1); });
  part("last").addEventListener("click", function () { go(data.steps.length - 1); });
  part("play").addEventListener("click", play);
  function key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return false; }
    var k = e.key;
    if (k === "ArrowRight" || k === "n") { go(step + 1); }
    else if (k === "ArrowLeft" || k === "p") { go(step - 1); }
    else if (k === " " || k === "k") { play(); }
    else if (k === "Home") { go(0); }
    else if (k === "End") { go(data.steps.length - 1); }
    else if (!(panzoom && panzoom.key(k))) { return false; }
    e.preventDefault();
    return true;
  }
  return { bind: bind, show: show, key: key, step: function () { return step; },
           highlight: function (on) { highlight = on; } };
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
body { margin: 10px; }
h1 { font-size: 17px; margin: 0 0 4px; }
{{CSS}}
</style>
</head>
<body>
<div class="viz-root" id="viz">
<h1>{{TITLE}}</h1>
{{CONTROLS}}
{{LEGEND}}
<div class="viz-viewport">{{ZOOM}}<div class="viz-canvas">{{SVG}}</div></div>
</div>
<script id="viz-data" type="application/json">{{DATA}}</script>
<script>
(function () {
  "use strict";
{{SCRIPT}}
  var data = JSON.parse(document.getElementById("viz-data").textContent);
  var root = document.getElementById("viz");
  var viewport = root.querySelector(".viz-viewport");
  var panzoom = vizPanZoom(root, function () {
    return Math.max(200, window.innerHeight - viewport.getBoundingClientRect().top - 12);
  });
  panzoom.fit();
  var stepper = vizStepper(root, panzoom, data.interval_ms);
  stepper.bind(data);
  document.addEventListener("keydown", function (e) { stepper.key(e); });
  window.vizStepper = stepper;
})();
</script>
</body>
</html>
"""
