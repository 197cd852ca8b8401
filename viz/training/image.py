"""A recorded training run as images (Pillow): a GIF with one frame per recorded epoch, or a
PNG of one epoch. Each image shows every panel the replay page shows: the decision boundary
with the data points, the loss and accuracy curves up to that epoch (axes labelled), each
layer's gradient norm and dead ReLUs, and the weights; the numbers are those the page gets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..extras import require

WIDTH, HEIGHT = 700, 460  # the height grows with the layers panel's rows
BOX = 300  # the boundary plot's side, in pixels
CHART = (340, 140)
LAYERS_AT = (10, 28 + BOX + 12)  # the layers panel, under the boundary plot
ROW = 18
TRAIN, VALIDATION = (31, 119, 180), (255, 127, 14)


def _pillow() -> Any:
    purpose = "saving a training run as .gif or .png"
    return tuple(
        require(f"PIL.{name}", "plot", purpose) for name in ("Image", "ImageDraw", "ImageFont")
    )


def save_images(
    path: Path,
    spec: dict[str, Any],
    curves: dict[str, Any],
    frames: list[dict[str, Any]],
    title: str,
) -> None:
    """Write one image per frame: a .png of the last frame, or an animated .gif of them all."""
    Image, _, _ = _pillow()
    images = [draw(spec, curves, frame, title) for frame in frames]
    if path.suffix.lower() == ".png":
        images[-1].save(path)
        return
    # A palette per frame, and no frame merged into the next: one frame per recorded epoch.
    images = [im.convert("P", palette=Image.Palette.ADAPTIVE) for im in images]
    images[0].save(
        path, save_all=True, append_images=images[1:], duration=150, loop=0, optimize=False,
        disposal=1,
    )  # fmt: skip


def draw(spec: dict[str, Any], curves: dict[str, Any], frame: dict[str, Any], title: str) -> Any:
    """One epoch's picture as a Pillow RGB image."""
    Image, ImageDraw, ImageFont = _pillow()
    height = max(HEIGHT, LAYERS_AT[1] + 22 + ROW * len(spec["layers"]) + 8)
    image = Image.new("RGB", (WIDTH, height), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    total = max(spec["epochs"] or 0, len(curves["loss"]))
    pen.text((10, 6), f"{title}: epoch {frame['epoch']} of {total}", fill="black", font=font)
    _boundary(image, pen, spec, frame, (10, 28))
    upto = frame["epoch"]
    x = 20 + BOX
    _chart(pen, font, "loss", [("train", curves["loss"], TRAIN),
                               ("validation", curves["val_loss"], VALIDATION)],
           upto, total, None, (x, 28))  # fmt: skip
    _chart(pen, font, "accuracy", [("train", curves["accuracy"], TRAIN),
                                   ("validation", curves["val_accuracy"], VALIDATION)],
           upto, total, 1.0, (x, 38 + CHART[1]))  # fmt: skip
    _weights(pen, frame["weights"], (x, 48 + 2 * CHART[1]), height)
    _layers(pen, font, spec["layers"], frame, LAYERS_AT)
    return image


def _rgb(hex_color: str) -> tuple[int, int, int]:
    n = int(hex_color[1:], 16)
    return (n >> 16) & 255, (n >> 8) & 255, n & 255


def _tint(color: tuple[int, int, int], a: float) -> tuple[int, int, int]:
    r, g, b = (round(255 - a * (255 - v)) for v in color)
    return r, g, b


def _boundary(
    image: Any, pen: Any, spec: dict[str, Any], frame: dict[str, Any], at: tuple[int, int]
) -> None:
    Image, _, _ = _pillow()
    colors = [_rgb(c) for c in spec["colors"]]
    n = spec["grid_size"]
    x0, y0 = at
    if frame.get("grid"):
        tints = [(238, 238, 238)] + [_tint(c, 0.3) for c in colors]
        owner = _smooth_classes(frame["grid"], n, BOX)  # -1: no class, drawn grey
        pixels = np.array(tints, dtype=np.uint8)[np.where(owner < 0, 0, owner % len(colors) + 1)]
        image.paste(Image.fromarray(pixels, "RGB"), at)
    pen.rectangle([x0, y0, x0 + BOX, y0 + BOX], outline=(204, 204, 204))
    e = spec["extent"]
    for i, (p, label) in enumerate(zip(spec["points"][: frame["n"]], spec["labels"])):
        px = x0 + (p[0] - e[0]) / (e[1] - e[0]) * BOX
        py = y0 + (e[3] - p[1]) / (e[3] - e[2]) * BOX
        r = 5 if i >= spec["n0"] else 3.5
        pen.ellipse([px - r, py - r, px + r, py + r], fill=colors[label % len(colors)],
                    outline=(34, 34, 34), width=2 if i >= spec["n0"] else 1)  # fmt: skip


def _smooth_classes(grid: list[int], n: int, size: int) -> Any:
    """A (size, size) array of the class owning each pixel: every class's share of the grid
    cells around the pixel, interpolated bilinearly between cell centres, and the largest
    share wins, so the boundary runs smoothly (as the page draws it: charts.js `classAt`)."""
    cells = np.asarray(grid).reshape(n, n)
    t = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
    i0 = np.floor(t).astype(int)
    i1, f = np.minimum(i0 + 1, n - 1), t - i0
    best, owner = np.full((size, size), -1.0), np.full((size, size), -1)
    for cls in np.unique(cells):  # ascending: a tie goes to the smaller class, as on the page
        hot = (cells == cls).astype(float)
        rows = hot[i0] * (1 - f)[:, None] + hot[i1] * f[:, None]
        share = rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]
        wins = share > best
        best[wins], owner[wins] = share[wins], cls
    return owner


