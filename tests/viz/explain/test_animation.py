"""explain_backward(root).save("backward.gif"): one frame per step, the current node filled red
(read back from the pixels), a caption under each drawing, at most 1280 px wide; `.png` the last
frame; any other extension a ValueError; without Pillow an error naming the extra."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from autograd_core import Value
from tests.conftest import needs
from viz import UnreadableRasterWarning, backward_steps, explain_backward, format_number

from ..helpers import graphviz_pure_installed
from ..samples import neuron, neuron_grads, scoped

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop

HIGHLIGHT = (0xFD, 0xE2, 0xE2)  # the page's legend: "passes its gradient now"


@pytest.fixture(autouse=True)
def _graphviz_pure() -> None:
    needs(graphviz_pure_installed(), "the graphviz-pure command")


def gif_frames(path: Path) -> list[Image.Image]:
    gif = Image.open(path)
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frames.append(gif.convert("RGB"))
    return frames


def box_geometry(dot: str, box: str) -> tuple[float, float, float, float]:
    """(x, y, width, height) of node `box` in points, from laid-out DOT (y up), and the bb."""
    attrs = re.search(rf"\t{box}\t\[(.*?)\];", dot, flags=re.S)
    assert attrs, box
    x, y = (float(v) for v in re.search(r'pos="([\d.]+),([\d.]+)"', attrs.group(1)).groups())
    w = float(re.search(r"width=([\d.]+)", attrs.group(1)).group(1)) * 72
    h = float(re.search(r"height=([\d.]+)", attrs.group(1)).group(1)) * 72
    return x, y, w, h


def fill_near_top(frame: Image.Image, dot: str, box: str) -> tuple[float, float, float]:
    """The mean colour of a pixel row just inside the top of `box` (between outline and text)."""
    bb_w, bb_h = (float(v) for v in re.search(r'bb="0,0,([\d.]+),([\d.]+)"', dot).groups())
    scale = frame.width / (bb_w + 8)  # graphviz pads 4 pt on each side
    x, y, w, h = box_geometry(dot, box)
    top = (bb_h - y - h / 2 + 4) * scale
    row = frame.crop((int((x - w / 3 + 4) * scale), int(top + 6), int((x + w / 3 + 4) * scale),
                      int(top + 7)))  # fmt: skip
    return tuple(ImageStat.Stat(row).mean)  # type: ignore[return-value]


def close(colour: tuple[float, ...], target: tuple[int, ...], tolerance: float = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target))


def test_the_gif_has_one_frame_per_step_each_highlighting_its_node(tmp_path: Path) -> None:
    root = neuron()
    steps = backward_steps(root)
    page = explain_backward(root)
    path = page.save(tmp_path / "backward.gif")
    assert path.read_bytes()[:6] == b"GIF89a"
    frames = gif_frames(path)
    assert len(frames) == len(steps) == 7  # forward, seed, then 5 op results
    assert len({f.size for f in frames}) == 1 and frames[0].width <= 1280
    assert ImageChops.difference(frames[0], frames[-1]).getbbox() is not None
    dots = page.animation.dots()
    for k, (frame, step) in enumerate(zip(frames, steps)):
        current = step["current"]
        if current is None:  # the forward pass: nothing passes a gradient yet
            assert highlighted(frame) == 0
            continue
        assert highlighted(frame) > 500, k
        assert close(fill_near_top(frame, dots[k], f"v{current}"), HIGHLIGHT), k
        for i in step["inputs"]:  # its inputs are outlined, not filled red
            assert not close(fill_near_top(frame, dots[k], f"v{i}"), HIGHLIGHT), (k, i)


def highlighted(frame: Image.Image) -> int:
    """How many pixels have the highlight's fill colour."""
    colours = frame.getcolors(maxcolors=frame.width * frame.height)
    return sum(count for count, colour in colours if close(colour, HIGHLIGHT, 6))


def test_each_frame_is_drawn_from_dot_with_its_step() -> None:
    """The highlight and the grads known so far are in each frame's DOT: no CSS involved."""
    root = neuron()
    steps = backward_steps(root)
    dots = explain_backward(root).animation.dots()
    assert "grad ?" in dots[0] and not re.search(r"grad -?\d", dots[0])  # no gradient yet
    for dot, step in zip(dots[1:], steps[1:]):
        statement = re.search(rf"\tv{step['current']}\t\[(.*?)\];", dot, flags=re.S).group(1)
        assert 'fillcolor="#fde2e2"' in statement and 'color="#d62728"' in statement
        assert "filled" in re.search(r"style=(\S+)", statement).group(1)
    final = neuron_grads()
    for name in ("x1", "w1", "x2", "b", "n"):
        label = re.search(rf'label="\{{ {name} \| data [^|]* \| grad ([^ ]*) \}}"', dots[-1])
        assert label, name
        # the last frame shows every grad (the closed form, rounded as drawings round)
        assert label.group(1) == format_number(final[name]), (name, label.group(1))


