"""Module: the base class that finds parameters, names them, and saves and loads them."""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from autograd_core import Value

FILE_FORMAT = "autograd-core/nn"
FILE_VERSION = 1


class Module:
    """Base class of Neuron, Layer and MLP, with the names PyTorch users know.

    Parameters are found, not registered: every public attribute that is a `Value`, a `Module`,
    or a list/tuple of them, in the order the attributes were set. So a Neuron with `self.w` (a
    list) and `self.b` has parameters named `w.0`, `w.1`, ..., `b`, and in an MLP they become
    `layers.0.neurons.3.w.1`. A Value reachable twice (a tied weight) is listed once.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """`(name, parameter)` pairs in a stable order: attribute order, then list order."""
        seen: set[int] = set()
        out: list[tuple[str, Value]] = []
        for name, p in self._walk(""):
            if id(p) not in seen:
                seen.add(id(p))
                out.append((name, p))
        return out

    def _walk(self, prefix: str) -> Iterator[tuple[str, Value]]:
        for attr, item in vars(self).items():
            if attr.startswith("_"):
                continue
            if isinstance(item, (list, tuple)):
                for i, sub in enumerate(item):
                    yield from _walk_item(f"{prefix}{attr}.{i}", sub)
            else:
                yield from _walk_item(f"{prefix}{attr}", item)

    def forward_batch(self, xs: Sequence) -> list:
        """The outputs for a list of samples, `[self(x) for x in xs]`; subclasses may override it
        with a faster order of work that gives the same values and the same graph per sample."""
        return [self(x) for x in xs]

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (leaves accumulate across `backward()` calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"

    # --- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """`{name: value}` for every parameter: plain floats, a snapshot."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`, which must name exactly this module's parameters.

        Everything is checked before anything changes: on any error the module is untouched.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict() needs a mapping of names to numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        names = [name for name, _ in named]
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in set(names)]
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__} with {len(names)} parameters: "
                f"missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        values = []
        for name in names:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"parameter {name!r} must be a number, got {type(v).__name__}")
            if not math.isfinite(v):
                raise ValueError(f"parameter {name!r} must be finite, got {v!r}")
            values.append(float(v))
        for (_, p), v in zip(named, values):
            p.data = v

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to a JSON file, atomically: a temp file renamed over `path`.

        A crash mid-write leaves any previous file intact. Non-finite parameters are refused.
        """
        state = self.state_dict()
        for name, v in state.items():
            if not math.isfinite(v):
                raise ValueError(f"cannot save: parameter {name!r} is {v!r}")
        doc = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "class": type(self).__name__,
            "num_parameters": len(state),
            "parameters": state,
        }
        text = json.dumps(doc, indent=1, allow_nan=False)
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, path: str | os.PathLike) -> Module:
        """Load parameters saved by `save()` into this module and return it.

        The file must be a valid model file for this class with exactly these parameter names;
        otherwise ValueError, and the module is unchanged.
        """
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)
        except ValueError as e:  # bad JSON, bad UTF-8, duplicate keys
            raise ValueError(f"{path} is not a valid model file: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
            raise ValueError(f"{path} is not a model file (expected format {FILE_FORMAT!r})")
        if doc.get("version") != FILE_VERSION:
            raise ValueError(f"{path} has version {doc.get('version')!r}; expected {FILE_VERSION}")
        if doc.get("class") != type(self).__name__:
            raise ValueError(
                f"{path} holds a {doc.get('class')!r}, cannot load it into a {type(self).__name__}"
            )
        state = doc.get("parameters")
        if not isinstance(state, dict) or doc.get("num_parameters") != len(state):
            raise ValueError(f"{path} is corrupt: parameter count does not match its header")
        try:
            self.load_state_dict(state)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path} does not fit this model: {e}") from None
        return self


def _walk_item(name: str, item: object) -> Iterator[tuple[str, Value]]:
    if isinstance(item, Value):
        yield name, item
    elif isinstance(item, Module):
        yield from item._walk(name + ".")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate keys")
    return out


def _few(names: list[str], n: int = 3) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(x) for x in names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")
