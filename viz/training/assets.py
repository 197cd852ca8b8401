"""The JavaScript and CSS of the training view, kept in Python (the package ships no data files).

`DRAW` builds the view's elements (`tvBuild`) and draws one recorded epoch into them (`tvDraw`):
the decision boundary with the data points, the loss and accuracy curves up to that epoch,
gradient norms and dead ReLUs per layer, and the weights as heatmaps. The widget (`WIDGET`, an
anywidget ESM module) and the replay page (`viz.training_page`) both draw with it.

The numbers it gets (from `viz.training_record`): `spec` = {classes, colors, extent [x0, x1,
y0, y1], grid_size, points, labels, n0, layers, epochs, controls}, `curves` = {loss, accuracy,
val_loss, val_accuracy} (one entry per epoch, null where not measured) and `frame` = {epoch, n,
grid (class index per cell, top row first), weights, grad_norms, dead}.
"""

CSS = """
.tv-root { font: 12px Helvetica, Arial, sans-serif; color: #222; }
.tv-bar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 4px 0 6px; }
.tv-bar button { font-size: 12px; padding: 2px 8px; cursor: pointer; }
.tv-bar button.tv-on { outline: 2px solid #222; }
.tv-bar button:disabled { cursor: default; opacity: 0.5; }
.tv-status { font-variant-numeric: tabular-nums; margin-left: 6px; }
.tv-hint { color: #777; }
.tv-grid { display: flex; gap: 10px; flex-wrap: wrap; align-items: flex-start; }
.tv-col { display: flex; flex-direction: column; gap: 6px; }
.tv-root canvas { display: block; }
.tv-boundary { border: 1px solid #ccc; cursor: crosshair; }
"""

