"""Section 7: `nn.fit(..., compile=True)` against a PyTorch training loop, as a user runs them.

    python -m benchmarks.versus_torch [--quick] [--markdown] [--json PATH]

One process, float64, BLAS on one thread (threadpoolctl), torch on one thread
(`torch.set_num_threads(1)`) and no process-wide allocator setting: no `mallopt`, which a
user's process never has (`python -m benchmarks` runs this section in a child process of its
own for that reason). For each network an `nn.MLP` and its `nn.to_torch` copy train on the same
unshuffled mini-batches with plain SGD at the same learning rate: micrograd's demo (hinge loss,
labels -1/+1) and three digit-sized networks (softmax cross-entropy over 10 classes, seeded
random inputs and labels).

Before anything is timed, both train two epochs from the same weights and must report the same
epoch losses to a relative 1e-9 (the second epoch's loss depends on the first epoch's updates,
so this checks the gradients too). Then rounds, interleaved (the first contender alternates):
one `fit` of warm-up plus timed epochs, its epoch times read from `history.time`, and the
torch loop for as many epochs, each epoch timed the same way; the two models stay equal, since
each trains the same epochs on the same batches. A round's figure is its median epoch; the
section reports the median over rounds, their spread (min to max) and the ratio.

Also: how long a `fit(compile=True)` call on the 784-128-64-10 network takes before its first
epoch starts (tracing and checks; timed by a callback that has only `on_train_begin`, so fit
does nothing else for it); a direct `run(X, Y)` of a compiled function against
`run(X, Y, params=theta)` on that network at batch 64 (both with their default
`input_grads=True`); and what a `viz.TrainingView` adds to a compiled fit of the moons demo
(section 5's measurement, `recording.overhead`).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import autograd_core
import nn

from . import recording, scale
from .tables import ms, table
from .targets import versus_torch
from .timing import Budget, in_turns, series, steady, summary

RTOL = 1e-9


@dataclass(frozen=True)
class Case:
    """One network and its training set: `samples` samples in unshuffled batches of `batch`."""

    sizes: tuple[int, ...]
    batch: int
    samples: int
    loss: str  # "hinge" (one output, labels -1/+1) or "softmax_cross_entropy" (class labels)
    lr: float

    @property
    def name(self) -> str:
        return f"{'-'.join(map(str, self.sizes))}, batch {self.batch:,}, {self.samples:,} samples"


CE = "softmax_cross_entropy"
CASES = (
    Case((2, 16, 16, 1), 100, 100, "hinge", 0.1),  # micrograd's demo
    Case((64, 128, 64, 10), 64, 1024, CE, 0.01),
    Case((784, 128, 64, 10), 64, 1024, CE, 0.01),
    Case((784, 128, 64, 10), 1024, 2048, CE, 0.01),
)
QUICK_CASES = (Case((2, 4, 4, 1), 10, 20, "hinge", 0.1), Case((8, 16, 3), 8, 32, CE, 0.01))


@dataclass(frozen=True)
class Plan:
    """What to measure and for how long: the cases, and `focus`, the one (among them) whose
    setup time and run ratio are targets; rounds per case, warm-up and timed epochs per round
    (fitted to `round_s` seconds of the slower contender, within `epochs`); the budget of the
    run ratio; the recording's moons fit."""

    cases: tuple[Case, ...]
    focus: Case
    rounds: int
    warmup: int
    epochs: tuple[int, int]  # at least, at most
    round_s: float
    run_budget: Budget
    recording: tuple[int, int, tuple[int, ...], int]  # epochs, points, hidden sizes, repeats


FULL = Plan(CASES, CASES[2], 3, 2, (5, 200), 1.0, Budget(1.5, 1, 5, 60), (100, 100, (16, 16), 5))
QUICK = Plan(
    QUICK_CASES, QUICK_CASES[1], 2, 1, (2, 2), 0.0, Budget(0.0, 1, 2, 2), (5, 20, (4, 4), 1)
)