def test_the_caption_shows_under_the_drawing_and_changes_with_the_step(tmp_path: Path) -> None:
    page = explain_backward(neuron())
    frames = gif_frames(page.save(tmp_path / "b.gif"))
    dot = page.animation.dots()[0]
    bb_w, bb_h = (float(v) for v in re.search(r'bb="0,0,([\d.]+),([\d.]+)"', dot).groups())
    drawing_bottom = round((bb_h + 8) * frames[0].width / (bb_w + 8))
    assert frames[0].height > drawing_bottom + 60
    bands = [f.crop((0, drawing_bottom + 4, f.width, f.height)).convert("L") for f in frames]
    for band in bands:
        dark = sum(band.histogram()[:128])
        assert dark > 500  # text, not a blank band
    assert ImageChops.difference(bands[2], bands[3]).getbbox() is not None


def test_a_wide_graph_is_scaled_to_1280_pixels_and_a_narrow_one_is_not(tmp_path: Path) -> None:
    a, b = Value(2.0, label="a" * 70), Value(3.0, label="b" * 70)
    y = a * b
    y.label = "y" * 70
    y.backward()
    frames = gif_frames(explain_backward(y, rankdir="LR").save(tmp_path / "wide.gif"))
    assert {f.width for f in frames} == {1280}
    x = Value(2.0, label="x")
    z = x * x
    z.backward()
    frames = gif_frames(explain_backward(z, rankdir="LR").save(tmp_path / "narrow.gif"))
    assert {f.width for f in frames} == {720}  # room for the caption; the drawing centred


def test_a_graph_too_wide_to_read_at_1280_pixels_says_so_once(tmp_path: Path) -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(10):
        y = y.tanh()
    y.backward()
    with pytest.warns(UnreadableRasterWarning, match="too small to read") as caught:
        explain_backward(y, rankdir="LR").save(tmp_path / "long.png")
    assert len(caught) == 1


def test_a_collapsed_scope_is_one_frame(tmp_path: Path) -> None:
    root = scoped()
    frames = gif_frames(explain_backward(root, collapse=2).save(tmp_path / "c.gif"))
    assert len(frames) == len(backward_steps(root, collapse=2)) < len(backward_steps(root))


def test_gif_timing_loops_and_holds_the_last_frame(tmp_path: Path) -> None:
    gif = Image.open(explain_backward(neuron(), play_interval=0.5).save(tmp_path / "t.gif"))
    durations = []
    for k in range(gif.n_frames):
        gif.seek(k)
        durations.append(gif.info["duration"])
    assert durations[:-1] == [500] * (gif.n_frames - 1) and durations[-1] > 1000
    assert gif.info["loop"] == 0


def test_png_is_the_last_frame(tmp_path: Path) -> None:
    page = explain_backward(neuron())
    png = Image.open(page.save(tmp_path / "last.png")).convert("RGB")
    frames = gif_frames(page.save(tmp_path / "all.gif"))
    assert png.size == frames[-1].size

    def distance(a: Image.Image, b: Image.Image) -> float:
        return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean)

    # the GIF's palette costs a little colour; any other frame differs far more
    assert distance(png, frames[-1]) < 1 < distance(png, frames[-2])


def test_the_gif_is_the_same_bytes_each_time(tmp_path: Path) -> None:
    first = explain_backward(neuron()).save(tmp_path / "a.gif").read_bytes()
    assert explain_backward(neuron()).save(tmp_path / "b.gif").read_bytes() == first


def test_save_takes_html_gif_or_png_and_refuses_the_rest(tmp_path: Path) -> None:
    page = explain_backward(neuron())
    assert page.save(tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    for name in ("p.svg", "p.mp4", "p"):
        with pytest.raises(ValueError, match=r"\.html, \.gif, \.png") as error:
            page.save(tmp_path / name)
        assert repr(name) in str(error.value)
        assert not (tmp_path / name).exists()


def test_gif_without_pillow_names_the_extra(tmp_path: Path, monkeypatch) -> None:
    page = explain_backward(neuron())
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    for name in ("b.gif", "b.png"):
        with pytest.raises(ModuleNotFoundError, match=r'pip install "autograd-core\[plot\]"'):
            page.save(tmp_path / name)
    assert page.save(tmp_path / "b.html").is_file()  # the page needs no Pillow


def test_the_readme_gif_steps_through_the_neuron() -> None:
    """docs/images/backward.gif (examples/readme_pictures.py): o = tanh(x * w + b) has 3 ops,
    so the forward pass, the seed and 3 steps; small enough for a README."""
    path = Path(__file__).resolve().parents[3] / "docs" / "images" / "backward.gif"
    frames = gif_frames(path)
    assert len(frames) == 5
    assert ImageChops.difference(frames[0], frames[-1]).getbbox() is not None
    assert frames[0].width <= 1280 and path.stat().st_size < 1_000_000
