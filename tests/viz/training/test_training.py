"""TrainingView: recording and saving (here), live in a real kernel (jupyter_client), the replay
page in headless Chromium, and a click in the widget in real JupyterLab (tests/browser.py)."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
import viz
from autograd_core import no_grad
from tests.browser import notebook, pick_kernel, wait_until
from tests.conftest import needs
from tests.kernel import IPYKERNEL6, kernel_available, kernel_env
from viz.training.kernel_pump import KernelPump
from viz.training.live import LiveView
from viz.training.recording import Snapshot

SETUP = """
import json, time
import nn, viz
from IPython.display import display
X, y = nn.data.make_moons(40, noise=0.1, seed=0)
y = 2 * y - 1
model = nn.MLP(2, [8, 1], seed=0)
view = viz.TrainingView(model, X, y, fps=None)
seen = []  # per call of the loss: how many targets it got (full batch: all the data)
pace = 0.0  # seconds each epoch waits: time for the front end's messages to arrive mid-fit
def counting_hinge(outputs, targets):
    seen.append(len(targets))
    time.sleep(pace)
    return nn.hinge(outputs, targets)
display(view)
"""
FIT = """
fit_start = time.time()
history = nn.fit(model, X, y, loss=counting_hinge, optimizer=nn.SGD(model, lr=0.1), epochs=EPOCHS,
                 progress=False, callbacks=[view], to_label=lambda s: 1 if s > 0 else -1)
print(json.dumps({"start": fit_start, "end": time.time(), "seen": seen,
                  "epochs": history.epochs, "n": len(view.X), "last": view.X[-1].tolist(),
                  "last_label": int(view.y[-1])}))
"""
EPOCHS = 8


class Kernel:
    """A real python3 kernel and a client that plays the front end's part; `first`: folders
    first on its PYTHONPATH (an ipykernel other than the venv's)."""

    def __init__(self, cwd: Path, first: Sequence[str] = ()) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(
            kernel_name="python3", cwd=str(cwd), env=kernel_env(first), startup_timeout=120
        )
        self.iopub: list[tuple[float, dict[str, Any]]] = []  # (time received, message)

    def execute(self, code: str) -> str:
        return self.client.execute(code)

    def messages(self, timeout: float = 0.2) -> Iterator[dict[str, Any]]:
        """The iopub messages that arrive within `timeout` of each other, kept in self.iopub."""
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                return
            self.iopub.append((time.time(), msg))
            yield msg

    def until(self, test: Any, timeout: float = 60) -> dict[str, Any]:
        end = time.time() + timeout
        while time.time() < end:
            for msg in self.messages():
                if test(msg):
                    return msg
        raise AssertionError("the kernel never sent the message waited for")

    def send_to_widget(self, comm_id: str, content: dict[str, Any]) -> None:
        data = {"method": "custom", "content": content}
        msg = self.client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.client.shell_channel.send(msg)

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def updates(kernel: Kernel, comm_id: str, key: str) -> list[tuple[float, Any]]:
    """(time sent, value) of every update of the widget's trait `key`, in order."""
    out = []
    for _, msg in kernel.iopub:
        content = msg["content"]
        if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id:
            state = content["data"].get("state", {})
            if content["data"].get("method") == "update" and key in state:
                out.append((msg["header"]["date"].timestamp(), state[key]))
    return out


def is_widget_open(msg: dict[str, Any]) -> bool:
    state = msg["content"].get("data", {}).get("state", {})
    return msg["msg_type"] == "comm_open" and "spec" in state and "_esm" in state


PUMP = """
import json, ipykernel
from viz.training.kernel_pump import KernelPump
queue = KernelPump().queue
print(json.dumps([ipykernel.__version__, queue and queue.version]))
"""


@pytest.fixture(scope="module", params=["the venv's ipykernel", "ipykernel 6"])
def kernel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Kernel]:
    """A kernel running each ipykernel major the project supports (pyproject: >=6,<8): the
    venv's (7) and 6 (from IPYKERNEL6_PATH, see tests/kernel.py); the pump's adapter must know
    the one it runs in."""
    needs(kernel_available(), "nbclient, ipykernel and a python3 kernel spec")
    first = []
    if request.param == "ipykernel 6":
        needs(Path(IPYKERNEL6, "ipykernel").is_dir(), "ipykernel 6 in $IPYKERNEL6_PATH")
        first = [IPYKERNEL6]
    k = Kernel(tmp_path_factory.mktemp("kernel"), first)
    k.execute(PUMP)
    version, adapter = json.loads(k.until(lambda m: m["msg_type"] == "stream")["content"]["text"])
    major = int(version.split(".")[0])
    assert major == 6 if first else major in (6, 7)
    assert adapter == major, f"the kernel pump does not know ipykernel {version}"
    k.iopub.clear()
    yield k
    k.close()