def data(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """The case's inputs and targets: the demo's moons (noise 0.1) for a hinge loss, else
    normal inputs and uniform class labels; seeded."""
    if case.loss == "hinge":
        X, labels = nn.data.make_moons(case.samples, noise=0.1, seed=0)
        return X, 2.0 * labels - 1.0
    rng = np.random.default_rng(0)
    X = rng.normal(size=(case.samples, case.sizes[0]))
    return X, rng.integers(0, case.sizes[-1], case.samples)


class _SetupClock:
    """A callback with only `on_train_begin`: when fit is ready to start its first epoch."""

    began = 0.0

    def on_train_begin(self, model: Any, run: Any) -> None:
        self.began = time.perf_counter()


class FitContender:
    """`nn.fit(compile=True)` on an nn.MLP; each call trains on for more epochs."""

    def __init__(self, case: Case, model: nn.MLP, X: np.ndarray, y: np.ndarray) -> None:
        self.case, self.model, self.X, self.y = case, model, X, y

    def train(self, epochs: int) -> tuple[list[float], list[float], float]:
        """(seconds of each epoch, loss of each epoch, seconds before the first epoch)."""
        clock = _SetupClock()
        called = time.perf_counter()
        history = nn.fit(
            self.model, self.X, self.y, loss=self.case.loss,
            optimizer=nn.SGD(self.model, lr=self.case.lr), epochs=epochs,
            batch_size=self.case.batch, shuffle=False, progress=False, compile=True,
            callbacks=[clock],
        )  # fmt: skip
        return np.diff([0.0, *history.time]).tolist(), history.loss, clock.began - called


class TorchContender:
    """A PyTorch loop over the same batches: zero_grad, forward, loss, backward, SGD step, and
    the loss read out (`.item()`) for the epoch's mean, as fit reports it."""

    def __init__(self, case: Case, model: nn.MLP, X: np.ndarray, y: np.ndarray) -> None:
        import torch

        self.net = nn.to_torch(model)
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=case.lr)
        Xt = torch.tensor(X, dtype=torch.float64)
        yt = torch.tensor(y, dtype=torch.float64 if case.loss == "hinge" else torch.int64)
        self.batches = [(Xt[i : i + case.batch], yt[i : i + case.batch]) for i in
                        range(0, case.samples, case.batch)]  # fmt: skip
        self.samples = case.samples
        if case.loss == "hinge":
            self.loss = lambda out, y: torch.relu(1 - y * out[:, 0]).mean()
        else:
            self.loss = torch.nn.functional.cross_entropy

    def train(self, epochs: int) -> tuple[list[float], list[float], float]:
        """(seconds of each epoch, loss of each epoch, 0.0: nothing to set up)."""
        times, losses = [], []
        for _ in range(epochs):
            start, total = time.perf_counter(), 0.0
            for xb, yb in self.batches:
                self.optimizer.zero_grad()
                loss = self.loss(self.net(xb), yb)
                loss.backward()
                self.optimizer.step()
                total += loss.item() * len(xb)
            losses.append(total / self.samples)
            times.append(time.perf_counter() - start)
        return times, losses, 0.0


def rel_diff(a: list[float], b: list[float]) -> float:
    """The largest relative difference between two lists of losses."""
    return max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(a, b, strict=True))


