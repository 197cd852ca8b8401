// The explorer widget (viz.explore), an anywidget module: a slider per labelled leaf, the
// drawing with pan/zoom, a hover box per node and the backward pass step by step. It computes
// nothing: a slider sends its value to Python (one request in flight; the latest value wins),
// and Python answers with the new drawing, values, gradients and steps.
import { panZoom, ZOOM_BUTTONS } from "../../explain/static/panzoom.js";
import { LEGEND, STEP_CONTROLS, stepper } from "../../explain/static/stepper.js";

const BODY = `<div class="viz-head viz-output" data-viz="output"></div>
<div class="viz-error" data-viz="error"></div>
<div class="viz-sliders" data-viz="sliders"></div>
<details data-viz="stepping"><summary>step through the backward pass</summary>
${STEP_CONTROLS}
</details>
${LEGEND}
<div class="viz-viewport">${ZOOM_BUTTONS}<div class="viz-canvas"></div></div>
<div class="viz-tip" data-viz="tip"></div>`;

/** Sends slider values to the model, one change in flight at a time; the latest value wins. */
function sender(model) {
  let sent = null;
  let pending = null;
  function flush() {
    if (pending === null) {
      return;
    }
    if (JSON.stringify(pending) === JSON.stringify(model.get("inputs"))) {
      pending = null; // the model holds these already: setting them again sends nothing
      return;
    }
    sent = pending;
    pending = null;
    model.set("inputs", sent);
    model.save_changes();
  }
  return {
    send(name, value) {
      pending = { ...(pending || model.get("inputs")), [name]: value };
      if (sent === null) {
        flush();
      }
    },
    /** Python answered: send what waited. */
    answered() {
      sent = null;
      flush();
    },
  };
}

/** One row per slider: the label, the range input and a readout of its value and gradient. */
function buildSliders(box, model, send) {
  box.innerHTML = "";
  const rows = {};
  if (!model.get("sliders").length) {
    box.textContent = "No slider: label a leaf to get one, e.g. Value(2.0, label='x').";
  }
  for (const s of model.get("sliders")) {
    const label = document.createElement("label");
    label.textContent = s.name;
    const input = document.createElement("input");
    input.type = "range";
    input.min = String(s.min);
    input.max = String(s.max);
    input.step = String(s.step);
    input.dataset.name = s.name;
    input.setAttribute("aria-label", s.name);
    input.id = `viz-slider-${Math.random().toString(36).slice(2)}`;
    label.htmlFor = input.id;
    const readout = document.createElement("span");
    readout.className = "viz-readout";
    input.addEventListener("input", () => send(s.name, parseFloat(input.value)));
    box.append(label, input, readout);
    rows[s.name] = { input, readout, index: s.index };
  }
  return rows;
}

/** Show node `node`'s op, numbers and chain-rule lines in the hover box, near the pointer. */
function showTip(tip, root, node, e) {
  const kind = node.op ? `   (op ${node.op})` : "   (leaf)";
  tip.textContent = `${node.name}${kind}\ndata ${node.data}   grad ${node.grad}\n${node.lines.join("\n")}`;
  tip.style.display = "block";
  const r = root.getBoundingClientRect();
  const x = e.clientX - r.left + 14;
  const y = e.clientY - r.top + 14;
  tip.style.left = `${Math.max(0, Math.min(x, r.width - tip.offsetWidth - 2))}px`;
  const above = y + tip.offsetHeight > r.height;
  tip.style.top = `${above ? Math.max(0, y - 28 - tip.offsetHeight) : y}px`;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "viz-root viz-explorer";
  root.tabIndex = 0;
  root.innerHTML = BODY;
  el.appendChild(root);
  const part = (name) => root.querySelector(`[data-viz=${name}]`);
  const canvas = root.querySelector(".viz-canvas");
  const panzoom = panZoom(root, () => 560, true); // the whole drawing fits the widget
  const steps = stepper(root, panzoom, 900);
  const inputs = sender(model);
  const stepping = part("stepping");
  const tip = part("tip");
  let drawn = false;
  let rows = {};
  steps.highlight(false);

  function values() {
    const nodes = model.get("nodes");
    const given = model.get("inputs");
    const out = nodes.length ? nodes[nodes.length - 1] : null;
    for (const [name, row] of Object.entries(rows)) {
      const node = nodes[row.index];
      if (document.activeElement !== row.input && given[name] !== undefined) {
        row.input.value = String(given[name]);
      }
      row.readout.textContent = node
        ? `${name} = ${node.data}   ∂${out.name}/∂${name} = ${node.grad}`
        : "";
      row.readout.dataset.value = node ? node.data : "";
      row.readout.dataset.grad = node ? node.grad : "";
    }
    const output = part("output");
    output.textContent = out ? `${out.name} = ${out.data}` : "";
    output.dataset.value = out ? out.data : "";
    part("error").textContent = model.get("error");
  }

  function draw() {
    const svg = model.get("svg");
    // a view the user panned or zoomed stays; a fitted one is fitted to the new drawing, which
    // may be wider (longer numbers) than the last
    const keep = drawn && !panzoom.fitted() ? { ...panzoom.state } : null;
    canvas.innerHTML = svg;
    if (!svg) {
      return;
    }
    if (drawn && !keep) {
      panzoom.fit();
    } else if (keep) {
      panzoom.measure();
      Object.assign(panzoom.state, { s: keep.s, x: keep.x, y: keep.y });
      panzoom.apply();
    } else {
      requestAnimationFrame(() => panzoom.fit());
    }
    const data = model.get("steps");
    steps.bind(data);
    if (!drawn) {
      steps.show(data.steps.length - 1);
    }
    drawn = true;
  }

  function update() {
    draw();
    values();
    root.dataset.revision = String(model.get("revision"));
    inputs.answered();
  }

  function sliders() {
    rows = buildSliders(part("sliders"), model, inputs.send);
    values();
  }

  canvas.addEventListener("mouseover", (e) => {
    const g = e.target.closest?.("g.node");
    const match = g && /^v(\d+)(_op)?$/.exec(g.id);
    const node = match && model.get("nodes")[Number(match[1])];
    if (node) {
      showTip(tip, root, node, e);
    } else {
      tip.style.display = "none";
    }
  });
  canvas.addEventListener("mouseout", (e) => {
    if (!e.relatedTarget || !canvas.contains(e.relatedTarget)) {
      tip.style.display = "none";
    }
  });
  stepping.addEventListener("toggle", () => {
    // closed: the final gradients, nothing highlighted; open: the steps, as on the page
    steps.highlight(stepping.open);
    steps.show(stepping.open ? steps.step() : model.get("steps").steps.length - 1);
  });
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName !== "INPUT" && stepping.open) {
      steps.key(e);
    }
  });
  model.on("change:revision", update);
  model.on("change:sliders", sliders);
  sliders();
  update();
  return () => {
    model.off("change:revision", update);
    model.off("change:sliders", sliders);
  };
}

export default { render };
