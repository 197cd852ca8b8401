"""The compiled function: `compile()` and CompiledFunction, which runs the programs on one
example or a batch (grouped by static arguments), adds up gradients and checks against fn."""

from __future__ import annotations

import functools
import inspect
import keyword
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from ..context import gc_paused
from ..value import Value, data_version, gradients
from .arrays import _to_numpy, namespace
from .levels import _Levels, schedule
from .printer import load, source
from .program import _Program
from .shared import Rows, as_slice, covers, same
from .tensorize import layer_notes
from .trace import TraceError, _Trace, _trace
from .vocabulary import VOCABULARY

Reduction = Literal["mean", "sum"]


class Result(NamedTuple):
    """What one compiled forward and backward pass gives.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0); r = compile(lambda x: w * x, 1.0).run(3.0)
    >>> r.value, r.grads.tolist(), r.input_grads
    (6.0, [3.0], (2.0,))

    `value` is the loss: fn's (first) output for one example, its mean or sum over a batch.
    `grads[i]` is d value / d `params[i]`; `input_grads` holds d value / d argument, shaped like
    each argument (None for a static one); `outputs` is fn's output per example (a tuple when
    fn returns several).
    """

    value: float
    grads: np.ndarray
    input_grads: tuple[Any, ...]
    outputs: Any


