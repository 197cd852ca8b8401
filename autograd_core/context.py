"""The state around ops: is the graph recorded, under which name scope (one ContextVar, so per
thread and per asyncio task, and nesting); and pausing the garbage collector."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
Recording = tuple[bool, str | None]  # is the graph recorded; the name scope

_recording: ContextVar[Recording] = ContextVar("recording", default=(True, None))
current = _recording.get


class _Setting:
    """Sets the recording state on entry and restores it on exit; also a function decorator.
    A slotted class: nn enters a scope per neuron per example, so it must be cheap."""

    __slots__ = ("_grad_enabled", "_scope", "_tokens")

    def __init__(self, grad_enabled: bool | None = None, scope: str | None = None) -> None:
        self._grad_enabled, self._scope = grad_enabled, scope
        self._tokens: list[Token[Recording]] = []

    def __enter__(self) -> None:
        enabled, scope = current()
        enabled = enabled if self._grad_enabled is None else self._grad_enabled
        if self._scope is not None:
            scope = f"{scope}.{self._scope}" if scope else self._scope
        self._tokens.append(_recording.set((enabled, scope)))

    def __exit__(self, *exc: object) -> None:
        _recording.reset(self._tokens.pop())

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Setting(self._grad_enabled, self._scope):  # one per call: safe across threads
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def no_grad() -> _Setting:
    """Ops inside record no parents: results are plain leaves. Also a decorator.

    >>> from autograd_core import Value; x = Value(2.0)
    >>> with no_grad(): print((x * x).is_leaf)
    True
    """
    return _Setting(grad_enabled=False)


def enable_grad() -> _Setting:
    """Record the graph again, even inside `no_grad` (used by create-graph passes).

    >>> with no_grad(), enable_grad(): print(is_grad_enabled())
    True
    """
    return _Setting(grad_enabled=True)


def is_grad_enabled() -> bool:
    """Whether ops record the graph here.

    >>> is_grad_enabled(), no_grad()(is_grad_enabled)()
    (True, False)
    """
    return current()[0]


def name_scope(name: str) -> _Setting:
    """Tag every Value created inside with a dotted scope name (nested scopes join with '.');
    viz draws a scope as a box (`nn` puts each neuron in `layers.0.neurons.3`).

    >>> from autograd_core import Value
    >>> with name_scope("layers.0"), name_scope("neurons.3"): print(Value(1.0).scope)
    layers.0.neurons.3
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope() needs a non-empty str, got {name!r}")
    return _Setting(scope=name)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (nn.fit does): every collection
    re-scans the live graph, about half of a training step. Graphs hold no reference cycles,
    so reference counting frees each when dropped; cycles of your own wait for the collector.

    >>> with gc_paused(): print(gc.isenabled())
    False
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        (gc.enable if was_enabled else gc.disable)()
