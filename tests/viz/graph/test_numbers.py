"""format_number: the numbers every view shows."""

from __future__ import annotations

from autograd_core import Value
from viz import format_number


def test_format_number() -> None:
    assert format_number(2.0) == "2.0"
    assert format_number(-1.5) == "-1.5"
    assert format_number(0.70710678) == "0.7071"
    assert format_number(6.8813735870195432) == "6.8814"
    assert format_number(0.0) == format_number(-0.0) == "0.0"
    assert format_number(1e-5) == "1e-05"
    assert format_number(-2.5e-7) == "-2.5e-07"
    assert format_number(3e8) == "3e+08"
    assert format_number(float("inf")) == "inf"
    assert format_number(float("nan")) == "nan"
    assert format_number(Value(0.25)) == "0.25"  # create-graph grads are Values
    assert format_number(1 / 3, precision=2) == "0.33"
