"""How long drawings take to lay out, for graphs of many shapes up to `viz.DEFAULT_MAX_NODES`.

`python -m benchmarks.layout [--quick] [--backend NAME] [--json PATH]` draws each graph with
`viz.draw_dot` and times `.pipe(format='svg')` (the layout program's run, process start
included) once per graph, after one untimed warm-up render. It prints one row per graph: its
Values and boxes, the layout estimate (virtual nodes before and after long edges were cut
short, and how many copies that drew), the direction chosen, seconds to build the Digraph
and to lay it out, and at the end the slowest layout. The aim is at most 5 s per graph on a
2-core machine; nothing here is a pass/fail test.

Families: a tanh chain; `x*x*...*x` (one leaf feeding every op: the worst fan-out); a sum
of `sin(x)*x` terms (fan-out plus a long sum); a wide weighted sum of distinct leaves; MLPs
from `nn` (drawn whole and collapsed per neuron); seeded random DAGs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import nn
import viz
from autograd_core import Value, topological_order

Graph = Callable[[int], Value]


def chain(n: int) -> Value:
    """tanh applied n - 1 times to one leaf: n Values."""
    x = Value(0.5, label="x")
    for _ in range(n - 1):
        x = x.tanh()
    return x


def power(n: int) -> Value:
    """`x*x*...*x` with n factors: x feeds every one of the n - 1 products."""
    x = Value(1.001, label="x")
    y = x
    for _ in range(n - 1):
        y = y * x
    return y


def sin_sum(n: int) -> Value:
    """The sum of n terms `sin(x)*x` over one leaf x: about 3n Values."""
    x = Value(0.5, label="x")
    total = x.sin() * x
    for _ in range(n - 1):
        total = total + x.sin() * x
    return total


def wide_sum(n: int) -> Value:
    """`w0*x0 + ... + w(n-1)*x(n-1)` over 2n distinct leaves: about 4n Values."""
    total = Value(0.0, label="b")
    for i in range(n):
        total = total + Value(0.1 * i, label=f"w{i}") * Value(1.0, label=f"x{i}")
    return total


def random_dag(n: int, seed: int = 0) -> Value:
    """n Values: 8 leaves, then each op combines the previous result with a random earlier
    Value, so long edges run between random ranks (the crossing minimizer's hard case)."""
    rng = random.Random(seed)
    values = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(8)]
    last = values[-1]
    while len(values) < n:
        other = rng.choice(values)
        last = last * other if rng.random() < 0.5 else last + other
        values.append(last)
    return last


def mlp(sizes: list[int]) -> Value:
    """An nn.MLP's output on one input (after backward): its graph, named by scope."""
    model = nn.MLP(sizes[0], sizes[1:], seed=0)
    out = model([0.5] * sizes[0])
    assert isinstance(out, Value)
    return out


def cases(quick: bool) -> list[tuple[str, Callable[[], Value], dict[str, Any]]]:
    """(name, graph maker, draw_dot options) for each graph to time."""
    families: dict[str, tuple[Graph, list[int]]] = {
        "chain": (chain, [100, 1000] if quick else [100, 500, 1000]),
        "power": (power, [50, 100] if quick else [50, 100, 150, 200, 500, 1000]),
        "sin_sum": (sin_sum, [30] if quick else [30, 110, 250, 333]),
        "wide_sum": (wide_sum, [50] if quick else [50, 100, 249]),
        "random_dag": (random_dag, [100] if quick else [80, 100, 300, 600, 1000]),
    }
    out: list[tuple[str, Callable[[], Value], dict[str, Any]]] = []
    for family, (make, ns) in families.items():
        for n in ns:
            out.append((f"{family}({n})", partial(make, n), {}))
    nets = [[2, 4, 4, 1]] if quick else [[2, 4, 4, 1], [2, 16, 16, 1], [3, 8, 8, 8, 1]]
    for net in nets:
        name = "mlp(" + "-".join(map(str, net)) + ")"
        out.append((name, partial(mlp, net), {}))
        out.append((name + " collapse=4", partial(mlp, net), {"collapse": 4}))
    return out


def measure(
    make: Callable[[], Value], options: dict[str, Any], backend: str | None
) -> dict[str, Any]:
    root = make()
    root.backward()
    start = time.perf_counter()
    graph = viz.draw_dot(root, backend=backend, **options)
    built = time.perf_counter() - start
    start = time.perf_counter()
    svg = graph.pipe(format="svg", encoding="utf-8")
    laid = time.perf_counter() - start
    plan = graph.layout_plan
    return {
        "values": len(topological_order(root)),
        "copies": graph.source.count("_at_") // 2,  # each copy appears as its node and its edge
        "virtual": plan.virtual,
        "virtual_after": plan.virtual_after,
        "rankdir": plan.rankdir,
        "build_s": round(built, 3),
        "layout_s": round(laid, 3),
        "svg_bytes": len(svg),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layout", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few small graphs: checks it runs")
    parser.add_argument("--backend", default=None, help="layout program (default: auto)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows here")
    args = parser.parse_args(argv)

    viz.draw_dot(chain(3), backend=args.backend).pipe(format="svg")  # warm-up, untimed
    header = f"{'graph':<28} {'Values':>6} {'virtual':>15} {'copies':>6} {'dir':>3} "
    print(header + f"{'build s':>8} {'layout s':>9}")
    rows = {}
    for name, make, options in cases(args.quick):
        row = measure(make, options, args.backend)
        rows[name] = row
        virtual = f"{row['virtual']}->{row['virtual_after']}"
        print(
            f"{name:<28} {row['values']:>6} {virtual:>15} {row['copies']:>6} "
            f"{row['rankdir']:>3} {row['build_s']:>8.3f} {row['layout_s']:>9.3f}",
            flush=True,
        )
    slowest = max(rows, key=lambda k: rows[k]["layout_s"])
    print(f"\nslowest layout: {slowest}, {rows[slowest]['layout_s']:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
