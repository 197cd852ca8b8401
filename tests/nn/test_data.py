"""Toy data sets: shapes, labels, geometry, determinism from the seed, and the helpers."""

from __future__ import annotations

import numpy as np
import pytest

from nn import data


@pytest.mark.parametrize(
    "make, kwargs, classes",
    [
        (data.make_moons, {"noise": 0.1}, 2),
        (data.make_circles, {"noise": 0.1}, 2),
        (data.make_xor, {"noise": 0.1}, 2),
        (data.make_spirals, {"noise": 0.1}, 2),
        (data.make_spirals, {"noise": 0.1, "n_classes": 3}, 3),
        (data.make_blobs, {"cluster_std": 0.5}, 3),
    ],
)
def test_shapes_labels_and_determinism(make, kwargs, classes):
    X, y = make(n_samples=101, seed=0, **kwargs)
    assert X.shape == (101, 2) and X.dtype == float
    assert y.shape == (101,) and set(y.tolist()) == set(range(classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced
    X2, y2 = make(n_samples=101, seed=0, **kwargs)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(n_samples=101, seed=1, **kwargs)
    assert not np.array_equal(X, X3)


def test_geometry_without_noise():
    X, y = data.make_moons(200, shuffle=False)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)  # unit half circle
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 0.5).all()
    X, y = data.make_circles(100, factor=0.3)
    assert np.allclose(np.hypot(*X[y == 0].T), 1.0) and np.allclose(np.hypot(*X[y == 1].T), 0.3)
    X, y = data.make_xor(200, seed=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert (np.abs(X) <= 1).all()
    X, y = data.make_blobs(300, centers=[[0.0, 0.0], [10.0, 10.0]], cluster_std=0.5, seed=0)
    assert np.allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.15)
    assert X[y == 0].std() == pytest.approx(0.5, rel=0.15)


def test_noise_is_the_standard_deviation():
    clean, _ = data.make_moons(2000, shuffle=False)
    noisy, _ = data.make_moons(2000, noise=0.2, shuffle=False, seed=0)
    assert (noisy - clean).std() == pytest.approx(0.2, rel=0.05)


def test_train_test_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.3, seed=0)
    assert len(X_test) == 3 and len(X_train) == 7
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    assert np.array_equal(X_test[:, 0] // 2, y_test)  # rows stay paired with their labels
    again = data.train_test_split(X, y, test_size=0.3, seed=0)
    assert np.array_equal(again[1], X_test)
    _, X_test, _, _ = data.train_test_split(X, y, test_size=2, shuffle=False)
    assert X_test.tolist() == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="leaves no train or no test"):
        data.train_test_split(X, y, test_size=10)
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        data.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        data.train_test_split(X, y[:9])


def test_accuracy():
    assert data.accuracy([1, 0, 1, 1], np.array([1, 1, 1, 0])) == 0.5
    assert data.accuracy([[1, 0], [0, 0]], [[1, 0], [0, 1]]) == 0.5
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        data.accuracy([1, 0], [1])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: data.make_moons(0), ValueError, "n_samples must be a positive int, got 0"),
        (lambda: data.make_moons(10.5), TypeError, "n_samples must be a positive int"),
        (lambda: data.make_moons(10, noise=-1), ValueError, "noise must be a finite number >= 0"),
        (lambda: data.make_circles(10, factor=1.5), ValueError, "factor must be"),
        (lambda: data.make_spirals(10, turns=0), ValueError, "turns must be a positive"),
        (lambda: data.make_blobs(10, centers=[1, 2]), ValueError, "centers must be an int"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_accuracy_refuses_values_whose_equality_is_identity() -> None:
    from autograd_core import Value

    with pytest.raises(TypeError, match=r"v\.data"):
        data.accuracy([Value(1.0)], [1.0])
