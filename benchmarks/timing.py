"""Timing helpers: warm-up, a repeat count fitted to a time budget, medians."""

from __future__ import annotations

import ctypes
import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
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


def in_turns(
    measures: dict[str, Callable[[Budget], list[float]]], budget: Budget, rounds: int = 3
) -> dict[str, list[float]]:
    """The times of several measurements (`measure(budget) -> seconds per step`), taken in
    turns: in each of `rounds` rounds every measurement runs on its share of the budget. This
    machine has slow spells lasting tenths of a second; taken in turns, they fall on every
    contender alike, and the ratios between them hold."""
    share = Budget(
        budget.seconds / rounds,
        budget.warmup,
        math.ceil(budget.min_repeats / rounds),
        math.ceil(budget.max_repeats / rounds),
    )
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            times[name] += measure(share)
    return times


@contextmanager
def steady(notes: list[str], *, keep_freed_memory: bool) -> Iterator[None]:
    """The conditions of every timing in a run, the same for each contender, so that one run's
    ratios hold on a 2-core machine; what was set is added to `notes`, for the report.

    - BLAS on one thread (threadpoolctl): on two cores, a second BLAS thread made numpy's
      784-wide step 2x faster in some spells and 2x slower in others.
    - With `keep_freed_memory`, glibc's malloc keeps freed memory (`mallopt`): returning it to
      the system made each big temporary page-fault afresh (650 faults, +1 ms, on a step of
      the numpy reference). It holds for the rest of the process (glibc has no undo) and no
      user's process has it, so a section that measures what a user gets runs without it, in
      a process of its own.
    """
    with ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            notes.append("BLAS threads left as they are (threadpoolctl is not installed)")
        else:
            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
            notes.append("BLAS on one thread (threadpoolctl), for every contender")
        if not keep_freed_memory:
            notes.append("malloc left as it is (no mallopt), as in a user's process")
        elif _keep_freed_memory():
            notes.append("glibc malloc keeps freed memory (mallopt), for every contender")
        yield


def _keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (and pad the heap) so freed memory is reused,
    not returned to the system; False where there is no glibc."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    trim, top_pad, mmap = -1, -2, -3  # glibc's M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD
    return all(
        mallopt(option, value) == 1
        for option, value in ((mmap, 32 << 20), (trim, 256 << 20), (top_pad, 64 << 20))
    )