def test_a_fit_in_a_real_kernel_updates_the_widget_while_it_runs(kernel: Kernel) -> None:
    kernel.execute(SETUP)
    opened = kernel.until(is_widget_open)
    comm_id = opened["content"]["comm_id"]
    kernel.until(lambda m: m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
    kernel.iopub.clear()

    kernel.execute(FIT.replace("EPOCHS", str(EPOCHS)))
    result = json.loads(kernel.until(lambda m: m["msg_type"] == "stream")["content"]["text"])
    frames = updates(kernel, comm_id, "frame")
    # one frame per epoch (epoch 0, before training, was sent when the view was displayed)
    assert [f["epoch"] for _, f in frames] == list(range(1, EPOCHS + 1))
    # every one was sent while fit was running, not after the cell
    assert all(result["start"] <= sent <= result["end"] for sent, _ in frames)
    assert len(frames[-1][1]["grid"]) == 60 * 60  # the default grid
    assert [s for _, s in updates(kernel, comm_id, "status")] == ["training", "done"]
    curves = updates(kernel, comm_id, "curves")[-1][1]
    assert len(curves["loss"]) == EPOCHS and len(curves["accuracy"]) == EPOCHS


def test_pause_step_add_and_resume_from_the_front_end_during_a_fit(kernel: Kernel) -> None:
    kernel.iopub.clear()
    kernel.execute("seen.clear(); pace = 0.2")  # the pause must land before 6 epochs are done
    kernel.execute("print(view.widget.comm.comm_id)")
    comm_id = kernel.until(lambda m: m["msg_type"] == "stream")["content"]["text"].strip()
    kernel.iopub.clear()

    kernel.execute(FIT.replace("EPOCHS", "6"))

    def status(value: str) -> Any:
        return lambda m: (
            m["msg_type"] == "comm_msg"
            and m["content"]["data"].get("state", {}).get("status") == value
        )

    def frame_at(epoch: int) -> Any:
        return lambda m: (
            m["msg_type"] == "comm_msg"
            and (m["content"]["data"].get("state", {}).get("frame") or {}).get("epoch") == epoch
        )

    # the view counts epochs over every fit it watched: this fit's first epoch is EPOCHS + 1
    kernel.until(frame_at(EPOCHS + 1))
    kernel.send_to_widget(comm_id, {"type": "pause"})
    kernel.until(status("paused"))
    paused_at = updates(kernel, comm_id, "frame")[-1][1]["epoch"]
    assert EPOCHS + 1 <= paused_at < EPOCHS + 6
    list(kernel.messages(timeout=0.5))  # half a second paused: fit takes no step
    assert updates(kernel, comm_id, "frame")[-1][1]["epoch"] == paused_at
    kernel.execute("print('queued', 6 * 7)")  # a cell run meanwhile waits for fit's cell

    # a point of class index 1 (label +1) at (0.5, 2.0), while paused
    kernel.send_to_widget(comm_id, {"type": "add", "point": [0.5, 2.0], "label": 1})
    spec = kernel.until(lambda m: len(m["content"].get("data", {}).get("state", {}).get(
        "spec", {}).get("points", [])) == 41)["content"]["data"]["state"]["spec"]  # fmt: skip
    assert spec["points"][-1] == [0.5, 2.0] and spec["labels"][-1] == 1

    kernel.send_to_widget(comm_id, {"type": "step"})
    kernel.until(frame_at(paused_at + 1))
    kernel.until(status("paused"))
    kernel.send_to_widget(comm_id, {"type": "resume"})
    result = json.loads(kernel.until(lambda m: m["msg_type"] == "stream")["content"]["text"])
    assert result["epochs"] == 6
    assert result["n"] == 41 and result["last"] == [0.5, 2.0] and result["last_label"] == 1
    # fit's loss saw 40 targets per epoch until the pause, then 41: it trained on the point
    done = paused_at - EPOCHS
    assert result["seen"] == [40] * done + [41] * (6 - done)

    # the cell run while fit was paused ran after it, and the kernel runs cells as usual
    assert kernel.until(lambda m: m["msg_type"] == "stream")["content"]["text"] == "queued 42\n"
    kernel.execute("print(6 * 7)")
    assert kernel.until(lambda m: m["msg_type"] == "stream")["content"]["text"].strip() == "42"


# --- recording and saving, no kernel ---------------------------------------------------------


def moons(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    X, y = nn.data.make_moons(n, noise=0.1, seed=0)
    return X, 2 * y - 1


class Truth:
    """An independent record, per epoch: the parameters, each layer's gradient norm and its
    fraction of ReLUs that output 0 on every sample, by plain loops over the model."""

    def __init__(self, X: np.ndarray) -> None:
        self.X = X.tolist()
        self.params: list[list[list[list[float]]]] = []
        self.norms: list[list[float]] = []
        self.dead: list[list[float]] = []

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        self.params.append(
            [[[*(w.data for w in n.w), n.b.data] for n in layer.neurons] for layer in model.layers]
        )
        self.norms.append(
            [sum(p.grad**2 for p in layer.parameters()) ** 0.5 for layer in model.layers]
        )
        dead = []
        with no_grad():
            outs = [[] for _ in model.layers]
            for x in self.X:
                h = x
                for i, layer in enumerate(model.layers):
                    h = layer(h)
                    outs[i].append([v.data for v in (h if isinstance(h, list) else [h])])
        for rows in outs[:-1]:
            units = list(zip(*rows))
            dead.append(sum(all(v == 0 for v in unit) for unit in units) / len(units))
        self.dead.append(dead)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compile"])
@pytest.mark.parametrize("batch_size", [None, 1, 8])
def test_every_epoch_is_recorded_with_the_numbers_of_the_model_at_that_epoch(compiled, batch_size):
    X, y = moons()
    model = nn.MLP(2, [6, 4, 1], activation="relu", seed=3)
    view, truth = viz.TrainingView(model, X, y, grid=12, every=1), Truth(X)
    history = nn.fit(
        model, X, y, loss="hinge", optimizer=nn.SGD(model, lr=0.2), epochs=5, seed=0,
        batch_size=batch_size, compile=compiled, progress=False, callbacks=[view, truth],
    )  # fmt: skip
    assert view.recorded_epochs == [0, 1, 2, 3, 4, 5]
    frames = view.frames()
    for frame, params, norms, dead in zip(frames[1:], truth.params, truth.norms, truth.dead):
        for got, want in zip(frame["weights"], params):
            assert np.asarray(got) == pytest.approx(np.asarray(want), abs=1e-4)
        assert frame["grad_norms"] == pytest.approx(norms, rel=1e-3)
        assert frame["dead"] == pytest.approx([*dead, None], abs=1e-4)
        assert frame["n"] == 40
    if batch_size is None:  # the first step's gradients on all the data: none is 0
        assert all(v > 0 for v in frames[1]["grad_norms"])
    assert view.recording.curves["loss"] == history.loss
    assert view.recording.curves["accuracy"] == history.accuracy
    # the boundary of the last epoch: the sign of the model's own score at each cell's centre
    x0, x1, y0, y1 = view._recorder.spec()["extent"]
    n = 12
    with no_grad():
        want = [
            1 if model([x0 + (c + 0.5) * (x1 - x0) / n, y1 - (r + 0.5) * (y1 - y0) / n]).data > 0
            else 0
            for r in range(n)
            for c in range(n)
        ]  # fmt: skip
    assert frames[-1]["grid"] == want  # class index 0 is -1, index 1 is +1


@pytest.mark.parametrize("batch_size", [None, 8])
def test_a_compiled_fit_records_the_eager_numbers_without_writing_them_into_the_model(batch_size):
    """The view reads fit's parameter vectors (it says `reads_model = False`): a compiled fit
    records what an eager one does, while the model's Values stay as they were until the end."""
    X, y = moons()

    class Spy:  # reads the Values as they are at each epoch's end (and does not ask for a sync)
        reads_model = False

        def __init__(self) -> None:
            self.values: list[list[float]] = []

        def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
            self.values.append([p.data for p in model.parameters()])

    def train(compiled: bool) -> tuple[viz.TrainingView, Spy, nn.MLP]:
        model = nn.MLP(2, [6, 4, 1], activation="relu", seed=3)
        view, spy = viz.TrainingView(model, X, y, every=1), Spy()
        nn.fit(
            model, X, y, loss="hinge", optimizer=nn.SGD(model, lr=0.2, momentum=0.5), epochs=5,
            seed=0, batch_size=batch_size, compile=compiled, progress=False, callbacks=[view, spy],
        )  # fmt: skip
        return view, spy, model

    eager, _, _ = train(False)
    view, spy, model = train(True)
    assert view.recorded_epochs == eager.recorded_epochs == [0, 1, 2, 3, 4, 5]
    for got, want in zip(view.recording.frames, eager.recording.frames):
        np.testing.assert_allclose(got.data, want.data, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got.grad, want.grad, rtol=1e-9, atol=1e-12)
    initial = view.recording.frames[0].data.tolist()
    assert spy.values == [initial] * 5  # never written while training
    assert [p.data for p in model.parameters()] == view.recording.frames[-1].data.tolist()


def test_past_max_frames_every_other_frame_is_dropped_and_the_interval_doubles():
    X, y = moons(20)
    model = nn.MLP(2, [3, 1], seed=0)
    view = viz.TrainingView(model, X, y, every=1, max_frames=4)
    nn.fit(model, X, y, loss="hinge", epochs=20, progress=False, callbacks=[view])
    # 0..4 recorded, then thinned to 0 2 4 (2 apart from now on); 6, 8 -> thinned to 0 4 8
    # (4 apart); 12, 16 -> thinned to 0 8 16 (8 apart); the last epoch, 20, is always kept
    assert view.recorded_epochs == [0, 8, 16, 20]
    assert len(view.recording.curves["loss"]) == 20  # the curves keep every epoch


def test_each_live_update_shows_the_model_as_it_is_copying_it_once_per_recorded_epoch():
    X, y = moons(20)
    model = nn.MLP(2, [3, 1], seed=0)
    view = viz.TrainingView(model, X, y, every=2, fps=None)
    recorder = view._recorder
    snapshot, taken = recorder.snapshot, []
    shown: list[tuple[Any, Any]] = []  # per update: the frame sent, the model's frame now

    class Widget:
        def __init__(self, **traits: Any) -> None:
            pass

        def on_msg(self, callback: Any) -> None:
            pass

        def hold_sync(self) -> Any:
            return contextlib.nullcontext()

        def __setattr__(self, name: str, value: Any) -> None:
            if name == "frame":
                data, grad = recorder.probe.vectors()  # the model's Values: an eager fit's
                now = Snapshot(recorder.epoch, data, grad, len(recorder.data.X))
                shown.append((value, recorder.frame(now)))

    view._live = LiveView(recorder, None, Widget, KernelPump())  # as displaying it does
    shown.clear()

    def counting() -> Any:
        taken.append(recorder.epoch)
        return snapshot()

    recorder.snapshot = counting  # type: ignore[method-assign]
    nn.fit(model, X, y, loss="hinge", epochs=5, progress=False, callbacks=[view])
    assert [sent["epoch"] for sent, _ in shown] == [0, 1, 2, 3, 4, 5, 5]
    assert all(sent == now for sent, now in shown)
    assert view.recorded_epochs == [0, 2, 4, 5]
    # begin, 1, 2 (recorded and shown), 3, 4 (recorded and shown), 5, 5 (recorded and shown)
    assert taken == [0, 1, 2, 3, 4, 5, 5]


def test_a_point_added_while_training_is_trained_on_and_drawn():
    X, y = moons(20)
    model = nn.MLP(2, [3, 1], seed=0)
    view = viz.TrainingView(model, X, y, every=1)
    seen: list[int] = []

    def counting_hinge(outputs: Any, targets: Any) -> Any:
        seen.append(len(targets))
        return nn.hinge(outputs, targets)

    class Click:
        def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
            if epoch == 1:
                view.add_point([0.25, -0.75], -1)

    nn.fit(model, X, y, loss=counting_hinge, epochs=4, progress=False, callbacks=[view, Click()])
    assert seen == [20, 20, 21, 21]
    assert view.X.shape == (21, 2) and view.X[-1].tolist() == [0.25, -0.75] and view.y[-1] == -1
    assert [f["n"] for f in view.frames()] == [20, 20, 20, 21, 21]
    spec = view._recorder.spec()
    assert spec["points"][-1] == [0.25, -0.75] and spec["labels"][-1] == 0 and spec["n0"] == 20
    # training again goes on from the grown data
    nn.fit(model, view.X, view.y, loss="hinge", epochs=1, progress=False, callbacks=[view])
    assert view.recorded_epochs[-1] == 5


def test_the_gif_has_one_frame_per_recorded_epoch_and_the_png_shows_the_last(tmp_path):
    from PIL import Image

    X, y = moons()
    model = nn.MLP(2, [8, 1], seed=0)
    view = viz.TrainingView(model, X, y)
    nn.fit(model, X, y, loss="hinge", epochs=6, progress=False, callbacks=[view])
    # by default epochs are recorded as often as 5% of the training time allows: always the
    # model before training (0) and after the last epoch
    epochs = view.recorded_epochs
    assert epochs[0] == 0 and epochs[-1] == 6 and epochs == sorted(set(epochs))
    gif = view.save(tmp_path / "run.gif")
    with Image.open(gif) as im:
        assert im.n_frames == len(epochs)
        im.seek(0)
        first = np.asarray(im.convert("RGB"))
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert (first != last).any()
    png = view.save(tmp_path / "run.png")
    with Image.open(png) as im:
        assert im.format == "PNG"
        final = np.asarray(im.convert("RGB"))
    assert final.shape == last.shape and np.abs(final.astype(int) - last).max() <= 16
    # a boundary cell far from every point has the colour of the class the model predicts there
    from viz.training.image import BOX

    spec = view._recorder.spec()
    x0, x1, y0, y1 = spec["extent"]
    cx, cy = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)  # near the bottom-left corner
    assert min(np.hypot(*(X - [cx, cy]).T)) > 0.2
    with no_grad():
        cls = 1 if model([cx, cy]).data > 0 else 0
    color = np.array([int(spec["colors"][cls][i : i + 2], 16) for i in (1, 3, 5)])
    tint = np.round(255 - 0.3 * (255 - color))
    pixel = final[28 + int(0.97 * BOX), 10 + int(0.03 * BOX)]
    assert np.abs(pixel - tint).max() <= 1
    # the layers panel under the boundary plot: a gradient-norm bar per layer, in the page's blue
    from viz.training.image import LAYERS_AT

    x0, y0 = LAYERS_AT
    panel = final[y0 : y0 + 22 + 18 * 2, x0 + 76 : x0 + 150]
    bars = np.all(np.abs(panel.astype(int) - [107, 174, 214]) <= 2, axis=-1)
    assert bars.any(axis=1).reshape(-1).sum() >= 2 * 10  # two bars (layers), ~12 px tall each


def test_saving_images_without_pillow_names_the_extra_to_install(tmp_path, monkeypatch):
    X, y = moons(10)
    view = viz.TrainingView(nn.MLP(2, [2, 1], seed=0), X, y)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "autograd-core\[plot\]"'):
        view.save(tmp_path / "run.png")
    view.save(tmp_path / "run.html")  # the page needs no Pillow


def test_bad_arguments_raise_clear_errors(tmp_path):
    X, y = moons(10)
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match="parameters\\(\\) and a call"):
        viz.TrainingView(object(), X, y)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9 targets"):
        viz.TrainingView(model, X, y[:9])
    with pytest.raises(ValueError, match=r"grid \(cells per side\) must be at least 2"):
        viz.TrainingView(model, X, y, grid=1)
    with pytest.raises(ValueError, match="fps must be a positive number"):
        viz.TrainingView(model, X, y, fps=0)
    with pytest.raises(TypeError, match="every must be an int"):
        viz.TrainingView(model, X, y, every=1.5)
    view = viz.TrainingView(model, X, y)
    with pytest.raises(ValueError, match="writes .html, .gif or .png"):
        view.save(tmp_path / "run.txt")
    with pytest.raises(ValueError, match="label must be one of the classes"):
        view.add_point([0.0, 0.0], 7)
    with pytest.raises(ValueError, match="2 finite numbers"):
        view.add_point([0.0, float("nan")], 1)
    with pytest.raises(ValueError, match="other data than this TrainingView shows"):
        nn.fit(model, X[:5], y[:5], epochs=1, progress=False, callbacks=[view])
    with pytest.raises(ValueError, match="made for another model"):
        nn.fit(nn.MLP(2, [2, 1]), X, y, epochs=1, progress=False, callbacks=[view])


