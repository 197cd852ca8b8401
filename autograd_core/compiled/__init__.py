"""Trace once, replay fast: compile a scalar function into a straight-line program.

`compile(fn, *example_args)` runs `fn` once on Values made from the example arguments and turns
the graph it built into Python source: one statement per node for the forward pass, one per
chain-rule step for the backward pass, each calling the op table's own functions. The program
then runs on new inputs without creating a single Value: on floats for one example, or on
numpy arrays for a whole batch at once (every node becomes a vector over the batch).

A trace records one path through `fn`. It is valid only while `fn` builds the same graph for
every input: ops like `relu` are fine, Python control flow on data (`if x.data > 0:`) is not.
`check=True` also runs `fn` eagerly on every example and raises TraceError where they disagree.
"""

from .function import CompiledFunction, Result, compile
from .trace import TraceError

__all__ = ["CompiledFunction", "Result", "TraceError", "compile"]
