"""The smallest tour: build an expression, back-propagate, print every value and gradient, and
write the drawing (SVG) and the step-through page (HTML) of the graph.

    python examples/demo.py            # files go to examples/output/
    python examples/demo.py OUT_DIR    # or to OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import viz
from autograd_core import Value, topological_order

OUTPUT = Path(__file__).resolve().parent / "output"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else OUTPUT

    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()

    print(f"{'node':<6}{'op':<7}{'data':>12}{'grad':>12}")
    for node in topological_order(o):
        print(f"{node.label or '':<6}{str(node.op or ''):<7}{node.data:>12.6f}{node.grad:>12.6f}")

    out_dir.mkdir(parents=True, exist_ok=True)
    drawing = viz.render(o, out_dir / "demo.svg", rankdir="LR", show_local_grads=True)
    page = viz.render(o, out_dir / "demo.html")
    print()
    print(f"the graph with every value and gradient:  {_shown(drawing)}")
    print(f"backward, one chain-rule step at a time:  {_shown(page)}  (open it in a browser)")


def _shown(path: Path) -> str:
    """`path` relative to the current directory when it is inside it (as a user would type it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())


if __name__ == "__main__":
    main()
