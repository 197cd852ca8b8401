"""Sections 1 and 2: the demo's training step (after checking every contender agrees) and
forward vs backward on its loss graph."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import numpy as np

from .contenders import Contender, NnFit
from .data import Problem
from .timing import Budget, gc_state, in_turns, phases, summary

RTOL = 1e-9


def learning_rate(k: int) -> float:
    """micrograd demo's schedule, restarted every 100 steps so long runs stay tame."""
    return 1.0 - 0.9 * (k % 100) / 100


def check_agreement(contenders: list[Contender], rtol: float = RTOL) -> dict:
    """Loss and gradients of every contender from the same weights, against the numpy reference.

    Relative errors: |loss - ref| / |ref| and max|grad - ref| / max|ref| (normwise, so tiny
    gradients that differ only in rounding don't count). Nothing is timed unless all agree.
    """
    computed = {}
    for contender in contenders:
        contender.zero_grad()
        loss = contender.forward()
        contender.backward(loss)
        computed[contender.name] = (contender.loss_value(loss), contender.grads())
    names = [c.name for c in contenders]
    reference = "numpy" if "numpy" in computed else names[0]
    ref_loss, ref_grads = computed[reference]
    report = {}
    for name, (loss, grads) in computed.items():
        loss_err = abs(loss - ref_loss) / max(abs(ref_loss), 1e-300)
        if grads.shape != ref_grads.shape:
            grad_err = float("inf")
        else:
            grad_err = float(
                np.max(np.abs(grads - ref_grads)) / max(np.max(np.abs(ref_grads)), 1e-300)
            )
        report[name] = {
            "loss": loss,
            "loss_rel_err": loss_err,
            "grad_rel_err": grad_err,
            "ok": bool(loss_err <= rtol and grad_err <= rtol),
        }
    return {
        "ran": True,
        "passed": all(row["ok"] for row in report.values()),
        "rtol": rtol,
        "reference": reference,
        "n_params": int(ref_grads.size),
        "contenders": report,
    }


def variants(contenders: list[Contender]) -> list[tuple[str, Contender, bool]]:
    """(row name, contender, GC enabled): every contender as is, plus ours and micrograd GC-off."""
    rows = []
    for contender in contenders:
        rows.append((contender.name, contender, getattr(contender, "gc_enabled", True)))
        if contender.name in ("ours", "micrograd"):
            rows.append((f"{contender.name} (gc off)", contender, False))
    return rows


def training_step(contenders: list[Contender], problem: Problem, budget: Budget) -> dict:
    """Times of whole steps (zero_grad, forward, backward, SGD), each row from fresh weights,
    the rows timed in turns (`timing.in_turns`)."""
    rows, measures = {}, {}
    for name, contender, gc_enabled in variants(contenders):
        rows[name] = {"contender": contender.name, "gc": gc_enabled}
        measures[name] = _timed(type(contender)(problem), gc_enabled)
    for name, times in in_turns(measures, budget).items():
        rows[name].update(summary(times))
    return rows


def _timed(contender: Contender, gc_enabled: bool) -> Callable[[Budget], list[float]]:
    def measure(budget: Budget) -> list[float]:
        gc.collect()  # untimed: no row pays for the garbage an earlier row left behind
        with gc_state(gc_enabled):
            return contender.timed_steps(budget, learning_rate)

    return measure


def graph_phases(contender: Contender) -> Callable[[], list[float]]:
    """A function that builds the loss graph, back-propagates and drops it, returning the
    seconds of each of those three phases."""

    def run() -> list[float]:
        contender.zero_grad()
        start = time.perf_counter()
        loss = contender.forward()
        built = time.perf_counter()
        contender.backward(loss)
        done = time.perf_counter()
        del loss
        return [built - start, done - built, time.perf_counter() - done]

    return run


def forward_backward(contenders: list[Contender], problem: Problem, budget: Budget) -> dict:
    """Build the loss graph, then backward() on it, then drop it: three timed phases."""
    rows = {}
    for contender in contenders:
        if getattr(contender, "fused", False) or isinstance(contender, NnFit):
            continue  # one call computes loss and gradients: no forward/backward split
        fresh = type(contender)(problem)
        gc.collect()  # untimed, as in training_step
        forward, backward, free = phases(graph_phases(fresh), budget)
        row = {"forward": summary(forward), "backward": summary(backward), "free": summary(free)}
        row["backward_over_forward"] = row["backward"]["median_s"] / row["forward"]["median_s"]
        rows[contender.name] = row
    return rows
