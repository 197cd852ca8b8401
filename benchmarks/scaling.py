"""Section 3: build and backward time per node on ever longer chains.

The chain is `y = y * w + b`, repeated, with shared leaves w = 1 and b = 1e-3: two new nodes per
step, a path as deep as the graph is big, and values and gradients that never overflow or turn
denormal (which would time the FPU instead of the engine).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from typing import Any

import autograd_core

from .child import run_child
from .timing import Budget, phases, summary


def chain(value_type: Any, n_nodes: int) -> tuple[Any, int]:
    """The root of a chain of about `n_nodes` nodes, and its exact node count."""
    x, w, b = value_type(1.0), value_type(1.0), value_type(1e-3)
    y = x
    for _ in range(_steps(n_nodes)):
        y = y * w + b
    return y, chain_nodes(n_nodes)


def _steps(n_nodes: int) -> int:
    return max(1, (n_nodes - 3) // 2)


def chain_nodes(n_nodes: int) -> int:
    """The exact node count of `chain(_, n_nodes)`: three leaves and two nodes per step."""
    return 3 + 2 * _steps(n_nodes)


def ours(sizes: list[int], budget: Budget) -> list[dict]:
    """Per-node build, backward and free times of our engine at each size."""
    rows = []
    for size in sizes:
        nodes = chain_nodes(size)

        def run(size: int = size) -> list[float]:
            start = time.perf_counter()
            root, _ = chain(autograd_core.Value, size)
            built = time.perf_counter()
            root.backward()
            done = time.perf_counter()
            del root
            return [built - start, done - built, time.perf_counter() - done]

        gc.collect()  # untimed: start each size from a clean heap
        build, backward, free = phases(run, budget_for(size, budget))
        row = {"nodes": nodes, "build": summary(build), "backward": summary(backward)}
        row["free"] = summary(free)
        for phase in ("build", "backward", "free"):
            row[f"{phase}_ns_per_node"] = row[phase]["median_s"] / nodes * 1e9
        rows.append(row)
    return rows


def ours_in_fresh_process(sizes: list[int], budget: Budget) -> list[dict]:
    """`ours` in a new interpreter: in this one, the earlier sections have left a fragmented
    heap, and a million-node graph spread over it makes backward wait on memory, which says
    nothing about how the algorithm scales."""
    args = [",".join(map(str, sizes)), str(budget.seconds), str(budget.warmup)]
    args += [str(budget.min_repeats), str(budget.max_repeats)]
    result = run_child("benchmarks.scaling", *args)
    if "error" in result:
        raise RuntimeError(f"the scaling child process failed: {result['error']}")
    return result["rows"]


def main() -> None:
    """`python -m benchmarks.scaling SIZES SECONDS WARMUP MIN MAX`: one JSON line of `ours`."""
    sizes, seconds, warmup, least, most = sys.argv[1:6]
    budget = Budget(float(seconds), int(warmup), int(least), int(most))
    print(json.dumps({"rows": ours([int(n) for n in sizes.split(",")], budget)}))


def budget_for(size: int, budget: Budget) -> Budget:
    """Fewer repeats for the huge chains: a million nodes take seconds per repeat."""
    if size >= 1_000_000:
        return Budget(budget.seconds, warmup=min(budget.warmup, 1), min_repeats=3, max_repeats=3)
    return budget


def micrograd(sizes: list[int]) -> dict:
    """Whether micrograd's recursive backward survives each chain, and its deepest chain here.

    Stops trying the listed sizes at the first failure; then bisects for the largest chain that
    still works under this interpreter's recursion limit.
    """
    try:
        from micrograd.engine import Value
    except ImportError:
        return {"skipped": "micrograd is not importable here"}

    def survives(n_nodes: int) -> tuple[bool, str]:
        root, _ = chain(Value, n_nodes)
        try:
            root.backward()
        except RecursionError as error:
            return False, f"RecursionError: {error}"
        return True, ""

    outcomes: list[dict] = []
    for size in sizes:
        if outcomes and not outcomes[-1]["ok"]:
            outcomes.append(
                {"nodes": size, "ok": False, "error": "not tried: a smaller one failed"}
            )
            continue
        ok, error = survives(size)
        outcomes.append({"nodes": size, "ok": ok, "error": error})
    failed = [row["nodes"] for row in outcomes if not row["ok"]]
    if not failed:
        deepest = max(sizes)
    else:
        low, high = 5, failed[0]
        while high - low > 2:
            mid = (low + high) // 2
            low, high = (mid, high) if survives(mid)[0] else (low, mid)
        deepest = low
    return {
        "sizes": outcomes,
        "deepest_ok_nodes": chain_nodes(deepest),
        "recursion_limit": sys.getrecursionlimit(),
    }


if __name__ == "__main__":
    main()
