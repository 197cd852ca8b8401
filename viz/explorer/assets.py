"""The explorer widget's front end: one ES module (anywidget's `render`) and its CSS.

It reuses the step-through page's script (`vizPanZoom`, `vizStepper`) and styles. The module
computes nothing: a slider sends its value to Python (one request in flight; the latest value
wins), and Python answers with the new drawing, values, gradients and steps.
"""

from __future__ import annotations

import json

from ..explain.page_assets import CONTROLS, CSS, LEGEND, SCRIPT, ZOOM

EXPLORER_CSS = (
    CSS
    + """
.viz-explorer { position: relative; outline: none; overflow: hidden; }
.viz-explorer .viz-head { font-weight: bold; font-size: 15px; margin: 2px 0 4px; }
.viz-error { white-space: pre-wrap; font-family: Menlo, Consolas, monospace; font-size: 12px;
  color: #8a1f11; background: #fdecea; border: 1px solid #f5c6cb; padding: 6px 8px;
  margin: 4px 0; }
.viz-error:empty { display: none; }
.viz-sliders { display: grid; grid-template-columns: max-content minmax(120px, 320px) auto;
  gap: 2px 10px; align-items: center; font-size: 13px; margin: 4px 0; max-height: 16em;
  overflow: auto; }
.viz-sliders label { font-family: Menlo, Consolas, monospace; }
.viz-sliders input[type=range] { width: 100%; margin: 0; }
.viz-readout { font-family: Menlo, Consolas, monospace; font-size: 12px; color: #333;
  white-space: nowrap; }
.viz-tip { position: absolute; z-index: 5; display: none; pointer-events: none;
  background: #fffff4; border: 1px solid #bbb; box-shadow: 0 2px 6px rgba(0,0,0,.2);
  padding: 5px 7px; font-family: Menlo, Consolas, monospace; font-size: 12px;
  white-space: pre; max-width: 90%; overflow: hidden; }
.viz-explorer details > summary { cursor: pointer; font-size: 13px; color: #444; }
"""
)

BODY = f"""<div class="viz-head viz-output" data-viz="output"></div>
<div class="viz-error" data-viz="error"></div>
<div class="viz-sliders" data-viz="sliders"></div>
<details data-viz="stepping"><summary>step through the backward pass</summary>
{CONTROLS}
</details>
{LEGEND}
<div class="viz-viewport">{ZOOM}<div class="viz-canvas"></div></div>
<div class="viz-tip" data-viz="tip"></div>"""

ESM = (
    SCRIPT
    + f"\nconst BODY = {json.dumps(BODY)};\n"
    + r"""
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "viz-root viz-explorer";
  root.tabIndex = 0;
  root.innerHTML = BODY;
  el.appendChild(root);
  const part = (name) => root.querySelector("[data-viz=" + name + "]");
  const canvas = root.querySelector(".viz-canvas");
  const panzoom = vizPanZoom(root, () => 520);
  const stepper = vizStepper(root, panzoom, 900);
  stepper.highlight(false);
  let drawn = false, sent = null, pending = null, rows = {};

  function send(name, value) {
    pending = Object.assign({}, pending || model.get("inputs"), { [name]: value });
    if (sent === null) { flush(); }
  }
  function flush() {
    if (pending === null) { return; }
    if (JSON.stringify(pending) === JSON.stringify(model.get("inputs"))) {
      pending = null;  // the model holds these already: setting them again sends nothing
      return;
    }
    sent = pending; pending = null;
    model.set("inputs", sent);
    model.save_changes();
  }
  function sliders() {
    const box = part("sliders");
    box.innerHTML = ""; rows = {};
    if (!model.get("sliders").length) {
      box.textContent = "No slider: label a leaf to get one, e.g. Value(2.0, label='x').";
    }
    model.get("sliders").forEach((s) => {
      const label = document.createElement("label");
      label.textContent = s.name;
      const input = document.createElement("input");
      input.type = "range";
      input.min = String(s.min); input.max = String(s.max); input.step = String(s.step);
      input.dataset.name = s.name;
      input.setAttribute("aria-label", s.name);
      input.id = "viz-slider-" + Math.random().toString(36).slice(2);
      label.htmlFor = input.id;
      const readout = document.createElement("span");
      readout.className = "viz-readout";
      input.addEventListener("input", () => send(s.name, parseFloat(input.value)));
      box.append(label, input, readout);
      rows[s.name] = { input: input, readout: readout, index: s.index };
    });
  }
  function values() {
    const nodes = model.get("nodes"), inputs = model.get("inputs");
    const out = nodes.length ? nodes[nodes.length - 1] : null;
    Object.keys(rows).forEach((name) => {
      const row = rows[name], node = nodes[row.index];
      if (document.activeElement !== row.input && inputs[name] !== undefined) {
        row.input.value = String(inputs[name]);
      }
      row.readout.textContent = node
        ? name + " = " + node.data + "   ∂" + out.name + "/∂" + name + " = " + node.grad : "";
      row.readout.dataset.value = node ? node.data : "";
      row.readout.dataset.grad = node ? node.grad : "";
    });
    const output = part("output");
    output.textContent = out ? out.name + " = " + out.data : "";
    output.dataset.value = out ? out.data : "";
    part("error").textContent = model.get("error");
  }
  function draw() {
    const svg = model.get("svg");
    const keep = drawn ? Object.assign({}, panzoom.state) : null;
    canvas.innerHTML = svg;
    if (!svg) { return; }
    if (keep) {
      panzoom.measure();
      panzoom.state.s = keep.s; panzoom.state.x = keep.x; panzoom.state.y = keep.y;
      panzoom.apply();
    } else {
      requestAnimationFrame(() => panzoom.fit());
    }
    const steps = model.get("steps");
    stepper.bind(steps);
    if (!drawn) { stepper.show(steps.steps.length - 1); }
    drawn = true;
  }
  function update() {
    draw(); values();
    root.dataset.revision = String(model.get("revision"));
    sent = null;
    if (pending !== null) { flush(); }
  }
  const tip = part("tip");
  canvas.addEventListener("mouseover", (e) => {
    const g = e.target.closest && e.target.closest("g.node");
    const match = g && /^v(\d+)(_op)?$/.exec(g.id);
    const node = match && model.get("nodes")[Number(match[1])];
    if (!node) { tip.style.display = "none"; return; }
    tip.textContent = node.name + (node.op ? "   (op " + node.op + ")" : "   (leaf)") +
      "\ndata " + node.data + "   grad " + node.grad + "\n" + node.lines.join("\n");
    tip.style.display = "block";
    const r = root.getBoundingClientRect();
    const x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
    tip.style.left = Math.max(0, Math.min(x, r.width - tip.offsetWidth - 2)) + "px";
    tip.style.top = (y + tip.offsetHeight > r.height ? Math.max(0, y - 28 - tip.offsetHeight)
      : y) + "px";
  });
  canvas.addEventListener("mouseout", (e) => {
    if (!e.relatedTarget || !canvas.contains(e.relatedTarget)) { tip.style.display = "none"; }
  });
  const stepping = part("stepping");
  stepping.addEventListener("toggle", () => {
    // closed: the final gradients, nothing highlighted; open: the steps, as on the page
    stepper.highlight(stepping.open);
    stepper.show(stepping.open ? stepper.step() : model.get("steps").steps.length - 1);
  });
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName !== "INPUT" && part("stepping").open) { stepper.key(e); }
  });
  model.on("change:revision", update);
  model.on("change:sliders", () => { sliders(); values(); });
  sliders();
  update();
  return () => { model.off("change:revision", update); };
}

export default { render };
"""
)
