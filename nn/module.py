"""Module: the base class with PyTorch's protocol (`__call__` runs `forward`), which finds
parameters and submodules and names them, scopes their Values for drawings, and saves and loads
them through the free functions of `nn.files` (which knows no Module subclass).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar, Token
from types import MethodType
from typing import Any, NoReturn, TypeVar, overload

from autograd_core import Value, name_scope

from . import files
from ._checks import finite_float, is_number, mismatch

_running: ContextVar[Module | None] = ContextVar("nn_running_module", default=None)
_structure = [0]  # bumped whenever a public attribute of any Module is set: caches check it

M = TypeVar("M", bound="Module")
PathArg = str | os.PathLike[str]


class _LoadMethod:
    """`model.load(path)` loads into the model; `MLP.load(path)` builds a new one from its file.

    A descriptor, so that one name reads naturally on both an instance and a class.
    """

    @overload
    def __get__(self, obj: None, owner: type[M]) -> Callable[[PathArg], M]: ...

    @overload
    def __get__(self, obj: M, owner: type[M] | None = None) -> Callable[[PathArg], M]: ...

    def __get__(self, obj: Module | None, owner: type[Module] | None = None) -> Callable[..., Any]:
        if obj is not None:
            return MethodType(files.load_into, obj)
        if owner is None or owner is Module:
            return files.load  # `nn.Module.load(path)` is `nn.load(path)`: any nn class
        return MethodType(files.build, owner)


class Module:
    """Base class of Neuron, Layer, MLP and your own modules, with the names PyTorch users know.

    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         self.hidden = nn.Layer(2, 3, "relu", seed=0)
    ...         self.out = nn.Layer(3, 1, "linear", seed=1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x))
    >>> net = Net()
    >>> net, [name for name, _ in net.named_parameters()][:3]
    (Net(13 parameters), ['hidden.neurons.0.w.0', 'hidden.neurons.0.w.1', 'hidden.neurons.0.b'])
    >>> round(net([1.0, -2.0]).data, 4)
    0.9434

    Calling a module runs its `forward`. Parameters are found, not registered: every public
    attribute that is a `Value`, a `Module`, or a list/tuple of them, in the order the attributes
    were set. So a Neuron with `self.w` (a list) and `self.b` has parameters named `w.0`, `w.1`,
    ..., `b`, and in an MLP they become `layers.0.neurons.3.w.1`. A Value reachable twice (a tied
    weight) is listed once; so is a module.

    Name scopes (for drawings): a submodule called inside its parent's `forward` runs inside
    `name_scope(<its attribute name>)`, and setting an attribute gives its parameters the scope of
    the module holding each, so `Net`'s graph has boxes `hidden.neurons.0`, ... with the weights
    inside. Assign a list of submodules whole (`self.blocks = [...]`), as appending to it later
    names nothing.
    """

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if not name.startswith("_"):
            _structure[0] += 1
            if isinstance(value, (Value, Module, list, tuple)):
                _scope_attribute(name, value)

    # --- the forward protocol ---------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with _Running(self):
            try:
                return self.forward(*args, **kwargs)
            except TypeError:
                _explain_call(self, args, kwargs)  # the call does not fit forward: say how to
                raise  # a TypeError from inside forward

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes; subclasses define it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define `def forward(self, x): ...` "
            "to say what calling it computes"
        )

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        """The outputs for a list of samples, `[self(x) for x in xs]`; subclasses may override it
        with a faster order of work that gives the same values and the same graph per sample."""
        return [self(x) for x in xs]

    # --- parameters and submodules ----------------------------------------------------------

    def named_parameters(self) -> list[tuple[str, Value]]:
        """`(name, parameter)` pairs in a stable order: attribute order, then list order."""
        return [(name, p) for _, name, p in self._parameter_tree()]

    def named_modules(self) -> list[tuple[str, Module]]:
        """`(name, module)` for this module (name `""`) and every submodule, each listed once."""
        out: list[tuple[str, Module]] = []
        self._walk("", set(), set(), out.append, None)
        return out

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()` (found by the same walk, with
        no name made: a wide model has a hundred thousand)."""
        out: list[Value] = []
        self._walk("", set(), set(), None, lambda path, attr, i, p: out.append(p))
        return out

    def num_parameters(self) -> int:
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (leaves accumulate across `backward()` calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def __getstate__(self) -> dict[str, Any]:
        """Pickled and deep-copied without the submodule-name cache, which is keyed by `id()`."""
        state = dict(vars(self))
        state.pop("_names", None)
        return state

    def get_config(self) -> dict[str, Any] | None:
        """The constructor arguments that rebuild this module (`type(self)(**config)`), saved in
        its model file so that `Class.load(path)` can rebuild it; None when unknown."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"

    def _parameter_tree(self) -> list[tuple[str, str, Value]]:
        """`(module path, parameter name, parameter)` for every parameter, each listed once."""
        out: list[tuple[str, str, Value]] = []

        def found(path: str, attr: str, index: int | None, p: Value) -> None:
            out.append((path, _name(path, attr, index), p))

        self._walk("", set(), set(), None, found)
        return out

    def _walk(
        self,
        path: str,
        seen_modules: set[int],
        seen_values: set[int],
        on_module: Callable[[tuple[str, Module]], None] | None,
        on_value: Callable[[str, str, int | None, Value], None] | None,
    ) -> None:
        """Depth first in attribute order: each module and each parameter once, first name wins.
        A parameter goes to `on_value` with the path of the module holding it, the attribute
        and its index in a list there (None for the attribute itself): `_name` names it."""
        seen_modules.add(id(self))
        if on_module is not None:
            on_module((path, self))
        for attr, item in vars(self).items():
            if attr.startswith("_"):
                continue
            listed = isinstance(item, (list, tuple))
            for i, sub in enumerate(item if listed else (item,)):
                if isinstance(sub, Value):
                    if on_value is not None and id(sub) not in seen_values:
                        seen_values.add(id(sub))
                        on_value(path, attr, i if listed else None, sub)
                elif isinstance(sub, Module) and id(sub) not in seen_modules:
                    name = _name(path, attr, i if listed else None)
                    sub._walk(name, seen_modules, seen_values, on_module, on_value)

    # --- name scopes --------------------------------------------------------------------------

    def _name_of(self, module: Module) -> str | None:
        """The name of a submodule (`hidden`, `blocks.2`), None if it is not one. Cached per
        structure version, misses too: a module not in the cache rebuilds it once (it may be a
        submodule appended to a list since), and the answer is kept until the version changes."""
        version = _structure[0]
        cache: tuple[int, dict[int, tuple[Module, str | None]]] | None = vars(self).get("_names")
        if cache is None or cache[0] != version:
            cache = (version, {})
            object.__setattr__(self, "_names", cache)
        names = cache[1]
        hit = names.get(id(module))
        if hit is None or hit[0] is not module:
            names.update({id(m): (m, name) for name, m in self.named_modules()[1:]})
            hit = names.get(id(module))
            if hit is None or hit[0] is not module:  # not a submodule: remember that too
                hit = names[id(module)] = (module, None)
        return hit[1]

    # --- state --------------------------------------------------------------------------------

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
        known = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in known]
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__} with {len(names)} parameters: "
                + mismatch(missing, unexpected, _few)
            )
        values = [finite_float(state[name], f"parameter {name!r}") for name in names]
        for (_, p), v in zip(named, values):
            p.data = v

    def save(self, path: PathArg) -> None:
        """Write the model to a JSON file: its class, constructor arguments and parameters.

        Atomic: a temp file beside the target is renamed over it, so a failed save leaves any
        previous file intact. An existing file keeps its permission mode; a symlink is written
        through (its target is replaced). Non-finite parameters are refused.
        """
        files.save(self, path)

    load = _LoadMethod()


def _name(path: str, attr: str, index: int | None) -> str:
    """The qualified name of attribute `attr` (element `index` of it when it is a list) of the
    module at `path`: `layers.0.neurons.3.w.1`."""
    name = f"{path}.{attr}" if path else attr
    return name if index is None else f"{name}.{index}"


def _scope_attribute(name: str, value: object) -> None:
    """Give the parameters in a module's new attribute the scope of the module holding each,
    under the scope in effect here: `hidden.neurons.0` for `self.hidden = nn.Layer(...)`."""
    outer = Value(0.0).scope  # the `with name_scope(...)` this module is built in, if any
    items = value if isinstance(value, (list, tuple)) else [value]
    for i, item in enumerate(items):
        here = name if items is not value else f"{name}.{i}"
        if isinstance(item, Value):
            item.scope = outer
        elif isinstance(item, Module):
            for path, _, p in item._parameter_tree():
                inner = f"{here}.{path}" if path else here
                p.scope = f"{outer}.{inner}" if outer else inner


def _explain_call(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise a TypeError saying how to call `module` if `args` and `kwargs` do not fit its
    forward (`model(1.0, 2.0)`: pass one list); return if they do."""
    try:
        signature = inspect.signature(module.forward)
    except (TypeError, ValueError):  # a forward without a signature (a builtin): nothing to add
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as e:
        name, params = type(module).__name__, list(signature.parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) == 1 and len(args) > 1 and not kwargs:
            shown = ", ".join(repr(a) if is_number(a) else f"x{i}" for i, a in enumerate(args))
            raise TypeError(
                f"{name} takes its inputs as one list: call model([{shown}]), not "
                f"model({shown}) ({len(args)} separate arguments)"
            ) from None
        plain = inspect.Signature([p.replace(annotation=p.empty) for p in params])
        raise TypeError(f"{name}.forward{plain} cannot take these arguments: {e}") from None


class _Running:
    """Enter a module's call: a submodule called by a running module runs inside
    `name_scope(<its name there>)`. A plain class: cheap per call."""

    __slots__ = ("_module", "_scope", "_token")

    def __init__(self, module: Module) -> None:
        self._module = module
        self._scope: Any = None
        self._token: Token[Module | None] | None = None

    def __enter__(self) -> None:
        module, parent = self._module, _running.get()
        name = parent._name_of(module) if parent is not None else None
        self._token = _running.set(module)
        if name:
            self._scope = name_scope(name)
            self._scope.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._scope is not None:
            self._scope.__exit__(*exc)
            self._scope = None
        assert self._token is not None
        _running.reset(self._token)


class Outputs(list[Value]):
    """A module's several outputs: a plain list of Values (equality, indexing, numpy conversion
    as a list), whose Value attributes (`backward`, `data`, `grad`, ...) explain what to do.

    >>> outputs = nn.Layer(2, 2, seed=0)([1.0, -2.0])
    >>> len(outputs), [round(v.data, 4) for v in outputs]
    (2, [0.8321, 0.7682])
    >>> outputs.data  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AttributeError: this is a list of 2 output Values, not a Value: take one (outputs[0].data) ...
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__") or not hasattr(Value, name):
            raise AttributeError(f"'list' object has no attribute {name!r}")
        n = len(self)
        if name == "backward":
            raise AttributeError(
                f"this is a list of {n} output Values; reduce it to one Value with a loss "
                "(nn.mse(outputs, targets)) and call .backward() on that"
            )
        raise AttributeError(
            f"this is a list of {n} output Values, not a Value: take one (outputs[0].{name}) "
            f"or each ([v.{name} for v in outputs])"
        )


def _few(names: list[str], n: int = 3) -> str:
    shown = ", ".join(repr(x) for x in names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")
