"""Section 5: what recording a run with `viz.TrainingView` adds to `nn.fit`, nothing displayed.

The two-moons demo (MLP(2, [16, 16, 1]), 100 points, hinge, full batch, SGD), eager and
compile=True: fit alone, fit with a callback whose `on_epoch_end` does nothing (what any epoch
callback costs: a compiled fit then writes its parameters back to the model's Values every
epoch), and fit with a fresh view (made inside the timed call), interleaved and repeated; each
overhead is the ratio of the medians minus 1. Also: how many frames a long run keeps (bounded by
max_frames), and how long saving the page and the GIF take.

    python -m benchmarks.recording [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import nn
import viz

from .tables import ms, table

TARGET = 0.20  # the recording may cost at most this share of fit's time


class _Nothing:
    """A callback that does nothing at the end of each epoch."""

    def on_epoch_end(self, model: Any, epoch: int, history: Any) -> None:
        pass


def _moons(points: int) -> tuple[Any, Any]:
    """`points` two-moons points (noise 0.1, seed 0) and their labels as -1/+1."""
    X, y = nn.data.make_moons(points, noise=0.1, seed=0)
    return X, 2 * y - 1


def _fit(compiled: bool, epochs: int, points: int, hidden: list[int], watch: str) -> float:
    """Seconds of one fit from fresh weights; `watch` is "none", "nothing" or "view"."""
    X, y = _moons(points)
    model = nn.MLP(2, [*hidden, 1], seed=0)
    gc.collect()
    start = time.perf_counter()
    callbacks: list[Any] | None = None
    if watch == "nothing":
        callbacks = [_Nothing()]
    elif watch == "view":
        callbacks = [viz.TrainingView(model, X, y)]
    nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model, lr=0.1), epochs=epochs,
           progress=False, compile=compiled, callbacks=callbacks)  # fmt: skip
    return time.perf_counter() - start


def overhead(
    compiled: bool, epochs: int, points: int, hidden: list[int], repeats: int
) -> dict[str, Any]:
    """Median seconds of fit alone, with a do-nothing epoch callback and with a view,
    interleaved, and the overhead ratios of the latter two."""
    _fit(compiled, 2, points, hidden, "view")  # warm-up: imports, first traces
    times: dict[str, list[float]] = {"none": [], "nothing": [], "view": []}
    for _ in range(repeats):
        for watch, row in times.items():
            row.append(_fit(compiled, epochs, points, hidden, watch))
    fit, nothing, view = (statistics.median(times[k]) for k in ("none", "nothing", "view"))
    return {
        "epochs": epochs,
        "repeats": repeats,
        "fit_s": fit,
        "nothing_s": nothing,
        "with_view_s": view,
        "callback_overhead": nothing / fit - 1,
        "overhead": view / fit - 1,
    }


def long_run(epochs: int, points: int, hidden: list[int]) -> dict[str, Any]:
    """A long compiled run: frames kept, the snapshots' bytes, and the time to save each file."""
    X, y = _moons(points)
    model = nn.MLP(2, [*hidden, 1], seed=0)
    view = viz.TrainingView(model, X, y)
    nn.fit(model, X, y, loss="hinge", epochs=epochs, progress=False, compile=True,
           callbacks=[view])  # fmt: skip
    frames = view.recording.frames
    row: dict[str, Any] = {
        "epochs": epochs,
        "frames": len(frames),
        "max_frames": view.recording.max_frames,
        "every": view.recording.every,
        "snapshot_bytes": sum(f.data.nbytes + f.grad.nbytes for f in frames),
    }
    with tempfile.TemporaryDirectory() as folder:
        for suffix in ("html", "gif"):
            start = time.perf_counter()
            path = view.save(Path(folder) / f"run.{suffix}")
            row[f"save_{suffix}_s"] = time.perf_counter() - start
            row[f"{suffix}_bytes"] = path.stat().st_size
    return row


def measure(quick: bool = False) -> dict[str, Any]:
    points, hidden = (20, [4, 4]) if quick else (100, [16, 16])
    return {
        "points": points,
        "hidden": hidden,
        "eager": overhead(False, 2 if quick else 20, points, hidden, 1 if quick else 5),
        "compiled": overhead(True, 5 if quick else 300, points, hidden, 1 if quick else 7),
        "long_run": long_run(20 if quick else 5000, points, hidden),
    }


def render(results: dict[str, Any], markdown: bool = False) -> list[str]:
    """The section's printed lines."""
    rec = results.get("recording")
    if not rec:
        return []
    rows = [
        [name, str(row["epochs"]), ms(row["fit_s"]), f"{100 * row['callback_overhead']:+.1f}%",
         ms(row["with_view_s"]), f"{100 * row['overhead']:+.1f}%",
         "yes" if row["overhead"] <= TARGET else "NO"]
        for name, row in (("eager", rec["eager"]), ("compile=True", rec["compiled"]))
    ]  # fmt: skip
    long = rec["long_run"]
    return [
        f"## 5. Recording with viz.TrainingView (nothing displayed): MLP(2, "
        f"{[*rec['hidden'], 1]}), {rec['points']} moons points, hinge, full batch",
        table(
            [
                "fit",
                "epochs",
                "fit ms",
                "any epoch callback",
                "with view ms",
                "view overhead",
                f"<= {TARGET:.0%}",
            ],
            rows,
            markdown,
        ),
        f"a {long['epochs']:,}-epoch compiled run keeps {long['frames']} frames (max_frames "
        f"{long['max_frames']}; then one every {long['every']} epochs): "
        f"{long['snapshot_bytes'] / 2**10:,.0f} KiB of snapshots; saving the page takes "
        f"{ms(long['save_html_s'])} ms ({long['html_bytes'] / 2**10:,.0f} KiB), the GIF "
        f"{ms(long['save_gif_s'])} ms ({long['gif_bytes'] / 2**10:,.0f} KiB)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recording", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it runs")
    args = parser.parse_args(argv)
    print("\n".join(render({"recording": measure(args.quick)})))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