@dataclass
class _Entry:
    """A program and what a compiled function makes of it, each on first use: where its
    parameters sit in the function's `params` (`slots`), its batch schedules (with and without
    input gradients), its straight-line functions, its printed source, and its parameters'
    numbers as last read (`read`: `data_version()` then, and the vector)."""

    program: _Program
    slots: Rows
    schedules: dict[bool, _Levels] = field(default_factory=dict)
    functions: dict[bool, Callable[..., Any]] = field(default_factory=dict)
    read: tuple[object, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def values(self) -> np.ndarray:
        """The parameters' `.data` as a vector, read again from the Values only when a Value's
        number has been assigned since the last read (a hundred thousand parameters take longer
        to read than a batch takes to run). A run only reads it, as it reads `params=`."""
        version = data_version()  # before reading: an assignment during the read drops it
        if self.read is None or self.read[0] is not version:
            params = self.program.params
            self.read = (version, np.fromiter(map(_DATA, params), dtype=float, count=len(params)))
        return self.read[1]

    def schedule(self, input_grads: bool) -> _Levels:
        if input_grads not in self.schedules:
            with gc_paused():  # lists by the hundred thousand, and no cycle among them
                self.schedules[input_grads] = schedule(self.program, input_grads)
        return self.schedules[input_grads]

    def function(self, backward: bool) -> Callable[..., Any]:
        """The straight-line program (a wide network's has hundreds of thousands of lines)."""
        if backward not in self.functions:
            self.functions[backward] = load(self.program, backward)
        return self.functions[backward]

    @functools.cached_property
    def source(self) -> str:
        return source(self.program, notes=layer_notes(self.program))


@dataclass
class _Group:
    """Part of a batch that one program runs: which rows (None: all of them, or the single
    example) and the arguments as the program takes them (an array per number of fn's)."""

    entry: _Entry
    rows: np.ndarray | None
    size: int
    inputs: list[Any]


@dataclass
class _Call:
    """A call's arguments, checked: their array library `xp` (numpy, or another Array API
    library's namespace), the batch size (None: one example), which arguments carry a batch
    axis, and the groups of rows that share one program."""

    xp: Any
    device: Any  # the arrays' device, for another library's
    batch: int | None
    batched: list[bool]
    groups: list[_Group]


class CompiledFunction:
    """`fn` traced into a program (`compile` makes one); call it like fn, on one example or on a
    batch (each argument with one more leading axis: numpy arrays or nested lists).

    >>> from autograd_core import Value, compile
    >>> w = Value(0.5, label="w"); f = compile(lambda x: (w * x).tanh(), 1.0)
    >>> len(f.params), f.params[0] is w
    (1, True)

    `f(*args)` gives fn's outputs; `f.run(*args)` also the gradients, as a Result;
    `f.backward(*args)` adds the parameters' gradients to their `.grad`, as `loss.backward()`;
    `print(f)` shows the program.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        example_args: tuple[Any, ...],
        reduction: Reduction = "mean",
        check: bool = False,
        static: Sequence[int] = (),
        params: Sequence[Value] = (),
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile needs a function, got {fn!r}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.fn, self.reduction, self.check = fn, reduction, check
        n = len(example_args)
        self.static = sorted({i + n if i < 0 else i for i in static})
        if not all(0 <= i < n for i in self.static):
            raise IndexError(f"static positions {tuple(static)} out of range for {n} arguments")
        self.arg_names = _arg_names(fn, n)
        self.title = _title(fn, self.arg_names)
        self._example = [
            a if i in self.static else _array(a, i) for i, a in enumerate(example_args)
        ]
        self.shapes = [None if i in self.static else a.shape for i, a in enumerate(self._example)]
        self._programs: dict[tuple[Any, ...], _Entry] = {}
        self.backend: Literal["auto", "levels", "lines"] = "auto"
        # Every parameter a program reads: those in `params` first, in that order, then the
        # others in the order fn first uses them.
        bad = [p for p in params if not isinstance(p, Value)][:1]
        if bad:
            raise TypeError(f"compile(params=...) takes Values, got {type(bad[0]).__name__}")
        self.params: list[Value] = list(dict.fromkeys(params))  # a Value hashes by identity
        self._slot: dict[Value, int] = {p: i for i, p in enumerate(self.params)}
        self._entry(self._example)

    # --- the programs, one per value of the static arguments --------------------------------

    def _entry(self, args: Sequence[Any]) -> _Entry:
        """The program for these static argument values, traced on first use."""
        key = tuple(_hashable(args[i]) for i in self.static)
        if key not in self._programs:
            example = list(self._example)
            for i in self.static:
                example[i] = args[i]
            with gc_paused():  # a graph holds no cycles: a collection would only re-scan it
                trace = _trace(self.fn, example, frozenset(self.static))
                program = _Program(trace, self.arg_names, self.shapes, self.title, self._slot)
            for p in program.params:
                if p not in self._slot:
                    self._slot[p] = len(self.params)
                    self.params.append(p)
            slot, n = self._slot.__getitem__, len(program.params)
            slots = as_slice(np.fromiter(map(slot, program.params), dtype=np.intp, count=n))
            self._programs[key] = _Entry(program, slots)
        return self._programs[key]

    @property
    def source(self) -> str:
        """The program as Python: forward statements, then the chain rule, line by line."""
        return "\n\n".join(entry.source for entry in self._programs.values())

    def __str__(self) -> str:
        return self.source

    @property
    def nodes(self) -> int:
        """How many nodes the traced graph has (the first program's): the size of fn's work."""
        return len(next(iter(self._programs.values())).program)

    def __repr__(self) -> str:
        n_ops = next(iter(self._programs.values())).program.n_ops
        more = f", {len(self._programs)} programs" if len(self._programs) > 1 else ""
        return (
            f"<compiled {self.title}: {n_ops} ops, {len(self.params)} parameters, "
            f"reduction={self.reduction!r}{more}>"
        )

    # --- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any) -> Any:
        """fn's outputs: floats for one example, arrays over a batch (a tuple for several)."""
        call = self._split(args)
        results = [self._pass(group, call, None, None, False)[0] for group in call.groups]
        outputs = _gather(call.groups, results, call.batch)
        if self.check:
            self._verify(args, call, outputs, None)
        return outputs if len(outputs) > 1 else outputs[0]

    def run(self, *args: Any, input_grads: bool = True, params: Any = None) -> Result:
        """The loss and every gradient, from one forward and one backward pass.

        `input_grads=False` skips the gradients with respect to the arguments (a training step
        needs only the parameters'); `Result.input_grads` then holds None for each. `params`,
        an array in `self.params` order, stands in for the parameters' `.data` (a training loop
        that keeps its parameters in one vector: `fit(compile=True)`).
        """
        params = None if params is None else self._param_vector(params)
        call = self._split(args)
        mean = call.batch is not None and self.reduction == "mean"
        scale = 1.0 / call.batch if mean else 1.0  # type: ignore[operator]
        total, grads = 0.0, None  # the gradients in `params` order, made when needed
        g_args: list[Any] = [None] * len(self.shapes)
        results = []
        for group in call.groups:
            out, g_inputs, g_params = self._pass(group, call, params, scale, input_grads)
            if len(call.groups) == 1 and covers(group.entry.slots, len(self.params)):
                grads = g_params  # fresh, and every parameter in order: keep it
            else:
                grads = np.zeros(len(self.params)) if grads is None else grads
                grads[group.entry.slots] += g_params
            results.append(out)
            total += _summed(out[0], group.size, call.xp)
            if input_grads:
                self._add_input_grads(g_args, g_inputs, group, call)
        value = total / call.batch if mean else total  # type: ignore[operator]
        outputs = _gather(call.groups, results, call.batch)
        grads = np.zeros(len(self.params)) if grads is None else grads
        result = Result(value, grads, tuple(g_args), outputs if len(outputs) > 1 else outputs[0])
        if self.check:
            self._verify(args, call, outputs, result)
        return result

    def backward(self, *args: Any, input_grads: bool = True) -> Result:
        """`run`, then add each gradient to its parameter's `.grad` (they accumulate, as leaves
        do in `Value.backward`: zero them between steps)."""
        result = self.run(*args, input_grads=input_grads)
        for p, g in zip(self.params, result.grads.tolist()):
            p.grad += g
        return result

    def _param_vector(self, params: Any) -> np.ndarray:
        vector = np.asarray(params, dtype=float)
        if vector.shape != (len(self.params),):
            raise ValueError(
                f"params must be {len(self.params)} numbers, in the order of .params; "
                f"got shape {vector.shape}"
            )
        return vector

    # --- one program's pass -------------------------------------------------------------------

    def _pass(
        self, group: _Group, call: _Call, params: np.ndarray | None, seed: float | None,
        input_grads: bool,
    ) -> tuple[tuple[Any, ...], Any, np.ndarray]:  # fmt: skip
        """One group's forward pass and, given a seed (the loss's scale), its backward pass:
        (outputs, input gradients, parameter gradients summed over the group, in the order of
        the program's parameters)."""
        entry = group.entry
        values = _values(entry, params)
        levels = self._scheduled(entry, call, input_grads)
        with np.errstate(all="ignore"):  # the ops raise clear errors themselves
            if levels is not None:  # the seed, one number, broadcasts over the batch
                out, g_inputs, g_params = levels.run(
                    group.inputs, values, seed, group.size, call.xp
                )
                return out, g_inputs, g_params
            several = len(entry.program.outputs) > 1
            if seed is None:
                out = entry.function(backward=False)(*group.inputs, values.tolist())
                return (out if several else (out,)), None, np.zeros(len(values))
            # one example: the engine's numbers (floats), bit for bit
            seeds = seed if call.batch is None else np.full(group.size, seed)
            out, g_inputs, g_params = entry.function(backward=True)(
                *group.inputs, values.tolist(), seeds
            )
        g = _stack(g_params) if g_params else np.zeros(0)  # (parameters, rows) or (parameters,)
        return (out if several else (out,)), g_inputs, g.sum(axis=1) if g.ndim == 2 else g

    def _scheduled(self, entry: _Entry, call: _Call, input_grads: bool) -> _Levels | None:
        """The level-by-level schedule to run a batch with, or None for the straight-line
        program: for one example (whose numbers must be the engine's, bit for bit) unless
        `backend="levels"`, when `backend="lines"`, or, with "auto", when the graph is too
        sequential to gain. Another library's arrays always run by levels."""
        if call.xp is not np:
            return entry.schedule(input_grads)
        if self.backend == "lines" or (call.batch is None and self.backend != "levels"):
            return None
        levels = entry.schedule(input_grads)
        if self.backend == "auto" and 2 * len(levels.steps) > levels.n_ops:
            return None
        return levels

    # --- arguments: checked, then grouped by program --------------------------------------------

    def _split(self, args: tuple[Any, ...]) -> _Call:
        """Check the arguments; find their array library, the batch size (None: one example),
        which arguments carry a batch axis, and the groups of rows that share one program."""
        if len(args) != len(self.shapes):
            raise TypeError(f"{self.title} takes {len(self.shapes)} arguments, got {len(args)}")
        xp, device = self._library(args)
        arrays = [
            a if i in self.static else _array(a, i) if xp is np else _foreign(a, i, xp, device)
            for i, a in enumerate(args)
        ]
        batch, batched = self._batch_axes(arrays)
        if xp is not np and batch is None:
            raise ValueError(
                f"{self.title}: {xp.__name__} arrays need a batch axis; pass one example as "
                "numbers or numpy arrays"
            )
        groups = []
        for rows, example in self._rows_by_program(arrays, batch, batched):
            size = 1 if batch is None else batch if rows is None else len(rows)
            inputs = [
                None if i in self.static else _columns(a, rows, size, batched[i], xp)
                for i, a in enumerate(arrays)
            ]
            groups.append(_Group(self._entry(example), rows, size, inputs))
        return _Call(xp, device, batch, batched, groups)

    def _library(self, args: tuple[Any, ...]) -> tuple[Any, Any]:
        """The arrays' library (numpy, or another Array API library's namespace) and device.
        Mixing numpy arrays with another library's is refused: say which argument is which."""
        traced = [(i, a) for i, a in enumerate(args) if i not in self.static]
        foreign = [(i, a) for i, a in traced if hasattr(a, "shape") and not _is_numpy(a)]
        if not foreign:
            return np, None
        numpy = [(i, a) for i, a in traced if isinstance(a, np.ndarray)]
        if numpy:
            (i, a), (j, b) = foreign[0], numpy[0]
            raise TypeError(
                f"{self.title}: argument {self.arg_names[i]} is a {_kind(a)} but argument "
                f"{self.arg_names[j]} a {_kind(b)}; give every array argument as one library's "
                f"arrays: convert {self.arg_names[j]} to a {_kind(a)} (torch.as_tensor(...)), or "
                f"{self.arg_names[i]} to numpy (.numpy())"
            )
        xp = namespace(*(a for _, a in foreign))
        if self.static:
            raise TypeError(f"{self.title}: static arguments need numpy arrays, not {xp.__name__}")
        return xp, getattr(foreign[0][1], "device", None)

    def _batch_axes(self, arrays: list[Any]) -> tuple[int | None, list[bool]]:
        """The batch size (None: one example) and which arguments carry a batch axis."""
        batch, batched = None, [False] * len(arrays)
        for i, (a, shape) in enumerate(zip(arrays, self.shapes)):
            if shape is None or tuple(a.shape) == shape:
                continue
            if tuple(a.shape[1:]) != shape or a.ndim != len(shape) + 1:
                raise ValueError(
                    f"argument {self.arg_names[i]} of {self.title}: expected shape {shape} "
                    f"(one example) or (batch, *{shape}), got {tuple(a.shape)}"
                )
            if batch is not None and len(a) != batch:
                raise ValueError(f"arguments have different batch sizes: {batch} and {len(a)}")
            batch, batched[i] = len(a), True
        if batch == 0:
            raise ValueError(f"{self.title}: the batch is empty; give at least one example")
        for i in self.static:
            batched[i] = batch is not None and _per_example(arrays[i], batch)
        return batch, batched

    def _rows_by_program(
        self, arrays: list[Any], batch: int | None, batched: list[bool]
    ) -> list[Any]:
        """(rows, an example with those rows' static values) per program; rows None: all."""
        if batch is None or not any(batched[i] for i in self.static):
            return [(None, arrays)]
        rows: dict[tuple[Any, ...], list[int]] = {}
        examples: dict[tuple[Any, ...], list[Any]] = {}
        for b in range(batch):
            example = list(arrays)
            for i in self.static:
                example[i] = _row(arrays[i], b) if batched[i] else arrays[i]
            key = tuple(_hashable(example[i]) for i in self.static)
            rows.setdefault(key, []).append(b)
            examples.setdefault(key, example)
        if len(rows) == 1:
            return [(None, next(iter(examples.values())))]
        return [(np.array(rows[key], dtype=np.intp), examples[key]) for key in rows]

    def _add_input_grads(
        self, total: list[Any], grads: list[Any], group: _Group, call: _Call
    ) -> None:
        """Add one group's input gradients into `total`, shaped like the arguments: one per
        example for an argument with a batch axis, summed over the batch for a shared one."""
        xp, batch = call.xp, call.batch
        for i, shape in enumerate(self.shapes):
            if shape is None:
                continue
            elements = [grads[i]] if shape == () else grads[i]
            if batch is None:
                total[i] = _scalar(elements[0]) if shape == () else np.reshape(elements, shape)
                continue
            per_row = xp.stack([_row_of(g, group.size, call) for g in elements], axis=1)
            if not call.batched[i]:  # an argument shared by the batch: its gradient sums over it
                summed = xp.reshape(xp.sum(per_row, axis=0), shape)
                total[i] = summed if total[i] is None else total[i] + summed
                total[i] = float(total[i]) if shape == () else total[i]
            elif group.rows is None:  # one gradient per example
                total[i] = xp.reshape(per_row, (batch, *shape))
            else:
                total[i] = np.zeros((batch, *shape)) if total[i] is None else total[i]
                total[i].reshape(batch, -1)[group.rows] = per_row

    # --- check mode ---------------------------------------------------------------------------

    def _verify(
        self, args: tuple[Any, ...], call: _Call, outputs: tuple[Any, ...], result: Result | None
    ) -> None:
        """Run fn eagerly on every example and compare graphs and numbers with the program."""
        if call.xp is not np:  # another library's arrays: their numbers, on the host
            args = tuple(_to_numpy(a) if hasattr(a, "shape") else a for a in args)
        eager_total, eager_grads = 0.0, np.zeros(len(self.params))
        for b in range(1 if call.batch is None else call.batch):
            trace = self._verify_example(args, b, call, outputs)
            if result is not None:
                eager_total += trace.outputs[0].data
                found = gradients(trace.outputs[0])
                eager_grads += [float(found.get(p, 0.0)) for p in self.params]
        if result is not None:
            self._verify_totals(result, eager_total, eager_grads, call.batch)

    def _verify_totals(
        self, result: Result, eager_total: float, eager_grads: np.ndarray, batch: int | None
    ) -> None:
        """Compare the compiled loss and gradients with the eager sums over the examples."""
        if batch is not None and self.reduction == "mean":
            eager_total, eager_grads = eager_total / batch, eager_grads / batch
        bad = [
            f"parameter {i} ({self.params[i].label or 'no label'}): eager {e!r}, compiled {c!r}"
            for i, (e, c) in enumerate(zip(eager_grads.tolist(), result.grads.tolist()))
            if not _close(c, e)
        ]
        if bad or not _close(result.value, eager_total):
            raise TraceError(
                f"check: the compiled loss is {result.value!r}, eagerly {eager_total!r}; "
                "gradients that differ:\n  " + "\n  ".join(bad[:10] or ["none"])
            )

    def _verify_example(
        self, args: tuple[Any, ...], b: int, call: _Call, outputs: tuple[Any, ...]
    ) -> _Trace:
        """Trace fn eagerly on example b; raise TraceError where it differs from the program."""
        batch = call.batch
        example = [_row(a, b) if call.batched[i] else a for i, a in enumerate(args)]
        example = [a if i in self.static else _array(a, i) for i, a in enumerate(example)]
        program = self._entry(example).program
        trace = _trace(self.fn, example, frozenset(self.static))
        where = "" if batch is None else f" on example {b}"
        problem = program.difference(trace)
        if problem and problem[0] == "graph":
            raise TraceError(
                f"check: fn took a different path{where} than when it was traced: "
                f"{problem[1]}. A compiled fn must build the same graph for every input: "
                "replace Python branches on .data (if x.data > 0) by ops such as relu or "
                "abs, or make the deciding argument static"
            )
        for k, (o, compiled) in enumerate(zip(trace.outputs, outputs)):
            got = compiled if batch is None else compiled[b]
            if not _close(got, o.data):
                hint = f" ({problem[1]})" if problem else ""
                raise TraceError(
                    f"check: output {k}{where} is {o.data!r} eagerly but {float(got)!r} "
                    f"compiled{hint}; does fn read .data into a new Value or a constant?"
                )
        return trace


def compile(
    fn: Callable[..., Any],
    *example_args: Any,
    reduction: Reduction = "mean",
    check: bool = False,
    static: Sequence[int] = (),
    params: Sequence[Value] = (),
) -> CompiledFunction:
    """Trace `fn(*example_args)` once into a program that replays on new inputs, or a batch.

    >>> from autograd_core import Value
    >>> w = Value(3.0); f = compile(lambda x: (w * x) ** 2, 1.0)
    >>> f(2.0), f([1.0, 2.0]).tolist(), f.run([1.0, 2.0]).grads.tolist()  # mean over the batch
    (36.0, [9.0, 36.0], [15.0])

    Each argument is a number or an array (list) of numbers; fn receives Values in its place.
    Leaf Values made outside fn (model weights) are the parameters: each call reads their
    current `.data`; leaves fn makes are constants. Over a batch the loss (fn's first output)
    is the `reduction` of the per-example losses. `static` argument positions are passed to fn
    as they are, each new value traced into its own program. `check=True` also runs fn eagerly
    on every call and raises TraceError if the two disagree. Arrays of another Array API
    library (torch tensors) run with that library, on its device. `params` puts those
    parameters first in `.params` (and in the gradients), in that order: `model.parameters()`
    makes a layer's weights a slice of a parameter vector, read and updated with no copy.
    """
    return CompiledFunction(fn, example_args, reduction, check, static, params)


# --- small helpers ------------------------------------------------------------------------------


def _array(x: Any, position: int) -> np.ndarray:
    if isinstance(x, Value):
        x = x.data
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"compile: argument {position} must be a number or an array of numbers, got "
            f"{type(x).__name__} (pass it as static=({position},) to hand it to fn as it is)"
        ) from None
    if a.dtype == object:  # pragma: no cover - numpy refuses this already
        raise TypeError(f"compile: argument {position} is not numeric")
    return a


def _hashable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (list, np.ndarray)):
        return tuple(_hashable(v) for v in x)
    return x


