// The training view's drawing: `build` makes its elements and `draw` draws one recorded epoch
// into them: the decision boundary with the data points, the loss and accuracy curves up to
// that epoch, gradient norms and dead ReLUs per layer, and the weights as heatmaps. The live
// widget (widget.js) and the replay page (page.js) both draw with it.
//
// The numbers come from Python (viz.training's recorder): `spec` = {classes, colors, extent
// [x0, x1, y0, y1], grid_size, points, labels, n0, layers, epochs, controls}, `curves` = {loss,
// accuracy, val_loss, val_accuracy} (one entry per epoch, null where not measured) and `frame` =
// {epoch, n, grid (class index per cell, top row first), weights, grad_norms, dead}.

const BOUNDARY_SIZE = 300;
const FONT = "Helvetica, Arial, sans-serif";

/** A new element with a class and text, appended to `parent`. */
export function element(tag, cls, parent, text) {
  const el = document.createElement(tag);
  if (cls) {
    el.className = cls;
  }
  if (text) {
    el.textContent = text;
  }
  parent?.appendChild(el);
  return el;
}

function canvas(parent, cls, w, h) {
  const c = element("canvas", cls, parent);
  c.width = w;
  c.height = h;
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  return c;
}

/** The view's elements inside `root`: live controls (`controls`) or a replay's play/scrub. */
export function build(root, controls) {
  root.classList.add("tv-root");
  const ui = { root, live: controls };
  const bar = element("div", "tv-bar", root);
  if (controls) {
    ui.pause = element("button", "tv-pause", bar, "\u2016 pause");
    ui.resume = element("button", "tv-resume", bar, "\u25B6 resume");
    ui.step = element("button", "tv-step", bar, "\u25B6| one epoch");
    ui.stop = element("button", "tv-stop", bar, "\u25A0 stop");
    element("span", "tv-hint", bar, "click the plot to add a point of class");
    ui.classes = element("span", "tv-classes", bar);
  } else {
    ui.play = element("button", "tv-play", bar, "\u25B6 play");
    ui.scrub = element("input", "tv-scrub", bar);
    Object.assign(ui.scrub, { type: "range", min: "0", step: "1", value: "0" });
  }
  ui.status = element("span", "tv-status", bar);
  const grid = element("div", "tv-grid", root);
  const left = element("div", "tv-col", grid);
  ui.boundary = canvas(left, "tv-boundary", BOUNDARY_SIZE, BOUNDARY_SIZE);
  const mid = element("div", "tv-col", grid);
  ui.loss = canvas(mid, "tv-loss", 320, 140);
  ui.acc = canvas(mid, "tv-acc", 320, 140);
  const right = element("div", "tv-col", grid);
  ui.layers = canvas(right, "tv-layers", 300, 140);
  ui.weights = canvas(right, "tv-weights", 300, 150);
  return ui;
}

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** `hex` mixed with white as [r, g, b]: `a` = 1 is the colour itself, 0 is white. */
function tintRgb(hex, a) {
  return rgb(hex).map((v) => Math.round(255 - a * (255 - v)));
}

/** `hex` mixed with white, as a CSS colour. */
function tint(hex, a) {
  return `rgb(${tintRgb(hex, a).join(",")})`;
}

function formatNumber(v) {
  if (v === null || v === undefined) {
    return "\u2013";
  }
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : String(Math.round(v * 1e4) / 1e4);
}

function clear(g, w, h) {
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, h);
}

/**
 * Each class's share of the grid cells around (u, v) (cell units, bilinear, edges clamped): the
 * class with the largest share owns the point, so the boundary runs smoothly between cell
 * centres instead of along the cells' edges. Returns the winning class (-1: none of them).
 */
function classAt(grid, n, u, v) {
  const clamp = (t) => Math.max(0, Math.min(n - 1, t));
  const k0 = clamp(Math.floor(u));
  const r0 = clamp(Math.floor(v));
  const k1 = clamp(k0 + 1);
  const r1 = clamp(r0 + 1);
  const fu = Math.max(0, Math.min(1, u - k0));
  const fv = Math.max(0, Math.min(1, v - r0));
  const share = new Map();
  const add = (r, k, w) => {
    const cls = grid[r * n + k];
    share.set(cls, (share.get(cls) || 0) + w);
  };
  add(r0, k0, (1 - fu) * (1 - fv));
  add(r0, k1, fu * (1 - fv));
  add(r1, k0, (1 - fu) * fv);
  add(r1, k1, fu * fv);
  let best = -1;
  let most = -1;
  for (const [cls, w] of share) {
    if (w > most || (w === most && cls < best)) {
      best = cls;
      most = w;
    }
  }
  return best;
}

/**
 * The predicted class per grid cell, interpolated between the cell centres for every pixel (as
 * TensorFlow Playground draws its boundary: smooth, not a staircase of squares), then the first
 * `count` data points on top.
 */
