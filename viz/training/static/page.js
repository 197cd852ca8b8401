// The replay page of a recorded training run (TrainingView.save("run.html")): a scrubber and a
// play button (keys: ← → and space) step through the epochs in the page's JSON data block. It
// opens on the trained model (the last recorded epoch, charts full); play from there starts over
// at epoch 0.
import { build, draw } from "./charts.js";

const data = JSON.parse(document.getElementById("tv-data").textContent);
const ui = build(document.getElementById("tv"), false);
const frames = data.frames;
let k = 0;
let timer = null;
ui.scrub.max = String(frames.length - 1);

function show(i) {
  k = Math.max(0, Math.min(frames.length - 1, i));
  ui.scrub.value = String(k);
  draw(ui, data.spec, data.curves, frames[k], `frame ${k + 1} of ${frames.length}`);
}

function stop() {
  clearInterval(timer);
  timer = null;
  ui.play.textContent = "\u25B6 play";
}

function play() {
  if (timer) {
    stop();
    return;
  }
  if (k >= frames.length - 1) {
    show(0); // from the end: start over
  }
  ui.play.textContent = "\u2016 pause";
  timer = setInterval(() => {
    if (k >= frames.length - 1) {
      stop();
    } else {
      show(k + 1);
    }
  }, 150);
}

ui.scrub.addEventListener("input", () => {
  stop();
  show(parseInt(ui.scrub.value, 10));
});
ui.play.addEventListener("click", play);
document.addEventListener("keydown", (ev) => {
  if (ev.key === "ArrowRight") {
    stop();
    show(k + 1);
  } else if (ev.key === "ArrowLeft") {
    stop();
    show(k - 1);
  } else if (ev.key === " ") {
    ev.preventDefault();
    play();
  }
});
show(frames.length - 1);
