"""The names printed programs call: each is an op row's own value function."""

from __future__ import annotations

from .. import ops

exp, log, tanh = ops.EXP.value, ops.LOG.value, ops.TANH.value
sigmoid, relu, sqrt = ops.SIGMOID.value, ops.RELU.value, ops.SQRT.value
sin, cos = ops.SIN.value, ops.COS.value
divide = ops.DIV.value  # a / b, with a clear error when b is 0
pow_value = ops.POW.value  # a ** b for a Value exponent b
pow_number = ops._pow_number  # a ** n for a number n: the '**n' rows
power = ops._power  # a ** n in a derivative rule: +inf at 0 for n < 0, not an error

_VOCABULARY = ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "divide")
_VOCABULARY += ("pow_value", "pow_number", "power")
