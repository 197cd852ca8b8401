"""Turn one run's results (the JSON dict) into the printed tables, plain or Markdown."""

from __future__ import annotations

from . import plain_malloc, recording, scale, versus_torch
from .tables import ms, table
from .targets import evaluate


def _training(results: dict, markdown: bool) -> list[str]:
    meta, check = results["meta"], results["correctness"]
    out = [
        f"## 1. Training step: MLP(2, {[*meta['hidden'], 1]}), {meta['n_points']} moons "
        f"points, hinge + 1e-4 L2, SGD ({meta.get('graph_nodes', '?'):,} graph nodes)"
    ]
    errors = ", ".join(
        f"{name} {row['grad_rel_err']:.1e}" for name, row in check["contenders"].items()
    )
    verdict = "PASSED" if check["passed"] else "FAILED: timings below are void"
    out.append(
        f"correctness check {verdict} (vs {check['reference']}, rtol {check['rtol']:g}; "
        f"max relative gradient error: {errors})"
    )
    steps = results["training_step"]
    if "aborted" in steps:
        return [*out, f"ABORTED: {steps['aborted']}"]
    base, ours = steps.get("micrograd", {}).get("median_s"), steps.get("ours", {}).get("median_s")
    rows = []
    for name, row in steps.items():
        m = row["median_s"]
        rows.append(
            [
                name,
                ms(m),
                ms(row["min_s"]),
                str(row["repeats"]),
                f"{base / m:,.1f}x" if base else "-",
                f"{m / ours:,.2f}" if ours else "-",
            ]
        )
    headers = ["contender", "median ms", "min ms", "repeats", "speedup vs micrograd", "time / ours"]
    return [*out, table(headers, rows, markdown)]


def _forward_backward(results: dict, markdown: bool) -> list[str]:
    fb = results["forward_backward"]
    out = ["## 2. Forward (build the loss graph) vs backward() on it"]
    if "aborted" in fb:
        return [*out, f"ABORTED: {fb['aborted']}"]
    rows = [
        [
            name,
            ms(row["forward"]["median_s"]),
            ms(row["backward"]["median_s"]),
            f"{row['backward_over_forward']:.2f}",
            ms(row["free"]["median_s"]),
        ]
        for name, row in fb.items()
    ]
    headers = ["contender", "forward ms", "backward ms", "backward/forward", "free graph ms"]
    return [*out, table(headers, rows, markdown)]


def _scaling(results: dict, markdown: bool) -> list[str]:
    scaling = results["scaling"]
    out = ["## 3. Scaling: chain y = y*w + b, per node (ours)"]
    rows = [
        [
            f"{row['nodes']:,}",
            f"{row['build_ns_per_node']:,.0f}",
            f"{row['backward_ns_per_node']:,.0f}",
            f"{row['free_ns_per_node']:,.0f}",
            ms(row["build"]["median_s"]),
            ms(row["backward"]["median_s"]),
            str(row["backward"]["repeats"]),
        ]
        for row in scaling["ours"]
    ]
    headers = ["nodes", "build ns/node", "backward ns/node", "free ns/node", "build ms"]
    out.append(table([*headers, "backward ms", "repeats"], rows, markdown))
    mg = scaling["micrograd"]
    if "skipped" in mg:
        out.append(f"micrograd: skipped ({mg['skipped']})")
    else:
        failed = [row for row in mg["sizes"] if not row["ok"] and row["error"].startswith("Rec")]
        first = f"fails with RecursionError at {failed[0]['nodes']:,} nodes" if failed else "ok"
        out.append(
            f"micrograd chains: {first}; deepest chain that works here: "
            f"{mg['deepest_ok_nodes']:,} nodes (sys.getrecursionlimit() = {mg['recursion_limit']})"
        )
    return out


def _memory(results: dict, markdown: bool) -> list[str]:
    memory = results["memory"]
    rows = []
    for name, row in memory.items():
        rss = row.get("rss", {})
        rows.append(
            [
                name,
                f"{row['new_nodes']:,}",
                f"{row['bytes_per_node']:,.0f}",
                f"{row['backward_extra_peak_bytes'] / 2**20:,.1f}",
                f"{rss['peak_rss_mib']:,.1f}" if "peak_rss_mib" in rss else rss.get("error", "-"),
                f"{rss['graph_rss_mib']:,.1f}" if rss.get("graph_rss_mib") is not None else "-",
            ]
        )
    headers = ["engine", "new nodes", "bytes/node", "backward extra MiB", "peak RSS MiB"]
    return [
        "## 4. Memory of the loss graph (tracemalloc; RSS in a fresh process, graph + backward)",
        table([*headers, "RSS growth MiB"], rows, markdown),
    ]


def _targets(results: dict) -> list[str]:
    out = ["## Targets (this run)"]
    out += [target.line() for target in evaluate(results)]
    if results["meta"]["quick"]:
        out.append("(--quick: tiny sizes, so these verdicts say nothing about the real targets)")
    return out


def render(results: dict, markdown: bool = False) -> str:
    meta = results["meta"]
    head = [
        f"# benchmarks: {meta['python']} on {meta['platform']}, {meta['cpus']} CPUs"
        f"{' (--quick)' if meta['quick'] else ''}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        *results["notes"],
    ]
    sections = [
        head,
        _training(results, markdown),
        _forward_backward(results, markdown),
        _scaling(results, markdown),
        _memory(results, markdown),
        recording.render(results, markdown),
        [
            "## 6. Compile at scale: fit(compile=True) steps (MSE, ReLU MLPs) vs numpy by hand",
            scale.render(results.get("scale", []), markdown),
        ],
        versus_torch.render(results.get("versus_torch"), markdown),
        plain_malloc.render(results, markdown),
        _targets(results),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines)