function drawBoundary(c, spec, frame, count) {
  const g = c.getContext("2d");
  const n = spec.grid_size;
  const e = spec.extent;
  clear(g, c.width, c.height);
  if (frame?.grid) {
    const pixels = g.createImageData(c.width, c.height);
    const tints = spec.colors.map((hex) => tintRgb(hex, 0.3));
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const u = ((x + 0.5) * n) / c.width - 0.5;
        const v = ((y + 0.5) * n) / c.height - 0.5;
        const cls = classAt(frame.grid, n, u, v);
        const [r, gr, b] = cls < 0 ? [238, 238, 238] : tints[cls % tints.length];
        pixels.data.set([r, gr, b, 255], 4 * (y * c.width + x));
      }
    }
    g.putImageData(pixels, 0, 0);
  }
  for (let i = 0; i < Math.min(count, spec.points.length); i++) {
    const [px, py] = spec.points[i];
    const added = i >= spec.n0;
    const x = ((px - e[0]) / (e[1] - e[0])) * c.width;
    const y = ((e[3] - py) / (e[3] - e[2])) * c.height;
    g.beginPath();
    g.arc(x, y, added ? 6 : 4.5, 0, 2 * Math.PI);
    g.fillStyle = spec.colors[spec.labels[i] % spec.colors.length];
    g.fill();
    g.lineWidth = added ? 2.5 : 1;
    g.strokeStyle = "#222";
    g.stroke();
  }
}

/** The axes of a chart from 0 to `top` over `n` epochs, labelled: `unit` names the y axis and
 * `percent` writes its ticks as percentages. Returns the x and y scales. */
function axes(g, box, top, n, unit, percent) {
  const { W, H, L, R, T, B } = box;
  g.strokeStyle = "#999";
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(L, T);
  g.lineTo(L, H - B);
  g.lineTo(W - R, H - B);
  g.stroke();
  g.fillStyle = "#555";
  g.font = `10px ${FONT}`;
  g.textAlign = "right";
  g.fillText(percent ? `${Math.round(top * 100)}%` : formatNumber(top), L - 3, T + 4);
  g.fillText(percent ? "0%" : "0", L - 3, H - B);
  g.textAlign = "left";
  g.fillText("0", L, H - B + 11);
  g.textAlign = "right";
  g.fillText(`${n}`, W - R, H - B + 11);
  g.textAlign = "center";
  g.fillText("epoch", (L + W - R) / 2, H - 3);
  g.save();
  g.translate(10, (T + H - B) / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(unit, 0, 0);
  g.restore();
  return {
    x: (i) => L + ((W - L - R) * i) / n,
    y: (v) => T + (H - T - B) * (1 - v / top),
  };
}

/** One series' line up to epoch `upto`; returns its last value drawn (or null) and the number
 * of points drawn. */
function line(g, scale, s, upto) {
  g.strokeStyle = s.color;
  g.lineWidth = 1.6;
  g.setLineDash(s.dash ? [4, 3] : []);
  g.beginPath();
  let last = null;
  let drawn = 0;
  for (let i = 0; i < Math.min(upto, s.values.length); i++) {
    const v = s.values[i];
    if (v === null || !Number.isFinite(v)) {
      continue;
    }
    if (last === null) {
      g.moveTo(scale.x(i + 1), scale.y(v));
    } else {
      g.lineTo(scale.x(i + 1), scale.y(v));
    }
    last = v;
    drawn += 1;
  }
  g.stroke();
  g.setLineDash([]);
  return { last, drawn };
}

/**
 * Line charts of `series` up to epoch `upto` of `total`, the y axis named `unit`; it ends at
 * `fixed` if set (a share: ticks in %). The canvas's data-points says how many points are drawn.
 */
function drawChart(c, title, unit, series, upto, total, fixed) {
  const g = c.getContext("2d");
  const box = { W: c.width, H: c.height, L: 50, R: 8, T: 16, B: 26 };
  clear(g, box.W, box.H);
  let top = fixed || 0;
  for (const s of series) {
    for (const v of s.values) {
      if (v !== null && Number.isFinite(v) && v > top) {
        top = v;
      }
    }
  }
  if (!fixed) {
    top = top > 0 ? top * 1.05 : 1;
  }
  const n = Math.max(total, 1);
  const scale = axes(g, box, top, n, unit, Boolean(fixed));
  let text = title;
  let points = 0;
  for (const s of series) {
    const { last, drawn } = line(g, scale, s, upto);
    const shown = fixed && last !== null ? `${formatNumber(100 * last)}%` : formatNumber(last);
    text += `   ${s.name} ${shown}`;
    points += drawn;
  }
  c.dataset.points = String(points);
  g.fillStyle = "#222";
  g.textAlign = "left";
  g.font = `11px ${FONT}`;
  g.fillText(text, box.L, 11);
  if (upto > 0 && upto < n) {
    g.strokeStyle = "#bbb";
    g.beginPath();
    g.moveTo(scale.x(upto), box.T);
    g.lineTo(scale.x(upto), box.H - box.B);
    g.stroke();
  }
}

/** Per layer: its gradient norm as a bar, and the share of dead ReLUs (– where none). */
function drawLayers(c, spec, frame) {
  const rows = spec.layers.length;
  const H = 34 + 18 * rows;
  if (c.height !== H) {
    c.height = H;
    c.style.height = `${H}px`;
  }
  const g = c.getContext("2d");
  clear(g, c.width, H);
  g.fillStyle = "#222";
  g.font = `11px ${FONT}`;
  g.textAlign = "left";
  g.fillText("layer", 4, 12);
  g.fillText("gradient norm", 80, 12);
  g.fillText("dead ReLUs", 200, 12);
  if (!frame) {
    return;
  }
  const top = Math.max(0, ...frame.grad_norms.filter((v) => v > 0));
  for (let i = 0; i < rows; i++) {
    const y = 22 + 18 * i;
    const v = frame.grad_norms[i];
    g.fillStyle = "#222";
    g.fillText(spec.layers[i], 4, y + 10);
    g.fillStyle = "#6baed6";
    g.fillRect(80, y, top > 0 ? (70 * v) / top : 0, 12);
    g.fillStyle = "#222";
    g.fillText(formatNumber(v), 154, y + 10);
    const dead = frame.dead[i];
    if (dead === null) {
      g.fillStyle = "#999";
      g.fillText("\u2013", 200, y + 10);
      continue;
    }
    g.fillStyle = "#eee";
    g.fillRect(200, y, 60, 12);
    g.fillStyle = "#d62728";
    g.fillRect(200, y, 60 * dead, 12);
    g.fillStyle = "#222";
    g.fillText(`${Math.round(100 * dead)}%`, 264, y + 10);
  }
}

/** Each layer's weights as a heatmap (rows: neurons; last column: bias), side by side. */
function drawWeights(c, frame) {
  const g = c.getContext("2d");
  clear(g, c.width, c.height);
  g.fillStyle = "#222";
  g.font = `11px ${FONT}`;
  g.textAlign = "left";
  g.fillText("weights (rows: neurons; last column: bias)", 4, 12);
  if (!frame) {
    return;
  }
  const top = frame.weights.flat(2).reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const avail = (c.width - 4) / frame.weights.length - 6;
  let x = 4;
  for (const m of frame.weights) {
    const rows = m.length;
    const cols = m[0].length;
    const s = Math.max(1, Math.min(12, Math.floor(avail / cols), Math.floor(128 / rows)));
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < cols; k++) {
        const t = top > 0 ? m[r][k] / top : 0;
        g.fillStyle = tint(t < 0 ? "#2166ac" : "#b2182b", Math.min(1, Math.abs(t)));
        g.fillRect(x + k * s, 18 + r * s, s, s);
      }
    }
    x += cols * s + 6;
  }
}

