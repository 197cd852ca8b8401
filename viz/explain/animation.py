"""The step-through as pictures for slides: `explain_backward(root).save("backward.gif")`.

One frame per step of the page (`viz.backward_steps`). The drawing is laid out once, with the
final grads as the page's drawing is, and each frame re-renders that layout unchanged (Graphviz's
`nop2` engine keeps every position) from DOT restyled for its step: the grads known so far
(`grad ?` before), the current node filled red, its inputs outlined blue, the edges the gradient
flows along red (the page's legend). So a frame depends on no CSS, only on the layout program.
Under the drawing the step's title and formula lines are the caption (Pillow draws them).
"""

from __future__ import annotations

import math
import os
import re
import textwrap
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from ..drawing.digraph import Digraph
from ..drawing.layout_program import (
    DEFAULT_DPI,
    MIN_TEXT_PIXELS,
    UnreadableRasterWarning,
    find_renderer,
)
from ..extras import matplotlib_font, require
from ..jupyter import HTMLPage
from .steps import Walk

__all__ = ["FRAME_WIDTH", "SAVES", "Animation", "BackwardPage", "frame_dot", "highlights"]

FRAME_WIDTH = 1280
"""Frames are this many pixels wide at most (a 720p/1080p slide), scaled down to it."""

MIN_WIDTH = 720
"""Narrower drawings are centred on frames this wide, so the caption has room."""

SAVES = (".html", ".gif", ".png")
"""What `explain_backward(root).save(path)` writes, by extension."""

LEGEND_CSS = Path(__file__).parent / "static" / "stepper.css"
"""The page's highlight colours live here (`--viz-current`, ...); frames use the same."""

CAPTION_LINES = 9
"""Formula lines a caption shows at most (a collapsed scope's step can have more)."""
LAST_HOLD = 3.0
"""The last frame shows this many times as long as the others."""


def frame_dot(laid_out: str, styles: dict[str, dict[str, str]], grads: dict[str, str]) -> str:
    """The laid-out DOT `laid_out` (from `-Tdot`) with the attributes `styles[id]` set on the
    node or edge of that id, and the grad field of box `id` showing `grads[id]`."""

    def restyle(match: re.Match[str]) -> str:
        attrs = dict(_PAIR.findall(match.group(1)))
        key = _unquote(attrs.get("id", ""))
        changes = dict(styles.get(key, {}))
        label = _unquote(attrs.get("label", ""))
        fields = _GRAD.findall(label) if key in grads else []
        if fields:
            head, _, tail = label.rpartition(fields[-1])
            changes["label"] = f"{head}grad {grads[key]}{tail}"  # the rest is escaped already
        if "fillcolor" in changes:
            changes.setdefault("style", _filled(_unquote(attrs.get("style", ""))))
        if not changes:
            return match.group(0)
        attrs.update((name, f'"{value}"') for name, value in changes.items())
        return "[" + ",\n\t\t".join(f"{name}={value}" for name, value in attrs.items()) + "]"

    return _ATTRS.sub(restyle, laid_out)


_ATTRS = re.compile(r'\[((?:[^\]"]|"(?:[^"\\]|\\.)*")*)\]')
_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')
_GRAD = re.compile(r"grad [^|{}\s]*")


def highlights() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """DOT attributes for the node passing its gradient now (a red outline and a light red
    fill), for its inputs (blue outlines) and for the edges the gradient flows along (red), in
    the colours of the page's legend."""
    css = LEGEND_CSS.read_text(encoding="utf-8")
    colour = dict(re.findall(r"--viz-([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", css))
    red = colour["current"]
    current = {"color": red, "fillcolor": colour["current-fill"], "penwidth": "3"}
    edge = {"color": red, "fontcolor": red, "penwidth": "2.5"}
    return current, {"color": colour["input"], "penwidth": "2.5"}, edge


def _unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') else value


def _filled(style: str) -> str:
    parts = [s for s in style.split(",") if s]
    return ",".join(["filled", *(p for p in parts if p != "filled")])


