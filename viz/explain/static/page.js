// The step-through page (viz.explain_backward): its controls around the drawing, the steps
// from the page's JSON data block, and the keys on the whole document.
import { panZoom, ZOOM_BUTTONS } from "./panzoom.js";
import { LEGEND, STEP_CONTROLS, stepper } from "./stepper.js";

const data = JSON.parse(document.getElementById("viz-data").textContent);
const root = document.getElementById("viz");
const viewport = root.querySelector(".viz-viewport");
viewport.insertAdjacentHTML("beforebegin", STEP_CONTROLS + LEGEND);
viewport.insertAdjacentHTML("afterbegin", ZOOM_BUTTONS);
const panzoom = panZoom(root, () =>
  Math.max(200, window.innerHeight - viewport.getBoundingClientRect().top - 12),
);
panzoom.fit();
const steps = stepper(root, panzoom, data.interval_ms);
steps.bind(data);
document.addEventListener("keydown", (e) => steps.key(e));
window.vizStepper = steps; // for the tests, and for a reader at the console
