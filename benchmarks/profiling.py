"""Profile one engine's forward and backward on the demo's training step, separately.

`python -m benchmarks.profiling [--engine ours|micrograd] [--repeats N] [--top K] [--pyinstrument]`
prints cProfile's top functions by own time for each phase (or pyinstrument's call trees), and
how much of each phase the cyclic garbage collector takes. A tool for tuning, not a benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
from typing import Any

from .contenders import Contender, Micrograd, Ours
from .data import make_problem
from .timing import Budget, gc_state, phases, summary
from .training import graph_phases

ENGINES: dict[str, type[Contender]] = {"ours": Ours, "micrograd": Micrograd}


def gc_share(contender: Contender, repeats: int) -> dict[str, float]:
    """Median forward and backward seconds with the GC on and off."""
    out = {}
    exactly = Budget(0.0, warmup=0, min_repeats=repeats, max_repeats=repeats)
    for enabled in (True, False):
        gc.collect()
        with gc_state(enabled):
            forward, backward, _ = phases(graph_phases(contender), exactly)
        tag = "gc on" if enabled else "gc off"
        out[f"forward ({tag})"] = summary(forward)["median_s"]
        out[f"backward ({tag})"] = summary(backward)["median_s"]
    return out


def cprofile_phases(contender: Contender, repeats: int, top: int) -> str:
    forward, backward = cProfile.Profile(), cProfile.Profile()
    for _ in range(repeats):
        contender.zero_grad()
        loss: Any = forward.runcall(contender.forward)
        backward.runcall(contender.backward, loss)
        del loss
    text = io.StringIO()
    for name, prof in (("FORWARD", forward), ("BACKWARD", backward)):
        text.write(f"\n===== {name} (cProfile, {repeats} repeats, by own time) =====\n")
        pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


def pyinstrument_phases(contender: Contender, repeats: int) -> str:
    from pyinstrument import Profiler

    text = []
    for name in ("forward", "backward"):
        profiler = Profiler(interval=0.0005)
        for _ in range(repeats):
            contender.zero_grad()
            if name == "forward":
                profiler.start()
                loss = contender.forward()
                profiler.stop()
            else:
                loss = contender.forward()
                profiler.start()
                contender.backward(loss)
                profiler.stop()
            del loss
        text.append(f"\n===== {name.upper()} (pyinstrument) =====\n")
        text.append(profiler.output_text(unicode=False, color=False))
    return "".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__)
    parser.add_argument("--engine", choices=sorted(ENGINES), default="ours")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args()

    contender = ENGINES[args.engine](make_problem())
    contender.step(1.0)  # warm-up
    for phase, seconds in gc_share(contender, args.repeats).items():
        print(f"{phase:>20}: {seconds * 1e3:8.1f} ms")
    if args.pyinstrument:
        print(pyinstrument_phases(contender, args.repeats))
    else:
        print(cprofile_phases(contender, args.repeats, args.top))


if __name__ == "__main__":
    main()