DRAW = r"""
var TV_W = 300;

function tvEl(tag, cls, parent, text) {
  var el = document.createElement(tag);
  if (cls) { el.className = cls; }
  if (text) { el.textContent = text; }
  if (parent) { parent.appendChild(el); }
  return el;
}

function tvCanvas(parent, cls, w, h) {
  var c = tvEl("canvas", cls, parent);
  c.width = w; c.height = h; c.style.width = w + "px"; c.style.height = h + "px";
  return c;
}

function tvBuild(root, controls) {
  root.classList.add("tv-root");
  var ui = { root: root, live: controls };
  var bar = tvEl("div", "tv-bar", root);
  if (controls) {
    ui.pause = tvEl("button", "tv-pause", bar, "\u2016 pause");
    ui.resume = tvEl("button", "tv-resume", bar, "\u25B6 resume");
    ui.step = tvEl("button", "tv-step", bar, "\u25B6| one epoch");
    ui.stop = tvEl("button", "tv-stop", bar, "\u25A0 stop");
    tvEl("span", "tv-hint", bar, "click the plot to add a point of class");
    ui.classes = tvEl("span", "tv-classes", bar);
  } else {
    ui.play = tvEl("button", "tv-play", bar, "\u25B6 play");
    ui.scrub = tvEl("input", "tv-scrub", bar);
    ui.scrub.type = "range"; ui.scrub.min = "0"; ui.scrub.step = "1"; ui.scrub.value = "0";
    ui.scrub.style.width = "320px";
  }
  ui.status = tvEl("span", "tv-status", bar);
  var grid = tvEl("div", "tv-grid", root);
  var left = tvEl("div", "tv-col", grid);
  ui.boundary = tvCanvas(left, "tv-boundary", TV_W, TV_W);
  var mid = tvEl("div", "tv-col", grid);
  ui.loss = tvCanvas(mid, "tv-loss", 320, 140);
  ui.acc = tvCanvas(mid, "tv-acc", 320, 140);
  var right = tvEl("div", "tv-col", grid);
  ui.layers = tvCanvas(right, "tv-layers", 300, 140);
  ui.weights = tvCanvas(right, "tv-weights", 300, 150);
  return ui;
}

function tvRgb(hex) {
  var n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function tvTint(hex, a) {
  var c = tvRgb(hex);
  return "rgb(" + c.map(function (v) { return Math.round(255 - a * (255 - v)); }).join(",") + ")";
}

function tvFmt(v) {
  if (v === null || v === undefined) { return "\u2013"; }
  var a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : String(Math.round(v * 1e4) / 1e4);
}

function tvBoundary(c, spec, frame, count) {
  var g = c.getContext("2d"), n = spec.grid_size, s = c.width / n, e = spec.extent;
  g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
  if (frame && frame.grid) {
    for (var r = 0; r < n; r++) {
      for (var k = 0; k < n; k++) {
        var cls = frame.grid[r * n + k];
        g.fillStyle = cls < 0 ? "#eee" : tvTint(spec.colors[cls % spec.colors.length], 0.3);
        g.fillRect(Math.floor(k * s), Math.floor(r * s), Math.ceil(s) + 1, Math.ceil(s) + 1);
      }
    }
  }
  for (var i = 0; i < Math.min(count, spec.points.length); i++) {
    var p = spec.points[i];
    var x = (p[0] - e[0]) / (e[1] - e[0]) * c.width, y = (e[3] - p[1]) / (e[3] - e[2]) * c.height;
    g.beginPath(); g.arc(x, y, i >= spec.n0 ? 6 : 4.5, 0, 2 * Math.PI);
    g.fillStyle = spec.colors[spec.labels[i] % spec.colors.length]; g.fill();
    g.lineWidth = i >= spec.n0 ? 2.5 : 1; g.strokeStyle = "#222"; g.stroke();
  }
}

function tvChart(c, title, series, upto, total, fixed) {
  var g = c.getContext("2d"), W = c.width, H = c.height, L = 44, R = 8, T = 16, B = 18;
  g.fillStyle = "#fff"; g.fillRect(0, 0, W, H);
  var top = fixed || 0;
  series.forEach(function (s) {
    if (!s.values) { return; }
    s.values.forEach(function (v) { if (v !== null && isFinite(v) && v > top) { top = v; } });
  });
  if (!fixed) { top = top > 0 ? top * 1.05 : 1; }
  var n = Math.max(total, 1);
  function X(i) { return L + (W - L - R) * i / n; }
  function Y(v) { return T + (H - T - B) * (1 - v / top); }
  g.strokeStyle = "#999"; g.lineWidth = 1;
  g.beginPath(); g.moveTo(L, T); g.lineTo(L, H - B); g.lineTo(W - R, H - B); g.stroke();
  g.fillStyle = "#555"; g.font = "10px Helvetica, Arial, sans-serif"; g.textAlign = "right";
  g.fillText(tvFmt(top), L - 3, T + 4); g.fillText("0", L - 3, H - B);
  g.textAlign = "center"; g.fillText("epoch " + n, W - R - 22, H - 4);
  var text = title;
  series.forEach(function (s) {
    if (!s.values) { return; }
    g.strokeStyle = s.color; g.lineWidth = 1.6; g.setLineDash(s.dash ? [4, 3] : []);
    g.beginPath();
    var moved = false, last = null;
    for (var i = 0; i < Math.min(upto, s.values.length); i++) {
      var v = s.values[i];
      if (v === null || !isFinite(v)) { continue; }
      if (moved) { g.lineTo(X(i + 1), Y(v)); } else { g.moveTo(X(i + 1), Y(v)); moved = true; }
      last = v;
    }
    g.stroke(); g.setLineDash([]);
    text += "   " + s.name + " " + tvFmt(last);
  });
  g.fillStyle = "#222"; g.textAlign = "left"; g.font = "11px Helvetica, Arial, sans-serif";
  g.fillText(text, L, 11);
  if (upto > 0 && upto < n) {
    g.strokeStyle = "#bbb"; g.beginPath(); g.moveTo(X(upto), T); g.lineTo(X(upto), H - B);
    g.stroke();
  }
}

function tvLayers(c, spec, frame) {
  var rows = spec.layers.length, H = 34 + 18 * rows;
  if (c.height !== H) { c.height = H; c.style.height = H + "px"; }
  var g = c.getContext("2d"), W = c.width;
  g.fillStyle = "#fff"; g.fillRect(0, 0, W, H);
  g.fillStyle = "#222"; g.font = "11px Helvetica, Arial, sans-serif"; g.textAlign = "left";
  g.fillText("layer", 4, 12); g.fillText("gradient norm", 80, 12);
  g.fillText("dead ReLUs", 200, 12);
  if (!frame) { return; }
  var top = 0;
  frame.grad_norms.forEach(function (v) { if (v > top) { top = v; } });
  for (var i = 0; i < rows; i++) {
    var y = 22 + 18 * i;
    g.fillStyle = "#222"; g.fillText(spec.layers[i], 4, y + 10);
    var v = frame.grad_norms[i];
    g.fillStyle = "#6baed6"; g.fillRect(80, y, top > 0 ? 70 * v / top : 0, 12);
    g.fillStyle = "#222"; g.fillText(tvFmt(v), 154, y + 10);
    var d = frame.dead[i];
    if (d === null) { g.fillStyle = "#999"; g.fillText("\u2013", 200, y + 10); continue; }
    g.fillStyle = "#eee"; g.fillRect(200, y, 60, 12);
    g.fillStyle = "#d62728"; g.fillRect(200, y, 60 * d, 12);
    g.fillStyle = "#222"; g.fillText(Math.round(100 * d) + "%", 264, y + 10);
  }
}

function tvWeights(c, spec, frame) {
  var g = c.getContext("2d");
  g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = "#222"; g.font = "11px Helvetica, Arial, sans-serif"; g.textAlign = "left";
  g.fillText("weights (rows: neurons; last column: bias)", 4, 12);
  if (!frame) { return; }
  var top = 0;
  frame.weights.forEach(function (m) {
    m.forEach(function (row) { row.forEach(function (v) { top = Math.max(top, Math.abs(v)); }); });
  });
  var x = 4, avail = (c.width - 4) / frame.weights.length - 6;
  frame.weights.forEach(function (m) {
    var rows = m.length, cols = m[0].length;
    var s = Math.max(1, Math.min(12, Math.floor(avail / cols), Math.floor(128 / rows)));
    for (var r = 0; r < rows; r++) {
      for (var k = 0; k < cols; k++) {
        var t = top > 0 ? m[r][k] / top : 0, a = Math.min(1, Math.abs(t));
        g.fillStyle = tvTint(t < 0 ? "#2166ac" : "#b2182b", a);
        g.fillRect(x + k * s, 18 + r * s, s, s);
      }
    }
    x += cols * s + 6;
  });
}

function tvDraw(ui, spec, curves, frame, status) {
  var total = Math.max(spec.epochs || 0, curves.loss.length);
  var upto = frame ? frame.epoch : curves.loss.length;
  // live, every point the data has now; in a replay, those the data had at the frame's epoch
  tvBoundary(ui.boundary, spec, frame, ui.live || !frame ? spec.points.length : frame.n);
  tvChart(ui.loss, "loss", [
    { name: "train", values: curves.loss, color: "#1f77b4" },
    { name: "validation", values: curves.val_loss, color: "#ff7f0e", dash: true }
  ].filter(function (s) { return s.values && s.values.some(function (v) { return v !== null; }); }),
    upto, total, 0);
  var acc = [
    { name: "train", values: curves.accuracy, color: "#1f77b4" },
    { name: "validation", values: curves.val_accuracy, color: "#ff7f0e", dash: true }
  ].filter(function (s) { return s.values && s.values.some(function (v) { return v !== null; }); });
  var none = !acc.length && curves.loss.length > 0;
  tvChart(ui.acc, none ? "accuracy (none: a regression loss)" : "accuracy", acc, upto, total, 1);
  tvLayers(ui.layers, spec, frame);
  tvWeights(ui.weights, spec, frame);
  ui.status.textContent = "epoch " + (frame ? frame.epoch : 0) + " of " + total +
    (status ? " \u00B7 " + status : "");
  ui.root.setAttribute("data-epoch", frame ? String(frame.epoch) : "0");
  ui.root.setAttribute("data-points", String(spec.points.length));
  ui.root.setAttribute("data-status", status || "");
}
"""

