"""Recording state shared by every op: is the graph being recorded, and under which name scope.

Both live in one ContextVar, so they are per thread and per asyncio task, and nest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import NamedTuple


class Recording(NamedTuple):
    grad_enabled: bool
    scope: str | None


_recording: ContextVar[Recording] = ContextVar("recording", default=Recording(True, None))
current = _recording.get


class _Setting:
    """Sets the recording state on entry and restores it on exit; also a function decorator.

    A plain class rather than `contextlib.contextmanager`: nn enters a name scope per neuron per
    example, and this is several times cheaper.
    """

    __slots__ = ("_grad_enabled", "_scope", "_tokens")

    def __init__(self, grad_enabled: bool | None = None, scope: str | None = None) -> None:
        self._grad_enabled = grad_enabled
        self._scope = scope
        self._tokens: list[Token] = []

    def __enter__(self) -> None:
        enabled, scope = current()
        if self._grad_enabled is not None:
            enabled = self._grad_enabled
        if self._scope is not None:
            scope = f"{scope}.{self._scope}" if scope else self._scope
        self._tokens.append(_recording.set(Recording(enabled, scope)))

    def __exit__(self, *exc) -> None:
        _recording.reset(self._tokens.pop())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Setting(self._grad_enabled, self._scope):  # one per call: safe across threads
                return fn(*args, **kwargs)

        return wrapper


def no_grad() -> _Setting:
    """Ops inside record no parents: results are plain leaves. Also a decorator."""
    return _Setting(grad_enabled=False)


def enable_grad() -> _Setting:
    """Record the graph again, even inside `no_grad` (used by create-graph backward)."""
    return _Setting(grad_enabled=True)


def is_grad_enabled() -> bool:
    return current().grad_enabled


def name_scope(name: str) -> _Setting:
    """Tag every Value created inside with a dotted scope name (nested scopes join with '.').

    viz uses the tag to group, say, one neuron's nodes into a cluster.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope() needs a non-empty str, got {name!r}")
    return _Setting(scope=name)