def _per_example(x: Any, batch: int) -> bool:
    """Is a static argument given per example (a list or array with one value per row)?"""
    return isinstance(x, (list, tuple, np.ndarray)) and len(x) == batch


def _row(x: Any, b: int) -> Any:
    row = x[b]
    return row.item() if isinstance(row, np.generic) else row


def _close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    a, b = float(a), float(b)
    return same(a, b) or abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _values(entry: _Entry, params: np.ndarray | None) -> np.ndarray:
    """The numbers of the program's parameters: from the vector `params`, else their `.data`."""
    return entry.values() if params is None else params[entry.slots]


_DATA = operator.attrgetter("_data")  # the slot behind .data: half the property's time


def _is_numpy(a: Any) -> bool:
    return isinstance(a, np.ndarray | np.generic)


def _kind(a: Any) -> str:
    """What an array is, as its library names it: numpy.ndarray, torch.Tensor."""
    return f"{type(a).__module__.split('.')[0]}.{type(a).__name__}"


def _foreign(a: Any, position: int, xp: Any, device: Any) -> Any:
    """An argument as an array of another library `xp`, on `device`."""
    if hasattr(a, "shape"):
        return a
    return xp.asarray(_array(a, position), dtype=xp.float64, device=device)


def _columns(a: Any, rows: np.ndarray | None, size: int, batched: bool, xp: Any) -> Any:
    """An argument as a program takes it: one row per number of fn's, one column per example
    (a number: one row), for the batch's `rows`; an argument without a batch axis as its
    numbers (floats, for numpy)."""
    if not batched:
        if xp is np:
            return a.item() if a.ndim == 0 else a.ravel().tolist()
        return a if a.ndim == 0 else xp.reshape(a, (-1,))
    picked = a if rows is None else a[rows]
    columns = xp.reshape(picked, (size, -1)).T  # a view: a batch schedule copies it once
    return columns[0] if a.ndim == 1 else columns


