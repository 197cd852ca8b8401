"""Model files: `model.save(path)`, `model.load(path)`, `MLP.load(path)` and `nn.load(path)`.

A model file is JSON (version 2):

    {"format": "autograd-core/nn", "version": 2, "class": "MLP",
     "config": {"nin": 2, "nouts": [16, 16, 1], "activation": "tanh", ...},
     "num_parameters": 337, "parameters": {"layers.0.neurons.0.w.0": 0.31, ...}}

`config` holds the constructor arguments (`get_config()`), so a file rebuilds its model. Only
the classes in `REGISTRY` (nn's own, which `register` themselves) are built by name (`nn.load`);
your own class is built only when you name it (`Net.load(path)`, which calls `Net(**config)`).
Nothing in a file is imported or executed. Version-1 files (no config) still load into an
existing model.

These are free functions on any Module: `Module.save` and `Module.load` call them, and this
module knows no class of its own (nn's classes register here), so no import runs the other way.

Bad files raise ValueError naming the path and what is wrong, and change nothing; a missing or
unreadable path raises the OSError (FileNotFoundError, PermissionError) naming the path.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._checks import file_path, mismatch, quoted

if TYPE_CHECKING:
    from .module import Module, PathArg

__all__ = [
    "FILE_FORMAT",
    "FILE_VERSION",
    "MAX_FILE_BYTES",
    "REGISTRY",
    "build",
    "load",
    "load_into",
    "register",
    "save",
]

FILE_FORMAT = "autograd-core/nn"
FILE_VERSION = 2
"""Written by save(); versions 1 and 2 are read."""

MAX_FILE_BYTES = 64 * 2**20
"""The largest file `nn.load` reads (about a million parameters). Loading into a model reads at
most a bound computed from its parameter names, with a generous margin."""

REGISTRY: dict[str, type[Module]] = {}
"""The classes `nn.load(path)` builds by the name in the file: nn's own, registered where they
are defined (`register(MLP, ...)` in nn.layers)."""

Counter = Callable[[Mapping[str, Any]], int]
_COUNTERS: dict[type[Module], Counter] = {}

_KEYS = {
    1: {"format", "version", "class", "num_parameters", "parameters"},
    2: {"format", "version", "class", "config", "num_parameters", "parameters"},
}
_NOT_ARCHITECTURE = {"init"}  # how weights were drawn: irrelevant once they are loaded

M = TypeVar("M", bound="Module")


def register(cls: type[Module], count_parameters: Counter) -> None:
    """Let `nn.load(path)` build `cls` by its name. `count_parameters(config)` is the number of
    parameters `cls(**config)` makes, computed before anything is built (a ValueError saying what
    is wrong with a config it cannot read), so a file cannot make nn build a huge model."""
    REGISTRY[cls.__name__] = cls
    _COUNTERS[cls] = count_parameters


# --- saving ------------------------------------------------------------------------------------


def save(module: Module, path: PathArg) -> None:
    """Write `module` to `path` atomically (see `Module.save`)."""
    shown = file_path(path)
    state = module.state_dict()
    for name, v in state.items():
        if not math.isfinite(v):
            raise ValueError(f"cannot save to {shown!r}: parameter {name!r} is {v!r}")
    doc = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "class": type(module).__name__,
        "config": module.get_config(),
        "num_parameters": len(state),
        "parameters": state,
    }
    try:
        text = json.dumps(doc, indent=1, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"cannot save {type(module).__name__}: get_config() must return JSON data (numbers, "
            f"strings, lists, dicts), got {doc['config']!r:.80} ({e})"
        ) from None
    _atomic_write(shown, text.encode("utf-8"))


def _atomic_write(shown: str, data: bytes) -> None:
    """Write `data` to a temp file beside the target and rename it over the target.

    The target is the path with symlinks resolved (a link is written through). An existing file
    keeps its permission mode (and owner, where allowed); a new one gets the usual mode (0o666
    less the umask). On any error the old file is intact, the temp file removed, and the OSError
    names `shown`, the path the caller gave.
    """
    target = os.path.realpath(shown)
    tmp = None
    try:
        try:
            old: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            old = None
        if old is not None and stat.S_ISDIR(old.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        folder, name = os.path.split(target)
        mode = stat.S_IMODE(old.st_mode) if old is not None else 0o666
        tmp_name = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(tmp_name, flags, mode)
        tmp = tmp_name
        with open(fd, "wb") as f:
            if old is not None:
                os.chmod(fd, mode)  # the umask may have taken bits away
                _try_chown(fd, old)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        if e.errno is None:
            raise OSError(f"cannot save the model to {shown!r}: {e}") from None
        raise OSError(e.errno, f"cannot save the model: {e.strerror}", shown) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _try_chown(fd: int, old: os.stat_result) -> None:
    if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except OSError:
            pass  # only root may give a file away: the new file is then ours


# --- loading ---------------------------------------------------------------------------------


def load_into(module: M, path: PathArg) -> M:
    """Load the parameters saved in `path` into `module` and return it.

    The file must hold this class, the same constructor arguments (where both are known) and
    exactly these parameter names; otherwise ValueError naming what differs, and the module is
    unchanged.
    """
    shown = file_path(path)
    doc = _read(shown, _size_bound(module))
    cls = type(module).__name__
    if doc["class"] != cls:
        raise ValueError(
            f"{shown} holds a model of class {doc['class']!r:.60}, not {cls!r}: rebuild it "
            "with nn.load(path) (or YourClass.load(path) for your own class)"
        )
    config, ours = doc.get("config"), _as_saved(module.get_config())
    if config is not None and ours is not None:
        keys = (set(config) | set(ours)) - _NOT_ARCHITECTURE
        differ = sorted(k for k in keys if config.get(k) != ours.get(k))
        if differ:
            detail = ", ".join(
                f"{k}={config.get(k)!r:.60} (this model: {ours.get(k)!r:.60})" for k in differ
            )
            raise ValueError(
                f"{shown} was saved from a {cls} with {detail}; build a matching model, or "
                f"rebuild the saved one with {cls}.load(path)"
            )
    _load_state(module, doc, shown)
    return module


@overload
def build(cls: None, path: PathArg, *, max_bytes: int = ...) -> Module: ...


@overload
def build(cls: type[M], path: PathArg, *, max_bytes: int = ...) -> M: ...


def build(cls: type[Module] | None, path: PathArg, *, max_bytes: int = MAX_FILE_BYTES) -> Module:
    """Build the model saved in `path`: `cls.load(path)` (the file must hold a `cls`), or with
    `cls=None` (`nn.load(path)`, `nn.Module.load(path)`) any class in REGISTRY."""
    shown = file_path(path)
    doc = _read(shown, max_bytes)
    name = doc["class"]
    if cls is None:
        if name not in REGISTRY:
            raise ValueError(
                f"{shown} holds a model of class {name!r:.60}, which nn.load() does not build "
                f"(it builds {', '.join(REGISTRY)}); for your own class use {name}.load(path) "
                f"(it needs get_config()) or {name}(...).load(path)"
            )
        cls = REGISTRY[name]
    elif name != cls.__name__:
        raise ValueError(
            f"{shown} holds a model of class {name!r:.60}, not {cls.__name__!r}: nn.load(path) "
            "builds whatever class a file holds"
        )
    if doc["version"] == 1:
        raise ValueError(
            f"{shown} is a version-1 file, which holds no constructor arguments: build the model "
            f"({name}(...)) and call model.load(path)"
        )
    config = doc["config"]
    if config is None:
        raise ValueError(
            f"{shown} holds a {name} saved without its constructor arguments ({name} has no "
            f"get_config()): build it ({name}(...)) and call model.load(path)"
        )
    counter = next((c for base, c in _COUNTERS.items() if cls.__init__ is base.__init__), None)
    if counter is not None:
        try:
            expected = counter(config)
        except ValueError as e:
            raise ValueError(f"{shown} is corrupt: {e}") from None
        if expected != doc["num_parameters"]:
            raise ValueError(
                f"{shown} is corrupt: a {name} with {_args(config)} has {expected} parameters, "
                f"but the file holds {doc['num_parameters']}"
            )
    try:
        model = cls(**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{shown}: cannot build {name}({_args(config)}): {e}") from None
    _load_state(model, doc, shown)
    return model


def load(path: PathArg) -> Module:
    """Rebuild the model saved in `path`, whatever nn class it holds (`nn.MLP`, ...).

    >>> nn.MLP(2, [3, 1], seed=0).save("model.json")
    >>> model = nn.load("model.json")            # the same class, architecture and weights
    >>> model.sizes, round(model([1.0, -2.0]).data, 4)
    ([2, 3, 1], 0.4627)
    """
    return build(None, path)


def _as_saved(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """A config as a file holds it (tuples become lists), or None if JSON cannot hold it."""
    try:
        return json.loads(json.dumps(config, allow_nan=False))  # type: ignore[no-any-return]
    except (TypeError, ValueError):
        return None


def _load_state(module: Module, doc: dict[str, Any], shown: str) -> None:
    try:
        module.load_state_dict(doc["parameters"])
    except (TypeError, ValueError) as e:
        raise ValueError(f"{shown} does not fit this model: {e}") from None


# --- reading and checking a file --------------------------------------------------------------


def _size_bound(module: Module) -> int:
    """A generous bound on the size of a file saved from `module` (saved files are far smaller)."""
    names = [name for name, _ in module.named_parameters()]
    return 2**16 + 4 * sum(len(name) + 64 for name in names)


def _read(shown: str, limit: int) -> dict[str, Any]:
    """The checked header and parameters of the file at `shown`, read up to `limit` bytes."""
    data = _read_bytes(shown, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{shown} is not a model file: not UTF-8 text (byte {e.start})") from None
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_float=_finite_number,
        )
    except RecursionError:
        raise ValueError(f"{shown} is not a model file: its JSON is nested too deeply") from None
    except ValueError as e:  # bad JSON, duplicate keys, NaN, 1e999, an int of 5000 digits
        raise ValueError(f"{shown} is not a valid model file: {e}") from None
    _check_header(doc, shown)
    return doc  # type: ignore[no-any-return]


def _read_bytes(shown: str, limit: int) -> bytes:
    try:
        info = os.stat(shown)
        if stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{shown} is a directory, not a model file")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{shown} is not a regular file (a device, pipe or socket)")
        if info.st_size > limit:
            raise ValueError(_too_large(shown, limit))
        with open(shown, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        if e.errno is None:
            raise
        raise OSError(e.errno, f"cannot read the model file: {e.strerror}", shown) from None
    if len(data) > limit:
        raise ValueError(_too_large(shown, limit))
    return data


def _too_large(shown: str, limit: int) -> str:
    return (
        f"{shown} is larger than {limit} bytes, more than a model file for this model can be; "
        "it is not one (nn.load reads up to nn.files.MAX_FILE_BYTES)"
    )


def _check_header(doc: object, shown: str) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise ValueError(f"{shown} is not a model file (expected format {FILE_FORMAT!r})")
    version = doc.get("version")
    if type(version) is not int or version not in _KEYS:
        newer = type(version) is int and version > FILE_VERSION
        raise ValueError(
            f"{shown} has version {version!r:.40}"
            + ("; it was written by a newer nn" if newer else "")
            + f": this nn reads versions {', '.join(map(str, _KEYS))}"
        )
    keys, expected = set(doc), _KEYS[version]
    if keys != expected:
        wrong = mismatch(expected - keys, keys - expected, quoted)
        raise ValueError(f"{shown} is corrupt: {wrong} in its header")
    if not isinstance(doc["class"], str):
        raise ValueError(f"{shown} is corrupt: 'class' must be a name, got {doc['class']!r:.40}")
    if version == 2 and doc["config"] is not None and not isinstance(doc["config"], dict):
        raise ValueError(f"{shown} is corrupt: 'config' must be an object or null")
    state, count = doc["parameters"], doc["num_parameters"]
    if not isinstance(state, dict):
        raise ValueError(f"{shown} is corrupt: 'parameters' must be an object of names to numbers")
    if type(count) is not int or count != len(state):
        raise ValueError(
            f"{shown} is corrupt: its header says num_parameters={count!r:.40} but it holds "
            f"{len(state)} parameters"
        )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r:.60} appears twice")
        seen.add(key)
    return dict(pairs)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a model file may hold (finite numbers only)")


def _finite_number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a float")
    return value


def _args(config: Mapping[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in config.items())
    return text if len(text) <= 120 else text[:117] + "..."
