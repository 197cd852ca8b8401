// Step through the backward pass on a drawing: step k shows every grad as it stands after k
// steps (unknown, partial or final), highlights the node passing its gradient, its inputs and
// the edges the gradient flows along, and writes the step's formulas. The step-through page and
// the explorer both use it; the data comes from Python (viz.explain's page_data).

/** The step buttons, the counter, and the current step's title and text. */
export const STEP_CONTROLS = `<div class="viz-controls">
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
<pre class="viz-step-text" data-viz="text"></pre>`;

/** What the highlights and the grad styles mean; its swatches take the same colours. */
export const LEGEND = `<div class="viz-legend">
  <span><span class="viz-swatch viz-swatch-current"></span>passes its gradient now</span>
  <span><span class="viz-swatch viz-swatch-input"></span>its inputs</span>
  <span><span class="viz-swatch viz-swatch-edge"></span>edges the gradient flows along</span>
  <span><b class="grad-unknown">grad ?</b> not reached yet</span>
  <span><i class="grad-partial">grad 0.5</i> still being summed</span>
  <span><b class="grad-final">grad 0.5</b> complete</span>
  <span><span class="viz-swatch viz-swatch-leaf"></span>filled: inputs and parameters</span>
  <span><span class="viz-swatch viz-swatch-constant"></span><span class="viz-constant">grey</span>:
    constants</span>
</div>`;

/** A step's text: `parts` are strings and node indices, which stand for the nodes' names. */
function joinParts(parts, names) {
  return parts.map((p) => (typeof p === "number" ? names[p] : p)).join("");
}

/**
 * Wire the step controls inside `root` to the drawing in its .viz-canvas; `panzoom` (or null)
 * keeps the current node in view; play advances every `intervalMs`. Call `bind(data)` with the
 * steps of the drawing shown. Returns { bind, show, key, step, highlight }.
 */
export function stepper(root, panzoom, intervalMs) {
  let data = null;
  let step = 0;
  let timer = null;
  let gradText = [];
  let highlight = true;

  const part = (name) => root.querySelector(`[data-viz=${name}]`);
  const box = (i) => data.box?.[i] || `v${i}`;
  const find = (id) => root.querySelector(`.viz-canvas [id="${id}"]`);

  /** The grad field of each node's box in the drawing (null where none is drawn). */
  function bind(newData) {
    if (newData) {
      data = newData;
    }
    const hidden = new Set(data.hidden || []);
    gradText = [];
    for (let i = 0; i < data.count; i++) {
      const g = hidden.has(i) ? null : find(box(i));
      const texts = g ? [...g.querySelectorAll("text")] : [];
      gradText.push(texts.findLast((t) => t.textContent.startsWith("grad ")) || null);
    }
    show(Math.min(step, data.steps.length - 1));
  }

  function mark(id, cls) {
    const el = find(id);
    el?.classList.add(cls);
    return el;
  }

  /** Every node's grad text and state ("unknown", "partial", "final") after step `k`. */
  function gradsAt(k) {
    const value = new Array(data.count).fill("?");
    const state = new Array(data.count).fill("unknown");
    for (let j = 0; j <= k; j++) {
      const updates = data.steps[j][4];
      for (let n = 0; n < updates.length; n += 3) {
        value[updates[n]] = updates[n + 1];
        state[updates[n]] = updates[n + 2] ? "final" : "partial";
      }
    }
    return { value, state };
  }

  /** Highlight step `s`'s node, its inputs and edges; return the elements to keep in view. */
  function highlightStep(s) {
    for (const el of root.querySelectorAll(".viz-current, .viz-input, .viz-active")) {
      el.classList.remove("viz-current", "viz-input", "viz-active");
    }
    const current = s[1];
    if (!highlight || current < 0) {
      return [];
    }
    mark(`e${current}`, "viz-active");
    s[2].forEach((p, n) => {
      mark(box(p), "viz-input");
      mark(`e${current}_${n}`, "viz-active");
    });
    return [mark(box(current), "viz-current"), mark(`v${current}_op`, "viz-current")];
  }

  function show(k) {
    const steps = data.steps;
    step = Math.max(0, Math.min(steps.length - 1, k));
    const { value, state } = gradsAt(step);
    gradText.forEach((text, i) => {
      if (text) {
        text.textContent = `grad ${value[i]}`;
        text.setAttribute("class", `grad-${state[i]}`);
      }
    });
    const s = steps[step];
    const current = highlightStep(s);
    part("counter").textContent = `step ${step} / ${steps.length - 1}`;
    part("title").textContent = joinParts(s[0], data.names);
    part("text").textContent = s[3].map((line) => joinParts(line, data.names)).join("\n");
    root.setAttribute("data-step", String(step));
    part("prev").disabled = step === 0;
    part("next").disabled = step === steps.length - 1;
    if (step === steps.length - 1) {
      pause();
    }
    panzoom?.reveal(current);
  }

  function pause() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    part("play").innerHTML = "&#x25B6; play";
  }

  function play() {
    if (timer !== null) {
      pause();
      return;
    }
    if (step === data.steps.length - 1) {
      show(0);
    }
    part("play").innerHTML = "&#x275A;&#x275A; pause";
    timer = setInterval(() => show(step + 1), intervalMs);
  }

  function go(k) {
    pause();
    show(k);
  }

  /** Handle a key press; true if it was one of the stepper's (or the pan/zoom's) keys. */
  function key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) {
      return false;
    }
    const actions = {
      ArrowRight: () => go(step + 1),
      n: () => go(step + 1),
      ArrowLeft: () => go(step - 1),
      p: () => go(step - 1),
      " ": play,
      k: play,
      Home: () => go(0),
      End: () => go(data.steps.length - 1),
    };
    if (Object.hasOwn(actions, e.key)) {
      actions[e.key]();
    } else if (!panzoom?.key(e.key)) {
      return false;
    }
    e.preventDefault();
    return true;
  }

  part("first").addEventListener("click", () => go(0));
  part("prev").addEventListener("click", () => go(step - 1));
  part("next").addEventListener("click", () => go(step + 1));
  part("last").addEventListener("click", () => go(data.steps.length - 1));
  part("play").addEventListener("click", play);
  return {
    bind,
    show,
    key,
    step: () => step,
    highlight: (on) => {
      highlight = on;
    },
  };
}