def _chart(
    pen: Any, font: Any, title: str, series: list[tuple[str, Any, tuple[int, int, int]]],
    upto: int, total: int, top: float | None, at: tuple[int, int],
) -> None:  # fmt: skip
    """Curves on a linear scale from 0 (a loss of exactly 0, as hinge reaches, is drawn at 0)."""
    x0, y0 = at
    w, h = CHART
    left, bottom = x0 + 40, y0 + h - 24
    shown = [(name, values, color) for name, values, color in series if values and any(
        v is not None for v in values)]  # fmt: skip
    if top is None:
        finite = [v for _, values, _ in shown for v in values if v is not None and math.isfinite(v)]
        top = max(finite) * 1.05 if finite and max(finite) > 0 else 1.0
    n = max(total, 1)
    share = top == 1.0 and title == "accuracy"  # a share: ticks and readings in %
    grey = (85, 85, 85)
    pen.line([(left, y0 + 14), (left, bottom), (x0 + w, bottom)], fill=(153, 153, 153))
    pen.text((x0, y0 + 12), "100%" if share else f"{top:.3g}", fill=grey, font=font)
    pen.text((x0 + (16 if share else 28), bottom - 8), "0%" if share else "0", fill=grey, font=font)
    pen.text((x0, y0 + 24), "(%)" if share else title, fill=grey, font=font)
    pen.text((left, bottom + 2), "0", fill=grey, font=font)
    pen.text((x0 + w - 6 * len(str(n)), bottom + 2), str(n), fill=grey, font=font)
    pen.text(((left + x0 + w) / 2 - 15, bottom + 2), "epoch", fill=grey, font=font)
    label = title if shown else f"{title} (none)"
    for name, values, color in shown:
        points = [
            (left + (x0 + w - left) * (i + 1) / n, bottom - (bottom - y0 - 14) * v / top)
            for i, v in enumerate(values[:upto])
            if v is not None and math.isfinite(v)
        ]
        if len(points) > 1:
            pen.line(points, fill=color, width=2)
        last = next((v for v in reversed(values[:upto]) if v is not None), None)
        if last is not None:
            label += f"   {name} {100 * last:.3g}%" if share else f"   {name} {last:.4g}"
    pen.text((left, y0), label, fill="black", font=font)


def _layers(
    pen: Any, font: Any, names: list[str], frame: dict[str, Any], at: tuple[int, int]
) -> None:
    """Per layer: its gradient norm as a bar and the share of its ReLUs that are dead (– when
    it has none), as the page's layers panel shows them."""
    x0, y0 = at
    black, grey = (34, 34, 34), (153, 153, 153)
    pen.text((x0, y0), "layer", fill=black, font=font)
    pen.text((x0 + 76, y0), "gradient norm", fill=black, font=font)
    pen.text((x0 + 196, y0), "dead ReLUs (%)", fill=black, font=font)
    norms = frame["grad_norms"]
    top = max((v for v in norms if v > 0), default=0.0)
    for i, (name, norm, dead) in enumerate(zip(names, norms, frame["dead"])):
        y = y0 + 18 + ROW * i
        pen.text((x0, y), name[:12], fill=black, font=font)
        width = 70 * norm / top if top else 0
        pen.rectangle([x0 + 76, y, x0 + 76 + max(width, 1), y + 11], fill=(107, 174, 214))
        pen.text((x0 + 150, y), f"{norm:.3g}", fill=black, font=font)
        if dead is None:
            pen.text((x0 + 196, y), "none (no ReLU)", fill=grey, font=font)
            continue
        pen.rectangle([x0 + 196, y, x0 + 256, y + 11], fill=(238, 238, 238))
        pen.rectangle([x0 + 196, y, x0 + 196 + 60 * dead, y + 11], fill=(214, 39, 40))
        pen.text((x0 + 262, y), f"{round(100 * dead)}%", fill=black, font=font)


def _weights(pen: Any, weights: list[list[list[float]]], at: tuple[int, int], height: int) -> None:
    pen.text(at, "weights (rows: neurons; last column: bias)", fill=(34, 34, 34))
    at = (at[0], at[1] + 14)
    top = max((abs(v) for m in weights for row in m for v in row), default=0.0)
    x, y0 = at
    avail = (WIDTH - x - 10) / max(len(weights), 1) - 6
    for m in weights:
        rows, cols = len(m), len(m[0])
        s = max(1, min(8, int(avail // cols), int((height - y0 - 8) // rows)))
        for r, row in enumerate(m):
            for k, v in enumerate(row):
                t = v / top if top else 0.0
                color = _tint((33, 102, 172) if t < 0 else (178, 24, 43), min(1.0, abs(t)))
                pen.rectangle([x + k * s, y0 + r * s, x + (k + 1) * s - 1, y0 + (r + 1) * s - 1],
                              fill=color)  # fmt: skip
        x += cols * s + 6
