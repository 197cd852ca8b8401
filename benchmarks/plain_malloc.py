"""Section 8: the headline rows again with malloc left as it is, as in a user's process.

    python -m benchmarks.plain_malloc [--quick]

Sections 1 and 6 run with glibc's malloc told to keep freed memory (`mallopt`, see
`timing.steady`), which no user's process has and which cannot be undone within a process. So
this section times the same rows in a fresh process of its own, without it: section 1's
training step (ours, with and without the GC; compiled; nn.fit compiled; numpy) and section 6's
`fit(compile=True)` and numpy steps at batch 64. BLAS is on one thread in both. It prints one
JSON line; the report sets each figure beside the one measured with `mallopt`. The two are
from two processes at two moments of a shared machine: compare them as such.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import scale
from .config import FULL, QUICK
from .contenders import Compiled, NnFitCompiled, NumpyVectorized, Ours
from .data import make_problem
from .tables import ms, table
from .timing import Budget, steady
from .training import check_agreement, training_step

HEADLINE = (Ours, Compiled, NnFitCompiled, NumpyVectorized)


def measure(quick: bool) -> dict[str, Any]:
    """The headline rows' timings, in this process as it is (call it in a fresh one)."""
    config = QUICK if quick else FULL
    problem = make_problem(config.n_points, config.hidden)
    contenders = [cls(problem) for cls in HEADLINE]
    if not check_agreement(contenders)["passed"]:
        return {"error": "the contenders disagree on the loss or the gradients"}
    steps = training_step(contenders, problem, config.step_budget)
    budget = (
        Budget(0.05, warmup=1, min_repeats=2, max_repeats=3) if quick else Budget(2.0, 2, 5, 200)
    )
    networks = scale.QUICK_NETWORKS if quick else scale.NETWORKS
    rows = [
        {"sizes": list(sizes), "batch": scale.BATCH, **scale.timings(sizes, scale.BATCH, budget)}
        for sizes in networks
    ]
    return {"training_step": steps, "scale": rows}


def render(results: dict[str, Any], markdown: bool = False) -> list[str]:
    """The section's printed lines: each headline figure with mallopt and without."""
    plain = results.get("plain_malloc")
    if not plain:
        return []
    heading = "## 8. The headline rows without mallopt (malloc as in a user's process)"
    if "error" in plain:
        return [heading, f"not run: {plain['error']}"]
    pairs = [
        (f"1. {name}", results.get("training_step", {}).get(name, {}).get("median_s"),
         row["median_s"])
        for name, row in plain["training_step"].items()
    ]  # fmt: skip
    kept = {tuple(r["sizes"]): r for r in results.get("scale", []) if "ratio" in r}
    for row in plain["scale"]:
        with_it = kept.get(tuple(row["sizes"]), {})
        name = f"6. {'-'.join(map(str, row['sizes']))}, {row['batch']}"
        for who in ("compiled", "numpy"):
            pairs.append((f"{name}, {who} step", _median(with_it, who), row[who]["median_s"]))
        pairs.append((f"{name}, ratio", with_it.get("ratio"), row["ratio"]))
    rows = [
        [
            name,
            _figure(name, a),
            _figure(name, b),
            "-" if _is_ratio(name) or not a else f"{b / a:.2f}",
        ]
        for name, a, b in pairs
    ]
    headers = ["row", "with mallopt", "without", "time without / with"]
    return [
        heading,
        "ms, or a ratio; measured in a fresh process after the sections above, so a slow spell "
        "of the shared machine can fall on either column",
        table(headers, rows, markdown),
    ]


def _median(row: dict[str, Any], who: str) -> float | None:
    return row.get(who, {}).get("median_s")


def _figure(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if _is_ratio(name) else ms(value)


def _is_ratio(name: str) -> bool:
    return name.endswith("ratio")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plain_malloc", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it runs")
    args = parser.parse_args(argv)
    notes: list[str] = []
    with steady(notes, keep_freed_memory=False):
        results = measure(args.quick)
    print(json.dumps({**results, "notes": notes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