# --- the replay page in headless Chromium ---------------------------------------------------


def canvases(driver: Any) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#tv canvas')].map(c => c.toDataURL());"
    )


def test_the_saved_page_replays_the_run_from_file_in_chromium(chromium, tmp_path):
    X, y = moons()
    model = nn.MLP(2, [8, 8, 1], seed=0)
    view = viz.TrainingView(model, X, y, title="two moons")
    nn.fit(model, X, y, loss="hinge", epochs=12, progress=False, callbacks=[view],
           validation=moons(20))  # fmt: skip
    page = view.save(tmp_path / "run.html")
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing fetched

    chromium.get(page.as_uri())
    root = "document.querySelector('.tv-root')"
    # it opens on the trained model: the last recorded epoch, every epoch's point drawn
    wait_until(lambda: chromium.execute_script(f"return {root} && {root}.dataset.epoch === '12'"),
               10, "the page to open on the last epoch")  # fmt: skip
    last = len(view.recorded_epochs) - 1
    assert chromium.execute_script("return document.querySelector('.tv-scrub').value") == str(last)
    drawn = chromium.execute_script(
        "return ['.tv-loss', '.tv-acc'].map(s => document.querySelector(s).dataset.points);"
    )
    assert drawn == [str(2 * 12), str(2 * 12)]  # train and validation, epochs 1 to 12
    final, final_shot = canvases(chromium), chromium.get_screenshot_as_png()
    chromium.execute_script(
        "var s = document.querySelector('.tv-scrub'); s.value = 0;"
        "s.dispatchEvent(new Event('input'));"
    )
    wait_until(lambda: chromium.execute_script(f"return {root}.dataset.epoch === '0'"), 10,
               "the scrubber to show epoch 0")  # fmt: skip
    first, first_shot = canvases(chromium), chromium.get_screenshot_as_png()
    assert first_shot != final_shot
    assert first[0] != final[0]  # the decision boundary moved
    assert first[1] != final[1]  # the loss curve is drawn up to the frame's epoch
    # play from the end starts over at epoch 0 and runs to the end by itself
    chromium.execute_script(
        "var s = document.querySelector('.tv-scrub'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input'));",
        last,
    )
    wait_until(lambda: chromium.execute_script(f"return {root}.dataset.epoch === '12'"), 10,
               "the scrubber to show the last epoch")  # fmt: skip
    chromium.execute_script(  # note every epoch shown from now on
        f"window.shown = []; new MutationObserver(() => window.shown.push({root}.dataset.epoch))"
        f".observe({root}, {{attributes: true, attributeFilter: ['data-epoch']}});"
    )
    chromium.find_element("css selector", ".tv-play").click()
    wait_until(lambda: chromium.execute_script(f"return {root}.dataset.epoch === '12'"), 20,
               "play to reach the last epoch")  # fmt: skip
    shown = chromium.execute_script("return window.shown;")
    assert shown[0] == "0" and shown[-1] == "12", shown
    errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


