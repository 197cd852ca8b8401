"""Graphs are freed by reference counting, so a training loop can pause the cyclic collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block, then restore its state.

    A training step builds a graph of ~10^5 Values; each counts towards the collector's
    thresholds, and while the graph is alive every collection re-scans it (about half of a
    step's time in `benchmarks/`). Nodes hold no closures, so graphs have no reference cycles:
    reference counting frees each one as soon as it is dropped, and nothing is lost by pausing.
    Cycles your own code makes inside the block wait for the collector to run again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
