// Pan and zoom a drawing: the wheel zooms at the pointer (shift+wheel pans sideways), a drag pans,
// buttons and keys zoom about the centre, and "fit" shows the whole width (with `whole`, the whole
// drawing: no wider than the viewport, no taller than its maximum height). The step-through page
// and the explorer both use it. The root holds .viz-viewport > .viz-canvas > svg.

/** The zoom buttons, for the top right corner of the viewport. */
export const ZOOM_BUTTONS = `<div class="viz-zoom">
  <button data-viz="zoom-in" title="zoom in (+)">+</button>
  <button data-viz="zoom-out" title="zoom out (&#x2212;)">&#x2212;</button>
  <button data-viz="zoom-fit" title="fit the width (0)">fit</button>
  <button data-viz="zoom-1" title="natural size">1:1</button>
  <span class="viz-zoom-level" data-viz="zoom-level"></span>
</div>`;

/**
 * Wire up pan and zoom inside `root`; `maxHeight()` bounds the fitted viewport's height, and
 * with `whole` the fitted drawing's height too (nothing is left below the viewport's edge).
 * Returns { fit, fitted, measure, reveal, zoomAt, key, apply, state }; `fitted()` says whether
 * the fitted view is on show (the user has not panned or zoomed since).
 */
export function panZoom(root, maxHeight, whole = false) {
  const viewport = root.querySelector(".viz-viewport");
  const canvas = root.querySelector(".viz-canvas");
  const level = root.querySelector("[data-viz=zoom-level]");
  const state = { s: 1, x: 0, y: 0, w: 0, h: 0 };
  let fitted = true; // showing the fitted view (until the user pans or zooms): refit when the
  // viewport's width changes, also before the first fit (a widget drawn before it is laid out)
  let width = 0;
  let drag = null;

  function apply() {
    canvas.style.transform = `translate(${state.x}px,${state.y}px) scale(${state.s})`;
    if (level) {
      level.textContent = `${Math.round(state.s * 100)}%`;
    }
    root.setAttribute("data-zoom", String(state.s));
  }

  function measure() {
    const svg = canvas.querySelector("svg");
    if (!svg) {
      return false;
    }
    const w = svg.getAttribute("width") || "0";
    const h = svg.getAttribute("height") || "0";
    const k = /pt$/.test(w) ? 4 / 3 : 1; // Graphviz sizes in points; the canvas in pixels
    state.w = parseFloat(w) * k;
    state.h = parseFloat(h) * k;
    svg.setAttribute("width", String(state.w));
    svg.setAttribute("height", String(state.h));
    return true;
  }

  function zoomAt(factor, cx, cy) {
    fitted = false;
    const s = Math.max(0.02, Math.min(8, state.s * factor));
    state.x = cx - ((cx - state.x) * s) / state.s;
    state.y = cy - ((cy - state.y) * s) / state.s;
    state.s = s;
    apply();
  }

  function center(factor) {
    zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }

  function fit() {
    if (!measure()) {
      return;
    }
    const vw = viewport.clientWidth || 800;
    width = viewport.clientWidth; // a later change of width refits (see the ResizeObserver)
    state.s = Math.min(1, vw / state.w);
    if (whole) {
      state.s = Math.min(state.s, (maxHeight() - 4) / state.h);
    }
    const height = Math.min(state.h * state.s + 4, maxHeight());
    viewport.style.height = `${Math.max(120, height)}px`;
    state.x = Math.max(0, (vw - state.w * state.s) / 2);
    state.y = 0;
    fitted = true;
    apply();
  }

  /** Pan so that the elements `els` (those that exist) are inside the viewport. */
  function reveal(els) {
    let r = null;
    for (const el of els) {
      if (!el) {
        continue;
      }
      const b = el.getBoundingClientRect();
      r = r
        ? {
            left: Math.min(r.left, b.left),
            right: Math.max(r.right, b.right),
            top: Math.min(r.top, b.top),
            bottom: Math.max(r.bottom, b.bottom),
          }
        : b;
    }
    const v = viewport.getBoundingClientRect();
    const inside =
      r && r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom;
    if (!r || inside) {
      return;
    }
    state.x += v.left + v.width / 2 - (r.left + r.right) / 2;
    state.y += v.top + v.height / 2 - (r.top + r.bottom) / 2;
    fitted = false;
    apply();
  }

  function key(k) {
    if (k === "+" || k === "=") {
      center(1.25);
    } else if (k === "-") {
      center(0.8);
    } else if (k === "0") {
      fit();
    } else {
      return false;
    }
    return true;
  }

  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (viewport.clientWidth !== width) {
        width = viewport.clientWidth;
        if (fitted) {
          fit();
        }
      }
    }).observe(viewport);
  }
  viewport.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      if (e.shiftKey) {
        state.x -= e.deltaY;
        fitted = false;
        apply();
        return;
      }
      const v = viewport.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.002), e.clientX - v.left, e.clientY - v.top);
    },
    { passive: false },
  );
  viewport.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || e.target.closest("button")) {
      return;
    }
    drag = { x: e.clientX, y: e.clientY };
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add("viz-dragging");
  });
  viewport.addEventListener("pointermove", (e) => {
    if (!drag) {
      return;
    }
    state.x += e.clientX - drag.x;
    state.y += e.clientY - drag.y;
    fitted = false;
    drag = { x: e.clientX, y: e.clientY };
    apply();
  });
  const stop = () => {
    drag = null;
    viewport.classList.remove("viz-dragging");
  };
  viewport.addEventListener("pointerup", stop);
  viewport.addEventListener("pointercancel", stop);
  const buttons = {
    "zoom-in": () => center(1.25),
    "zoom-out": () => center(0.8),
    "zoom-fit": fit,
    "zoom-1": () => center(1 / state.s),
  };
  for (const [name, action] of Object.entries(buttons)) {
    root.querySelector(`[data-viz=${name}]`)?.addEventListener("click", action);
  }
  return { fit, fitted: () => fitted, measure, reveal, zoomAt, key, apply, state };
}
