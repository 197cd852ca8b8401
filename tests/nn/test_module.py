"""Module: parameter discovery and names, zero_grad, state dicts, and atomic, validated files."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

import nn
from autograd_core import Value, name_scope, topological_order

from .helpers import ids


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
    assert ids(mlp.parameters()) == ids(p for _, p in mlp.named_parameters())
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
    expected = [m.scale, m.blocks[0].w[0], m.blocks[0].b, m.blocks[1].w[0]]
    assert ids(m.parameters()) == ids(expected)  # the very objects, the tied bias once


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
        "wrong version": edited(version=3),
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
    with pytest.raises(ValueError, match="nouts=\\[3, 1\\] \\(this model: \\[4, 1\\]\\)"):
        other.load(good_path)
    with pytest.raises(ValueError, match="holds a model of class .MLP., not .Layer."):
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


# --- the forward protocol: user modules as in PyTorch ------------------------------------------


class Net(nn.Module):
    """2 -> 3 (relu) -> 1, written as a user would: submodules as attributes, and forward."""

    def __init__(self, seed: int = 0) -> None:
        self.hidden = nn.Layer(2, 3, "relu", seed=seed)
        self.out = nn.Layer(3, 1, "linear", seed=seed + 1)

    def forward(self, x):
        return self.out(self.hidden(x))


def mlp_like(net: Net) -> nn.MLP:
    """The MLP that computes what `net` computes: the same weights in the same places."""
    mlp = nn.MLP(2, [3, 1], activation="relu")
    mlp.load_state_dict(
        {name.replace("hidden", "layers.0").replace("out", "layers.1"): v
         for name, v in net.state_dict().items()}
    )  # fmt: skip
    return mlp


def test_a_subclass_with_forward_is_callable_and_finds_its_parameters() -> None:
    net = Net()
    assert [n for n, _ in net.named_modules()] == [
        "", "hidden", "hidden.neurons.0", "hidden.neurons.1", "hidden.neurons.2", "out",
        "out.neurons.0",
    ]  # fmt: skip
    assert net.num_parameters() == 3 * 3 + 4
    assert [n for n, _ in net.named_parameters()][:3] == [
        "hidden.neurons.0.w.0", "hidden.neurons.0.w.1", "hidden.neurons.0.b"
    ]  # fmt: skip
    x = [0.7, -0.4]
    h = [max(0.0, n.w[0].data * x[0] + n.w[1].data * x[1] + n.b.data) for n in net.hidden.neurons]
    o = net.out.neurons[0]
    expected = sum(w.data * hi for w, hi in zip(o.w, h)) + o.b.data
    assert net(x).data == pytest.approx(expected, rel=1e-15)
    loss = net(x) * net(x)
    loss.backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())


def test_inputs_as_separate_arguments_are_told_to_be_one_list() -> None:
    for model in (nn.MLP(2, [3, 1], seed=0), nn.Layer(2, 3, seed=0), nn.Neuron(2, seed=0)):
        with pytest.raises(
            TypeError, match=r"one list: call model\(\[1.0, 2.0\]\), not model\(1.0, 2"
        ):
            model(1.0, 2.0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"MLP.forward\(x\) cannot take these arguments: missing"):
        nn.MLP(2, [1], seed=0)()  # type: ignore[call-arg]


def test_a_call_that_fits_forward_keeps_the_error_raised_inside_it() -> None:
    class Pair(nn.Module):
        def forward(self, x, y):
            return x + y

    with pytest.raises(
        TypeError, match=r"Pair.forward\(x, y\) cannot take these arguments: too many"
    ):
        Pair()(1, 2, 3)
    with pytest.raises(TypeError, match="unsupported operand") as error:
        Pair()(1, "a")  # the call fits; the TypeError comes from inside forward, unchanged
    assert "cannot take" not in str(error.value)


def test_a_module_without_forward_says_what_to_define() -> None:
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty has no forward\\(\\)"):
        Empty()([1.0])


def test_a_user_module_draws_with_its_attribute_names_as_scopes() -> None:
    net = Net()
    y = net([1.0, 2.0])
    interior = [v for v in topological_order(y) if v.parents]
    assert {v.scope for v in interior} == {f"hidden.neurons.{j}" for j in range(3)} | {
        "out.neurons.0"
    }
    # each parameter sits in the box of the module holding it: its name less its own part
    for name, p in net.named_parameters():
        assert p.scope == name.rsplit(".", 2 if name.split(".")[-1].isdigit() else 1)[0]
    with name_scope("model"):  # built and called inside a scope: everything inside its box
        scoped = Net()
        z = scoped([1.0, 2.0])
    assert z.scope == "model.out.neurons.0" and scoped.out.neurons[0].b.scope == z.scope
    assert net.out.neurons[0].b.scope == "out.neurons.0"  # a parameter's scope is where it lives


def test_calling_a_submodule_directly_leaves_the_parameters_scopes_alone() -> None:
    mlp = nn.MLP(2, [3, 1], seed=0)
    before = [p.scope for p in mlp.parameters()]
    mlp.layers[0]([1.0, 2.0])
    mlp.layers[1].neurons[0]([1.0, 2.0, 3.0])
    assert [p.scope for p in mlp.parameters()] == before


def test_nested_user_modules_and_lists_of_modules_scope_as_named_modules_does() -> None:
    class Block(nn.Module):
        def __init__(self, seed: int) -> None:
            self.scale = Value(2.0, label="scale")
            self.unit = nn.Neuron(1, "tanh", seed=seed)

        def forward(self, x):
            return self.unit([x]) * self.scale

    class Stack(nn.Module):
        def __init__(self) -> None:
            self.blocks = [Block(0), Block(1)]
            self.mlp = nn.MLP(1, [2, 1], seed=2)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.mlp([x])

    stack = Stack()
    y = stack(0.5)
    scopes = {v.scope for v in topological_order(y) if v.parents}
    assert scopes == {"blocks.0", "blocks.0.unit", "blocks.1", "blocks.1.unit"} | {
        "mlp.layers.0.neurons.0", "mlp.layers.0.neurons.1", "mlp.layers.1.neurons.0"
    }  # fmt: skip
    assert stack.blocks[1].scale.scope == "blocks.1"
    assert stack.mlp.layers[1].neurons[0].w[0].scope == "mlp.layers.1.neurons.0"
    assert [n for n, _ in stack.mlp.named_parameters()][0] == "layers.0.neurons.0.w.0"


def test_a_called_module_that_is_no_submodule_rebuilds_the_name_map_once(monkeypatch) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            self.blocks = [nn.Neuron(1, seed=0)]
            self._helper = nn.Neuron(1, seed=1)  # private: not a submodule, so no scope

        def forward(self, x):
            return [block([x]) for block in self.blocks] + [self._helper([x])]

    net = Net()
    calls = []
    named_modules = nn.Module.named_modules

    def counted(self):
        calls.append(self)
        return named_modules(self)

    monkeypatch.setattr(nn.Module, "named_modules", counted)
    for _ in range(5):
        first, helper = net(0.5)
    assert first.scope == "blocks.0" and helper.scope is None
    assert len(calls) == 2  # one build, one rebuild for the helper's miss: misses are cached
    net.blocks.append(nn.Neuron(1, seed=2))  # added later: found by a rebuild
    assert [out.scope for out in net(0.5)] == ["blocks.0", "blocks.1", None]


def test_mlp_scopes_are_unchanged_by_the_protocol() -> None:
    mlp = nn.MLP(2, [2, 1], seed=0)
    before = [p.scope for p in mlp.parameters()]
    y = mlp([0.1, 0.2])
    assert [p.scope for p in mlp.parameters()] == before
    assert before[0] == "layers.0.neurons.0" and y.scope == "layers.1.neurons.0"


@pytest.mark.parametrize("compile", [False, True])
def test_fit_trains_a_user_module_exactly_as_the_same_mlp(compile: bool) -> None:
    X = [[0.5, 1.0], [-1.0, 0.3], [0.2, -0.7], [1.5, 0.1]]
    y = [1.0, -1.0, -1.0, 1.0]
    net = Net(seed=3)
    mlp = mlp_like(net)
    options = dict(loss="hinge", epochs=5, progress=False, compile=compile)
    a = nn.fit(net, X, y, optimizer=nn.SGD(net, lr=0.1), **options)
    b = nn.fit(mlp, X, y, optimizer=nn.SGD(mlp, lr=0.1), **options)
    assert a.loss == pytest.approx(b.loss, rel=1e-12)
    assert list(net.state_dict().values()) == pytest.approx(list(mlp.state_dict().values()))


def test_a_user_module_saves_and_loads(tmp_path) -> None:
    net, other = Net(seed=0), Net(seed=7)
    net.save(tmp_path / "net.json")
    assert other.load(tmp_path / "net.json").state_dict() == net.state_dict()
    assert other([0.3, 0.4]).data == net([0.3, 0.4]).data


def test_several_outputs_are_a_list_that_explains_backward() -> None:
    for model in (nn.MLP(2, [3, 2], seed=0), nn.Layer(2, 3, seed=0)):
        out = model([1.0, 2.0])
        assert isinstance(out, list) and out == list(out) and len(out) == len(out[:])
        assert np.array(out).shape == (len(out),)
        with pytest.raises(AttributeError, match=f"list of {len(out)} output Values; reduce it"):
            out.backward()
        with pytest.raises(AttributeError, match="take one \\(outputs\\[0\\].data\\)"):
            _ = out.data
        with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
            _ = out.nonsense
        batch = model.forward_batch([[1.0, 2.0]])[0]
        with pytest.raises(AttributeError, match="reduce it to one Value with a loss"):
            batch.backward()
    nn.mse(out, [0.0, 0.0, 0.0]).backward()  # the way that works


def test_cross_entropy_is_pytorchs_name_for_softmax_cross_entropy() -> None:
    assert nn.cross_entropy is nn.softmax_cross_entropy
    assert nn.get_loss("cross_entropy").fn is nn.get_loss(nn.cross_entropy).fn