# --- the live widget in real JupyterLab -------------------------------------------------------

LAB_SETUP = """
import nn, viz
X, y = nn.data.make_moons(40, noise=0.1, seed=0)
y = 2 * y - 1
model = nn.MLP(2, [8, 1], seed=0)
view = viz.TrainingView(model, X, y, fps=20)
seen = []
def counting_hinge(outputs, targets):
    seen.append(len(targets))
    return nn.hinge(outputs, targets)
"""
LAB_FIT = """
history = nn.fit(model, X, y, loss=counting_hinge, epochs=100000, progress=False,
                 callbacks=[view], to_label=lambda s: 1 if s.data > 0 else -1)
import json
print("fit done", json.dumps({"epochs": history.epochs, "n": len(view.X),
      "point": view.X[-1].tolist(), "label": int(view.y[-1]),
      "extent": view._recorder.spec()["extent"], "first_41": seen.index(41), "seen": len(seen)}))
"""


def run_first_cell(driver: Any, lab: Any, path: str) -> None:
    """Open `path` and run its first cell with the toolbar's run button (no waiting for it)."""
    from selenium.webdriver.common.by import By

    driver.get(lab.page(path))

    def kernel_ready() -> bool:
        pick_kernel(driver)  # JupyterLab may ask for the kernel before it starts one
        sessions = [s for s in lab.api("GET", "api/sessions") if s["path"] == path]
        shown = driver.execute_script(
            "var el = document.querySelector('.jp-Notebook-ExecutionIndicator');"
            "return document.querySelector('.jp-Notebook .jp-Cell') !== null && el !== null"
            " && el.getAttribute('data-status') === 'idle';"
        )
        return bool(shown and sessions and sessions[0]["kernel"]["execution_state"] == "idle")

    wait_until(kernel_ready, 60, f"JupyterLab to open {path} and start its kernel")
    run = "jp-button[data-command='notebook:run-cell-and-select-next']"
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, run), 20, "the run button")[0].click()
    # JupyterLab may still ask which kernel to use: the notebook's own, python3
    started = wait_until(
        lambda: driver.find_elements(By.CSS_SELECTOR, ".tv-root, .jp-Dialog .jp-mod-accept"),
        60,
        "the cell to start (or JupyterLab to ask for a kernel)",
    )
    if "jp-mod-accept" in (started[0].get_attribute("class") or ""):
        started[0].click()