def _row_of(g: Any, size: int, call: _Call) -> Any:
    """A gradient as one number per example (a constant 0.0 or a number broadcast)."""
    xp = call.xp
    if not hasattr(g, "shape") or tuple(g.shape) != (size,):
        on = {} if xp is np else {"device": call.device}
        g = xp.broadcast_to(xp.asarray(g, dtype=xp.float64, **on), (size,))
    return g


def _summed(loss: Any, size: int, xp: Any) -> float:
    """The sum of a group's losses: one per example, or one (a constant) for all."""
    if _full(loss, size):
        return float(xp.sum(loss))
    return float(np.broadcast_to(np.asarray(loss, dtype=float), size).sum())


def _scalar(x: Any) -> float:
    """One example's number: a float, or the one entry of a batch-of-one array."""
    return float(x.item()) if isinstance(x, np.ndarray) else float(x)


def _gather(
    groups: list[_Group], results: list[tuple[Any, ...]], batch: int | None
) -> tuple[Any, ...]:
    """Each output in batch order: a float for one example, else an array over the batch."""
    if batch is None:
        return tuple(_scalar(o) for o in results[0])
    if len(groups) == 1 and groups[0].rows is None and all(_full(o, batch) for o in results[0]):
        return tuple(results[0])  # already one array per output, in batch order
    outputs = []
    for k in range(len(results[0])):
        full = np.empty(batch)
        for group, out in zip(groups, results):
            full[slice(None) if group.rows is None else group.rows] = out[k]
        outputs.append(full)
    return tuple(outputs)


def _full(out: Any, batch: int) -> bool:
    """Whether `out` is already one number per example (not a constant's float or 0-d array)."""
    return hasattr(out, "shape") and tuple(out.shape) == (batch,)


def _stack(grads: list[Any]) -> np.ndarray:
    try:
        return np.array(grads, dtype=float)
    except ValueError:  # some are floats, some arrays over the batch
        return np.array(np.broadcast_arrays(*grads))


def _arg_names(fn: Callable[..., Any], n: int) -> list[str]:
    """fn's parameter names where they are safe in printed code, else a0, a1, ..."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = []
    for i in range(n):
        name = positional[i] if i < len(positional) else ""
        ok = name.isidentifier() and name.isalnum() and not keyword.iskeyword(name)
        ok = ok and name not in _RESERVED and not (name[0] in "vpgd" and name[1:].isdigit())
        names.append(name if ok and name not in names else f"a{i}")
    return names


_RESERVED = {*VOCABULARY, "params", "seed", "forward", "float", "program"}


def _title(fn: Callable[..., Any], arg_names: list[str]) -> str:
    name = getattr(fn, "__name__", "")
    ok = name.isidentifier() and not keyword.iskeyword(name)
    return name if ok and name not in _RESERVED and name not in arg_names else "program"
