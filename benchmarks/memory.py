"""Section 4: memory of the loss graph, in bytes per node (tracemalloc) and peak RSS.

Peak RSS only ever grows within a process, so each engine's is measured in a fresh child process
(`python -m benchmarks.memory NAME ...`), which prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc
from pathlib import Path

from .child import run_child
from .contenders import Contender, Micrograd, Ours
from .data import make_problem

ENGINES: dict[str, type[Contender]] = {"ours": Ours, "micrograd": Micrograd}


def traced(contender: Contender) -> dict:
    """Bytes the loss graph holds per new node, and the extra peak while backward() runs."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = contender.forward()
        graph_bytes = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        contender.backward(loss)
        backward_peak = tracemalloc.get_traced_memory()[1] - base - graph_bytes
    finally:
        tracemalloc.stop()
    nodes = contender.count_nodes(loss) - contender.n_params()
    return {
        "new_nodes": nodes,
        "graph_bytes": graph_bytes,
        "bytes_per_node": graph_bytes / nodes,
        "backward_extra_peak_bytes": backward_peak,
    }


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_kib() -> int:
    peak = _status_kib("VmHWM")
    if peak is None:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return peak


def child(name: str, n_points: int, hidden: tuple[int, ...]) -> dict:
    """In a fresh process: RSS before, then peak RSS after building the graph and backward()."""
    contender = ENGINES[name](make_problem(n_points, hidden))
    gc.collect()
    before = _status_kib("VmRSS")
    loss = contender.forward()
    contender.backward(loss)
    peak = _peak_kib()
    return {
        "rss_before_mib": before / 1024 if before is not None else None,
        "peak_rss_mib": peak / 1024,
        "graph_rss_mib": (peak - before) / 1024 if before is not None else None,
        "nodes": contender.count_nodes(loss),
    }


def peak_rss(name: str, n_points: int, hidden: tuple[int, ...], timeout: float = 120) -> dict:
    """Run `child` in a new interpreter (the same one as this process) and parse its answer."""
    hidden_arg = ",".join(map(str, hidden))
    return run_child("benchmarks.memory", name, str(n_points), hidden_arg, timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=child.__doc__)
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("points", type=int)
    parser.add_argument("hidden", help="hidden layer sizes, comma separated")
    args = parser.parse_args()
    hidden = tuple(int(h) for h in args.hidden.split(",") if h)
    print(json.dumps(child(args.engine, args.points, hidden)))


if __name__ == "__main__":
    main()