@dataclass
class Animation:
    """The frames of a backward pass: the page's drawing (`graph`, laid out with the final
    grads), its steps, which box shows each node (`box`; default `v{i}`), and the nodes whose
    grad the drawing does not show (`hidden`)."""

    graph: Digraph
    walk: Walk
    box: dict[int, str]
    hidden: set[int]
    interval: float
    _dots: list[str] = field(default_factory=list, repr=False)

    def dots(self) -> list[str]:
        """Each step's DOT, laid out once (the same positions in every frame)."""
        if not self._dots:
            laid_out = self.graph.pipe(format="dot", encoding="utf-8")
            self._dots = [frame_dot(laid_out, *self._step_style(k)) for k in range(len(self))]
        return self._dots

    def __len__(self) -> int:
        return len(self.walk.steps)

    def _step_style(self, k: int) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
        """What step k restyles: {id: attributes} and {box id: grad text}."""
        texts = ["?"] * len(self.walk.order)
        for step in self.walk.steps[: k + 1]:
            for j, text, _ in step.updates:
                texts[j] = text
        grads = {self._box(i): t for i, t in enumerate(texts) if i not in self.hidden}
        step = self.walk.steps[k]
        styles: dict[str, dict[str, str]] = {}
        if step.current is not None:
            current, inputs, edge = highlights()
            i = step.current
            for j in step.inputs:
                styles[self._box(j)] = inputs
            styles[self._box(i)] = styles[f"v{i}_op"] = current
            styles[f"e{i}"] = edge
            for n in range(len(step.inputs)):
                styles[f"e{i}_{n}"] = edge
        return styles, grads

    def _box(self, i: int) -> str:
        return self.box.get(i, f"v{i}")

    def captions(self) -> list[tuple[str, list[str]]]:
        """Each step's caption: its title (numbered) and its formula lines."""
        last = len(self) - 1
        return [
            (f"Step {k} of {last}: {self.walk.text(s.title)}", [self.walk.text(x) for x in s.lines])
            for k, s in enumerate(self.walk.steps)
        ]

    def frames(self) -> list[Any]:
        """The frames as Pillow RGB images, all the same size: FRAME_WIDTH wide, or the
        drawing's natural width (at 96 dpi) when less, and at least MIN_WIDTH."""
        image = require("PIL.Image", "plot", "saving the backward pass as .gif or .png")
        dpi, natural = self._dpi()
        text = 12 * dpi / 72  # pixels of 12 pt text
        if text < MIN_TEXT_PIXELS:
            warnings.warn(
                f"the drawing is {natural:.0f} pixels wide; in a {FRAME_WIDTH}-pixel frame its "
                f"text is {text:.2g} pixels tall, too small to read. Step through less: a "
                "sub-expression, or collapse= name scopes",
                UnreadableRasterWarning,
                stacklevel=4,
            )
        with warnings.catch_warnings():  # said once above, not once a frame
            warnings.simplefilter("ignore", UnreadableRasterWarning)
            drawings = [self._drawing(image, dot, dpi) for dot in self.dots()]
        widest = max(d.width for d in drawings)
        width = FRAME_WIDTH if natural >= FRAME_WIDTH else max(MIN_WIDTH, widest)
        fonts = _Fonts.load()
        captions = [fonts.wrap(title, lines, width) for title, lines in self.captions()]
        band = max(fonts.height(c) for c in captions)
        frames = []
        for drawing, caption in zip(drawings, captions):
            frame = image.new("RGB", (width, drawing.height + band), "white")
            frame.paste(drawing.convert("RGB"), ((width - drawing.width) // 2, 0))
            fonts.draw(frame, caption, drawing.height)
            frames.append(frame)
        return frames

    def _dpi(self) -> tuple[float, float]:
        """The resolution that draws the layout at most FRAME_WIDTH pixels wide, and the
        drawing's width in pixels at 96 dpi."""
        size = re.search(r'bb="[\d.-]+,[\d.-]+,([\d.]+),[\d.]+"', self.dots()[0])
        natural = ((float(size.group(1)) if size else 0.0) + 8) * DEFAULT_DPI / 72  # 4 pt pads
        return DEFAULT_DPI * min(1.0, FRAME_WIDTH / natural), natural

    def _drawing(self, image: Any, dot: str, dpi: float) -> Any:
        """One step's drawing as an image (`image`: PIL.Image), no wider than FRAME_WIDTH."""
        png = find_renderer(self.graph.backend, "png").run("nop2", "png", dot.encode(), dpi=dpi)
        drawing = image.open(BytesIO(png))
        if drawing.width > FRAME_WIDTH:  # a pixel of rounding
            height = round(drawing.height * FRAME_WIDTH / drawing.width)
            drawing = drawing.resize((FRAME_WIDTH, height), image.Resampling.LANCZOS)
        return drawing

    def save_gif(self, path: Path) -> None:
        """An animated GIF that loops: `interval` seconds a step, the last held longer."""
        image = require("PIL.Image", "plot", "saving the backward pass as .gif")
        frames = [f.convert("P", palette=image.Palette.ADAPTIVE) for f in self.frames()]
        ms = round(self.interval * 1000)
        durations = [ms] * (len(frames) - 1) + [round(ms * LAST_HOLD)]
        frames[0].save(
            path, save_all=True, append_images=frames[1:], duration=durations, loop=0,
            optimize=False, disposal=1,
        )  # fmt: skip

    def save_png(self, path: Path) -> None:
        """The last frame (every gradient known) as a PNG."""
        self.frames()[-1].save(path, optimize=True)


class BackwardPage(HTMLPage):
    """What `explain_backward` returns: the page, shown inline in Jupyter; `.save(path)` writes
    it as `.html`, or as pictures for slides: `.gif` one frame per step, `.png` the last one.

    >>> x = Value(2.0, label="x"); y = (x * x).tanh(); y.backward()
    >>> page = viz.explain_backward(y)
    >>> [page.save(name).name for name in ("backward.html", "backward.gif", "backward.png")]
    ['backward.html', 'backward.gif', 'backward.png']
    """

    def __init__(self, html_text: str, animation: Animation, *, height: int, title: str) -> None:
        super().__init__(html_text, height=height, title=title)
        self.animation = animation

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page (.html), the animation (.gif) or its last frame (.png); return the path.

        GIF and PNG need Pillow: `pip install "autograd-core[plot]"`."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".html":
            return super().save(path)
        if suffix == ".gif":
            self.animation.save_gif(path)
        elif suffix == ".png":
            self.animation.save_png(path)
        else:
            raise ValueError(
                f"save() writes the step-through as {', '.join(SAVES)} (the page, an animation "
                f"with one frame per step, its last frame); {path.name!r} has "
                f"{suffix or 'no extension'}"
            )
        return path


@dataclass
class _Fonts:
    """The caption's fonts: DejaVu Sans (matplotlib ships it; it has ∂ and ×), else Pillow's."""

    title: Any
    text: Any
    size: int = 18
    margin: int = 14

    @classmethod
    def load(cls, size: int = 18) -> _Fonts:
        font = require("PIL.ImageFont", "plot", "the caption of a GIF frame")
        bold, mono = matplotlib_font("DejaVuSans-Bold.ttf"), matplotlib_font("DejaVuSansMono.ttf")
        if bold and mono:
            title, text = font.truetype(str(bold), size), font.truetype(str(mono), size - 2)
        else:
            title = text = font.load_default(size)
        return cls(title, text, size)

    @property
    def line(self) -> int:
        return math.ceil(self.size * 1.4)

    def wrap(self, title: str, lines: list[str], width: int) -> list[tuple[Any, str]]:
        """The caption as (font, text) lines that fit `width` pixels."""
        room = width - 2 * self.margin
        out = [(self.title, t) for t in self._fit(self.title, title, room)]
        body = [(self.text, t) for line in lines for t in self._fit(self.text, line, room)]
        if len(body) > CAPTION_LINES:
            body = body[: CAPTION_LINES - 1] + [(self.text, "…")]
        return out + body

    @staticmethod
    def _fit(font: Any, text: str, room: int) -> list[str]:
        chars = max(10, int(room / max(font.getlength("0"), 1)))
        while chars > 10:
            wrapped = textwrap.wrap(text, chars, subsequent_indent="    ") or [""]
            if all(font.getlength(w) <= room for w in wrapped):
                return wrapped
            chars -= 2
        return textwrap.wrap(text, chars, subsequent_indent="    ") or [""]

    def height(self, caption: list[tuple[Any, str]]) -> int:
        return 2 * self.margin + len(caption) * self.line

    def draw(self, frame: Any, caption: list[tuple[Any, str]], top: int) -> None:
        pen = require("PIL.ImageDraw", "plot", "the caption of a GIF frame").Draw(frame)
        pen.line([(0, top + 2), (frame.width, top + 2)], fill="#dddddd", width=1)
        y = top + self.margin
        for font, text in caption:
            pen.text((self.margin, y), text, fill="#222222", font=font)
            y += self.line