/** The series among `candidates` that have at least one measured value. */
function measured(candidates) {
  return candidates.filter((s) => s.values?.some((v) => v !== null));
}

/** Draw `frame` (null: nothing recorded yet) with the curves up to its epoch, and `status`. */
export function draw(ui, spec, curves, frame, status) {
  const total = Math.max(spec.epochs || 0, curves.loss.length);
  const upto = frame ? frame.epoch : curves.loss.length;
  // live, every point the data has now; in a replay, those the data had at the frame's epoch
  drawBoundary(ui.boundary, spec, frame, ui.live || !frame ? spec.points.length : frame.n);
  const loss = measured([
    { name: "train", values: curves.loss, color: "#1f77b4" },
    { name: "validation", values: curves.val_loss, color: "#ff7f0e", dash: true },
  ]);
  drawChart(ui.loss, "loss", "loss", loss, upto, total, 0);
  const acc = measured([
    { name: "train", values: curves.accuracy, color: "#1f77b4" },
    { name: "validation", values: curves.val_accuracy, color: "#ff7f0e", dash: true },
  ]);
  const none = !acc.length && curves.loss.length > 0;
  const title = none ? "accuracy (none: a regression loss)" : "accuracy";
  drawChart(ui.acc, title, "accuracy (%)", acc, upto, total, 1);
  drawLayers(ui.layers, spec, frame);
  drawWeights(ui.weights, frame);
  const epoch = frame ? frame.epoch : 0;
  ui.status.textContent = `epoch ${epoch} of ${total}${status ? ` \u00B7 ${status}` : ""}`;
  ui.root.setAttribute("data-epoch", String(epoch));
  ui.root.setAttribute("data-points", String(spec.points.length));
  ui.root.setAttribute("data-status", status || "");
}
