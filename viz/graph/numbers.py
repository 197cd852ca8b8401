"""Numbers as every view shows them: `format_number(x, precision)`."""

from __future__ import annotations

import math

from autograd_core import Value

__all__ = ["as_float", "format_number"]


def as_float(x: object) -> float:
    """A float from a number or a Value (create-graph grads are Values)."""
    return float(x.data if isinstance(x, Value) else x)  # type: ignore[arg-type]


def format_number(x: float | Value, precision: int = 4) -> str:
    """`x` rounded to `precision` decimals, trailing zeros trimmed, as the drawings show it.

    >>> viz.format_number(2.0), viz.format_number(-1.5), viz.format_number(0.70710678)
    ('2.0', '-1.5', '0.7071')
    >>> viz.format_number(0.00001), viz.format_number(Value(3.14159), precision=2)
    ('1e-05', '3.14')
    """
    x = as_float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0.0"
    if 10.0 ** (1 - precision) <= abs(x) < 1e6:
        text = f"{x:.{precision}f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    mantissa, exponent = f"{x:.{max(precision - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"
