"""Argument checks shared by the nn modules, with errors that name what is expected."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Collection
from typing import Any

import numpy as np

from autograd_core import Value


def positive_int(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def is_number(x: object) -> bool:
    """A real number that is not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def finite_float(v: object, what: str) -> float:
    """`v` as a float: a real number (not a bool) that is finite. Else TypeError, or ValueError
    (an int too large for a float included: never an OverflowError). Callers with messages of
    their own catch these and say it their way."""
    if type(v) is float and math.isfinite(v):  # the common case, without the ABC check
        return v
    if not is_number(v):
        raise TypeError(f"{what} must be a number, got {type(v).__name__}")
    try:
        x = float(v)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(f"{what} is too large for a float ({_digits(v)})") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return x


def number_or_nan(x: object, what: str) -> float:
    """`x` as a float for a bound check of the caller's own: nan where x is nan, infinite or an
    int too large for a float (so `not low <= number` refuses it); TypeError for a non-number."""
    try:
        return finite_float(x, what)
    except TypeError:
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}") from None
    except ValueError:
        return math.nan


def finite_nonnegative(x: object, what: str) -> float:
    number = number_or_nan(x, what)
    if not number >= 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {x!r}")
    return number


def file_path(path: object, needs: str = "a model file path must be a str or a Path") -> str:
    """`path` as a str: a str or a PathLike of one (not bytes), not empty and without a NUL
    byte. Else TypeError (`needs`, got what) or ValueError."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{needs}, got {type(path).__name__}")
    shown = os.fspath(path)
    if not isinstance(shown, str):
        raise TypeError(f"{needs}, got {type(shown).__name__}")
    if not shown or "\0" in shown:
        raise ValueError(f"{shown!r} is not a file path")
    return shown


def mismatch(
    missing: Collection[str], unexpected: Collection[str], show: Callable[[Any], str]
) -> str:
    """`missing 'a', 'b'; unexpected 'c'`: how two sets of names differ, each group as `show`
    writes it, for an error message."""
    wrong = [f"missing {show(missing)}"] if missing else []
    wrong += [f"unexpected {show(unexpected)}"] if unexpected else []
    return "; ".join(wrong)


def quoted(names: Collection[str]) -> str:
    """`'a', 'b'`: names sorted and quoted (each cut to 40 characters), for an error message."""
    return ", ".join(repr(k)[:40] for k in sorted(names))


def rows(data: object, what: str) -> list[Any]:
    """`data` (X or y) as a list of samples, checked: each a finite number, or each a flat
    list/tuple/array of the same length of finite numbers (or Values). The errors name the
    first bad sample (`X[3] is nan`)."""
    if isinstance(data, np.ndarray):
        return _array_rows(data, what)
    if not isinstance(data, (list, tuple)):
        raise TypeError(
            f"{what} must be a numpy array or a list of samples, got {type(data).__name__}"
        )
    width: int | None = None
    for i, sample in enumerate(data):
        n = check_sample(sample, f"{what}[{i}]", what)
        if width is None:
            width = n
        elif n != width:
            raise ValueError(
                f"{what}[{i}] is {_shape(n)} but {what}[0] is {_shape(width)}: every sample "
                "must have the same length"
            )
    return list(data)


def check_sample(sample: object, where: str, what: str) -> int:
    """Check one sample `where` (`X[3]`) of `what`: a finite number, or a flat list/tuple/array
    of finite numbers (or Values). Its width: the length of a vector, -1 for a single number."""
    if isinstance(sample, np.ndarray):
        if sample.ndim > 1:
            raise ValueError(f"{where} has shape {sample.shape}; a sample is a flat vector")
        sample = sample.tolist()
    if isinstance(sample, (list, tuple)):
        for j, x in enumerate(sample):
            _finite_element(x, f"{where}[{j}]", what)
        return len(sample)
    _finite_element(sample, where, what)
    return -1  # a single number


def _array_rows(data: np.ndarray, what: str) -> list[Any]:
    if data.ndim == 0 or data.ndim > 2:
        raise ValueError(
            f"{what} must be 1-D (one number per sample) or 2-D (one row per sample), "
            f"got shape {data.shape}"
        )
    if data.dtype.kind == "O":
        return rows(data.tolist(), what)
    if data.dtype.kind not in "iuf":
        hint = f" (convert with {what}.astype(float))" if data.dtype.kind == "b" else ""
        raise TypeError(f"{what} must hold real numbers, got an array of {data.dtype}{hint}")
    bad = np.argwhere(~np.isfinite(data))
    if len(bad):
        where = ", ".join(map(str, bad[0]))
        raise ValueError(f"{what}[{where}] is {float(data[tuple(bad[0])])!r}: {_FIX}")
    return data.tolist()  # type: ignore[no-any-return]


_FIX = "the data must be finite; drop or fill the samples with nan or inf before training"


def _finite_element(x: object, where: str, what: str) -> None:
    number = x.data if isinstance(x, Value) else x
    try:
        finite_float(number, where)
    except TypeError:
        raise TypeError(
            f"{where} is {type(x).__name__} {x!r:.40}; {what} must hold numbers "
            "(a sample is a number or a flat list of numbers)"
        ) from None
    except ValueError:
        raise ValueError(f"{where} is {number!r:.40}: {_FIX}") from None


def _shape(n: int | None) -> str:
    return "a single number" if n == -1 else f"a vector of {n}"


def _digits(v: object) -> str:
    if isinstance(v, int):
        return f"about {int(v.bit_length() * math.log10(2)) + 1} digits"
    return repr(v)[:40]
