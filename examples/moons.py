"""Two moons, as in micrograd's demo: an MLP learns to separate two interleaving half circles.

MLP(2, [16, 16, 1]) with relu hidden units on 100 noisy moons points, hinge loss plus an L2
penalty of 1e-4, full-batch SGD with the learning rate decaying from 1.0 to 0.1
(`1.0 - 0.9 * k / steps`). It reaches 100% training accuracy well within 100 steps and saves
two PNGs: the decision boundary and the loss/accuracy curves. Plotting needs matplotlib
(`pip install -e ".[plot]"`).

    python examples/moons.py [OUT_DIR] [--steps 100] [--seed 0] [--grid 40]

OUT_DIR defaults to examples/output/ (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import nn
from nn.data import make_moons

DEFAULT_OUT = Path(__file__).resolve().parent / "output"


@dataclass
class MoonsResult:
    model: nn.MLP
    history: nn.History
    accuracy: float  # training accuracy after the last step
    first_perfect_step: int | None  # first step whose forward pass classified all 100 points
    boundary_png: Path
    loss_png: Path


def main(
    out_dir: str | Path = DEFAULT_OUT,
    steps: int = 100,
    seed: int = 0,
    progress: bool = False,
    grid: int = 40,
) -> MoonsResult:
    """Train, plot into `out_dir`, and return the model, its history and the PNG paths."""
    if importlib.util.find_spec("matplotlib") is None:
        raise SystemExit('moons.py plots with matplotlib: pip install -e ".[plot]"')
    X, y01 = make_moons(100, noise=0.1, seed=seed)
    y = 2 * y01 - 1  # the hinge loss wants labels -1 and +1
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=seed)
    optimizer = nn.SGD(model, lr=lambda k: 1.0 - 0.9 * k / steps)
    history = nn.fit(
        model, X, y, loss="hinge", optimizer=optimizer, epochs=steps, l2=1e-4, progress=progress
    )
    final = nn.evaluate(model, X, y, loss="hinge")
    first = next((k for k, acc in enumerate(history.accuracy or []) if acc == 1.0), None)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    boundary_png, loss_png = out / "moons_boundary.png", out / "moons_loss.png"
    plot_boundary(model, X, y, boundary_png, grid)
    plot_history(history, loss_png)
    return MoonsResult(model, history, final.accuracy or 0.0, first, boundary_png, loss_png)


def plot_boundary(model: nn.MLP, X: np.ndarray, y: np.ndarray, path: Path, grid: int) -> None:
    """Color the plane by the sign of the model's score, with the points on top."""
    from matplotlib.figure import Figure  # no pyplot: no global backend state, no window

    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, grid)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, grid)
    xx, yy = np.meshgrid(xs, ys)
    scores = np.array(nn.predict(model, np.column_stack([xx.ravel(), yy.ravel()])))
    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    zz = scores.reshape(xx.shape)
    bounds = [min(zz.min(), -1.0) - 1, 0.0, max(zz.max(), 1.0) + 1]  # interpolates the 0 crossing
    ax.contourf(xx, yy, zz, levels=bounds, colors=["#9bb7e0", "#f0a98f"], alpha=0.6)
    ax.contour(xx, yy, zz, levels=[0.0], colors="k", linewidths=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=18, edgecolors="k", linewidths=0.5)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_title("MLP(2, [16, 16, 1]) decision boundary")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot_history(history: nn.History, path: Path) -> None:
    """Loss per step (left axis) and training accuracy (right axis)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.5))
    ax = fig.add_subplot()
    ax.plot(history.loss, color="tab:blue")
    ax.set_xlabel("step")
    ax.set_ylabel("hinge loss + L2", color="tab:blue")
    if history.accuracy is not None:
        acc = ax.twinx()
        acc.plot(history.accuracy, color="tab:orange")
        acc.set_ylabel("training accuracy", color="tab:orange")
        acc.set_ylim(0, 1.05)
    ax.set_title("Training")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=DEFAULT_OUT, type=Path)
    parser.add_argument("--steps", type=int, default=100, help="SGD steps (100)")
    parser.add_argument("--seed", type=int, default=0, help="data and weight seed (0)")
    parser.add_argument("--grid", type=int, default=40, help="boundary plot resolution (40)")
    args = parser.parse_args()
    if args.steps < 1 or args.grid < 2:
        parser.error("--steps must be at least 1 and --grid at least 2")
    result = main(args.out_dir, args.steps, args.seed, progress=True, grid=args.grid)
    print(f"training accuracy after {args.steps} steps: {result.accuracy:.0%}")
    if result.first_perfect_step is not None:
        print(f"first step with 100% accuracy: {result.first_perfect_step}")
    print(f"saved {result.boundary_png} and {result.loss_png}")
