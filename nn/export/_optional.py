"""Importing an optional dependency, with an error that says which extra to install."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def optional_import(extra: str, who: str) -> Iterator[None]:
    """Run the imports in the block; turn a failure into one naming `autograd-core[extra]`.

    `with optional_import("torch", "to_torch"): import torch`
    """
    try:
        yield
    except ImportError as e:
        name = e.name or extra
        install = f'pip install "autograd-core[{extra}]"'
        if isinstance(e, ModuleNotFoundError):
            raise ModuleNotFoundError(
                f"{who}() needs {name}, which is not installed: {install}", name=name
            ) from e
        raise ImportError(f"{who}() needs {name}, which failed to import ({e}): {install}") from e
