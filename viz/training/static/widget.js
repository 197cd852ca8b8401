// The training view's live widget (viz.TrainingView in Jupyter), an anywidget module. Python
// sets `spec`, `curves`, `frame` and `status`; the buttons send {type: "pause" | "resume" |
// "step" | "stop"} and a click on the plot sends {type: "add", point: [x, y], label: i}.
import { build, draw, element } from "./charts.js";

/** The class buttons: the chosen one is outlined; a click on the plot adds a point of it. */
function classButtons(ui, spec, chosen, choose) {
  ui.classes.textContent = "";
  spec.classes.forEach((name, i) => {
    const b = element("button", `tv-class${i === chosen ? " tv-on" : ""}`, ui.classes, name);
    b.style.color = spec.colors[i % spec.colors.length];
    b.setAttribute("data-class", String(i));
    b.addEventListener("click", () => choose(i));
  });
}

function render({ model, el }) {
  const ui = build(el, true);
  let chosen = 0;
  let pending = false;

  function classes() {
    classButtons(ui, model.get("spec"), chosen, (i) => {
      chosen = i;
      classes();
    });
  }

  function redraw() {
    pending = false;
    const spec = model.get("spec");
    if (!spec?.points) {
      return;
    }
    const status = model.get("status");
    draw(ui, spec, model.get("curves"), model.get("frame"), status);
    const live = spec.controls && (status === "training" || status === "paused");
    ui.pause.disabled = !live || status === "paused";
    ui.resume.disabled = !live || status !== "paused";
    ui.step.disabled = !live;
    ui.stop.disabled = !live;
  }

  function later() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(redraw);
    }
  }

  for (const name of ["spec", "curves", "frame", "status"]) {
    model.on(`change:${name}`, later);
  }
  model.on("change:spec", classes);
  for (const type of ["pause", "resume", "step", "stop"]) {
    ui[type].addEventListener("click", () => model.send({ type }));
  }
  ui.boundary.addEventListener("click", (ev) => {
    const e = model.get("spec").extent;
    const box = ui.boundary.getBoundingClientRect();
    const fx = (ev.clientX - box.left) / box.width;
    const fy = (ev.clientY - box.top) / box.height;
    const point = [e[0] + fx * (e[1] - e[0]), e[3] - fy * (e[3] - e[2])];
    model.send({ type: "add", point, label: chosen });
  });
  if (model.get("spec")?.classes) {
    classes();
  }
  redraw();
}

export default { render };
