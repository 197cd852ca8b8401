"""Handwritten digits with the layered network: MLP(64, [128, 64, 10]) trained by nn.fit with
compile=True, on scikit-learn's 1,797 8x8 images (shipped inside scikit-learn: nothing is
downloaded).

    pip install -e ".[digits]" && python examples/digits.py

It prints the test accuracy, the training time, and how long one step of the same network takes
without compile (eager Values), for comparison.
"""

from __future__ import annotations

import time

import numpy as np

import nn


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise SystemExit('this example needs scikit-learn: pip install -e ".[digits]"') from None
    digits = sklearn_digits()
    return digits.data / 16.0, digits.target  # pixels 0..16 -> 0..1; labels 0..9


def main(epochs: int = 30, seed: int = 0, hidden: tuple[int, ...] = (128, 64)) -> None:
    """Train, evaluate and time; `hidden` are the hidden layers' sizes (smaller runs faster)."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = nn.data.train_test_split(X, y, test_size=0.25, seed=seed)
    model = nn.MLP(64, [*hidden, 10], activation="relu", init="scaled", seed=seed)
    print(f"{model!r}\n{len(X_train)} training and {len(X_test)} test images")

    start = time.perf_counter()
    history = nn.fit(
        model, X_train, y_train, loss="cross_entropy", optimizer=nn.Adam(model, lr=3e-3),
        epochs=epochs, batch_size=64, seed=seed, compile=True, progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    steps = history.steps
    test = nn.evaluate(model, X_test, y_test, loss="cross_entropy")

    # One eager step (a graph of Values for a batch of 64) for comparison.
    eager = nn.MLP(64, [*hidden, 10], activation="relu", init="scaled", seed=seed)
    start = time.perf_counter()
    nn.fit(eager, X_train[:64], y_train[:64], loss="cross_entropy", epochs=1, progress=False)
    eager_step = time.perf_counter() - start

    print(f"trained {epochs} epochs ({steps} steps of 64 images) in {seconds:.1f} s")
    print(f"train accuracy {history.accuracy[-1]:.3f}, test accuracy {test.accuracy:.3f}")
    print(
        f"one compiled step: {1000 * seconds / steps:.1f} ms; one eager step: "
        f"{1000 * eager_step:.0f} ms ({eager_step * steps / seconds:.0f}x slower)"
    )


if __name__ == "__main__":
    main()