def compare(case: Case, plan: Plan) -> dict[str, Any]:
    """Check that both contenders report the same losses, then time them in rounds."""
    X, y = data(case)
    init = "uniform" if case.loss == "hinge" else "scaled"  # micrograd's, or one for wide nets
    model = nn.MLP(case.sizes[0], list(case.sizes[1:]), activation="relu", init=init, seed=0)
    contenders = {
        "fit": FitContender(case, model, X, y),
        "torch": TorchContender(case, model, X, y),
    }
    row: dict[str, Any] = {**asdict(case), "name": case.name}
    (fit_times, fit_losses, setup), (torch_times, torch_losses, _) = (
        contenders[name].train(2) for name in ("fit", "torch")
    )
    row["loss_rel_diff"] = rel_diff(fit_losses, torch_losses)
    if not row["loss_rel_diff"] <= RTOL:
        row["error"] = f"the losses disagree: fit {fit_losses}, torch {torch_losses}"
        return row
    estimate = max(fit_times[-1], torch_times[-1])
    least, most = plan.epochs
    epochs = min(most, max(least, round(plan.round_s / max(estimate, 1e-9))))
    row["epochs"] = epochs
    rounds = _rounds(contenders, plan, epochs)
    for name in contenders:
        row[name] = _spread(rounds[name])
    row["setup_s"] = _spread([setup, *rounds["setup"]])
    row["ratio"] = row["fit"]["median_s"] / row["torch"]["median_s"]
    ratios = [a / b for a, b in zip(rounds["fit"], rounds["torch"])]
    row["round_ratios"] = ratios
    row["drift"] = max(rounds["drift"])  # the two models after each round, by their losses
    return row


def _rounds(contenders: dict[str, Any], plan: Plan, epochs: int) -> dict[str, list[float]]:
    """Each round's median epoch per contender, each fit's setup, and the losses' drift."""
    out: dict[str, list[float]] = {"fit": [], "torch": [], "setup": [], "drift": []}
    for k in range(plan.rounds):
        gc.collect()  # untimed: a round starts from a collected heap (once: with torch
        # imported, a full collection takes a few tenths of a second)
        order = ["fit", "torch"] if k % 2 == 0 else ["torch", "fit"]
        losses = {}
        for name in order:
            times, losses[name], setup = contenders[name].train(plan.warmup + epochs)
            out[name].append(statistics.median(times[plan.warmup :]))
            if name == "fit":
                out["setup"].append(setup)
        out["drift"].append(rel_diff(losses["fit"], losses["torch"]))
    return out


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "median_s": statistics.median(values),
        "min_s": min(values),
        "max_s": max(values),
        "rounds": values,
    }


def run_ratio(sizes: tuple[int, ...], batch: int, budget: Budget) -> dict[str, Any]:
    """A compiled per-sample MSE (section 6's) run directly, reading its parameters out of their
    Values, against the same run given them as one vector; timed in turns."""
    model, _, X, Y = scale.problem(sizes, batch)
    compiled = autograd_core.compile(scale.per_sample_loss(model), X[0], Y[0])
    theta = np.array([p.data for p in compiled.params])
    direct, given = compiled.run(X, Y), compiled.run(X, Y, params=theta)
    same = np.allclose([direct.value, *direct.grads], [given.value, *given.grads], rtol=RTOL)
    if not same:
        return {"error": "run(X, Y) and run(X, Y, params=theta) disagree"}
    times = in_turns(
        {
            "direct": lambda b: series(lambda _: compiled.run(X, Y), b),
            "params": lambda b: series(lambda _: compiled.run(X, Y, params=theta), b),
        },
        budget,
    )
    row = {name: summary(t) for name, t in times.items()}
    name = f"{'-'.join(map(str, sizes))}, batch {batch}"
    return {"name": name, **row, "ratio": row["direct"]["median_s"] / row["params"]["median_s"]}


def measure(plan: Plan, log: Any = lambda _: None) -> dict[str, Any]:
    """Every figure of the section, as one JSON-ready dict (with the targets judged)."""
    import torch

    torch.set_num_threads(1)
    out: dict[str, Any] = {"rounds": plan.rounds, "warmup": plan.warmup, "cases": []}
    out["torch_threads"] = torch.get_num_threads()
    for case in plan.cases:
        log(f"fit(compile=True) vs PyTorch: MLP {case.name}")
        out["cases"].append(compare(case, plan))
    focus = out["cases"][plan.cases.index(plan.focus)]
    out["setup"] = {"name": focus["name"], **focus.get("setup_s", {})}
    log("run(X, Y) vs run(X, Y, params=theta)")
    out["run"] = run_ratio(plan.focus.sizes, plan.focus.batch, plan.run_budget)
    log("viz.TrainingView on a compiled fit")
    epochs, points, hidden, repeats = plan.recording
    out["recording"] = recording.overhead(True, epochs, points, list(hidden), repeats)
    out["targets"] = [t.as_dict() for t in versus_torch(out)]
    return out


