"""Model files under hostile input: every bad file is a ValueError that leaves the model as it
was, every bad path an error naming it; saves are atomic and keep the file's mode and links;
`nn.load` / `MLP.load` rebuild a model from its file and build nothing the file merely names."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from autograd_core import Value
from tests.conftest import needs


def saved(tmp_path: Path, model: nn.Module, name: str = "model.json") -> Path:
    path = tmp_path / name
    model.save(path)
    return path


def write_doc(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def flat(out: object) -> list[float]:
    return [v.data for v in (out if isinstance(out, list) else [out])]  # type: ignore[union-attr]


def refused(model: nn.Module, path: Path, match: str) -> str:
    """Load `path` into `model`: it must be a ValueError matching `match`, model unchanged."""
    before = model.state_dict()
    with pytest.raises(ValueError, match=match) as error:
        model.load(path)
    assert model.state_dict() == before
    return str(error.value)


# --- rebuilding a model from its file -----------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(3, [4, 2, 1], activation="relu", output_activation="sigmoid", seed=1),
        lambda: nn.MLP(2, [3], init="scaled", seed=2),
        lambda: nn.Layer(2, 3, "sigmoid", seed=3),
        lambda: nn.Neuron(4, "linear", seed=4),
    ],
    ids=["mlp", "one-layer mlp", "layer", "neuron"],
)
def test_nn_load_and_class_load_rebuild_the_saved_model(tmp_path, make) -> None:
    model = make()
    path = saved(tmp_path, model)
    x = [0.3, -1.2, 0.7, 2.0][: model.get_config()["nin"]]
    for rebuilt in (nn.load(path), type(model).load(path), nn.Module.load(str(path))):
        assert type(rebuilt) is type(model)
        assert rebuilt.get_config() == model.get_config()
        assert rebuilt.state_dict() == model.state_dict()
        assert flat(rebuilt(x)) == flat(model(x))


def test_the_file_records_the_constructor_arguments(tmp_path) -> None:
    model = nn.MLP(2, [5, 1], activation="relu", output_activation="linear", init="scaled")
    doc = json.loads(saved(tmp_path, model).read_text())
    assert doc["version"] == 2 and doc["class"] == "MLP"
    assert doc["config"] == {
        "nin": 2,
        "nouts": [5, 1],
        "activation": "relu",
        "output_activation": "linear",
        "init": "scaled",
    }


def test_class_load_refuses_another_class_and_nn_load_builds_only_nn_classes(tmp_path) -> None:
    path = saved(tmp_path, nn.MLP(2, [3, 1], seed=0))
    with pytest.raises(ValueError, match="holds a model of class 'MLP', not 'Layer'"):
        nn.Layer.load(path)
    doc = json.loads(path.read_text())
    for name in ("os.system", "subprocess.Popen", "Net", "__import__('os')"):
        other = write_doc(tmp_path / "other.json", {**doc, "class": name})
        with pytest.raises(ValueError, match="which nn.load\\(\\) does not build"):
            nn.load(other)


def test_a_user_module_rebuilds_when_its_class_is_named_and_it_has_get_config(tmp_path) -> None:
    class Net(nn.Module):
        def __init__(self, width: int, seed: int = 0) -> None:
            self.width = width
            self.hidden = nn.Layer(2, width, "relu", seed=seed)
            self.out = nn.Neuron(width, "linear", seed=seed + 1)

        def forward(self, x):
            return self.out(self.hidden(x))

        def get_config(self):
            return {"width": self.width}

    class Plain(nn.Module):
        def __init__(self) -> None:
            self.w = Value(0.5)

    net = Net(3, seed=5)
    path = saved(tmp_path, net)
    rebuilt = Net.load(path)
    assert rebuilt.state_dict() == net.state_dict() and rebuilt.width == 3
    assert rebuilt([1.0, -2.0]).data == net([1.0, -2.0]).data
    with pytest.raises(ValueError, match="Net.load\\(path\\)"):
        nn.load(path)  # never builds a class it was not given
    plain = saved(tmp_path, Plain(), "plain.json")
    with pytest.raises(ValueError, match="saved without its constructor arguments"):
        Plain.load(plain)
    other = Plain()
    other.w.data = 9.0
    assert other.load(plain).w.data == 0.5  # loading into a built one works


def test_a_subclass_with_the_same_constructor_rebuilds(tmp_path) -> None:
    class Wide(nn.MLP):
        pass

    model = Wide(2, [6, 1], seed=0)
    rebuilt = Wide.load(saved(tmp_path, model))
    assert type(rebuilt) is Wide and rebuilt.state_dict() == model.state_dict()


def test_version_1_files_load_into_a_built_model_but_cannot_rebuild(tmp_path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    v1 = {
        "format": "autograd-core/nn",
        "version": 1,
        "class": "MLP",
        "num_parameters": len(state),
        "parameters": state,
    }
    path = write_doc(tmp_path / "v1.json", v1)
    target = nn.MLP(2, [3, 1], seed=1)
    assert target.load(path).state_dict() == state
    with pytest.raises(ValueError, match="version-1 file, which holds no constructor arguments"):
        nn.load(path)
    write_doc(path, {**v1, "config": {}})
    refused(target, path, "unexpected 'config'")


def test_a_different_architecture_is_named_in_the_error(tmp_path) -> None:
    path = saved(tmp_path, nn.MLP(2, [3, 1], activation="relu", seed=0))
    message = refused(nn.MLP(2, [3, 1], seed=0), path, "activation='relu' \\(this model: 'tanh'\\)")
    assert "nouts" not in message  # only what differs
    refused(nn.MLP(2, [4, 1]), path, "nouts=\\[3, 1\\] \\(this model: \\[4, 1\\]\\)")
    same = nn.MLP(2, [3, 1], activation="relu", init="scaled", seed=3)  # init is not architecture
    assert same.load(path).state_dict() == nn.MLP.load(path).state_dict()


def test_a_name_mismatch_names_only_what_is_wrong(tmp_path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    path = saved(tmp_path, model)
    doc = json.loads(path.read_text())
    del doc["config"]  # a version-1 style check by names alone
    doc["version"] = 1
    params = dict(doc["parameters"])
    params.pop("layers.1.neurons.0.b")
    write_doc(path, {**doc, "parameters": params, "num_parameters": len(params)})
    message = refused(model, path, "missing 'layers.1.neurons.0.b'")
    assert "unexpected" not in message and not message.endswith("none")
    params["extra"] = 1.0
    params["layers.1.neurons.0.b"] = 0.0
    write_doc(path, {**doc, "parameters": params, "num_parameters": len(params)})
    message = refused(model, path, "unexpected 'extra'")
    assert "missing" not in message


# --- hostile files -----------------------------------------------------------------------------


def good_doc(tmp_path: Path) -> dict:
    return json.loads(saved(tmp_path, nn.MLP(2, [3, 1], seed=0), "good.json").read_text())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d.update(version=True), "version True"),
        (lambda d: d.update(version=2.0), "version 2.0"),
        (lambda d: d.update(version=3), "written by a newer nn"),
        (lambda d: d.update(num_parameters=13.0), "num_parameters=13.0"),
        (lambda d: d.update(num_parameters=True), "num_parameters=True"),
        (lambda d: d.update({"class": ["MLP"]}), "'class' must be a name"),
        (lambda d: d.update(config=[1]), "'config' must be an object"),
        (lambda d: d.update(parameters=[1.0] * 13), "'parameters' must be an object"),
        (lambda d: d.update(extra=1), "unexpected 'extra'"),
        (lambda d: d.pop("config"), "missing 'config'"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": None}), "must be a number"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_header_and_parameter_types_are_exact(tmp_path, edit, match) -> None:
    doc = good_doc(tmp_path)
    edit(doc)
    refused(nn.MLP(2, [3, 1], seed=1), write_doc(tmp_path / "bad.json", doc), match)
    with pytest.raises(ValueError):
        nn.load(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("number", "match"),
    [
        ("1" + "0" * 400, "too large for a float \\(about 401 digits\\)"),
        ("1e999", "1e999 is too large for a float"),
        ("-1e999", "-1e999 is too large for a float"),
        ("NaN", "NaN is not a number a model file may hold"),
        ("-Infinity", "-Infinity is not a number"),
        ("9" * 5000, "not a valid model file"),  # past Python's int-parsing digit limit
    ],
    ids=["400-digit int", "1e999", "-1e999", "NaN", "-Infinity", "5000-digit int"],
)
def test_numbers_a_float_cannot_hold_are_refused(tmp_path, number, match) -> None:
    doc = good_doc(tmp_path)
    doc["parameters"]["layers.0.neurons.0.b"] = "HERE"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc).replace('"HERE"', number))
    refused(nn.MLP(2, [3, 1], seed=1), path, match)


def test_deeply_nested_json_is_a_value_error_not_a_recursion_error(tmp_path) -> None:
    path = tmp_path / "deep.json"
    for depth in (5_000, 200_000):
        path.write_text('{"format": "autograd-core/nn", "x": ' + "[" * depth + "]" * depth + "}")
        with pytest.raises(ValueError, match="nested too deeply"):
            nn.load(path)
    path.write_text("[" * 5_000 + "]" * 5_000)
    refused(nn.Neuron(2), path, "nested too deeply")


def test_bytes_that_are_not_utf8_json_are_refused(tmp_path) -> None:
    path = tmp_path / "bad.json"
    cases = [(b"\xff\xfe{}", "not UTF-8"), (b"", "not a valid model file"),
             (b"\x00" * 10, "not a valid model file"), (b"{", "not a valid")]  # fmt: skip
    for data, match in cases:
        path.write_bytes(data)
        refused(nn.Neuron(2), path, match)


def test_reading_is_bounded(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(json.loads(saved(tmp_path, model).read_text())) + " " * 200_000)
    refused(model, big, "larger than .* bytes")
    with big.open("r+b") as f:
        f.truncate(10 * 2**30)  # a sparse 10 GB file: refused before reading
    with pytest.raises(ValueError, match="larger than"):
        nn.load(big)


def test_a_device_a_pipe_and_a_directory_are_refused_without_reading(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    needs(os.path.exists("/dev/zero"), "/dev/zero")
    refused(model, Path("/dev/zero"), "not a regular file")
    refused(model, tmp_path, "is a directory, not a model file")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            nn.load(fifo)
        except BaseException as e:  # any, handed to the test thread
            errors.append(e)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "loading a named pipe blocked"
    assert isinstance(errors[0], ValueError) and "not a regular file" in str(errors[0])


def test_bad_paths(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        model.load(tmp_path / "missing.json")
    for bad in ("", "a\0b"):
        with pytest.raises(ValueError, match="is not a file path"):
            model.load(bad)
    for bad in (None, 3, b"model.json"):
        with pytest.raises(TypeError, match="must be a str or a Path"):
            model.load(bad)
        with pytest.raises(TypeError, match="must be a str or a Path"):
            model.save(bad)


# --- saving ------------------------------------------------------------------------------------


def test_save_errors_name_the_path_given_and_leave_no_temp_file(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    target = tmp_path / "no-such-folder" / "m.json"
    with pytest.raises(FileNotFoundError) as error:
        model.save(target)
    assert str(target) in str(error.value) and ".tmp" not in str(error.value)
    folder = tmp_path / "m.json"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="m.json"):
        model.save(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"] and not any(folder.iterdir())


def test_save_keeps_an_existing_files_mode_and_gives_a_new_one_the_usual_mode(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    path = tmp_path / "m.json"
    path.write_text("old")
    path.chmod(0o640)
    model.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert nn.load(path).state_dict() == model.state_dict()
    umask = os.umask(0o022)
    os.umask(umask)
    fresh = tmp_path / "new.json"
    model.save(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_save_writes_through_a_symlink(tmp_path) -> None:
    model = nn.Neuron(2, seed=0)
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert nn.load(real).state_dict() == model.state_dict()
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "created.json")
    model.save(dangling)
    assert dangling.is_symlink() and (tmp_path / "created.json").is_file()


# --- property-based: arbitrary input never escapes as anything but ValueError ---------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
HEADER = st.sampled_from(
    ["format", "version", "class", "config", "num_parameters", "parameters", "extra"]
)
CONFIG = st.sampled_from(["nin", "nouts", "activation", "output_activation", "init", "seed"])


class Hostile:
    """A model, its good file's document, and a check that a file is loaded or refused cleanly."""

    def __init__(self, tmp_dir: Path) -> None:
        self.model = nn.MLP(2, [2, 1], seed=0)
        self.before = self.model.state_dict()
        self.good = json.loads(saved(tmp_dir, self.model, "good.json").read_text())
        self.path = tmp_dir / "fuzz.json"

    def check(self, data: bytes) -> None:
        self.path.write_bytes(data)
        for load in (self.model.load, nn.load, nn.MLP.load):
            try:
                result = load(self.path)
            except ValueError:
                assert self.model.state_dict() == self.before
            else:
                assert isinstance(result, nn.Module)
                assert result.state_dict() == self.before  # only the good file loads


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    return Hostile(tmp_path_factory.mktemp("hostile"))


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(
    doc=JSON
    | st.tuples(st.just("header"), HEADER, JSON)
    | st.tuples(st.just("config"), CONFIG, JSON)
)
def test_arbitrary_json_is_loaded_or_refused_with_a_value_error(hostile, doc) -> None:
    if isinstance(doc, tuple) and doc[0] == "config":  # one constructor argument replaced
        doc = {**hostile.good, "config": {**hostile.good["config"], doc[1]: doc[2]}}
    elif isinstance(doc, tuple):  # one header field replaced
        doc = {**hostile.good, doc[1]: doc[2]}
    hostile.check(json.dumps(doc).encode())


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_with_a_value_error(hostile, data) -> None:
    hostile.check(data)