def test_the_widget_in_jupyterlab_pauses_steps_and_takes_a_clicked_point(chromium, jupyterlab):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver = chromium
    # one cell: the view is displayed, then fit runs in the same cell, as a reader would write it
    path = jupyterlab.upload("training.ipynb", notebook(LAB_SETUP + "display(view)\n" + LAB_FIT))
    run_first_cell(driver, jupyterlab, path)

    def widget(name: str) -> str | None:
        return driver.execute_script(
            "var el = document.querySelector('.tv-root'); return el && el.dataset[arguments[0]];",
            name,
        )

    # the widget redraws while fit blocks the kernel in its cell
    wait_until(lambda: widget("status") == "training" and int(widget("epoch")) >= 3, 60,
               "the widget to show fit's epochs live")  # fmt: skip
    driver.find_element(By.CSS_SELECTOR, ".tv-pause").click()
    wait_until(lambda: widget("status") == "paused", 20, "the pause to take effect")
    epoch = int(widget("epoch"))
    time.sleep(1.0)
    assert int(widget("epoch")) == epoch  # paused: no epoch ran

    # choose class 1 (label +1) and click at canvas pixel (60, 40) of the boundary plot
    driver.find_element(By.CSS_SELECTOR, ".tv-class[data-class='1']").click()
    canvas = driver.find_element(By.CSS_SELECTOR, ".tv-boundary")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, 60 - size["width"] // 2, 40 - size["height"] // 2
    ).click().perform()
    wait_until(lambda: widget("points") == "41", 20, "the kernel to take the clicked point")
    pixel = driver.execute_script(
        "var c = document.querySelector('.tv-boundary');"
        "return Array.from(c.getContext('2d').getImageData(60, 40, 1, 1).data);"
    )
    assert pixel[:3] == [214, 39, 40]  # the new point, drawn in class 1's colour (#d62728)

    driver.find_element(By.CSS_SELECTOR, ".tv-step").click()
    wait_until(lambda: widget("epoch") == str(epoch + 1) and widget("status") == "paused", 20,
               "one epoch, then paused again")  # fmt: skip
    driver.find_element(By.CSS_SELECTOR, ".tv-stop").click()
    text = wait_until(
        lambda: driver.execute_script(
            "return [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".map(e => e.innerText).find(t => t.includes('fit done'));"
        ),
        30,
        "fit to end after the stop",
    )
    result = json.loads(text.split("fit done", 1)[1])
    assert result["epochs"] == epoch + 1  # stopped after the one stepped epoch
    assert result["n"] == 41 and result["label"] == 1
    # the point is where the click was, through the plot's extent
    x0, x1, y0, y1 = result["extent"]
    px, py = result["point"]
    assert (px - x0) / (x1 - x0) * 300 == pytest.approx(60, abs=1.5)
    assert (y1 - py) / (y1 - y0) * 300 == pytest.approx(40, abs=1.5)
    # fit's loss saw the 41 samples from the stepped epoch on (full batch: one call per epoch)
    assert result["first_41"] == epoch and result["seen"] == epoch + 1
