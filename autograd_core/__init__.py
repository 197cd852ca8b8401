"""A scalar reverse-mode autodiff engine: Values record a graph; backward() runs the chain rule.
Read `ops.py` (the op table) and `value.py` (Value and the chain rule) first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import enable_grad, gc_paused, is_grad_enabled, name_scope, no_grad
from .forward import hessian, jacfwd, jacrev, jvp, tangents
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .graph import GraphStats, graph_stats, topological_order, zero_grad
from .ops import OPS, Op, power
from .value import Value, apply, gradients

if TYPE_CHECKING:
    from .compiled import CompiledFunction, Result, TraceError, compile
    from .compiled.formula import forward_formula, local_grad_formulas

__version__ = "0.2.0"

_LAZY = {"CompiledFunction", "Result", "TraceError", "compile"}
_LAZY |= {"forward_formula", "local_grad_formulas"}


def __getattr__(name: str) -> Any:  # compile and formulas load numpy: imported on first use
    if name in _LAZY:
        from .compiled import formula, function

        return getattr(formula if "formula" in name else function, name)
    raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")


# fmt: off
__all__ = [
    "OPS", "CompiledFunction", "GradcheckError", "GraphStats", "Op", "Result", "TraceError",
    "Value", "__version__", "apply", "compile", "enable_grad", "forward_formula", "gc_paused",
    "grad", "gradcheck", "gradients", "graph_stats", "is_grad_enabled", "local_grad_formulas",
    "name_scope", "no_grad", "power", "topological_order", "value_and_grad", "zero_grad",
    "hessian", "jacfwd", "jacrev", "jvp", "tangents",
]
# fmt: on
