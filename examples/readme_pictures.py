"""Draw the pictures that the README and the documentation show, into docs/images/.

    python examples/readme_pictures.py           # rewrite docs/images/*
    python examples/readme_pictures.py OUT_DIR   # or write them to OUT_DIR

Drawings are deterministic (node ids come from graph order, the layout from graphviz-pure; the
GIF's frames are graphviz-pure PNGs with Pillow captions, the PDF is written without a date), so
the committed files change only when a picture's code or the drawing code does; a test
(tests/test_docs.py) redraws them and checks the committed files are current. The GIF needs
Pillow and matplotlib (`.[plot]`), the PDF svglib (`.[pdf]`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import nn
import viz
from autograd_core import Value

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
BACKEND = "graphviz-pure"  # the same layout program on every machine, whatever `dot` is on PATH


def neuron() -> Value:
    """The README's first expression, o = tanh(x * w + b), after o.backward()."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def mlp_loss() -> Value:
    """A squared error of nn.MLP(2, [3, 3, 1]) on one sample, after backward()."""
    model = nn.MLP(2, [3, 3, 1], seed=0)
    out = model([0.5, -0.2])
    assert isinstance(out, Value)  # one output neuron: one Value
    loss = (out - Value(1.0, label="target")) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


PICTURES: dict[str, Callable[[Path], Path]] = {
    # The README's opening picture: every value and gradient of o = tanh(x * w + b).
    "neuron.svg": lambda path: _render(neuron(), path, rankdir="LR"),
    # viz: the same graph with d(result)/d(input) on every edge, the chain rule's factors.
    "neuron_local_grads.svg": lambda path: _render(neuron(), path, show_local_grads=True),
    # nn: an MLP with each neuron collapsed to one box (its output's value and gradient).
    "mlp_collapsed.svg": lambda path: _render(mlp_loss(), path, rankdir="TB", collapse=4),
    # For slides: the backward pass of the neuron, one frame per step of explain_backward.
    "backward.gif": lambda path: viz.explain_backward(neuron(), backend=BACKEND).save(path),
    # For papers: the neuron as a vector PDF (text selectable).
    "neuron.pdf": lambda path: _render(neuron(), path, rankdir="LR"),
}


def _render(root: Value, path: Path, **options: object) -> Path:
    options.setdefault("rankdir", "LR")
    return viz.render(root, path, backend=BACKEND, **options)


def write(out_dir: Path) -> list[Path]:
    """Draw every picture into `out_dir`; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [draw(out_dir / name) for name, draw in PICTURES.items()]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    for path in write(Path(args[0]) if args else IMAGES):
        print(path)


if __name__ == "__main__":
    main()
