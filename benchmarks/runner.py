"""Run every section in this one process and collect the results as one JSON-ready dict."""

from __future__ import annotations

import datetime
import gc
import os
import platform
import sys
from collections.abc import Callable
from importlib import metadata

from . import memory, recording, scale, scaling
from .child import run_child
from .config import Config
from .contenders import Contender, available
from .data import Problem, make_problem
from .targets import evaluate
from .training import check_agreement, forward_backward, training_step


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def meta(config: Config) -> dict:
    versions = {name: _version(name) for name in ("autograd-core", "numpy", "micrograd", "torch")}
    return {
        "quick": config.quick,
        "n_points": config.n_points,
        "hidden": list(config.hidden),
        "chain_sizes": list(config.chain_sizes),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "gc_thresholds": list(gc.get_threshold()),
        "versions": {k: v for k, v in versions.items() if v},
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def run(config: Config, log: Callable[[str], None] = lambda _: None) -> dict:
    """All eight sections plus the targets. Sections 1 and 2 are skipped if contenders disagree."""
    problem = make_problem(config.n_points, config.hidden)
    contenders, notes = available(problem)
    results: dict = {"meta": meta(config), "notes": notes}
    ours = next(c for c in contenders if c.name == "ours")
    results["meta"]["graph_nodes"] = ours.count_nodes(ours.forward())

    log("checking that every contender computes the same loss and gradients")
    results["correctness"] = check = check_agreement(contenders)
    if check["passed"]:
        log("1. training step")
        results["training_step"] = training_step(contenders, problem, config.step_budget)
        log("2. forward vs backward")
        results["forward_backward"] = forward_backward(contenders, problem, config.step_budget)
    else:
        bad = [name for name, row in check["contenders"].items() if not row["ok"]]
        reason = f"contenders disagree on loss or gradients: {', '.join(bad)}"
        results["training_step"] = results["forward_backward"] = {"aborted": reason}

    log("3. scaling")
    results["scaling"] = {
        "ours": scaling.ours_in_fresh_process(list(config.chain_sizes), config.chain_budget),
        "micrograd": scaling.micrograd(list(config.chain_sizes)),
    }

    _add_heavy(results, problem, contenders, config, log)

    log("4. memory")
    results["memory"] = {}
    for name, cls in memory.ENGINES.items():
        if any(c.name == name for c in contenders):
            row = memory.traced(cls(problem))
            row["rss"] = memory.peak_rss(name, config.n_points, config.hidden)
            results["memory"][name] = row
    log("5. recording with viz.TrainingView")
    results["recording"] = recording.measure(config.quick)
    log("6. compile at scale")
    results["scale"] = scale.run(config.quick, log)
    quick = ["--quick"] if config.quick else []
    log("7. fit(compile=True) against PyTorch (in a process of its own: no mallopt)")
    results["versus_torch"] = run_child("benchmarks.versus_torch", "--child", *quick)
    log("8. the headline rows without mallopt (in a process of its own)")
    results["plain_malloc"] = run_child("benchmarks.plain_malloc", *quick)
    results["targets"] = [target.as_dict() for target in evaluate(results)]
    return results


def _add_heavy(
    results: dict, problem: Problem, light: list[Contender], config: Config, log: Callable
) -> None:
    """Make, check and time the heavy contenders (torch) last, adding their rows to sections
    1 and 2: their import would otherwise slow every GC-on row timed after it."""
    heavy, notes = available(problem, heavy=True)
    results["notes"] += notes
    if not heavy or not results["correctness"]["passed"]:
        return
    log("1-2. rows of " + ", ".join(c.name for c in heavy) + " (imported only now)")
    reference = next(c for c in light if c.name == results["correctness"]["reference"])
    check = check_agreement([reference, *heavy])
    results["correctness"]["contenders"].update(check["contenders"])
    results["correctness"]["passed"] = check["passed"]
    if check["passed"]:
        results["training_step"].update(training_step(heavy, problem, config.step_budget))
        results["forward_backward"].update(forward_backward(heavy, problem, config.step_budget))
