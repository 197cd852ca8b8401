"""Recording state shared by every op: is the graph being recorded, and under which name scope.

Both live in one ContextVar, so they are per thread and per asyncio task, and nest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple


class Recording(NamedTuple):
    grad_enabled: bool
    scope: str | None


_recording: ContextVar[Recording] = ContextVar("recording", default=Recording(True, None))
current = _recording.get


@contextmanager
def _update(change: Callable[[Recording], Recording]) -> Iterator[None]:
    token = _recording.set(change(current()))
    try:
        yield
    finally:
        _recording.reset(token)


def no_grad():
    """Ops inside record no parents: results are plain leaves. Also a decorator."""
    return _update(lambda state: state._replace(grad_enabled=False))


def enable_grad():
    """Record the graph again, even inside `no_grad` (used by create-graph backward)."""
    return _update(lambda state: state._replace(grad_enabled=True))


def is_grad_enabled() -> bool:
    return current().grad_enabled


def name_scope(name: str):
    """Tag every Value created inside with a dotted scope name (nested scopes join with '.').

    viz uses the tag to group, say, one neuron's nodes into a cluster.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name_scope() needs a non-empty str, got {name!r}")
    return _update(
        lambda state: state._replace(scope=f"{state.scope}.{name}" if state.scope else name)
    )