HEADING = (
    "## 7. fit(compile=True) against a PyTorch loop on the CPU: float64, the same unshuffled "
    "batches, plain SGD, median epoch of interleaved rounds"
)


def render(section: dict[str, Any] | None, markdown: bool = False) -> list[str]:
    """The section's printed lines (none when it was not part of the run)."""
    if not section:
        return []
    if "cases" not in section:
        return [HEADING, f"not run: {section.get('skipped') or section.get('error')}"]
    *_, setup, run, rec = versus_torch(section)  # the cases' ratios are in the table
    headers = ["network, batch, samples", "epochs", "fit epoch ms", "rounds", "torch epoch ms"]
    rows = [_case_row(case) for case in section["cases"]]
    check = max(c["loss_rel_diff"] for c in section["cases"])
    return [
        HEADING,
        "in a process of its own: " + "; ".join(section.get("notes", [])),
        table([*headers, "rounds", "ratio", "rounds", "<= 1.0"], rows, markdown),
        f"each a median over {section['rounds']} interleaved rounds of the epochs shown, after "
        f'{section["warmup"]} warm-up epochs ("rounds": the rounds\' min-max). Before timing, '
        f"two epochs' losses agreed to {check:.1e} (rtol {RTOL:g})",
        setup.line() + _setup_detail(section["setup"]),
        run.line() + _run_detail(section["run"]),
        rec.line() + _recording_detail(section["recording"]),
    ]


def _case_row(case: dict[str, Any]) -> list[str]:
    if "error" in case:
        return [case["name"], case["error"], "", "", "", "", "", "", "NO"]
    fit, torch, ratios = case["fit"], case["torch"], case["round_ratios"]
    return [
        case["name"],
        str(case["epochs"]),
        ms(fit["median_s"]),
        f"{ms(fit['min_s'])}-{ms(fit['max_s'])}",
        ms(torch["median_s"]),
        f"{ms(torch['min_s'])}-{ms(torch['max_s'])}",
        f"{case['ratio']:.2f}x",
        f"{min(ratios):.2f}-{max(ratios):.2f}",
        "yes" if case["ratio"] <= 1.0 else "NO",
    ]


def _setup_detail(setup: dict[str, Any]) -> str:
    if "rounds" not in setup:
        return ""
    return f" (each call: {setup['min_s']:.2f}-{setup['max_s']:.2f} s)"


def _run_detail(run: dict[str, Any]) -> str:
    if "error" in run:
        return f" ({run['error']})"
    direct, given = run["direct"]["median_s"], run["params"]["median_s"]
    return f" ({ms(direct)} ms against {ms(given)} ms)"


def _recording_detail(rec: dict[str, Any]) -> str:
    return (
        f" (fit alone {ms(rec['fit_s'])} ms, with a view {ms(rec['with_view_s'])} ms; "
        f"medians of {rec['repeats']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.versus_torch", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it runs")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one JSON line
    args = parser.parse_args(argv)
    notes: list[str] = []
    with steady(notes, keep_freed_memory=False):
        section = _measured(QUICK if args.quick else FULL, notes)
    if args.child:
        print(json.dumps(section))
        return 0
    print("\n".join(render(section, args.markdown)))
    if args.json:
        args.json.write_text(json.dumps(section, indent=2) + "\n")
    return 1 if any("error" in case for case in section.get("cases", [])) else 0


def _measured(plan: Plan, notes: list[str]) -> dict[str, Any]:
    if importlib.util.find_spec("torch") is None:
        return {"skipped": "torch is not importable here", "notes": notes}
    section = measure(plan, log=lambda msg: print(f"... {msg}", file=sys.stderr))
    notes.append(f"torch on {section['torch_threads']} thread(s)")
    return {**section, "notes": notes}


if __name__ == "__main__":
    sys.exit(main())
