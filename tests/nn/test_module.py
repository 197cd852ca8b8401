"""Module: parameter discovery and names, zero_grad, state dicts, and atomic, validated files."""

from __future__ import annotations

import json
import math
import os

import pytest

import nn
from autograd_core import Value


def test_named_parameters_have_stable_pytorch_style_names():
    mlp = nn.MLP(2, [3, 1], seed=0)
    names = [name for name, _ in mlp.named_parameters()]
    expected = [f"layers.0.neurons.{j}.{p}" for j in range(3) for p in ("w.0", "w.1", "b")] + [
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.w.2",
    ]
    expected.append("layers.1.neurons.0.b")
    assert names == expected
    assert mlp.parameters() == [p for _, p in mlp.named_parameters()]
    assert mlp.num_parameters() == 3 * 3 + 4 == len(set(map(id, mlp.parameters())))
    assert nn.MLP(2, [16, 16, 1]).num_parameters() == 337  # micrograd's demo network
    assert [n for n, _ in nn.Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]


def test_user_modules_are_discovered_and_tied_weights_listed_once():
    class Tied(nn.Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.blocks = [nn.Neuron(1, seed=0), nn.Neuron(1, seed=1)]
            self.blocks[1].b = self.blocks[0].b  # tie the biases
            self._cache = Value(9.0)  # private: not a parameter
            self.note = "text"

    m = Tied()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "blocks.0.w.0", "blocks.0.b", "blocks.1.w.0"]
    assert m.num_parameters() == 4


def test_zero_grad_zeroes_every_parameter():
    mlp = nn.MLP(2, [2, 1], seed=0)
    mlp([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


def test_state_dict_round_trip():
    a, b = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=1)
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    assert all(type(v) is float for v in state.values())
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, -0.2]).data == a([0.3, -0.2]).data


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda s: s.pop("layers.0.neurons.0.b"), ValueError, "missing 'layers.0.neurons.0.b'"),
        (lambda s: s.update(extra=1.0), ValueError, "unexpected 'extra'"),
        (lambda s: s.update({"layers.1.neurons.0.b": "0.5"}), TypeError, "must be a number"),
        (lambda s: s.update({"layers.1.neurons.0.b": True}), TypeError, "must be a number"),
        (lambda s: s.update({"layers.1.neurons.0.b": math.nan}), ValueError, "must be finite"),
    ],
)
def test_bad_state_dicts_are_refused_and_change_nothing(change, error, match):
    mlp = nn.MLP(2, [4, 1], seed=0)
    before = mlp.state_dict()
    state = nn.MLP(2, [4, 1], seed=1).state_dict()
    change(state)
    with pytest.raises(error, match=match):
        mlp.load_state_dict(state)
    assert mlp.state_dict() == before
    with pytest.raises(TypeError, match="mapping"):
        mlp.load_state_dict([1.0, 2.0])


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    path = tmp_path / "model.json"
    trained = nn.MLP(2, [5, 5, 1], activation="relu", seed=3)
    trained.save(path)
    fresh = nn.MLP(2, [5, 5, 1], activation="relu", seed=99)
    assert fresh.load(path) is fresh
    for x in ([0.1, 0.2], [-1.5, 3.0], [7.0, -0.01]):
        assert fresh(x).data == trained(x).data  # exact: JSON keeps every float bit
    doc = json.loads(path.read_text())
    assert doc["format"] == "autograd-core/nn" and doc["class"] == "MLP"
    assert doc["num_parameters"] == trained.num_parameters()
    assert os.listdir(tmp_path) == ["model.json"]  # no temp file left behind


def corrupt_files(tmp_path, good: dict) -> dict[str, str]:
    def edited(**changes):
        doc = json.loads(json.dumps(good))
        doc.update(changes)
        return json.dumps(doc)

    params = dict(good["parameters"])
    first = next(iter(params))
    fewer = dict(list(params.items())[:-1])
    return {
        "truncated": json.dumps(good)[:100],
        "not json": "hello",
        "not utf-8": "\udcff",
        "a list": "[1, 2]",
        "wrong format": edited(format="something-else"),
        "wrong version": edited(version=2),
        "wrong class": edited(**{"class": "Layer"}),
        "count mismatch": edited(num_parameters=3),
        "fewer parameters": edited(parameters=fewer, num_parameters=len(fewer)),
        "string value": edited(parameters={**params, first: "x"}),
        "nan value": json.dumps(good).replace(repr(params[first]), "NaN", 1),
        "duplicate key": json.dumps(good).replace(
            f'"{first}": {params[first]!r}', f'"{first}": 1.0, "{first}": 2.0', 1
        ),
    }


def test_corrupt_or_mismatched_files_are_refused_with_the_model_unchanged(tmp_path):
    source = nn.MLP(2, [3, 1], seed=0)
    good_path = tmp_path / "good.json"
    source.save(good_path)
    good = json.loads(good_path.read_text())
    model = nn.MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    for what, text in corrupt_files(tmp_path, good).items():
        path = tmp_path / "bad.json"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        with pytest.raises(ValueError):
            model.load(path)
        assert model.state_dict() == before, what
    other = nn.MLP(2, [4, 1], seed=0)  # a different architecture of the same class
    with pytest.raises(ValueError, match="does not fit this model"):
        other.load(good_path)
    with pytest.raises(ValueError, match="holds a 'MLP', cannot load it into a Layer"):
        nn.Layer(2, 3).load(good_path)
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")
    assert model.state_dict() == before


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = nn.MLP(2, [3, 1], seed=0)
    old.save(path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)  # fail after writing, before the rename
    with pytest.raises(OSError, match="disk full"):
        nn.MLP(2, [3, 1], seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


def test_saving_a_non_finite_parameter_is_refused(tmp_path):
    m = nn.Neuron(2, seed=0)
    m.b.data = math.inf
    with pytest.raises(ValueError, match="parameter 'b' is inf"):
        m.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
