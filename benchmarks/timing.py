"""Timing helpers: warm-up, a repeat count fitted to a time budget, medians."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """How long to spend on one measurement: warm-up runs, then repeats to fill `seconds`."""

    seconds: float
    warmup: int = 1
    min_repeats: int = 5
    max_repeats: int = 200

    def repeats(self, estimate_s: float) -> int:
        """How many repeats of a call that took `estimate_s` fit; `min_repeats` if unknown (0)."""
        if estimate_s <= 0:
            return self.min_repeats
        fit = int(self.seconds / estimate_s)
        return max(self.min_repeats, min(self.max_repeats, fit))


def summary(times: list[float]) -> dict:
    """Median (the number we report), min and max, in seconds, and the repeat count."""
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "repeats": len(times),
    }


@contextmanager
def gc_state(enabled: bool) -> Iterator[None]:
    """Run with the cyclic GC on or off; collect afterwards, untimed, and restore the old state."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()
        if not enabled:
            gc.collect()


def series(fn: Callable[[int], object], budget: Budget) -> list[float]:
    """Call `fn(k)` for k = 0, 1, ... back to back, as a training loop does; time each call.

    The first `budget.warmup` calls are untimed except to estimate how many repeats fit the
    budget. Garbage left by one call is collected whenever the interpreter would, inside later
    calls: that is the cost a user sees.
    """
    k, estimate = 0, 0.0
    for _ in range(budget.warmup):
        start = time.perf_counter()
        fn(k)
        estimate = time.perf_counter() - start
        k += 1
    times = []
    for _ in range(budget.repeats(estimate)):
        start = time.perf_counter()
        fn(k)
        times.append(time.perf_counter() - start)
        k += 1
    return times


def epoch_series(
    fit: Callable[[int], Sequence[float]], budget: Budget, steps_per_epoch: int = 1
) -> list[float]:
    """Seconds per step of each epoch of one training run, as the run itself timed them.

    `fit(epochs)` trains afresh for that many epochs of `steps_per_epoch` steps and returns the
    seconds since it started at the end of each epoch (`nn.fit`'s `history.time`). A first fit of
    `budget.warmup` epochs estimates a step (from its last epoch); a second runs those epochs
    plus enough for the budget's repeats, counted in steps and rounded down to whole epochs (at
    least one), and its warm-up epochs are dropped.
    """
    ends = [0.0, *fit(budget.warmup)]
    estimate = (ends[-1] - ends[-2]) / steps_per_epoch if len(ends) > 1 else 0.0
    epochs = max(1, budget.repeats(estimate) // steps_per_epoch)
    ends = [0.0, *fit(budget.warmup + epochs)]
    per_step = [(b - a) / steps_per_epoch for a, b in zip(ends, ends[1:])]
    return per_step[budget.warmup :]


def phases(run: Callable[[], list[float]], budget: Budget) -> list[list[float]]:
    """Repeat `run()`, which returns the durations of its phases; one list of times per phase."""
    estimate = 0.0
    for _ in range(budget.warmup):
        estimate = sum(run())
    results = [run() for _ in range(budget.repeats(estimate))]
    return [list(column) for column in zip(*results)]
