"""A scalar reverse-mode autodiff engine: Values record a graph; backward() runs the chain rule."""

from .compiled import CompiledFunction, Result, TraceError, compile
from .context import enable_grad, is_grad_enabled, name_scope, no_grad
from .functional import GradcheckError, grad, gradcheck, value_and_grad
from .graph import GraphStats, graph_stats, topological_order, zero_grad
from .memory import gc_paused
from .ops import OPS, Op
from .value import Value, gradients

__all__ = [
    "OPS",
    "CompiledFunction",
    "GradcheckError",
    "GraphStats",
    "Op",
    "Result",
    "TraceError",
    "Value",
    "compile",
    "enable_grad",
    "grad",
    "gradcheck",
    "gc_paused",
    "gradients",
    "graph_stats",
    "is_grad_enabled",
    "name_scope",
    "no_grad",
    "topological_order",
    "value_and_grad",
    "zero_grad",
]