WIDGET = (
    DRAW
    + r"""
function render({ model, el }) {
  var ui = tvBuild(el, true), chosen = 0, pending = false;
  function classes(spec) {
    ui.classes.textContent = "";
    spec.classes.forEach(function (name, i) {
      var b = tvEl("button", "tv-class" + (i === chosen ? " tv-on" : ""), ui.classes, name);
      b.style.color = spec.colors[i % spec.colors.length];
      b.setAttribute("data-class", String(i));
      b.addEventListener("click", function () { chosen = i; classes(model.get("spec")); });
    });
  }
  function draw() {
    pending = false;
    var spec = model.get("spec");
    if (!spec || !spec.points) { return; }
    var status = model.get("status");
    tvDraw(ui, spec, model.get("curves"), model.get("frame"), status);
    var live = spec.controls && (status === "training" || status === "paused");
    ui.pause.disabled = !live || status === "paused";
    ui.resume.disabled = !live || status !== "paused";
    ui.step.disabled = !live;
    ui.stop.disabled = !live;
  }
  function later() {
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }
  ["spec", "curves", "frame", "status"].forEach(function (k) { model.on("change:" + k, later); });
  model.on("change:spec", function () { classes(model.get("spec")); });
  ui.pause.addEventListener("click", function () { model.send({ type: "pause" }); });
  ui.resume.addEventListener("click", function () { model.send({ type: "resume" }); });
  ui.step.addEventListener("click", function () { model.send({ type: "step" }); });
  ui.stop.addEventListener("click", function () { model.send({ type: "stop" }); });
  ui.boundary.addEventListener("click", function (ev) {
    var spec = model.get("spec"), e = spec.extent, box = ui.boundary.getBoundingClientRect();
    var fx = (ev.clientX - box.left) / box.width, fy = (ev.clientY - box.top) / box.height;
    model.send({ type: "add", point: [e[0] + fx * (e[1] - e[0]), e[3] - fy * (e[3] - e[2])],
                 label: chosen });
  });
  if (model.get("spec") && model.get("spec").classes) { classes(model.get("spec")); }
  draw();
}

export default { render };
"""
)
